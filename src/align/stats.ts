/**
 * The statistics alignment results are reported with: means, paired differences and value profiles, each
 * with N and a 95% percentile bootstrap CI from the project's one bootstrap (judges/metrics.ts). The unit
 * resampled is the prompt: the samples of one prompt are not independent.
 */
import { bootstrap, mulberry32, type BootstrapOptions } from '../judges/metrics.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../values/schwartz.ts';

export interface Estimate {
  /** null when N = 0. */
  mean: number | null;
  ci: [number | null, number | null];
  n: number;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The mean of `xs` with a bootstrap CI over its elements. */
export function meanEstimate(xs: readonly number[], options: BootstrapOptions = {}): Estimate {
  if (xs.length === 0) return { mean: null, ci: [null, null], n: 0 };
  const r = bootstrap(xs.length, (idx) => {
    let s = 0;
    for (let i = 0; i < idx.length; i++) s += xs[idx[i]!]!;
    return s / idx.length;
  }, options);
  return { mean: r.value, ci: [finiteOrNull(r.ci[0]), finiteOrNull(r.ci[1])], n: xs.length };
}

/** The mean paired difference b − a (same prompts), with a CI resampling pairs. */
export function pairedDifference(a: readonly number[], b: readonly number[], options: BootstrapOptions = {}): Estimate {
  return meanEstimate(a.map((x, i) => b[i]! - x), options);
}

export interface ProfileEstimate {
  samples: number;
  mean: Record<SchwartzValueId, number | null>;
  ci: Record<SchwartzValueId, [number | null, number | null]>;
}

/** Mean of each value over vectors (one per prompt), each with a CI over prompts. */
export function profileEstimate(vectors: readonly (readonly number[])[], options: BootstrapOptions = {}): ProfileEstimate {
  const mean = {} as ProfileEstimate['mean'];
  const ci = {} as ProfileEstimate['ci'];
  SCHWARTZ_VALUE_IDS.forEach((id, k) => {
    const e = meanEstimate(vectors.map((v) => v[k]!), options);
    mean[id] = e.mean;
    ci[id] = e.ci;
  });
  return { samples: vectors.length, mean, ci };
}

/**
 * Two-sided paired randomisation (sign-flip) test of mean(d) = 0 for per-prompt differences d: under the null
 * each difference is as likely to have either sign. Exact over all 2^n sign patterns when n ≤ 16, otherwise
 * `b` seeded random patterns (default 10000) with the (1 + hits) / (1 + b) correction, so p is never 0.
 * Returns 1 when every difference is 0 (n = 0 too).
 */
export function signFlipP(d: readonly number[], options: { b?: number; seed?: number } = {}): number {
  const n = d.length;
  const observed = Math.abs(d.reduce((s, x) => s + x, 0));
  if (n === 0 || observed === 0) return 1;
  const eps = 1e-12 * Math.max(1, observed);
  if (n <= 16) {
    let hits = 0;
    const total = 1 << n;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += mask & (1 << i) ? -d[i]! : d[i]!;
      if (Math.abs(s) >= observed - eps) hits++;
    }
    return hits / total;
  }
  const b = options.b ?? 10_000;
  const rand = mulberry32(options.seed ?? 1);
  let hits = 0;
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rand() < 0.5 ? -d[i]! : d[i]!;
    if (Math.abs(s) >= observed - eps) hits++;
  }
  return (1 + hits) / (1 + b);
}

/** Holm's step-down adjustment of a family of p-values (controls the family-wise error rate), in input order. */
export function holm(ps: readonly number[]): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}
