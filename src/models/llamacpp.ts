import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { TenetError } from '../errors.ts';
import type { Transport, TransportOptions, TransportRequest, TransportResult } from './types.ts';

/**
 * Local GGUF models through node-llama-cpp, an optional peer dependency loaded only when a
 * `llamacpp:` spec is used (it may compile llama.cpp on first use).
 */
export interface LlamaCppOptions {
  modelPath: string;
  contextSize?: number;
}

// node-llama-cpp is optional, so its types are not available at build time.
/* eslint-disable @typescript-eslint/no-explicit-any */
type LlamaModule = any;

const loaded = new Map<string, Promise<{ llama: any; model: any }>>();

async function importLlama(): Promise<LlamaModule> {
  const name = 'node-llama-cpp';
  try {
    return await import(name);
  } catch (error) {
    throw new TenetError('MISSING_DEPENDENCY', 'llamacpp: models need the optional package node-llama-cpp, which is not installed', {
      hint: 'run `npm install node-llama-cpp` (it may build llama.cpp on first use), or serve the model with `llama-server` and use openai:MODEL with --base-url',
      cause: error,
    });
  }
}

async function loadModel(path: string, contextSize: number | undefined): Promise<{ llama: any; model: any }> {
  if (!existsSync(path)) {
    throw new TenetError('NOT_FOUND', `GGUF model file not found: ${path}`, {
      location: { file: path },
      hint: 'give the path to a .gguf file, e.g. llamacpp:./models/qwen2.5-0.5b-instruct-q4_k_m.gguf',
    });
  }
  const module = await importLlama();
  const llama = await module.getLlama();
  const model = await llama.loadModel({ modelPath: path, ...(contextSize ? { defaultContextSize: contextSize } : {}) });
  return { llama, model };
}

export function createLlamaCppTransport(options: LlamaCppOptions): Transport {
  const path = resolve(options.modelPath);

  async function send(request: TransportRequest, { signal, onDelta }: TransportOptions): Promise<TransportResult> {
    if (!loaded.has(path)) {
      const attempt = loadModel(path, options.contextSize);
      loaded.set(path, attempt);
      attempt.catch(() => loaded.delete(path));
    }
    const { llama, model } = await loaded.get(path)!;
    const module = await importLlama();
    const context = await model.createContext({ sequences: 1 });
    try {
      const messages = request.messages;
      const last = messages.at(-1);
      if (!last || last.role !== 'user') {
        throw new TenetError('BAD_INPUT', 'a llamacpp request must end with a user message');
      }
      const session = new module.LlamaChatSession({ contextSequence: context.getSequence() });
      session.setChatHistory(messages.slice(0, -1).map((m) =>
        m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: m.role, text: m.content },
      ));
      const grammar = request.jsonSchema ? await llama.createGrammarForJsonSchema(request.jsonSchema.schema) : undefined;
      const text: string = await session.prompt(last.content, {
        signal,
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.topP !== undefined ? { topP: request.topP } : {}),
        ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
        ...(request.seed !== undefined ? { seed: request.seed } : {}),
        ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
        ...(grammar ? { grammar } : {}),
        ...(onDelta ? { onTextChunk: (chunk: string) => onDelta(0, chunk) } : {}),
      });
      const count = (s: string): number => model.tokenize(s).length;
      return {
        model: path,
        usage: { inputTokens: messages.reduce((sum, m) => sum + count(m.content), 0), outputTokens: count(text) },
        samples: [{ text }],
      };
    } finally {
      await context.dispose();
    }
  }

  return {
    kind: 'llamacpp',
    model: path,
    baseUrl: undefined,
    capabilities: { nativeN: false, logprobs: false, jsonSchema: 'native', tools: false },
    send,
  };
}
