/**
 * Why work units failed, in a form fit to print, store and put in --json: each distinct cause (which stage,
 * which model, the error code, the HTTP status, the message with secrets removed) with the number of units
 * it stopped.
 */
import { redactSecrets } from '../redact.ts';
import { isTenetError } from '../errors.ts';
import type { Store } from '../store/index.ts';

/** Where a unit failed: its target model, the judge, the store, or a distributed worker (which reports only the message). */
export type FailureStage = 'target' | 'judge' | 'store' | 'worker';

export interface FailureCause {
  /** Whether the target model's call, the judge or writing to the store failed. */
  stage: FailureStage;
  /** The failing model: the target's spec, or the judge's id (`llm:SPEC`, `local`). */
  model: string;
  code: string;
  status?: number;
  message: string;
}

export interface FailureCount extends FailureCause {
  units: number;
}

/** The cause of one unit's failure. */
export function failureCauseOf(error: unknown, stage: FailureStage, model: string): FailureCause {
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  const code = isTenetError(error) ? error.code : 'INTERNAL';
  const status = isTenetError(error) && typeof error.details?.status === 'number' ? error.details.status : undefined;
  return { stage, model, code, ...(status !== undefined ? { status } : {}), message };
}

/** Distinct causes with the number of units each stopped, most frequent first (ties in a fixed order). */
export function countFailures(causes: readonly FailureCause[]): FailureCount[] {
  const byKey = new Map<string, FailureCount>();
  for (const c of causes) {
    const key = JSON.stringify([c.stage, c.model, c.code, c.status ?? null, c.message]);
    const seen = byKey.get(key);
    if (seen) seen.units++;
    else byKey.set(key, { ...c, units: 1 });
  }
  return [...byKey].sort(([ka, a], [kb, b]) => b.units - a.units || (ka < kb ? -1 : ka > kb ? 1 : 0)).map(([, c]) => c);
}

/** One line per cause: `3 units: target m1: PROVIDER (500) loopback failed with 500: boom`. */
export function formatFailureCounts(counts: readonly FailureCount[]): string[] {
  return counts.map((c) => `${c.units} unit${c.units === 1 ? '' : 's'}: ${c.stage} ${c.model}: ${c.code}${c.status !== undefined ? ` (${c.status})` : ''} ${c.message}`);
}

/**
 * Store why a run's units failed, grouped by cause (what `tenet report` and the viewer show). An interrupted run
 * with no failure keeps what it had; otherwise the counts replace the run's earlier ones.
 */
export async function recordFailures(store: Pick<Store, 'runFailures'>, runId: string, failed: readonly { cause: FailureCause }[], interrupted: boolean): Promise<void> {
  if (interrupted && failed.length === 0) return;
  await store.runFailures.set(runId, countFailures(failed.map((f) => f.cause)).map(({ units, ...cause }) => ({ cause: { ...cause }, count: units })));
}

/** A run's end after its sample stage: done, failed (some unit failed) or interrupted; failures recorded, status stored. */
export async function settleRun(store: Pick<Store, 'runFailures' | 'runs'>, runId: string, stage: { failed: readonly { cause: FailureCause }[]; interrupted: boolean }): Promise<'done' | 'failed' | 'interrupted'> {
  const status = stage.interrupted ? 'interrupted' : stage.failed.length ? 'failed' : 'done';
  await recordFailures(store, runId, stage.failed, stage.interrupted);
  await store.runs.setStatus(runId, status);
  return status;
}
