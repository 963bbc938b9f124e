import type { Command } from 'commander';
import { parseShare } from '../distributed/limits.ts';
import { action, emit, examples, MAX_CONCURRENCY_OPTION, positiveInt } from './io.ts';
import { withContext } from './context.ts';

interface WorkerCliOptions {
  concurrency: number;
  rateShare?: number;
  drain: number;
}

export function registerWorker(program: Command): void {
  examples(
    program.command('worker')
      .description('run prompt × model units for distributed runs (--executor pgboss) from the queue in the Postgres store, until SIGTERM or Ctrl-C')
      .option('--concurrency <n>', 'units worked on at once in this process', positiveInt('--concurrency', MAX_CONCURRENCY_OPTION), 16)
      .option('--rate-share <f>', 'the fraction of each configured rpm/tpm limit this worker uses: 1/W with W workers keeps the fleet within the limit (default 1)', parseShare)
      .option('--drain <seconds>', 'on SIGTERM/Ctrl-C, how long to let the units in hand finish before exiting', positiveInt('--drain', 86_400), 60)
      .action(action(async (opts: WorkerCliOptions, command: Command) => withContext(command, async (ctx) => {
        const controller = new AbortController();
        const stop = (signal: string): void => {
          if (controller.signal.aborted) process.exit(130);
          process.stderr.write(`[worker] ${signal}: finishing the units in hand (up to ${opts.drain} s); ${signal} again to quit now (their units go back to the queue)\n`);
          controller.abort();
        };
        const onInt = (): void => stop('SIGINT');
        const onTerm = (): void => stop('SIGTERM');
        process.on('SIGINT', onInt);
        process.on('SIGTERM', onTerm);
        try {
          const { runWorker } = await import('../distributed/worker.ts');
          const summary = await runWorker({
            db: ctx.dbLocation,
            concurrency: opts.concurrency,
            config: ctx.config,
            ...(opts.rateShare !== undefined ? { rateShare: opts.rateShare } : {}),
            drainMs: opts.drain * 1000,
            signal: controller.signal,
            log: (line) => process.stderr.write(`[worker ${new Date().toISOString()}] ${line}\n`),
          });
          emit(ctx, summary, () => `worker stopped: ${summary.units} units stored, ${summary.duplicates} duplicate claims skipped, ${summary.failed} failed attempts, ${summary.calls} model calls, lost Postgres ${summary.partitions} times, ${summary.restarts} reconnects`);
          return 0;
        } finally {
          process.off('SIGINT', onInt);
          process.off('SIGTERM', onTerm);
        }
      }))),
    [
      'tenet worker --db postgres://tenet@db.internal:5432/tenet --concurrency 16',
      'TENET_DB=postgres://tenet@db.internal:5432/tenet tenet worker --rate-share 1/4   # one of four workers sharing each rpm/tpm limit',
      'tenet bench --db postgres://tenet@db.internal:5432/tenet --executor pgboss --models openai:gpt-4o-mini --prompts builtin:valuecompass-mft',
    ],
  );

  const workers = program.command('workers').description('the distributed workers and their queue');
  examples(
    workers.command('status')
      .description('workers alive, and per run the units queued / active / done / failed with the last minute\'s throughput')
      .action(action(async (_opts: unknown, command: Command) => withContext(command, async (ctx) => {
        const { formatWorkersStatus, workersStatus } = await import('../distributed/status.ts');
        const status = await workersStatus(ctx.dbLocation);
        emit(ctx, status, () => formatWorkersStatus(status));
      }))),
    [
      'tenet workers status --db postgres://tenet@db.internal:5432/tenet',
      'tenet workers status --json | jq \'.runs[] | select(.failed > 0)\'',
    ],
  );
}
