import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { TenetError } from '../errors.ts';

/**
 * Provider calls go through node:http with keep-alive agents rather than fetch: at high concurrency the
 * per-call CPU cost is what limits throughput (benchmarks/provider-overhead), and node:http costs less.
 */
const agents = {
  'http:': new HttpAgent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' }),
  'https:': new HttpsAgent({ keepAlive: true, maxSockets: Infinity, scheduling: 'lifo' }),
};

/** The part of an HTTP response the transports read. */
export interface HttpResponse {
  status: number;
  ok: boolean;
  header(name: string): string | undefined;
  text(): Promise<string>;
  body: AsyncIterable<Buffer>;
}

function wrap(message: IncomingMessage): HttpResponse {
  const status = message.statusCode ?? 0;
  return {
    status,
    ok: status >= 200 && status < 300,
    header: (name) => {
      const value = message.headers[name.toLowerCase()];
      return Array.isArray(value) ? value[0] : value;
    },
    async text() {
      const chunks: Buffer[] = [];
      for await (const chunk of message) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
    body: message,
  };
}

/** Facts the retry loop needs from a failed call. */
export interface FailureDetails extends Record<string, unknown> {
  retryable: boolean;
  status?: number;
  retryAfterMs?: number;
  url: string;
  /** What the API said, without tenet's wording around it (capability refusals are recognised by it). */
  apiMessage?: string;
}

export function providerError(
  code: 'PROVIDER' | 'PROVIDER_AUTH' | 'RATE_LIMITED' | 'MALFORMED_RESPONSE' | 'BAD_INPUT',
  message: string,
  details: FailureDetails,
  hint?: string,
): TenetError {
  return new TenetError(code, message, { details, ...(hint ? { hint } : {}) });
}

export function isRetryable(error: unknown): boolean {
  return error instanceof TenetError && error.details?.retryable === true;
}

export function retryAfterOf(error: unknown): number | undefined {
  if (!(error instanceof TenetError)) return undefined;
  const ms = error.details?.retryAfterMs;
  return typeof ms === 'number' ? ms : undefined;
}

/** Retry-After as seconds or an HTTP date; `retry-after-ms` (OpenAI) wins when present. */
export function parseRetryAfter(header: (name: string) => string | null | undefined, now = Date.now()): number | undefined {
  const ms = header('retry-after-ms') ?? null;
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = header('retry-after') ?? null;
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function apiMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: string } | string; message?: string };
    if (typeof parsed.error === 'string') return parsed.error;
    return parsed.error?.message ?? parsed.message ?? body.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}

/** Turn a non-2xx response into a TenetError that says whether it is worth retrying. */
export async function failureFromResponse(response: HttpResponse, url: string, who: string): Promise<TenetError> {
  const body = await response.text().catch(() => '');
  const status = response.status;
  const said = apiMessage(body);
  const retryAfterMs = parseRetryAfter(response.header);
  const base = { status, url, apiMessage: said, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  if (status === 429) {
    return providerError('RATE_LIMITED', `${who} rate-limited the request (429): ${said}`, { ...base, retryable: true },
      'lower the concurrency or set rpm/tpm for this provider in tenet.config.yaml');
  }
  if (status === 401 || status === 403) {
    return providerError('PROVIDER_AUTH', `${who} refused the credentials (${status}): ${said}`, { ...base, retryable: false },
      'check the API key environment variable for this provider (see `tenet doctor`)');
  }
  if (status === 408 || status === 409 || status >= 500) {
    return providerError('PROVIDER', `${who} failed with ${status}: ${said}`, { ...base, retryable: true });
  }
  if (status === 404) {
    return providerError('PROVIDER', `${who} answered 404 for ${url}: ${said}`, { ...base, retryable: false },
      'check the model name and the base URL (an OpenAI-compatible base URL usually ends in /v1)');
  }
  return providerError('BAD_INPUT', `${who} rejected the request (${status}): ${said}`, { ...base, retryable: false });
}

/** A connection-level failure (refused, reset, DNS): retryable. */
export function connectionError(error: unknown, url: string, who: string): TenetError {
  const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
  return new TenetError('PROVIDER', `could not reach ${who} at ${url}: ${cause}`, {
    details: { retryable: true, url },
    hint: 'is the server running and the base URL right? (`tenet doctor` shows what is configured)',
    cause: error,
  });
}

export function malformed(who: string, url: string, what: string, raw: string): TenetError {
  return providerError('MALFORMED_RESPONSE', `${who} sent a malformed response: ${what}`, {
    retryable: true,
    url,
    raw: raw.slice(0, 500),
  });
}

/**
 * An API path under a base URL: `endpointUrl('https://x/openai/deployments/d?api-version=2024-02-01', 'chat/completions')`
 * is `https://x/openai/deployments/d/chat/completions?api-version=2024-02-01` (the query stays after the path,
 * as Azure needs). The one place a base URL and a path are joined.
 */
export function endpointUrl(base: string, path: string): string {
  const cut = base.search(/[?#]/);
  const root = cut < 0 ? base : base.slice(0, cut);
  const query = cut < 0 ? '' : base.slice(cut);
  return `${root.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}${query}`;
}

const parsedUrls = new Map<string, URL>();

/** Endpoint URLs are few and reused for every call: parse each once. */
function parsedUrl(url: string): URL {
  let parsed = parsedUrls.get(url);
  if (!parsed) parsedUrls.set(url, (parsed = new URL(url)));
  return parsed;
}

/** POST JSON; returns the response when 2xx, otherwise throws a classified TenetError. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string>,
  signal: AbortSignal,
  who: string,
): Promise<HttpResponse> {
  if (signal.aborted) throw signal.reason;
  const target = parsedUrl(url);
  const payload = Buffer.from(JSON.stringify(body));
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  let response: HttpResponse;
  try {
    response = await new Promise<HttpResponse>((resolve, reject) => {
      const req = send(target, {
        method: 'POST',
        agent: agents[target.protocol as 'http:' | 'https:'],
        headers: { 'content-type': 'application/json', 'content-length': String(payload.length), accept: 'application/json, text/event-stream, application/x-ndjson', ...headers },
        signal,
      }, (message) => resolve(wrap(message)));
      req.on('error', reject);
      req.end(payload);
    });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw connectionError(error, url, who);
  }
  if (!response.ok) throw await failureFromResponse(response, url, who);
  return response;
}

export async function readJson<T>(response: HttpResponse, url: string, who: string, signal: AbortSignal): Promise<T> {
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw connectionError(error, url, who);
  }
  try {
    return JSON.parse(text) as T;
  } catch {
    throw malformed(who, url, 'the body is not JSON', text);
  }
}

/** Yield the lines of a streamed body (SSE or NDJSON). */
export async function* lines(response: HttpResponse, signal: AbortSignal, url: string, who: string): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        yield buffer.slice(0, newline).replace(/\r$/, '');
        buffer = buffer.slice(newline + 1);
      }
    }
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw connectionError(error, url, who);
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield buffer;
}

/**
 * Yield the parsed JSON `data:` payloads of a server-sent event stream, stopping at `[DONE]`; `end.done`
 * says whether `[DONE]` came (a stream that merely stops may have been cut off).
 */
export async function* sseEvents(response: HttpResponse, signal: AbortSignal, url: string, who: string, end?: { done: boolean }): AsyncGenerator<unknown> {
  for await (const line of lines(response, signal, url, who)) {
    if (!line.startsWith('data:')) continue;
    const data = line.slice(5).trim();
    if (data === '[DONE]') {
      if (end) end.done = true;
      return;
    }
    try {
      yield JSON.parse(data);
    } catch {
      throw malformed(who, url, 'a stream event is not JSON', data);
    }
  }
}

/** Parse a JSON tool-call argument string; keep the raw text when it is not JSON. */
export function parseArguments(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
