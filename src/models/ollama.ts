import type { Transport, TransportOptions, TransportRequest, TransportResult, TokenLogprob, ToolCall } from './types.ts';
import { endpointUrl, lines, malformed, postJson, providerError, readJson } from './http.ts';
import { redactUrl } from '../redact.ts';

/** Ollama's native API (/api/chat). One sample per call: the client fans out n. */
export interface OllamaOptions {
  model: string;
  baseUrl: string;
}

interface WireChunk {
  model?: string;
  message?: { content?: string; tool_calls?: { function?: { name?: string; arguments?: unknown } }[] };
  logprobs?: { token: string; logprob: number; top_logprobs?: { token: string; logprob: number }[] }[];
  done?: boolean;
  done_reason?: string;
  prompt_eval_count?: number;
  eval_count?: number;
  error?: string;
}

export function ollamaBody(request: TransportRequest, model: string, stream: boolean): Record<string, unknown> {
  const opts: Record<string, unknown> = {};
  if (request.temperature !== undefined) opts.temperature = request.temperature;
  if (request.topP !== undefined) opts.top_p = request.topP;
  if (request.maxTokens !== undefined) opts.num_predict = request.maxTokens;
  if (request.seed !== undefined) opts.seed = request.seed;
  if (request.stop?.length) opts.stop = request.stop;
  const body: Record<string, unknown> = { model, messages: request.messages, stream };
  if (Object.keys(opts).length) body.options = opts;
  if (request.jsonSchema) body.format = request.jsonSchema.schema;
  if (request.logprobs || request.topLogprobs) {
    body.logprobs = true;
    if (request.topLogprobs) body.top_logprobs = request.topLogprobs;
  }
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
  }
  return body;
}

function toLogprobs(chunk: WireChunk): TokenLogprob[] {
  return (chunk.logprobs ?? []).map((t) => ({
    token: t.token,
    logprob: t.logprob,
    ...(t.top_logprobs ? { top: t.top_logprobs.map((a) => ({ token: a.token, logprob: a.logprob })) } : {}),
  }));
}

function toolCalls(chunk: WireChunk): ToolCall[] {
  return (chunk.message?.tool_calls ?? []).map((t) => ({ name: t.function?.name ?? '', arguments: t.function?.arguments ?? {} }));
}

export function createOllamaTransport(options: OllamaOptions): Transport {
  const url = endpointUrl(options.baseUrl, 'api/chat');
  const who = `Ollama at ${redactUrl(options.baseUrl)}`;

  async function send(request: TransportRequest, { signal, onDelta }: TransportOptions): Promise<TransportResult> {
    const stream = onDelta !== undefined;
    const response = await postJson(url, ollamaBody(request, options.model, stream), {}, signal, who);
    const chunks: WireChunk[] = [];
    if (stream) {
      for await (const line of lines(response, signal, url, who)) {
        if (!line.trim()) continue;
        let chunk: WireChunk;
        try {
          chunk = JSON.parse(line) as WireChunk;
        } catch {
          throw malformed(who, url, 'a stream line is not JSON', line);
        }
        if (chunk.error) throw providerError('PROVIDER', `${who} reported: ${chunk.error}`, { retryable: true, url });
        if (chunk.message?.content) onDelta(0, chunk.message.content);
        chunks.push(chunk);
      }
      if (!chunks.at(-1)?.done) throw malformed(who, url, 'the stream ended before done', '');
    } else {
      const chunk = await readJson<WireChunk>(response, url, who, signal);
      if (!chunk.message) throw malformed(who, url, 'no message in the reply', JSON.stringify(chunk));
      chunks.push(chunk);
    }
    const last = chunks.at(-1)!;
    const logprobs = chunks.flatMap(toLogprobs);
    const calls = chunks.flatMap(toolCalls);
    return {
      model: last.model ?? options.model,
      usage: { inputTokens: last.prompt_eval_count ?? 0, outputTokens: last.eval_count ?? 0 },
      samples: [{
        text: chunks.map((c) => c.message?.content ?? '').join(''),
        ...(logprobs.length ? { logprobs } : {}),
        ...(calls.length ? { toolCalls: calls } : {}),
        ...(last.done_reason ? { finishReason: last.done_reason } : {}),
      }],
    };
  }

  return {
    kind: 'ollama',
    model: options.model,
    baseUrl: options.baseUrl,
    capabilities: { nativeN: false, logprobs: true, jsonSchema: 'native', tools: true, score: [] },
    send,
  };
}
