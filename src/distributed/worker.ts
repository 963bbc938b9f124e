/**
 * `tenet worker`: a long-running process that claims sample units from the pg-boss queue and runs them
 * through the same unit code, providers, judges and group commit as a local run.
 *
 * Supervision. pg-boss retries a failed fetch by itself, but a worker must survive Postgres going away
 * for longer (a restart, its backends terminated, a network partition that drops nothing and answers
 * nothing): a health check with a deadline runs every few seconds; after it has failed for
 * `restartAfterMs` the pg-boss instance is abandoned (its connections may hang on a silent network) and a
 * new one started, with backoff, as soon as Postgres answers again, with a log line at each change of
 * state. Every store operation a unit makes has a deadline too and is cancelled with the job's signal. A unit in flight when its worker dies or loses Postgres is put back
 * by pg-boss once its heartbeat stops (10 s) and run again elsewhere; its samples are keyed by
 * deterministic ids, so the second run stores nothing twice (and replays the first run's calls from the
 * response cache when they had finished).
 */
import { hostname } from 'node:os';
import type { PgBoss } from 'pg-boss';
import type { TenetConfig } from '../config.ts';
import { createJudge } from '../judges/factory.ts';
import type { Judge } from '../judges/types.ts';
import type { CachedSample } from '../models/cache.ts';
import { createModel } from '../models/spec.ts';
import type { Provider } from '../models/types.ts';
import { groupCommitter } from '../runtime/group-commit.ts';
import { runSampleUnit } from '../runtime/sample-unit.ts';
import { bounded, openStore, pgSessionConfig, sampleIdFor, storeCache, type PgSessionSettings, type Store } from '../store/index.ts';
import { TenetError } from '../errors.ts';
import { redactSecrets } from '../redact.ts';
import { createBoss, jobBaseUrl, queueTarget, startBoss, workerInstanceName, type SampleJob } from './queue.ts';
import { shareLimits } from './limits.ts';

export interface WorkerOptions {
  /** The store location (postgres:// URL). */
  db: string | undefined;
  /** Units worked on at once in this process (default 16). */
  concurrency?: number;
  /** This worker's configuration (API keys, endpoints, limits): the same file on every machine. */
  config?: TenetConfig;
  /** The fraction of every configured rpm/tpm limit this worker may use (default 1; 1/W for W workers). */
  rateShare?: number;
  /** Stop: finish the units in hand (up to `drainMs`), put the rest back, exit. */
  signal: AbortSignal;
  /** One line per change of state. */
  log?: (line: string) => void;
  /** Health check period (default 2 s). */
  healthMs?: number;
  /** A health check (or a response-cache read or write) not answered within this counts as failed (default 5 s). */
  healthTimeoutMs?: number;
  /** Tear pg-boss down and start it again after Postgres has been unreachable this long (default 10 s). */
  restartAfterMs?: number;
  /** A unit's commit transaction is abandoned (its connection dropped) after this long, then retried (default 15 s). */
  writeTimeoutMs?: number;
  /** Postgres session settings of the worker's connections (store and queue; defaults: PG_SESSION_DEFAULTS). */
  session?: Partial<PgSessionSettings>;
  /** How long a graceful stop waits for the units in hand (default 60 s). */
  drainMs?: number;
}

export interface WorkerSummary {
  /** Units run and stored by this worker. */
  units: number;
  /** Units claimed again whose samples another run had already stored (nothing written). */
  duplicates: number;
  /** Unit attempts that failed here (pg-boss retries a unit before the run reports it failed). */
  failed: number;
  calls: number;
  /** Times the health check lost Postgres (each logged as "lost Postgres"). */
  partitions: number;
  /** Times the queue connection was torn down and started again. */
  restarts: number;
}

/** The lock_timeout of a unit's commit: it writes only its own rows, so a wait means a stuck writer. */
const WRITE_LOCK_TIMEOUT_MS = 5000;

const sleep = (ms: number, signal?: AbortSignal): Promise<void> => new Promise((resolve) => {
  const timer = setTimeout(done, ms);
  function done(): void {
    clearTimeout(timer);
    signal?.removeEventListener('abort', done);
    resolve();
  }
  signal?.addEventListener('abort', done, { once: true });
});

/** An error's message (pg-boss emits some errors as plain objects with a message). */
const message = (e: unknown): string => {
  if (e instanceof Error) return e.message;
  if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string') return (e as { message: string }).message;
  return String(e);
};

/** What a worker keeps between units: the store, providers per model, judges per spec, a committer per run. */
function resources(store: Store, config: TenetConfig, signal: AbortSignal, log: (line: string) => void, limits: { timeoutMs: number; writeTimeoutMs: number }) {
  const models = new Map<string, Provider>();
  const judges = new Map<string, Promise<Judge>>();
  const committers = new Map<string, ReturnType<typeof groupCommitter>>();
  const shared = storeCache<CachedSample>(store);
  const cache: typeof shared = {
    getMany: (keys) => retrying(() => bounded('a cache read', { timeoutMs: limits.timeoutMs }, () => shared.getMany(keys)), signal, log, 'a cache read'),
    putMany: (entries) => retrying(() => bounded('a cache write', { timeoutMs: limits.timeoutMs }, () => shared.putMany(entries)), signal, log, 'a cache write'),
  };
  const useCache = (noCache: boolean): boolean => config.cache !== false && !noCache;
  return {
    model(spec: string, carried: string | null, noCache: boolean): Provider {
      const key = JSON.stringify([spec, carried, noCache]);
      let model = models.get(key);
      if (!model) {
        // a base URL whose credentials the job left out: the same URL with them from this worker's configuration
        const baseUrl = jobBaseUrl(spec, carried, config);
        model = createModel(spec, { config, ...(baseUrl ? { baseUrl } : {}), ...(useCache(noCache) ? { cache } : {}) });
        models.set(key, model);
      }
      return model;
    },
    async judge(wanted: NonNullable<SampleJob['judge']>, noCache: boolean): Promise<Judge> {
      const key = JSON.stringify([wanted.spec, noCache]);
      let judge = judges.get(key);
      if (!judge) {
        judge = createJudge(wanted.spec, { config, ...(wanted.spec.startsWith('llm:') && useCache(noCache) ? { cache } : {}) });
        judge.catch(() => judges.delete(key));
        judges.set(key, judge);
      }
      const got = await judge;
      if (got.id !== wanted.id || got.version !== wanted.version) {
        throw new TenetError('CONFIG', `this worker's judge ${wanted.spec} is ${got.id}@${got.version}, but the run wants ${wanted.id}@${wanted.version}`, {
          hint: 'run the same tenet version (and judge weights) on every worker as on the machine that started the run',
        });
      }
      return got;
    },
    committer(runId: string) {
      let c = committers.get(runId);
      if (!c) committers.set(runId, (c = groupCommitter(store, runId, { timeoutMs: limits.writeTimeoutMs, lockTimeoutMs: WRITE_LOCK_TIMEOUT_MS })));
      return c;
    },
  };
}

/** Which of these sample ids are stored already (a unit claimed again after its first run committed). */
async function storedIds(store: Store, ids: string[]): Promise<Set<string>> {
  const rows = await store.kysely.selectFrom('samples').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

/**
 * A store operation retried while Postgres is away (its backend terminated, a restart): unit writes and
 * response-cache reads and writes are idempotent, so retrying cannot store anything twice, and an answer
 * already received from a model is not thrown away because its cache entry could not be written yet.
 */
async function retrying<T>(op: () => Promise<T>, signal: AbortSignal, log: (line: string) => void, what: string): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (error) {
      if (attempt >= 6 || signal.aborted) throw error;
      if (attempt === 0) log(`${what} failed (${message(error)}); retrying`);
      await sleep(Math.min(8000, 250 * 2 ** attempt), signal);
    }
  }
}

/** Run a worker until `signal` fires. Resolves with what it did. */
export async function runWorker(options: WorkerOptions): Promise<WorkerSummary> {
  const target = queueTarget(options.db, 'tenet worker');
  const { url, queue } = target;
  const log = options.log ?? (() => {});
  const concurrency = options.concurrency ?? 16;
  const healthMs = options.healthMs ?? 2000;
  const healthTimeoutMs = options.healthTimeoutMs ?? 5000;
  const restartAfterMs = options.restartAfterMs ?? 10_000;
  const writeTimeoutMs = options.writeTimeoutMs ?? 15_000;
  const config = shareLimits(options.config ?? {}, options.rateShare ?? 1);
  const summary: WorkerSummary = { units: 0, duplicates: 0, failed: 0, calls: 0, partitions: 0, restarts: 0 };

  let store: Store | undefined;
  for (let attempt = 0; !store; attempt++) {
    try {
      store = await openStore(options.db, { poolSize: Math.max(4, Math.ceil(concurrency / 4)), ...(options.session ? { session: options.session } : {}) });
    } catch (error) {
      if (options.signal.aborted) return summary;
      const wait = Math.min(30_000, 1000 * 2 ** attempt);
      log(`cannot open the store (${message(error)}); retrying in ${wait / 1000} s`);
      await sleep(wait, options.signal);
      if (options.signal.aborted) return summary;
    }
  }
  const res = resources(store, config, options.signal, log, { timeoutMs: healthTimeoutMs, writeTimeoutMs });
  const healthy = (): Promise<boolean> => store!.ping({ timeoutMs: healthTimeoutMs, signal: options.signal }).then(() => true, () => false);
  /** Wait up to `ms`, returning early once Postgres answers (a backoff must not outlast the outage). */
  const backOff = async (ms: number): Promise<void> => {
    const until = Date.now() + ms;
    while (Date.now() < until && !options.signal.aborted) {
      await sleep(Math.min(healthMs, until - Date.now()), options.signal);
      if (await healthy()) return;
    }
  };

  const handle = async ([job]: { data: SampleJob; signal: AbortSignal; retryCount: number }[]): Promise<unknown> => {
    const { unit, judge, noCache } = job!.data;
    if (job!.data.v !== 1) throw new TenetError('CONFIG', `unit format ${String(job!.data.v)} is not one this worker reads`, { hint: 'run the same tenet version on every worker' });
    const ids = unit.indices.map((i) => sampleIdFor(unit.runId, unit.taskId, unit.model, i));
    // retries stop when the worker is told to stop or the job is taken away (its heartbeat lost)
    const unitSignal = AbortSignal.any([options.signal, job!.signal]);
    const stored = await retrying(() => bounded('the duplicate check', { timeoutMs: writeTimeoutMs, signal: job!.signal }, () => storedIds(store!, ids)), unitSignal, log, 'the duplicate check');
    if (stored.size === ids.length) {
      summary.duplicates++;
      return { written: false, calls: 0 };
    }
    try {
      const outcome = await runSampleUnit(unit, {
        model: res.model(unit.model, unit.baseUrl, noCache),
        judge: judge ? await res.judge(judge, noCache) : undefined,
        write: (w) => retrying(() => res.committer(unit.runId).write(w, job!.signal), unitSignal, log, 'a unit write'),
        signal: job!.signal,
      });
      summary.calls += outcome.calls;
      if (outcome.written) summary.units++;
      else summary.duplicates++;
      return { written: outcome.written, calls: outcome.calls };
    } catch (error) {
      summary.failed++;
      // pg-boss stores what is thrown as the job's output; keep it to the message (no stack traces).
      throw new Error(redactSecrets(`${unit.model} on task ${unit.taskId}: ${message(error)}`));
    }
  };

  /**
   * Stop a pg-boss instance without waiting on it for long: on a silent network its pool cannot close
   * until its connections give up, so it is left to finish that in the background.
   */
  const abandon = async (b: PgBoss | undefined): Promise<void> => {
    if (!b) return;
    await Promise.race([b.stop({ graceful: false, close: true, timeout: 1000 }).catch(() => {}), sleep(Math.min(5000, restartAfterMs))]);
  };

  // pg-boss reports every failed poll: at most one line every 10 s.
  let lastErrorAt = 0;
  const queueError = (error: unknown): void => {
    if (Date.now() - lastErrorAt < 10_000) return;
    lastErrorAt = Date.now();
    log(`queue: ${message(error)} (pg-boss retries by itself)`);
  };
  let boss: PgBoss | undefined;
  let backoff = 1000;
  try {
    while (!options.signal.aborted) {
      let stopped = false;
      try {
        boss = createBoss(url, { ...(options.session ? (pgSessionConfig(options.session) as object) : {}), instanceName: workerInstanceName(queue), instanceHeartbeatSeconds: 10, monitorIntervalSeconds: 2, queueCacheIntervalSeconds: 2 });
        boss.on('error', (error) => queueError(error));
        boss.on('stopped', () => { stopped = true; });
        await startBoss(boss, target);
        await boss.work<SampleJob>(queue, {
          localConcurrency: concurrency, batchSize: 1, pollingIntervalSeconds: 0.5,
          // with a backlog, fetch the next unit as soon as one is done (no poll delay between units)
          burstWhenReadyExceeds: 1,
        }, handle as never);
        log(`${summary.restarts ? 'reconnected' : 'connected'}: claiming units from ${queue} (concurrency ${concurrency}, host ${hostname()}, pid ${process.pid})`);
        backoff = 1000;
      } catch (error) {
        log(`cannot start the queue (${message(error)}); retrying in ${backoff / 1000} s, or as soon as Postgres answers`);
        await abandon(boss);
        boss = undefined;
        await backOff(backoff);
        backoff = Math.min(30_000, backoff * 2);
        continue;
      }
      // Health: one query every healthMs; a stopped pg-boss or a long outage restarts it.
      let failingSince: number | undefined;
      while (!options.signal.aborted && !stopped) {
        await sleep(healthMs, options.signal);
        if (options.signal.aborted) break;
        try {
          await store.ping({ timeoutMs: healthTimeoutMs, signal: options.signal });
          if (failingSince !== undefined) log(`Postgres is back after ${((Date.now() - failingSince) / 1000).toFixed(0)} s`);
          failingSince = undefined;
        } catch (error) {
          if (options.signal.aborted) break;
          if (failingSince === undefined) {
            failingSince = Date.now();
            summary.partitions++;
            log(`lost Postgres (${message(error)}); units in hand go on and their writes are retried`);
          } else if (Date.now() - failingSince > restartAfterMs) {
            break;
          }
        }
      }
      if (options.signal.aborted) break;
      summary.restarts++;
      log(stopped ? 'pg-boss stopped unexpectedly; restarting it' : `Postgres unreachable for ${restartAfterMs / 1000} s; restarting the queue connection`);
      await abandon(boss);
      boss = undefined;
    }
    if (boss) {
      log('stopping: finishing the units in hand (units not started stay queued for other workers)');
      await boss.stop({ graceful: true, close: true, timeout: options.drainMs ?? 60_000 }).catch((e) => log(`stop: ${message(e)}`));
    }
    log(`stopped: ${summary.units} units stored, ${summary.duplicates} duplicates skipped, ${summary.failed} failed attempts, ${summary.calls} model calls, ${summary.partitions} times lost Postgres, ${summary.restarts} restarts`);
    return summary;
  } finally {
    await store.close();
  }
}
