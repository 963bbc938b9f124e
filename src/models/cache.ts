import { stableId } from '../store/ids.ts';
import type { ChatMessage, ProviderKind, Sample, TransportRequest } from './types.ts';

/** What the cache keeps of one sample. */
export type CachedSample = Omit<Sample, 'index' | 'cached'> & { model: string };

export interface CacheEntryInput {
  key: string;
  provider: ProviderKind;
  baseUrl: string | undefined;
  model: string;
  sampleIndex: number;
  response: CachedSample;
}

/** The part of the store the response cache needs. */
export interface CacheBackend {
  getMany(keys: string[]): Promise<Map<string, CachedSample>>;
  putMany(entries: CacheEntryInput[]): Promise<void>;
}

/**
 * The cache key of one sample: provider, base URL, model, messages, every sampling parameter and the
 * sample index. Two samples of one prompt never share a key.
 */
export function cacheKey(
  provider: ProviderKind,
  baseUrl: string | undefined,
  model: string,
  request: Omit<TransportRequest, 'n' | 'firstSample'> & { messages: ChatMessage[] },
  sampleIndex: number,
): string {
  return stableId('chat/v1', provider, baseUrl ?? null, model, request.messages, {
    temperature: request.temperature,
    topP: request.topP,
    maxTokens: request.maxTokens,
    seed: request.seed,
    stop: request.stop,
    logprobs: request.logprobs || Boolean(request.topLogprobs),
    topLogprobs: request.topLogprobs,
    jsonSchema: request.jsonSchema,
    tools: request.tools,
    toolChoice: request.toolChoice,
  }, sampleIndex);
}
