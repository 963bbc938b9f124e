/**
 * Issue 19 item 4, end to end through the CLI: a judge that finds 0 of 36 prompts violating gives an EVR
 * interval with an upper bound > 0 (Wilson: 0.0964), 36 of 36 a lower bound < 1, in `bench --json` and in
 * `bench compare`, each naming its method; compare's paired p-values are exact and Holm-corrected.
 * (The percentile bootstrap gave [0, 0] and [1, 1].)
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-edge-ci-'));
const db = join(dir, 'tenet.db');
const prompts = join(dir, 'prompts.jsonl');
let server: LoopbackServer;

/** The LLM judge: a response with VIOLATE violates. */
function judgeReply(req: ScriptRequest): string {
  const content = req.messages.map((m) => m.content).join('\n');
  return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: content.includes('VIOLATE') ? 0.9 : 0.1, confidence: 0.9, rationale: 'scripted' });
}

/** never violates, always violates, or violates on every other story. */
function target(req: ScriptRequest): string {
  const i = Number(/Story (\d+):/.exec(req.messages.at(-1)!.content)?.[1]);
  if (req.model === 'bad') return 'and then VIOLATE.';
  if (req.model === 'mixed') return i % 2 ? 'and then VIOLATE.' : 'and then peace.';
  return 'and then peace.';
}

const tenet = (args: string[]): Promise<CliResult> => runCli(['--db', db, ...args]);
const spec = (model: string) => `openai-compatible:${model}@${server.url}/v1`;
const z2 = 1.959963984540054 ** 2;

beforeAll(async () => {
  server = await startLoopbackServer((req) => (req.model === 'judge' ? judgeReply(req) : target(req)));
  writeFileSync(prompts, Array.from({ length: 36 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay there and`, foundation: 'care' })).join('\n'));
});
afterAll(() => server.close());

describe('intervals at 0% and 100%, named', () => {
  let run: string;

  it('bench --json: 0/36 has EVR upper bound > 0 and 36/36 a lower bound < 1 (Wilson), every CI with its method', async () => {
    const out = await tenet(['bench', '--models', `${spec('good')},${spec('bad')},${spec('mixed')}`, '--prompts', prompts, '--samples', '2', '--judge', `llm:${spec('judge')}`, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout);
    run = result.run;
    const byModel = (m: string) => result.models.find((x: { model: string }) => x.model.includes(`:${m}`)).metrics.overall;
    const good = byModel('good');
    const bad = byModel('bad');
    expect(good).toMatchObject({ evr: 0, apv: 0, n: 36 });
    expect(good.ci.evr[0]).toBe(0);
    expect(good.ci.evr[1]).toBeCloseTo(z2 / (36 + z2), 5); // 0.0964
    expect(good.ci.evr[1]).toBeGreaterThan(0.09);
    expect(bad).toMatchObject({ evr: 1, apv: 1, n: 36 });
    expect(bad.ci.evr[0]).toBeCloseTo(36 / (36 + z2), 5); // 0.9036
    expect(bad.ci.evr[1]).toBe(1);
    for (const m of [good, bad]) {
      // every prompt the same: the bootstrap has nothing to resample, so MVP and APV fall back to Wilson too
      expect(m.ci_method).toEqual({ evr: 'wilson', mvp: 'wilson', apv: 'wilson' });
      for (const k of ['evr', 'mvp', 'apv']) expect(m.ci[k][1] - m.ci[k][0]).toBeGreaterThan(0.05);
    }
    expect(byModel('mixed').ci_method).toEqual({ evr: 'wilson', mvp: 'bca-bootstrap', apv: 'bca-bootstrap' });
    const foundation = result.models[0].metrics.per_foundation.care;
    expect(foundation.ci_method.evr).toBe('wilson');
  });

  it('bench compare names the methods, and its exact paired p-values are Holm-corrected over every pair', async () => {
    const out = await tenet(['bench', 'compare', run, '--json']);
    expect(out.code, out.stderr).toBe(0);
    const c = JSON.parse(out.stdout);
    expect(c.ranking.map((r: { label: string }) => r.label)).toEqual(['openai:good', 'openai:mixed', 'openai:bad']);
    expect(c.ranking[0].metrics.overall.ci.evr[1]).toBeGreaterThan(0.09);
    expect(c.ranking[2].metrics.overall.ci.evr[0]).toBeLessThan(0.91);
    expect(c.ranking[0].metrics.overall.ci_method.evr).toBe('wilson');
    expect(c.correction).toEqual({ method: 'holm', alpha: 0.05, family: 3, test: 'exact paired sign-flip' });
    // good−mixed: 18 discordant prompts, p = 2^-17; good−bad: 36, p = 2^-35; mixed−bad: 18, p = 2^-17.
    // Holm: 3·2^-35 for the smallest; the two ties get max(2·2^-17, 1·2^-17) = 2·2^-17.
    const pair = (a: string, b: string) => c.pairs.find((p: { a: string; b: string }) => p.a === `openai:${a}` && p.b === `openai:${b}`);
    expect(pair('good', 'bad')).toMatchObject({ method: 'paired-sign-flip', ci_method: 'newcombe', diff: -1, shared: 36, significant: true });
    expect(pair('good', 'bad').p).toBeCloseTo(2 ** -35, 15);
    expect(pair('good', 'bad').p_holm).toBeCloseTo(3 * 2 ** -35, 15);
    for (const [a, b] of [['good', 'mixed'], ['mixed', 'bad']] as const) {
      expect(pair(a, b)).toMatchObject({ diff: -0.5, shared: 36, significant: true });
      expect(pair(a, b).p).toBeCloseTo(2 ** -17, 12);
      expect(pair(a, b).p_holm).toBeCloseTo(2 * 2 ** -17, 12);
      expect(pair(a, b).ci[0]).toBeLessThan(-0.5);
      expect(pair(a, b).ci[1]).toBeGreaterThan(-0.5);
    }
    // 0/36 against 0/36 would be Δ 0 with a non-zero-width Newcombe interval (tested in test/stats)
    const human = await tenet(['bench', 'compare', run]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/95% CI over prompts: wilson/);
    expect(human.stdout).toMatch(/newcombe, p 7\.6e-6, p_holm 1\.5e-5/);
    expect(human.stdout).toMatch(/Holm-corrected over all 3 paired comparisons/);
  });

  it('the bench table names the method of every interval', async () => {
    const out = await tenet(['bench', '--resume', run]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/CI methods: EVR wilson · MVP wilson · APV wilson/);
    expect(out.stdout).toMatch(/CI methods: EVR wilson · MVP bca-bootstrap · APV bca-bootstrap/);
    expect(out.stdout).toMatch(/overall\s+0\.000 \[0\.000, 0\.096\]/);
  });
});
