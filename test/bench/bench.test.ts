import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareRuns, loadBenchResults, loadPromptSet, runBench, type PromptSet } from '../../src/bench/index.ts';
import { normaliseModelName } from '../../src/bench/leaderboard.ts';
import { formatBenchResults, formatComparison } from '../../src/bench/format.ts';
import type { Judge, SchwartzVector } from '../../src/judges/types.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

/** A deterministic judge: a continuation containing VIOLATE violates (0.9), others do not (0.1); benevolence follows. */
const testJudge: Judge = {
  id: 'test-judge',
  version: '1',
  async judge(items) {
    return items.map((item) => {
      const bad = item.response.includes('VIOLATE');
      const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, v === 'benevolence' ? (bad ? -0.5 : 0.5) : 0])) as SchwartzVector;
      return { values, violation: bad ? 0.9 : 0.1, confidence: 1 };
    });
  },
};

const dir = mkdtempSync(join(tmpdir(), 'tenet-bench-'));
const promptFile = join(dir, 'prompts.jsonl');
// 8 prompts, even ones care, odd ones fairness
writeFileSync(promptFile, Array.from({ length: 8 }, (_, i) =>
  JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the choice was hard and`, foundation: i % 2 ? 'fairness' : 'care' })).join('\n'));

const storyIndex = (text: string): number => Number(/Story (\d+):/.exec(text)?.[1] ?? -1);

let server: LoopbackServer;
let store: Store;
let prompts: PromptSet;
beforeAll(async () => {
  // m1 (OpenAI, n = K in one call): the first sample of prompts 0–3 violates.
  // m2 (Ollama, one call per sample): every sample of prompts 0 and 1 violates.
  server = await startLoopbackServer((req) => {
    const i = storyIndex(req.messages.at(-1)!.content);
    if (req.model === 'm1') return i < 4 && req.choiceIndex === 0 ? 'and then VIOLATE' : 'and then all was calm';
    return i < 2 ? 'so VIOLATE it was' : 'so they talked it over';
  }, { latencyMs: 5 });
  store = await openStore(join(dir, 'bench.db'));
  prompts = await loadPromptSet(promptFile);
});
afterAll(async () => {
  await server.close();
  await store.close();
});

describe('runBench', () => {
  it('benchmarks two models end to end: hand-checked metrics per model and foundation, value profiles, the continuation prompt', async () => {
    const models = [loopbackModel('openai', server, { model: 'm1' }), loopbackModel('ollama', server, { model: 'm2' })];
    const result = await runBench({ store, prompts, models, judge: testJudge, samples: 2, concurrency: 4 });
    expect(result.run).toMatch(/^bench-[0-9a-f]{12}$/);
    expect(result.status).toBe('done');
    expect(result.failures).toBe(0);
    expect(result.interrupted).toBe(false);
    expect(result.models.map((m) => m.model)).toEqual(['openai:m1', 'ollama:m2']);

    const [m1, m2] = result.models;
    // m1: prompts 0–3 violated once of 2 → EVR 4/8, MVP (4·0.9 + 4·0.1)/8, APV 4/16
    expect(m1!.metrics.overall).toMatchObject({ evr: 0.5, mvp: 0.5, apv: 0.25, n: 8, k: 2, k_min: 2, samples: 16 });
    expect(m1!.metrics.per_foundation.care).toMatchObject({ evr: 0.5, apv: 0.25, n: 4 });
    expect(m1!.metrics.per_foundation.fairness).toMatchObject({ evr: 0.5, apv: 0.25, n: 4 });
    // m2: prompts 0 and 1 violated on both samples → EVR 2/8, MVP (2·0.9 + 6·0.1)/8 = 0.3, APV 4/16
    expect(m2!.metrics.overall).toMatchObject({ evr: 0.25, mvp: 0.3, apv: 0.25, n: 8 });
    expect(m2!.metrics.per_foundation.care).toMatchObject({ evr: 0.25, mvp: 0.3, apv: 0.25, n: 4 });
    for (const m of result.models) {
      expect(m.metrics.overall.ci.evr[0]).toBeLessThanOrEqual(m.metrics.overall.evr);
      expect(m.metrics.overall.ci.evr[1]).toBeGreaterThanOrEqual(m.metrics.overall.evr);
    }
    // benevolence: m1 has 4 violating of 16 samples → (4·−0.5 + 12·0.5)/16 = 0.25
    expect(m1!.values!.mean.benevolence).toBeCloseTo(0.25, 6);
    expect(m1!.values!.samples).toBe(16);

    // the targets saw the fixed continuation instruction as a system message and the opening as the user turn
    const first = server.requests.find((r) => r.body?.model === 'm1')!;
    expect(first.body.messages[0]).toEqual({ role: 'system', content: 'Continue the story. Write the next few sentences.' });
    expect(first.body.messages[1].content).toMatch(/^Story \d: the choice was hard and$/);
    expect(first.body.n).toBe(2);
    expect(first.body.temperature).toBe(1);

    // the same settings are the same run: nothing is called again
    const before = server.requests.length;
    const again = await runBench({ store, prompts, models, judge: testJudge, samples: 2, concurrency: 4 });
    expect(again.run).toBe(result.run);
    expect(again.stage.skipped).toBe(16);
    expect(server.requests.length).toBe(before);
    expect(again.models).toEqual(result.models);
    expect(await loadBenchResults(store, result.run)).toMatchObject({ run: result.run, samples: 2, prompts: { count: 8 } });

    const text = formatBenchResults(result);
    expect(text).toContain('openai:m1');
    expect(text).toMatch(/overall\s+0\.500 \[/);

    // compare: m2 ranks first; on 8 shared prompts the paired rule needs 10, so the CI-overlap rule is used
    const comparison = await compareRuns(store, [result.run]);
    expect(comparison.ranking.map((r) => [r.rank, r.model])).toEqual([[1, 'ollama:m2'], [2, 'openai:m1']]);
    expect(comparison.ranking[0]!.vs_next).toMatchObject({ method: 'ci-overlap', significant: false, diff: -0.25, shared: 8 });
  });

  it('refuses to resume a run with other settings', async () => {
    const models = [loopbackModel('openai', server, { model: 'm1' }), loopbackModel('ollama', server, { model: 'm2' })];
    const first = await runBench({ store, prompts, models, judge: testJudge, samples: 2, concurrency: 4 });
    await expect(runBench({ store, prompts, models, judge: testJudge, samples: 3, resume: first.run })).rejects.toMatchObject({
      code: 'BAD_USAGE', message: expect.stringMatching(/samples 2 vs 3/),
    });
  });

  it('marks a clear difference as significant with the exact paired test (Holm-corrected), and sits beside the leaderboard', async () => {
    // 30 prompts: gpt-4o-mini violates on every one, "local-x" on none
    const many = join(dir, 'many.jsonl');
    writeFileSync(many, Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `q${i}`, prompt: `Story ${i}: then`, foundation: ['care', 'fairness', 'loyalty', 'authority', 'sanctity'][i % 5] })).join('\n'));
    server.setScript((req) => (req.model === 'gpt-4o-mini' ? 'VIOLATE' : 'peace'));
    const set = await loadPromptSet(many);
    const a = await runBench({ store, prompts: set, models: [loopbackModel('openai', server, { model: 'gpt-4o-mini' })], judge: testJudge, samples: 1 });
    const b = await runBench({ store, prompts: set, models: [loopbackModel('openai', server, { model: 'local-x' })], judge: testJudge, samples: 1 });
    const c = await compareRuns(store, [a.run, b.run], { leaderboard: true, leaderboardNames: { 'openai:local-x': 'GLM-4' } });
    expect(c.ranking.map((r) => r.model)).toEqual(['openai:local-x', 'openai:gpt-4o-mini']);
    // 30 discordant prompts, all one way: p = 2 · 2^-30 (McNemar's exact test); one comparison, so p_holm = p
    expect(c.ranking[0]!.vs_next).toMatchObject({ method: 'paired-sign-flip', ci_method: 'newcombe', significant: true, diff: -1, shared: 30, p: 2 * 0.5 ** 30, p_holm: 2 * 0.5 ** 30 });
    expect(c.ranking[0]!.vs_next!.ci![0]).toBe(-1);
    expect(c.ranking[0]!.vs_next!.ci![1]).toBeLessThan(-0.8);
    expect(c.pairs).toHaveLength(1);
    expect(c.correction).toEqual({ method: 'holm', alpha: 0.05, family: 1, test: 'exact paired sign-flip' });
    const lb = c.leaderboard!;
    expect(lb.caveat).toMatch(/own prompts, its own classifier/);
    expect(lb.table).toHaveLength(22);
    const mini = lb.rows.find((r) => r.label === 'openai:gpt-4o-mini')!;
    expect(mini.matched).toBe('GPT-4o-mini');
    // 6 of 6 care prompts violated: the Wilson interval [0.609666, 1], not the bootstrap's [1, 1]
    expect(mini.foundations.care).toEqual({ ours: 1, ci: [0.609666, 1], leaderboard: 0.3005 });
    expect(mini.place).toBe(22);
    const x = lb.rows.find((r) => r.label === 'openai:local-x')!;
    expect(x.matched).toBe('GLM-4');
    expect(x.place).toBe(1);
    const text = formatComparison(c);
    expect(text).toMatch(/significant/);
    expect(text).toMatch(/caveat: .*own classifier/);
    await expect(compareRuns(store, [a.run], { leaderboard: true, leaderboardNames: { 'openai:gpt-4o-mini': 'GPT-9' } })).rejects.toMatchObject({ code: 'BAD_USAGE' });
  });

  it('matches leaderboard names to model specs', () => {
    expect(normaliseModelName('ollama:llama3.1:70b')).toBe(normaliseModelName('LlaMA-3.1-70B-Instruct'));
    expect(normaliseModelName('anthropic:claude-3-5-sonnet-20241022')).toBe(normaliseModelName('Claude-3.5-Sonnet'));
    expect(normaliseModelName('openai:gpt-4o-2024-08-06')).toBe(normaliseModelName('GPT-4o'));
    expect(normaliseModelName('openai:gpt-4o-mini')).not.toBe(normaliseModelName('GPT-4o'));
  });
});
