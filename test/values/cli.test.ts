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

function run(args: string[], script?: string): Run {
  const argv = script ? ['--input-type=module', '-e', script, '--', ...args] : ['src/cli/main.ts', ...args];
  const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A program with only `values` registered and the same global options as main.ts. */
const HARNESS = `
import { Command } from 'commander';
const { registerValues } = await import('./src/cli/values.ts');
const program = new Command('tenet').option('--json').option('--db <url>').option('--config <file>').exitOverride();
registerValues(program);
try { await program.parseAsync(['node', 'tenet', ...process.argv.slice(1)]); }
catch (e) { process.exitCode = e.exitCode === 0 ? 0 : 2; }
`;

const BAD_FILE = join(dir, 'bad.yaml');
writeFileSync(BAD_FILE, 'id: x\nname: X\ndimensions:\n  - id: a\n    name: A\n    definition: d\n  - id: b\n    name: B\n');

// main.ts imports every command; while other modules are half-written it may not load. The values command is
// then checked through the harness alone.
const mainLoads = spawnSync(process.execPath, ['--input-type=module', '-e', "await import('./src/cli/main.ts')"], {
  cwd: root,
  encoding: 'utf8',
}).status === 0;

const ways: [string, string | undefined][] = [['harness (registerValues only)', HARNESS]];
if (mainLoads) ways.push(['node src/cli/main.ts', undefined]);

describe.each(ways)('tenet values list via %s', (_name, script) => {
  it('--framework mft --json prints the framework and its dimensions', () => {
    const r = run(['values', 'list', '--framework', 'mft', '--json'], script);
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
    const r = run(['--json', 'values', 'list'], script);
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout) as { framework: string; dimensions: { id: string; items?: { id: string; name: string }[] }[] };
    expect(out.framework).toBe('schwartz');
    expect(out.dimensions).toHaveLength(10);
    expect(out.dimensions.flatMap((d) => d.items ?? [])).toHaveLength(54);
    expect(out.dimensions[0]!.items![0]).toEqual({ id: 'be_creative', name: 'Be creative' });
  });

  it('prints a readable listing without --json', () => {
    const r = run(['values', 'list', '--framework', 'mft'], script);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^\s+care\s+Care \/ Harm\s+\S/m);
    expect(r.stdout).toMatch(/^\s+sanctity\s+Sanctity \/ Degradation/m);
  });

  it('--help includes a worked example', () => {
    const r = run(['values', 'list', '--help'], script);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('tenet values list --framework mft');
  });

  it('a bad framework file exits 2 naming the file and the field path', () => {
    const r = run(['values', 'list', '--framework', BAD_FILE], script);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${BAD_FILE}:7`);
    expect(r.stderr).toContain('dimensions[1].definition');
    expect(r.stderr).toContain('BAD_INPUT');
  });

  it('a missing framework file exits 2 (bad input) with NOT_FOUND', () => {
    const r = run(['values', 'list', '--framework', join(dir, 'nope.yaml')], script);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('NOT_FOUND');
    expect(r.stderr).toContain('schwartz');
  });
});

// Visible in the report when main.ts could not be loaded and only the harness ran.
if (!mainLoads) it.skip('node src/cli/main.ts (does not load: another module imported by main.ts is unfinished)', () => {});
