/**
 * Honest comparisons and gates: `bench compare` refuses runs measured differently (K, judge, τ, template)
 * unless asked, and then warns loudly; gates can check a CI bound (`evr.upper<0.3`); a point estimate is
 * never printed outside its own CI.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatBenchResults, formatComparison } from '../../src/bench/format.ts';
import { evaluateGates, parseGate } from '../../src/bench/gates.ts';
import { compareRuns, loadPromptSet, runBench } from '../../src/bench/index.ts';
import { benchMetrics, type MetricSet } from '../../src/bench/metrics.ts';
import type { Judge, SchwartzVector } from '../../src/judges/types.ts';
import { mulberry32 } from '../../src/judges/metrics.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { spawnTenet } from '../support/spawn.ts';

const judgeV = (version: string): Judge => ({
  id: 'test-judge',
  version,
  async judge(items) {
    return items.map((item) => ({
      values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])) as SchwartzVector,
      violation: item.response.includes('VIOLATE') ? 0.9 : 0.1,
      confidence: 1,
    }));
  },
});

const dir = mkdtempSync(join(tmpdir(), 'tenet-compare-'));
const db = join(dir, 'c.db');
let server: LoopbackServer;
let store: Store;
beforeAll(async () => {
  server = await startLoopbackServer((req) => (Number(/Story (\d+)/.exec(req.messages.at(-1)!.content)?.[1]) % 3 === 0 ? 'VIOLATE' : 'calm'));
  store = await openStore(db);
});
afterAll(async () => {
  await server.close();
  await store.close();
});

describe('bench compare across runs measured differently', () => {
  it('refuses runs that differ in K or judge (exit 2 from the CLI), and with --allow-mismatch warns loudly', async () => {
    const file = join(dir, 'p.jsonl');
    writeFileSync(file, Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: then`, foundation: 'care' })).join('\n'));
    const prompts = await loadPromptSet(file);
    const model = () => [loopbackModel('openai', server, { model: 'm' })];
    const k2 = await runBench({ store, prompts, models: model(), judge: judgeV('1'), samples: 2 });
    const k4 = await runBench({ store, prompts, models: model(), judge: judgeV('1'), samples: 4 });
    const j2 = await runBench({ store, prompts, models: model(), judge: judgeV('2'), samples: 2 });
    await expect(compareRuns(store, [k2.run, k4.run])).rejects.toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(new RegExp(`K \\(samples per prompt; EVR grows with K\\) differs: ${k2.run} 2, ${k4.run} 4`)) });
    await expect(compareRuns(store, [k2.run, j2.run])).rejects.toMatchObject({ message: expect.stringMatching(/judge differs: .* test-judge@1, .* test-judge@2/) });
    const warned = await compareRuns(store, [k2.run, k4.run, j2.run], { allowMismatch: true });
    expect(warned.warnings).toHaveLength(2);
    expect(formatComparison(warned)).toMatch(/^WARNING: not like for like: K \(samples per prompt/m);
    expect((await compareRuns(store, [k2.run])).warnings).toBeUndefined();

    await store.close();
    const refused = await spawnTenet(['--db', db, 'bench', 'compare', k2.run, k4.run], { cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/measured differently.*--allow-mismatch/s);
    const allowed = await spawnTenet(['--db', db, '--json', 'bench', 'compare', k2.run, k4.run, '--allow-mismatch'], { cwd: dir });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/warning: the runs were measured differently: K/);
    expect(JSON.parse(allowed.stdout).warnings[0]).toMatch(/^K /);
    store = await openStore(db);
  }, 30_000);
});

describe('gates on CI bounds', () => {
  // 20 prompts, 5 violating: EVR 0.25 with a CI of roughly [0.05, 0.45]
  const metrics = benchMetrics(Array.from({ length: 20 }, (_, i) => ({ id: `${i}`, foundation: 'care', scores: [i < 5 ? 0.9 : 0.1] }))).metrics;
  const [lo, hi] = metrics.overall.ci.evr;

  it('parse METRIC.lower / METRIC.upper, with or without a foundation', () => {
    expect(parseGate('evr.upper<0.3')).toEqual({ expr: 'evr.upper<0.3', metric: 'evr', bound: 'upper', op: '<', threshold: 0.3 });
    expect(parseGate('care.evr.lower >= 0.2')).toMatchObject({ foundation: 'care', metric: 'evr', bound: 'lower', op: '>=' });
    expect(() => parseGate('evr.middle<0.3')).toThrow(/"middle" is not a CI bound/);
  });

  it('check the bound, not the point estimate', () => {
    expect(lo).toBeLessThan(0.25);
    expect(hi).toBeGreaterThan(0.3);
    const [point, upper, lower] = evaluateGates([parseGate('evr>0.3'), parseGate('evr.upper>0.3'), parseGate('care.evr.lower>0.3')], [{ model: 'm', metrics }]);
    expect(point).toMatchObject({ breached: false, value: 0.25 });
    expect(upper).toMatchObject({ breached: true, value: hi, reason: `evr.upper (of its 95% CI) = ${hi.toFixed(3)} > 0.3` });
    expect(lower).toMatchObject({ breached: false, value: lo });
  });
});

describe('rounding', () => {
  const parse = (text: string): [number, number, number][] =>
    [...text.matchAll(/(\d\.\d+) \[(\d\.\d+), (\d\.\d+)\]/g)].map((m) => [Number(m[1]), Number(m[2]), Number(m[3])]);

  it('never prints a point estimate outside its CI (0.999 with a CI reaching 0.997 … 1)', () => {
    const rand = mulberry32(7);
    const sets: MetricSet[] = [];
    const edge = benchMetrics(Array.from({ length: 1000 }, (_, i) => ({ id: `${i}`, foundation: 'care', scores: [i === 0 ? 0.1 : 0.9] }))).metrics.overall;
    expect(edge.evr).toBe(0.999);
    sets.push(edge);
    for (let t = 0; t < 20; t++) {
      sets.push(benchMetrics(Array.from({ length: 5 + Math.floor(rand() * 60) }, (_, i) => ({ id: `${i}`, foundation: 'care', scores: [rand(), rand()] }))).metrics.overall);
    }
    for (const set of sets) {
      const text = formatBenchResults({ run: 'r', status: 'done', prompts: { source: 's', count: set.n }, judge: { id: 'j', version: '1' }, samples: 2, tau: 0.5, failureCauses: [],
        models: [{ model: 'm', metrics: { overall: set, per_foundation: {} } }] });
      const rows = parse(text);
      expect(rows).toHaveLength(3);
      for (const [v, l, h] of rows) {
        expect(l, text).toBeLessThanOrEqual(v);
        expect(v, text).toBeLessThanOrEqual(h);
      }
    }
    expect(formatBenchResults({ run: 'r', status: 'done', prompts: { source: 's', count: 1000 }, judge: { id: 'j', version: '1' }, samples: 1, tau: 0.5, failureCauses: [],
      models: [{ model: 'm', metrics: { overall: edge, per_foundation: {} } }] })).toMatch(/0\.999 \[0\.99\d, 1\.000\]/);
  });
});
