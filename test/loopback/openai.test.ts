import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI, { APIConnectionTimeoutError, InternalServerError, RateLimitError, BadRequestError, AuthenticationError } from 'openai';
import { zodResponseFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';
import { cosineSimilarity, embedText, tokenize } from '../support/tokens.ts';

let server: LoopbackServer;
let client: OpenAI;

beforeAll(async () => {
  server = await startLoopbackServer(() => 'unused');
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test', maxRetries: 0, logLevel: 'off' });
});
afterAll(async () => {
  await server.close();
});

const ask = [{ role: 'user' as const, content: 'Say something.' }];

describe('openai chat completions (non-streaming)', () => {
  it('answers n=3 choices, one script call per choice', async () => {
    const seen: ScriptRequest[] = [];
    server.setScript((req) => {
      seen.push(req);
      return `Answer number ${req.choiceIndex}.`;
    });
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      n: 3,
      messages: [
        { role: 'developer', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'Hello' }, { type: 'text', text: 'there' }] },
      ],
    });
    expect(res.object).toBe('chat.completion');
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.model).toBe('gpt-test');
    expect(res.choices.map((c) => c.message.content)).toEqual(['Answer number 0.', 'Answer number 1.', 'Answer number 2.']);
    expect(res.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    expect(res.choices.every((c) => c.finish_reason === 'stop' && c.message.role === 'assistant')).toBe(true);
    expect(seen.map((r) => r.choiceIndex)).toEqual([0, 1, 2]);
    expect(new Set(seen.map((r) => r.callIndex)).size).toBe(1);
    expect(seen[0]?.api).toBe('openai');
    expect(seen[0]?.path).toBe('/v1/chat/completions');
    expect(seen[0]?.model).toBe('gpt-test');
    expect(seen[0]?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hello\nthere' },
    ]);
    // usage: prompt from the messages' text, completion summed over the choices
    const promptTokens = tokenize('Be brief.').length + tokenize('Hello\nthere').length;
    expect(res.usage?.prompt_tokens).toBe(promptTokens);
    expect(res.usage?.completion_tokens).toBe(3 * tokenize('Answer number 0.').length);
    expect(res.usage?.total_tokens).toBe((res.usage?.prompt_tokens ?? 0) + (res.usage?.completion_tokens ?? 0));
  });

  it('returns logprobs with top_logprobs alternatives', async () => {
    server.setScript(() => ({ text: 'Yes, I agree.', logprobs: [-0.05, -0.5] }));
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: ask, logprobs: true, top_logprobs: 2 });
    const content = res.choices[0]?.logprobs?.content ?? [];
    expect(content.map((t) => t.token).join('')).toBe('Yes, I agree.');
    expect(content.map((t) => t.token)).toEqual(['Yes', ',', ' I', ' agree', '.']);
    expect(content[0]?.logprob).toBe(-0.05);
    expect(content[1]?.logprob).toBe(-0.5);
    for (const entry of content) {
      expect(entry.logprob).toBeLessThanOrEqual(0);
      expect(entry.bytes).toEqual([...Buffer.from(entry.token, 'utf8')]);
      expect(entry.top_logprobs).toHaveLength(2);
      expect(entry.top_logprobs[0]?.token).toBe(entry.token);
      expect(entry.top_logprobs[0]?.logprob).toBe(entry.logprob);
      expect(entry.top_logprobs[1]?.token).not.toBe(entry.token);
      expect(entry.top_logprobs[1]!.logprob).toBeLessThan(entry.logprob);
    }
    // deterministic defaults
    const again = await client.chat.completions.create({ model: 'gpt-test', messages: ask, logprobs: true, top_logprobs: 2 });
    expect(again.choices[0]?.logprobs?.content).toEqual(content);
  });

  it('lets the script supply top_logprobs alternatives', async () => {
    server.setScript(() => ({ text: 'Yes', logprobs: [-0.2], topLogprobs: [[{ token: 'No', logprob: -1.8 }]] }));
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: ask, logprobs: true, top_logprobs: 3 });
    const top = res.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? [];
    expect(top.map((t) => t.token).slice(0, 2)).toEqual(['Yes', 'No']);
    expect(top[1]?.logprob).toBe(-1.8);
    expect(top).toHaveLength(3);
    expect(top[2]!.logprob).toBeLessThan(-1.8);
  });

  it('passes a json_schema response_format to the script and parses with the zod helper', async () => {
    const Verdict = z.object({ verdict: z.enum(['yes', 'no']), confidence: z.number() });
    let schema: unknown;
    server.setScript((req) => {
      schema = req.jsonSchema;
      return JSON.stringify({ verdict: 'yes', confidence: 0.9 });
    });
    const res = await client.chat.completions.parse({
      model: 'gpt-test',
      messages: ask,
      response_format: zodResponseFormat(Verdict, 'verdict'),
    });
    expect(res.choices[0]?.message.parsed).toEqual({ verdict: 'yes', confidence: 0.9 });
    expect(schema).toMatchObject({ type: 'object', properties: { verdict: { enum: ['yes', 'no'] } } });

    const raw = await client.chat.completions.create({
      model: 'gpt-test',
      messages: ask,
      response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } }, strict: true } },
    });
    expect(JSON.parse(raw.choices[0]?.message.content ?? '')).toEqual({ verdict: 'yes', confidence: 0.9 });
    expect(schema).toEqual({ type: 'object', properties: { a: { type: 'string' } } });
  });

  it('answers tool calls', async () => {
    let seen: ScriptRequest | undefined;
    server.setScript((req) => {
      seen = req;
      return { toolCall: { name: 'record_verdict', arguments: { verdict: 'no', reasons: ['a', 'b'] } } };
    });
    const parameters = { type: 'object', properties: { verdict: { type: 'string' }, reasons: { type: 'array', items: { type: 'string' } } }, required: ['verdict'] };
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      messages: ask,
      tools: [{ type: 'function', function: { name: 'record_verdict', description: 'Record it', parameters } }],
      tool_choice: { type: 'function', function: { name: 'record_verdict' } },
    });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls?.[0];
    expect(call?.type).toBe('function');
    expect(call?.id).toMatch(/^call_/);
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(call.function.name).toBe('record_verdict');
    expect(JSON.parse(call.function.arguments)).toEqual({ verdict: 'no', reasons: ['a', 'b'] });
    expect(seen?.tools).toEqual([{ name: 'record_verdict', description: 'Record it', parameters }]);
    expect(seen?.jsonSchema).toEqual(parameters);
  });

  it('truncates at max_tokens with finish_reason length, and at stop sequences', async () => {
    server.setScript(() => 'one two three four five');
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: ask, max_completion_tokens: 2 });
    expect(res.choices[0]?.message.content).toBe('one two');
    expect(res.choices[0]?.finish_reason).toBe('length');
    expect(res.usage?.completion_tokens).toBe(2);
    const stopped = await client.chat.completions.create({ model: 'gpt-test', messages: ask, stop: [' three'] });
    expect(stopped.choices[0]?.message.content).toBe('one two');
    expect(stopped.choices[0]?.finish_reason).toBe('stop');
  });
});

describe('openai chat completions (streaming)', () => {
  it('streams chunks that reassemble the exact text, with usage at the end', async () => {
    const text = 'Hello, world!  Ünïcödé 🎉 text\nwith lines and "quotes".  ';
    server.setScript(() => text);
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: ask,
      stream: true,
      stream_options: { include_usage: true },
    });
    let assembled = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      expect(chunk.object).toBe('chat.completion.chunk');
      if (chunk.usage) usage = chunk.usage;
      for (const c of chunk.choices) {
        assembled += c.delta.content ?? '';
        if (c.finish_reason) finish = c.finish_reason;
      }
    }
    expect(assembled).toBe(text);
    expect(finish).toBe('stop');
    expect(chunks).toBe(tokenize(text).length + 3);
    expect(usage?.completion_tokens).toBe(tokenize(text).length);
    expect(usage?.prompt_tokens).toBe(tokenize('Say something.').length);
    expect(usage?.total_tokens).toBe((usage?.completion_tokens ?? 0) + (usage?.prompt_tokens ?? 0));
  });

  it('omits usage without include_usage', async () => {
    server.setScript(() => 'short');
    const stream = await client.chat.completions.create({ model: 'gpt-test', messages: ask, stream: true });
    let sawUsage = false;
    for await (const chunk of stream) if (chunk.usage) sawUsage = true;
    expect(sawUsage).toBe(false);
  });

  it('works with the SDK stream helper: n=2, logprobs, final completion', async () => {
    server.setScript((req) => `choice ${req.choiceIndex} says hi`);
    const runner = client.chat.completions.stream({
      model: 'gpt-test',
      messages: ask,
      n: 2,
      logprobs: true,
      top_logprobs: 2,
      stream_options: { include_usage: true },
    });
    const final = await runner.finalChatCompletion();
    expect(final.choices.map((c) => c.message.content)).toEqual(['choice 0 says hi', 'choice 1 says hi']);
    expect(final.choices[1]?.logprobs?.content?.map((t) => t.token).join('')).toBe('choice 1 says hi');
    expect(final.choices[1]?.logprobs?.content?.[0]?.top_logprobs).toHaveLength(2);
    expect(final.usage?.completion_tokens).toBe(8);
  });

  it('streams tool calls that the stream helper reassembles', async () => {
    server.setScript(() => ({ toolCall: { name: 'pick', arguments: { choice: 'B', why: 'it is kinder' } } }));
    const runner = client.chat.completions.stream({
      model: 'gpt-test',
      messages: ask,
      tools: [{ type: 'function', function: { name: 'pick', parameters: { type: 'object', properties: {} } } }],
    });
    const final = await runner.finalChatCompletion();
    const call = final.choices[0]?.message.tool_calls?.[0];
    expect(final.choices[0]?.finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function tool call');
    expect(JSON.parse(call.function.arguments)).toEqual({ choice: 'B', why: 'it is kinder' });
  });
});

describe('openai faults', () => {
  it('429 surfaces as RateLimitError with retry-after headers', async () => {
    server.setScript(() => ({ fault: 'rate_limit', retryAfterSeconds: 7 }));
    const err = await client.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const e = err as RateLimitError;
    expect(e.status).toBe(429);
    expect(e.headers?.get('retry-after')).toBe('7');
    expect(e.headers?.get('retry-after-ms')).toBe('7000');
    expect(e.code).toBe('rate_limit_exceeded');
    expect(e.requestID).toMatch(/^req_/);
  });

  it('429 with retryAfterMs is honoured by SDK retries', async () => {
    const retrying = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test', maxRetries: 1, logLevel: 'off' });
    let calls = 0;
    server.setScript(() => (calls++ === 0 ? { fault: 'rate_limit', retryAfterMs: 50 } : 'recovered'));
    const started = Date.now();
    const res = await retrying.chat.completions.create({ model: 'gpt-test', messages: ask });
    expect(res.choices[0]?.message.content).toBe('recovered');
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
    expect(calls).toBe(2);
  });

  it('500 surfaces as InternalServerError', async () => {
    server.setScript(() => ({ fault: 'server_error' }));
    const err = await client.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as InternalServerError).status).toBe(500);
    server.setScript(() => ({ fault: 'server_error', status: 503 }));
    const err503 = await client.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(err503).toBeInstanceOf(InternalServerError);
    expect((err503 as InternalServerError).status).toBe(503);
  });

  it('a stall past the SDK timeout gives APIConnectionTimeoutError', async () => {
    server.setScript(() => ({ fault: 'stall', ms: 5_000 }));
    const quick = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test', maxRetries: 0, timeout: 150, logLevel: 'off' });
    const started = Date.now();
    const err = await quick.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIConnectionTimeoutError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('a short stall answers "stalled"', async () => {
    server.setScript(() => ({ fault: 'stall', ms: 30 }));
    const res = await client.chat.completions.create({ model: 'gpt-test', messages: ask });
    expect(res.choices[0]?.message.content).toBe('stalled');
  });

  it('a malformed body gives an error, not a hang (non-streaming and streaming)', async () => {
    server.setScript(() => ({ fault: 'malformed' }));
    await expect(client.chat.completions.create({ model: 'gpt-test', messages: ask })).rejects.toThrow();
    const consume = async (): Promise<void> => {
      const stream = await client.chat.completions.create({ model: 'gpt-test', messages: ask, stream: true });
      for await (const _ of stream) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow();
  });

  it('http faults map to the SDK error classes', async () => {
    server.setScript(() => ({ fault: 'http', status: 400 }));
    const bad = await client.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    server.setScript(() => ({ fault: 'http', status: 401, body: { error: { message: 'nope', type: 'invalid_request_error', code: 'invalid_api_key' } } }));
    const unauth = await client.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(unauth).toBeInstanceOf(AuthenticationError);
    expect((unauth as AuthenticationError).message).toContain('nope');
  });

  it('a fault on a later choice fails the whole request', async () => {
    server.setScript((req) => (req.choiceIndex === 1 ? { fault: 'server_error' } : 'fine'));
    await expect(client.chat.completions.create({ model: 'gpt-test', messages: ask, n: 2 })).rejects.toBeInstanceOf(InternalServerError);
  });

  it('a throwing script becomes a 500, not a crash', async () => {
    server.setScript(() => {
      throw new Error('script bug');
    });
    const err = await client.chat.completions.create({ model: 'gpt-test', messages: ask }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InternalServerError);
    expect((err as Error).message).toContain('script bug');
  });
});

describe('openai embeddings and models', () => {
  it('returns deterministic vectors (default base64 wire encoding and float)', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-test', input: ['Be honest.', 'be honest', 'Cook pasta tonight'] });
    expect(res.data).toHaveLength(3);
    const [a, b, c] = res.data.map((d) => d.embedding) as [number[], number[], number[]];
    expect(a).toHaveLength(64);
    expect(a).toEqual(embedText('Be honest.', 64));
    expect(cosineSimilarity(a, b)).toBeCloseTo(1, 5);
    expect(cosineSimilarity(a, c)).toBeLessThan(0.8);
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
    const floats = await client.embeddings.create({ model: 'text-embedding-test', input: 'Be honest.', encoding_format: 'float', dimensions: 16 });
    expect(floats.data[0]?.embedding).toEqual(embedText('Be honest.', 16));
    const again = await client.embeddings.create({ model: 'text-embedding-test', input: 'Be honest.' });
    expect(again.data[0]?.embedding).toEqual(a);
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toContain('loopback-model');
  });
});
