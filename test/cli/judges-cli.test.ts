import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../../data/samples/fulcra-responses.jsonl', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tenet-judge-cli-'));

function tenet(args: string[]) {
  const r = spawnSync(process.execPath, [MAIN, '--db', join(dir, 't.db'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('judging from the CLI', () => {
  it('evaluate judges the shipped sample offline and profiles each model', () => {
    const out = join(dir, 'judged.jsonl');
    const r = tenet(['evaluate', SAMPLE, '-o', out, '--judge', 'local-fast', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.rows).toBe(300);
    expect(summary.judge).toBe('tenet-local-fast@1.1.0');
    expect(summary.profiles.map((p: { group: string }) => p.group)).toEqual(['(all)', 'gpt-3.5-turbo', 'gpt-4', 'mistral-large']);
    const first = JSON.parse(readFileSync(out, 'utf8').split('\n')[0]!);
    expect(first.id).toBe('gpt-4-000');
    expect(Object.keys(first.values)).toHaveLength(10);
    for (const v of Object.values(first.values) as number[]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
  });

  it('evaluate --on-error skip with every row failed counts the errors and exits 1, saying so', () => {
    const input = join(dir, 'all-bad.jsonl');
    writeFileSync(input, '{"id": "a", "prompt": "p"}\n{"id": "b"}\nnot json\n');
    const r = tenet(['evaluate', input, '--judge', 'local-fast', '--on-error', 'skip', '-o', join(dir, 'all-bad.out.jsonl')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('errors 3');
    expect(r.stderr).toContain('error: every row failed (3 skipped); nothing was judged');
    const some = join(dir, 'some-bad.jsonl');
    writeFileSync(some, '{"id": "a", "prompt": "p", "response": "I will help"}\n{"id": "b"}\n');
    const ok = tenet(['evaluate', some, '--judge', 'local-fast', '--on-error', 'skip', '-o', join(dir, 'some-bad.out.jsonl')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('errors 1');
  });

  it('evaluate rejects a bad --on-error and a missing file with exit 2', () => {
    expect(tenet(['evaluate', SAMPLE, '--on-error', 'maybe']).code).toBe(2);
    const missing = tenet(['evaluate', join(dir, 'nope.jsonl'), '-o', join(dir, 'x.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/not found: .*nope\.jsonl/);
  });

  it.skipIf(!existsSync(SHARED))('judge eval scores the local judge on the held-out FULCRA test part, with N and CIs resampling prompts', () => {
    const r = tenet(['judge', 'eval', '--judge', 'local-fast', '--data', join(SHARED, 'fulcra/trustworthy-dev.jsonl'), '--format', 'fulcra', '--bootstrap', '200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.part).toBe('test');
    expect(m.rows).toBeGreaterThan(200);
    expect(m.schwartz.accuracy.n).toBe(m.rows);
    expect(m.schwartz.accuracy.ci[0]).toBeLessThanOrEqual(m.schwartz.accuracy.value);
    expect(m.schwartz.accuracy.ci[1]).toBeGreaterThanOrEqual(m.schwartz.accuracy.value);
    expect(m.schwartz.accuracy.clusters).toBeGreaterThan(200); // distinct prompts, fewer than rows
    expect(m.schwartz.accuracy.clusters).toBeLessThan(m.rows);
  });

  it.skipIf(!existsSync(SHARED))('judge eval on violation data reports calibration: ECE with a CI and reliability bins that add up to N', () => {
    const r = tenet(['judge', 'eval', '--judge', 'local-fast', '--data', join(SHARED, 'valuecompass/mft-cases-dev.jsonl'), '--format', 'valuecompass-mft', '--bootstrap', '200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    const cal = m.binary.calibration;
    expect(cal.bins).toHaveLength(10);
    expect(cal.bins.reduce((a: number, b: { n: number }) => a + b.n, 0)).toBe(m.rows);
    expect(cal.ece.value).toBeGreaterThanOrEqual(0);
    expect(cal.ece.ci[0]).toBeLessThanOrEqual(cal.ece.ci[1]);
    expect(m.binary.auroc.clusters).toBeLessThanOrEqual(m.rows);
  });

  it.skipIf(!existsSync(SHARED))('judge eval --limit scores only the first N rows of the part, says so, and draws progress on stderr', () => {
    const r = tenet(['judge', 'eval', '--judge', 'local-fast', '--data', join(SHARED, 'valuecompass/mft-cases-dev.jsonl'), '--format', 'valuecompass-mft', '--limit', '12', '--bootstrap', '50', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const m = JSON.parse(r.stdout);
    expect(m.rows).toBe(12);
    expect(m.binary.f1.n).toBe(12);
    expect(m.partReason).toMatch(/first 12 rows in file order/);
    expect(r.stderr).toMatch(/\[judge eval tenet-local-fast\] 12\/12 100%/);
    expect(tenet(['judge', 'eval', '--data', SAMPLE, '--format', 'fulcra', '--limit', '0']).code).toBe(2);
  });

  it('judge eval refuses an unknown format', () => {
    const r = tenet(['judge', 'eval', '--data', SAMPLE, '--format', 'csv']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--format must be one of fulcra, valuecompass-mft, valuecompass-schwartz, ethics/);
  });
});
