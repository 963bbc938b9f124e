/**
 * Issue 14 item 18: one process per run. The lease in the store (SQLite, and Postgres when
 * TENET_TEST_PG_URL is set): a second owner is refused with a clear message, a stale lease (no heartbeat,
 * or a holder that died on this machine) is taken over, the local executor takes it and gives it back, and within one process it is re-entrant.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { localExecutor } from '../../src/runtime/executor.ts';
import { acquireRunLease, diedHere, PROCESS_OWNER } from '../../src/runtime/lease.ts';
import { openStore, type Store } from '../../src/store/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-lease-'));
const PG_URL = process.env.TENET_TEST_PG_URL;
const schema = `tenet_lease_${randomBytes(5).toString('hex')}`;

const targets: [string, () => Promise<Store>][] = [['SQLite', () => openStore(join(dir, 'lease.db'))]];
if (PG_URL) targets.push(['Postgres', () => openStore(PG_URL, { schema })]);

afterAll(async () => {
  if (!PG_URL) return;
  const admin = await openStore(PG_URL, { migrate: false });
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
  } finally {
    await admin.close();
  }
});

async function rejection(p: Promise<unknown>): Promise<TenetError> {
  try {
    await p;
  } catch (e) {
    return e as TenetError;
  }
  throw new Error('expected a rejection');
}

describe.each(targets)('run leases on %s', (_, open) => {
  it('a second owner is refused (RUN_BUSY, exit 2, names the holder); after release it may take the run', async () => {
    // Two stores on one database stand for two processes.
    const a = await open();
    const b = await open();
    try {
      const runId = `run-${randomBytes(4).toString('hex')}`;
      await a.runs.create({ id: runId, kind: 'bench' });
      const lease = await acquireRunLease(a, runId, 'proc-a');
      const refused = await rejection(acquireRunLease(b, runId, 'proc-b'));
      expect(refused).toBeInstanceOf(TenetError);
      expect(refused.code).toBe('RUN_BUSY');
      expect(refused.exitCode).toBe(2);
      expect(refused.message).toMatch(new RegExp(`run ${runId} is being worked on by another process \\(proc-a, last heartbeat \\d+ s ago\\)`));
      expect(refused.hint).toMatch(/expires 30 s after its last heartbeat/);
      await lease.heartbeat();
      await lease.release();
      expect(await b.leases.get(runId)).toBeUndefined();
      const taken = await acquireRunLease(b, runId, 'proc-b');
      expect((await a.leases.get(runId))?.owner).toBe('proc-b');
      await taken.release();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a stale lease (no heartbeat within its ttl) is taken over, and its old owner learns it lost it', async () => {
    const a = await open();
    const b = await open();
    try {
      const runId = `run-${randomBytes(4).toString('hex')}`;
      await a.runs.create({ id: runId, kind: 'bench' });
      // proc-a "dies": it took the lease with a short ttl and never beats again.
      expect((await a.leases.acquire(runId, 'proc-a', 150)).acquired).toBe(true);
      expect((await b.leases.acquire(runId, 'proc-b', 150)).acquired).toBe(false);
      await new Promise((r) => setTimeout(r, 250));
      const lease = await acquireRunLease(b, runId, 'proc-b');
      expect((await b.leases.get(runId))?.owner).toBe('proc-b');
      expect(await a.leases.heartbeat(runId, 'proc-a', 30_000)).toBe(false);
      await a.leases.release(runId, 'proc-a'); // not the owner: no effect
      expect((await b.leases.get(runId))?.owner).toBe('proc-b');
      await lease.release();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a lease whose holder died on this machine is taken over at once; a live holder is not', async () => {
    const a = await open();
    try {
      const runId = `run-${randomBytes(4).toString('hex')}`;
      await a.runs.create({ id: runId, kind: 'bench' });
      const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
      const deadOwner = `${hostname()}:${child.stdout}:abcd1234`;
      expect(diedHere(deadOwner)).toBe(true);
      expect((await a.leases.acquire(runId, deadOwner, 30_000)).acquired).toBe(true);
      const lease = await acquireRunLease(a, runId, 'proc-new');
      expect((await a.leases.get(runId))?.owner).toBe('proc-new');
      await lease.release();

      // stages starting side by side in the resumed process take the dead holder's lease once, together
      expect((await a.leases.acquire(runId, deadOwner, 30_000)).acquired).toBe(true);
      const side = await Promise.all([acquireRunLease(a, runId, 'proc-next'), acquireRunLease(a, runId, 'proc-next'), acquireRunLease(a, runId, 'proc-next')]);
      expect((await a.leases.get(runId))?.owner).toBe('proc-next');
      await side[0]!.release();
      await side[1]!.release();
      expect((await a.leases.get(runId))?.owner).toBe('proc-next'); // one hold left
      await side[2]!.release();
      expect(await a.leases.get(runId)).toBeUndefined();

      const liveOwner = `${hostname()}:${process.ppid}:abcd1234`; // our parent is alive
      expect(diedHere(liveOwner)).toBe(false);
      expect(diedHere(`another-host:${child.stdout}:abcd1234`)).toBe(false); // elsewhere: only expiry tells
      expect((await a.leases.acquire(runId, liveOwner, 30_000)).acquired).toBe(true);
      expect((await rejection(acquireRunLease(a, runId, 'proc-new'))).code).toBe('RUN_BUSY');
    } finally {
      await a.close();
    }
  });

  it('racing owners: exactly one wins', async () => {
    const stores: Store[] = [];
    for (let i = 0; i < 4; i++) stores.push(await open()); // one at a time: SQLite migrates under a file lock
    try {
      const runId = `run-${randomBytes(4).toString('hex')}`;
      await stores[0]!.runs.create({ id: runId, kind: 'bench' });
      const results = await Promise.all(stores.map((s, i) => s.leases.acquire(runId, `proc-${i}`, 30_000)));
      expect(results.filter((r) => r.acquired)).toHaveLength(1);
      const winner = results.find((r) => r.acquired)!.holder.owner;
      for (const r of results) expect(r.holder.owner).toBe(winner);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});

describe('the local executor and the lease', () => {
  it('holds the run lease while it works and gives it back; a second executor on the run is refused; re-entrant in one process', async () => {
    const a = await openStore(join(dir, 'exec.db'));
    const b = await openStore(join(dir, 'exec.db'));
    try {
      const runId = 'run-exec';
      await a.runs.create({ id: runId, kind: 'bench' });
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let seen: string | undefined;
      const first = localExecutor.execute([1, 2], async () => {
        seen = (await a.leases.get(runId))?.owner;
        await gate;
      }, { concurrency: 2, run: { store: a, runId } });
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toBe(PROCESS_OWNER);

      // The other "process" (another store, another owner) is refused before any unit runs.
      const other = acquireRunLease(b, runId, 'other-process');
      expect((await rejection(other)).code).toBe('RUN_BUSY');
      // The same process taking it again (e.g. a probe around its stages) is fine.
      const again = await acquireRunLease(a, runId);
      release();
      const summary = await first;
      expect(summary.done).toBe(2);
      expect((await a.leases.get(runId))?.owner).toBe(PROCESS_OWNER); // still held by `again`
      await again.release();
      expect(await a.leases.get(runId)).toBeUndefined();

      // Without `run` (e.g. a distributed executor's shared run) no lease is taken.
      await localExecutor.execute([1], async () => {
        expect(await a.leases.get(runId)).toBeUndefined();
      }, { concurrency: 1 });
    } finally {
      await a.close();
      await b.close();
    }
  });
});
