/**
 * Misalignment losses between a human utility U_H and a model's utility U_A over the same responses
 * (research/fulcra.md §6):
 *
 *   L_strict = E_y |U_H(y) − U_A(y)|                                   (the utilities must agree in level)
 *   L_pair   = E_{y1,y2} |[U_H(y1) − U_H(y2)] − [U_A(y1) − U_A(y2)]|   (only differences must agree;
 *                                                                      unchanged by adding a constant)
 * L_pair ≤ 2·L_strict. Pairs are formed within a group when rows name one (e.g. responses to the same prompt).
 * Each loss has N and a 95% bootstrap CI resampling ITEMS (a pair's weight in a resample is the product of its
 * two items' multiplicities), since the pairs of one item are not independent.
 */
import { TenetError } from '../errors.ts';
import { bootstrap, mulberry32, type BootstrapOptions } from '../judges/metrics.ts';
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
  normalize: 'none' | 'z';
}

function zscore(xs: number[]): number[] {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length);
  return xs.map((x) => (sd > 0 ? (x - m) / sd : 0));
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

/** L_strict and L_pair with 95% bootstrap CIs over items. */
export function misalignmentLoss(items: readonly UtilityItem[], options: BootstrapOptions & { pairs?: PairMode; normalize?: 'none' | 'z' } = {}): LossResult {
  if (items.length === 0) throw new TenetError('BAD_INPUT', 'no rows to compute a loss over');
  const normalize = options.normalize ?? 'none';
  const uh = normalize === 'z' ? zscore(items.map((i) => i.uHuman)) : items.map((i) => i.uHuman);
  const ua = normalize === 'z' ? zscore(items.map((i) => i.uModel)) : items.map((i) => i.uModel);
  const absDiff = uh.map((h, i) => Math.abs(h - ua[i]!));
  const boot = { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const strict = bootstrap(items.length, (idx) => {
    let s = 0;
    for (let i = 0; i < idx.length; i++) s += absDiff[idx[i]!]!;
    return s / idx.length;
  }, boot);

  const { a, b, mode } = pairsOf(items, options.pairs ?? { kind: 'all' }, options.seed ?? 1);
  const d = new Float64Array(a.length);
  for (let p = 0; p < a.length; p++) d[p] = Math.abs(uh[a[p]!]! - uh[b[p]!]! - (ua[a[p]!]! - ua[b[p]!]!));
  const counts = new Float64Array(items.length);
  const pair = bootstrap(items.length, (idx) => {
    counts.fill(0);
    for (let i = 0; i < idx.length; i++) counts[idx[i]!]!++;
    let num = 0;
    let den = 0;
    for (let p = 0; p < a.length; p++) {
      const w = counts[a[p]!]! * counts[b[p]!]!;
      if (w === 0) continue;
      num += w * d[p]!;
      den += w;
    }
    return den > 0 ? num / den : Number.NaN;
  }, boot);
  const groups = new Set(items.map((i) => i.group ?? '')).size;
  const fin = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    strict: { mean: strict.value, ci: [fin(strict.ci[0]), fin(strict.ci[1])], n: items.length },
    pair: { mean: pair.value, ci: [fin(pair.ci[0]), fin(pair.ci[1])], n: items.length, pairs: a.length, mode },
    items: items.length,
    groups,
    normalize,
  };
}
