import http from 'node:http';
import { describe, expect, it } from 'vitest';
import OpenAI, { AuthenticationError, RateLimitError } from 'openai';
import Anthropic, { AuthenticationError as AnthropicAuthenticationError } from '@anthropic-ai/sdk';
import { startLoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';
import { countTokens, tokenize } from '../support/tokens.ts';

async function json(res: Response): Promise<any> {
  return res.json();
}

const ask = [{ role: 'user' as const, content: 'Hi' }];

function openai(url: string, apiKey = 'test', extra: Partial<ConstructorParameters<typeof OpenAI>[0]> = {}): OpenAI {
  return new OpenAI({ baseURL: `${url}/v1`, apiKey, maxRetries: 0, logLevel: 'off', ...extra });
}

function timeouts(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

async function until(cond: () => boolean, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('tokeniser', () => {
  it('reproduces the text exactly and splits words with their leading space', () => {
    const samples = ['', ' ', 'Hello world', '  leading and trailing  ', 'a\n\nb\tc', 'don\'t stop-me now!!', 'Ünïcödé 🎉🎉 中文字符 x', '{"a":[1,2.5,"x y"]}', '\ud800 lone'];
    for (const s of samples) expect(tokenize(s).join('')).toBe(s);
    expect(tokenize('Hello, big world.')).toEqual(['Hello', ',', ' big', ' world', '.']);
    expect(countTokens('')).toBe(0);
  });
});

describe('loopback server behaviour', () => {
  it('enforces apiKey: 401 for openai and anthropic, ollama unchecked', async () => {
    const server = await startLoopbackServer(() => 'ok', { apiKey: 'sekret' });
    try {
      const wrong = await openai(server.url, 'wrong').chat.completions.create({ model: 'm', messages: ask }).catch((e: unknown) => e);
      expect(wrong).toBeInstanceOf(AuthenticationError);
      expect((wrong as AuthenticationError).status).toBe(401);
      const right = await openai(server.url, 'sekret').chat.completions.create({ model: 'm', messages: ask });
      expect(right.choices[0]?.message.content).toBe('ok');

      const anthropicWrong = new Anthropic({ baseURL: server.url, apiKey: 'wrong', maxRetries: 0, logLevel: 'off' });
      const err = await anthropicWrong.messages.create({ model: 'c', max_tokens: 16, messages: ask }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AnthropicAuthenticationError);
      expect((err as AnthropicAuthenticationError).error).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
      const anthropicRight = new Anthropic({ baseURL: server.url, apiKey: 'sekret', maxRetries: 0, logLevel: 'off' });
      const msg = await anthropicRight.messages.create({ model: 'c', max_tokens: 16, messages: ask });
      expect(msg.content[0]?.type).toBe('text');

      const noKey = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: ask }) });
      expect(noKey.status).toBe(401);
      expect((await json(noKey)).error.code).toBe('invalid_api_key');
      const ollama = await fetch(`${server.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'm', stream: false, messages: ask }) });
      expect(ollama.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('applies latencyMs per request without blocking', async () => {
    const server = await startLoopbackServer(() => 'slow', { latencyMs: 150 });
    try {
      const client = openai(server.url);
      const started = Date.now();
      await client.chat.completions.create({ model: 'm', messages: ask });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      const startedMany = Date.now();
      await Promise.all(Array.from({ length: 20 }, () => client.chat.completions.create({ model: 'm', messages: ask })));
      const elapsed = Date.now() - startedMany;
      expect(elapsed).toBeGreaterThanOrEqual(140);
      expect(elapsed).toBeLessThan(20 * 150);
    } finally {
      await server.close();
    }
  });

  it('answers 200 concurrent requests', async () => {
    const server = await startLoopbackServer((req) => `reply to ${req.messages[0]?.content}`, { latencyMs: 20 });
    try {
      const client = openai(server.url);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          i % 2 === 0
            ? client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `q${i}` }] }).then((r) => r.choices[0]?.message.content)
            : (async () => {
                const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: [{ role: 'user', content: `q${i}` }] });
                let text = '';
                for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
                return text;
              })(),
        ),
      );
      expect(results).toEqual(Array.from({ length: 200 }, (_, i) => `reply to q${i}`));
      expect(server.requests).toHaveLength(200);
    } finally {
      await server.close();
    }
  });

  it('close() resolves with a stalled request in flight, and with idle keep-alive sockets', async () => {
    const server = await startLoopbackServer(() => ({ fault: 'stall', ms: 60_000 }));
    const agent = new http.Agent({ keepAlive: true });
    try {
      // an idle keep-alive connection
      await new Promise<void>((resolve, reject) => {
        http.get(`${server.url}/api/version`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve());
        }).on('error', reject);
      });
      const pending = fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: ask }) }).then(
        () => 'answered',
        () => 'failed',
      );
      await until(() => server.requests.length === 2);
      const started = Date.now();
      await server.close();
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(await pending).toBe('failed');
      await server.close(); // idempotent
    } finally {
      agent.destroy();
    }
  });

  it('cleans up the stall timer when the client goes away', async () => {
    const server = await startLoopbackServer(() => ({ fault: 'stall', ms: 30_000 }));
    try {
      const before = timeouts();
      const controller = new AbortController();
      const pending = fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model: 'm', messages: ask }), signal: controller.signal }).catch(() => 'aborted');
      await until(() => server.requests.length === 1);
      await until(() => timeouts() > before);
      controller.abort();
      expect(await pending).toBe('aborted');
      await until(() => timeouts() <= before);
      // still serving afterwards
      server.setScript(() => 'alive');
      const res = await openai(server.url).chat.completions.create({ model: 'm', messages: ask });
      expect(res.choices[0]?.message.content).toBe('alive');
    } finally {
      await server.close();
    }
  });

  it('reuses keep-alive connections', async () => {
    const server = await startLoopbackServer(() => 'ok');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const reused: boolean[] = [];
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const req = http.request(`${server.url}/v1/chat/completions`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
            res.resume();
            res.on('end', () => resolve());
          });
          req.on('error', reject);
          reused.push(req.reusedSocket);
          req.end(JSON.stringify({ model: 'm', messages: ask }));
        });
      }
      expect(reused).toEqual([false, true, true]);
    } finally {
      agent.destroy();
      await server.close();
    }
  });

  it('404s unknown paths and 400s malformed JSON, in each API shape', async () => {
    const server = await startLoopbackServer(() => 'ok');
    try {
      const unknown = await fetch(`${server.url}/v1/nope`, { method: 'POST', body: '{}' });
      expect(unknown.status).toBe(404);
      expect((await json(unknown)).error.message).toContain('/v1/nope');
      const unknownOllama = await fetch(`${server.url}/api/nope`);
      expect(unknownOllama.status).toBe(404);
      expect(typeof (await json(unknownOllama)).error).toBe('string');

      const badOpenai = await fetch(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' });
      expect(badOpenai.status).toBe(400);
      expect((await json(badOpenai)).error.type).toBe('invalid_request_error');
      const badAnthropic = await fetch(`${server.url}/v1/messages`, { method: 'POST', headers: { 'anthropic-version': '2023-06-01' }, body: 'not json' });
      expect(badAnthropic.status).toBe(400);
      expect((await json(badAnthropic)).error.type).toBe('invalid_request_error');
      const badOllama = await fetch(`${server.url}/api/chat`, { method: 'POST', body: '{' });
      expect(badOllama.status).toBe(400);
      expect(typeof (await json(badOllama)).error).toBe('string');
      const missingMessages = await openai(server.url).chat.completions.create({ model: 'm', messages: [] }).catch((e: unknown) => e);
      expect((missingMessages as { status?: number }).status).toBe(400);
    } finally {
      await server.close();
    }
  });

  it('records every request and gives callIndex for fail-first scripts', async () => {
    const seen: ScriptRequest[] = [];
    const server = await startLoopbackServer((req) => {
      seen.push(req);
      return req.callIndex === 0 ? { fault: 'rate_limit', retryAfterMs: 10 } : 'second time lucky';
    });
    try {
      const client = openai(server.url);
      await expect(client.chat.completions.create({ model: 'm', messages: ask })).rejects.toBeInstanceOf(RateLimitError);
      const ok = await client.chat.completions.create({ model: 'm', messages: ask, temperature: 0.3 });
      expect(ok.choices[0]?.message.content).toBe('second time lucky');
      expect(seen.map((r) => r.callIndex)).toEqual([0, 1]);
      expect(server.requests.map((r) => [r.api, r.method, r.path])).toEqual([
        ['openai', 'POST', '/v1/chat/completions'],
        ['openai', 'POST', '/v1/chat/completions'],
      ]);
      expect(server.requests[1]?.body.temperature).toBe(0.3);
      expect(server.requests[1]?.headers.authorization).toBe('Bearer test');
      expect(server.requests[1]!.at).toBeGreaterThanOrEqual(server.requests[0]!.at);
    } finally {
      await server.close();
    }
  });

  it('streams chunk by chunk with chunkDelayMs and survives a client abort mid-stream', async () => {
    const server = await startLoopbackServer(() => 'one two three four five six seven eight', { chunkDelayMs: 20 });
    try {
      const client = openai(server.url);
      const stream = await client.chat.completions.create({ model: 'm', stream: true, messages: ask });
      const arrivals: number[] = [];
      let text = '';
      for await (const chunk of stream) {
        arrivals.push(Date.now());
        text += chunk.choices[0]?.delta.content ?? '';
        if (text === 'one two') break;
      }
      expect(text).toBe('one two');
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(30);
      const full = await client.chat.completions.create({ model: 'm', messages: ask });
      expect(full.choices[0]?.message.content).toBe('one two three four five six seven eight');
    } finally {
      await server.close();
    }
  });
});
