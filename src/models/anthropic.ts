import type { Transport, TransportOptions, TransportRequest, TransportResult, ToolCall } from './types.ts';
import { endpointUrl, malformed, parseArguments, postJson, providerError, readJson, sseEvents } from './http.ts';
import { redactUrl } from '../redact.ts';

/** The Anthropic Messages API. One sample per call: the client fans out n. */
export interface AnthropicOptions {
  model: string;
  baseUrl: string;
  apiKey?: string;
  /** Anthropic requires max_tokens; used when the request gives none. */
  defaultMaxTokens?: number;
}

type Block = { type: 'text'; text: string } | { type: 'tool_use'; name: string; input: unknown };

interface WireMessage {
  model?: string;
  content?: Block[];
  stop_reason?: string | null;
  usage?: { input_tokens?: number; output_tokens?: number };
}

export const ANTHROPIC_VERSION = '2023-06-01';

export function anthropicBody(request: TransportRequest, model: string, maxTokens: number, stream: boolean): Record<string, unknown> {
  const system = request.messages.filter((m) => m.role === 'system').map((m) => m.content).join('\n\n');
  const body: Record<string, unknown> = {
    model,
    max_tokens: request.maxTokens ?? maxTokens,
    messages: request.messages.filter((m) => m.role !== 'system').map((m) => ({ role: m.role, content: m.content })),
  };
  if (system) body.system = system;
  if (request.temperature !== undefined) body.temperature = request.temperature;
  if (request.topP !== undefined) body.top_p = request.topP;
  if (request.stop?.length) body.stop_sequences = request.stop;
  const tools = (request.tools ?? []).map((t) => ({
    name: t.name,
    ...(t.description ? { description: t.description } : {}),
    input_schema: t.parameters,
  }));
  let forced = request.toolChoice;
  if (request.jsonSchema) {
    // Anthropic has no JSON mode: a forced tool call whose input schema is the wanted schema is the documented way.
    tools.push({
      name: request.jsonSchema.name,
      description: request.jsonSchema.description ?? 'Give the answer as structured data.',
      input_schema: request.jsonSchema.schema,
    });
    forced = request.jsonSchema.name;
  }
  if (tools.length) body.tools = tools;
  if (forced) body.tool_choice = { type: 'tool', name: forced };
  if (stream) body.stream = true;
  return body;
}

export function createAnthropicTransport(options: AnthropicOptions): Transport {
  const url = endpointUrl(options.baseUrl, 'v1/messages');
  const who = `Anthropic API ${redactUrl(options.baseUrl)}`;
  const headers = {
    'anthropic-version': ANTHROPIC_VERSION,
    ...(options.apiKey ? { 'x-api-key': options.apiKey } : {}),
  };
  const maxTokens = options.defaultMaxTokens ?? 1024;

  function result(request: TransportRequest, blocks: Block[], model: string, usage: TransportResult['usage'], stop?: string | null): TransportResult {
    const toolCalls: ToolCall[] = blocks
      .filter((b): b is Extract<Block, { type: 'tool_use' }> => b.type === 'tool_use')
      .map((b) => ({ name: b.name, arguments: b.input }));
    const structured = request.jsonSchema ? toolCalls.find((c) => c.name === request.jsonSchema!.name) : undefined;
    const text = structured
      ? JSON.stringify(structured.arguments)
      : blocks.filter((b): b is Extract<Block, { type: 'text' }> => b.type === 'text').map((b) => b.text).join('');
    const calls = structured ? toolCalls.filter((c) => c !== structured) : toolCalls;
    return {
      model,
      usage,
      samples: [{ text, ...(calls.length ? { toolCalls: calls } : {}), ...(stop ? { finishReason: stop } : {}) }],
    };
  }

  async function send(request: TransportRequest, { signal, onDelta }: TransportOptions): Promise<TransportResult> {
    const stream = onDelta !== undefined;
    const response = await postJson(url, anthropicBody(request, options.model, maxTokens, stream), headers, signal, who);
    if (!stream) {
      const message = await readJson<WireMessage>(response, url, who, signal);
      if (!Array.isArray(message.content)) throw malformed(who, url, 'no content in the message', JSON.stringify(message));
      return result(request, message.content, message.model ?? options.model, {
        inputTokens: message.usage?.input_tokens ?? 0,
        outputTokens: message.usage?.output_tokens ?? 0,
      }, message.stop_reason);
    }
    const blocks: (Block & { partial?: string })[] = [];
    let model = options.model;
    let stop: string | null | undefined;
    const usage = { inputTokens: 0, outputTokens: 0 };
    let ended = false;
    for await (const raw of sseEvents(response, signal, url, who)) {
      const event = raw as Record<string, any>;
      switch (event.type) {
        case 'message_start':
          model = event.message?.model ?? model;
          usage.inputTokens = event.message?.usage?.input_tokens ?? 0;
          usage.outputTokens = event.message?.usage?.output_tokens ?? 0;
          break;
        case 'content_block_start':
          blocks[event.index] = event.content_block?.type === 'tool_use'
            ? { type: 'tool_use', name: event.content_block.name, input: {}, partial: '' }
            : { type: 'text', text: event.content_block?.text ?? '' };
          break;
        case 'content_block_delta': {
          const block = blocks[event.index];
          if (block?.type === 'text' && event.delta?.type === 'text_delta') {
            block.text += event.delta.text;
            onDelta!(0, event.delta.text);
          } else if (block?.type === 'tool_use' && event.delta?.type === 'input_json_delta') {
            block.partial += event.delta.partial_json;
          }
          break;
        }
        case 'content_block_stop': {
          const block = blocks[event.index];
          if (block?.type === 'tool_use') block.input = block.partial ? parseArguments(block.partial) : {};
          break;
        }
        case 'message_delta':
          stop = event.delta?.stop_reason ?? stop;
          if (event.usage?.output_tokens !== undefined) usage.outputTokens = event.usage.output_tokens;
          break;
        case 'message_stop':
          ended = true;
          break;
        case 'error':
          throw providerError('PROVIDER', `${who} reported an error mid-stream: ${event.error?.message ?? 'unknown'}`, {
            retryable: true,
            url,
          });
      }
    }
    if (!ended) throw malformed(who, url, 'the stream ended before message_stop', '');
    return result(request, blocks.filter(Boolean).map(({ partial: _partial, ...b }) => b as Block), model, usage, stop);
  }

  return {
    kind: 'anthropic',
    model: options.model,
    baseUrl: options.baseUrl,
    capabilities: { nativeN: false, logprobs: false, jsonSchema: 'tool', tools: true, score: [] },
    send,
  };
}
