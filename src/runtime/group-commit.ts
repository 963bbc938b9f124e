import type { NewJudgment, NewSample, Store, TotalsDelta, TransactionOptions } from '../store/index.ts';

/** What one finished work unit writes: all of it lands in one transaction, or none of it. */
export interface UnitWrite {
  samples: NewSample[];
  judgments: NewJudgment[];
  totals: TotalsDelta;
}

/**
 * Group commit: units that finish while a transaction is being written are queued and written together in
 * the next one. Each unit is still stored whole or not at all, and `write` resolves only once its rows are
 * committed; but a busy run pays for one transaction per batch instead of one per unit.
 *
 * A unit's totals are added only when its samples were new: when the same unit is run twice (a distributed
 * worker died after its call but before its ack, or two processes shared a run), the second write stores
 * nothing and counts nothing, and `write` resolves false.
 *
 * The unit's rows are all it writes: its samples, its judgments and its own totals entry (append-only), so
 * a commit never waits on a row another writer holds. `limits` bound each transaction (on Postgres a
 * transaction past `timeoutMs` is abandoned and its connection dropped); a unit's `signal` rejects its
 * `write` at once (a unit still queued is left out; one whose batch is being written may still land,
 * which is harmless, since writing a unit twice is a no-op).
 */
export function groupCommitter(
  store: Store,
  runId: string,
  limits: Pick<TransactionOptions, 'timeoutMs' | 'lockTimeoutMs'> = {},
): { write(unit: UnitWrite, signal?: AbortSignal): Promise<boolean> } {
  type Queued = UnitWrite & { resolve: (written: boolean) => void; reject: (e: unknown) => void };
  let queue: Queued[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      try {
        const written = await store.transaction(async (tx) => {
          const totals: Record<string, number> = {};
          const fresh: boolean[] = [];
          for (const unit of batch) {
            const isNew = unit.samples.length === 0 || (await tx.samples.putMany(unit.samples)).inserted > 0;
            fresh.push(isNew);
            if (!isNew) continue;
            for (const [key, value] of Object.entries(unit.totals)) totals[key] = (totals[key] ?? 0) + (value ?? 0);
          }
          await tx.judgments.putMany(batch.flatMap((u) => u.judgments));
          if (Object.keys(totals).length > 0) await tx.runs.addTotals(runId, totals);
          return fresh;
        }, limits);
        batch.forEach((unit, i) => unit.resolve(written[i]!));
      } catch (error) {
        for (const unit of batch) unit.reject(error);
      }
    }
    draining = false;
  }

  return {
    write(unit, signal) {
      return new Promise<boolean>((resolve, reject) => {
        signal?.throwIfAborted();
        const entry: Queued = { ...unit, resolve, reject };
        if (signal) {
          const onAbort = (): void => {
            queue = queue.filter((q) => q !== entry);
            reject(signal.reason);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          entry.resolve = (written) => { signal.removeEventListener('abort', onAbort); resolve(written); };
          entry.reject = (e) => { signal.removeEventListener('abort', onAbort); reject(e); };
        }
        queue.push(entry);
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}
