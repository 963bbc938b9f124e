/** Run the real tenet CLI (main.ts's program, every command registered) in-process, capturing its output. */
import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';
import { exitCodeOf, formatError } from '../../src/cli/io.ts';
import { buildProgram } from '../../src/cli/main.ts';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** `tenet ...args`, as `main()` would run it: commander's own errors exit 2, TenetErrors by their code. */
export async function runCli(args: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const program = buildProgram();
  const capture = (c: Command): void => {
    c.exitOverride().configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
    c.commands.forEach(capture);
  };
  capture(program);
  let code = 0;
  try {
    process.exitCode = 0;
    await program.parseAsync(args, { from: 'user' });
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else {
      stderr += formatError(error);
      code = exitCodeOf(error);
    }
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = 0;
  }
  return { code, stdout, stderr };
}
