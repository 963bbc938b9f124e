/**
 * A worker lost in the middle of a commit must not stop the fleet (issue 27), on Postgres
 * (TENET_TEST_PG_URL), in one process:
 * - another session holds a transaction open on the run's `runs` row (as a vanished worker's session
 *   would): two workers go on storing samples meanwhile, and the run completes;
 * - a worker whose connection to Postgres goes silent (a loopback proxy that stops forwarding) logs the
 *   partition within its health timeout, restarts its queue connection, and after the network heals claims
 *   and stores units again;
 * - a unit put back after its heartbeat lapsed is the next one taken, not the last of the backlog.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import { pgbossExecutor } from '../../src/distributed/dispatch.ts';
import { BOSS_SCHEMA, createBoss, deleteQueue, jobIdFor, queueTarget, startBoss, type SampleJob } from '../../src/distributed/queue.ts';
import { runWorker } from '../../src/distributed/worker.ts';
import { openRun } from '../../src/runtime/run.ts';
import { runSampleStage, type PromptTask } from '../../src/runtime/sample-stage.ts';
import type { SampleUnit } from '../../src/runtime/sample-unit.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { startPauseProxy } from '../support/pause-proxy.ts';
import { loopbackModel } from '../models/helpers.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe.skipIf(!PG_URL)('distributed runs through a stuck session and a silent network (TENET_TEST_PG_URL)', () => {
  const schema = `tdpart_${Date.now().toString(36)}_${process.pid}`;
  const db = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
  let server: LoopbackServer;
  let store: Store;
  beforeAll(async () => {
    server = await startLoopbackServer(() => 'she handed the wallet back.', { latencyMs: 30 });
    store = await openStore(db);
  });
  afterAll(async () => {
    await store?.close();
    await deleteQueue(db).catch(() => {});
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await server?.close();
  });

  const tasksFor = (tag: string, n: number): PromptTask[] =>
    Array.from({ length: n }, (_, i) => ({ id: `${tag}${i}-${schema}`, prompt: `Story ${i}: the wallet lay there and`, foundation: 'care' }));

  it('workers keep storing samples while another session holds the run row, and the run completes', { timeout: 60_000 }, async () => {
    const model = loopbackModel('openai', server, { model: 'hold' });
    const judge = await createJudge('local-fast');
    const run = await openRun(store, { kind: 'bench', name: 'held', config: { schema, held: true } });
    const stop = new AbortController();
    const workers = [0, 1].map(() => runWorker({ db, concurrency: 2, signal: stop.signal }));
    const stage = runSampleStage(tasksFor('h', 60), {
      store, runId: run.id, taskKind: 'bench', models: [model], samples: 1, judge, judgeSpec: 'local-fast', concurrency: 4,
      executor: pgbossExecutor({ db, pollMs: 100 }),
    });
    await waitFor('the first units', async () => (await store.samples.countByRun(run.id)) >= 3, 30_000);

    // a session begins a transaction, updates the run's row and sits idle for 8 s
    const holder = new pg.Client({ connectionString: PG_URL });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`UPDATE ${schema}.runs SET updated_at = updated_at WHERE id = $1`, [run.id]);
    const atStart = await store.samples.countByRun(run.id);
    await sleep(8000);
    const atEnd = await store.samples.countByRun(run.id);
    await holder.query('COMMIT');
    await holder.end();

    const summary = await stage;
    stop.abort();
    await Promise.all(workers);
    // samples kept landing while the row was held (60 units at 4 in flight: well over half of them in 8 s)
    expect(atEnd - atStart).toBeGreaterThanOrEqual(Math.min(20, 60 - atStart));
    expect(summary).toMatchObject({ done: 60, failed: [] });
    expect(await store.samples.countByRun(run.id)).toBe(60);
    expect((await store.runs.get(run.id))!.totals.calls).toBe(60);
  });

  it('a silent network is logged as lost Postgres within the health timeout; the worker recovers once it heals', { timeout: 60_000 }, async () => {
    const u = new URL(PG_URL!);
    const proxy = await startPauseProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const lines: { at: number; line: string }[] = [];
    const stop = new AbortController();
    const worker = runWorker({
      db: proxy.via(db), concurrency: 2, signal: stop.signal, log: (line) => lines.push({ at: Date.now(), line }),
      healthMs: 200, healthTimeoutMs: 1000, restartAfterMs: 2000, writeTimeoutMs: 2000,
    });
    try {
      await waitFor('the worker to connect', () => lines.some((l) => l.line.startsWith('connected: claiming units')), 20_000);
      proxy.pause();
      const pausedAt = Date.now();
      await waitFor('the partition to be logged', () => lines.some((l) => l.line.startsWith('lost Postgres')), 5000);
      const lost = lines.find((l) => l.line.startsWith('lost Postgres'))!;
      expect(lost.at - pausedAt).toBeLessThan(200 + 1000 + 1000);
      await waitFor('the queue connection to be restarted', () => lines.some((l) => /restarting the queue connection/.test(l.line)), 10_000);
      await sleep(1000);
      proxy.resume();
      const healedAt = Date.now();
      await waitFor('the worker to reconnect', () => lines.some((l) => l.line.startsWith('reconnected: claiming units')), 15_000);
      expect(lines.find((l) => l.line.startsWith('reconnected'))!.at - healedAt).toBeLessThan(10_000);

      // and it works again: a run's units are claimed and stored by it
      const model = loopbackModel('openai', server, { model: 'heal' });
      const run = await openRun(store, { kind: 'bench', name: 'healed', config: { schema, healed: true } });
      const summary = await runSampleStage(tasksFor('p', 6), {
        store, runId: run.id, taskKind: 'bench', models: [model], samples: 1, concurrency: 2,
        executor: pgbossExecutor({ db, pollMs: 100 }),
      });
      expect(summary).toMatchObject({ done: 6, failed: [] });
    } finally {
      proxy.resume();
      stop.abort();
      const summary = await worker;
      await proxy.close();
      expect(summary.partitions).toBeGreaterThanOrEqual(1);
      expect(summary.restarts).toBeGreaterThanOrEqual(1);
      expect(summary.units).toBe(6);
      expect(lines.at(-1)!.line).toMatch(/times lost Postgres, [1-9]\d* restarts/);
    }
  });

  it('a unit put back after its heartbeat lapsed is taken again before the rest of the backlog', { timeout: 30_000 }, async () => {
    const run = await openRun(store, { kind: 'bench', name: 'backlog', config: { schema, backlog: true } });
    const units: SampleUnit[] = tasksFor('b', 40).map((task) => ({
      runId: run.id, taskId: task.id, task, messages: [{ role: 'user', content: task.prompt }], model: 'openai:none', baseUrl: null, indices: [0], sampling: {},
    }));
    const target = queueTarget(db);
    const boss = createBoss(target.url, { supervise: false, schedule: false, registerInstance: false, max: 2, monitorIntervalSeconds: 1 });
    boss.on('error', () => {});
    await startBoss(boss, target);
    const controller = new AbortController();
    const dispatch = pgbossExecutor({ db, pollMs: 100 }).dispatch(units, { store, runId: run.id, judge: null, signal: controller.signal });
    try {
      const ids = new Set(units.map((u) => jobIdFor(u)));
      const queued = async (): Promise<number> => Number((await boss.getDb().executeSql(
        `SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[])`, [target.queue, [...ids]])).rows[0].n);
      await waitFor('the units to be queued', async () => (await queued()) === units.length, 10_000);

      // a worker claims the first unit and vanishes: its heartbeat lapses and the supervisor puts it back
      const [first] = await boss.fetch<SampleJob>(target.queue, { batchSize: 1 });
      expect(first).toBeDefined();
      await boss.getDb().executeSql(`UPDATE ${BOSS_SCHEMA}.job SET heartbeat_on = now() - interval '1 hour' WHERE id = $1`, [first!.id]);
      // (a supervision pass only runs when no other instance ran one within the monitor interval)
      await waitFor('the supervisor to put the unit back', async () => {
        await boss.supervise(target.queue);
        const { rows } = await boss.getDb().executeSql(`SELECT state::text AS state FROM ${BOSS_SCHEMA}.job WHERE id = $1`, [first!.id]);
        return (rows[0] as { state: string }).state === 'retry';
      }, 10_000);
      // (its retry delay is pg-boss's backoff, a few seconds; skip it here)
      await boss.getDb().executeSql(`UPDATE ${BOSS_SCHEMA}.job SET start_after = now() WHERE id = $1`, [first!.id]);

      // the next claim is that unit, not the last of the 39 still queued
      const [next] = await boss.fetch<SampleJob>(target.queue, { batchSize: 1 });
      expect(next?.id).toBe(first!.id);
    } finally {
      controller.abort();
      await dispatch.catch(() => {});
      await boss.stop({ graceful: false, close: true }).catch(() => {});
    }
  });
});
