import type { TenetConfig } from '../../src/config.ts';
import { createModel } from '../../src/models/spec.ts';
import type { CacheBackend } from '../../src/models/cache.ts';
import type { Provider, ProviderKind } from '../../src/models/types.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';

export const KINDS = ['openai', 'anthropic', 'ollama'] as const satisfies readonly ProviderKind[];

/** The base URL each API is served under on the loopback server. */
export function baseUrlFor(kind: (typeof KINDS)[number], server: LoopbackServer): string {
  return kind === 'openai' ? `${server.url}/v1` : server.url;
}

/** A provider pointed at the loopback server, with fast retries for tests. */
export function loopbackModel(
  kind: (typeof KINDS)[number],
  server: LoopbackServer,
  options: { timeoutMs?: number; maxRetries?: number; concurrency?: number; rpm?: number; cache?: CacheBackend; model?: string } = {},
): Provider {
  const config: TenetConfig = {
    retry: { baseDelayMs: 5, maxDelayMs: 20 },
    providers: {
      [kind]: {
        timeoutMs: options.timeoutMs ?? 5_000,
        maxRetries: options.maxRetries ?? 3,
        concurrency: options.concurrency ?? 16,
        ...(options.rpm ? { rpm: options.rpm } : {}),
      },
    },
  };
  return createModel(`${kind}:${options.model ?? 'test-model'}`, {
    config,
    baseUrl: baseUrlFor(kind, server),
    env: {},
    ...(options.cache ? { cache: options.cache } : {}),
  });
}

export const user = (content: string) => [{ role: 'user' as const, content }];
