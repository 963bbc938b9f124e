import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { createEncoder, DEFAULT_ENCODER } from '../models/encoder.ts';
import { action, emit, examples } from './io.ts';
import { withContext } from './context.ts';
import { cosineSimilarity } from '../moralgraph/elicit/dedupe.ts';

/** Run `fn` with a signal that Ctrl-C aborts. */
async function interruptible<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const stop = (): void => controller.abort();
  process.once('SIGINT', stop);
  try {
    return await fn(controller.signal);
  } finally {
    process.off('SIGINT', stop);
  }
}

export function registerModels(program: Command): void {
  const models = program.command('models').description('talk to model providers');
  examples(
    models.command('test <spec>')
      .description('send one short prompt to a model and report the answer, latency and token usage')
      .option('--base-url <url>', 'API base URL (overrides the config file and OPENAI_BASE_URL / ANTHROPIC_BASE_URL / OLLAMA_HOST)')
      .option('--prompt <text>', 'the prompt to send', 'Reply with one short sentence: what is a value?')
      .option('--no-cache', 'always call the model, never answer from the response cache')
      .action(action(async (spec: string, opts: { baseUrl?: string; prompt: string; cache: boolean }, command: Command) =>
        withContext(command, async (ctx) => {
          const model = await ctx.model(spec, { ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}), noCache: !opts.cache });
          const response = await interruptible((signal) => model.chat({ messages: [{ role: 'user', content: opts.prompt }], maxTokens: 64 }, { signal }));
          emit(ctx, { text: response.text, latencyMs: response.latencyMs, usage: response.usage, model: response.model, cached: response.cached, costUsd: response.costUsd }, () =>
            [`${model.spec} answered in ${response.latencyMs} ms${response.cached ? ' (from cache)' : ''}:`, `  ${response.text}`,
              `tokens: ${response.usage.inputTokens} in, ${response.usage.outputTokens} out; cost: ${response.costUsd === null ? 'unknown (no price for this model)' : `$${response.costUsd.toFixed(6)}`}`].join('\n'));
        }))),
    [
      'tenet models test openai:gpt-4o-mini',
      'tenet models test ollama:llama3.1:8b --json',
      'tenet models test openai:Qwen2.5-7B-Instruct --base-url http://localhost:8000/v1   # vLLM',
      'tenet models test anthropic:claude-3-5-haiku-latest --prompt "Say hi" --no-cache',
      'tenet models test llamacpp:smollm2-135m-instruct-q4_1            # a local GGUF fetched by npm run fetch-models',
    ],
  );

  examples(
    models.command('score <spec>')
      .description('teacher-forced scoring: the log-likelihood the model gives a continuation after a prompt (no sampling)')
      .requiredOption('--continuation <text>', 'the text whose likelihood is computed')
      .option('--prompt <text>', 'what comes before it, as raw text', '')
      .option('--chat', 'treat --prompt as a user message formatted with the model\'s chat template, and the continuation as the reply (llamacpp: models)')
      .option('--base-url <url>', 'API base URL (an OpenAI-compatible server whose /completions echoes prompt log-probabilities: vLLM, llama-server)')
      .action(action(async (spec: string, opts: { continuation: string; prompt: string; chat?: boolean; baseUrl?: string }, command: Command) =>
        withContext(command, async (ctx) => {
          if (opts.continuation === '') throw new TenetError('BAD_USAGE', '--continuation is empty: there is nothing to score');
          const model = await ctx.model(spec, { ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}), noCache: true });
          const request = opts.chat
            ? { messages: [{ role: 'user' as const, content: opts.prompt }], continuation: opts.continuation }
            : { prompt: opts.prompt, continuation: opts.continuation };
          const result = await interruptible((signal) => model.score(request, { signal }));
          emit(ctx, { tokens: result.tokens.length, logprob: result.sum, mean: result.mean, model: model.spec, perToken: result.tokens.map((token, i) => ({ token, logprob: result.logprobs[i] })) }, () =>
            [`${model.spec}: log p(continuation | ${opts.chat ? 'chat prompt' : 'prompt'}) = ${result.sum.toFixed(3)} over ${result.tokens.length} tokens (mean ${result.mean.toFixed(3)} per token)`,
              ...result.tokens.map((token, i) => `  ${JSON.stringify(token).padEnd(18)} ${result.logprobs[i]!.toFixed(3)}`)].join('\n'));
        }))),
    [
      'tenet models score llamacpp:smollm2-135m-instruct-q4_1 --prompt "The capital of France is" --continuation " Paris."',
      'tenet models score llamacpp:./model.gguf --chat --prompt "Say hello." --continuation "Hello! How can I help?" --json',
      'tenet models score openai-compatible:Qwen2.5-7B@http://localhost:8000/v1 --prompt "Once upon a" --continuation " time"   # vLLM',
    ],
  );

  examples(
    models.command('embed <spec> <texts...>')
      .description('embed texts with an encoder and show how similar they are (cosine)')
      .action(action(async (spec: string, texts: string[], _opts: unknown, command: Command) =>
        withContext(command, async (ctx) => {
          const encoder = createEncoder(spec, { config: ctx.config });
          const vectors = await interruptible((signal) => encoder.embed(texts, { signal }));
          const similarity = vectors.map((a) => vectors.map((b) => Number(cosineSimilarity(a, b).toFixed(4))));
          emit(ctx, { model: encoder.model, dimensions: vectors[0]?.length ?? 0, vectors: vectors.map((v) => Array.from(v)), similarity }, () =>
            [`${encoder.model}: ${vectors.length} text${vectors.length === 1 ? '' : 's'}, ${vectors[0]?.length ?? 0} dimensions; cosine similarity:`,
              ...texts.map((t, i) => `  ${similarity[i]!.map((x) => x.toFixed(2).padStart(5)).join(' ')}  ${t.length > 60 ? `${t.slice(0, 57)}...` : t}`)].join('\n'));
        }))),
    [
      `tenet models embed ${DEFAULT_ENCODER} "A man plays a guitar." "Someone is playing an instrument." "Stocks fell today."`,
      'tenet models embed local-encoder:./bge-small.gguf "some text" --json',
      'tenet models embed openai:text-embedding-3-small "some text"   # needs OPENAI_API_KEY',
      'tenet models embed hashed "some text"                          # the offline word-hashing fallback',
    ],
  );
}
