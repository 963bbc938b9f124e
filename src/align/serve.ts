/**
 * A reward server for RL trainers, compatible with OpenRLHF's remote reward model (`--remote_rm_url`,
 * openrlhf/cli/serve_rm.py and the HTTP client in openrlhf/utils/agent.py):
 *
 *   POST /get_reward  {"query": [prompt + response text, ...], "prompts": [prompt text, ...], "labels"?: [...]}
 *                  →  {"rewards": [...], "scores": [...], "extra_logs": {"value_distance": [...], "l2": [...], "l1": [...]}}
 *   GET  /health   →  {"status": "ok", "target": ..., "judge": ...}
 *
 * OpenRLHF sends each query as the decoded prompt and response together (special tokens kept), with the
 * prompt alongside. The response is the query after its prompt: the query minus the prompt when it starts
 * with it, else the text after the prompt's last occurrence, else the whole query (counted in
 * extra_logs.unsplit). Special-token markup (`<|...|>`, `</s>`, `<end_of_turn>`, …) is removed before the judge
 * sees the text. Reward = −distance (masked with the select judge's threshold: mask.ts), −l1 or −l2 against the
 * target (reward.ts), from the select judge: what the trainer optimises. With a separate report judge, extra_logs
 * carries its reward (`heldout_reward`) for each query, so the trainer's logs show both side by side.
 *
 * Bodies over `maxBodyBytes` get 413, malformed ones 400, a judge slower than `requestTimeoutMs` 504, a judge
 * failure 502. Binds 127.0.0.1 unless told otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TenetError } from '../errors.ts';
import type { Judge } from '../judges/types.ts';
import { oneJudgeWarning, sameJudge } from '../judges/goodhart.ts';
import { maskThresholdOf } from './mask.ts';
import { distances, vectorFromJudge, type RewardKind } from './reward.ts';
import type { Target } from './targets.ts';

export interface RewardServerOptions {
  target: Target;
  /** The select judge: its reward is what the trainer optimises. */
  judge: Judge;
  /** A held-out report judge whose reward is logged beside it (extra_logs.heldout_reward); default none. */
  reportJudge?: Judge;
  /** Default masked. */
  reward?: RewardKind;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** Default 8 MiB. */
  maxBodyBytes?: number;
  /** Default 120 s. */
  requestTimeoutMs?: number;
  /** Most queries in one request (default 4096). */
  maxQueries?: number;
  /** Queries judged per judge call (default 32). */
  batchSize?: number;
  onRequest?: (info: { queries: number; ms: number; status: number }) => void;
}

export interface RewardServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SPECIAL = /<\|[^|<>\s]{1,40}\|>|<\/?s>|<(?:start|end)_of_turn>|<(?:bos|eos|pad|unk)>/g;

/** Remove special-token markup and trim. */
export function stripSpecialTokens(text: string): string {
  return text.replace(SPECIAL, '').trim();
}

/** The response part of an OpenRLHF query, and whether the prompt was found in it. */
export function splitQuery(query: string, prompt: string | undefined): { prompt: string; response: string; split: boolean } {
  if (prompt === undefined || prompt === '') return { prompt: '', response: stripSpecialTokens(query), split: prompt === '' };
  if (query.startsWith(prompt)) return { prompt: stripSpecialTokens(prompt), response: stripSpecialTokens(query.slice(prompt.length)), split: true };
  const at = query.lastIndexOf(prompt);
  if (at >= 0) return { prompt: stripSpecialTokens(prompt), response: stripSpecialTokens(query.slice(at + prompt.length)), split: true };
  return { prompt: stripSpecialTokens(prompt), response: stripSpecialTokens(query), split: false };
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `body of ${declared} bytes is over the limit of ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new HttpError(413, `body is over the limit of ${limit} bytes`));
        req.removeAllListeners('data');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parseRequest(body: Buffer, maxQueries: number): { query: string[]; prompts: string[] | undefined } {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new HttpError(400, 'the body must be a JSON object {"query": [...], "prompts": [...]}');
  const { query, prompts } = data as { query?: unknown; prompts?: unknown };
  if (!Array.isArray(query) || !query.every((q) => typeof q === 'string')) throw new HttpError(400, '"query" must be a list of strings');
  if (query.length > maxQueries) throw new HttpError(413, `${query.length} queries is over the limit of ${maxQueries} per request`);
  if (prompts !== undefined && prompts !== null) {
    if (!Array.isArray(prompts) || !prompts.every((p) => typeof p === 'string')) throw new HttpError(400, '"prompts" must be a list of strings');
    if (prompts.length !== query.length) throw new HttpError(400, `"prompts" has ${prompts.length} entries but "query" has ${query.length}`);
    return { query: query as string[], prompts: prompts as string[] };
  }
  return { query: query as string[], prompts: undefined };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Start the reward server; resolves once it listens. */
export async function startRewardServer(options: RewardServerOptions): Promise<RewardServer> {
  const { target, judge } = options;
  const limit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const timeoutMs = options.requestTimeoutMs ?? 120_000;
  const maxQueries = options.maxQueries ?? 4096;
  const batchSize = options.batchSize ?? 32;
  const reward = options.reward ?? 'masked';
  const report = options.reportJudge;
  const warning = oneJudgeWarning(judge, report ?? judge, 'gives the reward the trainer optimises');
  const health = { status: 'ok', target: { id: target.id, vector: target.vector }, reward, select_judge: `${judge.id}@${judge.version}`, judge: `${(report ?? judge).id}@${(report ?? judge).version}`, mask: maskThresholdOf(judge), warnings: warning ? [warning] : [] };

  const rewardsOf = async (j: Judge, parts: { prompt: string; response: string }[], signal: AbortSignal) => {
    const vectors: number[][] = [];
    for (let i = 0; i < parts.length; i += batchSize) {
      const results = await j.judge(parts.slice(i, i + batchSize).map((p) => ({ prompt: p.prompt, response: p.response })), { signal });
      for (const r of results) vectors.push(vectorFromJudge(r.values));
    }
    const threshold = maskThresholdOf(j).threshold;
    return vectors.map((v) => distances(v, target.vector, { reward, threshold }));
  };

  const score = async (query: string[], prompts: string[] | undefined, signal: AbortSignal) => {
    const parts = query.map((q, i) => splitQuery(q, prompts?.[i]));
    const [d, h] = await Promise.all([rewardsOf(judge, parts, signal), report && !sameJudge(report, judge) ? rewardsOf(report, parts, signal) : undefined]);
    const rewards = d.map((x) => x.reward);
    return { rewards, scores: rewards, extra_logs: { value_distance: d.map((x) => x.distance), l2: d.map((x) => x.l2), l1: d.map((x) => x.l1), ...(h ? { heldout_reward: h.map((x) => x.reward) } : {}), unsplit: parts.filter((p) => !p.split).length } };
  };

  const server = http.createServer((req, res) => {
    const started = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    const done = (status: number, body: unknown, queries = 0): void => {
      if (!res.headersSent) send(res, status, body);
      options.onRequest?.({ queries, ms: Date.now() - started, status });
    };
    if (path === '/health') {
      if (req.method !== 'GET') return done(405, { error: 'use GET /health' });
      return done(200, health);
    }
    if (path !== '/get_reward') return done(404, { error: 'not found: POST /get_reward or GET /health' });
    if (req.method !== 'POST') return done(405, { error: 'use POST /get_reward' });
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    res.on('close', () => {
      clearTimeout(timer);
      controller.abort();
    });
    void (async () => {
      let queries = 0;
      try {
        const { query, prompts } = parseRequest(await readBody(req, limit), maxQueries);
        queries = query.length;
        const result = await score(query, prompts, controller.signal);
        done(200, result, queries);
      } catch (error) {
        if (error instanceof HttpError) return done(error.status, { error: error.message }, queries);
        if (controller.signal.aborted && !res.destroyed) return done(504, { error: `the judge took longer than ${timeoutMs} ms` }, queries);
        const message = error instanceof Error ? error.message : String(error);
        done(error instanceof TenetError ? 502 : 500, { error: `the judge failed: ${message}` }, queries);
      } finally {
        clearTimeout(timer);
      }
    })();
  });
  server.requestTimeout = timeoutMs + 5_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new TenetError('BAD_USAGE', `cannot listen on ${options.host ?? '127.0.0.1'}:${options.port ?? 5000}: ${e.code ?? e.message}`, { hint: 'choose another --port, or stop what is using this one' })));
    server.listen(options.port ?? 5000, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
