/**
 * Hashed n-gram features for the local judge. Pure functions of the text and the config, so the same
 * text always gives the same features on every machine.
 *
 * Namespaces (each scaled separately: log(1 + count), L2-normalised within the namespace, times the
 * namespace weight):
 * - `r` response word 1..n-grams, `p` prompt word 1..n-grams, `c` response character n-grams (of the first
 *   `maxChars` characters), `o` the response opener (its first `opener` words as one feature, plus the
 *   first word), `l` response length bucket (log2 of the word count).
 * - `x` prompt × opener cross features (each prompt word crossed with the first `crossOpener` response
 *   words): lets a linear model tell "harmful request refused" from "harmful request answered".
 * A `tag` (e.g. a moral foundation id) duplicates every feature under that tag, so one linear head can
 * learn a foundation-specific weight on top of the shared one.
 */

export interface FeatureConfig {
  /** Response word n-gram orders, e.g. [1, 2]. */
  responseWords: number[];
  /** Prompt word n-gram orders, e.g. [1, 2]; [] to ignore the prompt. */
  promptWords: number[];
  /** Response character n-gram orders, e.g. [3, 4, 5]; [] for none. */
  charNgrams: number[];
  /** Characters of the response used for character n-grams. */
  maxChars: number;
  /** Words of the response read for word features (long answers are truncated). */
  maxWords: number;
  /** Words in the opener feature; 0 for none. */
  opener: number;
  /** Response words crossed with each prompt word; 0 for no cross features. */
  crossOpener: number;
  /** Namespace weights. */
  weights: { r: number; p: number; c: number; o: number; l: number; x: number };
}

export const DEFAULT_FEATURES: FeatureConfig = {
  responseWords: [1, 2],
  promptWords: [1, 2],
  charNgrams: [],
  maxChars: 1000,
  maxWords: 400,
  opener: 4,
  crossOpener: 0,
  weights: { r: 1, p: 0.7, c: 0.7, o: 0.5, l: 0.3, x: 0.5 },
};

/** 32-bit FNV-1a of a string (UTF-16 code units). */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Combine two 32-bit hashes (order-sensitive) into one. */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ b;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const WORD = /[\p{L}\p{N}]+(?:'[\p{L}]+)?/gu;

/** Lower-cased word tokens (letters/digits, with an inner apostrophe kept: "don't"). */
export function tokenize(text: string, max = Infinity): string[] {
  const out: string[] = [];
  const lower = text.toLowerCase();
  WORD.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = WORD.exec(lower)) !== null && out.length < max) out.push(m[0]);
  return out;
}

const NS_SEED: Record<string, number> = {};
function nsSeed(ns: string): number {
  return (NS_SEED[ns] ??= fnv1a(`ns:${ns}`));
}

/** Sparse feature vector keyed by 32-bit hash. */
export type HashedFeatures = Map<number, number>;

function addNamespace(out: HashedFeatures, counts: Map<number, number>, weight: number): void {
  if (counts.size === 0 || weight === 0) return;
  let norm = 0;
  for (const [k, c] of counts) {
    const v = Math.log1p(c);
    counts.set(k, v);
    norm += v * v;
  }
  const scale = weight / Math.sqrt(norm);
  for (const [k, v] of counts) out.set(k, (out.get(k) ?? 0) + v * scale);
}

function wordNgrams(tokens: string[], orders: number[], ns: string, counts: Map<number, number>): number[] {
  const seed = nsSeed(ns);
  const hashes = tokens.map((t) => fnv1a(t, seed));
  for (const n of orders) {
    for (let i = 0; i + n <= hashes.length; i++) {
      let h = hashes[i]!;
      for (let j = 1; j < n; j++) h = mix(h, hashes[i + j]!);
      if (n > 1) h = mix(h, n);
      counts.set(h, (counts.get(h) ?? 0) + 1);
    }
  }
  return hashes;
}

export interface FeatureInput {
  prompt: string;
  response: string;
  /** Optional tag (e.g. a foundation id): every feature is duplicated under it. */
  tag?: string;
}

/** Features of one item. */
export function featurize(input: FeatureInput, cfg: FeatureConfig): HashedFeatures {
  const out: HashedFeatures = new Map();
  const rTokens = tokenize(input.response, cfg.maxWords);
  const pTokens = cfg.promptWords.length > 0 || cfg.crossOpener > 0 ? tokenize(input.prompt, cfg.maxWords) : [];

  const r = new Map<number, number>();
  wordNgrams(rTokens, cfg.responseWords, 'r', r);
  addNamespace(out, r, cfg.weights.r);

  if (cfg.promptWords.length > 0) {
    const p = new Map<number, number>();
    wordNgrams(pTokens, cfg.promptWords, 'p', p);
    addNamespace(out, p, cfg.weights.p);
  }

  if (cfg.charNgrams.length > 0) {
    const c = new Map<number, number>();
    const text = ` ${input.response.slice(0, cfg.maxChars).toLowerCase().replace(/\s+/g, ' ')} `;
    const seed = nsSeed('c');
    for (const n of cfg.charNgrams) {
      for (let i = 0; i + n <= text.length; i++) {
        const h = fnv1a(text.slice(i, i + n), seed);
        c.set(h, (c.get(h) ?? 0) + 1);
      }
    }
    addNamespace(out, c, cfg.weights.c);
  }

  if (cfg.opener > 0) {
    const o = new Map<number, number>();
    const seed = nsSeed('o');
    o.set(fnv1a(rTokens.slice(0, cfg.opener).join(' '), seed), 1);
    o.set(fnv1a(`1:${rTokens[0] ?? ''}`, seed), 1);
    addNamespace(out, o, cfg.weights.o);
  }

  if (cfg.weights.l > 0) {
    const l = new Map<number, number>();
    l.set(fnv1a(`len:${Math.min(12, Math.floor(Math.log2(1 + rTokens.length)))}`, nsSeed('l')), 1);
    addNamespace(out, l, cfg.weights.l);
  }

  if (cfg.crossOpener > 0 && pTokens.length > 0) {
    const x = new Map<number, number>();
    const seed = nsSeed('x');
    const opener = fnv1a(rTokens.slice(0, cfg.crossOpener).join(' '), seed);
    for (const t of new Set(pTokens)) {
      const h = mix(opener, fnv1a(t, seed));
      x.set(h, 1);
    }
    addNamespace(out, x, cfg.weights.x);
  }

  if (input.tag !== undefined) {
    const tagSeed = fnv1a(`tag:${input.tag}`);
    for (const [k, v] of [...out]) out.set(mix(tagSeed, k), v);
  }
  return out;
}
