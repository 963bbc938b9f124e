import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CachedSample } from '../../src/models/cache.ts';
import { openStore, storeCache, type Store } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel, user } from './helpers.ts';

let server: LoopbackServer;
let store: Store;
let counter = 0;

beforeAll(async () => {
  server = await startLoopbackServer(() => `answer ${counter++}`);
  store = await openStore(':memory:');
});
afterAll(async () => {
  await server.close();
  await store.close();
});

const cached = () => loopbackModel('openai', server, { cache: storeCache<CachedSample>(store), maxRetries: 0 });

describe('response cache', () => {
  it('misses, then hits without calling the model', async () => {
    const before = server.requests.length;
    const first = await cached().chat({ messages: user('cache me'), temperature: 0 });
    const second = await cached().chat({ messages: user('cache me'), temperature: 0 });
    expect(first.cached).toBe(false);
    expect(second.cached).toBe(true);
    expect(second.text).toBe(first.text);
    expect(second.usage).toEqual({ inputTokens: 0, outputTokens: 0 });
    expect(second.costUsd).toBe(0);
    expect(server.requests.length - before).toBe(1);
  });

  it('bypasses the cache with noCache (the CLI --no-cache)', async () => {
    await cached().chat({ messages: user('fresh please') });
    const before = server.requests.length;
    const again = await cached().chat({ messages: user('fresh please') }, { noCache: true });
    expect(again.cached).toBe(false);
    expect(server.requests.length - before).toBe(1);
  });

  it('keys on sampling parameters: another temperature is another answer', async () => {
    await cached().chat({ messages: user('params'), temperature: 0 });
    const before = server.requests.length;
    const hot = await cached().chat({ messages: user('params'), temperature: 1 });
    expect(hot.cached).toBe(false);
    expect(server.requests.length - before).toBe(1);
  });

  it('keeps K samples distinct and draws only the missing ones', async () => {
    const two = await cached().chat({ messages: user('k samples'), n: 2, temperature: 1 });
    expect(new Set(two.samples.map((s) => s.text)).size).toBe(2);
    const before = server.requests.length;
    const four = await cached().chat({ messages: user('k samples'), n: 4, temperature: 1 });
    expect(four.samples.map((s) => s.index)).toEqual([0, 1, 2, 3]);
    expect(four.samples.map((s) => s.cached)).toEqual([true, true, false, false]);
    expect(four.samples.slice(0, 2).map((s) => s.text)).toEqual(two.samples.map((s) => s.text));
    expect(new Set(four.samples.map((s) => s.text)).size).toBe(4);
    expect(server.requests.length - before).toBe(1);
    expect(server.requests.at(-1)!.body.n).toBe(2);
    // a later sample range continues the numbering
    const next = await cached().chat({ messages: user('k samples'), n: 2, firstSample: 2, temperature: 1 });
    expect(next.cached).toBe(true);
    expect(next.samples.map((s) => s.text)).toEqual(four.samples.slice(2).map((s) => s.text));
  });

  it('never caches errors', async () => {
    server.setScript(() => ({ fault: 'server_error' }));
    await expect(cached().chat({ messages: user('flaky') })).rejects.toMatchObject({ code: 'PROVIDER' });
    server.setScript(() => 'fine now');
    const before = server.requests.length;
    const ok = await cached().chat({ messages: user('flaky') });
    expect(ok.cached).toBe(false);
    expect(ok.text).toBe('fine now');
    expect(server.requests.length - before).toBe(1);
  });

  it('counts entries and hits per model in stats, and clears by model', async () => {
    const stats = await store.cache.stats();
    expect(stats.entries).toBeGreaterThan(0);
    expect(stats.byModel.find((m) => m.provider === 'openai' && m.model === 'test-model')?.hits).toBeGreaterThan(0);
    expect(await store.cache.clear({ provider: 'openai', model: 'other' })).toBe(0);
    expect(await store.cache.clear({ provider: 'openai' })).toBe(stats.entries);
    expect((await store.cache.stats()).entries).toBe(0);
  });
});
