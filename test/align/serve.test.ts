import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitQuery, startRewardServer, type RewardServer } from '../../src/align/serve.ts';
import { loadTarget } from '../../src/align/targets.ts';
import { TenetError } from '../../src/errors.ts';
import type { Judge, SchwartzVector } from '../../src/judges/types.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';

/** Benevolence 0.9 when the response says "help", −0.9 when it says "refuse"; 0 otherwise. "SLOW" waits; "FAIL" throws. */
const seen: { prompt: string; response: string }[][] = [];
const judge: Judge = {
  id: 'test-judge',
  version: '1',
  async judge(items, options = {}) {
    seen.push(items.map((i) => ({ prompt: i.prompt, response: i.response })));
    if (items.some((i) => i.response.includes('FAIL'))) throw new TenetError('PROVIDER', 'judge down');
    if (items.some((i) => i.response.includes('SLOW'))) {
      await new Promise((resolve, reject) => {
        const t = setTimeout(resolve, 2_000);
        options.signal?.addEventListener('abort', () => { clearTimeout(t); reject(new TenetError('ABORTED', 'aborted')); });
      });
    }
    return items.map((i) => ({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, v === 'benevolence' ? (i.response.includes('help') ? 0.9 : i.response.includes('refuse') ? -0.9 : 0) : 0])) as SchwartzVector, confidence: 1 }));
  },
};

let server: RewardServer;
beforeAll(async () => {
  server = await startRewardServer({ target: loadTarget('ideal'), judge, port: 0, maxBodyBytes: 4096, requestTimeoutMs: 300, batchSize: 2 });
});
afterAll(async () => {
  await server.close();
});

const post = (body: string, path = '/get_reward') => fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

describe('the reward server', () => {
  it('answers OpenRLHF requests: prompt split off the query, special tokens removed, batched, rewards in order', async () => {
    seen.length = 0;
    const prompts = ['<|im_start|>user\nMy friend is sad.<|im_end|>\n<|im_start|>assistant\n', 'Q: a stranger needs directions\nA:', 'Q: nothing\nA:'];
    const query = [`${prompts[0]}I will help them.<|im_end|>`, `${prompts[1]} I refuse.</s>`, `${prompts[2]} ok`];
    const res = await post(JSON.stringify({ query, prompts, labels: [null, null, null] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as any;
    // benevolence 0.9 → |0.9 − 1| = 0.1; −0.9 → 1.9; 0 → not confident → 0
    expect(body.rewards.map((r: number) => Number(r.toFixed(12)))).toEqual([-0.1, -1.9, 0]);
    expect(body.scores).toEqual(body.rewards);
    expect(body.extra_logs.unsplit).toBe(0);
    expect(seen.map((b) => b.length)).toEqual([2, 1]); // batch size 2
    expect(seen[0]![0]).toEqual({ prompt: 'user\nMy friend is sad.\nassistant', response: 'I will help them.' });
    expect(seen[0]![1]!.response).toBe('I refuse.');
  });

  it('judges the whole query when prompts are absent, and has a health route', async () => {
    const res = await post(JSON.stringify({ query: ['help'] }));
    expect(((await res.json()) as any).rewards).toHaveLength(1);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', target: { id: 'ideal' }, judge: 'test-judge@1' });
  });

  it('rejects malformed bodies with 400, oversized ones with 413, and reports a failing or slow judge', async () => {
    expect((await post('{not json')).status).toBe(400);
    expect((await post(JSON.stringify({ query: 'one' }))).status).toBe(400);
    expect((await post(JSON.stringify({ query: ['a'], prompts: ['a', 'b'] }))).status).toBe(400);
    const big = await post(JSON.stringify({ query: ['x'.repeat(5000)] }));
    expect(big.status).toBe(413);
    expect(((await big.json()) as any).error).toContain('limit');
    // a chunked body without content-length is cut off at the limit too
    const chunked = await new Promise<number>((resolve, reject) => {
      const url = new URL(`${server.url}/get_reward`);
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } }, (res) => { res.resume(); resolve(res.statusCode!); });
      req.on('error', reject);
      req.write('{"query": ["');
      req.write('y'.repeat(6000));
      req.end('"]}');
    });
    expect(chunked).toBe(413);
    expect((await fetch(`${server.url}/get_reward`)).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
    const failed = await post(JSON.stringify({ query: ['FAIL'] }));
    expect(failed.status).toBe(502);
    expect(((await failed.json()) as any).error).toContain('judge down');
    const slow = await post(JSON.stringify({ query: ['SLOW'] }));
    expect(slow.status).toBe(504);
  });

  it('serves the select judge\'s reward (masked, l1 or l2) and logs the report judge\'s beside it; one judge for both warns', async () => {
    expect(((await (await fetch(`${server.url}/health`)).json()) as any).warnings.join(' ')).toMatch(/Goodhart/);
    // the report judge reads every response the opposite way
    const opposite: Judge = { id: 'opposite', version: '1', judge: async (items) => (await judge.judge(items)).map((r) => ({ ...r, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, -v])) as SchwartzVector })) };
    const two = await startRewardServer({ target: loadTarget('ideal'), judge, reportJudge: opposite, reward: 'l1', port: 0 });
    try {
      const res = await fetch(`${two.url}/get_reward`, { method: 'POST', body: JSON.stringify({ query: ['Q: x\nA: I will help', 'Q: x\nA: nothing'], prompts: ['Q: x\nA:', 'Q: x\nA:'] }) });
      const body = (await res.json()) as any;
      // l1 over ideal's five values: help 0.1 + 4 = 4.1; nothing 5 (unmasked: a bland answer is not free)
      expect(body.rewards.map((r: number) => Number(r.toFixed(12)))).toEqual([-4.1, -5]);
      expect(body.extra_logs.heldout_reward.map((r: number) => Number(r.toFixed(12)))).toEqual([-5.9, -5]);
      const health = (await (await fetch(`${two.url}/health`)).json()) as any;
      expect(health).toMatchObject({ reward: 'l1', select_judge: 'test-judge@1', judge: 'opposite@1', warnings: [] });
    } finally {
      await two.close();
    }
  });

  it('splits queries as documented', () => {
    expect(splitQuery('PROMPT answer', 'PROMPT')).toEqual({ prompt: 'PROMPT', response: 'answer', split: true });
    expect(splitQuery('<s>PROMPT answer', 'PROMPT')).toEqual({ prompt: 'PROMPT', response: 'answer', split: true });
    expect(splitQuery('other answer', 'PROMPT')).toEqual({ prompt: 'PROMPT', response: 'other answer', split: false });
  });
});

describe('the reward server under load and slow clients (127.0.0.1, bounded)', () => {
  /** Holds every request whose query says "HOLD" until `release()`. */
  let release: () => void = () => {};
  let held = new Promise<void>((r) => (release = r));
  let judging = 0;
  const gated: Judge = {
    id: 'gated',
    version: '1',
    async judge(items, options = {}) {
      judging++;
      try {
        if (items.some((i) => i.response.includes('HOLD'))) {
          await new Promise<void>((resolve, reject) => {
            void held.then(resolve);
            options.signal?.addEventListener('abort', () => reject(new TenetError('ABORTED', 'aborted')));
          });
        }
        return judge.judge(items, options);
      } finally {
        judging--;
      }
    },
  };
  const log: { status: number; aborted?: boolean }[] = [];
  let gate: RewardServer;
  beforeAll(async () => {
    gate = await startRewardServer({ target: loadTarget('ideal'), judge: gated, port: 0, maxConcurrent: 2, headersTimeoutMs: 400, bodyTimeoutMs: 400, requestTimeoutMs: 5_000, onRequest: (r) => log.push(r) });
  });
  afterAll(async () => {
    release();
    await gate.close();
  });

  const postTo = (body: string, signal?: AbortSignal) => fetch(`${gate.url}/get_reward`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, ...(signal ? { signal } : {}) });
  const raw = (text: string) => new Promise<{ data: string; ms: number }>((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(gate.port, '127.0.0.1', () => socket.write(text));
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (c: string) => (data += c));
    socket.on('close', () => resolve({ data, ms: Date.now() - started }));
    socket.on('error', reject);
    setTimeout(() => { socket.destroy(); resolve({ data: `${data}[still open]`, ms: Date.now() - started }); }, 4_000);
  });

  it('scores at most maxConcurrent requests at once; one more gets 503 with Retry-After, and it works again after', async () => {
    held = new Promise<void>((r) => (release = r));
    const a = postTo(JSON.stringify({ query: ['HOLD help'] }));
    const b = postTo(JSON.stringify({ query: ['HOLD help'] }));
    await expect.poll(() => judging, { timeout: 2_000 }).toBe(2);
    const busy = await postTo(JSON.stringify({ query: ['x'.repeat(3000)] }));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(((await busy.json()) as any).error).toContain('busy');
    release();
    expect((await a).status).toBe(200);
    expect((await b).status).toBe(200);
    expect((await postTo(JSON.stringify({ query: ['help'] }))).status).toBe(200);
  });

  it('a body that stalls gets 408 within the body timeout, and headers that stall close the connection in seconds', async () => {
    const body = await raw(`POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query": [`);
    expect(body.data).toMatch(/^HTTP\/1\.1 408/);
    expect(body.data).toContain('did not arrive within 400 ms');
    expect(body.ms).toBeLessThan(3_000);
    const headers = await raw('POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le');
    expect(headers.data).not.toContain('[still open]');
    expect(headers.ms).toBeLessThan(3_000);
    // the slots were given back
    expect((await postTo(JSON.stringify({ query: ['help'] }))).status).toBe(200);
  });

  it('a client that goes away is logged as an abort, not a 500 or 502, and frees its slot', async () => {
    held = new Promise<void>((r) => (release = r));
    log.length = 0;
    const controller = new AbortController();
    const gone = postTo(JSON.stringify({ query: ['HOLD help'] }), controller.signal).catch((e: Error) => e.name);
    await expect.poll(() => judging, { timeout: 2_000 }).toBe(1);
    controller.abort();
    expect(await gone).toBe('AbortError');
    await expect.poll(() => log.length, { timeout: 2_000 }).toBe(1);
    expect(log[0]).toMatchObject({ status: 499, aborted: true });
    await expect.poll(() => judging, { timeout: 2_000 }).toBe(0);
    release();
    // a client gone while sending its body: an abort as well
    log.length = 0;
    await new Promise<void>((resolve) => {
      const socket = net.connect(gate.port, '127.0.0.1', () => {
        socket.write('POST /get_reward HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"query"');
        setTimeout(() => { socket.destroy(); resolve(); }, 100);
      });
    });
    await expect.poll(() => log.length, { timeout: 2_000 }).toBe(1);
    expect(log[0]).toMatchObject({ status: 499, aborted: true });
    for (let i = 0; i < 3; i++) expect((await postTo(JSON.stringify({ query: ['help'] }))).status).toBe(200);
  });

  it('refuses a rebound Host with 403', async () => {
    const res = await raw(`GET /health HTTP/1.1\r\nHost: evil.example:${gate.port}\r\nConnection: close\r\n\r\n`);
    expect(res.data).toMatch(/^HTTP\/1\.1 403/);
    const ok = await raw(`GET /health HTTP/1.1\r\nHost: localhost:${gate.port}\r\nConnection: close\r\n\r\n`);
    expect(ok.data).toMatch(/^HTTP\/1\.1 200/);
  });
});
