import type { Command } from 'commander';
import { action, emit, examples } from './io.ts';
import { withContext } from './context.ts';

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
          const controller = new AbortController();
          const stop = (): void => controller.abort();
          process.once('SIGINT', stop);
          try {
            const response = await model.chat({ messages: [{ role: 'user', content: opts.prompt }], maxTokens: 64 }, { signal: controller.signal });
            emit(ctx, { text: response.text, latencyMs: response.latencyMs, usage: response.usage, model: response.model, cached: response.cached, costUsd: response.costUsd }, () =>
              [`${model.spec} answered in ${response.latencyMs} ms${response.cached ? ' (from cache)' : ''}:`, `  ${response.text}`,
                `tokens: ${response.usage.inputTokens} in, ${response.usage.outputTokens} out; cost: ${response.costUsd === null ? 'unknown (no price for this model)' : `$${response.costUsd.toFixed(6)}`}`].join('\n'));
          } finally {
            process.off('SIGINT', stop);
          }
        }))),
    [
      'tenet models test openai:gpt-4o-mini',
      'tenet models test ollama:llama3.1:8b --json',
      'tenet models test openai:Qwen2.5-7B-Instruct --base-url http://localhost:8000/v1   # vLLM',
      'tenet models test anthropic:claude-3-5-haiku-latest --prompt "Say hi" --no-cache',
    ],
  );
}
