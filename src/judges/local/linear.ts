/**
 * Multi-head softmax regression on sparse features, trained with AdaGrad + L2 (lazy: applied to the
 * features active in an example). Every head has `nClasses` classes; targets may be soft (a
 * distribution) and a head's target may be missing for an example (NaN), in which case that head is not
 * updated from it. Deterministic: the example order each epoch comes from a seeded PRNG, and all
 * arithmetic is in a fixed order.
 */
import { mulberry32 } from '../metrics.ts';
import type { HashedFeatures } from './features.ts';

export interface SparseRow {
  idx: Int32Array;
  val: Float64Array;
}

/** Feature hash → dense column, for the hashes seen in training at least `minDf` times. */
export class Vocab {
  readonly hashes: Uint32Array;
  private readonly index: Map<number, number>;

  constructor(hashes: Uint32Array) {
    this.hashes = hashes;
    this.index = new Map();
    hashes.forEach((h, i) => this.index.set(h, i));
  }

  static build(docs: Iterable<HashedFeatures>, minDf: number): Vocab {
    const df = new Map<number, number>();
    for (const d of docs) for (const k of d.keys()) df.set(k, (df.get(k) ?? 0) + 1);
    const kept: number[] = [];
    for (const [k, c] of df) if (c >= minDf) kept.push(k);
    kept.sort((a, b) => a - b);
    return new Vocab(Uint32Array.from(kept));
  }

  get size(): number {
    return this.hashes.length;
  }

  sparse(f: HashedFeatures): SparseRow {
    const pairs: [number, number][] = [];
    for (const [k, v] of f) {
      const i = this.index.get(k);
      if (i !== undefined) pairs.push([i, v]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    return { idx: Int32Array.from(pairs, (p) => p[0]), val: Float64Array.from(pairs, (p) => p[1]) };
  }
}

export interface Example {
  x: SparseRow;
  /** nHeads × nClasses targets (a distribution per head), NaN where the head has no label. */
  target: Float64Array;
  weight: number;
}

export interface LinearOptions {
  epochs: number;
  lr: number;
  l2: number;
  /** Class weight = (N / (nClasses · N_c))^power per head; 0 = unweighted, 1 = balanced. */
  classWeightPower: number;
  /** Largest class weight (rare classes in small data would otherwise get huge weights). */
  maxClassWeight: number;
  seed: number;
}

export interface LinearModel {
  nHeads: number;
  nClasses: number;
  nFeatures: number;
  /** W[f * nHeads * nClasses + h * nClasses + c] */
  w: Float64Array;
  b: Float64Array;
}

export function classWeights(examples: readonly Example[], nHeads: number, nClasses: number, power: number, max: number): Float64Array {
  const K = nHeads * nClasses;
  const counts = new Float64Array(K);
  const totals = new Float64Array(nHeads);
  for (const e of examples) {
    for (let h = 0; h < nHeads; h++) {
      if (Number.isNaN(e.target[h * nClasses]!)) continue;
      totals[h]! += e.weight;
      for (let c = 0; c < nClasses; c++) counts[h * nClasses + c]! += e.weight * e.target[h * nClasses + c]!;
    }
  }
  const cw = new Float64Array(K);
  for (let h = 0; h < nHeads; h++) {
    for (let c = 0; c < nClasses; c++) {
      const n = counts[h * nClasses + c]!;
      const w = n > 0 ? Math.pow(totals[h]! / (nClasses * n), power) : 1;
      cw[h * nClasses + c] = Math.min(max, w);
    }
  }
  return cw;
}

/** Logits then per-head softmax, written into `out` (length nHeads × nClasses). */
export function predictInto(m: LinearModel, x: SparseRow, out: Float64Array): Float64Array {
  const K = m.nHeads * m.nClasses;
  for (let k = 0; k < K; k++) out[k] = m.b[k]!;
  for (let j = 0; j < x.idx.length; j++) {
    const base = x.idx[j]! * K;
    const v = x.val[j]!;
    for (let k = 0; k < K; k++) out[k]! += m.w[base + k]! * v;
  }
  softmaxHeads(out, m.nHeads, m.nClasses);
  return out;
}

export function softmaxHeads(z: Float64Array, nHeads: number, nClasses: number): void {
  for (let h = 0; h < nHeads; h++) {
    const o = h * nClasses;
    let max = -Infinity;
    for (let c = 0; c < nClasses; c++) max = Math.max(max, z[o + c]!);
    let sum = 0;
    for (let c = 0; c < nClasses; c++) {
      const e = Math.exp(z[o + c]! - max);
      z[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < nClasses; c++) z[o + c]! /= sum;
  }
}

/** Fisher–Yates shuffle in place, driven by the seeded PRNG (the epoch's example order). */
export function shuffle(order: Int32Array, rand: () => number): void {
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
}

/**
 * The softmax cross-entropy gradient at the output of every head, (p − target) scaled by the example's
 * class weight and weight, into `g`; zero for a head whose target is missing (NaN).
 */
export function outputGradient(e: Example, p: Float64Array, cw: Float64Array, nHeads: number, nClasses: number, g: Float64Array): void {
  for (let h = 0; h < nHeads; h++) {
    const o = h * nClasses;
    if (Number.isNaN(e.target[o]!)) {
      for (let c = 0; c < nClasses; c++) g[o + c] = 0;
      continue;
    }
    let sw = 0;
    for (let c = 0; c < nClasses; c++) sw += e.target[o + c]! * cw[o + c]!;
    sw *= e.weight;
    for (let c = 0; c < nClasses; c++) g[o + c] = (p[o + c]! - e.target[o + c]!) * sw;
  }
}

export function trainLinear(examples: readonly Example[], nHeads: number, nClasses: number, nFeatures: number, opt: LinearOptions): LinearModel {
  const K = nHeads * nClasses;
  const m: LinearModel = { nHeads, nClasses, nFeatures, w: new Float64Array(nFeatures * K), b: new Float64Array(K) };
  const gw = new Float64Array(nFeatures * K);
  const gb = new Float64Array(K);
  const cw = classWeights(examples, nHeads, nClasses, opt.classWeightPower, opt.maxClassWeight);
  const rand = mulberry32(opt.seed);
  const order = Int32Array.from(examples, (_, i) => i);
  const p = new Float64Array(K);
  const g = new Float64Array(K);
  const eps = 1e-8;
  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    shuffle(order, rand);
    for (let n = 0; n < order.length; n++) {
      const e = examples[order[n]!]!;
      predictInto(m, e.x, p);
      outputGradient(e, p, cw, nHeads, nClasses, g);
      for (let k = 0; k < K; k++) {
        const gk = g[k]!;
        if (gk === 0) continue;
        gb[k]! += gk * gk;
        m.b[k]! -= (opt.lr * gk) / (Math.sqrt(gb[k]!) + eps);
      }
      for (let j = 0; j < e.x.idx.length; j++) {
        const base = e.x.idx[j]! * K;
        const v = e.x.val[j]!;
        for (let k = 0; k < K; k++) {
          const gk = g[k]!;
          if (gk === 0) continue;
          const q = base + k;
          const grad = gk * v + opt.l2 * m.w[q]!;
          gw[q]! += grad * grad;
          m.w[q]! -= (opt.lr * grad) / (Math.sqrt(gw[q]!) + eps);
        }
      }
    }
  }
  return m;
}
