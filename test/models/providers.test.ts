import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { startLoopbackServer, type LoopbackServer, type Script } from '../support/loopback-server.ts';
import { KINDS, loopbackModel, user } from './helpers.ts';

let server: LoopbackServer;
const echo: Script = (req) => `reply ${req.choiceIndex} to: ${req.messages.at(-1)?.content}`;

beforeAll(async () => {
  server = await startLoopbackServer(echo);
});
afterAll(async () => {
  await server.close();
});

function use(script: Script): number {
  server.setScript(script);
  return server.requests.length;
}

async function failure(promise: Promise<unknown>): Promise<TenetError> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(TenetError);
  return error as TenetError;
}

describe.each(KINDS)('%s provider against the loopback server', (kind) => {
  it('answers a chat with text, usage and latency', async () => {
    use(echo);
    const response = await loopbackModel(kind, server).chat({ messages: user('hello there'), temperature: 0 });
    expect(response.text).toBe('reply 0 to: hello there');
    expect(response.usage.inputTokens).toBeGreaterThan(0);
    expect(response.usage.outputTokens).toBeGreaterThan(0);
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
    expect(response.cached).toBe(false);
  });

  it('streams deltas that add up to the text', async () => {
    use(() => 'one two three four five');
    const deltas: string[] = [];
    const response = await loopbackModel(kind, server).chat({ messages: user('count') }, { onDelta: (_i, d) => deltas.push(d) });
    expect(deltas.length).toBeGreaterThan(1);
    expect(deltas.join('')).toBe('one two three four five');
    expect(response.text).toBe('one two three four five');
    expect(response.usage.outputTokens).toBeGreaterThan(0);
  });

  it('draws n samples as n distinct numbered samples', async () => {
    const before = use((req) => `sample ${req.callIndex}.${req.choiceIndex}`);
    const response = await loopbackModel(kind, server).chat({ messages: user('hi'), n: 3, temperature: 1 });
    expect(response.samples.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(new Set(response.samples.map((s) => s.text)).size).toBe(3);
    // OpenAI draws n in one call; the others are fanned out one call per sample.
    expect(server.requests.length - before).toBe(kind === 'openai' ? 1 : 3);
  });

  it('honours Retry-After on 429 and then succeeds', async () => {
    let calls = 0;
    const before = use(() => (calls++ === 0 ? { fault: 'rate_limit', retryAfterSeconds: 1 } : 'after the wait'));
    const started = Date.now();
    const response = await loopbackModel(kind, server).chat({ messages: user('x') });
    expect(response.text).toBe('after the wait');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(server.requests.length - before).toBe(2);
  });

  it('retries a 500 and reports the failure once retries run out', async () => {
    let calls = 0;
    let before = use(() => (calls++ === 0 ? { fault: 'server_error' } : 'recovered'));
    expect((await loopbackModel(kind, server).chat({ messages: user('x') })).text).toBe('recovered');
    expect(server.requests.length - before).toBe(2);

    before = use(() => ({ fault: 'server_error', status: 503 }));
    const error = await failure(loopbackModel(kind, server, { maxRetries: 2 }).chat({ messages: user('x') }));
    expect(error.code).toBe('PROVIDER');
    expect(error.message).toMatch(/503.*gave up after 3 attempts/);
    expect(server.requests.length - before).toBe(3);
  });

  it('times out a stalled call, retries, and reports TIMEOUT when it keeps stalling', async () => {
    let calls = 0;
    let before = use(() => (calls++ === 0 ? { fault: 'stall', ms: 3_000 } : 'fast now'));
    expect((await loopbackModel(kind, server, { timeoutMs: 200 }).chat({ messages: user('x') })).text).toBe('fast now');

    before = use(() => ({ fault: 'stall', ms: 3_000 }));
    const started = Date.now();
    const error = await failure(loopbackModel(kind, server, { timeoutMs: 150, maxRetries: 1 }).chat({ messages: user('x') }));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.requests.length - before).toBe(2);
  });

  it('stops at once when the caller aborts, without retrying', async () => {
    const before = use(() => ({ fault: 'stall', ms: 3_000 }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const error = await failure(loopbackModel(kind, server).chat({ messages: user('x') }, { signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(server.requests.length - before).toBe(1);
  });

  it('retries a malformed body, then reports MALFORMED_RESPONSE with the raw text', async () => {
    const before = use(() => ({ fault: 'malformed' }));
    const error = await failure(loopbackModel(kind, server, { maxRetries: 1 }).chat({ messages: user('x') }));
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(server.requests.length - before).toBe(2);
  });

  it('does not retry refused credentials', async () => {
    const before = use(() => ({ fault: 'http', status: 401 }));
    const error = await failure(loopbackModel(kind, server).chat({ messages: user('x') }));
    expect(error.code).toBe('PROVIDER_AUTH');
    expect(server.requests.length - before).toBe(1);
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    use(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 30));
      inFlight--;
      return 'ok';
    });
    const model = loopbackModel(kind, server, { concurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, (_, i) => model.chat({ messages: user(`q${i}`) })));
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThanOrEqual(2);
  });

  it('sends tool definitions and returns tool calls', async () => {
    use((req) => ({ toolCall: { name: req.tools![0]!.name, arguments: { city: 'Oslo' } } }));
    const response = await loopbackModel(kind, server).chat({
      messages: user('weather?'),
      tools: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }],
      toolChoice: 'get_weather',
    });
    expect(response.samples[0]!.toolCalls).toEqual([{ name: 'get_weather', arguments: { city: 'Oslo' } }]);
  });
});

describe('log-probabilities', () => {
  it('returns per-token logprobs with alternatives from an OpenAI-compatible server', async () => {
    use(() => ({ text: 'the cat sat', logprobs: [-0.1, -0.2, -0.3] }));
    const response = await loopbackModel('openai', server).chat({ messages: user('x'), topLogprobs: 2 });
    expect(response.logprobs!.map((t) => t.token).join('')).toBe('the cat sat');
    expect(response.logprobs!.map((t) => t.logprob)).toEqual([-0.1, -0.2, -0.3]);
    expect(response.logprobs![0]!.top!.length).toBe(2);
  });

  it('streams logprobs too', async () => {
    use(() => ({ text: 'a b c', logprobs: [-1, -2, -3] }));
    const response = await loopbackModel('openai', server).chat({ messages: user('x'), logprobs: true }, { onDelta: () => {} });
    expect(response.logprobs!.map((t) => t.logprob)).toEqual([-1, -2, -3]);
  });

  it('refuses logprobs for Anthropic, which does not offer them', async () => {
    const error = await failure(loopbackModel('anthropic', server).chat({ messages: user('x'), logprobs: true }));
    expect(error.code).toBe('BAD_USAGE');
  });
});
