/**
 * Deduplication of values cards: an embedding pre-filter (any Encoder: the local sentence encoder, an
 * embeddings API, or the hashed-word fallback), then a strict LLM equivalence judge. The caller asks the
 * participant before a merge; nothing here changes the store.
 */
import { z } from 'zod';
import { generateObject } from '../../models/structured.ts';
import type { Provider } from '../../models/types.ts';
import type { ValuesCard } from '../../values/cards.ts';
import { formatCard } from './articulate.ts';
import { elicitPrompt, fillPrompt } from './prompts.ts';

/** The text a card is embedded by: its policies, sorted (what the card attends to, not how it is worded). */
export function cardEmbeddingText(card: ValuesCard): string {
  return [...card.policies].map((p) => p.trim().toLowerCase()).sort().join('\n');
}

export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}

export interface Candidate {
  id: string;
  card: ValuesCard;
  similarity: number;
}

/** The `top` most similar vectors with similarity ≥ `minSimilarity`, best first (ties by id). */
export function nearest(
  vector: ArrayLike<number>,
  pool: readonly { id: string; card: ValuesCard; embedding: ArrayLike<number> | null }[],
  options: { top?: number; minSimilarity?: number } = {},
): Candidate[] {
  const top = options.top ?? 5;
  const min = options.minSimilarity ?? 0.5;
  return pool
    .filter((p) => p.embedding !== null)
    .map((p) => ({ id: p.id, card: p.card, similarity: cosineSimilarity(vector, p.embedding!) }))
    .filter((c) => c.similarity >= min)
    .sort((a, b) => b.similarity - a.similarity || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, top);
}

const JudgeOutput = z.object({ match: z.string().max(200).nullable(), rationale: z.string().max(2000) });

export interface EquivalenceVerdict {
  /** The equivalent candidate, or null. */
  match: Candidate | null;
  rationale: string;
  model: string;
  promptVersion: string;
}

/** The strict LLM equivalence judge over pre-filtered candidates (no call when there are none). */
export async function judgeEquivalence(provider: Provider, card: ValuesCard, candidates: readonly Candidate[], options: { signal?: AbortSignal } = {}): Promise<EquivalenceVerdict> {
  const prompt = elicitPrompt('dedupe');
  if (candidates.length === 0) return { match: null, rationale: 'no similar canonical card', model: provider.spec, promptVersion: prompt.version };
  const labels = candidates.map((_, i) => `c${i + 1}`);
  const content = fillPrompt(prompt.text, {
    card: formatCard(card),
    candidates: candidates.map((c, i) => `${labels[i]}:\n${formatCard(c.card)}`).join('\n\n'),
  });
  const { value } = await generateObject(provider, { messages: [{ role: 'user', content }], temperature: 0 }, JudgeOutput, {
    name: 'dedupe_verdict',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const index = value.match === null ? -1 : labels.indexOf(value.match.trim());
  // An id the model made up counts as "no match": merging is only ever into a real candidate.
  return { match: index >= 0 ? candidates[index]! : null, rationale: value.rationale.trim(), model: provider.spec, promptVersion: prompt.version };
}
