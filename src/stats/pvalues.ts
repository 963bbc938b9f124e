/** p-values: the exact paired sign-flip (randomisation) test and Holm's correction for a family of tests. */
import { mulberry32 } from './bootstrap.ts';

/** Above this Σ|d_i| the exact distribution of integer differences is not enumerated (sampled instead). */
const MAX_EXACT_TOTAL = 100_000;

/**
 * Two-sided paired randomisation (sign-flip) test of mean(d) = 0 for per-unit differences d (e.g. per prompt):
 * under the null each difference is as likely to have either sign. Exact when n ≤ 16 (all 2^n sign patterns)
 * or when every d_i is an integer (the distribution of Σ ±d_i by convolution: for 0/±1 differences of paired
 * proportions this is McNemar's exact test); otherwise `b` seeded random patterns (default 10000) with the
 * (1 + hits) / (1 + b) correction, so p is never 0. Returns 1 when every difference is 0 (n = 0 too).
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
  const totalAbs = d.reduce((s, x) => s + Math.abs(x), 0);
  if (d.every(Number.isInteger) && totalAbs <= MAX_EXACT_TOTAL) return integerSignFlipP(d, observed, totalAbs);
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

/** P(|Σ ±d_i| ≥ observed) under fair independent signs, for integer d, by convolving one term at a time. */
function integerSignFlipP(d: readonly number[], observed: number, totalAbs: number): number {
  // prob[s + totalAbs] = P(Σ = s)
  let prob = new Float64Array(2 * totalAbs + 1);
  prob[totalAbs] = 1;
  for (const x of d) {
    const k = Math.abs(x);
    if (k === 0) continue;
    const next = new Float64Array(prob.length);
    for (let s = 0; s < prob.length; s++) {
      const p = prob[s]!;
      if (p === 0) continue;
      if (s + k < next.length) next[s + k]! += p / 2;
      if (s - k >= 0) next[s - k]! += p / 2;
    }
    prob = next;
  }
  let p = 0;
  for (let s = 0; s < prob.length; s++) if (Math.abs(s - totalAbs) >= observed) p += prob[s]!;
  return Math.min(1, p);
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
