/**
 * `--executor pgboss`: the enqueuing side. The command puts its run's missing units on the queue (job ids
 * derived from the units, so enqueueing twice is a no-op), then follows their states until every one is
 * done or failed, feeding the same progress line as a local run. `tenet worker` processes do the work.
 */
import type { TenetConfig } from '../config.ts';
import { TenetError } from '../errors.ts';
import type { DispatchOptions, ExecutionSummary, UnitDispatcher } from '../runtime/executor.ts';
import type { SampleUnit } from '../runtime/sample-unit.ts';
import type { RunTotals } from '../store/index.ts';
import { checkJobSecrets, createBoss, failureMessage, jobIdFor, jobStates, queueTarget, sampleJob, startBoss } from './queue.ts';

export interface PgbossExecutorOptions {
  /** The store location (a postgres:// URL; SQLite is a clear error). */
  db: string | undefined;
  /**
   * This process's configuration, which the workers share: a base URL with credentials is accepted only when
   * it resolves from there (or the environment) by the model's name, since jobs carry no secrets.
   */
  config?: TenetConfig;
  /** Workers must not answer from the response cache (the command's --no-cache). */
  noCache?: boolean;
  /** How often the unit states are read (default 500 ms). */
  pollMs?: number;
  /** State changes worth a line on stderr (Postgres lost and back). */
  log?: (line: string) => void;
}

const INSERT_CHUNK = 500;
/** The enqueuing command gives up when Postgres stays unreachable this long. */
const GIVE_UP_MS = 5 * 60_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The distributed executor: pass it as `executor` to the sample stage (bench, probe, …). */
export function pgbossExecutor(options: PgbossExecutorOptions): UnitDispatcher {
  const target = queueTarget(options.db);
  const { url, queue } = target;
  const pollMs = options.pollMs ?? 500;
  const log = options.log ?? (() => {});
  return {
    kind: 'distributed',
    name: 'pgboss',
    async dispatch(units: SampleUnit[], dispatch: DispatchOptions): Promise<ExecutionSummary<SampleUnit>> {
      const { store, runId, judge, progress } = dispatch;
      if (store.dialect !== 'postgres') queueTarget(store.describe().location);
      const summary: ExecutionSummary<SampleUnit> = { done: 0, failed: [], interrupted: false };
      if (units.length === 0) return summary;
      checkJobSecrets(units, judge, options.config);
      const boss = createBoss(url, { instanceName: 'tenet-enqueue' });
      boss.on('error', () => {});
      await startBoss(boss, target);
      try {
        const byId = new Map(units.map((u) => [jobIdFor(u), u]));
        const ids = [...byId.keys()];
        // Jobs left from an earlier invocation: queued or running ones are followed as they are; finished
        // ones whose samples are still missing (failed, cancelled by Ctrl-C) are replaced by fresh jobs.
        const before = await jobStates(boss, queue, ids);
        const stale = [...before].filter(([, s]) => s.state === 'failed' || s.state === 'cancelled' || s.state === 'completed').map(([id]) => id);
        for (let i = 0; i < stale.length; i += INSERT_CHUNK) await boss.deleteJob(queue, stale.slice(i, i + INSERT_CHUNK));
        for (let i = 0; i < ids.length; i += INSERT_CHUNK) {
          await boss.insert(queue, ids.slice(i, i + INSERT_CHUNK).map((id, j) => {
            // Each unit's place in line, as its priority: pg-boss puts a unit back (heartbeat lapsed, a failed
            // try) by deleting and re-inserting its job, which among equal priorities would queue it behind
            // every unit enqueued with it; with its own priority it is taken again first.
            return { id, data: sampleJob(byId.get(id)!, judge, options.noCache ?? false), priority: -(i + j) };
          }));
        }

        const pending = new Set(ids);
        let totals: RunTotals | undefined = (await store.runs.get(runId))?.totals;
        let failingSince: number | undefined;
        while (pending.size > 0) {
          if (dispatch.signal?.aborted) {
            summary.interrupted = true;
            await withdraw(boss, queue, [...pending]).catch(() => {});
            break;
          }
          let states: Awaited<ReturnType<typeof jobStates>>;
          try {
            states = await jobStates(boss, queue, [...pending]);
            if (failingSince !== undefined) log(`Postgres is back after ${((Date.now() - failingSince) / 1000).toFixed(0)} s; following the run again`);
            failingSince = undefined;
          } catch (error) {
            if (failingSince === undefined) {
              failingSince = Date.now();
              log(`lost Postgres while following the run (${error instanceof Error ? error.message : String(error)}); retrying`);
            } else if (Date.now() - failingSince > GIVE_UP_MS) {
              throw new TenetError('STORE', `Postgres has been unreachable for ${GIVE_UP_MS / 60_000} minutes; stopped following run ${runId}`, {
                hint: 'the queued units stay queued: rerun the same command once Postgres is back to follow them again',
              });
            }
            await sleep(Math.min(5000, pollMs * 4));
            continue;
          }
          // Tokens and cost come from the run's totals in the store, which the workers add to.
          const now = (await store.runs.get(runId).catch(() => undefined))?.totals;
          let tokens = now && totals ? now.inputTokens + now.outputTokens - totals.inputTokens - totals.outputTokens : 0;
          let cost = now && totals ? now.costUsd - totals.costUsd : 0;
          if (now) totals = now;
          for (const id of [...pending]) {
            const s = states.get(id);
            if (s?.state === 'completed') {
              summary.done++;
              progress?.tick({ tokens, costUsd: cost });
              tokens = 0;
              cost = 0;
            } else if (s === undefined || s.state === 'failed' || s.state === 'cancelled') {
              const error = s === undefined ? 'its job was deleted from the queue' : s.state === 'cancelled' ? 'its job was cancelled' : failureMessage(s.output);
              summary.failed.push({ unit: byId.get(id)!, error });
              progress?.tick({ error: true });
            } else continue;
            pending.delete(id);
          }
          if (pending.size > 0) await sleep(pollMs);
        }
        return summary;
      } finally {
        await boss.stop({ graceful: false, close: true }).catch(() => {});
      }
    },
  };
}

/** Ctrl-C: take the units nobody has started off the queue; those running finish and are stored. */
async function withdraw(boss: Awaited<ReturnType<typeof createBoss>>, queue: string, ids: string[]): Promise<void> {
  const states = await jobStates(boss, queue, ids);
  const queued = [...states].filter(([, s]) => s.state === 'created' || s.state === 'retry').map(([id]) => id);
  for (let i = 0; i < queued.length; i += INSERT_CHUNK) await boss.cancel(queue, queued.slice(i, i + INSERT_CHUNK));
}
