/**
 * The model-response cache as the Provider layer sees it: `getMany` returns the stored responses by key,
 * `putMany` stores new ones (keys already present are left alone). Structurally the `CacheBackend` of
 * src/models/cache.ts, without importing it (store/ imports nothing of tenet but errors.ts).
 */
import type { Store } from './types.ts';

export interface ResponseCacheEntry<R> {
  key: string;
  provider: string;
  baseUrl?: string | null | undefined;
  model: string;
  sampleIndex: number;
  response: R;
}

export interface ResponseCache<R> {
  getMany(keys: string[]): Promise<Map<string, R>>;
  putMany(entries: ResponseCacheEntry<R>[]): Promise<void>;
}

/**
 * A response cache backed by the store's `cache` table. `R` is the response type the caller stores; it is
 * JSON-serialised on write and returned parsed (no validation: the caller owns the shape and its key).
 */
export function storeCache<R = unknown>(store: Pick<Store, 'cache'>): ResponseCache<R> {
  return {
    async getMany(keys) {
      const found = await store.cache.getMany(keys);
      const out = new Map<string, R>();
      for (const [key, entry] of found) out.set(key, entry.response as R);
      return out;
    },
    async putMany(entries) {
      await store.cache.putMany(
        entries.map((e) => ({
          key: e.key,
          provider: e.provider,
          baseUrl: e.baseUrl ?? null,
          model: e.model,
          sampleIndex: e.sampleIndex,
          response: e.response,
        })),
      );
    },
  };
}
