import { TenetError } from '../errors.ts';
import { cacheKey, type CacheBackend, type CachedSample } from './cache.ts';
import { abortError, type Limiter } from './limits.ts';
import { costOf, type Price } from './pricing.ts';
import { withRetry, type RetryPolicy } from './retry.ts';
import type {
  ChatOptions, ChatRequest, ChatResponse, Provider, Sample, ScoreRequest, ScoreResult, ScoringSupport, Transport, TransportRequest, TransportResult, Usage, UsageTotals,
} from './types.ts';

export interface ProviderSettings {
  spec: string;
  transport: Transport;
  limiter: Limiter;
  retry: RetryPolicy;
  /** Per-attempt timeout. */
  timeoutMs: number;
  price: Price | null;
  /** The response cache; absent means no caching. */
  cache?: CacheBackend;
}

/** Rough token count for rate budgeting before the API reports the real one. */
function estimateTokens(request: ChatRequest, n: number): number {
  const chars = request.messages.reduce((sum, m) => sum + m.content.length, 0);
  return Math.ceil(chars / 4) + n * (request.maxTokens ?? 256);
}

function validate(request: ChatRequest, transport: Transport, spec: string): void {
  if (!Array.isArray(request.messages) || request.messages.length === 0) {
    throw new TenetError('BAD_INPUT', 'a chat request needs at least one message');
  }
  const n = request.n ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new TenetError('BAD_INPUT', `n must be a positive integer, got ${request.n}`);
  if ((request.logprobs || request.topLogprobs) && !transport.capabilities.logprobs) {
    throw new TenetError('BAD_USAGE', `${spec} does not return token log-probabilities`, {
      hint: 'use an OpenAI-compatible (vLLM, llama.cpp server) or Ollama model for log-probability work',
    });
  }
}

/**
 * A Provider: a transport behind the response cache, the endpoint's limits, retries with backoff,
 * a per-attempt timeout, cancellation, and token and cost accounting.
 */
export function createProvider(settings: ProviderSettings): Provider {
  const { transport, limiter, retry, timeoutMs, price, cache, spec } = settings;
  const totals: UsageTotals = {
    calls: 0, samples: 0, cachedSamples: 0, retries: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedCalls: 0,
  };

  /** One API call (retried) drawing `n` samples. */
  async function call(request: TransportRequest, signal: AbortSignal, onDelta?: (choice: number, delta: string) => void): Promise<TransportResult> {
    return attempt(estimateTokens(request, request.n), signal, async (attemptSignal) => {
      const result = await transport.send(request, { signal: attemptSignal, ...(onDelta ? { onDelta } : {}) });
      if (result.samples.length !== request.n) {
        throw new TenetError('MALFORMED_RESPONSE', `${spec} returned ${result.samples.length} samples, ${request.n} were asked for`, {
          details: { retryable: false },
        });
      }
      return { result, tokens: result.usage.inputTokens + result.usage.outputTokens };
    });
  }

  /** One transport operation under the endpoint's limits, a per-attempt timeout, cancellation and retries. */
  async function attempt<T>(estimate: number, signal: AbortSignal, operation: (signal: AbortSignal) => Promise<{ result: T; tokens: number }>): Promise<T> {
    return withRetry(async () => {
      // One controller per attempt, aborted by the caller's signal or by the timeout (cheaper than AbortSignal.any).
      const controller = new AbortController();
      let timedOut = false;
      const onAbort = (): void => controller.abort(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        const { result, tokens } = await limiter.run(estimate, signal, () => {
          const timer = setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs);
          return operation(controller.signal).finally(() => clearTimeout(timer));
        });
        // a transport that returned what it had when the timeout cut its stream must not pass for a whole reply
        if (timedOut) throw controller.signal.reason;
        limiter.settle(estimate, tokens);
        return result;
      } catch (error) {
        if (signal.aborted) throw abortError(signal);
        if (timedOut) {
          throw new TenetError('TIMEOUT', `${spec} did not answer within ${timeoutMs} ms`, {
            hint: 'raise timeoutMs for this provider in tenet.config.yaml, or check that the server is not overloaded',
            details: { retryable: true },
          });
        }
        throw error;
      } finally {
        signal.removeEventListener('abort', onAbort);
      }
    }, retry, signal, () => {
      totals.retries++;
    });
  }

  async function chat(request: ChatRequest, options: ChatOptions = {}): Promise<ChatResponse> {
    validate(request, transport, spec);
    const signal = options.signal ?? new AbortController().signal;
    if (signal.aborted) throw abortError(signal);
    const started = performance.now();
    const n = request.n ?? 1;
    const first = request.firstSample ?? 0;
    const indices = Array.from({ length: n }, (_, i) => first + i);
    const useCache = cache !== undefined && !options.noCache;
    const keys = useCache ? indices.map((i) => cacheKey(transport.kind, transport.baseUrl, transport.model, request, i)) : [];
    const hits = useCache ? await cache.getMany(keys) : new Map<string, CachedSample>();
    const missing = useCache ? indices.filter((_, k) => !hits.has(keys[k]!)) : indices;

    const fresh = new Map<number, Omit<Sample, 'index' | 'cached'>>();
    const usage: Usage = { inputTokens: 0, outputTokens: 0 };
    let model = transport.model;
    const record = (result: TransportResult, at: number[]): void => {
      result.samples.forEach((s, k) => fresh.set(at[k]!, s));
      usage.inputTokens += result.usage.inputTokens;
      usage.outputTokens += result.usage.outputTokens;
      model = result.model;
      totals.calls++;
    };
    const delta = (at: number[]) => options.onDelta && ((choice: number, text: string) => options.onDelta!(at[choice]!, text));

    if (missing.length > 0) {
      const base = { ...request, firstSample: undefined };
      if (transport.capabilities.nativeN || missing.length === 1) {
        record(await call({ ...base, n: missing.length }, signal, delta(missing)), missing);
      } else {
        // The API draws one sample per call: fan out, giving each its own seed so samples differ.
        const results = await Promise.all(missing.map((index) =>
          call({ ...base, n: 1, ...(request.seed !== undefined ? { seed: request.seed + index } : {}) }, signal, delta([index]))));
        results.forEach((result, k) => record(result, [missing[k]!]));
      }
    }

    const samples: Sample[] = indices.map((index, k) => {
      const hit = useCache ? hits.get(keys[k]!) : undefined;
      if (hit) {
        const { model: _model, ...rest } = hit;
        return { index, ...rest, cached: true };
      }
      return { index, ...fresh.get(index)!, cached: false };
    });

    if (useCache && fresh.size > 0) {
      await cache.putMany(indices.flatMap((index, k) => {
        const sample = fresh.get(index);
        return sample ? [{
          key: keys[k]!, provider: transport.kind, baseUrl: transport.baseUrl, model: transport.model, sampleIndex: index,
          response: { ...sample, model },
        }] : [];
      }));
    }

    const costUsd = costOf(usage, price);
    totals.samples += n;
    totals.cachedSamples += n - missing.length;
    totals.inputTokens += usage.inputTokens;
    totals.outputTokens += usage.outputTokens;
    if (costUsd === null) totals.unpricedCalls += missing.length > 0 ? 1 : 0;
    else totals.costUsd += costUsd;

    return {
      text: samples[0]!.text,
      ...(samples[0]!.logprobs ? { logprobs: samples[0]!.logprobs } : {}),
      samples,
      usage,
      costUsd: missing.length === 0 ? 0 : costUsd,
      model: missing.length === 0 ? (hits.get(keys[0]!)?.model ?? model) : model,
      latencyMs: Math.round(performance.now() - started),
      cached: missing.length === 0,
    };
  }

  async function score(request: ScoreRequest, options: { signal?: AbortSignal } = {}): Promise<ScoreResult> {
    const mode = request.messages ? 'messages' : 'prompt';
    if ((request.messages === undefined) === (request.prompt === undefined)) {
      throw new TenetError('BAD_INPUT', 'score needs exactly one of prompt (raw text) and messages (chat turns)');
    }
    if (!transport.score || !transport.capabilities.score.includes(mode)) {
      throw new TenetError('BAD_USAGE', `${spec} cannot score a continuation given ${mode === 'messages' ? 'chat messages' : 'a raw prompt'}`, {
        hint: transport.capabilities.score.length
          ? `give ${transport.capabilities.score.join(' or ')} instead`
          : 'teacher-forced scoring needs a llamacpp: model or an OpenAI-compatible completions endpoint that echoes prompt log-probabilities (vLLM, llama-server)',
      });
    }
    const signal = options.signal ?? new AbortController().signal;
    const estimate = Math.ceil(((request.prompt ?? '').length + (request.messages ?? []).reduce((n, m) => n + m.content.length, 0) + request.continuation.length) / 4);
    const { inputTokens, ...result } = await attempt(estimate, signal, async (attemptSignal) => {
      const scored = await transport.score!(request, { signal: attemptSignal });
      return { result: scored, tokens: scored.inputTokens };
    });
    totals.calls++;
    totals.inputTokens += inputTokens;
    return result;
  }

  async function scoringSupport(): Promise<ScoringSupport> {
    if (!transport.score || transport.capabilities.score.length === 0) {
      return { available: false, reason: `${spec} offers no teacher-forced scoring` };
    }
    return { available: true, modes: transport.capabilities.score };
  }

  return {
    spec,
    kind: transport.kind,
    model: transport.model,
    baseUrl: transport.baseUrl,
    capabilities: transport.capabilities,
    chat,
    score,
    scoringSupport,
    totals: () => ({ ...totals }),
  };
}
