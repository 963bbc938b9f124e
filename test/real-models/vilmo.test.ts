/**
 * VILMO on a real model: SmolLM2-135M as target and generator, the n-gram judge, 10 built-in prompts (4 training,
 * 2 validation, 4 test), K = 2, M = 2, R = 1, 12-token continuations (24 until issue 25's faster suite; nothing
 * asserted depends on their length), with perplexity under SmolLM2 as the quality cost, then the
 * report and the SFT export. What the numbers are is not asserted (a 135M generator does not write useful
 * instructions; docs/align.md shows a larger run); that the whole chain runs on real weights and tokenisers,
 * measures every arm on the same test prompts and stores and reports it, is.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels, SMOL } from '../support/real-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-real-vilmo-'));

afterAll(() => unloadLlamaModels());

describeRealModels('VILMO on a real model', () => {
  it('runs all six arms on SmolLM2 with its perplexity as the quality cost, and reports and exports the run', async () => {
    const db = join(dir, 'vilmo.db');
    const out = await runCli(['--json', '--db', db, 'align', 'vilmo', '--target', SMOL, '--generator', SMOL, '--judge', 'local-fast',
      '--prompts', 'builtin:valuecompass-mft', '--limit', '10', '--split', '0.4,0.2,0.4', '--samples', '2', '--candidates', '2', '--rounds', '1',
      '--max-tokens', '12', '--concurrency', '4', '--reference', SMOL, '--no-cache']);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout);
    expect(result.status).toBe('done');
    expect(result.split).toMatchObject({ train: 4, val: 2, test: 4 });
    expect(Object.keys(result.methods).sort()).toEqual(['ape', 'fixed', 'none', 'principle', 'self-critique', 'vilmo']);
    for (const arm of Object.values(result.methods) as { n: number; apv: number }[]) {
      expect(arm.n).toBe(4);
      expect(arm.apv).toBeGreaterThanOrEqual(0);
      expect(arm.apv).toBeLessThanOrEqual(1);
    }
    expect(result.paired).toHaveLength(15);
    expect(result.correction.method).toBe('holm');
    expect(result.training.curve.map((p: { round: number }) => p.round)).toEqual([0, 1]);
    const ppl = result.quality.arms.none.perplexity;
    expect(ppl.n).toBe(4);
    expect(Number.isFinite(ppl.value) && ppl.value > 1 && ppl.median > 1).toBe(true);

    const html = join(dir, 'vilmo.html');
    const report = await runCli(['--db', db, 'report', result.run, '-o', html]);
    expect(report.code, report.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toContain('VILMO and its baselines');

    const sft = join(dir, 'sft.jsonl');
    const exported = await runCli(['--db', db, 'align', 'export', result.run, '--format', 'sft', '--chat', '--min-conformity', '0', '-o', sft]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(sft, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(4); // one best instruction per training prompt
    for (const row of rows) expect(row.messages.map((m: { role: string }) => m.role)).toEqual(['user', 'assistant']);
  }, 900_000);
});
