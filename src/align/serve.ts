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
 * failure 502. At most `maxConcurrent` rewards are computed at once (each holds its body in memory); a request
 * beyond that gets 503 with Retry-After at once, before its body is read. Headers must arrive within
 * `headersTimeoutMs` and the body within `bodyTimeoutMs` (408), seconds rather than minutes, so slow or
 * stalled clients do not hold memory and slots. A client that goes away is reported as an abort (status 499,
 * `aborted`), not as a server error. The Host header is checked as the viewer's is (server/security.ts:
 * localhost, IP addresses, the bound host, `allowedHosts`) against DNS rebinding. Binds 127.0.0.1 unless
 * told otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TenetError } from '../errors.ts';
import { listenError } from '../server/listen.ts';
import { hostAllowed, hostRefusal } from '../server/security.ts';
import type { Judge } from '../judges/types.ts';
import { oneJudgeWarning } from '../judges/goodhart.ts';
import { sameJudge } from '../judges/ids.ts';
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
  /** How long the judge may take for one request (default 120 s; 504 after). */
  requestTimeoutMs?: number;
  /** Requests scored at once (default 8); more get 503 with Retry-After. */
  maxConcurrent?: number;
  /** How long a client may take to send its headers (default 10 s). */
  headersTimeoutMs?: number;
  /** How long a client may take to send its body once its headers are in (default 30 s; 408 after). */
  bodyTimeoutMs?: number;
  /** Host names to answer to besides localhost, IP addresses and `host` (a leading dot matches subdomains). */
  allowedHosts?: readonly string[];
  /** Most queries in one request (default 4096). */
  maxQueries?: number;
  /** Queries judged per judge call (default 32). */
  batchSize?: number;
  /** After each request; `aborted` when the client went away first (status 499 then, nothing was sent). */
  onRequest?: (info: { queries: number; ms: number; status: number; aborted?: boolean }) => void;
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

/** Status for a request whose client went away (nginx's "client closed request"); never sent. */
const CLIENT_GONE = 499;

function readBody(req: http.IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > limit) {
      reject(new HttpError(413, `body of ${declared} bytes is over the limit of ${limit}`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      fail(new HttpError(408, `the body did not arrive within ${timeoutMs} ms`));
    }, timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      chunks.length = 0;
      req.removeAllListeners('data');
      req.resume();
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return fail(new HttpError(413, `body is over the limit of ${limit} bytes`));
      chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', () => fail(new HttpError(CLIENT_GONE, 'the client went away')));
    req.on('close', () => {
      if (!req.complete) fail(new HttpError(CLIENT_GONE, 'the client went away'));
    });
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

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Start the reward server; resolves once it listens. */
export async function startRewardServer(options: RewardServerOptions): Promise<RewardServer> {
  const { target, judge } = options;
  const limit = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const timeoutMs = options.requestTimeoutMs ?? 120_000;
  const maxQueries = options.maxQueries ?? 4096;
  const batchSize = options.batchSize ?? 32;
  const maxConcurrent = options.maxConcurrent ?? 8;
  const headersTimeoutMs = options.headersTimeoutMs ?? 10_000;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 30_000;
  const hosts = { bound: options.host ?? '127.0.0.1', allowed: options.allowedHosts ?? [] };
  let inFlight = 0;
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

  const server = http.createServer(
    // node's own limits as a backstop (checked every second): headers within headersTimeoutMs, the whole request within both
    { headersTimeout: headersTimeoutMs, requestTimeout: headersTimeoutMs + bodyTimeoutMs, connectionsCheckingInterval: 1_000 },
    (req, res) => {
      const started = Date.now();
      const path = (req.url ?? '/').split('?')[0];
      let reported = false;
      const gone = (): boolean => res.destroyed && !res.writableFinished;
      const done = (status: number, body: unknown, queries = 0, headers: Record<string, string> = {}): void => {
        const aborted = status === CLIENT_GONE || gone();
        if (!aborted && !res.headersSent) send(res, status, body, status === 408 ? { connection: 'close', ...headers } : headers);
        if (reported) return;
        reported = true;
        options.onRequest?.({ queries, ms: Date.now() - started, status: aborted ? CLIENT_GONE : status, ...(aborted ? { aborted: true } : {}) });
      };
      if (!hostAllowed(req.headers.host, hosts)) return done(403, { error: hostRefusal(req.headers.host ?? '') });
      if (path === '/health') {
        if (req.method !== 'GET') return done(405, { error: 'use GET /health' });
        return done(200, health);
      }
      if (path !== '/get_reward') return done(404, { error: 'not found: POST /get_reward or GET /health' });
      if (req.method !== 'POST') return done(405, { error: 'use POST /get_reward' });
      if (inFlight >= maxConcurrent) return done(503, { error: `busy: ${maxConcurrent} requests are being scored; retry shortly` }, 0, { 'retry-after': '1' });
      inFlight++;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      res.once('close', () => {
        inFlight--;
        clearTimeout(timer);
        controller.abort();
        if (gone()) done(CLIENT_GONE, null);
      });
      void (async () => {
        let queries = 0;
        try {
          const { query, prompts } = parseRequest(await readBody(req, limit, bodyTimeoutMs), maxQueries);
          queries = query.length;
          const result = await score(query, prompts, controller.signal);
          done(200, result, queries);
        } catch (error) {
          if (gone()) return done(CLIENT_GONE, null, queries);
          if (error instanceof HttpError) return done(error.status, { error: error.message }, queries);
          if (controller.signal.aborted) return done(504, { error: `the judge took longer than ${timeoutMs} ms` }, queries);
          const message = error instanceof Error ? error.message : String(error);
          done(error instanceof TenetError ? 502 : 500, { error: `the judge failed: ${message}` }, queries);
        } finally {
          clearTimeout(timer);
        }
      })();
    },
  );
  const port = options.port ?? 5000;
  const bindHost = options.host ?? '127.0.0.1';
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, bindHost, () => resolve());
    });
  } catch (error) {
    throw listenError(error, bindHost, port);
  }
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
