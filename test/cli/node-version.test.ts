/**
 * tenet needs Node >= 22.12. On an older Node, bin/tenet.js, `npm test` and `npm start` must stop at once with
 * one clear message and exit 2 (not a segmentation fault in the store driver or "Map.groupBy is not a function").
 * The end-to-end cases run on a real older Node: /usr/bin/node when it is older, or $TENET_OLD_NODE.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const MESSAGE = 'tenet needs Node.js >= 22.12';

function oldNode(): string | undefined {
  for (const candidate of [process.env.TENET_OLD_NODE, '/usr/bin/node']) {
    if (!candidate || !existsSync(candidate)) continue;
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' }).stdout.trim();
    const [major, minor] = version.replace(/^v/, '').split('.').map(Number);
    if (major! < 22 || (major === 22 && minor! < 12)) return candidate;
  }
  return undefined;
}

describe('the Node version check', () => {
  it('accepts 22.12 and newer and explains what to do on anything older', () => {
    const script = `import { nodeVersionProblem } from './bin/check-node.js';
      console.log(JSON.stringify(['20.11.1', 'v22.11.0', '22.12.0', '22.20.5', '24.1.0'].map((v) => nodeVersionProblem(v, '/opt/node/bin/node'))));`;
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const [old20, old22, ok22, ok2220, ok24] = JSON.parse(run.stdout) as (string | null)[];
    expect(old20).toContain(`${MESSAGE}; this is Node 20.11.1 (/opt/node/bin/node)`);
    expect(old20).toContain('hint: install Node 22');
    expect(old20).toContain('npm install -g node@22'); // a route that needs only the npm registry
    expect(old22).toContain('this is Node 22.11.0');
    expect([ok22, ok2220, ok24]).toEqual([null, null, null]);
  });

  it('npm test and npm start run the check first', () => {
    const scripts = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')).scripts as Record<string, string>;
    expect(scripts.pretest).toBe('node bin/check-node.js');
    expect(scripts.prestart).toBe('node bin/check-node.js');
    const ok = spawnSync(process.execPath, ['bin/check-node.js'], { cwd: ROOT, encoding: 'utf8' });
    expect(ok.status).toBe(0);
    expect(ok.stderr).toBe('');
  });

  const old = oldNode();
  describe.skipIf(!old)(`on a real older Node (${old ?? 'none found: set TENET_OLD_NODE=/path/to/node20 to run these'})`, () => {
    it('bin/tenet.js exits 2 with the message before loading anything', () => {
      const run = spawnSync(old!, ['bin/tenet.js', 'doctor'], { cwd: ROOT, encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toContain(MESSAGE);
      expect(run.stderr).toContain('hint: install Node 22');
      expect(run.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    });

    const npm = `${dirname(old!)}/npm`;
    it.skipIf(!existsSync(npm))('npm test and npm start stop at once with the same message and exit 2', () => {
      for (const script of ['test', 'start']) {
        const run = spawnSync(npm, [script], {
          cwd: ROOT, encoding: 'utf8', timeout: 15_000,
          env: { ...process.env, PATH: `${dirname(old!)}:${process.env.PATH ?? ''}` },
        });
        expect(run.status, `npm ${script}`).toBe(2);
        expect(run.stderr).toContain(MESSAGE);
        expect(run.stderr + run.stdout).not.toContain('tsc'); // stopped before the typecheck / build
      }
    });

    it.skipIf(!existsSync(npm))('npm ci stops before installing or building anything (engine-strict in .npmrc)', () => {
      const dir = mkdtempSync(`${tmpdir()}/tenet-npm-ci-`);
      try {
        for (const file of ['package.json', 'package-lock.json', '.npmrc', 'bin']) cpSync(`${ROOT}/${file}`, `${dir}/${file}`, { recursive: true });
        const run = spawnSync(npm, ['ci', '--offline', '--no-audit', '--no-fund'], {
          cwd: dir, encoding: 'utf8', timeout: 60_000,
          env: { ...process.env, PATH: `${dirname(old!)}:${process.env.PATH ?? ''}` },
        });
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain('EBADENGINE');
        expect(run.stderr).toContain('>=22.12');
        expect(existsSync(`${dir}/node_modules`)).toBe(false); // nothing installed, nothing built
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
