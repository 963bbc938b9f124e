import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { MIGRATION_NAMES, openStore, pingPostgres } from '../../src/store/index.ts';
import { storeSuite } from './suite.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;

if (!PG_URL) {
  console.info('[store] Postgres store tests skipped: set TENET_TEST_PG_URL=postgres://postgres@127.0.0.1:5432/test to run the Postgres store tests');
}

/** A fresh schema per test run, so concurrent CI runs never collide; dropped at the end. */
const schema = `tenet_test_${randomBytes(6).toString('hex')}`;

async function dropSchema(name: string): Promise<void> {
  const admin = await openStore(PG_URL, { migrate: false });
  try {
    await sql`drop schema if exists ${sql.id(name)} cascade`.execute(admin.kysely);
  } finally {
    await admin.close();
  }
}

describe.skipIf(!PG_URL)('Postgres (TENET_TEST_PG_URL)', () => {
  // At this level, so it runs after the specifics below too (they reopen the same schema).
  afterAll(() => dropSchema(schema));

  storeSuite(`store on Postgres (schema ${schema})`, {
    dialect: 'postgres',
    open: () => openStore(PG_URL, { schema }),
    openRaw: () => openStore(PG_URL, { schema, migrate: false }),
    reopenable: true,
  });

  describe('Postgres specifics', () => {
    it('keeps the tables in the chosen schema, also when given as ?schema= on the URL', async () => {
      const other = `${schema}_url`;
      const sep = PG_URL!.includes('?') ? '&' : '?';
      const store = await openStore(`${PG_URL}${sep}schema=${other}`);
      try {
        const tables = await sql<{ table_name: string }>`
          select table_name from information_schema.tables where table_schema = ${other} order by table_name`.execute(store.kysely);
        // the core tables (later migrations add their own beside them)
        expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(
          ['cache', 'judgments', 'run_total_entries', 'runs', 'samples', 'tasks', 'tenet_migration', 'tenet_migration_lock'],
        ));
        expect(store.describe().location).toContain(`schema=${other}`);
      } finally {
        await store.close();
        await dropSchema(other);
      }
    });

    it('describe() redacts the password', async () => {
      const u = new URL(PG_URL!);
      u.password = 'not-so-secret';
      if (!u.username) u.username = 'postgres';
      const store = await openStore(u.toString(), { schema }).catch((e: unknown) => e);
      if (store instanceof TenetError) {
        // A server that checks passwords rejects the made-up one: the message must still hide it.
        expect(store.message).not.toContain('not-so-secret');
        return;
      }
      const s = store as Awaited<ReturnType<typeof openStore>>;
      try {
        expect(s.describe()).toEqual({ dialect: 'postgres', location: expect.stringContaining('//***@') });
        expect(s.describe().location).not.toContain('not-so-secret');
      } finally {
        await s.close();
      }
    });

    it('a database that does not exist gives TenetError(STORE) with a createdb hint', async () => {
      const u = new URL(PG_URL!);
      u.pathname = '/tenet_no_such_database_here';
      const err = (await openStore(u.toString()).catch((e: unknown) => e)) as TenetError;
      expect(err).toBeInstanceOf(TenetError);
      expect(err.code).toBe('STORE');
      expect(err.hint).toMatch(/createdb tenet_no_such_database_here/);
    });

    it('several processes opening a fresh schema at once migrate it exactly once', async () => {
      const fresh = `${schema}_race`;
      try {
        const stores = await Promise.all([1, 2, 3, 4].map(() => openStore(PG_URL, { schema: fresh })));
        const applied = await stores[0]!.migrations();
        expect(applied.map((m) => m.name)).toEqual([...MIGRATION_NAMES]);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await dropSchema(fresh);
      }
    });

    it('pingPostgres reports the server version', async () => {
      const res = await pingPostgres(PG_URL!, 3000);
      expect(res).toEqual({ ok: true, version: expect.stringMatching(/^\d+/) });
    });

    it('two stores on one schema (two workers) share work without duplicates', async () => {
      const a = await openStore(PG_URL, { schema });
      const b = await openStore(PG_URL, { schema });
      try {
        await a.runs.create({ id: 'pg-shared', kind: 'test' });
        const samples = Array.from({ length: 60 }, (_, i) => ({ runId: 'pg-shared', taskId: 't', model: 'm', sampleIndex: i, text: `${i}` }));
        const [ra, rb] = await Promise.all([a.samples.putMany(samples), b.samples.putMany([...samples].reverse())]);
        expect(ra.inserted + rb.inserted).toBe(60);
        await Promise.all([
          ...Array.from({ length: 25 }, () => a.runs.addTotals('pg-shared', { calls: 1, inputTokens: 3 })),
          ...Array.from({ length: 25 }, () => b.runs.addTotals('pg-shared', { inputTokens: 3, calls: 1 })),
        ]);
        expect((await b.runs.get('pg-shared'))!.totals).toMatchObject({ calls: 50, inputTokens: 150 });
        expect(await a.samples.countByRun('pg-shared')).toBe(60);
      } finally {
        await a.close();
        await b.close();
      }
    });
  });
});
