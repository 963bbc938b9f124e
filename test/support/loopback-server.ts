/**
 * Loopback model server for tests: a real HTTP server on 127.0.0.1 (random port) that speaks the
 * OpenAI Chat Completions / legacy Completions (echo + logprobs, for teacher-forced scoring) / Embeddings, Anthropic Messages and Ollama native chat wire protocols
 * closely enough for the official SDKs. What the "model" says is decided by a script.
 *
 *   const server = await startLoopbackServer((req) => req.choiceIndex === 0 ? 'Yes.' : { fault: 'rate_limit' });
 *   new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'test', maxRetries: 0 });
 *   new Anthropic({ baseURL: server.url, apiKey: 'test', maxRetries: 0 });
 *   fetch(`${server.url}/api/chat`, ...);   // Ollama
 *   await server.close();
 *
 * Text is tokenised by `tokenize` in ./tokens.ts (usage counts, logprobs, stream chunks, max-token cuts).
 * max_tokens / max_completion_tokens / num_predict truncate the script's text (finish 'length' / 'max_tokens'),
 * and stop / stop_sequences / options.stop cut it at the first match, as a real model would.
 *
 * The scoring sanity probe (SCORING_PROBE in src/models/capabilities.ts: a likely and an unlikely word after
 * "The capital of France is") is answered on /v1/completions as a real model would, whatever the script says.
 * `compat` makes the server behave as the OpenAI-compatible servers people run do (see CompatMode).
 */
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SCORING_PROBE } from '../../src/models/capabilities.ts';
import {
  countTokens,
  defaultLogprob,
  embedText,
  embeddingToBase64,
  tokenize,
  utf8Bytes,
} from './tokens.ts';

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

export type Api = 'openai' | 'anthropic' | 'ollama';
export type Role = 'system' | 'user' | 'assistant' | 'tool';
export type RequestHeaders = Record<string, string | string[] | undefined>;

export interface NormalisedMessage {
  role: Role;
  content: string;
}

export interface ToolSpec {
  name: string;
  description?: string;
  parameters: unknown;
}

export interface ScriptRequest {
  api: Api;
  path: string;
  headers: RequestHeaders;
  /** The parsed JSON body as sent. */
  body: any;
  model: string;
  /** Normalised across APIs: Anthropic `system` becomes a first system message, OpenAI `developer` becomes
   * `system`, an Anthropic user turn made only of tool_result blocks becomes `tool`; content arrays are
   * joined to text (text parts joined with '\n'; tool_use blocks as their JSON input; images dropped). */
  messages: NormalisedMessage[];
  /** 0..n-1: the script is called once per choice when n > 1. */
  choiceIndex: number;
  /** How many requests this server had received before this one (0-based). */
  callIndex: number;
  /** The schema asked for via response_format json_schema / Anthropic output_config.format / Ollama format / the forced tool's schema. */
  jsonSchema?: unknown;
  tools?: ToolSpec[];
  /** Whether the client asked for a streamed answer. */
  stream: boolean;
}

export interface TopLogprob {
  token: string;
  logprob: number;
}

export type Reply =
  | string
  | {
      text: string;
      /** One per token; missing entries get a deterministic default. */
      logprobs?: number[];
      /** Legacy completions with echo: one per prompt token (the first is always reported as null); missing entries get the default. */
      promptLogprobs?: number[];
      /** Per token: alternatives to offer in top_logprobs besides the chosen token (made-up ones fill the rest). */
      topLogprobs?: TopLogprob[][];
      /** Given in any API's vocabulary ('stop' | 'length' | 'end_turn' | 'max_tokens' | ...); mapped per API. */
      finishReason?: string;
      /** When streamed: the text, then the stream simply ends, without its end markers (OpenAI finish_reason
       * and [DONE], Anthropic message_stop, Ollama done: true), as a cut-off upstream or proxy would leave it. */
      cutStream?: boolean;
    }
  | { toolCall: { name: string; arguments: unknown } }
  | { fault: 'rate_limit'; retryAfterSeconds?: number; retryAfterMs?: number }
  | { fault: 'server_error'; status?: number }
  | { fault: 'stall'; ms: number }
  | { fault: 'malformed' }
  | { fault: 'http'; status: number; body?: unknown };

export type Fault = Extract<Reply, { fault: string }>;
export type Script = (req: ScriptRequest) => Reply | Promise<Reply>;

/**
 * How a real OpenAI-compatible server departs from OpenAI's API:
 * - `ignores-n`: answers one choice whatever n asks (llama-cpp-python);
 * - `refuses-n`: n > 1 is a 400 "Only one completion choice is allowed" (llama.cpp's server);
 * - `refuses-json-schema`: response_format json_schema is a 500 naming response_format (llama-cpp-python;
 *   json_object with a schema works);
 * - `ignores-response-format`: response_format is ignored (the model sees only the instructions);
 * - `shifted-echo`: an echo reads each prompt token's log-probability one position late (llama-cpp-python);
 * - `no-stream-usage`: streams ignore stream_options.include_usage;
 * - `chat-only`: no /v1/completions (OpenAI's chat models, Ollama /v1, LM Studio): 404.
 */
export type CompatMode = 'ignores-n' | 'refuses-n' | 'refuses-json-schema' | 'ignores-response-format' | 'shifted-echo' | 'no-stream-usage' | 'chat-only';
export const COMPAT_MODES: readonly CompatMode[] = ['ignores-n', 'refuses-n', 'refuses-json-schema', 'ignores-response-format', 'shifted-echo', 'no-stream-usage', 'chat-only'];

export interface LoopbackOptions {
  /** Behave as a real OpenAI-compatible server that departs from OpenAI's API (one mode or several). */
  compat?: CompatMode | CompatMode[];
  /** Fixed delay before each response. */
  latencyMs?: number;
  /** When set, require it (Authorization: Bearer for openai, x-api-key or Bearer for anthropic) and answer 401 otherwise. Ollama is never checked. */
  apiKey?: string;
  /** Delay between streamed chunks (default 0: the whole stream is written at once). */
  chunkDelayMs?: number;
  /** Model ids listed by GET /v1/models and /api/tags (default ['loopback-model']). */
  models?: string[];
}

export interface RecordedRequest {
  api: Api;
  method: string;
  path: string;
  /** Parsed JSON body; the raw text when it was not valid JSON; undefined when empty. */
  body: any;
  headers: RequestHeaders;
  at: number;
}

export interface LoopbackServer {
  /** http://127.0.0.1:PORT — OpenAI base URL is `${url}/v1`, Anthropic and Ollama base URL is `url`. */
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** The most requests that were ever being answered at once (from body read to response close). */
  readonly peakInFlight: number;
  setScript(script: Script): void;
  close(): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Internals
// ---------------------------------------------------------------------------------------------

interface Ctx {
  res: ServerResponse;
  gone: boolean;
  cancels: Set<() => void>;
}

interface Limits {
  maxTokens?: number;
  stop?: string[];
}

interface TextChoice {
  kind: 'text';
  text: string;
  tokens: string[];
  logprobs: number[];
  top: (TopLogprob[] | undefined)[];
  finish: string;
  stopSequence: string | null;
  cut?: boolean;
  promptLogprobs?: number[];
}

interface ToolChoice {
  kind: 'tool';
  name: string;
  /** The arguments as an object/value (parsed when the script gave a JSON string). */
  args: unknown;
  /** The arguments as the JSON text OpenAI sends (verbatim when the script gave a string). */
  argsText: string;
  tokens: string[];
}

type Choice = TextChoice | ToolChoice;
type Outcome = { kind: 'choices'; choices: Choice[] } | { kind: 'fault'; fault: Fault } | { kind: 'gone' };

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const FILLER_TOKENS = [
  'the', 'a', 'and', 'of', 'to', 'in', 'it', 'is', 'that', 'this',
  'for', 'on', 'with', 'as', 'be', 'at', 'by', 'or', 'an', 'so', 'but', 'not',
];

const OPENAI_FINISH: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};
const ANTHROPIC_STOP: Record<string, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  tool_calls: 'tool_use',
  content_filter: 'refusal',
};
const OLLAMA_DONE: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  tool_use: 'stop',
  tool_calls: 'stop',
};

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function partText(part: unknown): string {
  if (typeof part === 'string') return part;
  if (!isObject(part)) return '';
  switch (part.type) {
    case 'text':
    case 'input_text':
    case 'output_text':
      return typeof part.text === 'string' ? part.text : '';
    case 'tool_result':
      return contentToText(part.content);
    case 'tool_use':
      return JSON.stringify(part.input ?? {});
    case 'refusal':
      return typeof part.refusal === 'string' ? part.refusal : '';
    default:
      return typeof part.text === 'string' ? part.text : '';
  }
}

function contentToText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(partText).filter((s) => s !== '').join('\n');
  return '';
}

function normRole(role: unknown): Role {
  switch (role) {
    case 'system':
    case 'developer':
      return 'system';
    case 'assistant':
    case 'model':
      return 'assistant';
    case 'tool':
    case 'function':
    case 'ipython':
      return 'tool';
    default:
      return 'user';
  }
}

function promptTokens(messages: NormalisedMessage[]): number {
  let n = 0;
  for (const m of messages) n += countTokens(m.content);
  return n;
}

function applyLimits(text: string, limits: Limits): { text: string; finish?: string; stopSequence: string | null } {
  let out = text;
  let finish: string | undefined;
  let stopSequence: string | null = null;
  if (limits.stop && limits.stop.length > 0) {
    let at = -1;
    for (const s of limits.stop) {
      if (typeof s !== 'string' || s === '') continue;
      const i = out.indexOf(s);
      if (i >= 0 && (at < 0 || i < at)) {
        at = i;
        stopSequence = s;
      }
    }
    if (at >= 0) {
      out = out.slice(0, at);
      finish = 'stop_sequence';
    }
  }
  if (limits.maxTokens !== undefined && limits.maxTokens >= 0) {
    const toks = tokenize(out);
    if (toks.length > limits.maxTokens) {
      out = toks.slice(0, limits.maxTokens).join('');
      finish = 'length';
      stopSequence = null;
    }
  }
  return finish === undefined ? { text: out, stopSequence } : { text: out, finish, stopSequence };
}

function toChoice(reply: Reply, limits: Limits): Choice {
  if (typeof reply === 'string') return toChoice({ text: reply }, limits);
  if (isObject(reply) && 'toolCall' in reply && isObject(reply.toolCall)) {
    const { name, arguments: raw } = reply.toolCall;
    let args: unknown = raw;
    let argsText: string;
    if (typeof raw === 'string') {
      argsText = raw;
      try {
        args = JSON.parse(raw);
      } catch {
        args = raw;
      }
    } else {
      argsText = JSON.stringify(raw ?? {});
    }
    return { kind: 'tool', name: String(name), args, argsText, tokens: tokenize(argsText) };
  }
  if (isObject(reply) && 'text' in reply && typeof reply.text === 'string') {
    const r = reply as Extract<Reply, { text: string }>;
    const limited = applyLimits(r.text, limits);
    const tokens = tokenize(limited.text);
    const logprobs = tokens.map((t, i) => {
      const given = r.logprobs?.[i];
      return typeof given === 'number' && Number.isFinite(given) ? Math.min(0, given) : defaultLogprob(t);
    });
    const top = tokens.map((_, i) => r.topLogprobs?.[i]);
    const finish = r.finishReason ?? limited.finish ?? 'stop';
    return { kind: 'text', text: limited.text, tokens, logprobs, top, finish, stopSequence: limited.stopSequence, ...(r.cutStream ? { cut: true } : {}), ...(r.promptLogprobs ? { promptLogprobs: r.promptLogprobs } : {}) };
  }
  throw new Error(`loopback script returned an unrecognised reply: ${JSON.stringify(reply)}`);
}

function isFault(reply: Reply): reply is Fault {
  return isObject(reply) && typeof (reply as { fault?: unknown }).fault === 'string';
}

/** top_logprobs entries for one token: the chosen one plus alternatives, sorted, `count` long. */
function topEntries(token: string, logprob: number, given: TopLogprob[] | undefined, count: number): TopLogprob[] {
  const seen = new Set<string>([token]);
  const entries: TopLogprob[] = [{ token, logprob }];
  for (const alt of given ?? []) {
    if (!alt || typeof alt.token !== 'string' || seen.has(alt.token)) continue;
    seen.add(alt.token);
    entries.push({ token: alt.token, logprob: Math.min(0, Number(alt.logprob)) });
  }
  entries.sort((a, b) => b.logprob - a.logprob);
  const lead = /^\s*/.exec(token)?.[0] ?? '';
  // Made-up alternatives share the leftover probability mass, halving each time.
  const floor = entries.reduce((m, e) => Math.min(m, e.logprob), 0);
  let mass = Math.max(1e-9, 1 - entries.reduce((s, e) => s + Math.exp(e.logprob), 0));
  let k = 0;
  for (const filler of FILLER_TOKENS) {
    if (entries.length >= count) break;
    const candidate = lead + filler;
    if (seen.has(candidate)) continue;
    seen.add(candidate);
    mass /= 2;
    k++;
    entries.push({ token: candidate, logprob: Math.min(floor - 0.01 * k, Math.log(Math.max(mass, 1e-12))) });
  }
  return entries.slice(0, count);
}

function finishFor(api: Api, choice: Choice): string {
  if (choice.kind === 'tool') return api === 'openai' ? 'tool_calls' : api === 'anthropic' ? 'tool_use' : 'stop';
  const f = choice.finish;
  if (api === 'openai') return OPENAI_FINISH[f] ?? f;
  if (api === 'anthropic') return ANTHROPIC_STOP[f] ?? f;
  return OLLAMA_DONE[f] ?? f;
}

function completionTokens(choices: Choice[]): number {
  return choices.reduce((s, c) => s + c.tokens.length, 0);
}

// --- error bodies ---

function openaiErrorType(status: number): { type: string; code: string | null } {
  if (status === 401) return { type: 'invalid_request_error', code: 'invalid_api_key' };
  if (status === 403) return { type: 'invalid_request_error', code: 'unsupported_country_region_territory' };
  if (status === 404) return { type: 'invalid_request_error', code: 'model_not_found' };
  if (status === 429) return { type: 'requests', code: 'rate_limit_exceeded' };
  if (status >= 500) return { type: 'server_error', code: null };
  return { type: 'invalid_request_error', code: null };
}

function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

function errorBody(api: Api, status: number, message: string, requestId: string): unknown {
  if (api === 'openai') {
    const { type, code } = openaiErrorType(status);
    return { error: { message, type, param: null, code } };
  }
  if (api === 'anthropic') {
    return { type: 'error', error: { type: anthropicErrorType(status), message }, request_id: requestId };
  }
  return { error: message };
}

function defaultErrorMessage(status: number): string {
  switch (status) {
    case 400:
      return 'Bad request (loopback)';
    case 401:
      return 'Unauthorized (loopback)';
    case 403:
      return 'Forbidden (loopback)';
    case 404:
      return 'Not found (loopback)';
    case 429:
      return 'Rate limit reached (loopback)';
    case 529:
      return 'Overloaded (loopback)';
    default:
      return status >= 500 ? 'The server had an error while processing your request (loopback)' : `HTTP ${status} (loopback)`;
  }
}

// --- request shapes ---

function schemaOfForcedTool(tools: ToolSpec[] | undefined, forcedName: string | undefined, anyForced: boolean): unknown {
  if (!tools || tools.length === 0) return undefined;
  if (forcedName !== undefined) return tools.find((t) => t.name === forcedName)?.parameters;
  if (anyForced && tools.length === 1) return tools[0]?.parameters;
  return undefined;
}

function openaiTools(body: Record<string, any>): ToolSpec[] | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  const out: ToolSpec[] = [];
  for (const t of body.tools) {
    if (!isObject(t) || !isObject(t.function)) continue;
    const spec: ToolSpec = { name: String(t.function.name), parameters: t.function.parameters ?? { type: 'object', properties: {} } };
    if (typeof t.function.description === 'string') spec.description = t.function.description;
    out.push(spec);
  }
  return out;
}

function anthropicTools(body: Record<string, any>): ToolSpec[] | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  const out: ToolSpec[] = [];
  for (const t of body.tools) {
    if (!isObject(t) || typeof t.name !== 'string') continue;
    const spec: ToolSpec = { name: t.name, parameters: t.input_schema ?? { type: 'object', properties: {} } };
    if (typeof t.description === 'string') spec.description = t.description;
    out.push(spec);
  }
  return out;
}

function stopList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.filter((s): s is string => typeof s === 'string');
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Server
// ---------------------------------------------------------------------------------------------

export async function startLoopbackServer(script: Script, options: LoopbackOptions = {}): Promise<LoopbackServer> {
  let currentScript = script;
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  const chunkDelayMs = Math.max(0, options.chunkDelayMs ?? 0);
  const models = options.models && options.models.length > 0 ? options.models : ['loopback-model'];
  const compat = new Set<CompatMode>(options.compat === undefined ? [] : Array.isArray(options.compat) ? options.compat : [options.compat]);
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const live = new Set<Ctx>();
  let seq = 0;
  let closing: Promise<void> | undefined;

  const nextId = (): string => (++seq).toString(36).padStart(8, '0');

  function sleep(ctx: Ctx, ms: number): Promise<boolean> {
    if (ctx.gone) return Promise.resolve(false);
    if (ms <= 0) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        ctx.cancels.delete(cancel);
        resolve(ok);
      };
      const cancel = (): void => finish(false);
      const timer = setTimeout(() => finish(!ctx.gone), ms);
      ctx.cancels.add(cancel);
    });
  }

  function markGone(ctx: Ctx): void {
    if (ctx.gone) return;
    ctx.gone = true;
    for (const cancel of [...ctx.cancels]) cancel();
    live.delete(ctx);
  }

  function sendRaw(ctx: Ctx, status: number, contentType: string, payload: string, headers: Record<string, string> = {}): void {
    if (ctx.gone || ctx.res.headersSent) return;
    ctx.res.writeHead(status, {
      'content-type': contentType,
      'content-length': String(Buffer.byteLength(payload)),
      ...headers,
    });
    ctx.res.end(payload);
  }

  function sendJson(ctx: Ctx, status: number, value: unknown, headers: Record<string, string> = {}): void {
    sendRaw(ctx, status, 'application/json', JSON.stringify(value), headers);
  }

  async function sendStream(ctx: Ctx, contentType: string, pieces: string[], headers: Record<string, string>): Promise<void> {
    if (ctx.gone || ctx.res.headersSent) return;
    ctx.res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-cache', ...headers });
    if (chunkDelayMs === 0) {
      ctx.res.end(pieces.join(''));
      return;
    }
    for (const piece of pieces) {
      if (ctx.gone) return;
      ctx.res.write(piece);
      if (!(await sleep(ctx, chunkDelayMs))) return;
    }
    ctx.res.end();
  }

  function idHeaders(api: Api, requestId: string): Record<string, string> {
    if (api === 'anthropic') return { 'request-id': requestId };
    if (api === 'openai') return { 'x-request-id': requestId, 'openai-processing-ms': String(latencyMs) };
    return {};
  }

  function sendError(ctx: Ctx, api: Api, status: number, message: string, requestId: string, extra: Record<string, string> = {}): void {
    sendJson(ctx, status, errorBody(api, status, message, requestId), { ...idHeaders(api, requestId), ...extra });
  }

  async function runScript(ctx: Ctx, base: Omit<ScriptRequest, 'choiceIndex'>, n: number, limits: Limits): Promise<Outcome> {
    const replies: Reply[] = [];
    for (let i = 0; i < n; i++) {
      const reply = await currentScript({ ...base, choiceIndex: i });
      if (ctx.gone) return { kind: 'gone' };
      if (isFault(reply)) {
        if (reply.fault === 'stall') {
          if (!(await sleep(ctx, reply.ms))) return { kind: 'gone' };
          return { kind: 'choices', choices: Array.from({ length: n }, () => toChoice('stalled', limits)) };
        }
        return { kind: 'fault', fault: reply };
      }
      replies.push(reply);
    }
    return { kind: 'choices', choices: replies.map((r) => toChoice(r, limits)) };
  }

  async function sendFault(ctx: Ctx, api: Api, fault: Fault, stream: boolean, requestId: string, model: string): Promise<void> {
    switch (fault.fault) {
      case 'rate_limit': {
        const headers: Record<string, string> = {};
        const { retryAfterSeconds, retryAfterMs } = fault;
        if (retryAfterSeconds === undefined && retryAfterMs === undefined) {
          headers['retry-after'] = '1';
          headers['retry-after-ms'] = '1000';
        } else {
          headers['retry-after'] = String(retryAfterSeconds ?? Math.ceil((retryAfterMs ?? 0) / 1000));
          headers['retry-after-ms'] = String(retryAfterMs ?? Math.round((retryAfterSeconds ?? 0) * 1000));
        }
        sendError(ctx, api, 429, defaultErrorMessage(429), requestId, headers);
        return;
      }
      case 'server_error': {
        const status = fault.status ?? 500;
        sendError(ctx, api, status, defaultErrorMessage(status), requestId);
        return;
      }
      case 'http': {
        if (fault.body === undefined) {
          sendError(ctx, api, fault.status, defaultErrorMessage(fault.status), requestId);
        } else if (typeof fault.body === 'string') {
          sendRaw(ctx, fault.status, 'text/plain; charset=utf-8', fault.body, idHeaders(api, requestId));
        } else {
          sendJson(ctx, fault.status, fault.body, idHeaders(api, requestId));
        }
        return;
      }
      case 'malformed': {
        if (!stream) {
          sendRaw(ctx, 200, 'application/json', '{"id": "broken", "choices": [{"index": 0, "message": {"content": "unterminated', idHeaders(api, requestId));
          return;
        }
        const created = Math.floor(Date.now() / 1000);
        if (api === 'openai') {
          const first = { id: `chatcmpl-${requestId}`, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] };
          await sendStream(ctx, 'text/event-stream; charset=utf-8', [`data: ${JSON.stringify(first)}\n\n`, 'data: {"id": "broken", "choices": [{"delta": {"content": "unterminated\n\n'], idHeaders(api, requestId));
        } else if (api === 'anthropic') {
          await sendStream(ctx, 'text/event-stream; charset=utf-8', [
            sse('message_start', { type: 'message_start', message: anthropicMessageShell(`msg_${requestId}`, model, 0) }),
            'event: content_block_start\ndata: {"type": "content_block_start", "index": 0, "content_block": {"type": "te\n\n',
          ], idHeaders(api, requestId));
        } else {
          await sendStream(ctx, 'application/x-ndjson', [
            JSON.stringify({ model, created_at: new Date().toISOString(), message: { role: 'assistant', content: '' }, done: false }) + '\n',
            '{"model": "broken", "message": {"role": "assistant", "content": "unterminated\n',
          ], {});
        }
        return;
      }
      case 'stall':
        return; // handled in runScript
    }
  }

  // --- OpenAI ---

  function openaiLogprobEntries(choice: TextChoice, top: number): unknown[] {
    return choice.tokens.map((token, i) => {
      const logprob = choice.logprobs[i] ?? defaultLogprob(token);
      return {
        token,
        logprob,
        bytes: utf8Bytes(token),
        top_logprobs: top > 0 ? topEntries(token, logprob, choice.top[i], top).map((e) => ({ token: e.token, logprob: e.logprob, bytes: utf8Bytes(e.token) })) : [],
      };
    });
  }

  async function openaiChat(ctx: Ctx, body: any, path: string, headers: RequestHeaders, callIndex: number, requestId: string): Promise<void> {
    if (!isObject(body)) throw new HttpError(400, 'The request body must be a JSON object.');
    if (typeof body.model !== 'string' || body.model === '') throw new HttpError(400, 'you must provide a model parameter');
    if (!Array.isArray(body.messages) || body.messages.length === 0) throw new HttpError(400, "Invalid 'messages': expected a non-empty array.");
    const asked = body.n ?? 1;
    if (!Number.isInteger(asked) || asked < 1 || asked > 128) throw new HttpError(400, "Invalid 'n': must be an integer between 1 and 128.");
    if (compat.has('refuses-n') && asked > 1) throw new HttpError(400, 'Only one completion choice is allowed');
    const n = compat.has('ignores-n') ? 1 : asked;
    if (compat.has('refuses-json-schema') && isObject(body.response_format) && body.response_format.type === 'json_schema') {
      throw new HttpError(500, `[{'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': "Input should be 'text' or 'json_object'", 'input': 'json_schema'}]`);
    }
    const responseFormat = compat.has('ignores-response-format') ? undefined : body.response_format;
    const wantLogprobs = body.logprobs === true;
    const topN = wantLogprobs && Number.isInteger(body.top_logprobs) ? Math.max(0, Math.min(20, body.top_logprobs as number)) : 0;
    if (body.top_logprobs !== undefined && body.top_logprobs !== null && !wantLogprobs) {
      throw new HttpError(400, "Invalid value for 'top_logprobs': 'logprobs' must be set to true.");
    }
    const stream = body.stream === true;
    const includeUsage = stream && isObject(body.stream_options) && body.stream_options.include_usage === true && !compat.has('no-stream-usage');
    const model: string = body.model;
    const messages = body.messages.map((m: any): NormalisedMessage => ({ role: normRole(m?.role), content: contentToText(m?.content) }));
    const tools = openaiTools(body);
    const tc = body.tool_choice;
    let jsonSchema: unknown;
    if (isObject(responseFormat) && responseFormat.type === 'json_schema') {
      jsonSchema = responseFormat.json_schema?.schema;
    } else if (isObject(responseFormat) && responseFormat.type === 'json_object' && responseFormat.schema !== undefined) {
      jsonSchema = responseFormat.schema;
    } else {
      const forced = isObject(tc) && isObject(tc.function) ? String(tc.function.name) : undefined;
      jsonSchema = schemaOfForcedTool(tools, forced, tc === 'required');
    }
    const maxTokens = body.max_completion_tokens ?? body.max_tokens;
    const limits: Limits = {};
    if (typeof maxTokens === 'number') limits.maxTokens = maxTokens;
    const stop = stopList(body.stop);
    if (stop) limits.stop = stop;

    const base: Omit<ScriptRequest, 'choiceIndex'> = { api: 'openai', path, headers, body, model, messages, callIndex, stream };
    if (jsonSchema !== undefined) base.jsonSchema = jsonSchema;
    if (tools) base.tools = tools;
    const outcome = await runScript(ctx, base, n, limits);
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'fault') return sendFault(ctx, 'openai', outcome.fault, stream, requestId, model);
    const choices = outcome.choices;

    const id = `chatcmpl-${requestId}`;
    const created = Math.floor(Date.now() / 1000);
    const prompt = promptTokens(messages);
    const completion = completionTokens(choices);
    const usage = {
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
      prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
    };
    const callIds = choices.map(() => `call_${nextId()}`);

    if (!stream) {
      sendJson(
        ctx,
        200,
        {
          id,
          object: 'chat.completion',
          created,
          model,
          choices: choices.map((c, index) => {
            if (c.kind === 'tool') {
              return {
                index,
                message: {
                  role: 'assistant',
                  content: null,
                  refusal: null,
                  annotations: [],
                  tool_calls: [{ id: callIds[index], type: 'function', function: { name: c.name, arguments: c.argsText } }],
                },
                logprobs: null,
                finish_reason: finishFor('openai', c),
              };
            }
            return {
              index,
              message: { role: 'assistant', content: c.text, refusal: null, annotations: [] },
              logprobs: wantLogprobs ? { content: openaiLogprobEntries(c, topN), refusal: null } : null,
              finish_reason: finishFor('openai', c),
            };
          }),
          usage,
          service_tier: 'default',
          system_fingerprint: 'fp_loopback',
        },
        idHeaders('openai', requestId),
      );
      return;
    }

    const chunk = (choice: Record<string, unknown>): string => {
      const obj: Record<string, unknown> = { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: 'fp_loopback', choices: [choice] };
      if (includeUsage) obj.usage = null;
      return `data: ${JSON.stringify(obj)}\n\n`;
    };
    const perChoice: string[][] = choices.map((c, index) => {
      const out: string[] = [];
      if (c.kind === 'tool') {
        out.push(chunk({ index, delta: { role: 'assistant', content: null, refusal: null, tool_calls: [{ index: 0, id: callIds[index], type: 'function', function: { name: c.name, arguments: '' } }] }, logprobs: null, finish_reason: null }));
        for (const piece of c.tokens) out.push(chunk({ index, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] }, logprobs: null, finish_reason: null }));
      } else {
        out.push(chunk({ index, delta: { role: 'assistant', content: '', refusal: null }, logprobs: wantLogprobs ? { content: [], refusal: null } : null, finish_reason: null }));
        const entries = wantLogprobs ? openaiLogprobEntries(c, topN) : [];
        c.tokens.forEach((token, i) => {
          out.push(chunk({ index, delta: { content: token }, logprobs: wantLogprobs ? { content: [entries[i]], refusal: null } : null, finish_reason: null }));
        });
      }
      if (c.kind === 'text' && c.cut) return out;
      out.push(chunk({ index, delta: {}, logprobs: null, finish_reason: finishFor('openai', c) }));
      return out;
    });
    const cut = choices.some((c) => c.kind === 'text' && c.cut);
    // Interleave the choices' chunks, as the real API does for n > 1.
    const pieces: string[] = [];
    const longest = Math.max(...perChoice.map((p) => p.length));
    for (let k = 0; k < longest; k++) for (const p of perChoice) if (k < p.length) pieces.push(p[k] as string);
    if (includeUsage && !cut) {
      pieces.push(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model, service_tier: 'default', system_fingerprint: 'fp_loopback', choices: [], usage })}\n\n`);
    }
    if (!cut) pieces.push('data: [DONE]\n\n');
    await sendStream(ctx, 'text/event-stream; charset=utf-8', pieces, idHeaders('openai', requestId));
  }

  function embeddingInputs(input: unknown): string[] {
    if (typeof input === 'string') return [input];
    if (Array.isArray(input)) {
      if (input.length === 0) throw new HttpError(400, "'input' : input must be a non-empty string or array");
      if (input.every((x) => typeof x === 'number')) return [input.join(' ')];
      return input.map((x) => {
        if (typeof x === 'string') return x;
        if (Array.isArray(x)) return x.join(' ');
        throw new HttpError(400, "'input' : input must be a string, an array of strings, or an array of token arrays");
      });
    }
    throw new HttpError(400, "'input' is a required property");
  }

  /**
   * Legacy `POST /v1/completions` as vLLM and llama-server serve it: one string prompt, no streaming; with
   * `echo` the prompt's tokens come back first in `logprobs` (tokens, token_logprobs with a null first entry,
   * text_offset), then the generated ones. The script sees the prompt as one user message.
   */
  async function openaiCompletions(ctx: Ctx, body: any, path: string, headers: RequestHeaders, callIndex: number, requestId: string): Promise<void> {
    if (!isObject(body)) throw new HttpError(400, 'The request body must be a JSON object.');
    if (typeof body.model !== 'string' || body.model === '') throw new HttpError(400, 'you must provide a model parameter');
    if (typeof body.prompt !== 'string') throw new HttpError(400, "Invalid 'prompt': this server takes one string prompt.");
    if (body.stream === true) throw new HttpError(400, 'streaming is not supported on /v1/completions here');
    const prompt: string = body.prompt;
    const echo = body.echo === true;
    const wantLogprobs = Number.isInteger(body.logprobs) && body.logprobs >= 0;
    const limits: Limits = { maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : 16 };
    const stop = stopList(body.stop);
    if (stop) limits.stop = stop;
    const base: Omit<ScriptRequest, 'choiceIndex'> = { api: 'openai', path, headers, body, model: body.model, messages: [{ role: 'user', content: prompt }], callIndex, stream: false };
    const known = echo ? probeLogprobs(prompt) : undefined;
    const outcome: Outcome = known ? { kind: 'choices', choices: [toChoice({ text: '', promptLogprobs: known }, limits)] } : await runScript(ctx, base, 1, limits);
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'fault') return sendFault(ctx, 'openai', outcome.fault, false, requestId, body.model);
    const choice = outcome.choices[0]!;
    if (choice.kind !== 'text') throw new HttpError(400, 'tool calls are not available on /v1/completions');
    const promptTokens = echo ? tokenize(prompt) : [];
    const truth = promptTokens.map((t, i) => (i === 0 ? null : Math.min(0, choice.promptLogprobs?.[i] ?? defaultLogprob(t))));
    // shifted-echo: each token reported with the log-probability of the one before it (one position late)
    const promptLogprobs = compat.has('shifted-echo') ? truth.map((_, i) => (i === 0 ? null : truth[i - 1] ?? null)) : truth;
    const tokens = [...promptTokens, ...choice.tokens];
    const offsets: number[] = [];
    let at = 0;
    for (const t of tokens) {
      offsets.push(at);
      at += t.length;
    }
    sendJson(ctx, 200, {
      id: `cmpl-${requestId}`,
      object: 'text_completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model,
      choices: [{
        index: 0,
        text: (echo ? prompt : '') + choice.text,
        logprobs: wantLogprobs ? { tokens, token_logprobs: [...promptLogprobs, ...choice.logprobs], text_offset: offsets, top_logprobs: null } : null,
        finish_reason: choice.finish === 'stop_sequence' ? 'stop' : choice.finish,
      }],
      usage: { prompt_tokens: countTokens(prompt), completion_tokens: choice.tokens.length, total_tokens: countTokens(prompt) + choice.tokens.length },
    }, idHeaders('openai', requestId));
  }

  function openaiEmbeddings(ctx: Ctx, body: any, requestId: string): void {
    if (!isObject(body)) throw new HttpError(400, 'The request body must be a JSON object.');
    if (typeof body.model !== 'string') throw new HttpError(400, 'you must provide a model parameter');
    const texts = embeddingInputs(body.input);
    const dims = body.dimensions ?? 64;
    if (!Number.isInteger(dims) || dims < 1 || dims > 8192) throw new HttpError(400, "Invalid 'dimensions'.");
    const base64 = body.encoding_format === 'base64';
    const tokens = texts.reduce((s, t) => s + countTokens(t), 0);
    sendJson(
      ctx,
      200,
      {
        object: 'list',
        data: texts.map((t, index) => {
          const v = embedText(t, dims);
          return { object: 'embedding', index, embedding: base64 ? embeddingToBase64(v) : v };
        }),
        model: body.model,
        usage: { prompt_tokens: tokens, total_tokens: tokens },
      },
      idHeaders('openai', requestId),
    );
  }

  // --- Anthropic ---

  function anthropicUsage(input: number, output: number): Record<string, unknown> {
    return {
      input_tokens: input,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
      output_tokens: output,
      service_tier: 'standard',
    };
  }

  function anthropicMessageShell(id: string, model: string, inputTokens: number): Record<string, unknown> {
    return {
      id,
      type: 'message',
      role: 'assistant',
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      stop_details: null,
      container: null,
      usage: anthropicUsage(inputTokens, 1),
    };
  }

  function anthropicMessages(body: Record<string, any>): NormalisedMessage[] {
    const out: NormalisedMessage[] = [];
    const system = contentToText(body.system);
    if (system !== '') out.push({ role: 'system', content: system });
    for (const m of body.messages as any[]) {
      const blocks = Array.isArray(m?.content) ? (m.content as unknown[]) : undefined;
      const allToolResults = blocks !== undefined && blocks.length > 0 && blocks.every((b) => isObject(b) && b.type === 'tool_result');
      out.push({ role: allToolResults ? 'tool' : normRole(m?.role), content: contentToText(m?.content) });
    }
    return out;
  }

  async function anthropicCreate(ctx: Ctx, body: any, path: string, headers: RequestHeaders, callIndex: number, requestId: string): Promise<void> {
    if (!isObject(body)) throw new HttpError(400, 'The request body must be a JSON object.');
    if (headers['anthropic-version'] === undefined) throw new HttpError(400, 'anthropic-version: header is required');
    if (typeof body.model !== 'string' || body.model === '') throw new HttpError(400, 'model: Field required');
    if (typeof body.max_tokens !== 'number' || !Number.isInteger(body.max_tokens) || body.max_tokens < 1) throw new HttpError(400, 'max_tokens: Field required');
    if (!Array.isArray(body.messages)) throw new HttpError(400, 'messages: Field required');
    for (const [i, m] of (body.messages as unknown[]).entries()) {
      if (!isObject(m) || (m.role !== 'user' && m.role !== 'assistant')) {
        throw new HttpError(400, `messages.${i}.role: Input should be 'user' or 'assistant'`);
      }
    }
    const stream = body.stream === true;
    const model: string = body.model;
    const messages = anthropicMessages(body);
    const tools = anthropicTools(body);
    const tc = body.tool_choice;
    let jsonSchema: unknown;
    const fmt = isObject(body.output_config) ? body.output_config.format : body.output_format;
    if (isObject(fmt) && fmt.type === 'json_schema') {
      jsonSchema = fmt.schema;
    } else {
      const forced = isObject(tc) && tc.type === 'tool' ? String(tc.name) : undefined;
      jsonSchema = schemaOfForcedTool(tools, forced, isObject(tc) && tc.type === 'any');
    }
    const limits: Limits = { maxTokens: body.max_tokens };
    const stop = stopList(body.stop_sequences);
    if (stop) limits.stop = stop;

    const base: Omit<ScriptRequest, 'choiceIndex'> = { api: 'anthropic', path, headers, body, model, messages, callIndex, stream };
    if (jsonSchema !== undefined) base.jsonSchema = jsonSchema;
    if (tools) base.tools = tools;
    const outcome = await runScript(ctx, base, 1, limits);
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'fault') return sendFault(ctx, 'anthropic', outcome.fault, stream, requestId, model);
    const choice = outcome.choices[0] as Choice;
    const id = `msg_01${requestId}`;
    const input = promptTokens(messages);
    const output = choice.tokens.length;
    const stopReason = finishFor('anthropic', choice);
    const stopSequence = choice.kind === 'text' && stopReason === 'stop_sequence' ? choice.stopSequence : null;
    const toolId = `toolu_01${nextId()}`;
    const toolInput = choice.kind === 'tool' ? (isObject(choice.args) ? choice.args : {}) : undefined;
    const toolJson = toolInput === undefined ? '' : JSON.stringify(toolInput);

    if (!stream) {
      const content =
        choice.kind === 'tool'
          ? [{ type: 'tool_use', id: toolId, name: choice.name, input: toolInput, caller: { type: 'direct' } }]
          : [{ type: 'text', text: choice.text, citations: null }];
      sendJson(
        ctx,
        200,
        { ...anthropicMessageShell(id, model, input), content, stop_reason: stopReason, stop_sequence: stopSequence, usage: anthropicUsage(input, output) },
        idHeaders('anthropic', requestId),
      );
      return;
    }

    const pieces: string[] = [sse('message_start', { type: 'message_start', message: anthropicMessageShell(id, model, input) })];
    if (choice.kind === 'tool') {
      pieces.push(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: toolId, name: choice.name, input: {}, caller: { type: 'direct' } } }));
      pieces.push(sse('ping', { type: 'ping' }));
      pieces.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '' } }));
      for (const piece of tokenize(toolJson)) {
        pieces.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } }));
      }
    } else {
      pieces.push(sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '', citations: null } }));
      pieces.push(sse('ping', { type: 'ping' }));
      for (const token of choice.tokens) {
        pieces.push(sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: token } }));
      }
      if (choice.cut) {
        await sendStream(ctx, 'text/event-stream; charset=utf-8', pieces, idHeaders('anthropic', requestId));
        return;
      }
    }
    pieces.push(sse('content_block_stop', { type: 'content_block_stop', index: 0 }));
    pieces.push(
      sse('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: stopReason, stop_sequence: stopSequence, stop_details: null },
        usage: { input_tokens: input, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: output },
      }),
    );
    pieces.push(sse('message_stop', { type: 'message_stop' }));
    await sendStream(ctx, 'text/event-stream; charset=utf-8', pieces, idHeaders('anthropic', requestId));
  }

  function anthropicCountTokens(ctx: Ctx, body: any, headers: RequestHeaders, requestId: string): void {
    if (!isObject(body) || !Array.isArray(body.messages)) throw new HttpError(400, 'messages: Field required');
    if (headers['anthropic-version'] === undefined) throw new HttpError(400, 'anthropic-version: header is required');
    sendJson(ctx, 200, { input_tokens: promptTokens(anthropicMessages(body)) }, idHeaders('anthropic', requestId));
  }

  // --- Ollama ---

  async function ollamaChat(ctx: Ctx, body: any, path: string, headers: RequestHeaders, callIndex: number, startedAt: bigint): Promise<void> {
    if (!isObject(body)) throw new HttpError(400, 'invalid request body');
    if (typeof body.model !== 'string' || body.model === '') throw new HttpError(400, 'model is required');
    const stream = body.stream !== false;
    const model: string = body.model;
    const rawMessages: unknown[] = Array.isArray(body.messages) ? body.messages : [];
    const createdAt = (): string => new Date().toISOString();
    if (rawMessages.length === 0) {
      // Ollama answers an empty chat by loading the model.
      const done = { model, created_at: createdAt(), message: { role: 'assistant', content: '' }, done_reason: 'load', done: true };
      if (stream) await sendStream(ctx, 'application/x-ndjson', [JSON.stringify(done) + '\n'], {});
      else sendJson(ctx, 200, done);
      return;
    }
    const messages = rawMessages.map((m: any): NormalisedMessage => ({ role: normRole(m?.role), content: contentToText(m?.content) }));
    const tools = openaiTools(body);
    const jsonSchema = isObject(body.format) ? body.format : undefined;
    const opts = isObject(body.options) ? body.options : {};
    const limits: Limits = {};
    if (typeof opts.num_predict === 'number' && opts.num_predict >= 0) limits.maxTokens = opts.num_predict;
    const stop = stopList(opts.stop);
    if (stop) limits.stop = stop;
    const wantLogprobs = body.logprobs === true;
    const topN = wantLogprobs && Number.isInteger(body.top_logprobs) ? Math.max(0, Math.min(20, body.top_logprobs as number)) : 0;

    const base: Omit<ScriptRequest, 'choiceIndex'> = { api: 'ollama', path, headers, body, model, messages, callIndex, stream };
    if (jsonSchema !== undefined) base.jsonSchema = jsonSchema;
    if (tools) base.tools = tools;
    const outcome = await runScript(ctx, base, 1, limits);
    if (outcome.kind === 'gone') return;
    if (outcome.kind === 'fault') return sendFault(ctx, 'ollama', outcome.fault, stream, '', model);
    const choice = outcome.choices[0] as Choice;
    const prompt = promptTokens(messages);
    const evalCount = choice.tokens.length;
    const timings = (): Record<string, number> => {
      const total = Number(process.hrtime.bigint() - startedAt);
      return {
        total_duration: total,
        load_duration: Math.min(total, 1_000_000),
        prompt_eval_count: prompt,
        prompt_eval_duration: prompt * 100_000,
        eval_count: evalCount,
        eval_duration: evalCount * 1_000_000,
      };
    };
    const lpEntries = (c: TextChoice, i: number): unknown => {
      const token = c.tokens[i] as string;
      const logprob = c.logprobs[i] ?? defaultLogprob(token);
      const entry: Record<string, unknown> = { token, logprob, bytes: utf8Bytes(token) };
      if (topN > 0) entry.top_logprobs = topEntries(token, logprob, c.top[i], topN).map((e) => ({ token: e.token, logprob: e.logprob, bytes: utf8Bytes(e.token) }));
      return entry;
    };
    const toolCalls =
      choice.kind === 'tool'
        ? [{ id: `call_${nextId()}`, function: { index: 0, name: choice.name, arguments: isObject(choice.args) ? choice.args : {} } }]
        : undefined;
    const doneReason = finishFor('ollama', choice);

    if (!stream) {
      const message: Record<string, unknown> = { role: 'assistant', content: choice.kind === 'text' ? choice.text : '' };
      if (toolCalls) message.tool_calls = toolCalls;
      const obj: Record<string, unknown> = { model, created_at: createdAt(), message, done_reason: doneReason, done: true, ...timings() };
      if (wantLogprobs && choice.kind === 'text') obj.logprobs = choice.tokens.map((_, i) => lpEntries(choice, i));
      sendJson(ctx, 200, obj);
      return;
    }
    const lines: string[] = [];
    if (choice.kind === 'tool') {
      lines.push(JSON.stringify({ model, created_at: createdAt(), message: { role: 'assistant', content: '', tool_calls: toolCalls }, done: false }));
    } else {
      choice.tokens.forEach((token, i) => {
        const obj: Record<string, unknown> = { model, created_at: createdAt(), message: { role: 'assistant', content: token }, done: false };
        if (wantLogprobs) obj.logprobs = [lpEntries(choice, i)];
        lines.push(JSON.stringify(obj));
      });
    }
    if (!(choice.kind === 'text' && choice.cut)) lines.push(JSON.stringify({ model, created_at: createdAt(), message: { role: 'assistant', content: '' }, done_reason: doneReason, done: true, ...timings() }));
    await sendStream(ctx, 'application/x-ndjson', lines.map((l) => l + '\n'), {});
  }

  function ollamaEmbed(ctx: Ctx, body: any, startedAt: bigint): void {
    if (!isObject(body)) throw new HttpError(400, 'invalid request body');
    if (typeof body.model !== 'string' || body.model === '') throw new HttpError(400, 'model is required');
    const texts = typeof body.input === 'string' ? [body.input] : Array.isArray(body.input) ? body.input.map(String) : [];
    const dims = Number.isInteger(body.dimensions) && body.dimensions > 0 ? (body.dimensions as number) : 64;
    sendJson(ctx, 200, {
      model: body.model,
      embeddings: texts.map((t: string) => embedText(t, dims)),
      total_duration: Number(process.hrtime.bigint() - startedAt),
      load_duration: 0,
      prompt_eval_count: texts.reduce((s: number, t: string) => s + countTokens(t), 0),
    });
  }

  // --- routing ---

  function classify(path: string, headers: RequestHeaders): Api {
    if (path.startsWith('/api/') || path === '/' || path === '/api') return 'ollama';
    if (path === '/v1/messages' || path.startsWith('/v1/messages/')) return 'anthropic';
    if (path.startsWith('/v1/models') && (headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined)) return 'anthropic';
    return 'openai';
  }

  function authorised(api: Api, headers: RequestHeaders): boolean {
    const key = options.apiKey;
    if (key === undefined || api === 'ollama') return true;
    const bearer = headers.authorization === `Bearer ${key}`;
    if (api === 'openai') return bearer;
    return headers['x-api-key'] === key || bearer;
  }

  async function route(ctx: Ctx, req: IncomingMessage, startedAt: bigint): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const headers = req.headers as RequestHeaders;
    const raw = await readBody(req);
    const api = classify(path, headers);
    let body: any;
    let badJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
        badJson = true;
      }
    }
    const callIndex = requests.length;
    requests.push({ api, method, path, body, headers, at: Date.now() });
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    ctx.res.once('close', () => inFlight--);
    const requestId = `req_${nextId()}`;

    if (!(await sleep(ctx, latencyMs))) return;

    if (!authorised(api, headers)) {
      const message = api === 'anthropic' ? 'invalid x-api-key' : 'Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.';
      sendError(ctx, api, 401, message, requestId);
      return;
    }

    type Handler = () => void | Promise<void>;
    const routes: Record<string, Handler> = {
      'POST /v1/chat/completions': () => openaiChat(ctx, body, path, headers, callIndex, requestId),
      'POST /v1/completions': () => openaiCompletions(ctx, body, path, headers, callIndex, requestId),
      'POST /v1/embeddings': () => openaiEmbeddings(ctx, body, requestId),
      'POST /v1/messages': () => anthropicCreate(ctx, body, path, headers, callIndex, requestId),
      'POST /v1/messages/count_tokens': () => anthropicCountTokens(ctx, body, headers, requestId),
      'GET /v1/models': () => {
        if (api === 'anthropic') {
          const data = models.map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }));
          sendJson(ctx, 200, { data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }, idHeaders(api, requestId));
        } else {
          sendJson(ctx, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'loopback' })) }, idHeaders(api, requestId));
        }
      },
      'POST /api/chat': () => ollamaChat(ctx, body, path, headers, callIndex, startedAt),
      'POST /api/embed': () => ollamaEmbed(ctx, body, startedAt),
      'GET /api/tags': () =>
        sendJson(ctx, 200, {
          models: models.map((name) => ({
            name: name.includes(':') ? name : `${name}:latest`,
            model: name.includes(':') ? name : `${name}:latest`,
            modified_at: '2025-01-01T00:00:00Z',
            size: 1_000_000,
            digest: 'sha256:' + '0'.repeat(64),
            details: { parent_model: '', format: 'gguf', family: 'loopback', families: ['loopback'], parameter_size: '1M', quantization_level: 'F16' },
          })),
        }),
      'GET /api/version': () => sendJson(ctx, 200, { version: '0.12.6' }),
      'GET /': () => sendRaw(ctx, 200, 'text/plain; charset=utf-8', 'Ollama is running'),
    };

    if (compat.has('chat-only')) delete routes['POST /v1/completions'];
    let handler = routes[`${method} ${path}`];
    if (!handler && method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      handler = () =>
        sendJson(
          ctx,
          200,
          api === 'anthropic'
            ? { type: 'model', id, display_name: id, created_at: '2025-01-01T00:00:00Z' }
            : { id, object: 'model', created: 1_700_000_000, owned_by: 'loopback' },
          idHeaders(api, requestId),
        );
    }
    if (!handler) {
      const knownPath = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
      const status = knownPath ? 405 : 404;
      const message = api === 'openai' ? `Invalid URL (${method} ${path})` : knownPath ? 'method not allowed' : `404 page not found: ${method} ${path}`;
      sendError(ctx, api, status, message, requestId);
      return;
    }
    if (badJson) {
      const message =
        api === 'openai'
          ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
          : api === 'anthropic'
            ? 'There was an issue with your request body: invalid JSON'
            : 'invalid character in request body';
      sendError(ctx, api, 400, message, requestId);
      return;
    }
    try {
      await handler();
    } catch (err) {
      if (err instanceof HttpError) {
        sendError(ctx, api, err.status, err.message, requestId);
        return;
      }
      const message = `loopback server error: ${err instanceof Error ? err.message : String(err)}`;
      sendError(ctx, api, 500, message, requestId);
    }
  }

  const server = http.createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    const ctx: Ctx = { res, gone: false, cancels: new Set() };
    live.add(ctx);
    req.on('error', () => markGone(ctx));
    res.on('error', () => markGone(ctx));
    res.on('close', () => {
      // Either the response finished or the client went away; in both cases nothing more is written.
      markGone(ctx);
    });
    if (closing) {
      res.destroy();
      return;
    }
    const startedAt = process.hrtime.bigint();
    route(ctx, req, startedAt).catch(() => {
      // Reading the body failed (client went away) or a write raced a disconnect: nothing to answer.
      if (!ctx.gone && !res.headersSent) {
        sendJson(ctx, 500, { error: { message: 'loopback server error', type: 'server_error', param: null, code: null } });
      } else if (!res.writableEnded) {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get peakInFlight() {
      return peakInFlight;
    },
    setScript(next: Script): void {
      currentScript = next;
    },
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve) => {
        for (const ctx of [...live]) markGone(ctx);
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * The scoring sanity probe, answered as a real model would: the prompt's tokens fairly likely, the likely
 * word very likely, the unlikely one very unlikely. Undefined for any other text.
 */
function probeLogprobs(text: string): number[] | undefined {
  if (text !== SCORING_PROBE.prompt + SCORING_PROBE.likely && text !== SCORING_PROBE.prompt + SCORING_PROBE.unlikely) return undefined;
  const promptTokens = tokenize(SCORING_PROBE.prompt).length;
  return tokenize(text).map((token, i) => (i < promptTokens ? -2 : i === promptTokens && token === SCORING_PROBE.likely ? -0.3 : -11));
}

function sse(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let done = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      done = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.on('error', (e) => {
      done = true;
      reject(e);
    });
    req.on('close', () => {
      if (!done) reject(new Error('request closed before its body was read'));
    });
  });
}
