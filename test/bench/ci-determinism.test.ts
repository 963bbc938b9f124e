/**
 * The same data gives the same bootstrap CIs, whatever run it is stored in: prompts are ordered by their own
 * id, not by task ids (which hash the run id). docs/bench.md promises this.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compareRuns, loadBenchResults, loadPromptSet, runBench } from '../../src/bench/index.ts';
import type { Judge, SchwartzVector } from '../../src/judges/types.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const judge: Judge = {
  id: 'test-judge',
  version: '1',
  async judge(items) {
    return items.map((item) => ({
      values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])) as SchwartzVector,
      violation: item.response.includes('VIOLATE') ? 0.9 : 0.1,
      confidence: 1,
    }));
  },
};

const dir = mkdtempSync(join(tmpdir(), 'tenet-ci-det-'));
let server: LoopbackServer;
let store: Store;
beforeAll(async () => {
  // an irregular pattern of violating prompts, so that resampling order matters
  server = await startLoopbackServer((req) => {
    const i = Number(/Story (\d+):/.exec(req.messages.at(-1)!.content)?.[1]);
    const bad = req.model === 'm1' ? (i * 7) % 5 < 2 : (i * 3) % 7 < 2;
    return bad ? 'VIOLATE' : 'calm';
  });
  store = await openStore(join(dir, 'ci.db'));
});
afterAll(async () => {
  await server.close();
  await store.close();
});

it('two runs of the same data (different run ids) give identical CIs, per model and in compare', async () => {
  const file = join(dir, 'prompts.jsonl');
  writeFileSync(file, Array.from({ length: 40 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: and then`, foundation: i % 2 ? 'care' : 'fairness' })).join('\n'));
  const prompts = await loadPromptSet(file);
  const models = () => [loopbackModel('openai', server, { model: 'm1' }), loopbackModel('openai', server, { model: 'm2' })];
  // maxTokens differs only to give the second run another id; the replies are the same
  const a = await runBench({ store, prompts, models: models(), judge, samples: 1, sampling: { maxTokens: 100 } });
  const b = await runBench({ store, prompts, models: models(), judge, samples: 1, sampling: { maxTokens: 101 } });
  expect(a.run).not.toBe(b.run);
  const [ra, rb] = [await loadBenchResults(store, a.run), await loadBenchResults(store, b.run)];
  expect(ra.models.map((m) => m.metrics)).toEqual(rb.models.map((m) => m.metrics));
  const [ca, cb] = [await compareRuns(store, [a.run]), await compareRuns(store, [b.run])];
  expect(ca.pairs.map((p) => [p.diff, p.ci, p.p, p.p_holm])).toEqual(cb.pairs.map((p) => [p.diff, p.ci, p.p, p.p_holm]));
  expect(ca.pairs[0]).toMatchObject({ method: 'paired-sign-flip', ci_method: 'newcombe' });
});
