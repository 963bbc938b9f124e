/**
 * Postgres sessions that cannot be held up for long (issue 27): every store connection has keepalive and
 * timeouts; a transaction or a ping past its deadline, or cancelled, drops its connection instead of
 * waiting on a silent network; a run's totals are append-only, so a writer never waits on another
 * session that holds the run's row; and the totals of a store written before that migration carry over.
 */
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCodeMigrationProvider, MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from '../../src/store/migrations.ts';
import { openStore, PG_SESSION_DEFAULTS, type Store } from '../../src/store/index.ts';
import { startPauseProxy, type PauseProxy } from '../support/pause-proxy.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;

describe.skipIf(!PG_URL)('Postgres sessions (TENET_TEST_PG_URL)', () => {
  const schema = `tsess_${Date.now().toString(36)}_${process.pid}`;
  const sep = PG_URL?.includes('?') ? '&' : '?';
  let store: Store;
  let admin: pg.Client;
  beforeAll(async () => {
    store = await openStore(`${PG_URL}${sep}schema=${schema}`);
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await store?.close();
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema}_old CASCADE`).catch(() => {});
    await admin?.end();
  });

  const show = async (s: Store, name: string): Promise<string> =>
    (await sql<{ v: string }>`select current_setting(${name}) as v`.execute(s.kysely)).rows[0]!.v;

  it('sets keepalive and timeouts on every session, and a URL parameter of the same name wins', async () => {
    expect(await show(store, 'statement_timeout')).toBe(`${PG_SESSION_DEFAULTS.statementTimeoutMs / 60_000}min`);
    expect(await show(store, 'lock_timeout')).toBe(`${PG_SESSION_DEFAULTS.lockTimeoutMs / 60_000}min`);
    expect(await show(store, 'idle_in_transaction_session_timeout')).toBe(`${PG_SESSION_DEFAULTS.idleInTransactionTimeoutMs / 1000}s`);
    expect(await show(store, 'tcp_keepalives_idle')).toBe('10');
    expect(await show(store, 'search_path')).toBe(schema);
    const custom = await openStore(`${PG_URL}${sep}schema=${schema}&lock_timeout=1234`, { session: { idleInTransactionTimeoutMs: 3000 } });
    try {
      expect(await show(custom, 'lock_timeout')).toBe('1234ms');
      expect(await show(custom, 'idle_in_transaction_session_timeout')).toBe('3s');
    } finally {
      await custom.close();
    }
  });

  it('ends a session left idle inside a transaction, releasing its locks', async () => {
    const quick = await openStore(`${PG_URL}${sep}schema=${schema}`, { session: { idleInTransactionTimeoutMs: 500 } });
    try {
      const run = await quick.runs.create({ id: `idle-${schema}`, kind: 'bench' });
      // a transaction whose client stops talking mid-way (as a vanished worker's would)
      const stalled = quick.transaction(async () => {
        await sql`update runs set updated_at = updated_at where id = ${run.id}`.execute(quick.kysely);
        await new Promise((r) => setTimeout(r, 1500));
        await sql`select 1`.execute(quick.kysely);
      });
      await expect(stalled).rejects.toThrow();
      // the row is free again: another session updates it at once
      await admin.query(`SET lock_timeout = 1000; UPDATE ${schema}.runs SET name = 'x' WHERE id = $1`.replace('$1', `'${run.id}'`));
    } finally {
      await quick.close();
    }
  });

  it('a writer never waits on another session holding the run row; totals are summed and updatedAt follows them', async () => {
    const run = await store.runs.create({ id: `hot-${schema}`, kind: 'bench' });
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query(`UPDATE ${schema}.runs SET updated_at = updated_at WHERE id = $1`, [run.id]);
      const t0 = Date.now();
      await store.transaction(async (tx) => {
        await tx.samples.put({ runId: run.id, taskId: 't', model: 'm', sampleIndex: 0, text: 'x' });
        await tx.runs.addTotals(run.id, { calls: 1, inputTokens: 5 });
      }, { timeoutMs: 3000, lockTimeoutMs: 1000 });
      await Promise.all(Array.from({ length: 10 }, () => store.runs.addTotals(run.id, { calls: 1 })));
      expect(Date.now() - t0).toBeLessThan(2500);
      const got = await store.runs.get(run.id);
      expect(got!.totals).toMatchObject({ calls: 11, inputTokens: 5 });
      expect(got!.updatedAt > run.updatedAt).toBe(true);
    } finally {
      await holder.query('ROLLBACK').catch(() => {});
      await holder.end();
    }
  });

  describe('over a network that goes silent', () => {
    let proxy: PauseProxy;
    let far: Store;
    beforeAll(async () => {
      const u = new URL(PG_URL!);
      proxy = await startPauseProxy({ host: u.hostname, port: Number(u.port || 5432) });
      far = await openStore(proxy.via(`${PG_URL}${sep}schema=${schema}`), { poolSize: 2 });
    });
    afterAll(async () => {
      proxy.resume();
      await far?.close();
      await proxy?.close();
    });

    it('a ping or a transaction past its deadline, or cancelled, gives up at once; the store works again after', async () => {
      await far.ping({ timeoutMs: 2000 });
      proxy.pause();
      let t0 = Date.now();
      await expect(far.ping({ timeoutMs: 500 })).rejects.toThrow(/no answer from Postgres within 0.5 s/);
      expect(Date.now() - t0).toBeLessThan(1500);

      t0 = Date.now();
      await expect(far.transaction(async (tx) => {
        await tx.runs.get('nope');
      }, { timeoutMs: 700 })).rejects.toMatchObject({ code: 'STORE' });
      expect(Date.now() - t0).toBeLessThan(1700);

      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('job taken away')), 300);
      t0 = Date.now();
      await expect(far.transaction(async (tx) => {
        await tx.runs.get('nope');
      }, { signal: controller.signal })).rejects.toThrow(/job taken away/);
      expect(Date.now() - t0).toBeLessThan(1300);

      proxy.resume();
      // the dropped connections were discarded: fresh ones answer
      await far.ping({ timeoutMs: 2000 });
      expect(await far.runs.get(`hot-${schema}`)).toBeDefined();
    });
  });

  it('carries the totals of a store written before migration 0006 over', async () => {
    const old = `${schema}_old`;
    await admin.query(`CREATE SCHEMA ${old}`);
    const pool = new pg.Pool({ connectionString: PG_URL, max: 1, options: `-c search_path=${old}` });
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
    try {
      const migrator = new Migrator({ db: kysely, provider: inCodeMigrationProvider('postgres'), migrationTableName: MIGRATION_TABLE, migrationLockTableName: MIGRATION_LOCK_TABLE, migrationTableSchema: old });
      expect((await migrator.migrateTo('0005_disputes')).error).toBeUndefined();
      await sql`insert into runs values ('r1', 'bench', '', 'null', 'done', '2025-01-01T00:00:00.000Z', '2025-01-02T00:00:00.000Z')`.execute(kysely);
      await sql`insert into run_totals values ('r1', 'calls', 7), ('r1', 'costUsd', 0.5)`.execute(kysely);
    } finally {
      await kysely.destroy();
    }
    const migrated = await openStore(`${PG_URL}${sep}schema=${old}`);
    try {
      const run = await migrated.runs.get('r1');
      expect(run!.totals).toMatchObject({ calls: 7, costUsd: 0.5 });
      expect(run!.updatedAt).toBe('2025-01-02T00:00:00.000Z');
      await migrated.runs.addTotals('r1', { calls: 1 });
      expect((await migrated.runs.get('r1'))!.totals.calls).toBe(8);
    } finally {
      await migrated.close();
    }
  });
});
