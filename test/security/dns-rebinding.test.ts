/**
 * DNS rebinding against `tenet view` (issue 22, item 6): after a rebind the attacker's page reaches the
 * loopback server as same-origin with `Host: evil.example:PORT`, so the Origin check alone lets it read every
 * run and write disputes. Every route checks the Host header; a write also needs the per-launch write token
 * that only the served page carries. Real HTTP on 127.0.0.1 (fetch cannot forge Host, node:http can).
 */
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostAllowed } from '../../src/server/security.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { serveView, type ViewServer } from '../../src/view/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-rebind-'));
let store: Store;
let view: ViewServer;
let proxied: ViewServer;
let judgmentId: string;

interface Answer {
  status: number;
  body: string;
}

function request(server: ViewServer, path: string, options: { host?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${server.port}`, ...options.headers }, timeout: 5_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const flag = (server: ViewServer, host: string | undefined, headers: Record<string, string> = {}) =>
  request(server, '/api/disputes', { method: 'POST', ...(host ? { host } : {}), headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ judgmentId, reason: 'wrong' }) });

beforeAll(async () => {
  const assets = join(dir, 'assets');
  mkdirSync(assets);
  writeFileSync(join(assets, 'app.js'), '/* app */');
  writeFileSync(join(assets, 'app.css'), '/* css */');
  store = await openStore(join(dir, 'view.db'));
  await store.runs.create({ id: 'evaluate-rebind', kind: 'evaluate', name: 'secret run', config: {}, status: 'done' });
  const task = await store.tasks.put({ runId: 'evaluate-rebind', kind: 'evaluate', input: { id: 'p1', prompt: 'P', foundation: 'care' } });
  const { id: sampleId } = await store.samples.put({ runId: 'evaluate-rebind', taskId: task.id, model: 'x:m', sampleIndex: 0, text: 'T' });
  judgmentId = (await store.judgments.put({ sampleId, judgeId: 'j', judgeVersion: '1', result: { violation: 0.7 } })).id;
  view = await serveView({ store, port: 0, assetsDir: assets });
  proxied = await serveView({ store, port: 0, assetsDir: assets, allowedHosts: ['view.example.org', '.lab.example'] });
});
afterAll(async () => {
  await view?.close();
  await proxied?.close();
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('tenet view against DNS rebinding', () => {
  it('refuses a foreign Host with 403 on the API, the page, the assets and a write', async () => {
    const evil = `evil.example:${view.port}`;
    for (const path of ['/api/runs', '/api/runs/evaluate-rebind', '/', '/assets/app.js', '/healthz']) {
      const res = await request(view, path, { host: evil });
      expect(res.status, path).toBe(403);
      expect(res.body, path).toContain('DNS rebinding');
      expect(res.body).not.toContain('secret run');
    }
    const write = await flag(view, evil, { origin: `http://${evil}`, 'x-tenet-write-token': view.writeToken });
    expect(write.status).toBe(403);
    expect(await store.kysely.selectFrom('disputes').select('id').execute()).toEqual([]);
  });

  it('answers localhost, 127.0.0.1 and [::1] with the port, and the --allowed-hosts names', async () => {
    for (const host of [`localhost:${view.port}`, `127.0.0.1:${view.port}`, `[::1]:${view.port}`, 'LOCALHOST']) {
      const res = await request(view, '/api/runs', { host });
      expect(res.status, host).toBe(200);
      expect(res.body).toContain('secret run');
    }
    expect((await request(view, '/api/runs', { host: 'view.example.org' })).status).toBe(403);
    expect((await request(proxied, '/api/runs', { host: 'view.example.org' })).status).toBe(200);
    expect((await request(proxied, '/api/runs', { host: 'a.lab.example:443' })).status).toBe(200);
    expect((await request(proxied, '/api/runs', { host: 'lab.example.evil.example' })).status).toBe(403);
  });

  it('a write needs the per-launch token the served page carries: 403 without or with a wrong one, 201 with it', async () => {
    const page = await request(view, '/', { host: `localhost:${view.port}` });
    const token = /<meta name="tenet-write-token" content="([^"]+)">/.exec(page.body)?.[1];
    expect(token).toBe(view.writeToken);
    expect(token!.length).toBeGreaterThanOrEqual(32);
    expect(proxied.writeToken).not.toBe(view.writeToken);

    const origin = `http://localhost:${view.port}`;
    const without = await flag(view, `localhost:${view.port}`, { origin });
    expect(without.status).toBe(403);
    expect(without.body).toContain('x-tenet-write-token');
    expect((await flag(view, `localhost:${view.port}`, { origin, 'x-tenet-write-token': proxied.writeToken })).status).toBe(403);
    expect((await flag(view, undefined)).status).toBe(403);
    const ok = await flag(view, `localhost:${view.port}`, { origin, 'x-tenet-write-token': token! });
    expect(ok.status, ok.body).toBe(201);
  });

  it('hostAllowed: IP literals, localhost, the bound host and allowed names; malformed Host headers are refused', () => {
    expect(hostAllowed('10.1.2.3:80')).toBe(true);
    expect(hostAllowed('[fe80::1]')).toBe(true);
    expect(hostAllowed(undefined)).toBe(true);
    expect(hostAllowed('myhost:7575', { bound: 'myhost' })).toBe(true);
    expect(hostAllowed('localhost.:7575')).toBe(true);
    expect(hostAllowed('localhost.evil.example')).toBe(false);
    expect(hostAllowed('evil.example@localhost')).toBe(false);
    expect(hostAllowed('localhost/x')).toBe(false);
    expect(hostAllowed('')).toBe(false);
    expect(hostAllowed('view.example.org:8443', { allowed: ['view.example.org'] })).toBe(true);
  });
});
