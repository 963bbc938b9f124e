/**
 * Discover's statistics: each value's prevalence (the share of parsed conversations in which the assistant
 * expresses it) with Wilson intervals, overall and per group; the values that distinguish two groups (Fisher's
 * exact test for each value × pair of groups, Holm's correction over all of them, Newcombe's hybrid-score
 * interval for the difference of two independent proportions); and values under pressure.
 */
import { holm } from '../stats/pvalues.ts';
import { wilson, wilsonInterval } from '../stats/intervals.ts';

export interface Prevalence {
  value: number;
  ci: [number, number];
  n: number;
  /** Conversations expressing the value. */
  k: number;
  method: 'wilson';
}

export function prevalence(k: number, n: number): Prevalence {
  const w = wilson(k, n);
  return { value: n ? w.value : 0, ci: n ? w.ci : [0, 1], n, k, method: 'wilson' };
}

function logFactorials(n: number): Float64Array {
  const f = new Float64Array(n + 1);
  for (let i = 1; i <= n; i++) f[i] = f[i - 1]! + Math.log(i);
  return f;
}

/** Two-sided Fisher's exact test of a 2×2 table [[a, b], [c, d]] (the sum of tables no more likely than the observed). */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const n = a + b + c + d;
  const r1 = a + b;
  const c1 = a + c;
  const lf = logFactorials(n);
  const logp = (x: number): number => lf[r1]! + lf[n - r1]! + lf[c1]! + lf[n - c1]! - lf[n]! - lf[x]! - lf[r1 - x]! - lf[c1 - x]! - lf[n - r1 - c1 + x]!;
  const lo = Math.max(0, r1 + c1 - n);
  const hi = Math.min(r1, c1);
  const observed = logp(a);
  let p = 0;
  for (let x = lo; x <= hi; x++) {
    const lp = logp(x);
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/** p1 − p2 for two independent proportions with Newcombe's hybrid-score interval (method 10). */
export function newcombeDifference(k1: number, n1: number, k2: number, n2: number, level = 0.95): { value: number; ci: [number, number] } {
  const p1 = k1 / n1;
  const p2 = k2 / n2;
  const [l1, u1] = wilsonInterval(p1, n1, level);
  const [l2, u2] = wilsonInterval(p2, n2, level);
  const dd = p1 - p2;
  return { value: dd, ci: [dd - Math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2), dd + Math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)] };
}

export interface Distinguishing {
  value: string;
  a: string;
  b: string;
  /** prevalence in a − prevalence in b */
  difference: number;
  ci: [number, number];
  p: number;
  p_adj: number;
  method: 'fisher-exact+holm, newcombe interval';
}

/**
 * Every value × pair of groups tested; Holm's correction over all the tests; only those significant at
 * `alpha` after it are returned, largest |difference| first.
 */
export function distinguishingValues(
  counts: readonly { value: string; byGroup: ReadonlyMap<string, number> }[],
  groupSizes: ReadonlyMap<string, number>,
  alpha = 0.05,
): { tests: number; significant: Distinguishing[] } {
  const groups = [...groupSizes.keys()].filter((g) => groupSizes.get(g)! > 0).sort();
  const rows: Omit<Distinguishing, 'p_adj'>[] = [];
  for (const v of counts) {
    for (let i = 0; i < groups.length; i++) for (let j = i + 1; j < groups.length; j++) {
      const a = groups[i]!;
      const b = groups[j]!;
      const na = groupSizes.get(a)!;
      const nb = groupSizes.get(b)!;
      const ka = v.byGroup.get(a) ?? 0;
      const kb = v.byGroup.get(b) ?? 0;
      const diff = newcombeDifference(ka, na, kb, nb);
      rows.push({ value: v.value, a, b, difference: diff.value, ci: diff.ci, p: fisherExact(ka, na - ka, kb, nb - kb), method: 'fisher-exact+holm, newcombe interval' });
    }
  }
  const adjusted = holm(rows.map((r) => r.p));
  const significant = rows.map((r, i) => ({ ...r, p_adj: adjusted[i]! }))
    .filter((r) => r.p_adj < alpha)
    .sort((x, y) => Math.abs(y.difference) - Math.abs(x.difference) || x.value.localeCompare(y.value) || x.a.localeCompare(y.a) || x.b.localeCompare(y.b));
  return { tests: rows.length, significant };
}
