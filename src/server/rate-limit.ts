/**
 * Token buckets per key (a participant id): `capacity` requests at once, refilled at `perMinute`. In
 * memory, so per server process; used on the endpoints that call a model.
 */
export interface RateLimitSettings {
  /** Burst size (default 6). */
  capacity: number;
  /** Tokens added per minute (default 20). */
  perMinute: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = Object.freeze({ capacity: 6, perMinute: 20 });

export interface RateLimiter {
  /** Takes a token: 0 when allowed, else the seconds to wait before the next one. */
  take(key: string): number;
}

export function createRateLimiter(settings: RateLimitSettings = DEFAULT_RATE_LIMIT, now: () => number = Date.now): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = settings.perMinute / 60_000;
  return {
    take(key) {
      const t = now();
      const b = buckets.get(key) ?? { tokens: settings.capacity, at: t };
      b.tokens = Math.min(settings.capacity, b.tokens + (t - b.at) * perMs);
      b.at = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        buckets.set(key, b);
        if (buckets.size > 100_000) buckets.clear(); // a bound, not an LRU: a reset only forgives
        return 0;
      }
      buckets.set(key, b);
      return Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000));
    },
  };
}
