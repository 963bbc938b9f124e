/**
 * `tenet view` from the command line: --export writes the static viewer with the chosen runs' data (and
 * says how many samples a limit left out) under the server's CSP; bad usage exits 2 with a hint (a bad port,
 * an address the machine lacks, a port in use); an unknown run is a 2 as well;
 * --help has worked examples.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../support/cli.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';
import { buildViewAssets } from './build.ts';
import { makeViewRuns, startViewModels, type ViewRuns } from './fixtures.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-view-cli-'));
const db = join(dir, 'view.db');
let models: LoopbackServer;
let runs: ViewRuns;
const saved = process.env.TENET_VIEW_ASSETS;

beforeAll(async () => {
  models = await startViewModels();
  process.env.TENET_VIEW_ASSETS = await buildViewAssets();
  const store = await openStore(db);
  runs = await makeViewRuns(store, models, dir);
  await store.close();
}, 120_000);
afterAll(async () => {
  await models?.close();
  if (saved === undefined) delete process.env.TENET_VIEW_ASSETS;
  else process.env.TENET_VIEW_ASSETS = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('tenet view', () => {
  it('--export writes index.html, the app and the chosen runs\' data; --json says what it wrote', async () => {
    const out = join(dir, 'export');
    const res = await runCli(['--db', db, '--json', 'view', '--export', out, '--run', runs.runA, '--max-samples', '100']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { files: string[]; runs: number; samples: number; truncated: Record<string, number>; index: string };
    expect(report).toMatchObject({ files: ['index.html', 'app.js', 'app.css', 'data.js'], runs: 1, samples: 100, truncated: { [runs.runA]: 20 } });
    expect(report.index).toBe(`file://${out}/index.html`);
    for (const f of report.files) expect(existsSync(join(out, f))).toBe(true);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('<script src="data.js"></script>');
    // the server's CSP (script-src, img-src, no inline script) with no network on top, as a <meta>
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1]?.replaceAll('&#39;', "'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("connect-src 'none'");
    expect(csp).not.toContain('frame-ancestors');
    expect(readFileSync(join(out, 'data.js'), 'utf8')).toMatch(/^window\.__TENET_VIEW_DATA__ = \{/);

    const human = await runCli(['--db', db, 'view', '--export', join(dir, 'export2'), '--run', runs.runB]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/wrote 4 files to .* \(1 run, 40 samples\)\nopen file:\/\//);
  });

  it('bad usage exits 2 with a hint; an unknown run exits 2', async () => {
    const run = await runCli(['--db', db, 'view', '--run', runs.runA]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--run chooses the runs of an --export');
    const unknown = await runCli(['--db', db, 'view', '--export', join(dir, 'x'), '--run', 'bench-nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no run bench-nope');
    expect((await runCli(['view', '--port', 'abc'])).code).toBe(2);
  });

  it('a port out of range, an address this machine lacks and a port in use are usage errors (exit 2), not INTERNAL', async () => {
    const port = await runCli(['--db', db, 'view', '--port', '70000']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('error [BAD_USAGE]');
    expect(port.stderr).toContain('--port must be a port from 0 to 65535');
    expect(port.stderr).not.toContain('INTERNAL');
    expect((await runCli(['--db', db, 'view', '--port', '-1'])).code).toBe(2);

    const host = await runCli(['--db', db, 'view', '--host', '10.255.255.1', '--port', '0']);
    expect(host.code, host.stderr).toBe(2);
    expect(host.stderr).toContain('error [BAD_USAGE]');
    expect(host.stderr).toContain('this machine has no address 10.255.255.1');
    expect(host.stderr).toContain('hint:');

    const busy = net.createServer();
    await new Promise<void>((done) => busy.listen(0, '127.0.0.1', done));
    try {
      const used = (busy.address() as net.AddressInfo).port;
      const inUse = await runCli(['--db', db, 'view', '--port', String(used)]);
      expect(inUse.code, inUse.stderr).toBe(2);
      expect(inUse.stderr).toContain(`port ${used} is already in use`);
      expect(inUse.stderr).not.toContain('INTERNAL');
    } finally {
      await new Promise<void>((done) => busy.close(() => done()));
    }
  });

  it('--help has worked examples and says how requests are checked', async () => {
    const help = await runCli(['view', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('tenet view --export view-out');
    expect(help.stdout).toContain('--allowed-hosts');
    expect(help.stdout).toContain('DNS rebinding');
  });
});
