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
 *
 * A unit's totals are added only when its samples were new: when the same unit is run twice (a distributed
 * worker died after its call but before its ack, or two processes shared a run), the second write stores
 * nothing and counts nothing, and `write` resolves false.
 */
export function groupCommitter(store: Store, runId: string): { write(unit: UnitWrite): Promise<boolean> } {
  let queue: (UnitWrite & { resolve: (written: boolean) => void; reject: (e: unknown) => void })[] = [];
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
        });
        batch.forEach((unit, i) => unit.resolve(written[i]!));
      } catch (error) {
        for (const unit of batch) unit.reject(error);
      }
    }
    draining = false;
  }

  return {
    write(unit) {
      return new Promise<boolean>((resolve, reject) => {
        queue.push({ ...unit, resolve, reject });
        if (!draining) {
          draining = true;
          setImmediate(() => void drain());
        }
      });
    },
  };
}
