import { trustNote } from '../judges/trust.ts';
import type { Command } from 'commander';
import { TenetError } from '../errors.ts';
import { evaluateFile, countLines, type ValueProfile } from '../judges/evaluate.ts';
import { createProgress } from '../runtime/progress.ts';
import { interruptOnSigint } from '../runtime/run.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { action, allRowsFailed, emit, examples, formatError, positiveInt, rowTicks } from './io.ts';
import { withContext } from './context.ts';

const SHORT: Record<string, string> = {
  self_direction: 'SelfD', stimulation: 'Stim', hedonism: 'Hedon', achievement: 'Achiev', power: 'Power',
  security: 'Secur', tradition: 'Trad', conformity: 'Conf', benevolence: 'Benev', universalism: 'Univ',
};

export function renderProfiles(profiles: ValueProfile[]): string {
  const width = Math.max(12, ...profiles.map((p) => p.group.length));
  const head = `${'group'.padEnd(width)} ${'n'.padStart(6)} ${SCHWARTZ_VALUE_IDS.map((id) => SHORT[id]!.padStart(7)).join('')}`;
  const rows = profiles.map((p) => `${p.group.padEnd(width)} ${String(p.n).padStart(6)} ${SCHWARTZ_VALUE_IDS.map((id) => p.values[id].toFixed(2).padStart(7)).join('')}`);
  return ['mean value score per group (−1 opposed … +1 supported):', head, ...rows].join('\n');
}

export function registerEvaluate(program: Command): void {
  examples(
    program.command('evaluate <input>')
      .description('judge recorded responses (JSONL in, JSONL out): a Schwartz value vector per row, and violation when a principle or foundation is given')
      .option('--judge <spec>', 'local (offline, default) or llm:MODEL_SPEC', 'local')
      .option('-o, --output <file>', 'write result rows here (default: stdout)')
      .option('--on-error <mode>', 'a malformed row: skip (report and go on) or fail (stop)', 'fail')
      .option('--group-by <field>', 'summarise value profiles per this input field (default: model, else response_source)')
      .option('--batch-size <n>', 'rows per judge call', positiveInt('--batch-size', 100_000), 64)
      .option('--judge-samples <n>', 'LLM judge self-consistency samples', positiveInt('--judge-samples', 100))
      .option('--no-cache', 'LLM judges: do not use the response cache')
      .action(action(async (input: string, opts: { judge: string; output?: string; onError: string; groupBy?: string; batchSize: number; judgeSamples?: number; cache: boolean }, command: Command) => {
        if (opts.onError !== 'skip' && opts.onError !== 'fail') {
          throw new TenetError('BAD_USAGE', `--on-error must be skip or fail, got "${opts.onError}"`);
        }
        return withContext(command, async (ctx) => {
          const judge = await ctx.judge(opts.judge, { noCache: !opts.cache, ...(opts.judgeSamples ? { samples: opts.judgeSamples } : {}) });
          const total = await countLines(input);
          const progress = createProgress({ label: 'evaluate', total, enabled: Boolean(opts.output) });
          const { signal, dispose } = interruptOnSigint();
          try {
            const summary = await evaluateFile({
              judge, input, output: opts.output ?? process.stdout, onError: opts.onError as 'skip' | 'fail', batchSize: opts.batchSize, signal,
              ...(opts.groupBy ? { groupBy: opts.groupBy } : {}),
              onProgress: rowTicks(progress),
              onSkip: (error) => process.stderr.write(`skipped: ${formatError(error)}\n`),
            });
            progress.finish();
            const trust = trustNote(judge);
            if (opts.output) emit(ctx, { output: opts.output, ...summary }, () => `${summary.rows} rows judged by ${summary.judge}, ${summary.skipped} skipped → ${opts.output}\n\n${renderProfiles(summary.profiles)}\n\n${trust}`);
            else process.stderr.write(`${summary.rows} rows judged by ${summary.judge}, ${summary.skipped} skipped\n${renderProfiles(summary.profiles)}\n\n${trust}\n`);
            return signal.aborted || allRowsFailed(summary, 'judged') ? 1 : 0;
          } finally {
            dispose();
          }
        });
      })),
    [
      'tenet evaluate data/samples/fulcra-responses.jsonl -o judged.jsonl          # offline, local judge',
      'tenet evaluate answers.jsonl --judge llm:openai:gpt-4o-mini -o judged.jsonl --on-error skip',
      'cat rows.jsonl | head -100 > small.jsonl && tenet evaluate small.jsonl --json -o out.jsonl',
      'input rows: {"id", "prompt", "response", "principle"?, "foundation"?} or FULCRA {"dialogue": "Human: ...\\nBob: ..."}',
    ],
  );
}
