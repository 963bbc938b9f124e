/**
 * Confidence intervals, each returned with the name of its method, so every output can say how an interval
 * was made:
 *
 * - `wilson`: the Wilson score interval for a proportion k/n (EVR over prompts, any per-unit 0/1 outcome,
 *   accuracy). Chosen over Clopper–Pearson because its coverage is close to nominal on average, where
 *   Clopper–Pearson's guaranteed coverage makes it wider than it needs to be; it is closed-form, and it never
 *   collapses: 0/36 gives [0, 0.096], 36/36 [0.904, 1] (Clopper–Pearson: 0.097).
 * - `newcombe`: Newcombe's (1998, method 10) hybrid score interval for the difference of two proportions
 *   measured on the same units (paired 0/1 outcomes), built from the two Wilson intervals and the
 *   correlation of the pairs; it has non-zero width even when both proportions are 0 or 1.
 * - `bca-bootstrap`: the BCa bootstrap (bootstrap.ts) for means and ratios over units, e.g. MVP and APV over
 *   prompts. When every resample gives the same value (every unit has the same value, so the bootstrap has
 *   nothing to vary), a quantity bounded in [lo, hi] falls back to `wilson` over the n units at the observed
 *   value, rescaled: a variable in [0, 1] with mean p varies at most as much as a 0/1 one (variance ≤ p(1−p)),
 *   so that interval is the widest the mean can honestly need.
 * - `percentile-bootstrap`: the plain percentile bootstrap, where none of the above applies.
 */
import { bcaBootstrap, type BootstrapOptions } from './bootstrap.ts';
import { normalQuantile } from './normal.ts';

export type CiMethod = 'wilson' | 'newcombe' | 'bca-bootstrap' | 'percentile-bootstrap';

/** A point estimate with its interval, its N (units) and the method that made the interval. */
export interface IntervalEstimate {
  value: number;
  ci: [number, number];
  n: number;
  method: CiMethod;
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** The Wilson score interval at an observed proportion p (k/n, or a mean of values in [0, 1]) over n units. */
export function wilsonInterval(p: number, n: number, level = 0.95): [number, number] {
  if (n <= 0 || !Number.isFinite(p)) return [Number.NaN, Number.NaN];
  const z = normalQuantile(1 - (1 - level) / 2);
  const z2n = (z * z) / n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n));
  // exact at the edges: 0/n has lower bound 0 and n/n upper bound 1
  return [p <= 0 ? 0 : clamp01(centre - half), p >= 1 ? 1 : clamp01(centre + half)];
}

/** k successes of n as a proportion with its Wilson interval. */
export function wilson(k: number, n: number, level = 0.95): IntervalEstimate {
  const value = n > 0 ? k / n : Number.NaN;
  return { value, ci: wilsonInterval(value, n, level), n, method: 'wilson' };
}

/**
 * mean(x) − mean(y) for paired 0/1 outcomes (x_i, y_i on the same unit i), with Newcombe's method-10 interval:
 * L = D − √((p1−l1)² − 2φ(p1−l1)(u2−p2) + (u2−p2)²), U = D + √((u1−p1)² − 2φ(u1−p1)(p2−l2) + (p2−l2)²),
 * where (l, u) are the Wilson intervals of p1 and p2 and φ the correlation of the 2×2 table (0 when a margin
 * is empty).
 */
export function newcombePaired(x: ArrayLike<number>, y: ArrayLike<number>, level = 0.95): IntervalEstimate {
  const n = x.length;
  if (n === 0 || y.length !== n) return { value: Number.NaN, ci: [Number.NaN, Number.NaN], n, method: 'newcombe' };
  let a = 0; // both 1
  let b = 0; // x only
  let c = 0; // y only
  let d = 0; // neither
  for (let i = 0; i < n; i++) {
    if (x[i]) {
      if (y[i]) a++;
      else b++;
    } else if (y[i]) c++;
    else d++;
  }
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const [l1, u1] = wilsonInterval(p1, n, level);
  const [l2, u2] = wilsonInterval(p2, n, level);
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  const phi = margins > 0 ? (a * d - b * c) / Math.sqrt(margins) : 0;
  const diff = p1 - p2;
  const lower = Math.sqrt(Math.max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2));
  const upper = Math.sqrt(Math.max(0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2));
  return { value: diff, ci: [Math.max(-1, diff - lower), Math.min(1, diff + upper)], n, method: 'newcombe' };
}

/**
 * A mean or ratio over n units of a quantity bounded in `range` (default [0, 1]): the BCa bootstrap, or,
 * when the bootstrap is degenerate (every resample the same), the Wilson interval over the n units.
 */
export function boundedMeanInterval(
  n: number,
  stat: (indices: Int32Array) => number,
  options: BootstrapOptions & { range?: [number, number] } = {},
): IntervalEstimate {
  const { range = [0, 1], ...boot } = options;
  const r = bcaBootstrap(n, stat, boot);
  const [lo, hi] = r.ci;
  if (n > 0 && Number.isFinite(r.value) && (!Number.isFinite(lo) || !Number.isFinite(hi) || hi - lo <= 1e-12 * Math.max(1, Math.abs(r.value)))) {
    const span = range[1] - range[0];
    const [wl, wh] = wilsonInterval(clamp01((r.value - range[0]) / span), n, boot.level);
    return { value: r.value, ci: [range[0] + wl * span, range[0] + wh * span], n, method: 'wilson' };
  }
  return { value: r.value, ci: r.ci, n, method: 'bca-bootstrap' };
}
