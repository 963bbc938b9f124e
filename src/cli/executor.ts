/**
 * `--executor local|pgboss`, shared by every command that runs a sample stage (bench, probe, align …):
 * add the option with `executorOption(command)`, then pass `executorFor(ctx, opts)` as the stage's
 * `executor` (undefined means the local pool).
 */
import { Option, type Command } from 'commander';
import { TenetError } from '../errors.ts';
import type { UnitDispatcher } from '../runtime/executor.ts';
import type { CliContext } from './context.ts';

export const EXECUTORS = ['local', 'pgboss'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

function parseExecutor(value: string): ExecutorName {
  if (!(EXECUTORS as readonly string[]).includes(value)) {
    throw new TenetError('BAD_USAGE', `unknown --executor "${value}"`, { hint: 'use local (this process, the default) or pgboss (tenet worker processes sharing a Postgres store)' });
  }
  return value as ExecutorName;
}

export function executorOption(command: Command): Command {
  return command.addOption(new Option('--executor <name>', 'where the prompt × model units run: local (this process) or pgboss (`tenet worker` processes on any machine sharing the Postgres store; see docs/distributed.md)')
    .argParser(parseExecutor)
    .default('local'));
}

/**
 * The executor a command's options ask for: undefined for local, the pg-boss dispatcher otherwise. A SQLite
 * store with pgboss is a BAD_USAGE error before any work starts. (pg-boss is loaded only when asked for.)
 */
export async function executorFor(ctx: CliContext, opts: { executor?: ExecutorName; cache?: boolean }): Promise<UnitDispatcher | undefined> {
  if ((opts.executor ?? 'local') === 'local') return undefined;
  const [{ pgbossExecutor }, { queueTarget }] = await Promise.all([import('../distributed/dispatch.ts'), import('../distributed/queue.ts')]);
  queueTarget(ctx.dbLocation);
  return pgbossExecutor({
    db: ctx.dbLocation,
    config: ctx.config,
    noCache: opts.cache === false,
    log: (line) => process.stderr.write(`[pgboss] ${line}\n`),
  });
}
