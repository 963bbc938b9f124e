import type { Command } from 'commander';
import { runDoctor } from '../doctor.ts';
import { action, emit, examples } from './io.ts';
import { cliContext } from './context.ts';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', unchecked: '--  ' } as const;

export function registerDoctor(program: Command): void {
  examples(
    program.command('doctor')
      .description('check Node, the configuration, the database and which model providers are configured (exit 1 when a check fails)')
      .option('--ping', 'also try to reach every configured provider endpoint (3 s timeout each)')
      .action(action(async (opts: { ping?: boolean }, command: Command) => {
        const ctx = cliContext(command);
        const report = await runDoctor({ config: ctx.config, dbLocation: ctx.dbLocation, ping: Boolean(opts.ping) });
        emit(ctx, report, () => report.checks.map((c) => `${MARK[c.status]}  ${c.name.padEnd(20)} ${c.detail}`).join('\n'));
        return report.ok ? 0 : 1;
      })),
    ['tenet doctor', 'tenet doctor --ping --json', 'TENET_DB=postgres://postgres@127.0.0.1:5432/test tenet doctor'],
  );
}
