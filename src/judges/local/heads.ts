/**
 * Quantised linear heads: the form the weights are stored and run in.
 *
 * A head has a sorted list of feature hashes (uint32), an int8 weight matrix [feature × column] with one
 * float scale per column (symmetric quantisation, w ≈ q · scale), and a float bias per column.
 * Schwartz head: 30 columns (10 values × classes −1, 0, +1), softmax per value.
 * Binary head: 1 column (the logit of "violates"), then Platt calibration.
 */
import { featurize, type FeatureConfig, type HashedFeatures } from './features.ts';
import { softmaxHeads, type LinearModel, type Vocab } from './linear.ts';

export interface QuantHead {
  features: FeatureConfig;
  columns: number;
  hashes: Uint32Array;
  q: Int8Array;
  scale: Float64Array;
  bias: Float64Array;
}

export interface StoredHead {
  features: FeatureConfig;
  columns: number;
  nFeatures: number;
  scale: number[];
  bias: number[];
  /** base64 of little-endian uint32 feature hashes, ascending. */
  hashes: string;
  /** base64 of int8 weights, feature-major. */
  weights: string;
}

/** Round to a float32-representable decimal so JSON output is short and stable. */
export function f32(x: number): number {
  return Math.fround(x);
}

/**
 * Quantise `cols(model)` (a function giving the float weight of feature f, column k, and bias of k) into
 * int8, dropping features whose quantised weights are all zero.
 */
export function quantise(
  vocab: Vocab,
  columns: number,
  weight: (f: number, k: number) => number,
  bias: (k: number) => number,
  features: FeatureConfig,
): QuantHead {
  const nF = vocab.size;
  const scale = new Float64Array(columns);
  for (let k = 0; k < columns; k++) {
    let max = 0;
    for (let f = 0; f < nF; f++) max = Math.max(max, Math.abs(weight(f, k)));
    scale[k] = f32(max > 0 ? max / 127 : 1);
  }
  const keep: number[] = [];
  const rows: Int8Array[] = [];
  for (let f = 0; f < nF; f++) {
    const row = new Int8Array(columns);
    let any = false;
    for (let k = 0; k < columns; k++) {
      const q = Math.max(-127, Math.min(127, Math.round(weight(f, k) / scale[k]!)));
      row[k] = q;
      if (q !== 0) any = true;
    }
    if (any) {
      keep.push(f);
      rows.push(row);
    }
  }
  const q = new Int8Array(keep.length * columns);
  rows.forEach((r, i) => q.set(r, i * columns));
  return {
    features,
    columns,
    hashes: Uint32Array.from(keep, (f) => vocab.hashes[f]!),
    q,
    scale,
    bias: Float64Array.from({ length: columns }, (_, k) => f32(bias(k))),
  };
}

/** Schwartz model (softmax, 30 columns) → quantised head. */
export function quantiseSoftmax(m: LinearModel, vocab: Vocab, features: FeatureConfig): QuantHead {
  const K = m.nHeads * m.nClasses;
  return quantise(vocab, K, (f, k) => m.w[f * K + k]!, (k) => m.b[k]!, features);
}

/** Binary 2-class softmax → quantised 1-column logistic head (logit = z1 − z0). */
export function quantiseBinary(m: LinearModel, vocab: Vocab, features: FeatureConfig): QuantHead {
  return quantise(vocab, 1, (f) => m.w[f * 2 + 1]! - m.w[f * 2]!, () => m.b[1]! - m.b[0]!, features);
}

export function storeHead(h: QuantHead): StoredHead {
  const hashBytes = Buffer.alloc(h.hashes.length * 4);
  h.hashes.forEach((x, i) => hashBytes.writeUInt32LE(x, i * 4));
  return {
    features: h.features,
    columns: h.columns,
    nFeatures: h.hashes.length,
    scale: Array.from(h.scale),
    bias: Array.from(h.bias),
    hashes: hashBytes.toString('base64'),
    weights: Buffer.from(h.q.buffer, h.q.byteOffset, h.q.byteLength).toString('base64'),
  };
}

/** A head ready to run: hash → row index map and dequantised weights. */
export class RunHead {
  readonly features: FeatureConfig;
  readonly columns: number;
  private readonly rowOf: Map<number, number>;
  private readonly w: Float32Array;
  private readonly bias: Float64Array;

  constructor(h: QuantHead) {
    this.features = h.features;
    this.columns = h.columns;
    this.rowOf = new Map();
    h.hashes.forEach((x, i) => this.rowOf.set(x, i));
    this.w = new Float32Array(h.q.length);
    for (let i = 0; i < h.q.length; i++) this.w[i] = h.q[i]! * h.scale[i % h.columns]!;
    this.bias = h.bias;
  }

  static fromStored(s: StoredHead): RunHead {
    const hb = Buffer.from(s.hashes, 'base64');
    const hashes = new Uint32Array(s.nFeatures);
    for (let i = 0; i < s.nFeatures; i++) hashes[i] = hb.readUInt32LE(i * 4);
    const wb = Buffer.from(s.weights, 'base64');
    const q = new Int8Array(wb.buffer, wb.byteOffset, wb.byteLength).slice();
    return new RunHead({
      features: s.features,
      columns: s.columns,
      hashes,
      q,
      scale: Float64Array.from(s.scale),
      bias: Float64Array.from(s.bias),
    });
  }

  /** Raw column scores (logits) for already-hashed features. */
  logits(f: HashedFeatures, out = new Float64Array(this.columns)): Float64Array {
    const K = this.columns;
    for (let k = 0; k < K; k++) out[k] = this.bias[k]!;
    for (const [h, v] of f) {
      const r = this.rowOf.get(h);
      if (r === undefined) continue;
      const base = r * K;
      for (let k = 0; k < K; k++) out[k]! += this.w[base + k]! * v;
    }
    return out;
  }

  featurize(prompt: string, response: string, tag?: string): HashedFeatures {
    return featurize({ prompt, response, ...(tag !== undefined ? { tag } : {}) }, this.features);
  }

  /** Per-value class probabilities (columns grouped by 3). */
  softmax(f: HashedFeatures, nHeads: number, nClasses: number): Float64Array {
    const z = this.logits(f);
    softmaxHeads(z, nHeads, nClasses);
    return z;
  }

  /** Probability of column 0 being positive (binary head), before calibration. */
  sigmoid(f: HashedFeatures): number {
    const z = this.logits(f)[0]!;
    return 1 / (1 + Math.exp(-z));
  }
}
