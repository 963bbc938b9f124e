import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.ts';
import { FIXTURES, STUDY_CUTOFF, STUDY_DIR } from './helpers.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tenet-graph-cli-'));
const votesFile = join(STUDY_DIR, 'dft-edge-votes.json');
const cardsFile = join(STUDY_DIR, 'dft-canonicalValuesCard.json');
const studyFile = join(STUDY_DIR, 'dft-moral-graph-all-participants.json');

/** Run `tenet <args>` in-process. */
function run(...args: string[]): Promise<CliResult> {
  return runCli(args);
}

afterEach(() => {
  process.exitCode = 0;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;

describe('tenet graph build', () => {
  it('study mode writes the released graph’s edges exactly', async () => {
    const output = join(tmp, 'study.json');
    const r = await run('graph', 'build', '--votes', votesFile, '--values', cardsFile, '--before', STUDY_CUTOFF, '-o', output);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/69 edges between \d+ values \(60 with cards\), 11 contexts/);
    const built = readJson(output);
    expect(Object.keys(built)).toEqual(['values', 'edges']);
    expect(JSON.stringify(built.edges)).toBe(JSON.stringify(readJson(studyFile).edges));
  });

  it('--json reports what was written', async () => {
    const output = join(tmp, 'improved.json');
    const r = await run('--json', 'graph', 'build', '--votes', join(FIXTURES, 'votes-small.json'), '--mode', 'improved', '--no-values', '-o', output);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ output, mode: 'improved', format: 'tenet', votes: 17, edges: 1, values: 2, cards: 0 });
    expect(r.stderr).toMatch(/--no-values: the graph's 2 values have no cards/);
    expect(readJson(output).format).toBe('tenet/moral-graph');
  });

  it('without -o prints the graph', async () => {
    const r = await run('graph', 'build', '--votes', join(FIXTURES, 'votes-small.json'), '--values', join(FIXTURES, 'cards-small.json'), '--before', STUDY_CUTOFF);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { edges: unknown[] }).edges).toHaveLength(3);
  });

  it('bad votes exit 2 with the file and field path', async () => {
    const file = join(FIXTURES, 'bad-votes.json');
    const r = await run('graph', 'build', '--votes', file, '--no-values');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} at [1].relationship`);
  });

  it('without --values it refuses, saying what is missing (exit 2), instead of writing nameless values', async () => {
    const r = await run('graph', 'build', '--votes', join(FIXTURES, 'votes-small.json'), '-o', join(tmp, 'nameless.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/graph build needs the values cards \(--values FILE\): the 17 votes name \d+ values/);
    expect(r.stderr).toMatch(/--no-values/);
  });

  it("the README tour's graph command runs as written on the shipped example, and rank agrees with build on the count", async () => {
    const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('npx tenet graph build'))!;
    expect(line).toBeDefined();
    const [build, rank] = line.replace(/\s+#.*$/, '').split('&&').map((part) => part.trim().replace(/^npx tenet /, '').split(/\s+/));
    const cwd = mkdtempSync(join(tmp, 'tour-'));
    symlinkSync(fileURLToPath(new URL('../../data', import.meta.url)), join(cwd, 'data'));
    const here = process.cwd();
    process.chdir(cwd);
    try {
      const built = await run('--json', ...build!);
      expect(built.code, built.stderr).toBe(0);
      const summary = JSON.parse(built.stdout);
      expect(summary).toMatchObject({ values: 6, cards: 6, votes: 41 });
      const ranked = await run('--json', ...rank!);
      expect(ranked.code, ranked.stderr).toBe(0);
      const r = JSON.parse(ranked.stdout);
      expect(r.nodes).toBe(summary.values);
      expect(r.values.every((v: { title: string }) => !/^value \d+$/.test(v.title))).toBe(true);
    } finally {
      process.chdir(here);
    }
  });

  it('bad options exit 2', async () => {
    expect((await run('graph', 'build', '--votes', votesFile, '--before', 'someday')).code).toBe(2);
    expect((await run('graph', 'build', '--votes', votesFile, '--mode', 'magic')).code).toBe(2);
    const prior = await run('graph', 'build', '--votes', votesFile, '--prior', '1');
    expect(prior.code).toBe(2);
    expect(prior.stderr).toMatch(/--prior must be two positive numbers/);
    expect((await run('graph', 'build', '--votes', votesFile, '--all')).code).toBe(2);
  });
});

describe('tenet graph rank', () => {
  it('prints a table, best first', async () => {
    const r = await run('graph', 'rank', studyFile, '--top', '3');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/60 values, 69 edges \(study mode, all contexts\)/);
    expect(r.stdout).toMatch(/1\s+0\.0937\s+1\.958\s+289\s+Information Empowerment/);
  });

  it('--json, per context, by wisdom', async () => {
    const r = await run('--json', 'graph', 'rank', studyFile, '--context', 'When seeking support', '--by', 'wisdom', '--top', '1');
    const body = JSON.parse(r.stdout) as { context: string; values: { title: string }[] };
    expect(body.context).toBe('When seeking support');
    expect(body.values).toHaveLength(1);
    expect(body.values[0]?.title).toBe('Informed Autonomy');
  });

  it('an unknown context exits 2 and lists the known ones', async () => {
    const r = await run('graph', 'rank', studyFile, '--context', 'When bored');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/known contexts: .*When in distress/);
  });
});

describe('tenet graph import / export', () => {
  it('import then export --format study gives back the released file', async () => {
    const tenet = join(tmp, 'g.tenet.json');
    const back = join(tmp, 'g.study.json');
    expect((await run('graph', 'import', studyFile, '-o', tenet)).code).toBe(0);
    expect(readJson(tenet).format).toBe('tenet/moral-graph');
    expect((await run('graph', 'export', tenet, '--format', 'study', '-o', back)).code).toBe(0);
    expect(readFileSync(back, 'utf8')).toBe(`${JSON.stringify(readJson(studyFile), null, 2)}\n`);
  });

  it('import refuses a file already in tenet format', async () => {
    const tenet = join(tmp, 'g2.tenet.json');
    await run('graph', 'import', studyFile, '-o', tenet);
    expect((await run('graph', 'import', tenet)).code).toBe(2);
  });

  it('export needs --format', async () => {
    expect((await run('graph', 'export', studyFile)).code).toBe(2);
  });
});

describe('--help', () => {
  it('every graph command has a worked example', async () => {
    for (const sub of ['build', 'rank', 'import', 'export']) {
      const r = await run('graph', sub, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('Examples:');
      expect(r.stdout).toContain(`tenet graph ${sub}`);
    }
  });
});

// One end-to-end run through the real entry point, once the lead has registered the graph commands.
const mainFile = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
const registered = (() => {
  try {
    return readFileSync(mainFile, 'utf8').includes('registerGraph');
  } catch {
    return false;
  }
})();

describe.skipIf(!registered)('node src/cli/main.ts graph build', () => {
  it('builds the study graph in a child process', () => {
    const output = join(tmp, 'child.json');
    const args = ['graph', 'build', '--votes', votesFile, '--values', cardsFile, '--before', STUDY_CUTOFF, '-o', output];
    const source = readFileSync(mainFile, 'utf8');
    // main.ts may or may not run itself when executed; if not, import it and call main().
    const child = /\bmain\(process\.argv\)/.test(source)
      ? spawnSync(process.execPath, [mainFile, ...args], { encoding: 'utf8' })
      : spawnSync(
          process.execPath,
          ['--input-type=module', '-e', `const m = await import(${JSON.stringify(mainFile)}); await m.main(process.argv);`, '--', 'tenet', ...args],
          { encoding: 'utf8' },
        );
    expect(child.stderr).not.toMatch(/error/);
    expect(child.status).toBe(0);
    expect(JSON.stringify(readJson(output).edges)).toBe(JSON.stringify(readJson(studyFile).edges));
  });
});

