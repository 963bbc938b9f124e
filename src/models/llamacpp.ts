import { TenetError } from '../errors.ts';
import { sequencePool, tokenTexts, type LlamaSettings, type LlamaSequence } from './llama-runtime.ts';
import type { ChatMessage, ScoreRequest, ScoreResult, Transport, TransportOptions, TransportRequest, TransportResult } from './types.ts';

/**
 * Local GGUF models through node-llama-cpp (an optional install). One load of the file is shared by every
 * request, which borrows a sequence of one shared context (`sequences` at once, batched together by
 * llama.cpp); chat turns are formatted with the chat template found in the GGUF; JSON-schema output is
 * enforced by a grammar; `score` evaluates a continuation teacher-forced and reads each token's log-probability from its logit.
 */
export interface LlamaCppOptions extends LlamaSettings {
  modelPath: string;
}

type HistoryItem = { type: 'system' | 'user'; text: string } | { type: 'model'; response: string[] };

function history(messages: readonly ChatMessage[]): HistoryItem[] {
  return messages.map((m) => (m.role === 'assistant' ? { type: 'model', response: [m.content] } : { type: m.role, text: m.content }));
}

const FINISH: Record<string, string> = { eogToken: 'stop', stopGenerationTrigger: 'stop', customStopTrigger: 'stop', maxTokens: 'length', abort: 'abort' };

/**
 * What `score` asks for at each position: the logit of `token`, of the greedy (temperature 0, so unmodified
 * logits) pick, which is the maximum, and the total weight Σ exp(logit − max). `includeSelected` rather than
 * `includeMax`, which in 3.22.1 only returns the maximum when it is already in the filter; rather than
 * `includeTop: 1`, which sorts the whole vocabulary at every position.
 */
function nextTokenLogit(token: number) {
  return { generateNext: { logits: { filter: { tokens: [token], includeSelected: true } }, totalLogitWeight: true, options: { temperature: 0 } } };
}

interface NextTokenLogits { logits?: Map<number, number>; totalLogitWeight?: number }

function logprobOf(token: number, next: NextTokenLogits | undefined): number {
  const logit = next?.logits?.get(token);
  if (logit === undefined || next?.totalLogitWeight === undefined) {
    throw new TenetError('MISSING_DEPENDENCY', 'score: the installed node-llama-cpp returns no per-token logits (it needs 3.22.1 or newer)', {
      hint: 'run `npm install node-llama-cpp@3.22.1` (or `npm run fetch-models` in a tenet checkout)',
    });
  }
  const max = Math.max(...next.logits!.values());
  return logit - max - Math.log(next.totalLogitWeight);
}

export function createLlamaCppTransport(options: LlamaCppOptions): Transport {
  const path = options.modelPath;
  const grammars = new Map<string, Promise<unknown>>();
  const open = () => sequencePool(path, options);

  async function send(request: TransportRequest, { signal, onDelta }: TransportOptions): Promise<TransportResult> {
    if (request.tools?.length) throw new TenetError('BAD_USAGE', 'llamacpp: models do not take tool definitions in tenet yet', { hint: 'use jsonSchema for structured output' });
    const { module, llama, pool } = await open();
    let grammar: unknown;
    if (request.jsonSchema) {
      const key = JSON.stringify(request.jsonSchema.schema);
      if (!grammars.has(key)) grammars.set(key, Promise.resolve(llama.createGrammarForJsonSchema(request.jsonSchema.schema)));
      grammar = await grammars.get(key);
    }
    return pool.use(signal, async (sequence: LlamaSequence) => {
      const before = { input: sequence.tokenMeter.usedInputTokens as number, output: sequence.tokenMeter.usedOutputTokens as number };
      const chat = new module.LlamaChat({ contextSequence: sequence, autoDisposeSequence: false });
      try {
        // The whole conversation, in order, then an empty assistant turn for the model to write.
        const result = await chat.generateResponse([...history(request.messages), { type: 'model', response: [] }], {
          signal,
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          ...(request.topP !== undefined ? { topP: request.topP } : {}),
          ...(request.maxTokens !== undefined ? { maxTokens: request.maxTokens } : {}),
          ...(request.seed !== undefined ? { seed: request.seed } : {}),
          ...(request.stop?.length ? { customStopTriggers: request.stop } : {}),
          ...(grammar ? { grammar } : {}),
          ...(onDelta ? { onTextChunk: (chunk: string) => onDelta(0, chunk) } : {}),
        });
        return {
          model: path,
          usage: {
            inputTokens: sequence.tokenMeter.usedInputTokens - before.input,
            outputTokens: sequence.tokenMeter.usedOutputTokens - before.output,
          },
          samples: [{ text: result.response as string, finishReason: FINISH[result.metadata.stopReason as string] ?? String(result.metadata.stopReason) }],
        };
      } finally {
        chat.dispose({ disposeSequence: false });
      }
    });
  }

  async function score(request: ScoreRequest, { signal }: { signal: AbortSignal }): Promise<ScoreResult & { inputTokens: number }> {
    const { module, model, pool } = await open();
    let context: number[];
    if (request.messages) {
      // The chat template up to the start of the assistant's reply, which is the continuation.
      const wrapper = module.resolveChatWrapper(model);
      const state = wrapper.generateContextState({ chatHistory: [...history(request.messages), { type: 'model', response: [] }] });
      context = state.contextText.tokenize(model.tokenizer);
    } else {
      const bos = model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos as number] : [];
      context = [...bos, ...model.tokenize(request.prompt ?? '')];
    }
    const continuation: number[] = model.tokenize(request.continuation);
    if (context.length === 0) throw new TenetError('BAD_INPUT', 'score: the prompt is empty and the model has no beginning-of-text token to condition on');
    if (continuation.length === 0) throw new TenetError('BAD_INPUT', 'score: the continuation is empty');
    const all = [...context, ...continuation];
    return pool.use(signal, async (sequence: LlamaSequence) => {
      if (all.length > sequence.contextSize) {
        throw new TenetError('BAD_INPUT', `score: prompt and continuation are ${all.length} tokens, more than the context (${sequence.contextSize})`, {
          hint: 'shorten them, or raise contextSize for llamacpp in tenet.config.yaml',
        });
      }
      // After the last context token and after every continuation token but the last: the logits that give the
      // next token's log-probability (nextTokenLogit), computed natively, nothing vocabulary-sized in JavaScript.
      const first = context.length - 1;
      const items = all.map((token, i) => (i >= first && i < all.length - 1 ? [token, nextTokenLogit(all[i + 1]!)] : token));
      const outputs = await sequence.controlledEvaluate(items);
      if (signal.aborted) throw signal.reason;
      const logprobs = continuation.map((token, j) => logprobOf(token, outputs[first + j]?.next));
      const sum = logprobs.reduce((a, b) => a + b, 0);
      return {
        tokens: tokenTexts(model, continuation),
        logprobs,
        sum,
        mean: sum / logprobs.length,
        model: path,
        inputTokens: all.length,
      };
    });
  }

  return {
    kind: 'llamacpp',
    model: path,
    baseUrl: undefined,
    capabilities: { nativeN: false, logprobs: false, jsonSchema: 'native', tools: false, score: ['prompt', 'messages'] },
    send,
    score,
  };
}
