/**
 * Features of the encoder judge: sentence-encoder vectors (quantised, embed-cache.ts) as dense namespaces,
 * optionally with the hashed n-grams of features.ts, in the sparse form the linear trainer (linear.ts) and
 * the quantised heads (heads.ts) read. Pure functions of the quantised vectors and the text, so training
 * and run time compute the same numbers on every machine.
 *
 * Namespaces (each L2-normalised, then times its weight):
 * - Schwartz head: `P` the prompt vector, `R` the response vector, `PR` their element-wise product;
 * - violation head: `R` the completion vector, `QR` the principle ⊙ completion product (a learned
 *   weighted cosine: how the completion relates to *this* principle), `QP` principle ⊙ prompt, `Q` the principle.
 * - general-wrongness head (a free-text principle without a foundation): `R` the response vector.
 * Plus, with weight `ngrams` > 0, the n-gram features of `ngramFeatures` (features.ts).
 */
import { featurize, fnv1a, type FeatureConfig, type HashedFeatures } from './features.ts';

export const DIMS = 384;

const hashCache = new Map<string, Uint32Array>();
function nsHashes(ns: string, dims: number): Uint32Array {
  const key = `${ns}:${dims}`;
  let h = hashCache.get(key);
  if (!h) {
    h = Uint32Array.from({ length: dims }, (_, i) => fnv1a(`enc:${ns}:${i}`));
    hashCache.set(key, h);
  }
  return h;
}

function addDense(out: HashedFeatures, ns: string, v: ArrayLike<number>, weight: number): void {
  if (weight === 0) return;
  let norm = 0;
  for (let i = 0; i < v.length; i++) norm += v[i]! * v[i]!;
  if (norm === 0) return;
  const s = weight / Math.sqrt(norm);
  const hashes = nsHashes(ns, v.length);
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) out.set(hashes[i]!, (out.get(hashes[i]!) ?? 0) + v[i]! * s);
}

function product(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  return Float64Array.from({ length: a.length }, (_, i) => a[i]! * b[i]!);
}

export interface SchwartzEncoderFeatures {
  P: number;
  R: number;
  PR: number;
  /** Weight of the n-gram features (0 = none). */
  ngrams: number;
  ngramFeatures: FeatureConfig;
}

export interface ViolationEncoderFeatures {
  /**
   * Relevance of the principle: cos(principle, text) minus the mean cosine of the five foundation
   * definitions with the same text, times this weight (`relR` on the response, `relP` on the prompt);
   * unnormalised scalars, so a mismatched principle lowers the logit in proportion.
   */
  relR?: number;
  relP?: number;
  /**
   * Prototype relevance (2.1.0): Σ_g π_g(principle) · (cos(response, μ_g) − mean_h cos(response, μ_h)), with
   * μ_g the mean vector of the TRAIN violating continuations of foundation g (stored in the weights) and
   * π = softmax over foundations of `protoTemp` × the principle's best cosine with g's training wordings
   * (its definition and first `protoWordings` phrasings), times this weight; 0/absent = off.
   */
  proto?: number;
  /**
   * Prototype contrast: Σ_g π_g(principle) · (cos(response, μ_g) − cos(response, ν_g)), with ν_g the mean
   * vector of the TRAIN non-violating continuations of g: "violates g rather than merely being about g".
   */
  protoContrast?: number;
  protoTemp?: number;
  protoWordings?: number;
  R: number;
  QR: number;
  QP: number;
  Q: number;
  ngrams: number;
  ngramFeatures: FeatureConfig;
}

function addNgrams(out: HashedFeatures, prompt: string, response: string, cfg: FeatureConfig, weight: number): void {
  if (weight === 0) return;
  for (const [k, v] of featurize({ prompt, response }, cfg)) out.set(k, (out.get(k) ?? 0) + v * weight);
}

export function schwartzFeatures(
  item: { prompt: string; response: string },
  vec: { prompt: ArrayLike<number>; response: ArrayLike<number> },
  cfg: SchwartzEncoderFeatures,
): HashedFeatures {
  const out: HashedFeatures = new Map();
  addDense(out, 'P', vec.prompt, cfg.P);
  addDense(out, 'R', vec.response, cfg.R);
  if (cfg.PR) addDense(out, 'PR', product(vec.prompt, vec.response), cfg.PR);
  addNgrams(out, item.prompt, item.response, cfg.ngramFeatures, cfg.ngrams);
  return out;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** cos(q, t) − mean over the reference principles of cos(ref, t) (vectors are unit length up to quantisation). */
export function relevance(q: ArrayLike<number>, t: ArrayLike<number>, refs: readonly ArrayLike<number>[]): number {
  let m = 0;
  for (const r of refs) m += dot(r, t);
  return dot(q, t) - m / refs.length;
}

const REL_R = fnv1a('enc:relR');
const PROTO = fnv1a('enc:proto');

const PROTO_C = fnv1a('enc:protoC');

/** π: softmax over foundations of temp × the principle's best cosine with each foundation's wordings. */
function foundationWeights(q: ArrayLike<number>, wordings: readonly (readonly ArrayLike<number>[])[], temp: number): number[] {
  const s = wordings.map((ws) => Math.max(...ws.map((w) => dot(q, w))) * temp);
  const top = Math.max(...s);
  const e = s.map((x) => Math.exp(x - top));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** The prototype-relevance scalar (see ViolationEncoderFeatures.proto). */
export function prototypeRelevance(q: ArrayLike<number>, t: ArrayLike<number>, wordings: readonly (readonly ArrayLike<number>[])[], protos: readonly ArrayLike<number>[], temp: number): number {
  const pi = foundationWeights(q, wordings, temp);
  const c = protos.map((m) => dot(t, m));
  const mc = c.reduce((a, b) => a + b, 0) / c.length;
  let r = 0;
  for (let g = 0; g < c.length; g++) r += pi[g]! * (c[g]! - mc);
  return r;
}

/** The prototype-contrast scalar (see ViolationEncoderFeatures.protoContrast). */
export function prototypeContrast(q: ArrayLike<number>, t: ArrayLike<number>, wordings: readonly (readonly ArrayLike<number>[])[], protos: readonly ArrayLike<number>[], nonProtos: readonly ArrayLike<number>[], temp: number): number {
  const pi = foundationWeights(q, wordings, temp);
  let r = 0;
  for (let g = 0; g < protos.length; g++) r += pi[g]! * (dot(t, protos[g]!) - dot(t, nonProtos[g]!));
  return r;
}
const REL_P = fnv1a('enc:relP');

export function violationFeatures(
  item: { prompt: string; response: string },
  vec: {
    principle: ArrayLike<number>;
    prompt?: ArrayLike<number>;
    response: ArrayLike<number>;
    refs?: readonly ArrayLike<number>[];
    /** Per foundation, the vectors of its training wordings; and the foundations' prototypes (same order). */
    wordings?: readonly (readonly ArrayLike<number>[])[];
    protos?: readonly ArrayLike<number>[];
    nonProtos?: readonly ArrayLike<number>[];
  },
  cfg: ViolationEncoderFeatures,
): HashedFeatures {
  const out: HashedFeatures = new Map();
  if (cfg.proto && vec.wordings && vec.protos) out.set(PROTO, cfg.proto * prototypeRelevance(vec.principle, vec.response, vec.wordings, vec.protos, cfg.protoTemp ?? 20));
  if (cfg.protoContrast && vec.wordings && vec.protos && vec.nonProtos) {
    out.set(PROTO_C, cfg.protoContrast * prototypeContrast(vec.principle, vec.response, vec.wordings, vec.protos, vec.nonProtos, cfg.protoTemp ?? 20));
  }
  if (cfg.relR && vec.refs) out.set(REL_R, cfg.relR * relevance(vec.principle, vec.response, vec.refs));
  if (cfg.relP && vec.refs && vec.prompt) out.set(REL_P, cfg.relP * relevance(vec.principle, vec.prompt, vec.refs));
  addDense(out, 'R', vec.response, cfg.R);
  if (cfg.QR) addDense(out, 'QR', product(vec.principle, vec.response), cfg.QR);
  if (cfg.QP && vec.prompt) addDense(out, 'QP', product(vec.principle, vec.prompt), cfg.QP);
  addDense(out, 'Q', vec.principle, cfg.Q);
  addNgrams(out, item.prompt, item.response, cfg.ngramFeatures, cfg.ngrams);
  return out;
}

export interface GeneralEncoderFeatures {
  R: number;
  ngrams: number;
  ngramFeatures: FeatureConfig;
}

/** Features of the general-wrongness head: the response vector and the response n-grams. */
export function generalFeatures(item: { prompt: string; response: string }, response: ArrayLike<number>, cfg: GeneralEncoderFeatures): HashedFeatures {
  const out: HashedFeatures = new Map();
  addDense(out, 'R', response, cfg.R);
  addNgrams(out, item.prompt, item.response, cfg.ngramFeatures, cfg.ngrams);
  return out;
}
