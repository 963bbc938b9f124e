/**
 * Best-of-N: draw N samples per prompt from a model (through the shared sample stage, so the run is stored,
 * judged and resumable like any other), score each against a target with the BaseAlign reward, and compare
 * the first sample (N = 1, the baseline) with the highest-reward one (best-of-N) on the same prompts.
 *
 * The run is an ordinary run of kind `align`: its config names the method, and its arms are computed from
 * the store, so a resumed run reports on everything it holds. The analysis (`loadAlignResults`) and the
 * per-prompt picks (`bonPicks`) are reusable by other alignment methods and by export.
 */
import { TenetError } from '../errors.ts';
import type { BootstrapOptions } from '../judges/metrics.ts';
import type { Judge, SchwartzVector } from '../judges/types.ts';
import type { Provider, SamplingParams } from '../models/types.ts';
import { localExecutor, type Executor, type UnitDispatcher } from '../runtime/executor.ts';
import type { Progress } from '../runtime/progress.ts';
import { openRun, refuseOtherSettings, settingsDifferences } from '../runtime/run.ts';
import { runSampleStage, type PromptTask, type StageSummary } from '../runtime/sample-stage.ts';
import { type Run, type RunStatus, type Store } from '../store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import type { PromptSet } from '../bench/prompts.ts';
import type { Rater } from './raters.ts';
import { distances, vectorFromJudge } from './reward.ts';
import { meanEstimate, pairedDifference, profileEstimate, type Estimate, type ProfileEstimate } from './stats.ts';
import { targetRecord, type Target } from './targets.ts';
import { sameJudge } from '../judges/ids.ts';

export const ALIGN_RUN_KIND = 'align';
export const ALIGN_TASK_KIND = 'align';
/** The most samples per prompt best-of-N takes (as bench bounds K). */
export const MAX_BON_N = 1000;

export const DEFAULT_ALIGN_SAMPLING: SamplingParams = { temperature: 1, maxTokens: 256 };

/** What an alignment run is, as stored in `runs.config` (and hashed into its id). */
export interface AlignRunConfig {
  version: 1;
  method: 'best-of-n';
  prompts: { source: string; sha256: string; count: number };
  model: { spec: string; model: string; baseUrl: string | null };
  /** Samples drawn per prompt. */
  n: number;
  target: { id: string; name: string; vector: number[]; source: string };
  judge: { spec: string; id: string; version: string };
  sampling: SamplingParams;
}

export interface RunBonOptions {
  store: Store;
  prompts: PromptSet;
  model: Provider;
  n: number;
  target: Target;
  judge: Judge;
  judgeSpec?: string;
  sampling?: SamplingParams;
  concurrency?: number;
  resume?: string;
  signal?: AbortSignal;
  progress?: Progress;
  /** The local pool (default) or a distributed dispatcher (`--executor pgboss`). */
  executor?: Executor | UnitDispatcher;
  /** Rate the baseline and best-of-N responses for quality (the alignment tax). */
  quality?: Rater;
  onRun?: (run: Run, config: AlignRunConfig) => void;
  bootstrap?: BootstrapOptions;
}

/** One arm's summary: rewards, distances and value profile over prompts. */
export interface ArmResult {
  reward: Estimate;
  distance: Estimate;
  l2: Estimate;
  l1: Estimate;
  values: ProfileEstimate;
  /** Per-prompt rewards (the distribution the report draws). */
  rewards: number[];
  quality?: Estimate;
}

export interface AlignResults {
  run: string;
  status: RunStatus;
  method: 'best-of-n';
  model: string;
  prompts: { source: string; count: number };
  /** Samples per prompt asked for. */
  n: number;
  /** Prompts with a judged first sample (the N of every estimate). */
  n_prompts: number;
  target: AlignRunConfig['target'];
  judge: { id: string; version: string };
  baseline: ArmResult;
  best_of_n: ArmResult;
  /** Paired (same prompt) differences best-of-N − baseline, with 95% CIs. */
  difference: { reward: Estimate & { ci: [number | null, number | null] }; distance: Estimate; l2: Estimate; quality?: Estimate };
  quality?: { rater: string; version: string };
}

export interface RunBonResult extends AlignResults {
  stage: StageSummary;
  /** Quality ratings that failed in this invocation (rerun to retry them). */
  ratingFailures: { sampleId: string; error: string }[];
  failures: number;
  interrupted: boolean;
}

/** A scored sample of a prompt. */
export interface ScoredSample {
  sampleId: string;
  index: number;
  text: string;
  values: number[];
  reward: number;
  distance: number;
  l2: number;
  l1: number;
}

/** The picks of one prompt: every judged sample, the first (baseline), the best and the worst by reward. */
export interface PromptPick {
  task: PromptTask;
  taskId: string;
  samples: ScoredSample[];
  baseline: ScoredSample;
  best: ScoredSample;
  worst: ScoredSample;
}

export function alignRunConfig(options: Pick<RunBonOptions, 'prompts' | 'model' | 'n' | 'target' | 'judge' | 'judgeSpec' | 'sampling'>): AlignRunConfig {
  if (!Number.isInteger(options.n) || options.n < 1 || options.n > MAX_BON_N) throw new TenetError('BAD_USAGE', `--n must be an integer from 1 to ${MAX_BON_N}, got ${options.n}`);
  return {
    version: 1,
    method: 'best-of-n',
    prompts: { source: options.prompts.source, sha256: options.prompts.sha256, count: options.prompts.prompts.length },
    model: { spec: options.model.spec, model: options.model.model, baseUrl: options.model.baseUrl ?? null },
    n: options.n,
    target: targetRecord(options.target),
    judge: { spec: options.judgeSpec ?? options.judge.id, id: options.judge.id, version: options.judge.version },
    sampling: { ...DEFAULT_ALIGN_SAMPLING, ...Object.fromEntries(Object.entries(options.sampling ?? {}).filter(([, v]) => v !== undefined)) } as SamplingParams,
  };
}

/** Read a stored run's config, checking that it is an alignment run. */
export async function alignRunConfigOf(store: Store, runId: string): Promise<{ run: Run; config: AlignRunConfig }> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in ${store.describe().location}`, { hint: 'check the run id and --db (run ids are printed when `tenet align bon` starts and in its --json output)' });
  if (run.kind !== ALIGN_RUN_KIND) {
    throw new TenetError('BAD_USAGE', `run ${runId} is a ${run.kind} run, not a best-of-N alignment run`, {
      hint: run.kind === 'vilmo' ? `for a VILMO run use \`tenet align vilmo-results ${runId}\` (and \`tenet report ${runId}\`)` : 'pass the id of a run made by `tenet align bon`',
    });
  }
  const config = run.config as AlignRunConfig | null;
  if (!config || config.version !== 1 || !Array.isArray(config.target?.vector)) throw new TenetError('BAD_INPUT', `run ${runId} has no alignment configuration this version of tenet can read`);
  return { run, config };
}

function isVector(x: unknown): x is SchwartzVector {
  return typeof x === 'object' && x !== null && SCHWARTZ_VALUE_IDS.every((id) => typeof (x as Record<string, unknown>)[id] === 'number');
}

/**
 * Every prompt's scored samples and picks, from the store. A prompt counts when its first sample (index 0) is
 * judged; the best is the highest reward (ties: the lowest index), the worst the lowest.
 */
export async function bonPicks(store: Store, runId: string, target?: readonly number[]): Promise<{ run: Run; config: AlignRunConfig; picks: PromptPick[]; missing: number }> {
  const { run, config } = await alignRunConfigOf(store, runId);
  const t = target ?? config.target.vector;
  const tasks = (await store.tasks.listByRun(runId)).filter((x) => x.kind === ALIGN_TASK_KIND);
  const values = new Map<string, number[]>();
  for (const j of await store.judgments.listByRun(runId)) {
    if (!sameJudge({ id: j.judgeId, version: j.judgeVersion }, config.judge)) continue;
    const r = j.result as { values?: unknown } | null;
    if (r && isVector(r.values)) values.set(j.sampleId, vectorFromJudge(r.values));
  }
  const byTask = new Map<string, ScoredSample[]>();
  for (const s of await store.samples.listByRun(runId)) {
    if (s.error || s.model !== config.model.spec) continue;
    const v = values.get(s.id);
    if (!v) continue;
    const d = distances(v, t);
    const list = byTask.get(s.taskId) ?? [];
    list.push({ sampleId: s.id, index: s.sampleIndex, text: s.text, values: v, ...d });
    byTask.set(s.taskId, list);
  }
  const picks: PromptPick[] = [];
  let missing = 0;
  for (const task of tasks) {
    const samples = (byTask.get(task.id) ?? []).sort((a, b) => a.index - b.index);
    const baseline = samples.find((s) => s.index === 0);
    if (!baseline) {
      missing++;
      continue;
    }
    let best = samples[0]!;
    let worst = samples[0]!;
    for (const s of samples) {
      if (s.reward > best.reward) best = s;
      if (s.reward < worst.reward) worst = s;
    }
    picks.push({ task: task.input as PromptTask, taskId: task.id, samples, baseline, best, worst });
  }
  return { run, config, picks, missing };
}

function arm(samples: ScoredSample[], quality: (number | undefined)[] | undefined, options: BootstrapOptions): ArmResult {
  const q = quality?.filter((x): x is number => x !== undefined);
  return {
    reward: meanEstimate(samples.map((s) => s.reward), options),
    distance: meanEstimate(samples.map((s) => s.distance), options),
    l2: meanEstimate(samples.map((s) => s.l2), options),
    l1: meanEstimate(samples.map((s) => s.l1), options),
    values: profileEstimate(samples.map((s) => s.values), options),
    rewards: samples.map((s) => s.reward),
    ...(q && q.length ? { quality: meanEstimate(q, options) } : {}),
  };
}

/** The quality ratings stored for a run's samples, by sample id (the latest rater found, or the one named). */
async function qualityRatings(store: Store, runId: string, rater?: { id: string; version: string }): Promise<{ rater?: { id: string; version: string }; scores: Map<string, number> }> {
  const scores = new Map<string, number>();
  let found = rater;
  for (const j of await store.judgments.listByRun(runId)) {
    if (!j.judgeId.startsWith('quality:')) continue;
    if (found && (j.judgeId !== found.id || j.judgeVersion !== found.version)) continue;
    found ??= { id: j.judgeId, version: j.judgeVersion };
    const r = j.result as { score?: unknown } | null;
    if (r && typeof r.score === 'number') scores.set(j.sampleId, r.score);
  }
  return { ...(found ? { rater: found } : {}), scores };
}

/** The results of a stored best-of-N run: both arms and their paired differences, each with N and a 95% CI over prompts. */
export async function loadAlignResults(store: Store, runId: string, options: BootstrapOptions & { quality?: { id: string; version: string } } = {}): Promise<AlignResults> {
  const { run, config, picks } = await bonPicks(store, runId);
  const boot: BootstrapOptions = { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const q = await qualityRatings(store, runId, options.quality);
  const paired = q.rater ? picks.filter((p) => q.scores.has(p.baseline.sampleId) && q.scores.has(p.best.sampleId)) : [];
  const baseQ = q.rater ? picks.map((p) => q.scores.get(p.baseline.sampleId)) : undefined;
  const bestQ = q.rater ? picks.map((p) => q.scores.get(p.best.sampleId)) : undefined;
  const baseline = arm(picks.map((p) => p.baseline), baseQ, boot);
  const best = arm(picks.map((p) => p.best), bestQ, boot);
  const rewardDiff = pairedDifference(picks.map((p) => p.baseline.reward), picks.map((p) => p.best.reward), boot);
  return {
    run: run.id,
    status: (await store.runs.get(runId))?.status ?? run.status,
    method: 'best-of-n',
    model: config.model.spec,
    prompts: { source: config.prompts.source, count: config.prompts.count },
    n: config.n,
    n_prompts: picks.length,
    target: config.target,
    judge: { id: config.judge.id, version: config.judge.version },
    baseline,
    best_of_n: best,
    difference: {
      reward: rewardDiff,
      distance: pairedDifference(picks.map((p) => p.baseline.distance), picks.map((p) => p.best.distance), boot),
      l2: pairedDifference(picks.map((p) => p.baseline.l2), picks.map((p) => p.best.l2), boot),
      ...(paired.length ? { quality: pairedDifference(paired.map((p) => q.scores.get(p.baseline.sampleId)!), paired.map((p) => q.scores.get(p.best.sampleId)!), boot) } : {}),
    },
    ...(q.rater ? { quality: { rater: q.rater.id, version: q.rater.version } } : {}),
  };
}

/** Rate the baseline and best responses of every prompt not yet rated by this rater; ratings are stored as judgments (resumable). */
export async function rateArms(store: Store, runId: string, rater: Rater, options: { concurrency?: number; signal?: AbortSignal; executor?: Executor } = {}): Promise<{ rated: number; failed: { sampleId: string; error: string }[] }> {
  const { picks } = await bonPicks(store, runId);
  const have = (await qualityRatings(store, runId, { id: rater.id, version: rater.version })).scores;
  const todo = new Map<string, { prompt: string; response: string }>();
  for (const p of picks) {
    for (const s of [p.baseline, p.best]) if (!have.has(s.sampleId)) todo.set(s.sampleId, { prompt: p.task.prompt, response: s.text });
  }
  const failed: { sampleId: string; error: string }[] = [];
  let rated = 0;
  await (options.executor ?? localExecutor).execute(todo.entries(), async ([sampleId, item], signal) => {
    try {
      const rating = await rater.rate(item, { signal });
      await store.judgments.putMany([{ sampleId, judgeId: rater.id, judgeVersion: rater.version, result: rating }]);
      rated++;
    } catch (error) {
      if (!signal.aborted) failed.push({ sampleId, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }, { concurrency: options.concurrency ?? 4, ...(options.signal ? { signal: options.signal } : {}) });
  return { rated, failed };
}

/** Run (or continue) a best-of-N run, then compute its results from the store. */
export async function runBestOfN(options: RunBonOptions): Promise<RunBonResult> {
  const { store } = options;
  const config = alignRunConfig(options);
  if (options.resume) refuseOtherSettings(options.resume, settingsDifferences((await alignRunConfigOf(store, options.resume)).config, config));
  const run = await openRun(store, {
    kind: ALIGN_RUN_KIND,
    name: `best-of-${config.n} ${config.model.spec} → ${config.target.id}`,
    config,
    ...(options.resume ? { resume: options.resume } : {}),
  });
  options.onRun?.(run, config);
  const stage = await runSampleStage(options.prompts.prompts, {
    store,
    runId: run.id,
    taskKind: ALIGN_TASK_KIND,
    models: [options.model],
    samples: config.n,
    sampling: config.sampling,
    judge: options.judge,
    judgeSpec: config.judge.spec,
    concurrency: options.concurrency ?? 8,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
  });
  options.progress?.finish();
  let ratingFailures: { sampleId: string; error: string }[] = [];
  if (options.quality && !stage.interrupted) {
    const r = await rateArms(store, run.id, options.quality, { concurrency: options.concurrency ?? 8, ...(options.signal ? { signal: options.signal } : {}) });
    ratingFailures = r.failed;
  }
  const interrupted = stage.interrupted || Boolean(options.signal?.aborted);
  const status: RunStatus = interrupted ? 'interrupted' : stage.failed.length || ratingFailures.length ? 'failed' : 'done';
  await store.runs.setStatus(run.id, status);
  const results = await loadAlignResults(store, run.id, { ...options.bootstrap, ...(options.quality ? { quality: { id: options.quality.id, version: options.quality.version } } : {}) });
  return { ...results, stage, ratingFailures, failures: stage.failed.length + ratingFailures.length, interrupted };
}
