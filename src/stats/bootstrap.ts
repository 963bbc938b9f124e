/**
 * The project's one bootstrap. `bootstrap` gives the percentile interval; `bcaBootstrap` the BCa interval
 * (bias-corrected and accelerated, Efron 1987), which keeps its coverage for skewed statistics and small N,
 * where the percentile interval is too narrow. Both resample ROWS (or whole clusters of rows), B = 1000 by
 * default, with a seeded PRNG, so the same data always gives the same interval.
 */
import { TenetError } from '../errors.ts';
import { normalCdf, normalQuantile } from './normal.ts';

export interface MetricWithCI {
  /** The statistic on the full sample. */
  value: number;
  /** Bootstrap interval [lo, hi] (95% by default). */
  ci: [number, number];
  /** Number of rows (the unit resampled). */
  n: number;
  /** Number of scored units when that differs from rows (e.g. row × value pairs). */
  units?: number;
  /** Number of clusters resampled (prompts), when the bootstrap resampled clusters rather than rows. */
  clusters?: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  b?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Two-sided level (default 0.95). */
  level?: number;
  /**
   * Cluster id per row (e.g. the index of the row's prompt): when given, each resample draws whole clusters
   * with replacement (rows of one prompt are not independent), and the result reports `clusters`.
   */
  clusters?: ArrayLike<number>;
  /**
   * Stratum id per row (a stratified sample's design): when given, each resample draws, within every
   * stratum, as many rows as it has, with replacement (the stratified bootstrap). Not with `clusters`.
   */
  strata?: ArrayLike<number>;
}

/** mulberry32: a small, fast, seeded 32-bit PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Linear-interpolated quantile of a sorted array (type 7, as numpy's default). */
export function quantileSorted(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The rows of each cluster (or one row per cluster when no clusters are given). */
function clustersOf(n: number, clusters: ArrayLike<number> | undefined, what = 'clusters'): number[][] | undefined {
  if (!clusters) return undefined;
  if (clusters.length !== n) throw new TenetError('BAD_INPUT', `${what} has ${clusters.length} entries for ${n} rows`);
  const byId = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = clusters[i]!;
    let g = byId.get(c);
    if (!g) byId.set(c, (g = []));
    g.push(i);
  }
  return [...byId.values()];
}

interface Resampled {
  value: number;
  /** The finite resampled statistics, sorted. */
  stats: number[];
  groups: number[][] | undefined;
}

function resample(n: number, stat: (indices: Int32Array) => number, options: BootstrapOptions): Resampled {
  const b = options.b ?? 1000;
  const all = new Int32Array(n);
  for (let i = 0; i < n; i++) all[i] = i;
  const value = stat(all);
  if (options.clusters && options.strata) throw new TenetError('BAD_INPUT', 'bootstrap: give clusters or strata, not both');
  const groups = clustersOf(n, options.clusters);
  const strata = clustersOf(n, options.strata, 'strata');
  const stats: number[] = [];
  if (n === 0) return { value, stats, groups };
  const rand = mulberry32(options.seed ?? 1);
  const idx = new Int32Array(n);
  for (let r = 0; r < b; r++) {
    let s: number;
    if (groups) {
      const rows: number[] = [];
      for (let k = 0; k < groups.length; k++) rows.push(...groups[Math.floor(rand() * groups.length)]!);
      s = stat(Int32Array.from(rows));
    } else if (strata) {
      let k = 0;
      for (const rows of strata) for (let i = 0; i < rows.length; i++) idx[k++] = rows[Math.floor(rand() * rows.length)]!;
      s = stat(idx);
    } else {
      for (let i = 0; i < n; i++) idx[i] = Math.floor(rand() * n);
      s = stat(idx);
    }
    if (!Number.isNaN(s)) stats.push(s);
  }
  stats.sort((x, y) => x - y);
  return { value, stats, groups };
}

/**
 * Percentile bootstrap over rows: `stat(indices)` computes the statistic on the rows at `indices`
 * (with repetition). Deterministic for a given seed.
 */
export function bootstrap(n: number, stat: (indices: Int32Array) => number, options: BootstrapOptions = {}): MetricWithCI {
  const { value, stats, groups } = resample(n, stat, options);
  if (n === 0) return { value, ci: [Number.NaN, Number.NaN], n };
  const alpha = (1 - (options.level ?? 0.95)) / 2;
  return { value, ci: [quantileSorted(stats, alpha), quantileSorted(stats, 1 - alpha)], n, ...(groups ? { clusters: groups.length } : {}) };
}

/** The most leave-one-out statistics BCa computes for its acceleration (beyond it, blocks of units are left out). */
const MAX_JACKKNIFE_UNITS = 500;

/**
 * BCa bootstrap over rows (or clusters): the percentile interval with its two quantile levels moved by the
 * bias correction z0 (how far the resampled statistics sit off the estimate; ties count one half) and the
 * acceleration a (the skewness of the jackknife, leaving out one row or cluster at a time). With z0 = a = 0
 * it is the percentile interval. When every resample gives the same value, so does the interval: the caller
 * decides what a degenerate bootstrap means (see `boundedMeanInterval` in intervals.ts).
 */
export function bcaBootstrap(n: number, stat: (indices: Int32Array) => number, options: BootstrapOptions = {}): MetricWithCI {
  const { value, stats, groups } = resample(n, stat, options);
  if (n === 0 || stats.length === 0 || !Number.isFinite(value)) return { value, ci: [Number.NaN, Number.NaN], n };
  const alpha = (1 - (options.level ?? 0.95)) / 2;
  const B = stats.length;
  const tol = 1e-12 * Math.max(1, Math.abs(value));
  let below = 0;
  let ties = 0;
  for (const s of stats) {
    if (s < value - tol) below++;
    else if (s <= value + tol) ties++;
  }
  const share = Math.min(1 - 0.5 / B, Math.max(0.5 / B, (below + 0.5 * ties) / B));
  const z0 = normalQuantile(share);
  // jackknife over the units resampled; above MAX_JACKKNIFE_UNITS units, over that many contiguous blocks of
  // them (the delete-a-block jackknife: the same acceleration for sums and ratios, at a bounded cost)
  let units = groups ?? Array.from({ length: n }, (_, i) => [i]);
  if (units.length > MAX_JACKKNIFE_UNITS) {
    const blocks: number[][] = Array.from({ length: MAX_JACKKNIFE_UNITS }, () => []);
    units.forEach((g, k) => blocks[Math.floor((k * MAX_JACKKNIFE_UNITS) / units.length)]!.push(...g));
    units = blocks;
  }
  const jack: number[] = [];
  if (units.length > 1) {
    for (let leave = 0; leave < units.length; leave++) {
      const rows: number[] = [];
      units.forEach((g, k) => { if (k !== leave) rows.push(...g); });
      const s = stat(Int32Array.from(rows));
      if (Number.isFinite(s)) jack.push(s);
    }
  }
  let a = 0;
  if (jack.length > 1) {
    const mean = jack.reduce((x, y) => x + y, 0) / jack.length;
    let num = 0;
    let den = 0;
    for (const s of jack) {
      num += (mean - s) ** 3;
      den += (mean - s) ** 2;
    }
    a = den > 0 ? num / (6 * den ** 1.5) : 0;
  }
  const level = (z: number): number => {
    const w = z0 + z;
    const denom = 1 - a * w;
    if (denom <= 0) return w > 0 ? 1 : 0;
    return normalCdf(z0 + w / denom);
  };
  const lo = quantileSorted(stats, level(normalQuantile(alpha)));
  const hi = quantileSorted(stats, level(normalQuantile(1 - alpha)));
  return { value, ci: [lo, hi], n, ...(groups ? { clusters: groups.length } : {}) };
}
