import { createHash } from 'node:crypto';
import type { TenetConfig } from '../config.ts';
import { TenetError } from '../errors.ts';
import { defaultThreads, loadLlamaModel, type LlamaSettings } from './llama-runtime.ts';
import { localModelPath } from './local-files.ts';
import { endpointUrl } from './http.ts';
import { resolveSpec } from './spec.ts';

/**
 * The Encoder contract: texts in, one L2-normalised vector per text out (so a dot product is the cosine).
 * Used wherever tenet embeds text (the elicitation's card deduplication, the offline judge's features).
 */
export interface Encoder {
  /** The spec the vectors came from (`local-encoder:all-minilm-l6-v2`, `openai:text-embedding-3-small`, `hashed:256`); stored beside every vector. */
  readonly model: string;
  embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}

/** The encoder `scripts/fetch-models` prepares, used when no other is named. */
export const DEFAULT_ENCODER = 'local-encoder:all-minilm-l6-v2';

function normalise(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/**
 * A pretrained sentence encoder in a local GGUF file (BERT-family, e.g. all-MiniLM-L6-v2 as converted by
 * scripts/fetch-models), run by llama.cpp with the pooling the file declares. Texts longer than the model's
 * context are cut to it. Texts are embedded one after another on one embedding context.
 */
export function localEncoder(path: string, settings: LlamaSettings & { label?: string } = {}): Encoder {
  let context: Promise<{ model: any; size: number; context: any }> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
  const open = () => (context ??= (async () => {
    const { model } = await loadLlamaModel(path, settings.gpu);
    const size = Math.min(settings.contextSize ?? 512, model.trainContextSize ?? 512);
    return { model, size, context: await model.createEmbeddingContext({ threads: settings.threads ?? defaultThreads(), contextSize: size }) };
  })().catch((error: unknown) => {
    context = undefined;
    throw error;
  }));
  let queue: Promise<unknown> = Promise.resolve();
  return {
    model: settings.label ?? `local-encoder:${path}`,
    async embed(texts, { signal } = {}) {
      const { model, size, context: embedding } = await open();
      const limit = size - 3; // room for the [CLS]/[SEP]-style tokens node-llama-cpp adds (it rejects inputs of contextSize tokens or more)
      const run = queue.then(async () => {
        const vectors: Float32Array[] = [];
        for (const text of texts) {
          if (signal?.aborted) throw signal.reason;
          const tokens: number[] = model.tokenize(text);
          const { vector } = await embedding.getEmbeddingFor(tokens.length > limit ? tokens.slice(0, limit) : tokens);
          vectors.push(normalise(vector as number[]));
        }
        return vectors;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}

/**
 * Word unigrams and bigrams (stop words dropped, crude plural stripping) hashed into `dims` signed buckets.
 * Deterministic and instant, but it knows no synonyms: an explicit fallback (`hashed`), never a silent one.
 */
export function hashedEncoder(dims = 256): Encoder {
  const featureVector = (text: string): Float32Array => {
    const words = (text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [])
      .filter((w) => !STOPWORDS.has(w))
      .map((w) => (w.length > 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w));
    const v = new Float32Array(dims);
    const add = (feature: string, weight: number) => {
      const h = createHash('sha256').update(feature).digest();
      v[h.readUInt32LE(0) % dims]! += (h[4]! & 1) === 0 ? weight : -weight;
    };
    words.forEach((w, i) => {
      add(`u:${w}`, 1);
      if (i > 0) add(`b:${words[i - 1]} ${w}`, 0.5);
    });
    return normalise(v);
  };
  return {
    model: `hashed:${dims}`,
    async embed(texts) {
      return texts.map(featureVector);
    },
  };
}

const STOPWORDS = new Set('a an and are as at be by for from in into is it its of on or that the their them they this to when where with who whom'.split(' '));

/** An OpenAI-compatible `POST {baseUrl}/embeddings` client (OpenAI, vLLM, llama-server, Ollama's /v1, LM Studio). */
export function openAIEncoder(options: { baseUrl: string; model: string; apiKey?: string; label?: string; timeoutMs?: number }): Encoder {
  const url = endpointUrl(options.baseUrl, 'embeddings');
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
          hint: `check the base URL, or use the local encoder (${DEFAULT_ENCODER}, after npm run fetch-models)`,
        });
      });
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        throw new TenetError(res.status === 401 || res.status === 403 ? 'PROVIDER_AUTH' : 'PROVIDER', `embeddings endpoint ${url} answered ${res.status}: ${body.slice(0, 200)}`, {
          hint: 'check the embeddings model name and the API key',
          details: { status: res.status },
        });
      }
      const json = (await res.json()) as { data?: { index?: number; embedding?: unknown }[] };
      const data = [...(json.data ?? [])].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
      if (data.length !== texts.length || !data.every((d) => Array.isArray(d.embedding))) {
        throw new TenetError('MALFORMED_RESPONSE', `embeddings endpoint ${url} returned ${data.length} float vectors for ${texts.length} inputs`);
      }
      return data.map((d) => normalise((d.embedding as unknown[]).map(Number)));
    },
  };
}

/**
 * An encoder from a spec:
 * - `local-encoder:NAME` (a model fetched by scripts/fetch-models, e.g. all-minilm-l6-v2) or `local-encoder:PATH.gguf`;
 * - a model spec whose provider speaks the OpenAI API (`openai:text-embedding-3-small`,
 *   `openai-compatible:MODEL@http://host/v1`, `ollama:nomic-embed-text` through Ollama's /v1, a named endpoint);
 * - `hashed` or `hashed:DIMS`: the hashed-word fallback, offline and instant, with no notion of meaning.
 */
export function createEncoder(spec: string, context: { config?: TenetConfig; env?: Record<string, string | undefined>; baseUrl?: string } = {}): Encoder {
  const s = spec.trim();
  if (s === 'hashed' || s.startsWith('hashed:')) {
    const dims = s === 'hashed' ? 256 : Number(s.slice('hashed:'.length));
    if (!Number.isInteger(dims) || dims < 8 || dims > 8192) throw new TenetError('BAD_USAGE', `encoder ${spec}: use hashed or hashed:DIMS (8–8192)`);
    return hashedEncoder(dims);
  }
  if (s.startsWith('local-encoder:')) {
    const name = s.slice('local-encoder:'.length);
    if (!name) throw new TenetError('BAD_USAGE', `encoder ${spec}: name a fetched encoder (local-encoder:all-minilm-l6-v2) or a GGUF file (local-encoder:./encoder.gguf)`);
    const local = context.config?.providers?.llamacpp;
    return localEncoder(localModelPath(name, context.env), {
      label: s,
      ...(local?.threads ? { threads: local.threads } : {}),
      ...(local?.gpu !== undefined ? { gpu: local.gpu } : {}),
    });
  }
  const r = resolveSpec(s, { ...context });
  if (r.kind === 'openai' && r.baseUrl) return openAIEncoder({ baseUrl: r.baseUrl, model: r.model, ...(r.apiKey ? { apiKey: r.apiKey } : {}), label: r.spec });
  if (r.kind === 'ollama' && r.baseUrl) return openAIEncoder({ baseUrl: endpointUrl(r.baseUrl, 'v1'), model: r.model, label: r.spec });
  throw new TenetError('BAD_USAGE', `encoder ${spec}: use local-encoder:NAME|PATH, an OpenAI-compatible embeddings model (openai:, openai-compatible:, ollama:), or hashed`);
}
