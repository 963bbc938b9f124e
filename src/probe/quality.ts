/**
 * Quality statistics of a prompt set, as MoralPrompt reports them: Self-BLEU (how alike the prompts are;
 * lower is more diverse) and perplexity under a reference model (teacher-forced; lower is more fluent),
 * plus the near-duplicate check that keeps several prompts per principle distinct.
 */
import { bootstrap } from '../judges/metrics.ts';
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
  if (hypothesis.length === 0 || references.length === 0) return 0;
  let logSum = 0;
  for (let n = 1; n <= maxN; n++) {
    const hyp = ngrams(hypothesis, n);
    let total = 0;
    let clipped = 0;
    const maxRef = new Map<string, number>();
    for (const ref of references) for (const [g, c] of ngrams(ref, n)) maxRef.set(g, Math.max(maxRef.get(g) ?? 0, c));
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
  const toks = texts.map(tokens);
  let sum = 0;
  toks.forEach((t, i) => {
    sum += sentenceBleu(t, toks.filter((_, j) => j !== i));
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

/**
 * Perplexity of each text under `model`, teacher-forced as the reply to {@link PERPLEXITY_CONTEXT}:
 * exp(−mean token log-probability). The mean over texts comes with a bootstrap CI over texts.
 */
export async function perplexity(model: Provider, texts: readonly string[], signal?: AbortSignal): Promise<{ value: number; ci: [number, number]; n: number; model: string; perText: number[] }> {
  const perText: number[] = [];
  for (const continuation of texts) {
    const scored = model.capabilities.score.includes('messages')
      ? await model.score({ messages: [{ role: 'user', content: PERPLEXITY_CONTEXT }], continuation }, signal ? { signal } : {})
      : await model.score({ prompt: `${PERPLEXITY_CONTEXT}\n\n`, continuation }, signal ? { signal } : {});
    perText.push(Math.exp(-scored.mean));
  }
  const m = bootstrap(perText.length, (idx) => {
    let s = 0;
    for (const i of idx) s += perText[i]!;
    return s / idx.length;
  });
  return { value: m.value, ci: m.ci, n: m.n, model: model.spec, perText };
}
