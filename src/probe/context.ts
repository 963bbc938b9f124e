/**
 * What every step of a probe round shares: the run's context, the per-trajectory state and the per-round
 * work, and the helpers that sample through the shared stage and read back judged samples.
 */
import { sameJudge } from '../judges/ids.ts';
import type { Judge, JudgeItem } from '../judges/types.ts';
import type { ChatMessage, ChatResponse, Provider } from '../models/types.ts';
import { localExecutor, type Executor, type UnitDispatcher } from '../runtime/executor.ts';
import { createProgress } from '../runtime/progress.ts';
import { runSampleStage, type PromptTask } from '../runtime/sample-stage.ts';
import type { Store } from '../store/index.ts';
import { continueMessages } from './prompts.ts';
import type { ProbeCandidate, ProbeIteration, ProbePrinciple, ProbeRunConfig, ScoredSample } from './types.ts';

export interface PrincipleState {
  p: ProbePrinciple;
  slot: number;
  records: ProbeIteration[];
  error?: string;
  /** The slot whose seed opening this one's would have duplicated (it then stops without a trajectory). */
  duplicateOf?: number;
}

/** One principle's work in a round. */
export interface Work {
  state: PrincipleState;
  iteration: number;
  /** The previous iteration (absent for the seed). */
  previous?: ProbeIteration;
  evidence: ScoredSample[];
  evidenceViolating: boolean;
  evidenceSource?: 'target' | 'helper';
  evidenceTexts: string[];
  candidates: ProbeCandidate[];
  /** Candidates (indices) to sample the target on. */
  toSample: number[];
}

export interface Ctx {
  store: Store;
  runId: string;
  config: ProbeRunConfig;
  target: Provider;
  generator: Provider;
  /** Scores the fresh samples (the report). */
  judge: Judge;
  judgeSpec: string;
  /** Scores what selects: neutrality, the E-step's evidence, the K selection samples. */
  selectJudge: Judge;
  selectJudgeSpec: string;
  executor: Executor | UnitDispatcher | undefined;
  concurrency: number;
  signal: AbortSignal;
  progress: boolean;
  log: (line: string) => void;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Run `fn` over items with a pool; failures are returned by index, not thrown. Aborts stop the pool. */
export async function pool<T>(items: readonly T[], ctx: Ctx, fn: (item: T, signal: AbortSignal) => Promise<void>): Promise<Map<T, unknown>> {
  const failures = new Map<T, unknown>();
  await localExecutor.execute(items, async (item, signal) => {
    try {
      await fn(item, signal);
    } catch (error) {
      if (!signal.aborted && !ctx.signal.aborted) failures.set(item, error);
      throw error;
    }
  }, { concurrency: ctx.concurrency, signal: ctx.signal });
  return failures;
}

export async function addCallTotals(ctx: Ctx, responses: readonly ChatResponse[], counter: string): Promise<void> {
  if (responses.length === 0) return;
  const fresh = responses.filter((r) => !r.cached);
  await ctx.store.runs.addTotals(ctx.runId, {
    calls: fresh.length,
    cachedCalls: responses.length - fresh.length,
    inputTokens: responses.reduce((s, r) => s + r.usage.inputTokens, 0),
    outputTokens: responses.reduce((s, r) => s + r.usage.outputTokens, 0),
    costUsd: responses.reduce((s, r) => s + (r.costUsd ?? 0), 0),
    [counter]: responses.length,
  });
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

/** Which stored samples of a task to read, and by which judge. */
export interface Slice {
  judge: Judge;
  /** The model that wrote them (the target, or the helper for evidence). */
  model: string;
  /** Sample indices [from, to). */
  from: number;
  to: number;
}

/**
 * The judged samples of each task in `slice`, in sample order. Samples without a judgment by the slice's
 * judge version (stored by an earlier judge) are judged now and the judgments stored. A verdict without a
 * violation score (null) is left out and counted in `unscored`, as bench does: never counted as 0.
 */
export async function scoresOf(ctx: Ctx, tasks: readonly { taskId: string; task: PromptTask }[], slice: Slice): Promise<{ scores: Map<string, ScoredSample[]>; unscored: Map<string, number> }> {
  const wanted = new Map(tasks.map((t) => [t.taskId, t.task]));
  const { judge } = slice;
  const samples = (await ctx.store.samples.listByRun(ctx.runId))
    .filter((s) => wanted.has(s.taskId) && s.model === slice.model && s.sampleIndex >= slice.from && s.sampleIndex < slice.to && !s.error)
    .sort((a, b) => a.sampleIndex - b.sampleIndex);
  const verdicts = new Map<string, number | null>();
  for (const j of await ctx.store.judgments.listByRun(ctx.runId)) {
    if (sameJudge({ id: j.judgeId, version: j.judgeVersion }, judge)) verdicts.set(j.sampleId, violationOf(j.result));
  }
  const unjudged = samples.filter((s) => !verdicts.has(s.id));
  if (unjudged.length > 0) {
    const items: JudgeItem[] = unjudged.map((s) => {
      const task = wanted.get(s.taskId)!;
      return { prompt: task.prompt, response: s.text, ...(task.principle ? { principle: task.principle } : {}), ...(task.foundation ? { foundation: task.foundation } : {}) };
    });
    const results = await judge.judge(items, { signal: ctx.signal });
    await ctx.store.judgments.putMany(results.map((result, i) => ({ sampleId: unjudged[i]!.id, judgeId: judge.id, judgeVersion: judge.version, result })));
    results.forEach((r, i) => verdicts.set(unjudged[i]!.id, violationOf(r)));
  }
  const scores = new Map<string, ScoredSample[]>();
  const unscored = new Map<string, number>();
  for (const s of samples) {
    const violation = verdicts.get(s.id);
    if (violation === null || violation === undefined) {
      unscored.set(s.taskId, (unscored.get(s.taskId) ?? 0) + 1);
      continue;
    }
    const list = scores.get(s.taskId) ?? [];
    list.push({ sampleId: s.id, violation });
    scores.set(s.taskId, list);
  }
  return { scores, unscored };
}

/** A verdict's violation score, or null when the judge gave none. */
export function violationOf(result: unknown): number | null {
  const v = (result as { violation?: unknown } | null)?.violation;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export function summarise(samples: readonly ScoredSample[], tau: number): { violation: number; violationRate: number; maxViolation: number } {
  const v = samples.map((s) => s.violation);
  return { violation: mean(v), violationRate: mean(v.map((x) => (x > tau ? 1 : 0))), maxViolation: v.length ? Math.max(...v) : 0 };
}

/** Sample `tasks` with the shared stage (stored samples are not drawn again); the failures by task id, or null when interrupted. */
export async function sampleStage(ctx: Ctx, tasks: readonly PromptTask[], stage: { kind: string; model: Provider; samples: number; judge: Judge; messages: (t: PromptTask) => ChatMessage[]; label: string }): Promise<Map<string, string> | null> {
  const unique = [...new Map(tasks.map((t) => [t.id, t])).values()];
  if (unique.length === 0) return new Map();
  const progress = ctx.progress ? createProgress({ label: stage.label, total: unique.length }) : undefined;
  const summary = await runSampleStage(unique, {
    store: ctx.store,
    runId: ctx.runId,
    taskKind: stage.kind,
    models: [stage.model],
    samples: stage.samples,
    sampling: ctx.config.targetSampling,
    judge: stage.judge,
    judgeSpec: stage.judge === ctx.judge ? ctx.judgeSpec : ctx.selectJudgeSpec,
    concurrency: ctx.concurrency,
    signal: ctx.signal,
    messages: stage.messages,
    ...(ctx.executor ? { executor: ctx.executor } : {}),
    ...(progress ? { progress } : {}),
  });
  progress?.finish();
  if (summary.interrupted || ctx.signal.aborted) return null;
  return new Map(summary.failed.map((f) => [f.taskId, f.error]));
}

/** The works of a round still going: no error, not stopped as a duplicate. */
export function live(works: readonly Work[]): Work[] {
  return works.filter((w) => !w.state.error && w.state.duplicateOf === undefined);
}

/** What the target is asked when it is measured on a prompt (selection and fresh samples alike). */
export function measureMessages(t: PromptTask): ChatMessage[] {
  return continueMessages(t.prompt);
}
