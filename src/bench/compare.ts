/**
 * `bench compare`: rank the models of one or more bench runs by EVR (lower is better), with CIs, and say
 * which differences are significant.
 *
 * Significance, for two models A and B:
 * - when they were scored on at least MIN_PAIRED_PROMPTS shared prompts (same id and text), a PAIRED test over
 *   those shared prompts: d_i = 1[A violated prompt i at least once] − 1[B did]; mean(d) with Newcombe's paired
 *   interval (`ci_method: 'newcombe'`), the exact two-sided paired sign-flip p (for these 0/±1 differences,
 *   McNemar's exact test), and p_holm, Holm-corrected over every paired comparison in the result (`pairs`,
 *   one family); significant when p_holm < ALPHA;
 * - otherwise (different prompt sets) the conservative non-overlapping-CI rule: significant only when the
 *   two EVR CIs (Wilson) do not overlap; no p.
 *
 * Runs measured differently are not comparable: EVR grows with K, and the judge, τ and the continuation
 * prompt change what counts as a violation. Comparing runs that differ in any of these is refused unless
 * `allowMismatch` is set, and then every difference is listed in `warnings`.
 */
import type { BootstrapOptions } from '../stats/bootstrap.ts';
import { newcombePaired } from '../stats/intervals.ts';
import { holm, signFlipP } from '../stats/pvalues.ts';
import type { Store } from '../store/index.ts';
import { DEFAULT_TAU, benchMetrics, type MetricSet, type ModelScores } from './metrics.ts';
import { loadLeaderboard, matchLeaderboardModel, type Leaderboard } from './leaderboard.ts';
import { TenetError } from '../errors.ts';
import { loadRunScores, type BenchModelResult, type BenchRunConfig } from './run.ts';
import { correctedModelRates, type Calibration } from '../judges/corrected.ts';

export const MIN_PAIRED_PROMPTS = 10;
/** The family-wise error rate the Holm-corrected p-values are judged at. */
export const ALPHA = 0.05;

export interface Comparison {
  a: string;
  b: string;
  /** EVR(a) − EVR(b): over the shared prompts (paired) or the two full sets (ci-overlap). */
  diff: number;
  /** 95% CI of the difference (paired), or null (ci-overlap). */
  ci: [number, number] | null;
  /** How `ci` was made: Newcombe's interval for paired proportions, or null when there is none. */
  ci_method: 'newcombe' | null;
  /** Two-sided exact paired sign-flip p over the shared prompts (paired), or null (ci-overlap). */
  p: number | null;
  /** p after Holm's correction over every paired comparison of the result, or null (ci-overlap). */
  p_holm: number | null;
  /** Paired: p_holm < ALPHA. ci-overlap: the two EVR CIs do not overlap. */
  significant: boolean;
  method: 'paired-sign-flip' | 'ci-overlap';
  /** Prompts both were scored on. */
  shared: number;
}

export interface RankedModel extends ModelScores {
  rank: number;
  /** `model` when unique across the runs compared, else `model@run`. */
  label: string;
  model: string;
  run: string;
  /** How this model compares with the next one down the ranking. */
  vs_next?: Comparison;
  /** With a calibration: EVR and APV corrected for the judge's error (the ranking stays by raw EVR). */
  evr_corrected?: BenchModelResult['evr_corrected'];
  apv_corrected?: BenchModelResult['apv_corrected'];
}

export interface LeaderboardRow {
  label: string;
  /** The leaderboard model matched by name (or by --leaderboard-name), or null. */
  matched: string | null;
  /** Per foundation: our EVR (with CI) beside the matched leaderboard model's number. */
  foundations: Record<string, { ours: number | null; ci: [number, number] | null; leaderboard: number | null }>;
  /** Mean over the leaderboard's foundations that we measured (ours) and the same foundations on the leaderboard. */
  mean: { ours: number | null; leaderboard: number | null };
  /** Where our mean would place among the leaderboard's models (1 = least violating), over the same foundations. */
  place: number | null;
}

export interface LeaderboardComparison {
  source: string;
  metric: string;
  caveat: string;
  foundations: string[];
  rows: LeaderboardRow[];
  /** The leaderboard itself, sorted by mean violation (lower first). */
  table: { model: string; developer: string | null; type: string | null; scores: Record<string, number>; mean: number }[];
}

export interface CompareResult {
  runs: string[];
  tau: number;
  /** How the compared runs were measured differently (only with `allowMismatch`; absent when they agree). */
  warnings?: string[];
  ranking: RankedModel[];
  /** Every pair, in ranking order (a ranked above b). */
  pairs: Comparison[];
  /** The multiple-comparison correction of the paired p-values: one Holm family of `family` paired comparisons. */
  correction: { method: 'holm'; alpha: number; family: number; test: 'exact paired sign-flip' };
  leaderboard?: LeaderboardComparison;
}

export interface CompareOptions extends BootstrapOptions {
  /** Put the results beside the Value Compass leaderboard. */
  leaderboard?: boolean | Leaderboard;
  /** Explicit matches, model spec → leaderboard model name. */
  leaderboardNames?: Record<string, string>;
  /** Compare runs that differ in K, judge, τ or continuation prompt anyway, with `warnings` (default: refuse). */
  allowMismatch?: boolean;
  /** A judge calibration: each model gets `evr_corrected` / `apv_corrected` (null with a reason for a run of another judge). */
  calibration?: Calibration | undefined;
}

/** How runs were measured differently, in K, judge, τ and continuation prompt: one line per setting that differs. */
export function measurementMismatches(configs: readonly { run: string; config: BenchRunConfig }[]): string[] {
  const settings: [string, (c: BenchRunConfig) => string][] = [
    ['K (samples per prompt; EVR grows with K)', (c) => String(c.samples)],
    ['judge', (c) => `${c.judge.id}@${c.judge.version}`],
    ['τ', (c) => String(c.tau)],
    ['continuation prompt', (c) => c.template],
  ];
  const out: string[] = [];
  for (const [name, of] of settings) {
    const values = new Set(configs.map((c) => of(c.config)));
    if (values.size > 1) out.push(`${name} differs: ${configs.map((c) => `${c.run} ${of(c.config)}`).join(', ')}`);
  }
  return out;
}

interface Entry extends ModelScores, Pick<RankedModel, 'evr_corrected' | 'apv_corrected'> {
  model: string;
  /** The model name behind the spec (differs for configured endpoints). */
  name: string;
  run: string;
  label: string;
  /** prompt key (id + text) → 1[max_k s > τ]. */
  hits: Map<string, number>;
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

function compareEntries(a: Entry, b: Entry): Comparison {
  const shared: string[] = [];
  for (const key of a.hits.keys()) if (b.hits.has(key)) shared.push(key);
  shared.sort(); // the prompts' own ids and texts: the same data gives the same result in any run
  const ea = a.metrics.overall;
  const eb = b.metrics.overall;
  if (shared.length >= MIN_PAIRED_PROMPTS) {
    const x = shared.map((k) => a.hits.get(k)!);
    const y = shared.map((k) => b.hits.get(k)!);
    const d = newcombePaired(x, y);
    const p = signFlipP(x.map((v, i) => v - y[i]!));
    // significance and p_holm are set once the whole family is known
    return { a: a.label, b: b.label, diff: round(d.value), ci: [round(d.ci[0]), round(d.ci[1])], ci_method: 'newcombe', p, p_holm: null, significant: false, method: 'paired-sign-flip', shared: shared.length };
  }
  const apart = ea.ci.evr[1] < eb.ci.evr[0] || eb.ci.evr[1] < ea.ci.evr[0];
  return { a: a.label, b: b.label, diff: round(ea.evr - eb.evr), ci: null, ci_method: null, p: null, p_holm: null, significant: Number.isFinite(ea.evr) && Number.isFinite(eb.evr) && apart, method: 'ci-overlap', shared: shared.length };
}

/** Holm's correction over the paired comparisons (one family), and their significance at ALPHA. */
function correct(pairs: Comparison[]): CompareResult['correction'] {
  const paired = pairs.filter((c) => c.p !== null);
  const adjusted = holm(paired.map((c) => c.p!));
  paired.forEach((c, i) => {
    c.p_holm = adjusted[i]!;
    c.significant = adjusted[i]! < ALPHA;
  });
  return { method: 'holm', alpha: ALPHA, family: paired.length, test: 'exact paired sign-flip' };
}

function correctedOf(scores: Parameters<typeof benchMetrics>[0], config: BenchRunConfig, options: CompareOptions): Pick<RankedModel, 'evr_corrected' | 'apv_corrected'> {
  if (!options.calibration) return {};
  const c = correctedModelRates(scores, options.calibration, { k: config.samples, tau: config.tau, judge: config.judge, ...(options.b ? { b: options.b } : {}), ...(options.seed ? { seed: options.seed } : {}) });
  return { evr_corrected: c.evr, apv_corrected: c.apv };
}

function byEvr(x: MetricSet, y: MetricSet): number {
  const key = (m: MetricSet): number[] => [m.n ? m.evr : Infinity, m.n ? m.mvp : Infinity, m.n ? m.apv : Infinity];
  const [a, b] = [key(x), key(y)];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

function leaderboardComparison(entries: Entry[], board: Leaderboard, names: Record<string, string>): LeaderboardComparison {
  const mean = (xs: number[]): number | null => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);
  const table = board.models
    .map((m) => ({ model: m.model, developer: m.developer, type: m.type, scores: m.scores, mean: round(mean(Object.values(m.scores)) ?? Number.NaN) }))
    .sort((x, y) => x.mean - y.mean);
  const rows = entries.map((e): LeaderboardRow => {
    const match = matchLeaderboardModel(e.model, board, names) ?? (e.name !== e.model ? matchLeaderboardModel(e.name, board, {}) : undefined);
    const measured = board.foundations.filter((f) => (e.metrics.per_foundation[f]?.n ?? 0) > 0);
    const foundations = Object.fromEntries(board.foundations.map((f) => {
      const ours = e.metrics.per_foundation[f];
      const has = ours !== undefined && ours.n > 0;
      return [f, { ours: has ? ours.evr : null, ci: has ? ours.ci.evr : null, leaderboard: match?.scores[f] ?? null }];
    }));
    const oursMean = mean(measured.map((f) => e.metrics.per_foundation[f]!.evr));
    const theirsMean = match ? mean(measured.map((f) => match.scores[f]).filter((x): x is number => typeof x === 'number')) : null;
    let place: number | null = null;
    if (oursMean !== null) {
      const others = board.models.filter((m) => m !== match).map((m) => mean(measured.map((f) => m.scores[f]).filter((x): x is number => typeof x === 'number')) ?? Infinity);
      place = 1 + others.filter((x) => x < oursMean).length;
    }
    return {
      label: e.label,
      matched: match?.model ?? null,
      foundations,
      mean: { ours: oursMean === null ? null : round(oursMean), leaderboard: theirsMean === null ? null : round(theirsMean) },
      place,
    };
  });
  return { source: board.source, metric: board.metric, caveat: board.caveat, foundations: board.foundations, rows, table };
}

/** Rank the models of the given bench runs by EVR, with significance marks, optionally beside the leaderboard. */
export async function compareRuns(store: Store, runIds: readonly string[], options: CompareOptions = {}): Promise<CompareResult> {
  const entries: Entry[] = [];
  let tau = DEFAULT_TAU;
  const loaded = [];
  for (const runId of new Set(runIds)) loaded.push(await loadRunScores(store, runId));
  const mismatches = measurementMismatches(loaded.map((l) => ({ run: l.run.id, config: l.config })));
  if (mismatches.length && !options.allowMismatch) {
    throw new TenetError('BAD_USAGE', `the runs were measured differently, so their numbers are not comparable: ${mismatches.join('; ')}`, {
      hint: 'rerun with the same --samples, --judge and prompt template, or pass --allow-mismatch to compare anyway (every difference is then printed as a warning)',
    });
  }
  for (const { run, config, byModel, prompts } of loaded) {
    tau = config.tau;
    const keys = prompts.map((p) => `${p.id}\u0000${p.prompt}`);
    for (const [model, scores] of byModel) {
      const hits = new Map<string, number>();
      scores.forEach((p, i) => {
        if (p.scores.length > 0) hits.set(keys[i]!, Math.max(...p.scores) > config.tau ? 1 : 0);
      });
      entries.push({ model, name: config.models.find((m) => m.spec === model)?.model ?? model, run: run.id, label: model, hits, ...benchMetrics(scores, { k: config.samples, tau: config.tau, ...options }), ...correctedOf(scores, config, options) });
    }
  }
  const counts = new Map<string, number>();
  for (const e of entries) counts.set(e.model, (counts.get(e.model) ?? 0) + 1);
  for (const e of entries) if (counts.get(e.model)! > 1) e.label = `${e.model}@${e.run}`;
  entries.sort((x, y) => byEvr(x.metrics.overall, y.metrics.overall));
  const pairs: Comparison[] = [];
  for (let i = 0; i < entries.length; i++) for (let j = i + 1; j < entries.length; j++) pairs.push(compareEntries(entries[i]!, entries[j]!));
  const correction = correct(pairs);
  const ranking = entries.map((e, i): RankedModel => {
    const next = entries[i + 1];
    return {
      rank: i + 1,
      label: e.label,
      model: e.model,
      run: e.run,
      metrics: e.metrics,
      ...(e.values ? { values: e.values } : {}),
      ...(e.evr_corrected ? { evr_corrected: e.evr_corrected, apv_corrected: e.apv_corrected } : {}),
      ...(next ? { vs_next: pairs.find((p) => p.a === e.label && p.b === next.label)! } : {}),
    };
  });
  const result: CompareResult = { runs: [...new Set(runIds)], tau, ...(mismatches.length ? { warnings: mismatches } : {}), ranking, pairs, correction };
  if (options.leaderboard) {
    const board = options.leaderboard === true ? loadLeaderboard() : options.leaderboard;
    result.leaderboard = leaderboardComparison(entries, board, options.leaderboardNames ?? {});
  }
  return result;
}
