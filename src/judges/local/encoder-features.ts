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
const REL_P = fnv1a('enc:relP');

export function violationFeatures(
  item: { prompt: string; response: string },
  vec: { principle: ArrayLike<number>; prompt?: ArrayLike<number>; response: ArrayLike<number>; refs?: readonly ArrayLike<number>[] },
  cfg: ViolationEncoderFeatures,
): HashedFeatures {
  const out: HashedFeatures = new Map();
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
