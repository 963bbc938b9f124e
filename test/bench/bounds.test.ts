/**
 * Bounds on what a bench accepts, each a clear error before any model call: K, concurrency, samples per run,
 * prompt size (configurable), line size and UTF-8 at file:line. A run whose work dies of a fatal error is
 * marked failed, never left `running`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { benchRunConfig, DEFAULT_MAX_PROMPT_CHARS, loadPromptSet, MAX_RUN_SAMPLES, runBench } from '../../src/bench/index.ts';
import { TenetError } from '../../src/errors.ts';
import { createJudge } from '../../src/judges/factory.ts';
import { readJsonl, readLines } from '../../src/jsonl.ts';
import { localExecutor, type Executor } from '../../src/runtime/executor.ts';
import { openStore } from '../../src/store/index.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { spawnTenet } from '../support/spawn.ts';
import { rejected } from '../support/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-bench-bounds-'));
const line = (i: number, prompt = `Story ${i}: the wallet lay there and`): string => JSON.stringify({ id: `p${i}`, prompt, foundation: 'care' });
const okFile = join(dir, 'ok.jsonl');
writeFileSync(okFile, [line(0), line(1)].join('\n'));

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer(() => 'he handed it to the police.');
});
afterAll(async () => {
  await server.close();
});

describe('bench bounds (CLI)', () => {
  it('refuses --samples 1e9 and a huge --concurrency with exit 2 before opening a run', async () => {
    const db = join(dir, 'cli.db');
    const k = await spawnTenet(['--db', db, 'bench', '--models', 'openai:m', '--prompts', okFile, '--samples', '1e9'], { cwd: dir });
    expect(k.code).toBe(2);
    expect(k.stderr).toMatch(/--samples must be at most 1000, got 1e9/);
    const c = await spawnTenet(['--db', db, 'bench', '--models', 'openai:m', '--prompts', okFile, '--concurrency', '1000000'], { cwd: dir });
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/--concurrency must be at most 1024/);
    const store = await openStore(db);
    try {
      expect(await store.runs.list()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('refuses an overlong prompt at file:line unless --max-prompt-chars allows it', async () => {
    const file = join(dir, 'long.jsonl');
    writeFileSync(file, [line(0), line(1), line(2, 'x'.repeat(DEFAULT_MAX_PROMPT_CHARS + 1))].join('\n'));
    const run = await spawnTenet(['bench', '--models', 'openai:m', '--prompts', file], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error [BAD_INPUT] (${file}:3 at prompt): field "prompt" is ${DEFAULT_MAX_PROMPT_CHARS + 1} characters long; the limit is ${DEFAULT_MAX_PROMPT_CHARS}`);
    expect(run.stderr).toMatch(/--max-prompt-chars/);
    expect((await loadPromptSet(file, { maxPromptChars: 30_000 })).prompts).toHaveLength(3);
  });
});

describe('line files', () => {
  it('reject a line over the size limit at file:line without holding it whole', async () => {
    const file = join(dir, 'huge.jsonl');
    writeFileSync(file, `${line(0)}\n${line(1, 'y'.repeat(9 * 1024 * 1024))}\n${line(2)}\n`);
    const error = await rejected(loadPromptSet(file));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.where).toBe(`${file}:2`);
    expect(error.message).toMatch(/longer than 8388608 bytes/);
    const small: number[] = [];
    for await (const [n] of readLines(file, { maxLineBytes: 100, onError: () => {} })) small.push(n);
    expect(small).toEqual([1, 3]);
  });

  it('reject invalid UTF-8 at file:line instead of silently replacing it (or skip the line, reported, when asked)', async () => {
    const file = join(dir, 'latin1.jsonl');
    writeFileSync(file, Buffer.concat([
      Buffer.from(`${line(0)}\n`),
      Buffer.from('{"id": "p1", "prompt": "Caf'), Buffer.from([0xe9]), Buffer.from(' story and", "foundation": "care"}\r\n'),
      Buffer.from(`${line(2)}\n`),
    ]));
    const error = await rejected(loadPromptSet(file));
    expect(error.code).toBe('BAD_INPUT');
    expect(error.where).toBe(`${file}:2`);
    expect(error.message).toMatch(/not valid UTF-8/);
    expect(error.hint).toMatch(/iconv/);
    const skipped: string[] = [];
    const ids: unknown[] = [];
    for await (const [, obj] of readJsonl(file, { onError: (e) => skipped.push(e.where) })) ids.push(obj.id);
    expect(ids).toEqual(['p0', 'p2']);
    expect(skipped).toEqual([`${file}:2`]);
  });

  it('still read CRLF files, a BOM and a last line without a newline as before', async () => {
    const file = join(dir, 'crlf.jsonl');
    writeFileSync(file, `\uFEFF${line(0)}\r\n\r\n${line(1)}\r\n${line(2)}`);
    expect((await loadPromptSet(file)).prompts.map((p) => p.id)).toEqual(['p0', 'p1', 'p2']);
  });
});

describe('runBench bounds and fatal errors', () => {
  it('refuses K above the limit and runs over the sample limit', async () => {
    const prompts = await loadPromptSet(okFile);
    const model = loopbackModel('openai', server, { model: 'm' });
    const judge = await createJudge('local-fast');
    expect(() => benchRunConfig({ prompts, models: [model], judge, samples: 1e9 })).toThrow(/samples \(K\) must be an integer from 1 to 1000/);
    const many = { ...prompts, prompts: Array.from({ length: 6000 }, (_, i) => ({ id: `p${i}`, prompt: 'x', foundation: 'care' as const })) };
    expect(() => benchRunConfig({ prompts: many, models: [model], judge, samples: 1000 })).toThrow(new RegExp(`one run holds at most ${MAX_RUN_SAMPLES}`));
  });

  it('marks the run failed, not running, when its work dies of a fatal error', async () => {
    const store = await openStore(join(dir, 'fatal.db'));
    try {
      const prompts = await loadPromptSet(okFile);
      // an executor whose work queue goes away after the first unit (as a distributed one's could)
      const dying: Executor = {
        async execute(units, work, options) {
          let n = 0;
          return localExecutor.execute(units, async (unit, signal) => {
            if (n++ > 0) throw new Error('unreachable');
            await work(unit, signal);
          }, options).then(() => {
            throw new TenetError('STORE', 'the work queue went away');
          });
        },
      };
      const error = await rejected(runBench({ store, prompts, models: [loopbackModel('openai', server, { model: 'm' })], judge: await createJudge('local-fast'), samples: 1, concurrency: 1, executor: dying }));
      expect(error.message).toBe('the work queue went away');
      const [run] = await store.runs.list({ kind: 'bench' });
      expect(run!.status).toBe('failed');
    } finally {
      await store.close();
    }
  });
});

describe('YAML / JSON data files', () => {
  it('reject invalid UTF-8 at file:line (config from the CLI, votes from the library) and a file over the size limit', async () => {
    const { readTextFile } = await import('../../src/datafile.ts');
    const { loadVotes } = await import('../../src/moralgraph/index.ts');
    const config = join(dir, 'latin1.yaml');
    writeFileSync(config, Buffer.concat([Buffer.from('cache: true\n# caf'), Buffer.from([0xe9]), Buffer.from('\ndb: ./x.db\n')]));
    const run = await spawnTenet(['--config', config, 'doctor'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error [BAD_INPUT] (${config}:2): the file is not valid UTF-8`);
    const votes = join(dir, 'votes-latin1.json');
    writeFileSync(votes, Buffer.concat([Buffer.from('[\n  {"story": "caf'), Buffer.from([0xe9]), Buffer.from('"}\n]\n')]));
    let error: unknown;
    try {
      loadVotes(votes);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'BAD_INPUT', location: { file: votes, line: 2 } });
    expect(() => readTextFile(okFile, 10)).toThrow(/may have at most 10/);
  });
});
