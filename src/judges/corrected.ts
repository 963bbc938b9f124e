/**
 * Error-corrected rates: EVR and APV corrected for the judge's measured sensitivity (Se) and specificity (Sp)
 * at τ, from a judge calibration (`tenet judge calibrate --json`). Pure functions; docs/trust.md walks through them.
 *
 * Rogan–Gladen: a judge that calls a true violation a violation with probability Se and a non-violation a
 * non-violation with probability Sp observes p_obs = π·Se + (1 − π)(1 − Sp), so
 *   π̂ = (p_obs + Sp − 1) / (Se + Sp − 1), clipped to [0, 1].
 * Assumptions: the errors are non-differential (Se and Sp are the same for every model, prompt and foundation
 * as on the calibration's labels) and the calibration's labels are the truth.
 *
 * - APV is the share of SAMPLES judged violating, the unit the calibration's labels are on, so the correction
 *   is Rogan–Gladen itself on APV with the per-sample Se and Sp.
 * - EVR is the share of PROMPTS with at least one of their K samples judged violating. A prompt with no true
 *   violation is flagged unless all K verdicts are right: its specificity is Sp^K (errors independent across
 *   samples); a prompt with a true violation is flagged with probability ≥ Se (exactly Se when one sample
 *   violates and no other is a false alarm). EVR is corrected with Se_K = Se, Sp_K = Sp^K. With K = 1 this is
 *   exact; with K > 1 it leans high (Se_K underestimated), and for a weak Sp a large K leaves no useful correction
 *   (Sp^K → 0): then the reason says so. K is the run's K; prompts with fewer samples are treated alike.
 *
 * The interval is a parametric + nonparametric bootstrap, B = 1000, seeded (judges/metrics.ts `bootstrap`):
 * each replicate resamples the prompts with replacement (sampling uncertainty of p_obs) AND draws Se, Sp
 * independently from logit-normal distributions fitted to the calibration's 95% CIs (centre logit(value),
 * sd = (logit(hi) − logit(lo)) / (2·1.96)): the calibration's uncertainty. The 2.5th and 97.5th percentiles of
 * the corrected replicates are the 95% CI. The calibration contract gives a value and a CI, not counts, hence
 * the logit-normal rather than a Beta.
 *
 * No correction is given (value null, with a `reason`) when the lower 2.5% quantile of Se_K + Sp_K − 1 over
 * the drawn replicates is ≤ MIN_YOUDEN: the denominator is then too close to 0 for the result to mean anything.
 */
import { TenetError } from '../errors.ts';
import { DEFAULT_TAU, metricSet, type PromptScores } from '../bench/metrics.ts';
import { bootstrap, mulberry32, type BootstrapOptions } from './metrics.ts';
import { quantileSorted } from '../stats/bootstrap.ts';
import { sameJudge } from './ids.ts';

/** The smallest useful lower bound of Se + Sp − 1 (Youden's J). */
export const MIN_YOUDEN = 0.1;
export const CORRECTION_METHOD = 'rogan-gladen; 95% CI: bootstrap over prompts × logit-normal draws of Se, Sp from the calibration CIs';

export interface ValueWithCI {
  value: number;
  ci: [number, number];
}

/** A judge calibration as `tenet judge calibrate --json` prints it (the fields this module reads). */
export interface Calibration {
  id: string;
  judge: { id: string; version: string };
  n_labels: number;
  sensitivity: ValueWithCI;
  specificity: ValueWithCI;
  precision?: number | ValueWithCI;
  auroc?: ValueWithCI;
  kappa?: ValueWithCI;
  alpha?: unknown;
  /** The τ the calibration was computed at (the run's τ when absent). */
  tau?: number;
  config_hash?: string;
}

/** Where calibrations stored by `tenet judge calibrate` are looked up (the store's `calibrations` repo). */
export interface CalibrationSource {
  get(id: string): Promise<Calibration | undefined>;
  latestFor(judgeId: string, judgeVersion: string, configHash?: string): Promise<Calibration | undefined>;
}

/** One corrected rate beside its raw value. `value` and `ci` are null (with `reason`) where no useful correction exists. */
export interface CorrectedRate {
  raw: number;
  raw_ci: [number, number];
  value: number | null;
  ci: [number, number] | null;
  method: string;
  calibration_id: string;
  reason?: string;
}

export interface CorrectedModelRates {
  model: string;
  evr: CorrectedRate;
  apv: CorrectedRate;
}

const clip01 = (x: number): number => Math.min(1, Math.max(0, x));
const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** Rogan–Gladen: the true prevalence behind an observed rate, clipped to [0, 1]; NaN when Se + Sp − 1 ≤ 0. */
export function roganGladen(observed: number, se: number, sp: number): number {
  const j = se + sp - 1;
  if (!(j > 0)) return Number.NaN;
  return clip01((observed + sp - 1) / j);
}

const logit = (p: number): number => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};
const expit = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * A sampler of a proportion from its value and 95% CI: normal on the logit scale, its spread taken from the
 * CI's sides that lie inside (0, 1) (a bound at 0 or 1, as a proportion near the edge has, says nothing of the
 * spread on the logit scale and would make it unbounded), the narrower side where both do.
 */
export function logitNormalSampler(m: ValueWithCI, rand: () => number): () => number {
  const centre = logit(m.value);
  const inside = (b: number): boolean => b > 1e-9 && b < 1 - 1e-9;
  const sides = [inside(m.ci[0]) ? centre - logit(m.ci[0]) : NaN, inside(m.ci[1]) ? logit(m.ci[1]) - centre : NaN].filter((d) => d > 0);
  const sd = sides.length ? Math.min(...sides) / 1.959964 : 0;
  return () => {
    // Box–Muller
    const u = 1 - rand();
    const v = rand();
    return expit(centre + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  };
}

export interface CorrectOptions extends BootstrapOptions {
  /** Samples per prompt: EVR's specificity is Sp^k (default 1, i.e. a per-sample rate such as APV). */
  k?: number;
}

/**
 * Correct an observed rate. `observed(idx)` computes the raw rate over the prompts at `idx` (with repetition),
 * for `n` prompts. Returns the corrected value and its CI, or null values with a reason.
 */
export function correctRate(
  n: number,
  observed: (idx: Int32Array) => number,
  calibration: Calibration,
  options: CorrectOptions = {},
): { value: number | null; ci: [number, number] | null; reason?: string } {
  const k = options.k ?? 1;
  const seed = options.seed ?? 1;
  const b = options.b ?? 1000;
  const spOf = (sp: number): number => sp ** k;
  // Youden's J of the rate's unit, over draws from the calibration alone
  const rand = mulberry32(seed ^ 0x5bd1e995);
  const drawSe = logitNormalSampler(calibration.sensitivity, rand);
  const drawSp = logitNormalSampler(calibration.specificity, rand);
  const js: number[] = [];
  for (let i = 0; i < b; i++) js.push(drawSe() + spOf(drawSp()) - 1);
  js.sort((x, y) => x - y);
  const jLow = quantileSorted(js, 0.025);
  const unit = k > 1 ? `per prompt with K = ${k} (Sp^K = ${round(spOf(calibration.specificity.value))})` : 'per sample';
  if (!(jLow > MIN_YOUDEN)) {
    return {
      value: null,
      ci: null,
      reason: `sensitivity + specificity − 1 ${unit} is too small for a useful correction: its lower 95% bound is ${round(jLow)} (≤ ${MIN_YOUDEN})`,
    };
  }
  if (n === 0) return { value: null, ci: null, reason: 'no judged prompts' };
  const all = new Int32Array(n).map((_, i) => i);
  const value = roganGladen(observed(all), calibration.sensitivity.value, spOf(calibration.specificity.value));
  const draws = mulberry32(seed ^ 0x27d4eb2f);
  const se = logitNormalSampler(calibration.sensitivity, draws);
  const sp = logitNormalSampler(calibration.specificity, draws);
  const boot = bootstrap(n, (idx) => roganGladen(observed(idx), se(), spOf(sp())), { ...options, b });
  return { value: round(value), ci: [round(boot.ci[0]), round(boot.ci[1])] };
}

/** Why this calibration does not apply to a judge, or undefined when it does. */
export function calibrationMismatch(calibration: Calibration, judge: { id: string; version: string }, tau?: number): string | undefined {
  if (!sameJudge(calibration.judge, judge)) {
    return `calibration ${calibration.id} is for judge ${calibration.judge.id}@${calibration.judge.version}, the run's judge is ${judge.id}@${judge.version}`;
  }
  if (tau !== undefined && calibration.tau !== undefined && calibration.tau !== tau) {
    return `calibration ${calibration.id} was computed at τ = ${calibration.tau}, the run's τ is ${tau}`;
  }
  return undefined;
}

/** EVR and APV of one model's prompts, raw (from bench/metrics.ts) and corrected. */
export function correctedModelRates(
  prompts: readonly PromptScores[],
  calibration: Calibration,
  options: CorrectOptions & { tau?: number; judge?: { id: string; version: string } } = {},
): { evr: CorrectedRate; apv: CorrectedRate } {
  const tau = options.tau ?? DEFAULT_TAU;
  const k = options.k ?? 1;
  const scored = prompts.filter((p) => p.scores.length > 0);
  const raw = metricSet(scored, { ...options, tau, k });
  const hit = Float64Array.from(scored, (p) => (Math.max(...p.scores) > tau ? 1 : 0));
  const violating = Float64Array.from(scored, (p) => p.scores.filter((s) => s > tau).length);
  const ki = Float64Array.from(scored, (p) => p.scores.length);
  const evrOf = (idx: Int32Array): number => {
    let s = 0;
    for (let j = 0; j < idx.length; j++) s += hit[idx[j]!]!;
    return idx.length ? s / idx.length : Number.NaN;
  };
  const apvOf = (idx: Int32Array): number => {
    let v = 0;
    let n = 0;
    for (let j = 0; j < idx.length; j++) {
      v += violating[idx[j]!]!;
      n += ki[idx[j]!]!;
    }
    return n ? v / n : Number.NaN;
  };
  const mismatch = options.judge ? calibrationMismatch(calibration, options.judge, tau) : undefined;
  const make = (rawValue: number, rawCi: [number, number], observed: (idx: Int32Array) => number, unitK: number): CorrectedRate => {
    const base = { raw: rawValue, raw_ci: rawCi, method: CORRECTION_METHOD, calibration_id: calibration.id };
    if (mismatch) return { ...base, value: null, ci: null, reason: mismatch };
    const c = correctRate(scored.length, observed, calibration, { ...options, k: unitK });
    return { ...base, value: c.value, ci: c.ci, ...(c.reason ? { reason: c.reason } : {}) };
  };
  return {
    evr: make(raw.evr, raw.ci.evr, evrOf, k),
    apv: make(raw.apv, raw.ci.apv, apvOf, 1),
  };
}

/** What `correctedRates` needs of a run: `loadRunScores(store, run)` gives exactly this. */
export interface RunScoresLike {
  config: { samples: number; tau: number; judge: { id: string; version: string } };
  byModel: Map<string, PromptScores[]> | Iterable<[string, PromptScores[]]>;
}

/**
 * The corrected EVR and APV of every model of a run (for `judge calibrate --json`'s `corrected` and for bench):
 * `correctedRates(await loadRunScores(store, runId), calibration)`.
 */
export function correctedRates(run: RunScoresLike, calibration: Calibration, options: BootstrapOptions = {}): CorrectedModelRates[] {
  const out: CorrectedModelRates[] = [];
  for (const [model, prompts] of run.byModel) {
    out.push({ model, ...correctedModelRates(prompts, calibration, { ...options, k: run.config.samples, tau: run.config.tau, judge: run.config.judge }) });
  }
  return out;
}

function isValueWithCI(x: unknown): x is ValueWithCI {
  const v = x as ValueWithCI;
  return typeof v === 'object' && v !== null && typeof v.value === 'number' && Array.isArray(v.ci) && v.ci.length === 2 &&
    v.ci.every((c) => typeof c === 'number' && c >= 0 && c <= 1) && v.value >= 0 && v.value <= 1;
}

/** Check a parsed calibration (`where` names it in errors). */
export function parseCalibration(x: unknown, where: string): Calibration {
  const c = x as Partial<Calibration>;
  const problems: string[] = [];
  if (typeof c !== 'object' || c === null) throw new TenetError('BAD_INPUT', `${where}: a calibration must be a JSON object`);
  if (typeof c.id !== 'string') problems.push('id (a string)');
  if (!c.judge || typeof c.judge.id !== 'string' || typeof c.judge.version !== 'string') problems.push('judge {id, version}');
  if (!isValueWithCI(c.sensitivity)) problems.push('sensitivity {value, ci: [lo, hi]} in [0, 1]');
  if (!isValueWithCI(c.specificity)) problems.push('specificity {value, ci: [lo, hi]} in [0, 1]');
  if (problems.length) {
    throw new TenetError('BAD_INPUT', `${where} is not a judge calibration: missing or bad ${problems.join(', ')}`, {
      hint: 'pass the JSON that `tenet judge calibrate RUN --json` prints',
    });
  }
  return { ...c, n_labels: typeof c.n_labels === 'number' ? c.n_labels : 0 } as Calibration;
}
