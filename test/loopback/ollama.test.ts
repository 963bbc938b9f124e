import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';
import { embedText, tokenize } from '../support/tokens.ts';

async function json(res: Response): Promise<any> {
  return res.json();
}

let server: LoopbackServer;

beforeAll(async () => {
  server = await startLoopbackServer(() => 'unused');
});
afterAll(async () => {
  await server.close();
});

async function chat(body: unknown): Promise<Response> {
  return fetch(`${server.url}/api/chat`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function ndjson(res: Response): Promise<any[]> {
  const text = await res.text();
  expect(text.endsWith('\n')).toBe(true);
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l));
}

describe('ollama /api/chat', () => {
  it('streams NDJSON by default', async () => {
    const text = 'Streamed by Ollama, line one.\nLine two.';
    let seen: ScriptRequest | undefined;
    server.setScript((req) => {
      seen = req;
      return text;
    });
    const res = await chat({ model: 'llama3.2', messages: [{ role: 'system', content: 'Sys.' }, { role: 'user', content: 'Hello' }], options: { temperature: 0, seed: 42, top_p: 0.9 } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = await ndjson(res);
    expect(lines).toHaveLength(tokenize(text).length + 1);
    const body = lines.slice(0, -1);
    expect(body.every((l) => l.done === false && l.model === 'llama3.2' && l.message.role === 'assistant')).toBe(true);
    expect(body.map((l) => l.message.content).join('')).toBe(text);
    const last = lines.at(-1);
    expect(last).toMatchObject({ done: true, done_reason: 'stop', message: { role: 'assistant', content: '' } });
    expect(last.eval_count).toBe(tokenize(text).length);
    expect(last.prompt_eval_count).toBe(tokenize('Sys.').length + tokenize('Hello').length);
    expect(typeof last.total_duration).toBe('number');
    expect(Number.isNaN(Date.parse(last.created_at))).toBe(false);
    expect(seen?.api).toBe('ollama');
    expect(seen?.stream).toBe(true);
    expect(seen?.body.options).toEqual({ temperature: 0, seed: 42, top_p: 0.9 });
    expect(seen?.messages).toEqual([
      { role: 'system', content: 'Sys.' },
      { role: 'user', content: 'Hello' },
    ]);
  });

  it('answers one object with stream:false, passing a format schema to the script', async () => {
    let schema: unknown;
    server.setScript((req) => {
      schema = req.jsonSchema;
      return '{"answer":"yes"}';
    });
    const format = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
    const res = await chat({ model: 'llama3.2', stream: false, format, messages: [{ role: 'user', content: 'Yes or no?' }] });
    expect(res.headers.get('content-type')).toBe('application/json');
    const obj = await json(res);
    expect(obj).toMatchObject({ model: 'llama3.2', done: true, done_reason: 'stop', message: { role: 'assistant', content: '{"answer":"yes"}' } });
    expect(obj.eval_count).toBe(tokenize('{"answer":"yes"}').length);
    expect(schema).toEqual(format);

    // format: "json" asks for JSON without a schema
    await chat({ model: 'llama3.2', stream: false, format: 'json', messages: [{ role: 'user', content: 'x' }] });
    expect(schema).toBeUndefined();
  });

  it('honours num_predict with done_reason length', async () => {
    server.setScript(() => 'a b c d e f');
    const obj = await json(await chat({ model: 'm', stream: false, options: { num_predict: 2 }, messages: [{ role: 'user', content: 'x' }] }));
    expect(obj.message.content).toBe('a b');
    expect(obj.done_reason).toBe('length');
    expect(obj.eval_count).toBe(2);
  });

  it('returns tool_calls with object arguments, streaming and not', async () => {
    server.setScript(() => ({ toolCall: { name: 'get_weather', arguments: { city: 'Paris' } } }));
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const obj = await json(await chat({ model: 'm', stream: false, tools, messages: [{ role: 'user', content: 'Weather?' }] }));
    expect(obj.message.tool_calls).toHaveLength(1);
    expect(obj.message.tool_calls[0].function).toMatchObject({ name: 'get_weather', arguments: { city: 'Paris' } });
    const lines = await ndjson(await chat({ model: 'm', tools, messages: [{ role: 'user', content: 'Weather?' }] }));
    expect(lines[0].message.tool_calls[0].function.arguments).toEqual({ city: 'Paris' });
    expect(lines.at(-1).done).toBe(true);
  });

  it('answers faults in Ollama error shape', async () => {
    server.setScript(() => ({ fault: 'rate_limit', retryAfterSeconds: 2 }));
    const limited = await chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(typeof (await json(limited)).error).toBe('string');
    server.setScript(() => ({ fault: 'server_error' }));
    const failed = await chat({ model: 'm', stream: false, messages: [{ role: 'user', content: 'x' }] });
    expect(failed.status).toBe(500);
    expect(typeof (await json(failed)).error).toBe('string');
    server.setScript(() => ({ fault: 'malformed' }));
    const broken = await chat({ model: 'm', messages: [{ role: 'user', content: 'x' }] });
    const text = await broken.text();
    expect(() => text.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toThrow();
    const missingModel = await chat({ messages: [] });
    expect(missingModel.status).toBe(400);
    expect(await json(missingModel)).toEqual({ error: 'model is required' });
  });

  it('lists tags, reports a version, embeds', async () => {
    const tags = await json(await fetch(`${server.url}/api/tags`));
    expect(tags.models[0].name).toBe('loopback-model:latest');
    const version = await json(await fetch(`${server.url}/api/version`));
    expect(typeof version.version).toBe('string');
    const embed = await json(await fetch(`${server.url}/api/embed`, { method: 'POST', body: JSON.stringify({ model: 'm', input: ['hello world'] }) }));
    expect(embed.embeddings[0]).toEqual(embedText('hello world', 64));
  });
});
