/**
 * Deterministic toy tokeniser, logprobs and embeddings used by the loopback model server.
 *
 * A token is a run of leading whitespace followed by either one word (letters, marks, digits,
 * underscore) or one other non-space character; trailing whitespace is a token of its own.
 * `tokenize(text).join('') === text` holds for every string.
 */
import { mulberry32 } from '../../src/judges/metrics.ts';

const TOKEN_RE = /\s*(?:[\p{L}\p{M}\p{N}_]+|[^\s\p{L}\p{M}\p{N}_])|\s+/gu;
const WORD_RE = /[\p{L}\p{M}\p{N}_]+/gu;

export function tokenize(text: string): string[] {
  if (text === '') return [];
  return text.match(TOKEN_RE) ?? [];
}

export function countTokens(text: string): number {
  return tokenize(text).length;
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The project's seeded PRNG (mulberry32). */
export const seededRandom = mulberry32;

/** The logprob a token gets when the script does not give one: in [-0.25, -0.001], fixed per token text. */
export function defaultLogprob(token: string): number {
  return -(0.001 + (hashString(token) % 1000) / 4000);
}

export function utf8Bytes(token: string): number[] {
  return Array.from(Buffer.from(token, 'utf8'));
}

/**
 * Deterministic embedding: feature hashing of the lower-cased words of `text` (each word adds a
 * pseudo-random vector seeded by its hash), L2-normalised, every component rounded to float32.
 * Identical texts give identical vectors; texts that differ only in case, punctuation or spacing
 * also do; texts sharing most words are close (cosine near 1); unrelated texts are near-orthogonal.
 */
export function embedText(text: string, dims = 64): number[] {
  const words = text.toLowerCase().match(WORD_RE);
  const features = words && words.length > 0 ? words : [text];
  const acc = new Float64Array(dims);
  for (const word of features) {
    const rand = seededRandom(hashString(word));
    for (let d = 0; d < dims; d++) acc[d] = (acc[d] ?? 0) + (rand() * 2 - 1);
  }
  let norm = 0;
  for (let d = 0; d < dims; d++) norm += (acc[d] ?? 0) ** 2;
  norm = Math.sqrt(norm) || 1;
  const out: number[] = new Array(dims);
  for (let d = 0; d < dims; d++) out[d] = Math.fround((acc[d] ?? 0) / norm);
  return out;
}

/** Little-endian float32 base64, the encoding OpenAI uses for `encoding_format: 'base64'`. */
export function embeddingToBase64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString('base64');
}

export { cosineSimilarity } from '../../src/moralgraph/elicit/dedupe.ts';
