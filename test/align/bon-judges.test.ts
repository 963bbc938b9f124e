/**
 * Best-of-N with two judges, in a world where nothing is really better: the N samples of each prompt are
 * exchangeable and the two LLM judges' opinions are independent (each scores a text from its own hash of it).
 * The select judge's gain is guaranteed by construction; the held-out judge finds none. Run in-process.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-align-judges-'));
const db = join(dir, 'tenet.db');
const promptFile = join(dir, 'prompts.jsonl');
writeFileSync(promptFile, Array.from({ length: 30 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Q${i}: what would you do for a stranger?` })).join('\n'));
const SCALE = [-1, -0.5, 0, 0.5, 1];

/** A judge's reading: every value from its own hash of (judge, the text judged), on the LLM judge's scale. */
function judgeReply(req: ScriptRequest): string {
  const text = req.messages.map((m) => m.content).join('\n');
  const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => {
    const h = createHash('sha256').update(`${req.model}|${v}|${text}`).digest();
    return [v, SCALE[h[0]! % SCALE.length]!];
  }));
  return JSON.stringify({ values, violation: null, confidence: 0.9, rationale: 'scripted' });
}

let server: LoopbackServer;
const spec = (model: string) => `openai-compatible:${model}@${server.url}/v1`;
const tenet = (args: string[]): Promise<CliResult> => runCli(['--db', db, ...args]);

beforeAll(async () => {
  server = await startLoopbackServer((req) => (req.model.startsWith('judge') ? judgeReply(req) : `answer ${req.choiceIndex} to ${req.messages.at(-1)!.content.slice(0, 4)}`));
});
afterAll(async () => {
  await server.close();
});

describe('align bon with a select and a report judge', () => {
  it('shows the proxy gain (CI above 0) that the held-out judge does not confirm (CI covers 0), and the curve n = 1, 2, 4, 8', async () => {
    const r = await tenet(['align', 'bon', '--model', spec('m'), '--prompts', promptFile, '--n', '8', '--target', 'ideal', '--select-judge', `llm:${spec('judgeA')}`, '--judge', `llm:${spec('judgeB')}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.n).toBe(8);
    expect(out.select_judge.id).toContain('judgeA');
    expect(out.judge.id).toContain('judgeB');
    for (const side of ['proxy', 'heldout']) {
      for (const row of ['baseline', 'first_sample', 'best_of_n', 'difference']) expect(out[side][row].reward).toMatchObject({ mean: expect.any(Number), ci: [expect.any(Number), expect.any(Number)], n: 30 });
    }
    expect(out.proxy.difference.reward.ci[0]).toBeGreaterThan(0);
    expect(out.heldout.difference.reward.ci[0]).toBeLessThanOrEqual(0);
    expect(out.heldout.difference.reward.ci[1]).toBeGreaterThanOrEqual(0);
    expect(out.curve.map((c: { n: number }) => c.n)).toEqual([1, 2, 4, 8]);
    // n = 1 is the baseline (mean of the N), n = N the pick, on both judges; the proxy rises with n
    expect(out.curve[0].proxy.mean).toBeCloseTo(out.proxy.baseline.reward.mean, 12);
    expect(out.curve[0].heldout.mean).toBeCloseTo(out.heldout.baseline.reward.mean, 12);
    expect(out.curve[3].proxy.mean).toBeCloseTo(out.proxy.best_of_n.reward.mean, 12);
    expect(out.curve[3].heldout.mean).toBeCloseTo(out.heldout.best_of_n.reward.mean, 12);
    for (let k = 1; k < 4; k++) expect(out.curve[k].proxy.mean).toBeGreaterThanOrEqual(out.curve[k - 1].proxy.mean);
    expect(out.warnings.join(' ')).not.toMatch(/Goodhart/);
    // every sample was judged by both judges and stored
    const results = await tenet(['align', 'results', out.run, '--json']);
    expect(JSON.parse(results.stdout).heldout.difference.reward.mean).toBeCloseTo(out.heldout.difference.reward.mean, 12);

    const human = await tenet(['align', 'results', out.run]);
    expect(human.stdout).toMatch(/proxy \(select judge\)\s+held-out \(report judge\)/);
    expect(human.stdout).toContain('n = 8');

    const report = await tenet(['report', out.run, '-o', join(dir, 'r.html'), '--json']);
    expect(report.code, report.stderr).toBe(0);
    const data = JSON.parse(report.stdout).data.align;
    expect(data.curve.map((c: { n: number }) => c.n)).toEqual([1, 2, 4, 8]);
    expect(data.rows.map((x: { label: string }) => x.label)).toEqual(['baseline (mean of 8)', 'first sample', 'best-of-8', 'difference (best − baseline, paired)']);

    // export picks chosen/rejected with the select judge and says how the report judge orders them
    const ex = await tenet(['align', 'export', out.run, '--format', 'dpo', '-o', join(dir, 'pairs.jsonl'), '--json']);
    expect(ex.code, ex.stderr).toBe(0);
    const summary = JSON.parse(ex.stdout);
    expect(summary.select_judge.id).toContain('judgeA');
    expect(summary.judge.id).toContain('judgeB');
    expect(summary.heldout.pairs).toBeGreaterThan(0);
    expect(summary.warnings).toEqual([]);
  }, 120_000);

  it('with one judge: held-out equals proxy and a Goodhart warning says so', async () => {
    const r = await tenet(['align', 'bon', '--model', spec('m'), '--prompts', promptFile, '--limit', '10', '--n', '4', '--target', 'ideal', '--judge', `llm:${spec('judgeA')}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.heldout).toEqual(out.proxy);
    expect(out.select_judge).toEqual(out.judge);
    expect(out.warnings.join(' ')).toMatch(/Goodhart.*held-out equals proxy/);
    expect(out.curve.map((c: { n: number }) => c.n)).toEqual([1, 2, 4]);
  }, 120_000);
});
