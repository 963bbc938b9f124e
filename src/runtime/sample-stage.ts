import type { Judge } from '../judges/types.ts';
import type { ChatMessage, JsonSchemaRequest, Provider, SamplingParams } from '../models/types.ts';
import { sampleIdFor, taskIdFor, type Store } from '../store/index.ts';
import { isDispatcher, localExecutor, type Executor, type UnitDispatcher } from './executor.ts';
import { failureCauseOf, type FailureCause, type FailureStage } from './failures.ts';
import { groupCommitter } from './group-commit.ts';
import type { Progress } from './progress.ts';
import { runSampleUnit } from './sample-unit.ts';
import type { PromptTask, SampleUnit } from './types.ts';

export type { PromptTask } from './types.ts';

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
  /** The local pool (default) or a distributed dispatcher (`pgbossExecutor`: workers run the units). */
  executor?: Executor | UnitDispatcher;
  /** How the judge was named (`local`, `llm:SPEC`): workers rebuild it from this. Needed with a distributed executor. */
  judgeSpec?: string;
  /** How a prompt becomes chat messages (default: the prompt as one user message). */
  messages?: (task: PromptTask) => ChatMessage[];
  /** Ask every call for structured output matching this schema (stored raw; the caller parses it). */
  jsonSchema?: JsonSchemaRequest;
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

  const units: SampleUnit[] = [];
  let skipped = 0;
  tasks.forEach((task, i) => {
    const taskId = taskIds[i]!;
    const messages = toMessages(task);
    for (const model of models) {
      const indices = Array.from({ length: k }, (_, s) => s).filter((s) => !existing.has(sampleIdFor(runId, taskId, model.spec, s)));
      if (indices.length === 0) skipped++;
      else {
        units.push({
          runId, taskId, task, messages, model: model.spec, baseUrl: model.baseUrl ?? null, indices, sampling: options.sampling ?? {},
          ...(options.jsonSchema ? { jsonSchema: options.jsonSchema } : {}),
        });
      }
    }
  });
  progress?.skip(skipped);

  const executor = options.executor ?? localExecutor;
  if (isDispatcher(executor)) {
    if (judge && !options.judgeSpec) throw new Error('runSampleStage: a distributed executor needs judgeSpec (how workers rebuild the judge)');
    const summary = await executor.dispatch(units, {
      store,
      runId,
      judge: judge ? { spec: options.judgeSpec!, id: judge.id, version: judge.version } : null,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(progress ? { progress } : {}),
    });
    const failed = summary.failed.map(({ unit, error }): UnitFailure => {
      const cause = failureCauseOf(error, 'worker', unit.model);
      return { taskId: unit.taskId, model: unit.model, error: cause.message, cause };
    });
    if (failed.length) await store.runs.addTotals(runId, { errors: failed.length });
    return { units: units.length + skipped, done: summary.done, skipped, failed, interrupted: summary.interrupted };
  }

  const bySpec = new Map(models.map((m) => [m.spec, m]));
  const failed: UnitFailure[] = [];
  const commit = groupCommitter(store, runId);
  const summary = await executor.execute(units, async (unit, signal) => {
    let stage = 'target' as FailureStage; // set by runSampleUnit as the unit moves on
    try {
      const outcome = await runSampleUnit(unit, { model: bySpec.get(unit.model)!, judge, write: commit.write, signal, stage: (s) => { stage = s; } });
      progress?.tick({ tokens: outcome.tokens, costUsd: outcome.costUsd });
    } catch (error) {
      if (!signal.aborted) {
        const cause = failureCauseOf(error, stage, stage === 'judge' ? judge!.id : unit.model);
        failed.push({ taskId: unit.taskId, model: unit.model, error: cause.message, cause });
        progress?.tick({ error: true });
        await store.runs.addTotals(runId, { errors: 1 });
      }
      throw error;
    }
  }, { concurrency: options.concurrency, run: { store, runId }, ...(options.signal ? { signal: options.signal } : {}) });

  return { units: units.length + skipped, done: summary.done, skipped, failed, interrupted: summary.interrupted };
}
