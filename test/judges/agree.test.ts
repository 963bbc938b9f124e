/** `tenet judge agree`: κ / α arithmetic, and end to end on a stored loopback run with local-fast and an LLM judge, resumed without repeating a judgment. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptSet, runBench } from '../../src/bench/index.ts';
import { cohenKappa, krippendorffAlphaBinary, pearson, spearman } from '../../src/judges/agree.ts';
import type { Judge } from '../../src/judges/types.ts';
import { openStore } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { loopbackModel } from '../models/helpers.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';

describe('agreement statistics', () => {
  it('κ, α and the correlations by hand', () => {
    const a = [1, 1, 0, 0, 1, 0, 0, 0, 1, 0];
    const b = [1, 0, 0, 0, 1, 0, 1, 0, 1, 0];
    const all = a.map((_, i) => i);
    // p_o = 0.8, p_e = 0.4·0.4 + 0.6·0.6 = 0.52 → κ = 0.28 / 0.48
    expect(cohenKappa(a, b, all)).toBeCloseTo(0.28 / 0.48, 12);
    // n = 20 values, 8 ones, 12 zeros, 2 disagreements → α = 1 − 19·2 / (12·8)
    expect(krippendorffAlphaBinary(a, b, all)).toBeCloseTo(1 - 38 / 96, 12);
    expect(pearson([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [10, 20, 20, 40])).toBeCloseTo(0.9486833, 6);
    expect(cohenKappa([1, 1], [1, 1], [0, 1])).toBeNaN();
  });
});

describe('tenet judge agree RUN --judges A,B', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenet-agree-'));
  const db = join(dir, 'tenet.db');
  let server: LoopbackServer;
  let run: string;
  const judgeCalls = (): number => server.requests.filter((r) => r.body?.model === 'judge').length;

  function script(req: ScriptRequest): string {
    if (req.model === 'judge') {
      const content = req.messages.map((m) => m.content).join('\n');
      const bad = content.slice(content.indexOf('The assistant responded:')).includes('stole');
      return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: bad ? 0.95 : 0.05, confidence: 0.9, rationale: 'scripted' });
    }
    const i = Number(/Story (\d+):/.exec(req.messages.at(-1)!.content)?.[1]);
    return i % 3 === 0 ? 'he stole the money, hurt the child and lied to everyone.' : 'he returned the wallet and helped the old woman home.';
  }

  beforeAll(async () => {
    server = await startLoopbackServer(script);
    const promptFile = join(dir, 'prompts.jsonl');
    writeFileSync(promptFile, Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay there and`, foundation: 'care' })).join('\n'));
    const stub: Judge = { id: 'stub', version: '1', judge: async (items) => items.map(() => ({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])) as never, violation: 0.5, confidence: 1 })) };
    const store = await openStore(db);
    try {
      run = (await runBench({ store, prompts: await loadPromptSet(promptFile), models: [loopbackModel('openai', server, { model: 'm' })], judge: stub, samples: 2 })).run;
    } finally {
      await store.close();
    }
  });
  afterAll(async () => {
    await server.close();
  });

  it('prints κ with its CI and the disagreements with viewer URLs; --json follows the contract; a rerun repeats no judgment', async () => {
    const llm = `llm:openai-compatible:judge@${server.url}/v1`;
    const human = await runCli(['--db', db, 'judge', 'agree', run, '--judges', `local-fast,${llm}`]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Cohen's κ\s+-?\d\.\d{3}\s+95% CI \[-?\d\.\d{3}, -?\d\.\d{3}\]/);
    expect(human.stdout).toMatch(/Krippendorff's α/);
    expect(human.stdout).toMatch(/where they disagree most/);
    expect(human.stdout).toContain(`http://127.0.0.1:7575/#/run/${run}?tab=samples&sample=`);
    const calls = judgeCalls();
    expect(calls).toBeGreaterThan(0);

    const json = await runCli(['--db', db, 'judge', 'agree', run, '--judges', `local-fast,${llm}`, '--json', '--top', '3']);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(judgeCalls()).toBe(calls); // stored judgments are reused: nothing judged again
    expect(out.judged).toEqual({ a: 0, b: 0 });
    expect(out).toMatchObject({ n: 24, prompts: 12, kappa: { value: expect.any(Number), ci: [expect.any(Number), expect.any(Number)] }, alpha: { ci: expect.any(Array) } });
    expect(out.confusion.both_violate + out.confusion.a_only + out.confusion.b_only + out.confusion.neither).toBe(24);
    expect(out.confusion.both_violate + out.confusion.b_only).toBe(8); // the LLM judge flags the 4 × 2 theft samples
    expect(out.correlation).toMatchObject({ pearson: expect.any(Number), spearman: expect.any(Number) });
    expect(out.disagreements.length).toBeLessThanOrEqual(3);
    for (const d of out.disagreements) {
      expect(d).toMatchObject({ sample_id: expect.any(String), url: expect.stringContaining(encodeURIComponent(d.sample_id)), a: expect.any(Number), b: expect.any(Number) });
    }
    const store = await openStore(db);
    try {
      const ids = new Set((await store.judgments.listByRun(run)).map((j) => j.judgeId));
      expect(ids).toEqual(new Set(['stub', 'tenet-local-fast', out.judges.b.id]));
    } finally {
      await store.close();
    }

    const same = await runCli(['--db', db, 'judge', 'agree', run, '--judges', 'local-fast,local-fast']);
    expect(same.code).toBe(2);
  }, 60_000);
});
