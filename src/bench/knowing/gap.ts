/**
 * Conformity and the knowing–doing gap, paired over principles.
 *
 * - A conformity score is a mean over units (principles for judgement and doing, items for the questionnaire)
 *   of each unit's mean per-answer conformity in [0, 1], with a 95% interval over the units (`bca-bootstrap`,
 *   or `wilson` where every unit has the same value; src/stats) and N = the units.
 * - The gap of a discriminative test is, for every principle with both scores, d_p = knowing_p − doing_p; its
 *   value is mean(d), its interval the BCa bootstrap over principles on [−1, 1] (`wilson` rescaled when every
 *   d_p is the same), and p the exact paired sign-flip test of mean(d) = 0 (stats/pvalues.ts). For the
 *   questionnaire, knowing_p is the questionnaire conformity of the principle's foundation (its items are per
 *   foundation), so that interval is conditional on the items' scores.
 */
import { boundedMeanInterval, signFlipP, type CiMethod } from '../../stats/index.ts';

export interface Conformity {
  value: number | null;
  ci: [number, number] | null;
  n: number;
  method: CiMethod | null;
}

export interface Gap {
  value: number | null;
  ci: [number, number] | null;
  p: number | null;
  /** Principles paired. */
  n: number;
  method: CiMethod | null;
}

const r = (x: number): number => Math.round(x * 1e6) / 1e6;

export function mean(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean of the unit means, with its interval over units. Units without answers are left out of N. */
export function conformityOf(unitMeans: readonly number[]): Conformity {
  const xs = unitMeans.filter((x) => Number.isFinite(x));
  if (xs.length === 0) return { value: null, ci: null, n: 0, method: null };
  const est = boundedMeanInterval(xs.length, (idx) => {
    let s = 0;
    for (let j = 0; j < idx.length; j++) s += xs[idx[j]!]!;
    return s / idx.length;
  });
  return { value: r(est.value), ci: [r(est.ci[0]), r(est.ci[1])], n: xs.length, method: est.method };
}

/** knowing − doing, paired over principles present on both sides. */
export function pairedGap(knowing: ReadonlyMap<string, number>, doing: ReadonlyMap<string, number>): Gap {
  const d: number[] = [];
  for (const [key, k] of knowing) {
    const g = doing.get(key);
    if (g !== undefined && Number.isFinite(k) && Number.isFinite(g)) d.push(k - g);
  }
  if (d.length === 0) return { value: null, ci: null, p: null, n: 0, method: null };
  const est = boundedMeanInterval(d.length, (idx) => {
    let s = 0;
    for (let j = 0; j < idx.length; j++) s += d[idx[j]!]!;
    return s / idx.length;
  }, { range: [-1, 1] });
  return { value: r(est.value), ci: [r(est.ci[0]), r(est.ci[1])], p: r(signFlipP(d)), n: d.length, method: est.method };
}
