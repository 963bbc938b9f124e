/**
 * Metrics every judge is scored with, each with a percentile bootstrap 95% CI and its N.
 *
 * Schwartz data (gold: rows × 10 in {−1,0,+1}; predictions: rows × 10 in [−1,1], read as classes by
 * `polarityOf`: > 0.5 → +1, < −0.5 → −1, else 0):
 * - `accuracy`: 3-class accuracy over all (row, value) pairs (FULCRA's headline metric);
 * - `macroF1`: F1 of each class over all pairs, averaged over the classes present in gold or predictions
 *   (scikit-learn's `average='macro'` convention);
 * - `opposedF1`: row level, positive = at least one value is −1; F1 of predicting that.
 * Binary data (violation): accuracy and F1 at a threshold (positive = 1), and AUROC (Mann–Whitney, ties 1/2).
 *
 * The bootstrap resamples ROWS (not pairs: the 10 values of a row are not independent), B = 1000 by
 * default, with a seeded PRNG, and reports the 2.5th and 97.5th percentiles of the resampled statistic.
 */
import { TenetError } from '../errors.ts';
import { bootstrap, type BootstrapOptions, type MetricWithCI } from '../stats/bootstrap.ts';
import { polarityOf, type Polarity } from './labels.ts';

// the project's one bootstrap lives in src/stats; judges and older callers import it from here too
export { bootstrap, mulberry32, type BootstrapOptions, type MetricWithCI } from '../stats/bootstrap.ts';

/** F1 from counts; 0 when there are no positives in gold or predictions. */
export function f1FromCounts(tp: number, fp: number, fn: number): number {
  const denom = 2 * tp + fp + fn;
  return denom === 0 ? 0 : (2 * tp) / denom;
}

function checkShapes(gold: readonly (readonly number[])[], pred: readonly (readonly number[])[]): void {
  if (gold.length !== pred.length) {
    throw new TenetError('BAD_INPUT', `gold has ${gold.length} rows but predictions have ${pred.length}`);
  }
  gold.forEach((g, i) => {
    if (g.length !== pred[i]!.length) {
      throw new TenetError('BAD_INPUT', `row ${i}: gold has ${g.length} values but prediction has ${pred[i]!.length}`);
    }
  });
}

/** Per-class counts over (row, value) pairs for the given rows. */
interface PairCounts {
  correct: number;
  total: number;
  /** confusion[g+1][p+1] */
  confusion: number[][];
}

function pairCounts(gold: readonly (readonly Polarity[])[], predClasses: readonly (readonly Polarity[])[], rows: ArrayLike<number>): PairCounts {
  const confusion = [
    [0, 0, 0],
    [0, 0, 0],
    [0, 0, 0],
  ];
  let correct = 0;
  let total = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    const g = gold[r]!;
    const p = predClasses[r]!;
    for (let j = 0; j < g.length; j++) {
      confusion[g[j]! + 1]![p[j]! + 1]!++;
      if (g[j] === p[j]) correct++;
      total++;
    }
  }
  return { correct, total, confusion };
}

function macroF1FromConfusion(c: number[][]): number {
  let sum = 0;
  let classes = 0;
  for (let k = 0; k < 3; k++) {
    const tp = c[k]![k]!;
    let goldK = 0;
    let predK = 0;
    for (let j = 0; j < 3; j++) {
      goldK += c[k]![j]!;
      predK += c[j]![k]!;
    }
    if (goldK === 0 && predK === 0) continue; // class absent from both: not part of the average
    sum += f1FromCounts(tp, predK - tp, goldK - tp);
    classes++;
  }
  return classes === 0 ? Number.NaN : sum / classes;
}

/** 3-class accuracy over pairs (no CI). */
export function threeClassAccuracy(gold: readonly (readonly Polarity[])[], pred: readonly (readonly number[])[]): number {
  checkShapes(gold, pred);
  const cls = pred.map((row) => row.map(polarityOf));
  const c = pairCounts(gold, cls, allRows(gold.length));
  return c.total === 0 ? Number.NaN : c.correct / c.total;
}

/** Macro-F1 over {−1, 0, +1} across pairs (no CI). */
export function macroF1(gold: readonly (readonly Polarity[])[], pred: readonly (readonly number[])[]): number {
  checkShapes(gold, pred);
  const cls = pred.map((row) => row.map(polarityOf));
  return macroF1FromConfusion(pairCounts(gold, cls, allRows(gold.length)).confusion);
}

function opposedCounts(goldOpp: Uint8Array, predOpp: Uint8Array, rows: ArrayLike<number>): [number, number, number] {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let k = 0; k < rows.length; k++) {
    const r = rows[k]!;
    if (goldOpp[r] && predOpp[r]) tp++;
    else if (predOpp[r]) fp++;
    else if (goldOpp[r]) fn++;
  }
  return [tp, fp, fn];
}

/** Row-level opposed-detection F1: positive = any value −1 (no CI). */
export function opposedF1(gold: readonly (readonly Polarity[])[], pred: readonly (readonly number[])[]): number {
  checkShapes(gold, pred);
  const g = Uint8Array.from(gold, (row) => (row.some((x) => x === -1) ? 1 : 0));
  const p = Uint8Array.from(pred, (row) => (row.some((x) => polarityOf(x) === -1) ? 1 : 0));
  return f1FromCounts(...opposedCounts(g, p, allRows(gold.length)));
}

function allRows(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

export interface SchwartzReport {
  accuracy: MetricWithCI;
  macroF1: MetricWithCI;
  opposedF1: MetricWithCI;
  /** Per-class F1 over pairs on the full sample, keyed "-1", "0", "1". */
  perClassF1: Record<'-1' | '0' | '1', number>;
  /** Row-level opposed detection precision and recall on the full sample. */
  opposedPrecision: number;
  opposedRecall: number;
  nRows: number;
  nPairs: number;
}

/** All Schwartz metrics with row-bootstrap CIs. */
export function evaluateSchwartz(
  gold: readonly (readonly Polarity[])[],
  pred: readonly (readonly number[])[],
  options: BootstrapOptions = {},
): SchwartzReport {
  checkShapes(gold, pred);
  const cls = pred.map((row) => row.map(polarityOf));
  const goldOpp = Uint8Array.from(gold, (row) => (row.some((x) => x === -1) ? 1 : 0));
  const predOpp = Uint8Array.from(cls, (row) => (row.some((x) => x === -1) ? 1 : 0));
  const n = gold.length;
  const nPairs = gold.reduce((s, r) => s + r.length, 0);
  const accuracy = bootstrap(
    n,
    (idx) => {
      const c = pairCounts(gold, cls, idx);
      return c.total === 0 ? Number.NaN : c.correct / c.total;
    },
    options,
  );
  const macro = bootstrap(n, (idx) => macroF1FromConfusion(pairCounts(gold, cls, idx).confusion), options);
  const opp = bootstrap(n, (idx) => f1FromCounts(...opposedCounts(goldOpp, predOpp, idx)), options);
  const full = pairCounts(gold, cls, allRows(n)).confusion;
  const perClass = (k: number): number => {
    let goldK = 0;
    let predK = 0;
    for (let j = 0; j < 3; j++) {
      goldK += full[k]![j]!;
      predK += full[j]![k]!;
    }
    const tp = full[k]![k]!;
    return f1FromCounts(tp, predK - tp, goldK - tp);
  };
  const [tp, fp, fn] = opposedCounts(goldOpp, predOpp, allRows(n));
  return {
    accuracy: { ...accuracy, units: nPairs },
    macroF1: { ...macro, units: nPairs },
    opposedF1: opp,
    perClassF1: { '-1': perClass(0), '0': perClass(1), '1': perClass(2) },
    opposedPrecision: tp + fp === 0 ? 0 : tp / (tp + fp),
    opposedRecall: tp + fn === 0 ? 0 : tp / (tp + fn),
    nRows: n,
    nPairs,
  };
}

/**
 * AUROC by the Mann–Whitney statistic (ties count 1/2). NaN when one class is absent. With `weights` (a
 * weight per row, e.g. a stratified sample's design weights), each positive–negative pair counts w_i·w_j:
 * the AUROC of the population the weighted rows stand for.
 */
export function auroc(gold: ArrayLike<number>, scores: ArrayLike<number>, rows?: ArrayLike<number>, weights?: ArrayLike<number>): number {
  const idx = rows ?? allRows(gold.length);
  const items: [number, number, number][] = [];
  for (let k = 0; k < idx.length; k++) items.push([scores[idx[k]!]!, gold[idx[k]!]!, weights ? weights[idx[k]!]! : 1]);
  items.sort((a, b) => a[0] - b[0]);
  // Σ over positives of (weight of negatives scored lower + half the weight of negatives tied)
  let wPos = 0;
  let wNeg = 0;
  let below = 0;
  let sum = 0;
  for (let i = 0; i < items.length; ) {
    let j = i;
    while (j < items.length && items[j]![0] === items[i]![0]) j++;
    let tiePos = 0;
    let tieNeg = 0;
    for (let k = i; k < j; k++) {
      if (items[k]![1] === 1) tiePos += items[k]![2];
      else tieNeg += items[k]![2];
    }
    sum += tiePos * (below + tieNeg / 2);
    below += tieNeg;
    wPos += tiePos;
    wNeg += tieNeg;
    i = j;
  }
  if (wPos === 0 || wNeg === 0) return Number.NaN;
  return sum / (wPos * wNeg);
}

export interface BinaryReport {
  accuracy: MetricWithCI;
  f1: MetricWithCI;
  auroc: MetricWithCI;
  precision: number;
  recall: number;
  threshold: number;
  nPositive: number;
  n: number;
  /** Reliability of the scores read as probabilities (10 equal-width bins). */
  calibration: CalibrationReport;
}

export interface ReliabilityBin {
  lo: number;
  hi: number;
  n: number;
  /** Mean score of the rows in the bin (NaN when empty). */
  meanScore: number;
  /** Share of positives among them (NaN when empty). */
  positiveRate: number;
}

export interface CalibrationReport {
  /** Expected calibration error: Σ_bins (n_b / N) · |mean score − positive rate|, with its bootstrap CI. */
  ece: MetricWithCI;
  /** Reliability-diagram data. */
  bins: ReliabilityBin[];
}

function reliability(gold: ArrayLike<number>, scores: ArrayLike<number>, idx: ArrayLike<number>, nBins: number): { ece: number; bins: ReliabilityBin[] } {
  const n = new Float64Array(nBins);
  const sum = new Float64Array(nBins);
  const pos = new Float64Array(nBins);
  for (let k = 0; k < idx.length; k++) {
    const r = idx[k]!;
    const b = Math.min(nBins - 1, Math.max(0, Math.floor(scores[r]! * nBins)));
    n[b]!++;
    sum[b]! += scores[r]!;
    pos[b]! += gold[r] === 1 ? 1 : 0;
  }
  let ece = 0;
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < nBins; b++) {
    const meanScore = n[b]! ? sum[b]! / n[b]! : Number.NaN;
    const positiveRate = n[b]! ? pos[b]! / n[b]! : Number.NaN;
    if (n[b]!) ece += (n[b]! / idx.length) * Math.abs(meanScore - positiveRate);
    bins.push({ lo: b / nBins, hi: (b + 1) / nBins, n: n[b]!, meanScore, positiveRate });
  }
  return { ece: idx.length ? ece : Number.NaN, bins };
}

/** ECE (with a bootstrap CI) and reliability-diagram bins of scores read as probabilities of gold = 1. */
export function calibrationReport(gold: ArrayLike<number>, scores: ArrayLike<number>, options: BootstrapOptions & { bins?: number } = {}): CalibrationReport {
  const nBins = options.bins ?? 10;
  const ece = bootstrap(gold.length, (idx) => reliability(gold, scores, idx, nBins).ece, options);
  return { ece, bins: reliability(gold, scores, allRows(gold.length), nBins).bins };
}

/** Binary metrics: gold in {0,1} (1 = positive, e.g. violates), scores in [0,1], predicted positive when score > threshold (the `> τ` rule of bench and probe). */
export function evaluateBinary(
  gold: ArrayLike<number>,
  scores: ArrayLike<number>,
  options: BootstrapOptions & { threshold?: number } = {},
): BinaryReport {
  if (gold.length !== scores.length) {
    throw new TenetError('BAD_INPUT', `gold has ${gold.length} rows but scores have ${scores.length}`);
  }
  const threshold = options.threshold ?? 0.5;
  const n = gold.length;
  const pred = new Uint8Array(n);
  for (let i = 0; i < n; i++) pred[i] = scores[i]! > threshold ? 1 : 0;
  const counts = (idx: ArrayLike<number>): [number, number, number, number] => {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    let tn = 0;
    for (let k = 0; k < idx.length; k++) {
      const r = idx[k]!;
      if (gold[r] === 1) {
        if (pred[r]) tp++;
        else fn++;
      } else if (pred[r]) fp++;
      else tn++;
    }
    return [tp, fp, fn, tn];
  };
  const accuracy = bootstrap(
    n,
    (idx) => {
      const [tp, , , tn] = counts(idx);
      return idx.length === 0 ? Number.NaN : (tp + tn) / idx.length;
    },
    options,
  );
  const f1 = bootstrap(
    n,
    (idx) => {
      const [tp, fp, fn] = counts(idx);
      return f1FromCounts(tp, fp, fn);
    },
    options,
  );
  const auc = bootstrap(n, (idx) => auroc(gold, scores, idx), options);
  const [tp, fp, fn] = counts(allRows(n));
  let nPositive = 0;
  for (let i = 0; i < n; i++) nPositive += gold[i] === 1 ? 1 : 0;
  return {
    accuracy,
    f1,
    auroc: auc,
    precision: tp + fp === 0 ? 0 : tp / (tp + fp),
    recall: tp + fn === 0 ? 0 : tp / (tp + fn),
    threshold,
    nPositive,
    n,
    calibration: calibrationReport(gold, scores, options),
  };
}
