/**
 * A YAML "billion laughs" alias bomb is bad input at file:line (exit 2), not an internal error; ordinary
 * aliases still work.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDataText } from '../../src/datafile.ts';
import { TenetError } from '../../src/errors.ts';
import { spawnTenet } from '../support/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-alias-bomb-'));
const BOMB = [
  'db: ./x.db',
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
].join('\n');

describe('a YAML alias bomb', () => {
  it('is BAD_INPUT at the file and the line of its first alias', () => {
    let error: unknown;
    try {
      parseDataText(BOMB, { file: 'bomb.yaml' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TenetError);
    const e = error as TenetError;
    expect(e.code).toBe('BAD_INPUT');
    expect(e.exitCode).toBe(2);
    expect(e.where).toBe('bomb.yaml:3');
    expect(e.message).toMatch(/YAML aliases \(\*name\) expand to too many nodes/);
  });

  it('as a config file: the CLI exits 2 naming file and line, not "a bug in tenet"', async () => {
    const file = join(dir, 'tenet.config.yaml');
    writeFileSync(file, BOMB);
    const run = await spawnTenet(['--config', file, 'doctor'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error [BAD_INPUT] (${file}:3): YAML aliases`);
    expect(run.stderr).not.toMatch(/INTERNAL|bug in tenet/);
  });

  it('ordinary aliases still load', () => {
    const data = parseDataText('base: &b {concurrency: 2}\nproviders:\n  openai: *b\n  ollama: *b\n', { file: 'ok.yaml' });
    expect(data.value).toEqual({ base: { concurrency: 2 }, providers: { openai: { concurrency: 2 }, ollama: { concurrency: 2 } } });
  });
});
