/**
 * Deduplication of values cards: an embedding pre-filter (any OpenAI-compatible /embeddings endpoint, or
 * local hashed features when offline), then a strict LLM equivalence judge. The caller asks the
 * participant before a merge; nothing here changes the store.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { TenetConfig } from '../../config.ts';
import { TenetError } from '../../errors.ts';
import { resolveSpec } from '../../models/spec.ts';
import { generateObject } from '../../models/structured.ts';
import type { Provider } from '../../models/types.ts';
import type { ValuesCard } from '../../values/cards.ts';
import { formatCard } from './articulate.ts';
import { elicitPrompt, fillPrompt } from './prompts.ts';

export interface Embedder {
  /** e.g. `local:hash-256` or `openai:text-embedding-3-small`. */
  readonly model: string;
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<number[][]>;
}

/** The text a card is embedded by: its policies, sorted (what the card attends to, not how it is worded). */
export function cardEmbeddingText(card: ValuesCard): string {
  return [...card.policies].map((p) => p.trim().toLowerCase()).sort().join('\n');
}

export function cosineSimilarity(a: readonly number[], b: readonly number[]): number {
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

const STOPWORDS = new Set('a an and are as at be by for from in into is it its of on or that the their them they this to when where with who whom'.split(' '));

/**
 * Local, offline features: word unigrams and bigrams (stop words dropped, crude plural stripping) hashed
 * into `dims` buckets with a sign, then L2-normalised. Deterministic; good enough as a pre-filter.
 */
export function localEmbedder(dims = 256): Embedder {
  const featureVector = (text: string): number[] => {
    const words = (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [])
      .filter((w) => !STOPWORDS.has(w))
      .map((w) => (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
    const v = new Array<number>(dims).fill(0);
    const add = (feature: string, weight: number) => {
      const h = createHash('sha256').update(feature).digest();
      const bucket = h.readUInt32LE(0) % dims;
      v[bucket] = (v[bucket] ?? 0) + ((h[4]! & 1) === 0 ? weight : -weight);
    };
    words.forEach((w, i) => {
      add(`u:${w}`, 1);
      if (i > 0) add(`b:${words[i - 1]} ${w}`, 0.5);
    });
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
    return v.map((x) => x / norm);
  };
  return {
    model: `local:hash-${dims}`,
    async embed(texts) {
      return texts.map(featureVector);
    },
  };
}

/** An OpenAI-compatible `POST {baseUrl}/embeddings` client. */
export function openAIEmbedder(options: { baseUrl: string; model: string; apiKey?: string; label?: string; timeoutMs?: number }): Embedder {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/embeddings`;
  return {
    model: options.label ?? `openai:${options.model}`,
    async embed(texts, { signal } = {}) {
      if (texts.length === 0) return [];
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 60_000);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}) },
        body: JSON.stringify({ model: options.model, input: texts }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      }).catch((cause: unknown) => {
        throw new TenetError('PROVIDER', `embeddings endpoint ${url} could not be reached: ${String((cause as Error)?.message ?? cause)}`, {
          cause,
          hint: 'check the base URL of --embeddings, or use --embeddings local to work offline',
        });
      });
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        throw new TenetError(res.status === 401 || res.status === 403 ? 'PROVIDER_AUTH' : 'PROVIDER', `embeddings endpoint ${url} answered ${res.status}: ${body.slice(0, 200)}`, {
          hint: 'check the model name and the API key of --embeddings, or use --embeddings local',
          details: { status: res.status },
        });
      }
      const json = (await res.json()) as { data?: { index?: number; embedding?: unknown }[] };
      const data = [...(json.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== texts.length || !data.every((d) => Array.isArray(d.embedding))) {
        throw new TenetError('MALFORMED_RESPONSE', `embeddings endpoint ${url} returned ${data.length} float vectors for ${texts.length} inputs`);
      }
      return data.map((d) => (d.embedding as unknown[]).map(Number));
    },
  };
}

/**
 * An embedder from a spec: `local` or `local:DIMS` (offline), or a model spec whose provider speaks the
 * OpenAI API (`openai:text-embedding-3-small`, `openai-compatible:MODEL@http://host/v1`, `ollama:nomic-embed-text`
 * via Ollama's /v1). Base URL and key come from the configuration like any model's.
 */
export function createEmbedder(spec: string, context: { config?: TenetConfig; env?: Record<string, string | undefined>; baseUrl?: string } = {}): Embedder {
  const s = spec.trim();
  if (s === 'local' || s.startsWith('local:')) {
    const dims = s === 'local' ? 256 : Number(s.slice('local:'.length).replace(/^hash-/, ''));
    if (!Number.isInteger(dims) || dims < 8 || dims > 8192) throw new TenetError('BAD_USAGE', `--embeddings ${spec}: use local or local:DIMS (8–8192)`);
    return localEmbedder(dims);
  }
  const r = resolveSpec(s, { ...context });
  if (r.kind === 'openai' && r.baseUrl) return openAIEmbedder({ baseUrl: r.baseUrl, model: r.model, ...(r.apiKey ? { apiKey: r.apiKey } : {}), label: r.spec });
  if (r.kind === 'ollama' && r.baseUrl) return openAIEmbedder({ baseUrl: `${r.baseUrl}/v1`, model: r.model, label: r.spec });
  throw new TenetError('BAD_USAGE', `--embeddings ${spec}: embeddings need an OpenAI-compatible endpoint (openai:, openai-compatible:, ollama:) or local`);
}

export interface Candidate {
  id: string;
  card: ValuesCard;
  similarity: number;
}

/** The `top` most similar vectors with similarity ≥ `minSimilarity`, best first (ties by id). */
export function nearest(
  vector: readonly number[],
  pool: readonly { id: string; card: ValuesCard; embedding: readonly number[] | null }[],
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
