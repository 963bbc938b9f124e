#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { examples, formatError, exitCodeOf } from './io.ts';
import { registerBench } from './bench.ts';
import { registerCache } from './cache.ts';
import { registerDiscover } from './discover.ts';
import { registerDoctor } from './doctor.ts';
import { registerElicit } from './elicit.ts';
import { registerEvaluate } from './evaluate.ts';
import { registerGraph } from './graph.ts';
import { registerJudge } from './judge.ts';
import { registerLabels } from './labels.ts';
import { registerModels } from './models.ts';
import { registerProbe } from './probe.ts';
import { registerReport } from './report.ts';
import { registerValues } from './values.ts';
import { registerView } from './view.ts';
import { registerWorker } from './worker.ts';
import { registerAlign } from './align.ts';

export function buildProgram(): Command {
  const program = new Command('tenet')
    .description('Find out what values a language model acts on, and move them toward the values people choose.')
    .version('0.1.0')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--db <url>', 'store: a SQLite path or postgres://... URL (default: $TENET_DB, the config file, or ./.tenet/tenet.db)')
    .option('--config <file>', 'configuration file (default: ./tenet.config.yaml when present)')
    .showHelpAfterError('(run with --help for usage and examples)')
    .exitOverride();
  registerDoctor(program);
  registerValues(program);
  registerModels(program);
  registerCache(program);
  registerEvaluate(program);
  registerJudge(program);
  registerLabels(program);
  registerProbe(program);
  registerBench(program);
  registerDiscover(program);
  registerReport(program);
  registerGraph(program);
  registerElicit(program);
  registerView(program);
  registerWorker(program);
  registerAlign(program);
  return examples(program, [
    'tenet doctor                                   # what is configured and reachable',
    'tenet values list --framework mft              # the value theories tenet measures against',
    'tenet models test ollama:llama3.1:8b --json    # one prompt to a model: text, latency, usage',
    'tenet probe --target ollama:llama3.1:8b --foundation care --limit 5   # DeNEVIL: find prompts that break principles',
    'tenet bench --models ollama:llama3.1:8b --prompts builtin:valuecompass-mft --samples 4',
    'tenet report RUN -o report.html                # one offline HTML file per run',
    'tenet view                                     # the live web viewer over the store',
    'tenet graph build --votes votes.json -o graph.json',
    'tenet elicit serve --model openai:gpt-4o          # the moral graph elicitation web app',
    'tenet <command> --help                         # every command has worked examples',
  ]);
}

/**
 * `tenet … | head`: once the reader has closed the pipe, stop quietly, as other Unix tools do, rather than die of
 * an unhandled EPIPE with a stack trace. Any other stdout error is still thrown.
 */
function exitQuietlyOnClosedStdout(): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

export async function main(argv: string[]): Promise<void> {
  exitQuietlyOnClosedStdout();
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander already printed its message, the help or the version
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`${formatError(error)}\n`);
    process.exitCode = exitCodeOf(error);
  }
}

// Run when executed directly (node src/cli/main.ts); bin/tenet.js imports main() from dist.
if (import.meta.url === `file://${process.argv[1]}`) await main(process.argv);
