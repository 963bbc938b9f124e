import { createServer, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { DEFAULT_STORE_PATH, openStore, pingPostgres, redactUrl, resolveStoreLocation } from '../../src/store/index.ts';

describe('resolveStoreLocation', () => {
  const cwd = '/work/somewhere';
  it('prefers the argument, then TENET_DB, then ./.tenet/tenet.db', () => {
    expect(resolveStoreLocation('x.db', { TENET_DB: 'y.db' }, cwd)).toEqual({ dialect: 'sqlite', target: path.resolve(cwd, 'x.db'), source: 'argument' });
    expect(resolveStoreLocation(undefined, { TENET_DB: 'y.db' }, cwd)).toEqual({ dialect: 'sqlite', target: path.resolve(cwd, 'y.db'), source: 'TENET_DB' });
    expect(resolveStoreLocation(undefined, {}, cwd)).toEqual({ dialect: 'sqlite', target: path.resolve(cwd, DEFAULT_STORE_PATH), source: 'default' });
    expect(resolveStoreLocation('', { TENET_DB: '  ' }, cwd).source).toBe('default');
  });

  it('recognises Postgres URLs and :memory:', () => {
    expect(resolveStoreLocation('postgres://u@h/db', {}, cwd).dialect).toBe('postgres');
    expect(resolveStoreLocation('postgresql://u@h/db', {}, cwd).dialect).toBe('postgres');
    expect(resolveStoreLocation(undefined, { TENET_DB: 'POSTGRES://u@h/db' }, cwd)).toMatchObject({ dialect: 'postgres', source: 'TENET_DB' });
    expect(resolveStoreLocation(':memory:', {}, cwd)).toEqual({ dialect: 'sqlite', target: ':memory:', source: 'argument' });
    expect(resolveStoreLocation('/abs/file.db', {}, cwd).target).toBe('/abs/file.db');
  });

  it('refuses other URL schemes with a CONFIG error', () => {
    try {
      resolveStoreLocation('mysql://root:pw@h/db', {}, cwd);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(TenetError);
      expect((e as TenetError).code).toBe('CONFIG');
      expect((e as TenetError).message).not.toContain('pw');
    }
  });
});

describe('redactUrl', () => {
  it('hides credentials (the whole userinfo: a user name alone may be a token) and keeps everything else', () => {
    expect(redactUrl('postgres://alice:s3cret@db.example.com:5432/tenet')).toBe('postgres://***@db.example.com:5432/tenet');
    expect(redactUrl('postgresql://alice:p%40ss@h/db?sslmode=require')).toBe('postgresql://***@h/db?sslmode=require');
    expect(redactUrl('postgres://alice@h/db')).toBe('postgres://***@h/db');
    expect(redactUrl('postgres://h/db?user=a&password=x&sslmode=disable')).toBe('postgres://h/db?user=a&password=***&sslmode=disable');
    expect(redactUrl('/tmp/file.db')).toBe('/tmp/file.db');
  });
});

describe('connection failures (no server needed)', () => {
  it('a Postgres URL where nothing listens fails fast with TenetError(STORE), a hint, and no password', async () => {
    const started = Date.now();
    const err = (await openStore('postgres://tenet:hunter2@127.0.0.1:1/test').catch((e: unknown) => e)) as TenetError;
    expect(Date.now() - started).toBeLessThan(5000);
    expect(err).toBeInstanceOf(TenetError);
    expect(err.code).toBe('STORE');
    expect(err.message).toContain('postgres://***@127.0.0.1:1/test');
    expect(err.message).not.toContain('hunter2');
    expect(err.hint).toMatch(/running/);
    expect(err.hint).toMatch(/--db/);
  });

  it('names TENET_DB in the hint when the URL came from there', async () => {
    const saved = process.env.TENET_DB;
    process.env.TENET_DB = 'postgres://127.0.0.1:1/test';
    try {
      const err = (await openStore().catch((e: unknown) => e)) as TenetError;
      expect(err.code).toBe('STORE');
      expect(err.hint).toMatch(/TENET_DB/);
    } finally {
      if (saved === undefined) delete process.env.TENET_DB;
      else process.env.TENET_DB = saved;
    }
  });

  it('a server that never answers is given up on within the connect timeout', async () => {
    // Accepts TCP connections and then says nothing, like a firewalled or wedged server.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const started = Date.now();
      const err = (await openStore(`postgres://u:p@127.0.0.1:${port}/db`, { connectTimeoutMs: 500 }).catch((e: unknown) => e)) as TenetError;
      expect(Date.now() - started).toBeLessThan(3000);
      expect(err).toBeInstanceOf(TenetError);
      expect(err.code).toBe('STORE');
      expect(err.hint).toMatch(/did not answer within/);

      const ping = await pingPostgres(`postgres://u@127.0.0.1:${port}/db`, 500);
      expect(ping.ok).toBe(false);
      if (!ping.ok) expect(ping.hint).toMatch(/did not answer/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('pingPostgres reports failure without throwing', async () => {
    const res = await pingPostgres('postgres://u:pw@127.0.0.1:1/db', 1000);
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.error).toMatch(/ECONNREFUSED/);
      expect(res.error).not.toContain('pw');
      expect(res.hint).toMatch(/running/);
    }
  });

  it('refuses an invalid schema name', async () => {
    const err = (await openStore('postgres://127.0.0.1:1/db', { schema: 'x; drop table y' }).catch((e: unknown) => e)) as TenetError;
    expect(err.code).toBe('CONFIG');
  });
});
