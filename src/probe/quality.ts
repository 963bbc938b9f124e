/**
 * Quality statistics of a prompt set, as MoralPrompt reports them: Self-BLEU (how alike the prompts are;
 * lower is more diverse) and perplexity under a reference model (teacher-forced; lower is more fluent),
 * plus the near-duplicate check that keeps several prompts per principle distinct.
 */
import { bootstrap, type BootstrapOptions } from '../judges/metrics.ts';
import type { Provider } from '../models/types.ts';

/** Lower-cased word tokens (punctuation split off), the unit BLEU counts. */
export function tokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}']+|[^\s\p{L}\p{N}]/gu) ?? [];
}

function ngrams(words: readonly string[], n: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i + n <= words.length; i++) {
    const key = words.slice(i, i + n).join(' ');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * Sentence BLEU-4 of `hypothesis` against several references (clipped n-gram precision, uniform weights,
 * brevity penalty against the closest reference length, add-ε smoothing of a zero count as in
 * Chen & Cherry's method 1, ε = 0.1), in [0, 1].
 */
export function sentenceBleu(hypothesis: readonly string[], references: readonly (readonly string[])[], maxN = 4): number {
  return bleuOfCounts(countsOf(hypothesis, maxN), references.map((r) => countsOf(r, maxN)), maxN);
}

interface NgramCounts {
  length: number;
  /** n-gram counts for n = 1 … maxN. */
  byN: Map<string, number>[];
}

function countsOf(words: readonly string[], maxN: number): NgramCounts {
  return { length: words.length, byN: Array.from({ length: maxN }, (_, i) => ngrams(words, i + 1)) };
}

function bleuOfCounts(hypothesis: NgramCounts, references: readonly NgramCounts[], maxN: number): number {
  if (hypothesis.length === 0 || references.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxN; n++) {
    const hyp = hypothesis.byN[n - 1]!;
    let total = 0;
    let clipped = 0;
    const maxRef = new Map<string, number>();
    for (const ref of references) for (const [g, c] of ref.byN[n - 1]!) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
    for (const [g, c] of hyp) {
      total += c;
      clipped += Math.min(c, maxRef.get(g) ?? 0);
    }
    if (total === 0) return 0;
    logSum += Math.log((clipped === 0 ? 0.1 : clipped) / total) / maxN;
  }
  const h = hypothesis.length;
  const closest = references.map((r) => r.length).reduce((best, r) => (Math.abs(r - h) < Math.abs(best - h) || (Math.abs(r - h) === Math.abs(best - h) && r < best) ? r : best));
  const bp = h >= closest ? 1 : Math.exp(1 - closest / h);
  return bp * Math.exp(logSum);
}

/** Self-BLEU ×100 (Zhu et al. 2018): the mean BLEU-4 of each text against all the others; null with fewer than 2. */
export function selfBleu(texts: readonly string[]): number | null {
  if (texts.length < 2) return null;
  const counts = texts.map((t) => countsOf(tokens(t), 4)); // each text's n-grams once, not once per pairing
  let sum = 0;
  counts.forEach((c, i) => {
    sum += bleuOfCounts(c, counts.filter((_, j) => j !== i), 4);
  });
  return (100 * sum) / texts.length;
}

/** Two prompts count as near-duplicates when this share of their word bigrams (Jaccard) is shared. */
export const NEAR_DUPLICATE_JACCARD = 0.6;

/** Jaccard similarity of the word-bigram sets of two texts. */
export function bigramJaccard(a: string, b: string): number {
  const x = new Set(ngrams(tokens(a), 2).keys());
  const y = new Set(ngrams(tokens(b), 2).keys());
  if (x.size === 0 && y.size === 0) return 1;
  let both = 0;
  for (const g of x) if (y.has(g)) both++;
  return both / (x.size + y.size - both);
}

export function nearDuplicate(a: string, b: string): boolean {
  return bigramJaccard(a, b) >= NEAR_DUPLICATE_JACCARD;
}

/** What the reference model is asked before the prompt it scores (a story opening is its natural reply). */
export const PERPLEXITY_CONTEXT = 'Write the opening of a short story.';

/** One text's teacher-forced score: −mean token log-probability (its log-perplexity) and its token count. */
export interface TextPerplexity {
  logPerplexity: number;
  tokens: number;
}

/** A set of texts' perplexity: corpus-level, with the median of the per-text perplexities beside it. */
export interface CorpusPerplexity {
  /** Corpus-level (token-weighted): exp(−Σ log-prob / Σ tokens), so one short outlier cannot dominate it; null with no tokens. */
  value: number | null;
  /** 95% bootstrap CI of `value`, resampling texts. */
  ci: [number | null, number | null];
  /** Median of the per-text perplexities exp(−mean log-prob). */
  median: number | null;
  /** Texts (with at least one token). */
  n: number;
  tokens: number;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Corpus-level perplexity exp(Σ tokens·logPPL / Σ tokens) = exp(−Σ log-prob / Σ tokens), with a bootstrap CI
 * over texts and the median per-text perplexity. An arithmetic mean of per-text perplexities is not reported:
 * one degenerate text (a perplexity in the thousands) dominates it.
 */
export function corpusPerplexity(texts: readonly TextPerplexity[], options: BootstrapOptions = {}): CorpusPerplexity {
  const xs = texts.filter((t) => t.tokens > 0 && Number.isFinite(t.logPerplexity));
  const tokens = xs.reduce((s, t) => s + t.tokens, 0);
  if (xs.length === 0) return { value: null, ci: [null, null], median: null, n: 0, tokens: 0 };
  const r = bootstrap(xs.length, (idx) => {
    let num = 0;
    let den = 0;
    for (const i of idx) {
      num += xs[i]!.tokens * xs[i]!.logPerplexity;
      den += xs[i]!.tokens;
    }
    return Math.exp(num / den);
  }, options);
  return { value: finite(r.value), ci: [finite(r.ci[0]), finite(r.ci[1])], median: median(xs.map((t) => Math.exp(t.logPerplexity))), n: xs.length, tokens };
}

/**
 * Perplexity of texts under `model`, each teacher-forced as the reply to {@link PERPLEXITY_CONTEXT}:
 * corpus-level (token-weighted) with the median per-text perplexity beside it (see {@link corpusPerplexity}).
 */
export async function perplexity(model: Provider, texts: readonly string[], signal?: AbortSignal): Promise<CorpusPerplexity & { model: string; perText: TextPerplexity[] }> {
  const perText: TextPerplexity[] = [];
  for (const continuation of texts) {
    const scored = model.capabilities.score.includes('messages')
      ? await model.score({ messages: [{ role: 'user', content: PERPLEXITY_CONTEXT }], continuation }, signal ? { signal } : {})
      : await model.score({ prompt: `${PERPLEXITY_CONTEXT}\n\n`, continuation }, signal ? { signal } : {});
    perText.push({ logPerplexity: -scored.mean, tokens: scored.tokens.length });
  }
  return { ...corpusPerplexity(perText), model: model.spec, perText };
}
