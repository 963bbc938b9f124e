/**
 * The plan a long run prints before it starts (issue 22 item 18): generations per model and role, and an
 * estimate only where the model's speed is known — from this store's history, else the local-model benchmark.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vilmoPlan } from '../../src/align/vilmo/plan.ts';
import { VILMO_METHODS, type VilmoRunConfig } from '../../src/align/vilmo/config.ts';
import { describePlan, modelSpeed } from '../../src/runtime/plan.ts';
import { openStore } from '../../src/store/index.ts';

describe('describePlan', () => {
  it('estimates a fetched local model from its measured tokens/s, per role and token limit', async () => {
    const text = await describePlan(undefined, 'plan', [
      { model: 'llamacpp:smollm2-135m-instruct-q4_1', role: 'target', generations: 100, maxTokens: 30 },
      { model: 'llamacpp:smollm2-135m-instruct-q4_1', role: 'generator', generations: 18, maxTokens: 60 },
    ], 8);
    expect(text).toContain('plan: at most 118 generations by llamacpp:smollm2-135m-instruct-q4_1 (target 100, ≤ 30 tokens each; generator 18, ≤ 60 tokens each)');
    // 100 × 30/30 s + 18 × 60/30 s = 136 s: local models share the machine, so concurrency does not divide it
    expect(text).toContain('estimated time: about 2 min');
  });

  it('says the time is unknown for a model with no measured speed, and says when nothing is left', async () => {
    expect(await describePlan(undefined, 'plan', [{ model: 'openai:gpt-4o-mini', role: 'target', generations: 40, maxTokens: 128 }], 8))
      .toMatch(/40 generations by openai:gpt-4o-mini .*\n  estimated time: unknown \(no measured speed for openai:gpt-4o-mini yet/);
    expect(await describePlan(undefined, 'plan', [{ model: 'openai:x', role: 'target', generations: 0, maxTokens: 1 }], 8)).toBe('plan: nothing left to generate');
  });

  it('takes a model\'s speed from the median latency of its uncached samples in this store', async () => {
    const store = await openStore(join(mkdtempSync(join(tmpdir(), 'tenet-plan-')), 't.db'));
    try {
      await store.runs.create({ id: 'r', kind: 'bench' });
      const { id: taskId } = await store.tasks.put({ runId: 'r', kind: 'bench', input: { id: 'p' } });
      const latencies = [1000, 2000, 3000, 4000, 90_000, 5, 6];
      await store.samples.putMany(latencies.map((latencyMs, i) => ({ runId: 'r', taskId, model: 'openai:m', sampleIndex: i, text: 'x', latencyMs, cached: i === 5 || i === 6 })));
      expect(await modelSpeed(store, 'openai:m', 128)).toEqual({ secondsPerGeneration: 3, basis: 'median of its last 5 calls in this store' });
      // remote calls run `concurrency` at a time: 40 × 3 s / 8 = 15 s
      expect(await describePlan(store, 'plan', [{ model: 'openai:m', role: 'target', generations: 40, maxTokens: 128 }], 8)).toContain('about 15 s');
    } finally {
      await store.close();
    }
  });
});

describe('vilmoPlan', () => {
  it('counts each stage as the run makes it', () => {
    const config = {
      target: { spec: 'llamacpp:t' }, generator: { spec: 'llamacpp:g' }, methods: [...VILMO_METHODS], samples: 2, candidates: 2, rounds: 1,
      sampling: { maxTokens: 32 }, generatorSampling: {},
    } as unknown as VilmoRunConfig;
    const [target, generator] = vilmoPlan(config, { train: 5, val: 1, test: 4 });
    // target: VILMO (R+1)·V·K + R·T·M·K = 4 + 20, APE M·T·K = 20, five arms × E·K = 40, self-critique 2·E·K = 16
    expect(target).toMatchObject({ model: 'llamacpp:t', generations: 100, maxTokens: 32 });
    // generator: (R+1)·V + R·T·M + E = 2 + 10 + 4, APE M = 2
    expect(generator).toMatchObject({ model: 'llamacpp:g', generations: 18 });
  });
});
