import type { Command } from 'commander';
import { action, emit, examples } from './io.ts';
import { withContext } from './context.ts';

export function registerCache(program: Command): void {
  const cache = program.command('cache').description('inspect or clear the model response cache');
  examples(
    cache.command('stats').description('how many responses are cached, per provider and model, and how often they were reused')
      .action(action(async (_opts: unknown, command: Command) => withContext(command, async (ctx) => {
        const store = await ctx.store();
        const stats = await store.cache.stats();
        emit(ctx, { db: store.describe(), ...stats }, () => [
          `${stats.entries} cached responses, ${stats.hits} cache hits (${store.describe().location})`,
          ...stats.byModel.map((m) => `  ${`${m.provider}:${m.model}`.padEnd(40)} ${String(m.entries).padStart(8)} entries ${String(m.hits).padStart(8)} hits`),
        ].join('\n'));
      }))),
    ['tenet cache stats', 'tenet cache stats --json --db postgres://postgres@127.0.0.1:5432/test'],
  );
  examples(
    cache.command('clear').description('delete cached responses (all, or one provider / model)')
      .option('--provider <kind>', 'only this provider (openai, anthropic, ollama, llamacpp)')
      .option('--model <name>', 'only this model')
      .action(action(async (opts: { provider?: string; model?: string }, command: Command) => withContext(command, async (ctx) => {
        const store = await ctx.store();
        const deleted = await store.cache.clear({ ...(opts.provider ? { provider: opts.provider } : {}), ...(opts.model ? { model: opts.model } : {}) });
        emit(ctx, { deleted }, () => `deleted ${deleted} cached responses`);
      }))),
    ['tenet cache clear', 'tenet cache clear --provider openai --model gpt-4o-mini'],
  );
}
