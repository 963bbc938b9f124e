import { TenetError } from '../errors.ts';
import { isRetryable, retryAfterOf } from './http.ts';
import { sleep } from './limits.ts';

export interface RetryPolicy {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff ceiling; doubles each retry (full jitter). */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the call fails and says so. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 5, baseDelayMs: 500, maxDelayMs: 30_000, maxRetryAfterMs: 120_000 };

/** The wait before retry number `attempt` (0-based): Retry-After when the server gave one, else full jitter. */
export function backoffMs(attempt: number, policy: RetryPolicy, retryAfterMs: number | undefined, random = Math.random): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return Math.round(random() * ceiling);
}

/**
 * Call `fn` until it succeeds, a non-retryable error occurs, or the retries run out.
 * Retried: 429, 5xx, connection errors, timeouts and malformed bodies. Never retried: cancellation.
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  signal: AbortSignal,
  onRetry?: (error: unknown, waitMs: number) => void,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      const retryAfter = retryAfterOf(error);
      if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
        throw new TenetError((error as TenetError).code, `${(error as TenetError).message} (the server asked to wait ${Math.round(retryAfter / 1000)} s, more than the ${Math.round(policy.maxRetryAfterMs / 1000)} s allowed)`, {
          hint: 'try again later, or raise retry.maxRetryAfterMs in tenet.config.yaml',
          cause: error,
          details: (error as TenetError).details ?? {},
        });
      }
      if (attempt >= policy.maxRetries) {
        const e = error as TenetError;
        throw new TenetError(e.code, `${e.message} (gave up after ${attempt + 1} attempts)`, {
          ...(e.hint ? { hint: e.hint } : {}),
          cause: error,
          details: { ...e.details, attempts: attempt + 1 },
        });
      }
      const wait = backoffMs(attempt, policy, retryAfter);
      onRetry?.(error, wait);
      await sleep(wait, signal);
    }
  }
}
