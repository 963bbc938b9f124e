import { AsyncLocalStorage } from 'node:async_hooks';
import { TenetError } from '../errors.ts';

/** How hard one endpoint may be pushed. */
export interface LimitSettings {
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests per minute. */
  rpm?: number;
  /** Tokens (prompt + completion) per minute. */
  tpm?: number;
}

export interface Limiter {
  /** Run `fn` once a concurrency slot and the rate budget allow; `tokens` is the call's estimated size. */
  run<T>(tokens: number, signal: AbortSignal, fn: () => Promise<T>): Promise<T>;
  /** Correct the token budget once the real usage is known. */
  settle(estimated: number, actual: number): void;
}

export function abortError(signal: AbortSignal): TenetError {
  return new TenetError('ABORTED', 'the request was cancelled', { cause: signal.reason });
}

/** Sleep that wakes early (with ABORTED) when the signal fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const callPriority = new AsyncLocalStorage<number>();

/**
 * Run `fn` with its model calls served before lower-priority calls waiting for the same endpoint (default 0;
 * equal priorities in arrival order). For the critical path of work whose parts run at once.
 */
export function withCallPriority<T>(priority: number, fn: () => T): T {
  return callPriority.run(priority, fn);
}

/** A counting semaphore whose waiters can be cancelled, served by call priority, then in arrival order. */
function semaphore(size: number) {
  let free = size;
  const waiters: { resolve: () => void; reject: (e: unknown) => void; signal: AbortSignal; onAbort: () => void; priority: number }[] = [];
  return {
    async acquire(signal: AbortSignal): Promise<void> {
      if (signal.aborted) throw abortError(signal);
      if (free > 0) {
        free--;
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const waiter = {
          resolve,
          reject,
          signal,
          priority: callPriority.getStore() ?? 0,
          onAbort: () => {
            waiters.splice(waiters.indexOf(waiter), 1);
            reject(abortError(signal));
          },
        };
        waiters.push(waiter);
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      });
    },
    release(): void {
      let first = 0;
      for (let i = 1; i < waiters.length; i++) if (waiters[i]!.priority > waiters[first]!.priority) first = i;
      const [next] = waiters.splice(first, 1);
      if (next) {
        next.signal.removeEventListener('abort', next.onAbort);
        next.resolve();
      } else free++;
    },
  };
}

/** A token bucket refilled continuously at `perMinute`; it may go into debt for one oversized request. */
function bucket(perMinute: number) {
  const ratePerMs = perMinute / 60_000;
  let available = perMinute;
  let last = Date.now();
  let queue: Promise<void> = Promise.resolve();
  const refill = (): void => {
    const now = Date.now();
    available = Math.min(perMinute, available + (now - last) * ratePerMs);
    last = now;
  };
  return {
    take(amount: number, signal: AbortSignal): Promise<void> {
      const turn = queue.then(async () => {
        refill();
        const needed = Math.min(amount, perMinute);
        while (available < needed) {
          await sleep(Math.ceil((needed - available) / ratePerMs), signal);
          refill();
        }
        available -= amount;
      });
      queue = turn.catch(() => undefined);
      return turn;
    },
    adjust(delta: number): void {
      refill();
      available = Math.min(perMinute, available - delta);
    },
  };
}

export function createLimiter(settings: LimitSettings): Limiter {
  if (!Number.isInteger(settings.concurrency) || settings.concurrency < 1) {
    throw new TenetError('CONFIG', `concurrency must be a positive integer, got ${settings.concurrency}`);
  }
  const slots = semaphore(settings.concurrency);
  const requests = settings.rpm ? bucket(settings.rpm) : undefined;
  const tokens = settings.tpm ? bucket(settings.tpm) : undefined;
  return {
    async run(estimate, signal, fn) {
      await slots.acquire(signal);
      try {
        await requests?.take(1, signal);
        await tokens?.take(estimate, signal);
        return await fn();
      } finally {
        slots.release();
      }
    },
    settle(estimated, actual) {
      tokens?.adjust(actual - estimated);
    },
  };
}
