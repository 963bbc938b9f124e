import type { Judge, JudgeItem } from '../judges/types.ts';
import type { ChatMessage, Provider, SamplingParams } from '../models/types.ts';
import { sampleIdFor, taskIdFor, type NewJudgment, type NewSample, type Store } from '../store/index.ts';
import type { MftFoundationId } from '../values/mft.ts';
import { localExecutor, type Executor } from './executor.ts';
import { failureCauseOf, type FailureCause, type FailureStage } from './failures.ts';
import { groupCommitter } from './group-commit.ts';
import type { Progress } from './progress.ts';

/** One prompt of a prompt set. */
export interface PromptTask {
  /** Stable id within its set. */
  id: string;
  prompt: string;
  foundation?: MftFoundationId;
  principle?: string;
  principleId?: string;
}

export interface SampleStageOptions {
  store: Store;
  runId: string;
  /** Task kind stored with each task (e.g. `bench`, `probe-iteration`). */
  taskKind: string;
  models: Provider[];
  /** K: samples per prompt and model. */
  samples: number;
  sampling?: SamplingParams;
  /** Judge every sample as it arrives; omit to only sample. */
  judge?: Judge;
  concurrency: number;
  signal?: AbortSignal;
  progress?: Progress;
  executor?: Executor;
  /** How a prompt becomes chat messages (default: the prompt as one user message). */
  messages?: (task: PromptTask) => ChatMessage[];
}

export interface UnitFailure {
  taskId: string;
  model: string;
  /** The message, without secrets. */
  error: string;
  /** Which stage failed, with the failing model (the target's spec or the judge's id), code and status. */
  cause: FailureCause;
}

export interface StageSummary {
  /** prompt × model units in all. */
  units: number;
  /** Units that ran now. */
  done: number;
  /** Units already complete in the store (resume). */
  skipped: number;
  failed: UnitFailure[];
  interrupted: boolean;
}

interface Unit {
  task: PromptTask;
  taskId: string;
  model: Provider;
  missing: number[];
}

/** Split sample indices into contiguous runs, so each becomes one call with n > 1. */
function ranges(indices: number[]): { first: number; n: number }[] {
  const out: { first: number; n: number }[] = [];
  for (const i of indices) {
    const last = out.at(-1);
    if (last && last.first + last.n === i) last.n++;
    else out.push({ first: i, n: 1 });
  }
  return out;
}

/** The stable task id of a prompt within a run. */
export function taskIdOf(runId: string, kind: string, task: PromptTask): string {
  return taskIdFor(runId, kind, { id: task.id, prompt: task.prompt });
}

/**
 * The shared pipeline stage: for every prompt × model, draw K samples, judge them, and store samples and
 * judgments together in one transaction. A unit whose K samples are already stored is skipped, so an
 * interrupted run continues where it stopped, with no finished call repeated and none lost.
 */
export async function runSampleStage(tasks: readonly PromptTask[], options: SampleStageOptions): Promise<StageSummary> {
  const { store, runId, taskKind, models, samples: k, judge, progress } = options;
  const toMessages = options.messages ?? ((t: PromptTask): ChatMessage[] => [{ role: 'user', content: t.prompt }]);
  const taskIds = tasks.map((t) => taskIdOf(runId, taskKind, t));
  await store.tasks.putMany(tasks.map((t, i) => ({ id: taskIds[i]!, runId, kind: taskKind, input: t })));
  const existing = await store.samples.existingIds(runId);

  const units: Unit[] = [];
  let skipped = 0;
  tasks.forEach((task, i) => {
    const taskId = taskIds[i]!;
    for (const model of models) {
      const missing = Array.from({ length: k }, (_, s) => s).filter((s) => !existing.has(sampleIdFor(runId, taskId, model.spec, s)));
      if (missing.length === 0) skipped++;
      else units.push({ task, taskId, model, missing });
    }
  });
  progress?.skip(skipped);

  const failed: UnitFailure[] = [];
  const commit = groupCommitter(store, runId);
  const summary = await (options.executor ?? localExecutor).execute(units, async (unit, signal) => {
    const rows: NewSample[] = [];
    let tokens = 0;
    let cost = 0;
    let calls = 0;
    let stage: FailureStage = 'target';
    try {
      for (const { first, n } of ranges(unit.missing)) {
        const response = await unit.model.chat({ ...options.sampling, messages: toMessages(unit.task), n, firstSample: first }, { signal });
        calls += response.cached ? 0 : 1;
        tokens += response.usage.inputTokens + response.usage.outputTokens;
        cost += response.costUsd ?? 0;
        for (const s of response.samples) {
          rows.push({
            id: sampleIdFor(runId, unit.taskId, unit.model.spec, s.index),
            runId,
            taskId: unit.taskId,
            model: unit.model.spec,
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
        stage = 'judge';
        const items: JudgeItem[] = rows.map((r) => ({
          prompt: unit.task.prompt,
          response: r.text,
          ...(unit.task.principle ? { principle: unit.task.principle } : {}),
          ...(unit.task.foundation ? { foundation: unit.task.foundation } : {}),
        }));
        const results = await judge.judge(items, { signal });
        results.forEach((result, i) => judgments.push({ sampleId: rows[i]!.id!, judgeId: judge.id, judgeVersion: judge.version, result }));
      }
      stage = 'store';
      await commit.write({
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
      progress?.tick({ tokens, costUsd: cost });
    } catch (error) {
      if (!signal.aborted) {
        const cause = failureCauseOf(error, stage, stage === 'judge' ? judge!.id : unit.model.spec);
        failed.push({ taskId: unit.taskId, model: unit.model.spec, error: cause.message, cause });
        progress?.tick({ error: true });
        await store.runs.addTotals(runId, { errors: 1 });
      }
      throw error;
    }
  }, { concurrency: options.concurrency, run: { store, runId }, ...(options.signal ? { signal: options.signal } : {}) });

  return { units: units.length + skipped, done: summary.done, skipped, failed, interrupted: summary.interrupted };
}
