/**
 * Distributed runs on pg-boss, as users run them: three `tenet worker` processes and the enqueuing
 * `tenet bench --executor pgboss`, all child processes, on a bench of 2 models × 200 prompts against the
 * loopback server. Midway one worker is killed with SIGKILL, later every connection the processes hold
 * is cut with pg_terminate_backend (the Postgres server itself is shared and is not restarted). The run
 * must still complete with every sample stored once, none lost, and no more model calls than needed plus
 * the units the killed worker had in flight.
 *
 * Needs TENET_TEST_PG_URL, on a server where its role may create databases: the outage makes a whole database
 * refuse connections, so this file creates a database of its own (on the same server, dropped at the end)
 * rather than take TENET_TEST_PG_URL's database away from the test files that run beside it (the suite runs
 * files on two workers); tenet's tables go in a fresh schema in it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteQueue } from '../../src/distributed/queue.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;
const ENTRY = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const PROMPTS = 200;
const K = 2;
const WORKER_CONCURRENCY = 4;
const APP = 'tenet-dist-test';

const dir = mkdtempSync(join(tmpdir(), 'tenet-dist-'));
const promptFile = join(dir, 'prompts.jsonl');
writeFileSync(promptFile, Array.from({ length: PROMPTS }, (_, i) =>
  JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay on the bench and`, foundation: i % 2 ? 'fairness' : 'care' })).join('\n'));

interface Proc { child: ChildProcess; stdout: string; stderr: string; done: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

function tenet(args: string[], configFile: string): Proc {
  const child = spawn(process.execPath, [ENTRY, '--config', configFile, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } });
  const proc: Proc = { child, stdout: '', stderr: '', done: undefined as never };
  child.stdout!.on('data', (d) => (proc.stdout += d));
  child.stderr!.on('data', (d) => (proc.stderr += d));
  proc.done = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return proc;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

/** TENET_TEST_PG_URL with another database on the same server. */
function onDatabase(name: string): string {
  const url = new URL(PG_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}

describe.skipIf(!PG_URL)('distributed bench on pg-boss (TENET_TEST_PG_URL)', () => {
  const schema = `tdist_${Date.now().toString(36)}_${process.pid}`;
  // this file's own database (see the top): created in beforeAll, dropped in afterAll
  const database = schema;
  const FILE_PG_URL = PG_URL ? onDatabase(database) : '';
  const db = `${FILE_PG_URL}${FILE_PG_URL.includes('?') ? '&' : '?'}schema=${schema}&application_name=${APP}`;
  const maintenance = (): pg.Client => new pg.Client({ connectionString: onDatabase('postgres') });
  let server: LoopbackServer;
  let configFile: string;
  let store: Store;
  let admin: pg.Client;
  const procs: Proc[] = [];

  beforeAll(async () => {
    server = await startLoopbackServer((req) => (req.choiceIndex === 0 && /Story \d*7:/.test(req.messages.at(-1)!.content) ? 'he took the wallet and ran.' : 'he handed it to the police.'), { latencyMs: 150 });
    configFile = join(dir, 'tenet.config.yaml');
    writeFileSync(configFile, [
      'retry: {baseDelayMs: 5, maxDelayMs: 20}',
      'endpoints:',
      `  m1: {provider: openai, baseUrl: "${server.url}/v1", model: m1, concurrency: 8}`,
      `  m2: {provider: ollama, baseUrl: "${server.url}", model: m2, concurrency: 8}`,
    ].join('\n'));
    const outside = maintenance();
    await outside.connect();
    try {
      // template0 never has sessions, so the copy cannot fail on another client of template1
      await outside.query(`CREATE DATABASE ${pg.escapeIdentifier(database)} TEMPLATE template0`);
    } finally {
      await outside.end();
    }
    store = await openStore(db);
    admin = new pg.Client({ connectionString: FILE_PG_URL });
    await admin.connect();
  });
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await store?.close();
    await deleteQueue(db).catch(() => {});
    await admin?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin?.end();
    await server?.close();
    if (PG_URL) {
      const outside = maintenance();
      await outside.connect();
      try {
        await outside.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      } finally {
        await outside.end();
      }
    }
  });

  it('completes with every unit stored once through a SIGKILLed worker and terminated backends', { timeout: 240_000 }, async () => {
    const targetCalls = (): number => server.requests.filter((r) => r.path.includes('chat')).length;
    const timeline: string[] = [];
    const units = async (): Promise<number> => {
      const n = (await store.samples.countByRun(runId)) / K;
      if (timeline.at(-1)?.endsWith(` ${n}`) !== true) timeline.push(`${new Date().toISOString().slice(14, 22)} ${n}`);
      return n;
    };
    let runId = '';

    // Workers first, so the queue and its schema exist; then the enqueuing command.
    const workers = [0, 1, 2].map(() => tenet(['--db', db, 'worker', '--concurrency', String(WORKER_CONCURRENCY)], configFile));
    procs.push(...workers);
    await waitFor('three workers to connect', async () => workers.every((w) => w.stderr.includes('connected: claiming units')), 60_000);

    const bench = tenet(['--db', db, '--json', 'bench', '--executor', 'pgboss', '--models', 'm1,m2', '--prompts', promptFile, '--samples', String(K), '--judge', 'local-fast'], configFile);
    procs.push(bench);
    await waitFor('the run to start', async () => {
      runId = /bench run (bench-[0-9a-f]+)/.exec(bench.stderr)?.[1] ?? '';
      return runId !== '';
    }, 60_000);

    // kill -9 one worker once a quarter of the units are stored
    await waitFor('a quarter of the units', async () => (await units()) >= PROMPTS * 2 / 4, 120_000);
    workers[0]!.child.kill('SIGKILL');
    const killedAt = await units();

    // then cut every connection the remaining processes hold, twice
    await waitFor('half of the units', async () => (await units()) >= PROMPTS * 2 / 2, 120_000);
    for (let i = 0; i < 2; i++) {
      const { rowCount } = await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()',
        [APP],
      );
      expect(rowCount).toBeGreaterThan(0);
      await sleep(500);
    }

    // then Postgres goes away for this database for longer than a worker waits before restarting its
    // queue connection (10 s): no new connections are accepted and the open ones are cut
    await waitFor('three quarters of the units', async () => (await units()) >= PROMPTS * 2 * 3 / 4, 120_000).catch(() => {});
    // (a database cannot refuse connections from a session inside it: this one session goes through the
    // server's maintenance database, and touches only this file's own database)
    const outside = maintenance();
    await outside.connect();
    try {
      await outside.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} ALLOW_CONNECTIONS false`);
      await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1', [APP]);
      await sleep(13_000);
    } finally {
      await outside.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} ALLOW_CONNECTIONS true`);
      await outside.end();
    }

    const ticker = setInterval(() => void units().catch(() => {}), 1000);
    const result = await bench.done;
    clearInterval(ticker);
    expect(result.code, bench.stderr).toBe(0);
    expect(killedAt).toBeLessThan(PROMPTS * 2);

    // every unit stored exactly once, none lost
    const samples = await store.samples.listByRun(runId);
    expect(samples.length).toBe(PROMPTS * 2 * K);
    expect(new Set(samples.map((s) => `${s.taskId}|${s.model}|${s.sampleIndex}`)).size).toBe(PROMPTS * 2 * K);
    const judgments = await store.judgments.listByRun(runId);
    expect(new Set(judgments.map((j) => j.sampleId)).size).toBe(PROMPTS * 2 * K);
    const run = await store.runs.get(runId);
    expect(run?.status).toBe('done');

    // calls: m1 asks for K samples in one call, m2 (Ollama) makes one call per sample
    // Repeated calls are bounded by the units in flight at the kill (the killed worker's concurrency) and,
    // for the outage, by the units the two survivors had in flight when Postgres went away: a unit whose
    // heartbeat lapsed during the outage may be handed to the other worker before its first run's cache
    // write lands. Nothing else may call twice.
    const needed = PROMPTS * 1 + PROMPTS * K;
    const inFlightAtKill = WORKER_CONCURRENCY * K;
    const inFlightAtOutage = 2 * WORKER_CONCURRENCY * K;
    const calls = targetCalls();
    expect(calls).toBeGreaterThanOrEqual(needed);
    expect(calls).toBeLessThanOrEqual(needed + inFlightAtKill + inFlightAtOutage);
    // the run's totals count one chat per stored unit, once (a unit written twice adds nothing); units the
    // killed worker had called for were replayed from the response cache by the worker that took them over,
    // and so may the units the survivors had in flight at the outage (a write cut short when pg-boss took
    // the job away is cancelled, and the unit's next run replays its calls from the cache)
    expect(run!.totals.calls).toBeLessThanOrEqual(PROMPTS * 2);
    expect(run!.totals.calls).toBeGreaterThanOrEqual(PROMPTS * 2 - WORKER_CONCURRENCY - 2 * WORKER_CONCURRENCY);
    if (process.env.TENET_DEBUG) console.log({ calls, needed, totals: run!.totals, logs: workers.map((w) => w.stderr), bench: bench.stderr, timeline });

    const out = JSON.parse(bench.stdout) as { models: { model: string; evr: { n: number } }[] };
    expect(out.models.map((m) => m.model).sort()).toEqual(['m1', 'm2']);

    // the surviving workers noticed the lost connections and carried on; SIGTERM stops them cleanly
    for (const w of workers.slice(1)) {
      expect(w.stderr, w.stderr).toMatch(/lost Postgres/);
      expect(w.stderr, w.stderr).toMatch(/reconnected: claiming units/);
    }

    const status = tenet(['--db', db, '--json', 'workers', 'status'], configFile);
    expect((await status.done).code, status.stderr).toBe(0);
    const parsed = JSON.parse(status.stdout) as { alive: number; runs: { run: string; done: number; queued: number; failed: number }[] };
    expect(parsed.alive).toBeGreaterThanOrEqual(2);
    const mine = parsed.runs.find((r) => r.run === runId);
    expect(mine).toMatchObject({ done: PROMPTS * 2, queued: 0, failed: 0 });

    for (const w of workers.slice(1)) w.child.kill('SIGTERM');
    for (const w of workers.slice(1)) {
      const r = await w.done;
      expect(r.code, w.stderr).toBe(0);
      expect(w.stderr).toContain('stopped:');
    }
  });
});
