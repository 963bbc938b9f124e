/**
 * One rule for judge verdicts without a violation score, in bench and probe alike: the sample is left out of
 * every score (never counted as 0) and counted (`unscored`), and the outputs say how many. And one name per
 * metric: the probe's CLI summary and its report both say "mean violation score" for the objective and
 * "violation rate" for the share above τ.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBenchResults, loadPromptSet, runBench } from '../../src/bench/index.ts';
import { formatBenchResults } from '../../src/bench/format.ts';
import { renderProbe } from '../../src/cli/probe.ts';
import type { Judge, SchwartzVector } from '../../src/judges/types.ts';
import { probeJson, runProbe } from '../../src/probe/index.ts';
import { loadReportData } from '../../src/report/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { MARKER, PRINCIPLES, world } from './helpers.ts';

const odd = (text: string): boolean => (createHash('sha256').update(text).digest()[0]! & 1) === 1;

/** Scores a marked text 0.9 and about half the others 0.1; gives no violation score for the other half. */
const patchyJudge: Judge = {
  id: 'patchy',
  version: '1',
  async judge(items) {
    return items.map((item) => {
      const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])) as SchwartzVector;
      if (item.response.includes(MARKER)) return { values, violation: 0.9, confidence: 1 };
      return odd(item.response) ? { values, confidence: 0.2 } : { values, violation: 0.1, confidence: 1 };
    });
  },
};

const dir = mkdtempSync(join(tmpdir(), 'tenet-verdicts-'));
let server: LoopbackServer;
let store: Store;
beforeAll(async () => {
  const script = world();
  server = await startLoopbackServer((req) => {
    if (req.model === 'bench') {
      const i = Number(/Story (\d+):/.exec(req.messages.at(-1)!.content)?.[1]);
      return `reply ${i}.${req.choiceIndex}${i % 3 === 0 ? ` ${MARKER}` : ''}`;
    }
    return script(req);
  });
  store = await openStore(join(dir, 'v.db'));
});
afterAll(async () => {
  await server.close();
  await store.close();
});

describe('null verdicts', () => {
  it('bench leaves them out of EVR/MVP/APV and counts them', async () => {
    const file = join(dir, 'prompts.jsonl');
    writeFileSync(file, Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: then`, foundation: 'care' })).join('\n'));
    const result = await runBench({ store, prompts: await loadPromptSet(file), models: [loopbackModel('openai', server, { model: 'bench' })], judge: patchyJudge, samples: 3 });
    const overall = result.models[0]!.metrics.overall;
    // the replies the judge could not score, counted from the same rule the judge follows
    let expected = 0;
    for (let i = 0; i < 12; i++) for (let k = 0; k < 3; k++) if (i % 3 !== 0 && odd(`reply ${i}.${k}`)) expected++;
    expect(expected).toBeGreaterThan(0);
    expect(overall.unscored).toBe(expected);
    expect(overall.samples).toBe(36 - expected);
    // APV: 4 prompts × 3 marked samples over the scored samples only (a null counted as 0 would add to the denominator)
    expect(overall.apv).toBeCloseTo(12 / (36 - expected), 6);
    expect(formatBenchResults(await loadBenchResults(store, result.run))).toContain(`(${expected} verdicts without a violation score left out)`);
    const report = await loadReportData(store, result.run);
    expect(report.notes.join('\n')).toMatch(new RegExp(`bench: ${expected}\\); they are left out of every metric, not counted as 0`));
  });

  it('probe leaves them out of each prompt\'s scores (never 0) and counts them; CLI and report name the metrics alike', async () => {
    const result = await runProbe({
      store,
      target: loopbackModel('openai', server, { model: 'target' }),
      generator: loopbackModel('openai', server, { model: 'gen' }),
      judge: patchyJudge,
      principles: PRINCIPLES.slice(0, 3),
      iterations: 2,
      samples: 4,
      candidates: 3,
      evalSamples: 4,
      promptsPerPrinciple: 1,
      concurrency: 2,
    });
    let unscored = 0;
    for (const p of result.principles) {
      for (const it of p.iterations) {
        expect(it.samples.length + (it.unscored ?? 0)).toBe(4);
        for (const s of it.samples) expect(s.violation).not.toBe(0); // the judge never says 0: a 0 is a null counted as 0
        if (it.samples.length) expect(it.violation).toBeCloseTo(it.samples.reduce((a, s) => a + s.violation, 0) / it.samples.length, 9);
        unscored += it.unscored ?? 0;
        // the fresh score follows the same rule
        expect(it.fresh.n + (it.fresh.unscored ?? 0)).toBe(4);
        for (const s of it.fresh.samples) expect(s.violation).not.toBe(0);
      }
    }
    expect(unscored).toBeGreaterThan(0);

    const json = probeJson(result);
    const s = json.summary;
    expect(s.unscored).toBe(result.principles.reduce((n, p) => n + (p.iterations.at(-1)?.fresh.unscored ?? 0), 0));
    const text = renderProbe(json);
    expect(text).toContain(`mean violation score ${s.mean_initial_violation!.toFixed(2)} → ${s.mean_final_violation!.toFixed(2)}`);
    expect(text).toContain(`violation rate (share of completions above τ) ${Math.round(s.mean_initial_violation_rate! * 100)}% → ${Math.round(s.mean_final_violation_rate! * 100)}%`);
    expect(text).not.toMatch(/mean violation +\d+%/);
    const notes = (await loadReportData(store, result.run)).notes.join('\n');
    expect(notes).toContain(`Fresh mean violation score ${s.mean_initial_violation!.toFixed(2)} at the seed, ${s.mean_final_violation!.toFixed(2)} at the end`);
    expect(notes).toContain(`fresh violation rate (share of completions above τ) ${Math.round(s.mean_initial_violation_rate! * 100)}% → ${Math.round(s.mean_final_violation_rate! * 100)}%`);
  });
});
