import { TenetError } from '../errors.ts';
import type { ScoreRequest, ScoreResult, Transport, TransportOptions, TransportRequest, TransportResult, TokenLogprob, ToolCall } from './types.ts';
import { endpointUrl, malformed, parseArguments, postJson, readJson, sseEvents, type HttpResponse } from './http.ts';
import { redactUrl } from '../redact.ts';

/** OpenAI Chat Completions, and every server that speaks it (vLLM, Ollama /v1, llama.cpp server, LM Studio, OpenRouter). */
export interface OpenAIOptions {
  model: string;
  baseUrl: string;
  apiKey?: string;
  headers?: Record<string, string>;
}

interface WireLogprob {
  token: string;
  logprob: number;
  top_logprobs?: { token: string; logprob: number }[];
}

interface WireToolCall {
  index?: number;
  function?: { name?: string; arguments?: string };
}

interface WireChoice {
  index: number;
  message?: { content?: string | null; tool_calls?: WireToolCall[] };
  delta?: { content?: string | null; tool_calls?: WireToolCall[] };
  logprobs?: { content?: WireLogprob[] | null } | null;
  finish_reason?: string | null;
}

interface WireTextCompletion {
  model?: string;
  choices?: { logprobs?: { tokens?: string[]; token_logprobs?: (number | null)[]; text_offset?: number[] } | null }[];
  usage?: { prompt_tokens?: number } | null;
}

interface WireCompletion {
  model?: string;
  choices?: WireChoice[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
}

function toLogprobs(content: WireLogprob[] | null | undefined): TokenLogprob[] | undefined {
  if (!content) return undefined;
  return content.map((t) => ({
    token: t.token,
    logprob: t.logprob,
    ...(t.top_logprobs ? { top: t.top_logprobs.map((a) => ({ token: a.token, logprob: a.logprob })) } : {}),
  }));
}

export function openAIBody(request: TransportRequest, model: string, stream: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = { model, messages: request.messages };
  if (request.n > 1) body.n = request.n;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
  if (request.seed !== undefined) body.seed = request.seed;
  if (request.stop?.length) body.stop = request.stop;
  if (request.logprobs || request.topLogprobs) {
    body.logprobs = true;
    if (request.topLogprobs) body.top_logprobs = request.topLogprobs;
  }
  const jsonMode = request.jsonMode ?? 'native';
  if (request.jsonSchema && jsonMode === 'native') {
    body.response_format = {
      type: 'json_schema',
      json_schema: {
        name: request.jsonSchema.name,
        schema: request.jsonSchema.schema,
        ...(request.jsonSchema.description ? { description: request.jsonSchema.description } : {}),
      },
    };
  } else if (request.jsonSchema && jsonMode === 'json_object') {
    // llama-cpp-python and llama.cpp's server constrain json_object replies to a schema given beside it
    body.response_format = { type: 'json_object', schema: request.jsonSchema.schema };
  }
  if (request.tools?.length) {
    body.tools = request.tools.map((t) => ({
      type: 'function',
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.parameters },
    }));
    if (request.toolChoice) body.tool_choice = { type: 'function', function: { name: request.toolChoice } };
  }
  if (stream) {
    body.stream = true;
    body.stream_options = { include_usage: true };
  }
  return body;
}

export function createOpenAITransport(options: OpenAIOptions): Transport {
  const url = endpointUrl(options.baseUrl, 'chat/completions');
  const who = `OpenAI-compatible endpoint ${redactUrl(options.baseUrl)}`;
  const headers = {
    ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
    ...options.headers,
  };

  async function send(request: TransportRequest, { signal, onDelta }: TransportOptions): Promise<TransportResult> {
    const stream = onDelta !== undefined;
    const response = await postJson(url, openAIBody(request, options.model, stream), headers, signal, who);
    if (stream) return readStream(response, signal, onDelta);
    const completion = await readJson<WireCompletion>(response, url, who, signal);
    if (!Array.isArray(completion.choices) || completion.choices.length === 0) {
      throw malformed(who, url, 'no choices in the completion', JSON.stringify(completion));
    }
    const choices = [...completion.choices].sort((a, b) => a.index - b.index);
    return {
      model: completion.model ?? options.model,
      usage: {
        inputTokens: completion.usage?.prompt_tokens ?? 0,
        outputTokens: completion.usage?.completion_tokens ?? 0,
      },
      samples: choices.map((c) => {
        if (!c.message) throw malformed(who, url, `choice ${c.index} has no message`, JSON.stringify(c));
        const logprobs = toLogprobs(c.logprobs?.content);
        const toolCalls = c.message.tool_calls?.map(
          (t): ToolCall => ({ name: t.function?.name ?? '', arguments: parseArguments(t.function?.arguments ?? '') }),
        );
        return {
          text: c.message.content ?? '',
          ...(logprobs ? { logprobs } : {}),
          ...(toolCalls?.length ? { toolCalls } : {}),
          ...(c.finish_reason ? { finishReason: c.finish_reason } : {}),
        };
      }),
    };
  }

  async function readStream(
    response: HttpResponse,
    signal: AbortSignal,
    onDelta: (choice: number, delta: string) => void,
  ): Promise<TransportResult> {
    const texts: string[] = [];
    const logprobs: TokenLogprob[][] = [];
    const finish: string[] = [];
    const tools: { name: string; args: string }[][] = [];
    let model = options.model;
    let usage: { inputTokens: number; outputTokens: number } | undefined;
    const end = { done: false };
    for await (const event of sseEvents(response, signal, url, who, end)) {
      const chunk = event as WireCompletion;
      if (chunk.model) model = chunk.model;
      if (chunk.usage) {
        usage = { inputTokens: chunk.usage.prompt_tokens ?? 0, outputTokens: chunk.usage.completion_tokens ?? 0 };
      }
      for (const choice of chunk.choices ?? []) {
        const i = choice.index;
        const delta = choice.delta?.content ?? '';
        if (delta) {
          texts[i] = (texts[i] ?? '') + delta;
          onDelta(i, delta);
        } else texts[i] ??= '';
        const lp = toLogprobs(choice.logprobs?.content);
        if (lp) logprobs[i] = [...(logprobs[i] ?? []), ...lp];
        for (const call of choice.delta?.tool_calls ?? []) {
          const list = (tools[i] ??= []);
          const slot = (list[call.index ?? 0] ??= { name: '', args: '' });
          slot.name += call.function?.name ?? '';
          slot.args += call.function?.arguments ?? '';
        }
        if (choice.finish_reason) finish[i] = choice.finish_reason;
      }
    }
    if (texts.length === 0) throw malformed(who, url, 'the stream ended without any choice', '');
    // A reply is complete when every choice has its finish_reason or the server sent [DONE]; a stream that
    // just stops (a proxy timeout, a dropped upstream) is a truncated reply: an error (retried), never a reply.
    const unfinished = Array.from(texts, (_, i) => i).filter((i) => !finish[i]);
    if (!end.done && unfinished.length > 0) {
      throw malformed(who, url, `the stream ended before the reply was complete (no finish_reason for choice ${unfinished.join(', ')} and no [DONE])`, (texts[unfinished[0]!] ?? '').slice(-200));
    }
    return {
      model,
      // a server that ignores stream_options.include_usage sends none: say so rather than report 0/0
      ...(usage ? { usage } : { usage: { inputTokens: 0, outputTokens: 0 }, usageMissing: true }),
      samples: Array.from(texts, (text, i) => ({
        text: text ?? '',
        ...(logprobs[i] ? { logprobs: logprobs[i] } : {}),
        ...(tools[i]?.length ? { toolCalls: tools[i]!.map((t) => ({ name: t.name, arguments: parseArguments(t.args) })) } : {}),
        ...(finish[i] ? { finishReason: finish[i] } : {}),
      })),
    };
  }

  const completionsUrl = endpointUrl(options.baseUrl, 'completions');

  /**
   * Teacher-forced scoring through the legacy completions endpoint: the prompt and the continuation are sent
   * as one text with `echo` and `logprobs`, and the continuation's tokens are those that end past the
   * prompt's last character (by `text_offset`); tokens the server generates after the echo are dropped.
   * vLLM and llama-server answer this; OpenAI's own API no longer does.
   */
  async function score(request: ScoreRequest, { signal }: { signal: AbortSignal }): Promise<ScoreResult & { inputTokens: number }> {
    const prompt = request.prompt ?? '';
    const text = prompt + request.continuation;
    const body = { model: options.model, prompt: text, max_tokens: 1, echo: true, logprobs: 1, temperature: 0 };
    const response = await postJson(completionsUrl, body, headers, signal, who);
    const completion = await readJson<WireTextCompletion>(response, completionsUrl, who, signal);
    const lp = completion.choices?.[0]?.logprobs;
    if (!lp || !Array.isArray(lp.tokens) || !Array.isArray(lp.token_logprobs) || !Array.isArray(lp.text_offset)
      || lp.tokens.length !== lp.token_logprobs.length || lp.tokens.length !== lp.text_offset.length) {
      throw new TenetError('MALFORMED_RESPONSE', `${who} did not echo the prompt's token log-probabilities`, {
        hint: 'scoring needs a completions endpoint that honours echo with logprobs (vLLM, llama-server); OpenAI\'s hosted models do not',
        details: { retryable: false, raw: JSON.stringify(completion).slice(0, 500) },
      });
    }
    const offsets = lp.text_offset;
    const wireLogprobs = lp.token_logprobs;
    const tokens: string[] = [];
    const logprobs: number[] = [];
    lp.tokens.forEach((token, i) => {
      const start = offsets[i]!;
      if (start >= text.length || start + token.length <= prompt.length) return; // generated after the echo, or inside the prompt
      const logprob = wireLogprobs[i];
      if (typeof logprob !== 'number') throw malformed(who, completionsUrl, `no log-probability for continuation token ${i}`, JSON.stringify(lp).slice(0, 500));
      tokens.push(token);
      logprobs.push(logprob);
    });
    if (tokens.length === 0) throw new TenetError('BAD_INPUT', 'score: the continuation is empty');
    const sum = logprobs.reduce((a, b) => a + b, 0);
    return { tokens, logprobs, sum, mean: sum / tokens.length, model: completion.model ?? options.model, inputTokens: completion.usage?.prompt_tokens ?? lp.tokens.length };
  }

  return {
    kind: 'openai',
    model: options.model,
    baseUrl: options.baseUrl,
    // what the protocol offers; what a given server really does is learned per endpoint (capabilities.ts)
    capabilities: { nativeN: true, logprobs: true, jsonSchema: 'native', tools: true, score: ['prompt'] },
    send,
    score,
  };
}
