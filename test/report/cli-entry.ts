// The tenet CLI with `report` registered, for tests run in a child process: main.ts's program, plus
// registerReport when main.ts does not register it yet.
import { CommanderError } from 'commander';
import { exitCodeOf, formatError } from '../../src/cli/io.ts';
import { buildProgram } from '../../src/cli/main.ts';
import { registerReport } from '../../src/cli/report.ts';

const program = buildProgram();
if (!program.commands.some((c) => c.name() === 'report')) registerReport(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else {
    process.stderr.write(`${formatError(error)}\n`);
    process.exitCode = exitCodeOf(error);
  }
}
