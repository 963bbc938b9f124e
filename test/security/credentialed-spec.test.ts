/**
 * Issue 22 items 3 and 5: a password inside an inline model spec (`openai-compatible:MODEL@http://user:pass@host/v1`)
 * reaches the server as Basic auth and nowhere else: not the model name, stdout/stderr, the store (every
 * table, every row), the JSON output, the HTML report, the viewer's API or its static export. And any userinfo
 * in a URL (a token as the user name alone, user:pass, an empty password) is redacted whole.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveSpec } from '../../src/models/spec.ts';
import { isRedacted, redactSecrets, redactUrl } from '../../src/redact.ts';
import { openStore } from '../../src/store/index.ts';
import { createViewApp, exportView } from '../../src/view/index.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const SECRET = 's3cret';
const TOKEN = 'tok3nAsUserName';
const dir = mkdtempSync(join(tmpdir(), 'tenet-cred-spec-'));
let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer(() => 'he handed the wallet back.');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('redactSecrets and redactUrl take out any userinfo', () => {
  it('a user name alone, user:pass, an empty password, an unencoded @ in the password', () => {
    expect(redactUrl(`http://${TOKEN}@h/v1`)).toBe('http://***@h/v1');
    expect(redactUrl(`http://user:${SECRET}@h:8000/v1`)).toBe('http://***@h:8000/v1');
    expect(redactUrl('http://user:@h/v1')).toBe('http://***@h/v1');
    expect(redactUrl('https://user:p@ss@h/v1')).toBe('https://***@h/v1');
    expect(redactSecrets(`openai-compatible:m@http://${TOKEN}@h/v1 and postgres://postgres@db/x`)).toBe('openai-compatible:m@http://***@h/v1 and postgres://***@db/x');
    expect(redactUrl('http://h/v1?x=a@b')).toBe('http://h/v1?x=a@b');
    expect(redactUrl('http://***@h/v1')).toBe('http://***@h/v1');
    expect(isRedacted(redactUrl(`http://${TOKEN}@h/v1`))).toBe(true);
  });
});

describe('an openai-compatible spec whose base URL carries credentials', () => {
  it('splits at the first @ that starts a URL: the model name keeps its own @, the URL its credentials', () => {
    const r = resolveSpec(`openai-compatible:m@http://user:${SECRET}@127.0.0.1:9/v1`);
    expect(r).toMatchObject({ kind: 'openai', model: 'm', spec: 'openai:m', baseUrl: `http://user:${SECRET}@127.0.0.1:9/v1` });
    expect(resolveSpec(`openai-compatible:org/m@v2@https://${TOKEN}@h/v1`)).toMatchObject({ model: 'org/m@v2', baseUrl: `https://${TOKEN}@h/v1` });
    expect(() => resolveSpec('openai-compatible:m@localhost:8000/v1')).toThrow(/openai-compatible:MODEL@http/);
    expect(() => resolveSpec('openai-compatible:m@http://[bad/v1')).toThrow(/is not a URL/);
  });

  it('runs a bench, sends Basic auth, and the password shows nowhere', { timeout: 60_000 }, async () => {
    const db = join(dir, 'bench.db');
    const prompts = join(dir, 'prompts.jsonl');
    writeFileSync(prompts, ['{"id":"a","prompt":"The wallet lay there and","foundation":"care"}', '{"id":"b","prompt":"She found a wallet and","foundation":"fairness"}'].join('\n'));
    const spec = `openai-compatible:m@${server.url.replace('http://', `http://user:${SECRET}@`)}/v1`;
    const before = server.requests.length;
    const bench = await runCli(['--db', db, '--json', 'bench', '--models', spec, '--prompts', prompts, '--samples', '2', '--judge', 'local-fast']);
    expect(bench.stderr).not.toMatch(/^error/m);
    expect(bench.code).toBe(0);
    const sent = server.requests.slice(before);
    expect(sent.length).toBe(2);
    for (const r of sent) expect(String(r.headers.authorization)).toBe(`Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`);
    expect(bench.stdout + bench.stderr).not.toContain(SECRET);
    const runId = (JSON.parse(bench.stdout) as { run: string }).run;

    // the human output too
    const human = await runCli(['--db', db, 'bench', '--models', spec, '--prompts', prompts, '--samples', '2', '--judge', 'local-fast']);
    expect(human.code).toBe(0);
    expect(human.stdout + human.stderr).not.toContain(SECRET);

    // every row of every table, as text
    const sqlite = new Database(db, { readonly: true });
    let dumped = '';
    try {
      const tables = sqlite.prepare("select name from sqlite_master where type = 'table'").all() as { name: string }[];
      for (const { name } of tables) dumped += JSON.stringify(sqlite.prepare(`select * from "${name}"`).all(), (_, v) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
    } finally {
      sqlite.close();
    }
    expect(dumped).toContain('***@127.0.0.1');
    expect(dumped).not.toContain(SECRET);

    const html = join(dir, 'report.html');
    const report = await runCli(['--db', db, 'report', runId, '-o', html]);
    expect(report.code).toBe(0);
    expect(report.stdout + report.stderr + readFileSync(html, 'utf8')).not.toContain(SECRET);

    const store = await openStore(db);
    try {
      const assetsDir = join(dir, 'assets');
      mkdirSync(assetsDir, { recursive: true });
      writeFileSync(join(assetsDir, 'app.js'), '');
      writeFileSync(join(assetsDir, 'app.css'), '');
      const app = createViewApp({ store, assetsDir });
      for (const path of ['/api/runs', `/api/runs/${runId}`, `/api/runs/${runId}/report`, `/api/runs/${runId}/samples`]) {
        const res = await app.request(path);
        const text = await res.text();
        expect(res.status, path).toBe(200);
        expect(text, path).not.toContain(SECRET);
      }
      const out = join(dir, 'export');
      await exportView({ store, dir: out, assets: { js: '', css: '' } });
      for (const file of readdirSync(out, { recursive: true }) as string[]) {
        if (file.includes('.')) expect(readFileSync(join(out, file), 'utf8'), file).not.toContain(SECRET);
      }
    } finally {
      await store.close();
    }
  });
});
