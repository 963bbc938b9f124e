/**
 * The pg-boss executor's contract in one process: the CLI refuses a SQLite store with a clear error; rate
 * shares divide the configured limits; job ids are deterministic; and on Postgres (TENET_TEST_PG_URL), a
 * run interrupted before any worker ran takes its units off the queue (cancelled), and the same run
 * dispatched again with a worker present completes, with the local judge rebuilt on the worker.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import { pgbossExecutor } from '../../src/distributed/dispatch.ts';
import { parseShare, shareLimits } from '../../src/distributed/limits.ts';
import { createBoss, deleteQueue, jobIdFor, jobStates, queueTarget, queueUrl } from '../../src/distributed/queue.ts';
import { workersStatus } from '../../src/distributed/status.ts';
import { runWorker } from '../../src/distributed/worker.ts';
import { openRun } from '../../src/runtime/run.ts';
import { runSampleStage, taskIdOf, type PromptTask } from '../../src/runtime/sample-stage.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-dist-exec-'));
const sqlite = join(dir, 'local.db');

describe('--executor pgboss without Postgres', () => {
  it('is a clear usage error naming what to use instead, on every command that takes it', async () => {
    for (const args of [
      ['--db', sqlite, 'bench', '--executor', 'pgboss', '--models', 'openai:m', '--prompts', 'builtin:valuecompass-mft'],
      ['--db', sqlite, 'probe', '--executor', 'pgboss', '--target', 'openai:m'],
      ['--db', sqlite, 'worker'],
      ['--db', sqlite, 'workers', 'status'],
    ]) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/needs a PostgreSQL store, and the store is SQLite/);
      expect(result.stderr).toMatch(/hint: pass --db postgres:\/\//);
    }
    const bad = await runCli(['--db', sqlite, 'bench', '--executor', 'threads', '--models', 'openai:m', '--prompts', 'builtin:valuecompass-mft']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown --executor "threads"/);
  });

  it('documents itself with worked examples', async () => {
    for (const args of [['worker', '--help'], ['workers', 'status', '--help']]) {
      const result = await runCli(args);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/Examples:\n {2}tenet worker|Examples:\n {2}tenet workers status/);
    }
    expect((await runCli(['bench', '--help'])).stdout).toMatch(/--executor <name>/);
    expect((await runCli(['probe', '--help'])).stdout).toMatch(/--executor <name>/);
  });
});

describe('rate shares and job ids', () => {
  it('gives each of W workers 1/W of every rpm and tpm limit', () => {
    expect(parseShare('1/4')).toBe(0.25);
    expect(parseShare('0.5')).toBe(0.5);
    for (const bad of ['0', '2', '1/0', 'x', '']) expect(() => parseShare(bad)).toThrow(/--rate-share/);
    const config = { providers: { openai: { rpm: 600, tpm: 200_000, concurrency: 8 } }, endpoints: { m: { provider: 'ollama' as const, model: 'x', rpm: 60 } } };
    const quarter = shareLimits(config, 0.25);
    expect(quarter.providers?.openai).toEqual({ rpm: 150, tpm: 50_000, concurrency: 8 });
    expect(quarter.endpoints?.m?.rpm).toBe(15);
    // four workers at a quarter each stay within the fleet's limit
    expect(4 * quarter.providers!.openai!.rpm!).toBe(600);
    expect(shareLimits(config, 1)).toBe(config);
  });

  it('derives one UUID per unit, the same on every machine', () => {
    const unit = { runId: 'bench-1', taskId: 't1', model: 'openai:m', indices: [0, 1, 2] };
    expect(jobIdFor(unit)).toBe(jobIdFor({ ...unit }));
    expect(jobIdFor(unit)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(jobIdFor({ ...unit, indices: [1, 2] })).not.toBe(jobIdFor(unit));
    expect(jobIdFor({ ...unit, model: 'openai:n' })).not.toBe(jobIdFor(unit));
  });

  it('strips tenet\'s schema parameter from the URL pg-boss connects with', () => {
    expect(queueUrl('postgres://u@h:5432/db?schema=tenet&application_name=x')).toBe('postgres://u@h:5432/db?application_name=x');
  });
});

const PG_URL = process.env.TENET_TEST_PG_URL;

describe.skipIf(!PG_URL)('the pg-boss executor on Postgres (TENET_TEST_PG_URL)', () => {
  const schema = `tdexec_${Date.now().toString(36)}_${process.pid}`;
  const db = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
  let server: LoopbackServer;
  let store: Store;
  beforeAll(async () => {
    server = await startLoopbackServer((req) => (req.messages.at(-1)!.content.includes('POISON')
      ? { fault: 'http', status: 400, body: { error: { message: 'this prompt is refused', type: 'invalid_request_error' } } }
      : 'she handed the wallet back.'), { latencyMs: 20 });
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

  it('withdraws queued units on interrupt, and a second dispatch with a worker present completes the run', { timeout: 90_000 }, async () => {
    const tasks: PromptTask[] = Array.from({ length: 12 }, (_, i) => ({ id: `p${i}-${schema}`, prompt: `Story ${i}: the wallet lay there and`, foundation: 'fairness' }));
    const model = loopbackModel('openai', server, { model: 'm1' });
    const judge = await createJudge('local-fast');
    const run = await openRun(store, { kind: 'bench', name: 'dist', config: { schema } });
    const stage = (signal?: AbortSignal) => runSampleStage(tasks, {
      store, runId: run.id, taskKind: 'bench', models: [model], samples: 2, judge, judgeSpec: 'local-fast', concurrency: 4,
      executor: pgbossExecutor({ db, pollMs: 100 }), ...(signal ? { signal } : {}),
    });

    // no worker: interrupt after the units are queued; they are cancelled, nothing was called
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 1500);
    const first = await stage(controller.signal);
    expect(first.interrupted).toBe(true);
    expect(first.done).toBe(0);
    let status = await workersStatus(db);
    expect(status.runs.find((r) => r.run === run.id)).toMatchObject({ queued: 0, active: 0, cancelled: 12 });
    expect(server.requests.length).toBe(0);

    // a worker in this process; the same stage again replaces the cancelled jobs and follows them to the end
    const stop = new AbortController();
    const lines: string[] = [];
    const worker = runWorker({ db, concurrency: 4, signal: stop.signal, log: (l) => lines.push(l) });
    const second = await stage();
    expect(second).toMatchObject({ units: 12, done: 12, skipped: 0, failed: [], interrupted: false });
    expect(await store.samples.countByRun(run.id)).toBe(24);
    expect((await store.judgments.listByRun(run.id)).every((j) => j.judgeId === judge.id && j.judgeVersion === judge.version)).toBe(true);
    expect((await store.runs.get(run.id))!.totals.calls).toBe(12);
    status = await workersStatus(db);
    expect(status.alive).toBeGreaterThanOrEqual(1);
    expect(status.runs.find((r) => r.run === run.id)).toMatchObject({ done: 12, queued: 0, failed: 0, cancelled: 0 });

    // a third dispatch has nothing left to do
    const third = await stage();
    expect(third).toMatchObject({ units: 12, done: 0, skipped: 12 });

    stop.abort();
    const summary = await worker;
    expect(summary).toMatchObject({ units: 12, failed: 0, calls: 12 });
    expect(lines.some((l) => l.startsWith('connected: claiming units'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^stopped: 12 units stored/);
  });

  it('reports a unit that keeps failing with its cause, after pg-boss has retried it', { timeout: 120_000 }, async () => {
    const tasks: PromptTask[] = [
      { id: `ok-${schema}`, prompt: 'Story: the wallet lay there and', foundation: 'care' },
      { id: `bad-${schema}`, prompt: 'Story POISON: the wallet lay there and', foundation: 'care' },
    ];
    const model = loopbackModel('openai', server, { model: 'm2' });
    const run = await openRun(store, { kind: 'bench', name: 'dist-fail', config: { schema, failing: true } });
    const stop = new AbortController();
    const worker = runWorker({ db, concurrency: 2, signal: stop.signal });
    const before = server.requests.filter((r) => r.body?.model === 'm2').length;
    const stage = await runSampleStage(tasks, {
      store, runId: run.id, taskKind: 'bench', models: [model], samples: 1, concurrency: 2,
      executor: pgbossExecutor({ db, pollMs: 100 }),
    });
    stop.abort();
    await worker;
    expect(stage.done).toBe(1);
    expect(stage.failed).toHaveLength(1);
    expect(stage.failed[0]!.error).toMatch(/openai:m2 on task .*: .*400/);
    // a 400 is not retried by the provider: tried once, then three more times by pg-boss's retries
    const poisoned = server.requests.filter((r) => r.body?.model === 'm2').length - before - 1;
    expect(poisoned).toBe(4);
    expect((await store.runs.get(run.id))!.totals.errors).toBe(1);
  });

  it('a worker told to stop finishes the units in hand and leaves none claimed; another worker takes the rest', { timeout: 120_000 }, async () => {
    const tasks: PromptTask[] = Array.from({ length: 40 }, (_, i) => ({ id: `g${i}-${schema}`, prompt: `Story ${i}: a lost dog and`, foundation: 'care' }));
    const model = loopbackModel('openai', server, { model: 'm3' });
    const run = await openRun(store, { kind: 'bench', name: 'dist-drain', config: { schema, drain: true } });
    const calls = (): number => server.requests.filter((r) => r.body?.model === 'm3').length;
    const first = new AbortController();
    const lines: string[] = [];
    const worker1 = runWorker({ db, concurrency: 3, signal: first.signal, log: (l) => lines.push(l) });
    const stage = runSampleStage(tasks, {
      store, runId: run.id, taskKind: 'bench', models: [model], samples: 1, concurrency: 4,
      executor: pgbossExecutor({ db, pollMs: 100 }),
    });
    while ((await store.samples.countByRun(run.id)) < 5) await new Promise((r) => setTimeout(r, 50));
    first.abort();
    const s1 = await worker1;
    expect(lines.some((l) => l.startsWith('stopping: finishing the units in hand'))).toBe(true);
    // nothing left claimed: every unit is stored or still queued
    const boss = createBoss(queueTarget(db).url, { supervise: false, registerInstance: false, max: 1 });
    boss.on('error', () => {});
    await boss.start();
    const ids = tasks.map((t) => jobIdFor({ runId: run.id, taskId: taskIdOf(run.id, 'bench', t), model: model.spec, indices: [0] }));
    const states = [...(await jobStates(boss, queueTarget(db).queue, ids)).values()].map((x) => x.state);
    await boss.stop({ graceful: false, close: true });
    expect(states.filter((x) => x === 'active')).toEqual([]);
    expect(states.filter((x) => x === 'completed').length).toBe(s1.units);
    expect(await store.samples.countByRun(run.id)).toBe(s1.units);

    const second = new AbortController();
    const worker2 = runWorker({ db, concurrency: 3, signal: second.signal });
    const summary = await stage;
    second.abort();
    const s2 = await worker2;
    expect(summary).toMatchObject({ done: 40, failed: [] });
    expect(s1.units + s2.units).toBe(40);
    expect(calls()).toBe(40);
  });
});
