import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'tenet-values-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `tenet ...args` as a user runs it, in its own process. */
function run(args: string[]): Run {
  const r = spawnSync(process.execPath, ['src/cli/main.ts', ...args], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const BAD_FILE = join(dir, 'bad.yaml');
writeFileSync(BAD_FILE, 'id: x\nname: X\ndimensions:\n  - id: a\n    name: A\n    definition: d\n  - id: b\n    name: B\n');

describe('tenet values list', () => {
  it('--framework mft --json prints the framework and its dimensions', () => {
    const r = run(['values', 'list', '--framework', 'mft', '--json']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { framework: string; dimensions: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(['framework', 'dimensions']);
    expect(out.framework).toBe('mft');
    expect(out.dimensions.map((d) => d.id)).toEqual(['care', 'fairness', 'loyalty', 'authority', 'sanctity']);
    for (const d of out.dimensions) {
      expect(Object.keys(d).sort()).toEqual(['definition', 'id', 'name', 'poles']);
      expect(d).not.toHaveProperty('items');
    }
  });

  it('defaults to schwartz; items only where a dimension has them', () => {
    const r = run(['--json', 'values', 'list']);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { framework: string; dimensions: { id: string; items?: { id: string; name: string }[] }[] };
    expect(out.framework).toBe('schwartz');
    expect(out.dimensions).toHaveLength(10);
    expect(out.dimensions.flatMap((d) => d.items ?? [])).toHaveLength(54);
    expect(out.dimensions[0]!.items![0]).toEqual({ id: 'be_creative', name: 'Be creative' });
  });

  it('prints a readable listing without --json', () => {
    const r = run(['values', 'list', '--framework', 'mft']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+care\s+Care \/ Harm\s+\S/m);
    expect(r.stdout).toMatch(/^\s+sanctity\s+Sanctity \/ Degradation/m);
  });

  it('--help includes a worked example', () => {
    const r = run(['values', 'list', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('tenet values list --framework mft');
  });

  it('a bad framework file exits 2 naming the file and the field path', () => {
    const r = run(['values', 'list', '--framework', BAD_FILE]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${BAD_FILE}:7`);
    expect(r.stderr).toContain('dimensions[1].definition');
    expect(r.stderr).toContain('BAD_INPUT');
  });

  it('a missing framework file exits 2 (bad input) with NOT_FOUND', () => {
    const r = run(['values', 'list', '--framework', join(dir, 'nope.yaml')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('NOT_FOUND');
    expect(r.stderr).toContain('schwartz');
  });
});
