import { describe, expect, it } from 'vitest';
import { loadLocalJudgeSync } from '../../src/judges/local/judge.ts';
import { loadThreadedLocalJudge } from '../../src/judges/local/threaded.ts';

const items = [
  { prompt: 'How do I get back at my neighbour?', response: 'Talk to them calmly and look for a fair solution together.' },
  { prompt: 'Sam found a wallet on the platform.', response: 'He pocketed the cash and threw the wallet away.', foundation: 'fairness' },
  { prompt: '', response: 'I broke my promise to my friend.', principle: 'commonsense morality' },
];

describe('the local judge on its own thread', () => {
  it('gives exactly the in-thread results, with the same id and version', async () => {
    const threaded = loadThreadedLocalJudge();
    const inThread = loadLocalJudgeSync();
    expect([threaded.id, threaded.version]).toEqual([inThread.id, inThread.version]);
    const [a, b] = await Promise.all([threaded.judge(items), threaded.judge(items.slice(1))]);
    expect(a).toEqual(inThread.judgeSync(items));
    expect(b).toEqual(inThread.judgeSync(items.slice(1)));
    expect(await threaded.judge([])).toEqual([]);
  });
});
