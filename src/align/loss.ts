/**
 * Misalignment losses between a human utility U_H and a model's utility U_A over the same responses
 * (research/fulcra.md §6):
 *
 *   L_strict = E_y |U_H(y) − U_A(y)|                                   (the utilities must agree in level)
 *   L_pair   = E_{y1,y2} |[U_H(y1) − U_H(y2)] − [U_A(y1) − U_A(y2)]|   (only differences must agree;
 *                                                                      unchanged by adding a constant)
 * Pairs are formed within a group when rows name one (e.g. responses to the same prompt). With e = U_H − U_A,
 * each pair's term is |e(y1) − e(y2)| ≤ |e(y1)| + |e(y2)|, so L_pair ≤ 2·L_strict holds when every item is in
 * the same number of pairs: ungrouped (all pairs), or groups of equal size. With groups of different sizes it
 * can fail: one group of two items and ten single-item groups, U_H = (0, 0) and U_A = (1, −1) in the pair
 * and U_H = U_A elsewhere, gives L_strict = 2/12 = 0.167 and L_pair = 2 (test/align/loss.test.ts).
 *
 * Each loss has N and a 95% percentile bootstrap CI that resamples the independent units: whole GROUPS when
 * rows name more than one group (the responses to one prompt are not independent; a group drawn twice
 * counts its pairs twice), otherwise ITEMS (a pair's weight in a resample is the product of its two items'
 * multiplicities). With `normalize: 'z'` the utilities are z-scored inside each bootstrap draw, over the
 * items drawn (weighted by their multiplicity), so the interval includes the uncertainty of the mean and SD.
 */
import { TenetError } from '../errors.ts';
import { bootstrap, mulberry32, type BootstrapOptions } from '../stats/bootstrap.ts';
import type { Estimate } from './stats.ts';

export interface UtilityItem {
  id: string;
  group?: string;
  uHuman: number;
  uModel: number;
}

export type PairMode = { kind: 'all' } | { kind: 'sampled'; n: number };

/** Above this many pairs, `all` is replaced by a sample of this many (the CI stays honest; it only costs time). */
export const MAX_ALL_PAIRS = 200_000;

export interface LossResult {
  strict: Estimate;
  pair: Estimate & { pairs: number; mode: 'all' | 'sampled' };
  items: number;
  groups: number;
  /** The unit the bootstrap resampled: whole groups when the rows name more than one, else items. */
  resampled: 'groups' | 'items';
  normalize: 'none' | 'z';
}

/** The pairs (i, j) to average over: all within each group, or a seeded sample of them. */
export function pairsOf(items: readonly UtilityItem[], mode: PairMode, seed = 1): { a: Int32Array; b: Int32Array; mode: 'all' | 'sampled' } {
  const groups = new Map<string, number[]>();
  items.forEach((it, i) => {
    const g = it.group ?? '';
    const list = groups.get(g) ?? [];
    list.push(i);
    groups.set(g, list);
  });
  const sizes = [...groups.values()];
  const total = sizes.reduce((s, g) => s + (g.length * (g.length - 1)) / 2, 0);
  if (total === 0) throw new TenetError('BAD_INPUT', 'no pairs: every group has fewer than 2 items', { hint: 'L_pair needs at least two items in a group; leave out `group` to pair across all rows' });
  if (mode.kind === 'all' && total <= MAX_ALL_PAIRS) {
    const a = new Int32Array(total);
    const b = new Int32Array(total);
    let p = 0;
    for (const g of sizes) for (let x = 0; x < g.length; x++) for (let y = x + 1; y < g.length; y++) { a[p] = g[x]!; b[p] = g[y]!; p++; }
    return { a, b, mode: 'all' };
  }
  const n = mode.kind === 'sampled' ? mode.n : MAX_ALL_PAIRS;
  const rand = mulberry32(seed);
  // choose a group with probability proportional to its pair count, then a uniform pair in it
  const eligible = sizes.filter((g) => g.length > 1);
  const cum: number[] = [];
  let acc = 0;
  for (const g of eligible) cum.push((acc += (g.length * (g.length - 1)) / 2));
  const a = new Int32Array(n);
  const b = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const r = rand() * acc;
    let lo = 0;
    while (cum[lo]! <= r) lo++;
    const g = eligible[lo]!;
    const x = Math.floor(rand() * g.length);
    let y = Math.floor(rand() * (g.length - 1));
    if (y >= x) y++;
    a[p] = g[x]!;
    b[p] = g[y]!;
  }
  return { a, b, mode: 'sampled' };
}

/** Weighted z-scores of `xs` (weights = multiplicities in a draw; 0 where the weighted SD is 0). */
function zscoreInto(out: Float64Array, xs: readonly number[], w: Float64Array): void {
  let sw = 0;
  let sum = 0;
  for (let i = 0; i < xs.length; i++) {
    sw += w[i]!;
    sum += w[i]! * xs[i]!;
  }
  const m = sum / sw;
  let ss = 0;
  for (let i = 0; i < xs.length; i++) ss += w[i]! * (xs[i]! - m) ** 2;
  const sd = Math.sqrt(ss / sw);
  for (let i = 0; i < xs.length; i++) out[i] = sd > 0 ? (xs[i]! - m) / sd : 0;
}

/**
 * L_strict and L_pair with 95% percentile bootstrap CIs over groups (when there are several) or items,
 * z-scoring inside each draw with `normalize: 'z'`.
 */
export function misalignmentLoss(items: readonly UtilityItem[], options: BootstrapOptions & { pairs?: PairMode; normalize?: 'none' | 'z' } = {}): LossResult {
  if (items.length === 0) throw new TenetError('BAD_INPUT', 'no rows to compute a loss over');
  const normalize = options.normalize ?? 'none';
  const uhRaw = items.map((i) => i.uHuman);
  const uaRaw = items.map((i) => i.uModel);
  const groupIds = new Map<string, number>();
  const clusterOf = Int32Array.from(items, (it) => {
    const g = it.group ?? '';
    if (!groupIds.has(g)) groupIds.set(g, groupIds.size);
    return groupIds.get(g)!;
  });
  const groups = groupIds.size;
  const grouped = groups > 1;
  const boot: BootstrapOptions = {
    ...(options.b !== undefined ? { b: options.b } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(grouped ? { clusters: clusterOf } : {}),
  };
  const { a, b, mode } = pairsOf(items, options.pairs ?? { kind: 'all' }, options.seed ?? 1);

  // one draw's losses from the multiplicity of each item in it (whole groups when grouped)
  const counts = new Float64Array(items.length);
  const uh = new Float64Array(items.length);
  const ua = new Float64Array(items.length);
  const losses = (idx: Int32Array, which: 'strict' | 'pair'): number => {
    counts.fill(0);
    for (let i = 0; i < idx.length; i++) counts[idx[i]!]!++;
    if (normalize === 'z') {
      zscoreInto(uh, uhRaw, counts);
      zscoreInto(ua, uaRaw, counts);
    } else {
      uh.set(uhRaw);
      ua.set(uaRaw);
    }
    if (which === 'strict') {
      let strict = 0;
      for (let i = 0; i < items.length; i++) strict += counts[i]! * Math.abs(uh[i]! - ua[i]!);
      return strict / idx.length;
    }
    let num = 0;
    let den = 0;
    for (let p = 0; p < a.length; p++) {
      // a group drawn c times adds its pairs c times; ungrouped, a pair of items drawn c1 and c2 times c1·c2 times
      const w = grouped ? counts[a[p]!]! : counts[a[p]!]! * counts[b[p]!]!;
      if (w === 0) continue;
      num += w * Math.abs(uh[a[p]!]! - uh[b[p]!]! - (ua[a[p]!]! - ua[b[p]!]!));
      den += w;
    }
    return den > 0 ? num / den : Number.NaN;
  };
  const strict = bootstrap(items.length, (idx) => losses(idx, 'strict'), boot);
  const pair = bootstrap(items.length, (idx) => losses(idx, 'pair'), boot);
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    strict: { mean: strict.value, ci: [fin(strict.ci[0]), fin(strict.ci[1])], n: items.length },
    pair: { mean: pair.value, ci: [fin(pair.ci[0]), fin(pair.ci[1])], n: items.length, pairs: a.length, mode },
    items: items.length,
    groups,
    resampled: grouped ? 'groups' : 'items',
    normalize,
  };
}
