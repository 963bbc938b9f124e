import type { NewJudgment, NewSample, Store, TotalsDelta } from '../store/index.ts';

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
 */
export function groupCommitter(store: Store, runId: string): { write(unit: UnitWrite): Promise<void> } {
  let queue: (UnitWrite & { resolve: () => void; reject: (e: unknown) => void })[] = [];
  let draining = false;

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue;
      queue = [];
      const totals: Record<string, number> = {};
      for (const unit of batch) {
        for (const [key, value] of Object.entries(unit.totals)) totals[key] = (totals[key] ?? 0) + (value ?? 0);
      }
      try {
        await store.transaction(async (tx) => {
          await tx.judgments.putMany(batch.flatMap((u) => u.judgments));
          await tx.samples.putMany(batch.flatMap((u) => u.samples));
          await tx.runs.addTotals(runId, totals);
        });
        for (const unit of batch) unit.resolve();
      } catch (error) {
        for (const unit of batch) unit.reject(error);
      }
    }
    draining = false;
  }

  return {
    write(unit) {
      return new Promise<void>((resolve, reject) => {
        queue.push({ ...unit, resolve, reject });
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}
