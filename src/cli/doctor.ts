import type { Command } from 'commander';
import { probeEndpoint, runDoctor } from '../doctor.ts';
import { storeCache } from '../store/cache-backend.ts';
import { action, emit, examples } from './io.ts';
import { cliContext } from './context.ts';

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', unchecked: '--  ' } as const;

export function registerDoctor(program: Command): void {
  examples(
    program.command('doctor')
      .description('check Node, the configuration, the database and which model providers are configured (exit 1 when a check fails)')
      .option('--ping', 'also try to reach every configured provider endpoint (3 s timeout each)')
      .option('--speed', 'also say the CPU thread count of local models and measure SmolLM2\'s generation speed in a ~1-second self-test (when it is fetched)')
      .option('--probe-endpoint <spec>', "check afresh what an endpoint supports (n samples in one call, JSON schema, usage in streams, the scoring sanity check), print it and remember it")
      .action(action(async (opts: { ping?: boolean; speed?: boolean; probeEndpoint?: string }, command: Command) => {
        const ctx = cliContext(command);
        if (opts.probeEndpoint) {
          const probe = await probeEndpoint(opts.probeEndpoint, { config: ctx.config, capabilityStore: storeCache(await ctx.store()) });
          await ctx.close();
          const c = probe.capabilities;
          emit(ctx, probe, () => [
            `${probe.spec}:`,
            `  n samples in one call  ${c.nativeN ? 'yes' : 'no (one call per sample)'}`,
            `  JSON schema            ${c.jsonSchema}`,
            `  usage in streams       ${c.streamUsage ? 'yes' : 'no (estimated, and marked so)'}`,
            `  scoring (echo)         ${c.score.available ? 'yes (passed the sanity check)' : `no: ${c.score.reason}`}`,
            ...probe.problems.map((p) => `  problem: ${p}`),
          ].join('\n'));
          return probe.problems.length ? 1 : 0;
        }
        const report = await runDoctor({ config: ctx.config, dbLocation: ctx.dbLocation, ping: Boolean(opts.ping), speed: Boolean(opts.speed) });
        emit(ctx, report, () => report.checks.map((c) => `${MARK[c.status]}  ${c.name.padEnd(20)} ${c.detail}`).join('\n'));
        return report.ok ? 0 : 1;
      })),
    ['tenet doctor', 'tenet doctor --ping --json', 'tenet doctor --speed', 'tenet doctor --probe-endpoint openai-compatible:qwen@http://localhost:8000/v1 --json', 'TENET_DB=postgres://postgres@127.0.0.1:5432/test tenet doctor'],
  );
}
