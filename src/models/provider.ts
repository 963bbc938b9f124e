import { TenetError } from '../errors.ts';
import {
  endpointCapabilities, nextJsonMode, refusesN, refusesResponseFormat, SCORING_PROBE, type EndpointCapabilities, type JsonMode, type ScoringVerdict,
} from './capabilities.ts';
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
  /** What the endpoint is known to support (learned and forced); absent: learned in this process only. */
  capabilities?: EndpointCapabilities;
}

/** A capability refusal is answered by stepping down at once, never retried as it is. */
function markRefusal(error: unknown, refused: 'n' | 'jsonSchema'): unknown {
  if (!(error instanceof TenetError)) return error;
  return new TenetError(error.code, error.message, {
    ...(error.hint ? { hint: error.hint } : {}),
    details: { ...error.details, retryable: false, refused },
  });
}

function refusalOf(error: unknown): 'n' | 'jsonSchema' | undefined {
  const refused = error instanceof TenetError ? error.details?.refused : undefined;
  return refused === 'n' || refused === 'jsonSchema' ? refused : undefined;
}

const estimateText = (text: string): number => Math.ceil(text.length / 4);

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
  const book = settings.capabilities ?? endpointCapabilities(transport);
  const totals: Required<UsageTotals> = {
    calls: 0, samples: 0, cachedSamples: 0, retries: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, unpricedCalls: 0, estimatedUsageCalls: 0,
  };

  /**
   * One API call (retried) drawing up to `n` samples (a server that ignores `n` returns fewer: the caller
   * draws the rest). A refusal of n > 1 or of the response format comes back marked, not retried.
   */
  async function call(request: TransportRequest, signal: AbortSignal, onDelta?: (choice: number, delta: string) => void): Promise<TransportResult> {
    return attempt(estimateTokens(request, request.n), signal, async (attemptSignal) => {
      let result: TransportResult;
      try {
        result = await transport.send(request, { signal: attemptSignal, ...(onDelta ? { onDelta } : {}) });
      } catch (error) {
        if (request.n > 1 && refusesN(error)) throw markRefusal(error, 'n');
        if ((request.jsonMode === 'native' || request.jsonMode === 'json_object') && refusesResponseFormat(error)) throw markRefusal(error, 'jsonSchema');
        throw error;
      }
      if (result.samples.length > request.n) {
        throw new TenetError('MALFORMED_RESPONSE', `${spec} returned ${result.samples.length} samples, ${request.n} were asked for`, {
          details: { retryable: false },
        });
      }
      if (result.usageMissing) {
        // the stream carried no usage (stream_options.include_usage ignored): estimate it, and say so
        const input = request.messages.reduce((sum, m) => sum + estimateText(m.content), 0);
        result = { ...result, usage: { inputTokens: input, outputTokens: result.samples.reduce((sum, x) => sum + estimateText(x.text), 0) } };
      }
      return { result, tokens: result.usage.inputTokens + result.usage.outputTokens };
    });
  }

  /** One call, stepping down the structured-output ladder (json_schema → json_object → instructions) on each refusal. */
  async function callStructured(request: TransportRequest, signal: AbortSignal, onDelta?: (choice: number, delta: string) => void): Promise<TransportResult> {
    let jsonMode: JsonMode | undefined = request.jsonMode;
    for (;;) {
      try {
        return await call({ ...request, ...(jsonMode ? { jsonMode } : {}) }, signal, onDelta);
      } catch (error) {
        if (refusalOf(error) !== 'jsonSchema' || !jsonMode || jsonMode === 'instructions') throw error;
        jsonMode = nextJsonMode(jsonMode);
        await book.learn({ jsonSchema: jsonMode });
      }
    }
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
    let usageEstimated = false;
    const record = (result: TransportResult, at: number[]): void => {
      result.samples.forEach((s, k) => fresh.set(at[k]!, s));
      usage.inputTokens += result.usage.inputTokens;
      usage.outputTokens += result.usage.outputTokens;
      model = result.model;
      totals.calls++;
      if (result.usageMissing) {
        usageEstimated = true;
        totals.estimatedUsageCalls++;
      }
    };
    const delta = (at: number[]) => options.onDelta && ((choice: number, text: string) => options.onDelta!(at[choice]!, text));

    if (missing.length > 0) {
      const known = await book.get();
      const jsonMode = request.jsonSchema && transport.capabilities.jsonSchema === 'native' ? (known.jsonSchema ?? 'native') : undefined;
      const base = { ...request, firstSample: undefined, ...(jsonMode ? { jsonMode } : {}) };
      let rest = missing;
      if (missing.length === 1 || (transport.capabilities.nativeN && known.nativeN !== false)) {
        try {
          const result = await callStructured({ ...base, n: missing.length }, signal, delta(missing));
          const got = result.samples.length;
          record(result, missing.slice(0, got));
          // a server that ignores n (llama-cpp-python) answers with fewer choices: draw the rest one by one
          if (got < missing.length) await book.learn({ nativeN: false });
          rest = missing.slice(got);
        } catch (error) {
          if (refusalOf(error) !== 'n') throw error;
          await book.learn({ nativeN: false });
        }
      }
      if (rest.length > 0) {
        // The API draws one sample per call: fan out, giving each its own seed so samples differ.
        const results = await Promise.all(rest.map((index) =>
          callStructured({ ...base, n: 1, ...(request.seed !== undefined ? { seed: request.seed + index } : {}) }, signal, delta([index]))));
        results.forEach((result, k) => record(result, [rest[k]!]));
      }
      if (usageEstimated && known.streamUsage !== false) await book.learn({ streamUsage: false });
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
      ...(usageEstimated ? { usageEstimated: true } : {}),
    };
  }

  /** One teacher-forced scoring call, under the endpoint's limits and retries. */
  async function scoreOnce(request: ScoreRequest, signal: AbortSignal): Promise<ScoreResult> {
    const estimate = Math.ceil(((request.prompt ?? '').length + (request.messages ?? []).reduce((n, m) => n + m.content.length, 0) + request.continuation.length) / 4);
    const { inputTokens, ...result } = await attempt(estimate, signal, async (attemptSignal) => {
      const scored = await transport.score!(request, { signal: attemptSignal });
      return { result: scored, tokens: scored.inputTokens };
    });
    totals.calls++;
    totals.inputTokens += inputTokens;
    return result;
  }

  /** Echo scoring over HTTP is checked before it is used; an in-process model (llamacpp) is trusted. */
  const echoScored = transport.kind !== 'llamacpp';

  /**
   * Whether the endpoint really scores: once per endpoint (remembered), the scoring sanity check. Throws
   * only what says nothing about the endpoint (a connection failure, a 5xx after the retries, cancellation).
   */
  async function checkScoring(signal: AbortSignal): Promise<ScoringSupport> {
    const modes = transport.capabilities.score;
    if (!transport.score || modes.length === 0) return { available: false, reason: `${spec} offers no teacher-forced scoring` };
    if (!echoScored) return { available: true, modes };
    const known = await book.get();
    let verdict: ScoringVerdict | undefined = known.score;
    if (!verdict) {
      try {
        const [likely, unlikely] = await Promise.all([SCORING_PROBE.likely, SCORING_PROBE.unlikely].map((continuation) =>
          scoreOnce({ prompt: SCORING_PROBE.prompt, continuation }, signal)));
        verdict = likely!.mean - unlikely!.mean >= SCORING_PROBE.marginNats
          ? { available: true }
          : {
            available: false,
            reason: `${spec} failed the scoring sanity check (${JSON.stringify(SCORING_PROBE.likely)} after ${JSON.stringify(SCORING_PROBE.prompt)} scored ${likely!.mean.toFixed(2)} nats/token, `
              + `${JSON.stringify(SCORING_PROBE.unlikely)} ${unlikely!.mean.toFixed(2)}): likely a server that misreports prompt log-probabilities (e.g. reads them one position late); use a llamacpp: model or vLLM as the reference`,
          };
      } catch (error) {
        if (signal.aborted) throw error;
        const status = error instanceof TenetError ? error.details?.status : undefined;
        if (status === 404 || status === 405) {
          verdict = { available: false, reason: `${spec} serves no /v1/completions (chat-only endpoint), so it cannot score a given continuation` };
        } else if (typeof status === 'number' && status >= 400 && status < 500 && status !== 408 && status !== 429 && status !== 401 && status !== 403) {
          verdict = { available: false, reason: `${spec} refused a /v1/completions echo request: ${(error as Error).message}` };
        } else if (error instanceof TenetError && error.code === 'MALFORMED_RESPONSE' && error.details?.retryable === false) {
          verdict = { available: false, reason: error.message };
        } else throw error;
      }
      await book.learn({ score: verdict });
    }
    return verdict.available ? { available: true, modes } : verdict;
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
    if (request.continuation === '') throw new TenetError('BAD_INPUT', 'score: the continuation is empty: there is nothing to score');
    if (echoScored && mode === 'prompt' && request.prompt === '') {
      throw new TenetError('BAD_INPUT', `score: ${spec} scores through an echo, which gives the first token of a text no log-probability: the prompt must not be empty`, {
        hint: 'give the text before the continuation as the prompt (--prompt), or use a llamacpp: model, which scores from the start of the text',
      });
    }
    const signal = options.signal ?? new AbortController().signal;
    const support = await checkScoring(signal);
    if (!support.available) {
      throw new TenetError('SCORING_UNAVAILABLE', support.reason, {
        hint: 'score with a llamacpp: model or vLLM; set capabilities.score: true for this endpoint in tenet.config.yaml only if you know it reports prompt log-probabilities correctly',
      });
    }
    return scoreOnce(request, signal);
  }

  async function scoringSupport(options: { signal?: AbortSignal } = {}): Promise<ScoringSupport> {
    const signal = options.signal ?? new AbortController().signal;
    try {
      return await checkScoring(signal);
    } catch (error) {
      if (signal.aborted) throw error;
      return { available: false, reason: `could not check whether ${spec} scores: ${(error as Error).message}` };
    }
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
