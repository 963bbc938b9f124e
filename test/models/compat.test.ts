/**
 * What tenet learns of an OpenAI-compatible server that departs from OpenAI's API (the loopback server's
 * compat modes stand for llama-cpp-python, llama.cpp's server, chat-only endpoints): n ignored or refused,
 * response_format refused or ignored, streams without usage, echo scoring one position late or absent;
 * capabilities forced in the configuration and remembered in a store; base URLs with a query string.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatError } from '../../src/cli/io.ts';
import { configSchema, loadConfig } from '../../src/config.ts';
import { forgetLearnedCapabilities, type CapabilityBackend } from '../../src/models/capabilities.ts';
import { endpointUrl } from '../../src/models/http.ts';
import { createModel } from '../../src/models/spec.ts';
import { generateObject } from '../../src/models/structured.ts';
import { startLoopbackServer, type CompatMode, type LoopbackServer } from '../support/loopback-server.ts';
import { rejected, thrown } from '../support/errors.ts';
import { user } from './helpers.ts';

const servers: LoopbackServer[] = [];
afterAll(async () => Promise.all(servers.map((s) => s.close())));

async function serve(compat: CompatMode | CompatMode[] | undefined, script = (i: number) => `answer ${i}`): Promise<LoopbackServer> {
  const server = await startLoopbackServer((req) => {
    if (req.jsonSchema !== undefined || req.messages.some((m) => m.content.includes('JSON schema'))) return JSON.stringify({ verdict: 'ok' });
    return script(req.choiceIndex);
  }, compat ? { compat } : {});
  servers.push(server);
  return server;
}

function model(server: LoopbackServer, extra: { capabilities?: Record<string, unknown>; store?: CapabilityBackend } = {}) {
  return createModel('compat', {
    config: {
      retry: { baseDelayMs: 5, maxDelayMs: 20 },
      endpoints: { compat: { provider: 'openai', model: 'm', baseUrl: `${server.url}/v1`, maxRetries: 3, ...(extra.capabilities ? { capabilities: extra.capabilities } : {}) } },
    },
    env: {},
    ...(extra.store ? { capabilityStore: extra.store } : {}),
  });
}

function memoryStore(): CapabilityBackend & { rows: Map<string, unknown> } {
  const rows = new Map<string, unknown>();
  return {
    rows,
    async getMany(keys) {
      return new Map(keys.filter((k) => rows.has(k)).map((k) => [k, rows.get(k)]));
    },
    async putMany(entries) {
      for (const e of entries) if (!rows.has(e.key)) rows.set(e.key, JSON.parse(JSON.stringify(e.response)));
    },
  };
}

const chatCalls = (server: LoopbackServer) => server.requests.filter((r) => r.path === '/v1/chat/completions');

describe('n samples from a server that does not draw n in one call', () => {
  it('ignores n: the short answer is kept, the rest drawn one call each, and remembered', async () => {
    const server = await serve('ignores-n');
    const m = model(server);
    const first = await m.chat({ messages: user('hi'), n: 3, seed: 1 });
    expect(first.samples.map((s) => s.text)).toHaveLength(3);
    expect(chatCalls(server).map((r) => r.body.n)).toEqual([3, undefined, undefined]);
    await model(server).chat({ messages: user('again'), n: 2 });
    expect(chatCalls(server).slice(3).map((r) => r.body.n)).toEqual([undefined, undefined]);
  });

  it('refuses n > 1 (400): fans out at once, never fails the call', async () => {
    const server = await serve('refuses-n');
    const r = await model(server).chat({ messages: user('hi'), n: 2 });
    expect(r.samples).toHaveLength(2);
    expect(chatCalls(server).map((x) => x.body.n)).toEqual([2, undefined, undefined]);
  });

  it('nativeN: false in the configuration never sends n', async () => {
    const server = await serve(undefined);
    await model(server, { capabilities: { nativeN: false } }).chat({ messages: user('hi'), n: 2 });
    expect(chatCalls(server).map((x) => x.body.n)).toEqual([undefined, undefined]);
  });
});

describe('structured output ladder', () => {
  const schema = z.object({ verdict: z.string() });

  it('json_schema refused with a 500 naming response_format → json_object with the schema, once, remembered', async () => {
    const server = await serve('refuses-json-schema');
    const store = memoryStore();
    const out = await generateObject(model(server, { store }), { messages: user('judge this') }, schema);
    expect(out.value).toEqual({ verdict: 'ok' });
    const formats = chatCalls(server).map((r) => r.body.response_format?.type);
    expect(formats).toEqual(['json_schema', 'json_object']);
    expect(chatCalls(server)[1]!.body.response_format.schema).toMatchObject({ type: 'object' });
    // a second process (a fresh memory) reads it from the store and asks json_object at once
    expect([...store.rows.values()]).toEqual([true]);
    forgetLearnedCapabilities();
    const again = createModel('compat', {
      config: { endpoints: { compat: { provider: 'openai', model: 'm', baseUrl: `${server.url}/v1` } } }, env: {}, capabilityStore: store,
    });
    await generateObject(again, { messages: user('judge that') }, schema);
    expect(chatCalls(server).slice(2).map((r) => r.body.response_format?.type)).toEqual(['json_object']);
  });

  it('a server that ignores response_format still gives valid JSON through the instructions and the strict parser', async () => {
    const server = await serve('ignores-response-format');
    const out = await generateObject(model(server), { messages: user('judge this') }, schema);
    expect(out.value).toEqual({ verdict: 'ok' });
  });

  it("jsonSchema: 'instructions' in the configuration sends no response_format", async () => {
    const server = await serve(undefined);
    await generateObject(model(server, { capabilities: { jsonSchema: 'instructions' } }), { messages: user('x') }, schema);
    expect(chatCalls(server)[0]!.body.response_format).toBeUndefined();
  });
});

describe('usage of a streamed reply', () => {
  it('a stream without usage is estimated and flagged, never 0/0', async () => {
    const server = await serve('no-stream-usage', () => 'one two three four');
    const m = model(server);
    const r = await m.chat({ messages: user('count') }, { onDelta: () => undefined });
    expect(r.usageEstimated).toBe(true);
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    expect(r.usage.outputTokens).toBeGreaterThan(0);
    expect(m.totals().estimatedUsageCalls).toBe(1);
    const normal = await serve(undefined);
    const ok = await model(normal).chat({ messages: user('count') }, { onDelta: () => undefined });
    expect(ok.usageEstimated).toBeUndefined();
  });
});

describe('scoring sanity check', () => {
  it('passes on a server that echoes correctly, and the score is returned', async () => {
    const server = await serve(undefined);
    const m = model(server);
    expect(await m.scoringSupport()).toEqual({ available: true, modes: ['prompt'] });
    const r = await m.score({ prompt: 'Once upon a', continuation: ' time' });
    expect(r.tokens).toEqual([' time']);
  });

  it('a server that reads prompt log-probabilities one position late fails it: SCORING_UNAVAILABLE, no numbers', async () => {
    const server = await serve('shifted-echo');
    const m = model(server);
    const support = await m.scoringSupport();
    expect(support).toMatchObject({ available: false, reason: expect.stringMatching(/failed the scoring sanity check.*one position late.*llamacpp: model or vLLM/) });
    const error = await rejected(m.score({ prompt: 'Once upon a', continuation: ' time' }));
    expect(error.code).toBe('SCORING_UNAVAILABLE');
    expect(error.message).toMatch(/sanity check/);
    const probes = server.requests.filter((r) => r.path === '/v1/completions').length;
    expect(probes).toBe(2); // checked once per endpoint
  });

  it('a chat-only endpoint (404 on /completions) is unavailable, with that reason', async () => {
    const server = await serve('chat-only');
    const m = model(server);
    expect(await m.scoringSupport()).toMatchObject({ available: false, reason: expect.stringMatching(/serves no \/v1\/completions \(chat-only endpoint\)/) });
    expect((await rejected(m.score({ prompt: 'a', continuation: ' b' }))).code).toBe('SCORING_UNAVAILABLE');
  });

  it('score: true in the configuration trusts the echo; an empty prompt is BAD_INPUT at once', async () => {
    const server = await serve('shifted-echo');
    const m = model(server, { capabilities: { score: true } });
    expect((await m.score({ prompt: 'Once upon a', continuation: ' time' })).tokens).toEqual([' time']);
    const before = server.requests.length;
    expect((await rejected(m.score({ prompt: '', continuation: 'Paris' }))).code).toBe('BAD_INPUT');
    expect(server.requests.length).toBe(before);
  });
});

describe('configuration and URLs', () => {
  it('capabilities are validated', () => {
    expect(configSchema.safeParse({ providers: { openai: { capabilities: { nativeN: false, jsonSchema: 'json_object', score: false, streamUsage: false } } } }).success).toBe(true);
    expect(configSchema.safeParse({ providers: { openai: { capabilities: { jsonSchema: 'tool' } } } }).success).toBe(false);
    expect(configSchema.safeParse({ endpoints: { x: { provider: 'openai', model: 'm', capabilities: { nativeN: 'yes' } } } }).success).toBe(false);
    expect(configSchema.safeParse({ endpoints: { x: { provider: 'openai', model: 'm', capabilities: { other: true } } } }).success).toBe(false);
  });

  it('a bad capability in tenet.config.yaml is reported with its file, line and path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tenet-compat-config-')), 'tenet.config.yaml');
    writeFileSync(file, ['providers:', '  openai:', '    capabilities:', '      jsonSchema: grammar'].join('\n'));
    const error = thrown(() => loadConfig(file));
    expect(error.code).toBe('BAD_INPUT');
    expect(formatError(error)).toMatch(/tenet\.config\.yaml:4.*providers\.openai\.capabilities\.jsonSchema/);
  });

  it('a base URL with a query string keeps it after the path (Azure)', async () => {
    const base = 'https://x.example/openai/deployments/d?api-version=2024-02-01';
    expect(endpointUrl(base, 'chat/completions')).toBe('https://x.example/openai/deployments/d/chat/completions?api-version=2024-02-01');
    expect(endpointUrl('http://h/v1/', '/completions')).toBe('http://h/v1/completions');
    const server = await serve(undefined);
    const m = createModel(`openai-compatible:m@${server.url}/v1?api-version=2024-02-01`, { env: {} });
    await m.chat({ messages: user('hi') });
    expect(server.requests.at(-1)!.path).toBe('/v1/chat/completions');
  });
});
