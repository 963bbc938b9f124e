import { TenetError } from '../errors.ts';
import type { Store } from '../store/types.ts';
import { acquireRunLease } from './lease.ts';
import type { Progress } from './progress.ts';
import type { SampleUnit } from './types.ts';

export interface ExecuteOptions {
  /** Units worked on at once. */
  concurrency: number;
  /** When it fires, no further unit starts and the ones in flight are told to stop. */
  signal?: AbortSignal;
  /**
   * The run the units belong to. The local executor holds the run's lease (runtime/lease.ts) while it
   * works, so a second process on the same run is refused instead of repeating its model calls. An
   * executor whose workers share a run by design (distributed workers claiming units) ignores it.
   */
  run?: { store: Store; runId: string };
}

export interface ExecutionSummary<U> {
  done: number;
  failed: { unit: U; error: unknown }[];
  /** True when the signal stopped the work before every unit ran. */
  interrupted: boolean;
}

/**
 * Runs work units in this process: a pool (the local executor). Work that can run elsewhere is described
 * as data (`SampleUnit`) and handed to a `UnitDispatcher` instead.
 */
export interface Executor {
  execute<U>(
    units: Iterable<U> | AsyncIterable<U>,
    work: (unit: U, signal: AbortSignal) => Promise<void>,
    options: ExecuteOptions,
  ): Promise<ExecutionSummary<U>>;
}

function isAbort(error: unknown): boolean {
  return error instanceof TenetError && error.code === 'ABORTED';
}

/**
 * A pool of `concurrency` workers pulling units lazily from the iterable (so millions of units need no
 * memory up front). A failing unit is recorded and the rest go on; cancellation stops the pool.
 */
export const localExecutor: Executor = {
  async execute(units, work, options) {
    if (!options.run) return pool(units, work, options);
    const lease = await acquireRunLease(options.run.store, options.run.runId);
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, lease.lost]) : lease.lost;
      const summary = await pool(units, work, { ...options, signal });
      // Another process took the run over (this one stalled past the lease): say so rather than "done".
      if (lease.lost.aborted) throw lease.lost.reason;
      return summary;
    } finally {
      await lease.release();
    }
  },
};

async function pool<U>(
  units: Iterable<U> | AsyncIterable<U>,
  work: (unit: U, signal: AbortSignal) => Promise<void>,
  options: ExecuteOptions,
): Promise<ExecutionSummary<U>> {
  const signal = options.signal ?? new AbortController().signal;
  const iterator = Symbol.asyncIterator in units
    ? (units as AsyncIterable<never>)[Symbol.asyncIterator]()
    : (units as Iterable<never>)[Symbol.iterator]();
  const summary: ExecutionSummary<never> = { done: 0, failed: [], interrupted: false };
  let exhausted = false;
  // Pulls are serialised so that two workers never advance the iterator at once.
  let pulling: Promise<unknown> = Promise.resolve();
  const next = (): Promise<IteratorResult<never>> => {
    const result = pulling.then(() => iterator.next());
    pulling = result.catch(() => undefined);
    return result;
  };
  const worker = async (): Promise<void> => {
    while (!exhausted && !signal.aborted) {
      const item = await next();
      if (item.done) {
        exhausted = true;
        return;
      }
      if (signal.aborted) return;
      try {
        await work(item.value, signal);
        summary.done++;
      } catch (error) {
        if (signal.aborted && isAbort(error)) {
          summary.interrupted = true;
          return;
        }
        summary.failed.push({ unit: item.value, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  if (signal.aborted && !exhausted) summary.interrupted = true;
  return summary as ExecutionSummary<never>;
}

export interface DispatchOptions {
  store: Store;
  runId: string;
  /** How workers rebuild the judge (spec), and what they must get (id, version); null: sample only. */
  judge: { spec: string; id: string; version: string } | null;
  /** When it fires, the units not started yet are withdrawn; those in flight finish and are stored. */
  signal?: AbortSignal;
  progress?: Progress;
}

/**
 * Runs sample units in other processes: `pgbossExecutor` (src/distributed/) enqueues them for `tenet worker`
 * processes on any machine that reaches the same Postgres store, and waits until every unit is done or
 * failed. Units carry deterministic ids and are written idempotently, so a unit run twice stores once.
 */
export interface UnitDispatcher {
  readonly kind: 'distributed';
  /** A name for messages, e.g. `pgboss`. */
  readonly name: string;
  dispatch(units: SampleUnit[], options: DispatchOptions): Promise<ExecutionSummary<SampleUnit>>;
}

export function isDispatcher(executor: Executor | UnitDispatcher): executor is UnitDispatcher {
  return (executor as UnitDispatcher).kind === 'distributed';
}
