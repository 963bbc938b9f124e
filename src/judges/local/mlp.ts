/**
 * A one-hidden-layer network over sparse features ("wide & deep": a linear skip path plus a ReLU hidden
 * layer shared by all heads), softmax per head, trained with AdaGrad + L2. Deterministic (seeded init and
 * example order). Stored quantised: int8 input weights (per-column scale), float32 output layer.
 */
import { mulberry32 } from '../metrics.ts';
import type { FeatureConfig, HashedFeatures } from './features.ts';
import { featurize } from './features.ts';
import { classWeights, outputGradient, shuffle, softmaxHeads, type Example, type Vocab } from './linear.ts';
import { f32 } from './heads.ts';

export interface MlpOptions {
  hidden: number;
  epochs: number;
  lr: number;
  l2: number;
  classWeightPower: number;
  maxClassWeight: number;
  /** Half-width of the uniform init of input weights. */
  initScale: number;
  /** Keep the linear skip path (input → output). */
  skip: boolean;
  seed: number;
}

export interface MlpModel {
  nIn: number;
  hidden: number;
  nHeads: number;
  nClasses: number;
  w1: Float64Array; // nIn × H
  b1: Float64Array; // H
  w2: Float64Array; // H × K
  b2: Float64Array; // K
  w0: Float64Array | null; // nIn × K (skip)
}

export function trainMlp(examples: readonly Example[], nHeads: number, nClasses: number, nIn: number, opt: MlpOptions): MlpModel {
  const H = opt.hidden;
  const K = nHeads * nClasses;
  const rand = mulberry32(opt.seed);
  const m: MlpModel = {
    nIn,
    hidden: H,
    nHeads,
    nClasses,
    w1: Float64Array.from({ length: nIn * H }, () => (rand() * 2 - 1) * opt.initScale),
    b1: new Float64Array(H).fill(0.01),
    w2: Float64Array.from({ length: H * K }, () => (rand() * 2 - 1) * Math.sqrt(6 / (H + K))),
    b2: new Float64Array(K),
    w0: opt.skip ? new Float64Array(nIn * K) : null,
  };
  const g1 = new Float64Array(nIn * H);
  const gb1 = new Float64Array(H);
  const g2 = new Float64Array(H * K);
  const gb2 = new Float64Array(K);
  const g0 = opt.skip ? new Float64Array(nIn * K) : null;
  const cw = classWeights(examples, nHeads, nClasses, opt.classWeightPower, opt.maxClassWeight);
  const order = Int32Array.from(examples, (_, i) => i);
  const pre = new Float64Array(H);
  const h = new Float64Array(H);
  const z = new Float64Array(K);
  const gz = new Float64Array(K);
  const gh = new Float64Array(H);
  const eps = 1e-8;
  const lr = opt.lr;
  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    shuffle(order, rand);
    for (let n = 0; n < order.length; n++) {
      const e = examples[order[n]!]!;
      forward(m, e.x.idx, e.x.val, pre, h, z);
      outputGradient(e, z, cw, nHeads, nClasses, gz);
      // hidden gradient (before updating w2)
      for (let j = 0; j < H; j++) {
        if (pre[j]! <= 0) {
          gh[j] = 0;
          continue;
        }
        let s = 0;
        const base = j * K;
        for (let k = 0; k < K; k++) s += m.w2[base + k]! * gz[k]!;
        gh[j] = s;
      }
      // output layer
      for (let k = 0; k < K; k++) {
        const g = gz[k]!;
        if (g === 0) continue;
        gb2[k]! += g * g;
        m.b2[k]! -= (lr * g) / (Math.sqrt(gb2[k]!) + eps);
      }
      for (let j = 0; j < H; j++) {
        const hj = h[j]!;
        if (hj === 0) continue;
        const base = j * K;
        for (let k = 0; k < K; k++) {
          const gk = gz[k]!;
          if (gk === 0) continue;
          const q = base + k;
          const g = hj * gk + opt.l2 * m.w2[q]!;
          g2[q]! += g * g;
          m.w2[q]! -= (lr * g) / (Math.sqrt(g2[q]!) + eps);
        }
      }
      for (let j = 0; j < H; j++) {
        const g = gh[j]!;
        if (g === 0) continue;
        gb1[j]! += g * g;
        m.b1[j]! -= (lr * g) / (Math.sqrt(gb1[j]!) + eps);
      }
      const idx = e.x.idx;
      const val = e.x.val;
      for (let a = 0; a < idx.length; a++) {
        const v = val[a]!;
        const base = idx[a]! * H;
        for (let j = 0; j < H; j++) {
          const ghj = gh[j]!;
          if (ghj === 0) continue;
          const q = base + j;
          const g = ghj * v + opt.l2 * m.w1[q]!;
          g1[q]! += g * g;
          m.w1[q]! -= (lr * g) / (Math.sqrt(g1[q]!) + eps);
        }
        if (m.w0 && g0) {
          const b0 = idx[a]! * K;
          for (let k = 0; k < K; k++) {
            const gk = gz[k]!;
            if (gk === 0) continue;
            const q = b0 + k;
            const g = gk * v + opt.l2 * m.w0[q]!;
            g0[q]! += g * g;
            m.w0[q]! -= (lr * g) / (Math.sqrt(g0[q]!) + eps);
          }
        }
      }
    }
  }
  return m;
}

/** Forward pass: pre-activations, hidden activations and per-head softmax probabilities. */
export function forward(m: MlpModel, idx: ArrayLike<number>, val: ArrayLike<number>, pre: Float64Array, h: Float64Array, z: Float64Array): void {
  const H = m.hidden;
  const K = m.nHeads * m.nClasses;
  for (let j = 0; j < H; j++) pre[j] = m.b1[j]!;
  for (let k = 0; k < K; k++) z[k] = m.b2[k]!;
  for (let a = 0; a < idx.length; a++) {
    const v = val[a]!;
    const base = idx[a]! * H;
    for (let j = 0; j < H; j++) pre[j]! += m.w1[base + j]! * v;
    if (m.w0) {
      const b0 = idx[a]! * K;
      for (let k = 0; k < K; k++) z[k]! += m.w0[b0 + k]! * v;
    }
  }
  for (let j = 0; j < H; j++) {
    const hj = pre[j]! > 0 ? pre[j]! : 0;
    h[j] = hj;
    if (hj === 0) continue;
    const base = j * K;
    for (let k = 0; k < K; k++) z[k]! += hj * m.w2[base + k]!;
  }
  softmaxHeads(z, m.nHeads, m.nClasses);
}

export interface StoredMlp {
  kind: 'mlp';
  features: FeatureConfig;
  hidden: number;
  nHeads: number;
  nClasses: number;
  nFeatures: number;
  /** base64 uint32 LE feature hashes (ascending). */
  hashes: string;
  /** base64 int8 [feature × (hidden + skip columns)], per-column scale. */
  weights: string;
  scale: number[];
  b1: number[];
  w2: number[];
  b2: number[];
  skip: boolean;
}

/** Quantise: input rows get int8 per column (hidden columns, then skip columns when present). */
export function storeMlp(m: MlpModel, vocab: Vocab, features: FeatureConfig): StoredMlp {
  const H = m.hidden;
  const K = m.nHeads * m.nClasses;
  const C = H + (m.w0 ? K : 0);
  const col = (f: number, c: number): number => (c < H ? m.w1[f * H + c]! : m.w0![f * K + (c - H)]!);
  const scale: number[] = [];
  for (let c = 0; c < C; c++) {
    let max = 0;
    for (let f = 0; f < m.nIn; f++) max = Math.max(max, Math.abs(col(f, c)));
    scale.push(f32(max > 0 ? max / 127 : 1));
  }
  const q = new Int8Array(m.nIn * C);
  for (let f = 0; f < m.nIn; f++) for (let c = 0; c < C; c++) q[f * C + c] = Math.max(-127, Math.min(127, Math.round(col(f, c) / scale[c]!)));
  const hb = Buffer.alloc(m.nIn * 4);
  vocab.hashes.forEach((x, i) => hb.writeUInt32LE(x, i * 4));
  return {
    kind: 'mlp',
    features,
    hidden: H,
    nHeads: m.nHeads,
    nClasses: m.nClasses,
    nFeatures: m.nIn,
    hashes: hb.toString('base64'),
    weights: Buffer.from(q.buffer).toString('base64'),
    scale,
    b1: Array.from(m.b1, f32),
    w2: Array.from(m.w2, f32),
    b2: Array.from(m.b2, f32),
    skip: m.w0 !== null,
  };
}

/** A stored MLP ready to run. */
export class RunMlp {
  readonly features: FeatureConfig;
  private readonly model: MlpModel;
  private readonly rowOf = new Map<number, number>();
  private readonly pre: Float64Array;
  private readonly h: Float64Array;

  constructor(s: StoredMlp) {
    this.features = s.features;
    const H = s.hidden;
    const K = s.nHeads * s.nClasses;
    const C = H + (s.skip ? K : 0);
    const hb = Buffer.from(s.hashes, 'base64');
    for (let i = 0; i < s.nFeatures; i++) this.rowOf.set(hb.readUInt32LE(i * 4), i);
    const wb = Buffer.from(s.weights, 'base64');
    const q = new Int8Array(wb.buffer, wb.byteOffset, wb.byteLength);
    const w1 = new Float64Array(s.nFeatures * H);
    const w0 = s.skip ? new Float64Array(s.nFeatures * K) : null;
    for (let f = 0; f < s.nFeatures; f++) {
      for (let c = 0; c < C; c++) {
        const x = q[f * C + c]! * s.scale[c]!;
        if (c < H) w1[f * H + c] = x;
        else w0![f * K + (c - H)] = x;
      }
    }
    this.model = {
      nIn: s.nFeatures,
      hidden: H,
      nHeads: s.nHeads,
      nClasses: s.nClasses,
      w1,
      b1: Float64Array.from(s.b1),
      w2: Float64Array.from(s.w2),
      b2: Float64Array.from(s.b2),
      w0,
    };
    this.pre = new Float64Array(H);
    this.h = new Float64Array(H);
  }

  featurize(prompt: string, response: string): HashedFeatures {
    return featurize({ prompt, response }, this.features);
  }

  softmax(f: HashedFeatures): Float64Array {
    const idx: number[] = [];
    const val: number[] = [];
    for (const [k, v] of f) {
      const r = this.rowOf.get(k);
      if (r !== undefined) {
        idx.push(r);
        val.push(v);
      }
    }
    const z = new Float64Array(this.model.nHeads * this.model.nClasses);
    forward(this.model, idx, val, this.pre, this.h, z);
    return z;
  }
}
