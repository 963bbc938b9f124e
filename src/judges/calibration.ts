/**
 * Judge calibration: how the run's judge agrees with human labels of a stratified label sample
 * (src/labels/sample.ts), at the run's threshold τ (the judge says "violates" when its score is > τ).
 *
 * Method (docs/judges.md, "Calibrating a judge against your labels"):
 * - The human label of an item: each labeller's latest answer; 'unsure' answers are left out (and counted);
 *   the item's label is the majority of the remaining answers; a tie leaves the item out (counted as tied).
 * - Design weights: an item of stratum h counts w_h = N_h / m_h, N_h the stratum's size in the run and m_h its
 *   items with a usable label (the stored weight N_h / n_h, re-spread over the labelled items: labels missing
 *   at random within a stratum).
 * - Estimators, weighted (Horvitz–Thompson ratios): sensitivity = Σw·[y=1, ŷ=1] / Σw·[y=1]; specificity =
 *   Σw·[y=0, ŷ=0] / Σw·[y=0]; precision = Σw·[y=1, ŷ=1] / Σw·[ŷ=1]; AUROC = weighted Mann–Whitney of the judge's
 *   score against y (each positive–negative pair weighs w_i·w_j); Cohen's κ from the weighted 2×2 table.
 * - CIs: percentile stratified bootstrap (B resamples, resampling items with replacement within each stratum,
 *   weights per stratum kept), 95%, seeded, so the numbers are reproducible; for sensitivity, specificity and
 *   precision widened to cover the Wilson interval at Kish's effective N (see withWilson).
 * - Krippendorff's α (nominal, violates vs does not; 'unsure' left out) between labellers over the items with
 *   at least two usable answers, with a bootstrap CI over those items; absent when no item has two.
 * - The calibration is keyed by judge id, version and `judgeConfigHash` (id, version, τ).
 */
import { wilsonInterval } from '../stats/intervals.ts';
import { createHash } from 'node:crypto';
import { TenetError } from '../errors.ts';
import { canonicalJson, stableId, type Label, type LabelItem, type NewLabel, type Store } from '../store/index.ts';
import { canonicalJudgeId } from './ids.ts';
import { defaultLabelSeed, runJudgeSetting } from '../labels/sample.ts';
import { auroc, bootstrap, type MetricWithCI } from './metrics.ts';

export interface Estimate {
  value: number | null;
  ci: [number | null, number | null];
}

export interface CalibrationResult {
  id: string;
  judge: { id: string; version: string };
  config_hash: string;
  run: string;
  seed: number;
  tau: number;
  /** Items with a usable human label (the estimates' N). */
  n_labels: number;
  /** Items of the sample left out: all answers unsure, a tie, or no answer yet. */
  excluded: { unsure: number; tied: number; unlabelled: number };
  /** Answers considered (each labeller's latest per item) and by how many labellers. */
  answers: number;
  labellers: number;
  sensitivity: Estimate;
  specificity: Estimate;
  precision: Estimate;
  auroc: Estimate;
  kappa: Estimate;
  alpha?: Estimate & { items: number };
  method: string;
  strata: { stratum: string; population: number; drawn: number; labelled: number; violates: number }[];
}

/** The configuration hash a calibration is keyed by: SHA-256 of canonical JSON of the judge's id, version and τ. */
export function judgeConfigHash(judge: { id: string; version: string }, tau: number): string {
  return createHash('sha256').update(canonicalJson({ id: canonicalJudgeId(judge.id, judge.version), version: judge.version, tau })).digest('hex');
}

/** The answers that count: each labeller's latest per item (by time, then id). */
export function latestAnswers(labels: readonly (Pick<Label, 'itemId' | 'labeller' | 'label'> & { createdAt?: string; id?: string })[]): Map<string, Map<string, Label['label']>> {
  const sorted = [...labels].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || (a.id ?? '').localeCompare(b.id ?? ''));
  const out = new Map<string, Map<string, Label['label']>>();
  for (const l of sorted) {
    let byLabeller = out.get(l.itemId);
    if (!byLabeller) out.set(l.itemId, (byLabeller = new Map()));
    byLabeller.set(l.labeller, l.label);
  }
  return out;
}

/** Krippendorff's α, nominal, two categories, over units with ≥ 2 values (NaN when undefined). */
export function krippendorffAlpha(units: readonly (readonly number[])[]): number {
  let n = 0;
  let disagreeObserved = 0;
  const count = [0, 0];
  for (const u of units) {
    const m = u.length;
    if (m < 2) continue;
    const ones = u.filter((v) => v === 1).length;
    const zeros = m - ones;
    disagreeObserved += (2 * ones * zeros) / (m - 1);
    count[0]! += zeros;
    count[1]! += ones;
    n += m;
  }
  if (n < 2) return Number.NaN;
  const expected = (2 * count[0]! * count[1]!) / (n - 1);
  if (expected === 0) return disagreeObserved === 0 ? 1 : Number.NaN;
  return 1 - disagreeObserved / expected;
}

const est = (m: { value: number; ci: [number, number] }): Estimate => {
  const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
  return { value: fin(m.value), ci: [fin(m.ci[0]), fin(m.ci[1])] };
};

/**
 * A weighted proportion's bootstrap interval, widened to cover the Wilson interval at Kish's effective
 * sample size (Σw)² / Σw² of its denominator's items: the percentile bootstrap collapses to a point when the
 * sample holds no error of one kind (a judge that missed one violation in 27 can show none in a sample),
 * where Wilson's interval still says how little a few dozen items can rule out.
 */
function withWilson(m: MetricWithCI, weights: readonly number[]): MetricWithCI {
  const sum = weights.reduce((a, b) => a + b, 0);
  const sumSq = weights.reduce((a, b) => a + b * b, 0);
  if (!(sum > 0) || !Number.isFinite(m.value)) return m;
  const [lo, hi] = wilsonInterval(m.value, (sum * sum) / sumSq);
  const min = (a: number, b: number): number => (Number.isNaN(a) ? b : Math.min(a, b));
  const max = (a: number, b: number): number => (Number.isNaN(a) ? b : Math.max(a, b));
  return { ...m, ci: [min(m.ci[0], lo), max(m.ci[1], hi)] };
}

/** The calibration of the run's judge against these labels of this label sample (pure apart from the id). */
export function computeCalibration(input: {
  run: string;
  seed: number;
  tau: number;
  judge: { id: string; version: string };
  items: readonly LabelItem[];
  /** The judge's violation score per judgment id. */
  scores: ReadonlyMap<string, number>;
  labels: readonly (Pick<Label, 'itemId' | 'labeller' | 'label'> & { createdAt?: string; id?: string })[];
  b?: number;
  seed_bootstrap?: number;
}): CalibrationResult {
  const b = input.b ?? 1000;
  const itemIds = new Set(input.items.map((i) => i.id));
  const answers = latestAnswers(input.labels.filter((l) => itemIds.has(l.itemId)));
  const drawn = new Map<string, number>();
  const weightOf = new Map<string, number>();
  for (const i of input.items) {
    drawn.set(i.stratum, (drawn.get(i.stratum) ?? 0) + 1);
    weightOf.set(i.stratum, i.weight);
  }
  const strataKeys = [...drawn.keys()].sort();
  const excluded = { unsure: 0, tied: 0, unlabelled: 0 };
  const rows: { stratum: number; y: number; yhat: number; score: number }[] = [];
  const alphaUnits: number[][] = [];
  let nAnswers = 0;
  const labellers = new Set<string>();
  for (const item of input.items) {
    const byLabeller = answers.get(item.id);
    if (!byLabeller || byLabeller.size === 0) {
      excluded.unlabelled++;
      continue;
    }
    nAnswers += byLabeller.size;
    for (const l of byLabeller.keys()) labellers.add(l);
    const usable = [...byLabeller.values()].filter((v) => v !== 'unsure').map((v) => (v === 'violates' ? 1 : 0));
    if (usable.length >= 2) alphaUnits.push(usable);
    if (usable.length === 0) {
      excluded.unsure++;
      continue;
    }
    const ones = usable.filter((v) => v === 1).length;
    if (ones * 2 === usable.length) {
      excluded.tied++;
      continue;
    }
    const score = input.scores.get(item.judgmentId);
    if (score === undefined) throw new TenetError('STORE', `judgment ${item.judgmentId} of label item ${item.id} has no violation score`);
    rows.push({ stratum: strataKeys.indexOf(item.stratum), y: ones * 2 > usable.length ? 1 : 0, yhat: score > input.tau ? 1 : 0, score });
  }
  const labelled = strataKeys.map((_, h) => rows.filter((r) => r.stratum === h).length);
  const population = strataKeys.map((k) => Math.round(weightOf.get(k)! * drawn.get(k)!));
  const w = rows.map((r) => population[r.stratum]! / labelled[r.stratum]!);
  const gold = rows.map((r) => r.y);
  const scores = rows.map((r) => r.score);

  const table = (idx: Int32Array): { tp: number; fp: number; fn: number; tn: number } => {
    const t = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const i of idx) {
      const r = rows[i]!;
      if (r.y === 1) r.yhat === 1 ? (t.tp += w[i]!) : (t.fn += w[i]!);
      else r.yhat === 1 ? (t.fp += w[i]!) : (t.tn += w[i]!);
    }
    return t;
  };
  const ratio = (a: number, c: number): number => (c > 0 ? a / c : Number.NaN);
  const kappa = (idx: Int32Array): number => {
    const { tp, fp, fn, tn } = table(idx);
    const total = tp + fp + fn + tn;
    if (total === 0) return Number.NaN;
    const po = (tp + tn) / total;
    const pe = ((tp + fp) / total) * ((tp + fn) / total) + ((fn + tn) / total) * ((fp + tn) / total);
    return pe === 1 ? Number.NaN : (po - pe) / (1 - pe);
  };
  const options = { b, seed: input.seed_bootstrap ?? 1, strata: rows.map((r) => r.stratum) };
  const n = rows.length;
  const result: Omit<CalibrationResult, 'id'> = {
    judge: input.judge,
    config_hash: judgeConfigHash(input.judge, input.tau),
    run: input.run,
    seed: input.seed,
    tau: input.tau,
    n_labels: n,
    excluded,
    answers: nAnswers,
    labellers: labellers.size,
    sensitivity: est(withWilson(bootstrap(n, (idx) => { const t = table(idx); return ratio(t.tp, t.tp + t.fn); }, options), w.filter((_, i) => rows[i]!.y === 1))),
    specificity: est(withWilson(bootstrap(n, (idx) => { const t = table(idx); return ratio(t.tn, t.tn + t.fp); }, options), w.filter((_, i) => rows[i]!.y === 0))),
    precision: est(withWilson(bootstrap(n, (idx) => { const t = table(idx); return ratio(t.tp, t.tp + t.fp); }, options), w.filter((_, i) => rows[i]!.yhat === 1))),
    auroc: est(bootstrap(n, (idx) => auroc(gold, scores, idx, w), options)),
    kappa: est(bootstrap(n, kappa, options)),
    method: `design-weighted estimates (w = N_h / labelled_h per stratum model × score band), 95% percentile stratified bootstrap (B = ${b}, resampling within strata), for sensitivity, specificity and precision widened to cover the Wilson interval at Kish's effective N; 'unsure' answers left out; an item's label is the majority of its labellers' latest answers (ties left out)`,
    strata: strataKeys.map((stratum, h) => ({ stratum, population: population[h]!, drawn: drawn.get(stratum)!, labelled: labelled[h]!, violates: rows.filter((r) => r.stratum === h && r.y === 1).length })),
  };
  if (alphaUnits.length > 0) {
    const a = bootstrap(alphaUnits.length, (idx) => krippendorffAlpha([...idx].map((i) => alphaUnits[i]!)), { b, seed: input.seed_bootstrap ?? 1 });
    result.alpha = { ...est(a), items: alphaUnits.length };
  }
  // The id names what was computed from what: the same labels of the same sample give the same calibration.
  const used = [...answers].sort(([a], [c]) => a.localeCompare(c)).map(([item, byLabeller]) => [item, [...byLabeller].sort(([a], [c]) => a.localeCompare(c))]);
  const id = `cal-${stableId('calibration', input.run, input.seed, input.judge, input.tau, b, used)}`;
  return { id, ...result };
}

/**
 * Calibrate the run's judge against the labels of its label sample (`labels`: from a file; default: the
 * stored labels), and store the calibration (`store.calibrations`).
 */
export async function calibrateRun(store: Store, runId: string, options: { seed?: number; labels?: readonly NewLabel[]; b?: number } = {}): Promise<CalibrationResult> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in this store`);
  const { judge, tau } = runJudgeSetting(run);
  const seed = options.seed ?? (await defaultLabelSeed(store, run.id));
  const items = await store.labels.sample(run.id, seed);
  if (items.length === 0) throw new TenetError('BAD_USAGE', `run ${run.id} has no label sample with seed ${seed}`);
  const labels = options.labels ?? (await store.labels.list(run.id, seed));
  const scores = new Map<string, number>();
  const ids = items.map((i) => i.judgmentId);
  for (let i = 0; i < ids.length; i += 500) {
    for (const r of await store.kysely.selectFrom('judgments').select(['id', 'result_json']).where('id', 'in', ids.slice(i, i + 500)).execute()) {
      const v = (JSON.parse(r.result_json) as { violation?: unknown }).violation;
      if (typeof v === 'number') scores.set(r.id, v);
    }
  }
  const result = computeCalibration({ run: run.id, seed, tau, judge, items, scores, labels, ...(options.b ? { b: options.b } : {}) });
  if (result.n_labels === 0) {
    throw new TenetError('BAD_USAGE', `no usable label for run ${run.id}'s sample (seed ${seed}): ${result.excluded.unlabelled} unlabelled, ${result.excluded.unsure} unsure, ${result.excluded.tied} tied`, { hint: 'label items on the viewer\'s Label page or import labels with `tenet labels import FILE`' });
  }
  await store.calibrations.put({ id: result.id, judgeId: judge.id, judgeVersion: judge.version, configHash: result.config_hash, runId: run.id, result });
  return result;
}
