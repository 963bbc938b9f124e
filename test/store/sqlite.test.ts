import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { MIGRATION_NAMES, openStore } from '../../src/store/index.ts';
import { storeSuite } from './suite.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'tenet-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = path.join(dir, 'nested', 'suite.db');
storeSuite('store on SQLite (file)', {
  dialect: 'sqlite',
  open: () => openStore(file),
  openRaw: () => openStore(file, { migrate: false }),
  reopenable: true,
});

storeSuite('store on SQLite (:memory:)', {
  dialect: 'sqlite',
  open: () => openStore(':memory:'),
  openRaw: () => openStore(':memory:', { migrate: false }),
  reopenable: false,
});

describe('SQLite specifics', () => {
  it('opens in WAL mode with busy_timeout 5000 and foreign keys on', async () => {
    const store = await openStore(path.join(dir, 'pragmas.db'));
    try {
      const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(store.kysely);
      const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(store.kysely);
      const fk = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(store.kysely);
      expect(mode.rows[0]?.journal_mode).toBe('wal');
      expect(busy.rows[0]?.timeout).toBe(5000);
      expect(fk.rows[0]?.foreign_keys).toBe(1);
      expect(store.describe()).toEqual({ dialect: 'sqlite', location: path.join(dir, 'pragmas.db') });
    } finally {
      await store.close();
    }
  });

  it('resolves a relative path against cwd and creates the directory; defaults to ./.tenet/tenet.db', async () => {
    const saved = process.env.TENET_DB;
    delete process.env.TENET_DB;
    try {
      const cwd = mkdtempSync(path.join(dir, 'cwd-'));
      const store = await openStore(undefined, { cwd });
      expect(store.describe().location).toBe(path.join(cwd, '.tenet', 'tenet.db'));
      await store.close();
      expect(existsSync(path.join(cwd, '.tenet', 'tenet.db'))).toBe(true);

      process.env.TENET_DB = 'from-env/x.db';
      const fromEnv = await openStore(undefined, { cwd });
      expect(fromEnv.describe().location).toBe(path.join(cwd, 'from-env', 'x.db'));
      await fromEnv.close();
    } finally {
      if (saved === undefined) delete process.env.TENET_DB;
      else process.env.TENET_DB = saved;
    }
  });

  it('a file that is not a database gives TenetError(STORE) with a hint', async () => {
    const bogus = path.join(dir, 'not-a-db.db');
    writeFileSync(bogus, 'this is plainly not a sqlite database, just some text that is long enough '.repeat(20));
    const err = await openStore(bogus).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TenetError);
    expect((err as TenetError).code).toBe('STORE');
    expect((err as TenetError).message).toContain(bogus);
    expect((err as TenetError).hint).toBeTruthy();
  });

  it('an unwritable location gives TenetError(STORE) naming it', async () => {
    const blocker = path.join(dir, 'blocker');
    writeFileSync(blocker, 'a file where a directory should be');
    const target = path.join(blocker, 'sub', 'x.db');
    const err = (await openStore(target).catch((e: unknown) => e)) as TenetError;
    expect(err).toBeInstanceOf(TenetError);
    expect(err.code).toBe('STORE');
    expect(err.message).toContain(target);
    expect(err.hint).toMatch(/writable|TENET_DB/);
  });

  it('two processes writing the same file at once both succeed', { timeout: 60_000 }, async () => {
    const shared = path.join(dir, 'shared.db');
    // Create and migrate first, as a real second worker would find it; then race two writers.
    const store = await openStore(shared);
    await store.runs.create({ id: 'shared-run', kind: 'test' });
    const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
    const runWriter = (name: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [writer, shared, name, '150'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))));
      });
    // Meanwhile this process writes too.
    await Promise.all([
      runWriter('w1'),
      runWriter('w2'),
      (async () => {
        for (let i = 0; i < 50; i++) await store.runs.addTotals('shared-run', { calls: 1 });
      })(),
    ]);
    // Each writer: 150 own samples one by one, the 40 common ones (the same ids in both), 150 addTotals.
    expect(await store.samples.countByRun('shared-run')).toBe(150 * 2 + 40);
    expect((await store.runs.get('shared-run'))!.totals.calls).toBe(150 * 2 + 50);
    await store.close();
  });

  it('two processes opening a fresh file at the same time both migrate it cleanly', { timeout: 60_000 }, async () => {
    const fresh = path.join(dir, 'fresh-race.db');
    const writer = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
    const run = (name: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [writer, fresh, name, '5'], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${name} exited ${code}: ${stderr}`))));
      });
    await Promise.all([run('a'), run('b'), run('c')]);
    const store = await openStore(fresh);
    expect((await store.migrations()).map((m) => m.name)).toEqual([...MIGRATION_NAMES]);
    expect(await store.samples.countByRun('shared-run')).toBe(3 * 5 + 40);
    await store.close();
  });
});
