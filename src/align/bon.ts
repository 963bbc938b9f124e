/**
 * Best-of-N: draw N samples per prompt from a model (through the shared sample stage, so the run is stored,
 * judged and resumable like any other), score each against a target with a reward (reward.ts), pick the
 * highest-reward one with the *select* judge (the proxy), and report with the *report* judge (held out):
 *
 *   baseline      the expected score of a random one of the N samples (their mean), per prompt
 *   first_sample  the first sample (a secondary row: what one call gives)
 *   best_of_n     the proxy's pick among the N
 *   difference    best_of_n − baseline, paired on prompts
 *   curve         best-of-n for n = 1, 2, 4, …, N from the same samples (curve.ts): the over-optimisation curve
 *
 * each on both judges. By construction the proxy difference is ≥ 0; only the held-out one is evidence. With one
 * judge for both, held-out equals proxy and a warning says so (Goodhart).
 *
 * The run is an ordinary run of kind `align`: its config names the method, and its arms are computed from
 * the store, so a resumed run reports on everything it holds. The analysis (`loadAlignResults`) and the
 * per-prompt picks (`bonPicks`) are reusable by other alignment methods and by export.
 */
import { TenetError } from '../errors.ts';
import { oneJudgeWarning } from '../judges/goodhart.ts';
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
import { curveSizes, expectedBestOf } from './curve.ts';
import { maskThresholdOf, type MaskThreshold } from './mask.ts';
import type { Rater } from './raters.ts';
import { distances, vectorFromJudge, type Distances, type RewardKind } from './reward.ts';
import { meanEstimate, pairedDifference, profileEstimate, type Estimate, type ProfileEstimate } from './stats.ts';
import { targetRecord, type Target } from './targets.ts';
import { sameJudge } from '../judges/ids.ts';

export const ALIGN_RUN_KIND = 'align';
export const ALIGN_TASK_KIND = 'align';
/** The most samples per prompt best-of-N takes (as bench bounds K). */
export const MAX_BON_N = 1000;

export const DEFAULT_ALIGN_SAMPLING: SamplingParams = { temperature: 1, maxTokens: 256 };

type JudgeRecord = { spec: string; id: string; version: string };

/** What an alignment run is, as stored in `runs.config` (and hashed into its id). */
export interface AlignRunConfig {
  version: 1;
  method: 'best-of-n';
  prompts: { source: string; sha256: string; count: number };
  model: { spec: string; model: string; baseUrl: string | null };
  /** Samples drawn per prompt. */
  n: number;
  target: { id: string; name: string; vector: number[]; source: string };
  /** The report judge (held out). Runs made before two judges: it also selected. */
  judge: JudgeRecord;
  /** The select judge (the proxy that picks the best of N), when it is not `judge`. */
  selectJudge?: JudgeRecord;
  /** The reward picks maximise (absent: masked). */
  reward?: RewardKind;
  sampling: SamplingParams;
}

export interface RunBonOptions {
  store: Store;
  prompts: PromptSet;
  model: Provider;
  n: number;
  target: Target;
  /** The report judge (held out). */
  judge: Judge;
  judgeSpec?: string;
  /** The select judge (picks the best of N); default `judge`, which warns (Goodhart). */
  selectJudge?: Judge;
  selectJudgeSpec?: string;
  /** The reward the pick maximises and every arm reports (default masked). */
  reward?: RewardKind;
  sampling?: SamplingParams;
  concurrency?: number;
  resume?: string;
  signal?: AbortSignal;
  progress?: Progress;
  /** The local pool (default) or a distributed dispatcher (`--executor pgboss`). */
  executor?: Executor | UnitDispatcher;
  /** Rate the first and best-of-N responses for quality (the alignment tax). */
  quality?: Rater;
  onRun?: (run: Run, config: AlignRunConfig) => void;
  bootstrap?: BootstrapOptions;
}

/** One arm's summary on one judge: rewards, distances and value profile over prompts. */
export interface ArmResult {
  reward: Estimate;
  distance: Estimate;
  l2: Estimate;
  l1: Estimate;
  values: ProfileEstimate;
  /** Per-prompt rewards (the distribution the report draws). */
  rewards: number[];
}

/** The paired difference best_of_n − baseline on one judge. */
export interface DifferenceResult {
  reward: Estimate;
  distance: Estimate;
  l2: Estimate;
  l1: Estimate;
}

/** Every arm as one judge scores it. */
export interface JudgeView {
  baseline: ArmResult;
  first_sample: ArmResult;
  best_of_n: ArmResult;
  difference: DifferenceResult;
}

/** One point of the best-of-n curve: the expected reward of the proxy's pick among n of the N samples. */
export interface CurvePoint {
  n: number;
  proxy: Estimate;
  heldout: Estimate;
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
  /** The reward maximised and reported, and each judge's mask threshold (masked reward). */
  reward: { kind: RewardKind; mask: { select: MaskThreshold; report: MaskThreshold } };
  /** The judge that picks (the proxy). */
  select_judge: { id: string; version: string };
  /** The judge that reports (held out). */
  judge: { id: string; version: string };
  /** The select judge's scores: optimised, so its difference is ≥ 0 by construction. */
  proxy: JudgeView;
  /** The report judge's scores of the same samples: the evidence. */
  heldout: JudgeView;
  /** Best-of-n for n = 1, 2, 4, …, N from the same samples, on both judges (curve.ts). */
  curve: CurvePoint[];
  /** Quality of the first sample and of the pick (1–10) and their paired difference (pick − first). */
  quality?: { rater: string; version: string; first_sample: Estimate; best_of_n: Estimate; difference: Estimate };
  warnings: string[];
}

export interface RunBonResult extends AlignResults {
  stage: StageSummary;
  /** Quality ratings and report-judge judgments that failed in this invocation (rerun to retry them). */
  ratingFailures: { sampleId: string; error: string }[];
  failures: number;
  interrupted: boolean;
}

/** A sample's value vector, reward and distances as one judge reads it. */
export interface Scores extends Distances {
  values: number[];
}

/** A scored sample of a prompt, read by both judges (the same reading when one judge does both). */
export interface ScoredSample {
  sampleId: string;
  index: number;
  text: string;
  proxy: Scores;
  heldout: Scores;
}

/** The picks of one prompt: every judged sample, the first, the best and the worst by the proxy's reward. */
export interface PromptPick {
  task: PromptTask;
  taskId: string;
  samples: ScoredSample[];
  first: ScoredSample;
  best: ScoredSample;
  worst: ScoredSample;
}

const judgeRecord = (judge: Judge, spec: string | undefined): JudgeRecord => ({ spec: spec ?? judge.id, id: judge.id, version: judge.version });

export function alignRunConfig(options: Pick<RunBonOptions, 'prompts' | 'model' | 'n' | 'target' | 'judge' | 'judgeSpec' | 'selectJudge' | 'selectJudgeSpec' | 'reward' | 'sampling'>): AlignRunConfig {
  if (!Number.isInteger(options.n) || options.n < 1 || options.n > MAX_BON_N) throw new TenetError('BAD_USAGE', `--n must be an integer from 1 to ${MAX_BON_N}, got ${options.n}`);
  const select = options.selectJudge && !sameJudge(options.selectJudge, options.judge) ? options.selectJudge : undefined;
  return {
    version: 1,
    method: 'best-of-n',
    prompts: { source: options.prompts.source, sha256: options.prompts.sha256, count: options.prompts.prompts.length },
    model: { spec: options.model.spec, model: options.model.model, baseUrl: options.model.baseUrl ?? null },
    n: options.n,
    target: targetRecord(options.target),
    judge: judgeRecord(options.judge, options.judgeSpec),
    ...(select ? { selectJudge: judgeRecord(select, options.selectJudgeSpec) } : {}),
    ...(options.reward && options.reward !== 'masked' ? { reward: options.reward } : {}),
    sampling: { ...DEFAULT_ALIGN_SAMPLING, ...Object.fromEntries(Object.entries(options.sampling ?? {}).filter(([, v]) => v !== undefined)) } as SamplingParams,
  };
}

/** The judge that selects in a stored run (the report judge when there is no separate one). */
export const selectJudgeOf = (config: AlignRunConfig): JudgeRecord => config.selectJudge ?? config.judge;

type JudgeRef = { id: string; version: string };

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

/** Options of the analysis; each defaults to the run's own. */
export interface PickOptions {
  target?: readonly number[];
  reward?: RewardKind;
  /** The judge that picks (its judgments must be stored: judgeStoredSamples). */
  select?: JudgeRef;
  /** The judge that reports. */
  report?: JudgeRef;
}

/**
 * Every prompt's scored samples and picks, from the store. A sample counts when both judges judged it; a prompt
 * counts when its first sample (index 0) does. The best is the highest proxy reward (ties: the lowest index), the
 * worst the lowest.
 */
export async function bonPicks(store: Store, runId: string, options: PickOptions = {}): Promise<{ run: Run; config: AlignRunConfig; picks: PromptPick[]; missing: number; reward: AlignResults['reward']; select: JudgeRef; report: JudgeRef }> {
  const { run, config } = await alignRunConfigOf(store, runId);
  const t = options.target ?? config.target.vector;
  const kind = options.reward ?? config.reward ?? 'masked';
  const select = options.select ?? selectJudgeOf(config);
  const report = options.report ?? config.judge;
  const mask = { select: maskThresholdOf(select), report: maskThresholdOf(report) };
  const tasks = (await store.tasks.listByRun(runId)).filter((x) => x.kind === ALIGN_TASK_KIND);
  const read = (judge: { id: string; version: string }, judgments: Awaited<ReturnType<Store['judgments']['listByRun']>>): Map<string, number[]> => {
    const values = new Map<string, number[]>();
    for (const j of judgments) {
      if (!sameJudge({ id: j.judgeId, version: j.judgeVersion }, judge)) continue;
      const r = j.result as { values?: unknown } | null;
      if (r && isVector(r.values)) values.set(j.sampleId, vectorFromJudge(r.values));
    }
    return values;
  };
  const judgments = await store.judgments.listByRun(runId);
  const proxyValues = read(select, judgments);
  const heldoutValues = sameJudge(select, report) ? proxyValues : read(report, judgments);
  const scores = (v: number[], m: MaskThreshold): Scores => ({ values: v, ...distances(v, t, { reward: kind, threshold: m.threshold }) });
  const byTask = new Map<string, ScoredSample[]>();
  for (const s of await store.samples.listByRun(runId)) {
    if (s.error || s.model !== config.model.spec) continue;
    const p = proxyValues.get(s.id);
    const h = heldoutValues.get(s.id);
    if (!p || !h) continue;
    const list = byTask.get(s.taskId) ?? [];
    list.push({ sampleId: s.id, index: s.sampleIndex, text: s.text, proxy: scores(p, mask.select), heldout: scores(h, mask.report) });
    byTask.set(s.taskId, list);
  }
  const picks: PromptPick[] = [];
  let missing = 0;
  for (const task of tasks) {
    const samples = (byTask.get(task.id) ?? []).sort((a, b) => a.index - b.index);
    const first = samples.find((s) => s.index === 0);
    if (!first) {
      missing++;
      continue;
    }
    let best = samples[0]!;
    let worst = samples[0]!;
    for (const s of samples) {
      if (s.proxy.reward > best.proxy.reward) best = s;
      if (s.proxy.reward < worst.proxy.reward) worst = s;
    }
    picks.push({ task: task.input as PromptTask, taskId: task.id, samples, first, best, worst });
  }
  return { run, config, picks, missing, reward: { kind, mask }, select: { id: select.id, version: select.version }, report: { id: report.id, version: report.version } };
}

const FIELDS = ['reward', 'distance', 'l2', 'l1'] as const;

/** An arm from one Scores per prompt. */
function arm(scores: readonly Scores[], options: BootstrapOptions): ArmResult {
  const [reward, distance, l2, l1] = FIELDS.map((f) => meanEstimate(scores.map((s) => s[f]), options)) as [Estimate, Estimate, Estimate, Estimate];
  return { reward, distance, l2, l1, values: profileEstimate(scores.map((s) => s.values), options), rewards: scores.map((s) => s.reward) };
}

/** The mean Scores of a prompt's samples: the expected score of a random one of them. */
function meanScores(samples: readonly Scores[]): Scores {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    values: SCHWARTZ_VALUE_IDS.map((_, k) => mean(samples.map((s) => s.values[k]!))),
    reward: mean(samples.map((s) => s.reward)),
    distance: mean(samples.map((s) => s.distance)),
    l2: mean(samples.map((s) => s.l2)),
    l1: mean(samples.map((s) => s.l1)),
  };
}

/** Every arm of one judge's reading (`side`), paired on the same prompts. */
function judgeView(picks: readonly PromptPick[], side: 'proxy' | 'heldout', boot: BootstrapOptions): JudgeView {
  const base = picks.map((p) => meanScores(p.samples.map((s) => s[side])));
  const best = picks.map((p) => p.best[side]);
  const diff = (f: (typeof FIELDS)[number]) => pairedDifference(base.map((x) => x[f]), best.map((x) => x[f]), boot);
  return {
    baseline: arm(base, boot),
    first_sample: arm(picks.map((p) => p.first[side]), boot),
    best_of_n: arm(best, boot),
    difference: { reward: diff('reward'), distance: diff('distance'), l2: diff('l2'), l1: diff('l1') },
  };
}

/** The best-of-n curve on both judges, each point with a CI over prompts (prompts with fewer than n judged samples sit out). */
function bestOfCurve(picks: readonly PromptPick[], n: number, boot: BootstrapOptions): CurvePoint[] {
  return curveSizes(n).map((k) => {
    const rows = picks.map((p) => expectedBestOf(p.samples.map((s) => ({ index: s.index, proxy: s.proxy.reward, scores: [s.proxy.reward, s.heldout.reward] })), k)).filter((x): x is number[] => x !== null);
    return { n: k, proxy: meanEstimate(rows.map((r) => r[0]!), boot), heldout: meanEstimate(rows.map((r) => r[1]!), boot) };
  });
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

/** The results of a stored best-of-N run: every arm on both judges, their paired differences and the best-of-n curve, each with N and a 95% CI over prompts. */
export async function loadAlignResults(store: Store, runId: string, options: BootstrapOptions & Omit<PickOptions, 'target'> & { quality?: JudgeRef } = {}): Promise<AlignResults> {
  const { run, config, picks, reward, select, report } = await bonPicks(store, runId, options);
  const boot: BootstrapOptions = { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const q = await qualityRatings(store, runId, options.quality);
  const rated = picks.filter((p) => q.scores.has(p.first.sampleId) && q.scores.has(p.best.sampleId));
  const warning = oneJudgeWarning(select, report, 'picks the best of N');
  const notes = reward.kind === 'masked' ? [reward.mask.select.note, warning ? undefined : reward.mask.report.note].filter((x): x is string => Boolean(x)) : [];
  return {
    run: run.id,
    status: (await store.runs.get(runId))?.status ?? run.status,
    method: 'best-of-n',
    model: config.model.spec,
    prompts: { source: config.prompts.source, count: config.prompts.count },
    n: config.n,
    n_prompts: picks.length,
    target: config.target,
    reward,
    select_judge: select,
    judge: report,
    proxy: judgeView(picks, 'proxy', boot),
    heldout: judgeView(picks, 'heldout', boot),
    curve: bestOfCurve(picks, config.n, boot),
    ...(q.rater ? {
      quality: {
        rater: q.rater.id,
        version: q.rater.version,
        first_sample: meanEstimate(rated.map((p) => q.scores.get(p.first.sampleId)!), boot),
        best_of_n: meanEstimate(rated.map((p) => q.scores.get(p.best.sampleId)!), boot),
        difference: pairedDifference(rated.map((p) => q.scores.get(p.first.sampleId)!), rated.map((p) => q.scores.get(p.best.sampleId)!), boot),
      },
    } : {}),
    warnings: [...(warning ? [warning] : []), ...notes],
  };
}

type Failure = { sampleId: string; error: string };

/** Store one judgment per item (resumable: only items not yet judged are passed in); returns how many were stored and what failed. */
async function storeJudgments<T>(store: Store, todo: Map<string, T>, judgeId: string, judgeVersion: string, call: (item: T, signal: AbortSignal) => Promise<unknown>, options: { concurrency?: number; signal?: AbortSignal; executor?: Executor }): Promise<{ rated: number; failed: Failure[] }> {
  const failed: Failure[] = [];
  let rated = 0;
  await (options.executor ?? localExecutor).execute(todo.entries(), async ([sampleId, item], signal) => {
    try {
      const result = await call(item, signal);
      await store.judgments.putMany([{ sampleId, judgeId, judgeVersion, result }]);
      rated++;
    } catch (error) {
      if (!signal.aborted) failed.push({ sampleId, error: error instanceof Error ? error.message : String(error) });
      throw error;
    }
  }, { concurrency: options.concurrency ?? 4, ...(options.signal ? { signal: options.signal } : {}) });
  return { rated, failed };
}

/** Rate the first and best responses of every prompt not yet rated by this rater; ratings are stored as judgments (resumable). */
export async function rateArms(store: Store, runId: string, rater: Rater, options: { concurrency?: number; signal?: AbortSignal; executor?: Executor } = {}): Promise<{ rated: number; failed: Failure[] }> {
  const { picks } = await bonPicks(store, runId);
  const have = (await qualityRatings(store, runId, { id: rater.id, version: rater.version })).scores;
  const todo = new Map<string, { prompt: string; response: string }>();
  for (const p of picks) {
    for (const s of [p.first, p.best]) if (!have.has(s.sampleId)) todo.set(s.sampleId, { prompt: p.task.prompt, response: s.text });
  }
  return storeJudgments(store, todo, rater.id, rater.version, (item, signal) => rater.rate(item, { signal }), options);
}

/** Judge every stored sample of the run that this (report) judge has not judged yet (resumable). */
export async function judgeStoredSamples(store: Store, runId: string, judge: Judge, options: { concurrency?: number; signal?: AbortSignal; executor?: Executor } = {}): Promise<{ rated: number; failed: Failure[] }> {
  const have = new Set((await store.judgments.listByRun(runId)).filter((j) => j.judgeId === judge.id && j.judgeVersion === judge.version).map((j) => j.sampleId));
  const prompts = new Map((await store.tasks.listByRun(runId)).map((t) => [t.id, (t.input as PromptTask).prompt]));
  const todo = new Map<string, { prompt: string; response: string }>();
  for (const s of await store.samples.listByRun(runId)) {
    if (!s.error && !have.has(s.id) && prompts.has(s.taskId)) todo.set(s.id, { prompt: prompts.get(s.taskId)!, response: s.text });
  }
  return storeJudgments(store, todo, judge.id, judge.version, async (item, signal) => (await judge.judge([item], { signal }))[0], options);
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
  const select = config.selectJudge ? options.selectJudge! : options.judge;
  const stage = await runSampleStage(options.prompts.prompts, {
    store,
    runId: run.id,
    taskKind: ALIGN_TASK_KIND,
    models: [options.model],
    samples: config.n,
    sampling: config.sampling,
    judge: select,
    judgeSpec: selectJudgeOf(config).spec,
    concurrency: options.concurrency ?? 8,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.progress ? { progress: options.progress } : {}),
    ...(options.executor ? { executor: options.executor } : {}),
  });
  options.progress?.finish();
  const ratingFailures: Failure[] = [];
  const after = { concurrency: options.concurrency ?? 8, ...(options.signal ? { signal: options.signal } : {}) };
  if (config.selectJudge && !stage.interrupted) ratingFailures.push(...(await judgeStoredSamples(store, run.id, options.judge, after)).failed);
  if (options.quality && !stage.interrupted && !options.signal?.aborted) ratingFailures.push(...(await rateArms(store, run.id, options.quality, after)).failed);
  const interrupted = stage.interrupted || Boolean(options.signal?.aborted);
  const status: RunStatus = interrupted ? 'interrupted' : stage.failed.length || ratingFailures.length ? 'failed' : 'done';
  await store.runs.setStatus(run.id, status);
  const results = await loadAlignResults(store, run.id, { ...options.bootstrap, ...(options.quality ? { quality: { id: options.quality.id, version: options.quality.version } } : {}) });
  return { ...results, stage, ratingFailures, failures: stage.failed.length + ratingFailures.length, interrupted };
}
