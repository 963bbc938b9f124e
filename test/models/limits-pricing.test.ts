import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { createLimiter, withCallPriority } from '../../src/models/limits.ts';
import { costOf, priceFor } from '../../src/models/pricing.ts';
import { backoffMs, DEFAULT_RETRY } from '../../src/models/retry.ts';
import { createModel, resolveSpec } from '../../src/models/spec.ts';

const never = new AbortController().signal;

describe('rate limits', () => {
  it('holds requests past the per-minute budget until it refills', async () => {
    const limiter = createLimiter({ concurrency: 100, rpm: 60 }); // one request a second once the minute's 60 are used
    const started = Date.now();
    const done: number[] = [];
    await Promise.all(Array.from({ length: 62 }, () => limiter.run(1, never, async () => done.push(Date.now() - started))));
    done.sort((a, b) => a - b);
    expect(done[59]!).toBeLessThan(500);
    expect(done[60]!).toBeGreaterThanOrEqual(900);
    expect(done[61]!).toBeGreaterThanOrEqual(1800);
  });

  it('holds requests past the tokens-per-minute budget, and settles estimates against real usage', async () => {
    const limiter = createLimiter({ concurrency: 10, tpm: 6000 }); // 100 tokens a second
    const started = Date.now();
    await limiter.run(5000, never, async () => undefined);
    limiter.settle(5000, 5900); // the call really used 5,900 tokens: 100 left
    await limiter.run(100, never, async () => undefined);
    expect(Date.now() - started).toBeLessThan(300);
    await limiter.run(200, never, async () => undefined); // needs ~2 s of refill
    expect(Date.now() - started).toBeGreaterThanOrEqual(1800);
  });

  it('lets a waiting request be cancelled', async () => {
    const limiter = createLimiter({ concurrency: 1 });
    let release!: () => void;
    const first = limiter.run(1, never, () => new Promise<void>((r) => (release = r)));
    const controller = new AbortController();
    const second = limiter.run(1, controller.signal, async () => 'ran');
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' });
    release();
    await first;
  });

  it('serves waiting calls by priority, then in arrival order', async () => {
    const limiter = createLimiter({ concurrency: 1 });
    const order: string[] = [];
    let open!: () => void;
    const holding = new Promise<void>((held) => {
      void limiter.run(1, never, () => new Promise<void>((resolve) => {
        open = resolve; // the one slot, held until open()
        held();
      }));
    });
    await holding;
    const call = (name: string, priority?: number): Promise<void> => {
      const run = (): Promise<void> => limiter.run(1, never, async () => void order.push(name));
      return priority === undefined ? run() : withCallPriority(priority, run);
    };
    const waiting = [call('a'), call('b', 1), call('c'), call('d', 1), call('e', 2)];
    open();
    await Promise.all(waiting);
    expect(order).toEqual(['e', 'b', 'd', 'a', 'c']);
  });

  it('rejects a bad concurrency setting', () => {
    expect(() => createLimiter({ concurrency: 0 })).toThrow(TenetError);
  });
});

describe('backoff', () => {
  it('uses Retry-After when given, else full jitter under a doubling ceiling', () => {
    expect(backoffMs(3, DEFAULT_RETRY, 1500)).toBe(1500);
    expect(backoffMs(0, DEFAULT_RETRY, undefined, () => 0.999)).toBeLessThanOrEqual(DEFAULT_RETRY.baseDelayMs);
    expect(backoffMs(2, DEFAULT_RETRY, undefined, () => 1)).toBe(DEFAULT_RETRY.baseDelayMs * 4);
    expect(backoffMs(30, DEFAULT_RETRY, undefined, () => 1)).toBe(DEFAULT_RETRY.maxDelayMs);
  });
});

describe('prices', () => {
  it('prices known models by the longest matching prefix, local models at zero, unknown ones as null', () => {
    expect(priceFor('openai', 'gpt-4o-mini-2024-07-18', 'https://api.openai.com/v1')).toEqual({ input: 0.15, output: 0.6 });
    expect(priceFor('openai', 'gpt-4o', 'https://api.openai.com/v1')).toEqual({ input: 2.5, output: 10 });
    expect(priceFor('ollama', 'llama3.1:8b', 'http://127.0.0.1:11434')).toEqual({ input: 0, output: 0 });
    expect(priceFor('openai', 'gpt-4o-mini', 'http://localhost:8000/v1')).toBeNull(); // a self-hosted server is not OpenAI's price list
    expect(priceFor('openai', 'my-model', 'http://localhost:8000/v1', { 'openai:my-model': { input: 1, output: 2 } })).toEqual({ input: 1, output: 2 });
    expect(costOf({ inputTokens: 1_000_000, outputTokens: 500_000 }, { input: 0.15, output: 0.6 })).toBeCloseTo(0.45);
    expect(costOf({ inputTokens: 10, outputTokens: 10 }, null)).toBeNull();
  });
});

describe('model specs', () => {
  it('resolves every spec form, with base URLs from the right source', () => {
    expect(resolveSpec('ollama:llama3.1:8b', { env: {} })).toMatchObject({ kind: 'ollama', model: 'llama3.1:8b', baseUrl: 'http://127.0.0.1:11434' });
    expect(resolveSpec('ollama:qwen', { env: { OLLAMA_HOST: 'gpu:11434' } }).baseUrl).toBe('http://gpu:11434');
    expect(resolveSpec('openai:gpt-4o-mini', { env: { OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'http://x/v1' } }).baseUrl).toBe('http://x/v1');
    expect(resolveSpec('openai-compatible:Qwen@http://h:8000/v1/', { env: {} })).toMatchObject({ kind: 'openai', model: 'Qwen', baseUrl: 'http://h:8000/v1' });
    const config = { endpoints: { vllm: { provider: 'openai' as const, baseUrl: 'http://v/v1', model: 'm', concurrency: 32 } } };
    expect(resolveSpec('vllm', { config, env: {} })).toMatchObject({ model: 'm', baseUrl: 'http://v/v1', limits: { concurrency: 32 } });
    expect(resolveSpec('vllm:other', { config, env: {} }).model).toBe('other');
    expect(() => resolveSpec('anthropic:claude-3-5-haiku-latest', { env: {} })).toThrow(/ANTHROPIC_API_KEY/);
    expect(() => resolveSpec('mystery:model', { env: {} })).toThrow(/neither a provider nor a configured endpoint/);
  });
});

describe('local GGUF models', () => {
  it('says clearly when the file is missing', async () => {
    const model = createModel('llamacpp:/no/such/model.gguf', { env: {} });
    await expect(model.chat({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(/GGUF model file not found/) });
  });

  it('says clearly when the file is not GGUF, and when it cannot be loaded (or node-llama-cpp is missing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenet-gguf-'));
    writeFileSync(join(dir, 'notes.gguf'), 'plain text');
    await expect(createModel(`llamacpp:${join(dir, 'notes.gguf')}`, { env: {} }).chat({ messages: [{ role: 'user', content: 'hi' }] }))
      .rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not a GGUF file/) });
    const file = join(dir, 'tiny.gguf');
    writeFileSync(file, 'GGUF');
    const error = await createModel(`llamacpp:${file}`, { env: {} }).chat({ messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e as TenetError);
    // node-llama-cpp is an optional install (npm run fetch-models): without it the error says how to get it
    if (existsSync(new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url))) {
      expect(error).toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/could not load/) });
    } else {
      expect(error).toMatchObject({ code: 'MISSING_DEPENDENCY', hint: expect.stringMatching(/npm install node-llama-cpp@3\.21\.1/) });
    }
  });
});
