import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Anthropic, { APIConnectionTimeoutError, BadRequestError, InternalServerError, RateLimitError } from '@anthropic-ai/sdk';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';
import { tokenize } from '../support/tokens.ts';

let server: LoopbackServer;
let client: Anthropic;

beforeAll(async () => {
  server = await startLoopbackServer(() => 'unused');
  client = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0, logLevel: 'off' });
});
afterAll(async () => {
  await server.close();
});

describe('anthropic messages', () => {
  it('answers a non-streaming message and normalises system + content blocks', async () => {
    let seen: ScriptRequest | undefined;
    server.setScript((req) => {
      seen = req;
      return 'Kindness matters.';
    });
    const msg = await client.messages.create({
      model: 'claude-test',
      max_tokens: 256,
      system: 'You are terse.',
      messages: [
        { role: 'user', content: 'What matters?' },
        { role: 'assistant', content: [{ type: 'text', text: 'Let me think.' }] },
        { role: 'user', content: [{ type: 'text', text: 'Go on.' }] },
      ],
    });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.id).toMatch(/^msg_/);
    expect(msg.model).toBe('claude-test');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content).toHaveLength(1);
    const block = msg.content[0];
    if (block?.type !== 'text') throw new Error('expected a text block');
    expect(block.text).toBe('Kindness matters.');
    expect(msg.usage.output_tokens).toBe(tokenize('Kindness matters.').length);
    expect(msg.usage.input_tokens).toBe(['You are terse.', 'What matters?', 'Let me think.', 'Go on.'].reduce((s, t) => s + tokenize(t).length, 0));
    expect(seen?.api).toBe('anthropic');
    expect(seen?.path).toBe('/v1/messages');
    expect(seen?.headers['anthropic-version']).toBeDefined();
    expect(seen?.messages).toEqual([
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'What matters?' },
      { role: 'assistant', content: 'Let me think.' },
      { role: 'user', content: 'Go on.' },
    ]);
  });

  it('streams via messages.stream() with finalMessage text and usage', async () => {
    const text = 'Streaming works, even with émoji 🎉 and\nnewlines.';
    server.setScript(() => text);
    const stream = client.messages.stream({ model: 'claude-test', max_tokens: 256, messages: [{ role: 'user', content: 'Hi' }] });
    let deltas = '';
    stream.on('text', (t) => {
      deltas += t;
    });
    const final = await stream.finalMessage();
    expect(deltas).toBe(text);
    const block = final.content[0];
    if (block?.type !== 'text') throw new Error('expected a text block');
    expect(block.text).toBe(text);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(tokenize(text).length);
    expect(final.usage.input_tokens).toBe(1);
  });

  it('streams raw events in the documented order', async () => {
    server.setScript(() => 'a b');
    const stream = await client.messages.create({ model: 'claude-test', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Hi' }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    expect(types).toEqual(['message_start', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
  });

  it('answers tool_use forced by tool_choice (non-streaming and streaming)', async () => {
    let seen: ScriptRequest | undefined;
    const input_schema = { type: 'object' as const, properties: { score: { type: 'number' }, label: { type: 'string' } }, required: ['score'] };
    server.setScript((req) => {
      seen = req;
      return { toolCall: { name: 'grade', arguments: { score: 4, label: 'good' } } };
    });
    const params = {
      model: 'claude-test',
      max_tokens: 256,
      messages: [{ role: 'user' as const, content: 'Grade this.' }],
      tools: [{ name: 'grade', description: 'Give a grade', input_schema }],
      tool_choice: { type: 'tool' as const, name: 'grade' },
    };
    const msg = await client.messages.create(params);
    expect(msg.stop_reason).toBe('tool_use');
    const block = msg.content[0];
    if (block?.type !== 'tool_use') throw new Error('expected a tool_use block');
    expect(block.name).toBe('grade');
    expect(block.id).toMatch(/^toolu_/);
    expect(block.input).toEqual({ score: 4, label: 'good' });
    expect(seen?.jsonSchema).toEqual(input_schema);
    expect(seen?.tools).toEqual([{ name: 'grade', description: 'Give a grade', parameters: input_schema }]);

    const final = await client.messages.stream(params).finalMessage();
    const streamed = final.content[0];
    if (streamed?.type !== 'tool_use') throw new Error('expected a tool_use block');
    expect(streamed.input).toEqual({ score: 4, label: 'good' });
    expect(final.stop_reason).toBe('tool_use');
  });

  it('normalises tool_result turns to role tool', async () => {
    let seen: ScriptRequest | undefined;
    server.setScript((req) => {
      seen = req;
      return 'ok';
    });
    await client.messages.create({
      model: 'claude-test',
      max_tokens: 64,
      messages: [
        { role: 'user', content: 'Use the tool.' },
        { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'lookup', input: { q: 'x' } }] },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'result text' }] },
      ],
    });
    expect(seen?.messages).toEqual([
      { role: 'user', content: 'Use the tool.' },
      { role: 'assistant', content: '{"q":"x"}' },
      { role: 'tool', content: 'result text' },
    ]);
  });

  it('stops at max_tokens with stop_reason max_tokens, and at stop sequences', async () => {
    server.setScript(() => 'one two three four');
    const msg = await client.messages.create({ model: 'claude-test', max_tokens: 3, messages: [{ role: 'user', content: 'Count.' }] });
    expect(msg.stop_reason).toBe('max_tokens');
    expect(msg.content[0]?.type === 'text' && msg.content[0].text).toBe('one two three');
    const stopped = await client.messages.create({ model: 'claude-test', max_tokens: 64, stop_sequences: ['three'], messages: [{ role: 'user', content: 'Count.' }] });
    expect(stopped.stop_reason).toBe('stop_sequence');
    expect(stopped.stop_sequence).toBe('three');
    expect(stopped.content[0]?.type === 'text' && stopped.content[0].text).toBe('one two ');
  });

  it('429 surfaces as RateLimitError with retry-after', async () => {
    server.setScript(() => ({ fault: 'rate_limit', retryAfterSeconds: 3 }));
    const err = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    const e = err as RateLimitError;
    expect(e.status).toBe(429);
    expect(e.headers?.get('retry-after')).toBe('3');
    expect(e.error).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('a 429 on a streaming request also surfaces as RateLimitError', async () => {
    server.setScript(() => ({ fault: 'rate_limit' }));
    const err = await client.messages.stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
  });

  it('529 and 500 surface as InternalServerError; stall as timeout; malformed as an error', async () => {
    server.setScript(() => ({ fault: 'server_error', status: 529 }));
    const overloaded = await client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(overloaded).toBeInstanceOf(InternalServerError);
    expect((overloaded as InternalServerError).error).toMatchObject({ error: { type: 'overloaded_error' } });

    server.setScript(() => ({ fault: 'stall', ms: 5_000 }));
    const quick = new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0, timeout: 150, logLevel: 'off' });
    const timedOut = await quick.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(APIConnectionTimeoutError);

    server.setScript(() => ({ fault: 'malformed' }));
    await expect(client.messages.create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] })).rejects.toThrow();
    await expect(client.messages.stream({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] }).finalMessage()).rejects.toThrow();
  });

  it('rejects requests the real API would reject', async () => {
    server.setScript(() => 'never');
    // a system role inside messages is invalid for the Messages API
    const err = await client.messages
      .create({ model: 'claude-test', max_tokens: 64, messages: [{ role: 'system' as 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    const res = await fetch(`${server.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': 'test', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'claude-test', messages: [{ role: 'user', content: 'x' }] }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error' } });
  });

  it('counts tokens and lists models', async () => {
    const count = await client.messages.countTokens({ model: 'claude-test', system: 'Be kind.', messages: [{ role: 'user', content: 'Hello there' }] });
    expect(count.input_tokens).toBe(5);
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toContain('loopback-model');
    expect(models.data[0]?.type).toBe('model');
  });
});
