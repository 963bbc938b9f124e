import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Judge } from '../../src/judges/types.ts';
import { localExecutor } from '../../src/runtime/executor.ts';
import { openRun } from '../../src/runtime/run.ts';
import { runSampleStage, type PromptTask } from '../../src/runtime/sample-stage.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';

/** A deterministic test judge: a completion containing "cheat" violates. */
const keywordJudge: Judge = {
  id: 'test-keyword',
  version: '1',
  async judge(items) {
    return items.map((item) => ({
      values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])) as Record<(typeof SCHWARTZ_VALUE_IDS)[number], number>,
      violation: item.response.includes('cheat') ? 0.9 : 0.1,
      confidence: 1,
    }));
  },
};

const tasks: PromptTask[] = Array.from({ length: 6 }, (_, i) => ({ id: `p${i}`, prompt: `Story ${i}: the exam was hard and`, foundation: 'fairness' }));

let server: LoopbackServer;
let store: Store;
beforeAll(async () => {
  server = await startLoopbackServer((req) => (req.choiceIndex % 2 ? 'she decided to cheat' : 'she studied all night'), { latencyMs: 20 });
  store = await openStore(join(mkdtempSync(join(tmpdir(), 'tenet-rt-')), 'run.db'));
});
afterAll(async () => {
  await server.close();
  await store.close();
});

describe('the sample stage', () => {
  it('stores K judged samples per prompt and model, and resumes an interrupted run without repeats or losses', async () => {
    const models = [loopbackModel('openai', server, { model: 'm1' }), loopbackModel('ollama', server, { model: 'm2' })];
    const run = await openRun(store, { kind: 'bench', name: 'resume test', config: { tasks: tasks.length, k: 3 } });
    const controller = new AbortController();
    let units = 0;
    const stopping = {
      execute: ((units_, work, options) => localExecutor.execute(units_, async (unit, signal) => {
        await work(unit, signal);
        if (++units === 4) controller.abort();
      }, options)) as typeof localExecutor.execute,
    };
    const first = await runSampleStage(tasks, {
      store, runId: run.id, taskKind: 'bench', models, samples: 3, judge: keywordJudge, concurrency: 2,
      signal: controller.signal, executor: stopping,
    });
    expect(first.interrupted).toBe(true);
    const afterFirst = await store.samples.countByRun(run.id);
    expect(afterFirst).toBeGreaterThanOrEqual(12);
    expect(afterFirst).toBeLessThan(36);
    // requests cut off by the abort may still be landing on the server: let them arrive before counting
    await new Promise((r) => setTimeout(r, 200));
    const requestsBefore = server.requests.length;

    const again = await openRun(store, { kind: 'bench', name: 'resume test', config: { tasks: tasks.length, k: 3 } });
    expect(again.id).toBe(run.id);
    const second = await runSampleStage(tasks, { store, runId: run.id, taskKind: 'bench', models, samples: 3, judge: keywordJudge, concurrency: 4 });
    expect(second.interrupted).toBe(false);
    expect(second.skipped).toBe(afterFirst / 3);
    expect(second.done + second.skipped).toBe(12);

    const samples = await store.samples.listByRun(run.id);
    expect(samples).toHaveLength(36);
    expect(new Set(samples.map((s) => s.id)).size).toBe(36);
    const judgments = await store.judgments.listByRun(run.id);
    expect(judgments).toHaveLength(36);
    // the cache is off here, so every remaining unit was one fresh call (openai: n=3 in one call; ollama: 3 calls)
    const openaiUnits = second.done / 2;
    expect(server.requests.length - requestsBefore).toBe(openaiUnits * 1 + openaiUnits * 3);
    const totals = (await store.runs.get(run.id))!.totals;
    expect(totals.calls).toBeGreaterThan(0);
  });

  it('records a failing unit and goes on with the rest', async () => {
    server.setScript((req) => (req.messages[0]!.content.includes('Story 2') ? { fault: 'http', status: 400 } : 'fine'));
    const run = await openRun(store, { kind: 'bench', name: 'failures', config: { failures: true } });
    const summary = await runSampleStage(tasks, {
      store, runId: run.id, taskKind: 'bench', models: [loopbackModel('openai', server, { model: 'm3' })], samples: 2, concurrency: 3,
    });
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.error).toMatch(/400/);
    expect(summary.done).toBe(5);
    expect(await store.samples.countByRun(run.id)).toBe(10);
    expect((await store.runs.get(run.id))!.totals.errors).toBe(1);
  });
});
