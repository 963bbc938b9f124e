/**
 * The code that runs one work unit of the sample stage (prompt × model × the sample indices still missing;
 * `SampleUnit`, plain data, in types.ts). The local executor and the distributed worker (`tenet worker`) run units
 * through this same function, so a unit gives the same calls, rows and totals wherever it runs.
 */
import type { Judge, JudgeItem } from '../judges/types.ts';
import type { Provider } from '../models/types.ts';
import { sampleIdFor, type NewJudgment, type NewSample } from '../store/index.ts';
import type { FailureStage } from './failures.ts';
import type { UnitWrite } from './group-commit.ts';
import type { SampleUnit } from './types.ts';

export type { SampleUnit } from './types.ts';

export interface UnitOutcome {
  /** Fresh model calls (cache replays not counted). */
  calls: number;
  tokens: number;
  costUsd: number;
  /** False when another run of this unit had already stored its samples (nothing written, no totals added). */
  written: boolean;
}

/** Split sample indices into contiguous runs, so each becomes one call with n > 1. */
export function ranges(indices: readonly number[]): { first: number; n: number }[] {
  const out: { first: number; n: number }[] = [];
  for (const i of indices) {
    const last = out.at(-1);
    if (last && last.first + last.n === i) last.n++;
    else out.push({ first: i, n: 1 });
  }
  return out;
}

/**
 * Draw the unit's samples, judge them, and hand samples, judgments and totals to `write` (group commit):
 * all of the unit lands in one transaction or none of it.
 */
export async function runSampleUnit(
  unit: SampleUnit,
  deps: {
    model: Provider;
    judge?: Judge | undefined;
    write: (w: UnitWrite) => Promise<boolean>;
    signal: AbortSignal;
    /** Told when the unit moves on from the target model to the judge and to the store, so a failure can name its stage. */
    stage?: (stage: FailureStage) => void;
  },
): Promise<UnitOutcome> {
  const { model, judge, signal } = deps;
  const rows: NewSample[] = [];
  let tokens = 0;
  let cost = 0;
  let calls = 0;
  for (const { first, n } of ranges(unit.indices)) {
    const response = await model.chat({ ...unit.sampling, ...(unit.jsonSchema ? { jsonSchema: unit.jsonSchema } : {}), messages: unit.messages, n, firstSample: first }, { signal });
    calls += response.cached ? 0 : 1;
    tokens += response.usage.inputTokens + response.usage.outputTokens;
    cost += response.costUsd ?? 0;
    for (const s of response.samples) {
      rows.push({
        id: sampleIdFor(unit.runId, unit.taskId, unit.model, s.index),
        runId: unit.runId,
        taskId: unit.taskId,
        model: unit.model,
        sampleIndex: s.index,
        text: s.text,
        logprobs: s.logprobs ?? null,
        usage: { inputTokens: Math.round(response.usage.inputTokens / n), outputTokens: Math.round(response.usage.outputTokens / n) },
        costUsd: response.costUsd === null ? null : response.costUsd / n,
        latencyMs: response.latencyMs,
        cached: s.cached,
      });
    }
  }
  const judgments: NewJudgment[] = [];
  if (judge) {
    deps.stage?.('judge');
    const items: JudgeItem[] = rows.map((r) => ({
      prompt: unit.task.prompt,
      response: r.text,
      ...(unit.task.principle ? { principle: unit.task.principle } : {}),
      ...(unit.task.foundation ? { foundation: unit.task.foundation } : {}),
    }));
    const results = await judge.judge(items, { signal });
    results.forEach((result, i) => judgments.push({ sampleId: rows[i]!.id!, judgeId: judge.id, judgeVersion: judge.version, result }));
  }
  deps.stage?.('store');
  const written = await deps.write({
    samples: rows,
    judgments,
    totals: {
      calls,
      inputTokens: rows.reduce((s, r) => s + (r.usage?.inputTokens ?? 0), 0),
      outputTokens: rows.reduce((s, r) => s + (r.usage?.outputTokens ?? 0), 0),
      costUsd: cost,
      cachedCalls: rows.filter((r) => r.cached).length,
    },
  });
  return { calls, tokens, costUsd: cost, written };
}
