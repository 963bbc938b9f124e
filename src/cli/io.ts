import { Command, CommanderError } from 'commander';
import { TenetError, isTenetError } from '../errors.ts';
import { redactSecrets } from '../redact.ts';
import type { Progress } from '../runtime/progress.ts';

/** Options every command accepts. */
export interface GlobalOptions {
  json?: boolean;
  db?: string;
  config?: string;
}

/** Print a result: JSON for scripts (`--json`), otherwise the human rendering. */
export function emit(opts: { json?: boolean }, data: unknown, human: () => string): void {
  process.stdout.write(opts.json ? `${JSON.stringify(data, null, 2)}\n` : `${human()}\n`);
}

/** Render an error for a person: what, where, what to do. Never a bare stack trace. */
export function formatError(error: unknown): string {
  if (isTenetError(error)) {
    const where = error.where ? ` (${error.where})` : '';
    const hint = error.hint ? `\n  hint: ${error.hint}` : '';
    return `error [${error.code}]${where}: ${error.message}${hint}`;
  }
  const message = redactSecrets(error instanceof Error ? error.message : String(error));
  return `error [INTERNAL]: ${message}\n  hint: this is a bug in tenet; run with TENET_DEBUG=1 for the stack trace and report it.`;
}

export function exitCodeOf(error: unknown): number {
  if (isTenetError(error)) return error.exitCode;
  if (error instanceof CommanderError) return 2;
  return 1;
}

/**
 * Wrap a command action: errors become a clear message (JSON with `--json`) and an exit code
 * (1 a check failed, 2 bad usage or input). The action's own return value is its exit code (default 0).
 */
export function action<A extends unknown[]>(
  fn: (...args: A) => Promise<number | void> | number | void,
): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    const json = Boolean(command.optsWithGlobals?.().json);
    try {
      const code = await fn(...args);
      process.exitCode = typeof code === 'number' ? code : 0;
    } catch (error) {
      if (process.env.TENET_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
      if (json) process.stdout.write(`${JSON.stringify({ error: isTenetError(error) ? error.toJSON() : { code: 'INTERNAL', message: redactSecrets(String(error)) } }, null, 2)}\n`);
      process.stderr.write(`${formatError(error)}\n`);
      process.exitCode = exitCodeOf(error);
    }
  };
}

/** Upper bounds shared by the numeric options of several commands (each command's own counts use its library's limits). */
export const MAX_TOKENS_OPTION = 1_000_000;
/** `--limit`: rows or prompts to use. */
export const MAX_LIMIT_OPTION = 10_000_000;
/** `--bootstrap`: resamples. */
export const MAX_BOOTSTRAP_OPTION = 1_000_000;
/** `--batch-size`: rows per judge call. */
export const MAX_BATCH_OPTION = 100_000;
/** `--concurrency`: units or calls at once. */
export const MAX_CONCURRENCY_OPTION = 1024;

/**
 * The one parser of whole-number options: an integer from `min` to `max`, or BAD_USAGE (exit 2) naming the option,
 * so that `--n 1e9` is a clear error rather than a run that allocates until the heap gives out.
 */
export function intOption(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new TenetError('BAD_USAGE', `${name} must be ${min === 1 ? 'a positive integer' : `a whole number ≥ ${min}`} up to ${max}, got "${value}"`);
    }
    if (n > max) throw new TenetError('BAD_USAGE', `${name} must be at most ${max}, got ${value}`);
    return n;
  };
}

/** A positive integer option, at most `max`. */
export function positiveInt(name: string, max: number): (value: string) => number {
  return intOption(name, 1, max);
}

/** A whole-number option ≥ 0, at most `max`. */
export function nonNegativeInt(name: string, max: number): (value: string) => number {
  return intOption(name, 0, max);
}

/**
 * The `onProgress` of a streaming command (rows handled so far, of which skipped): one tick per row, a skipped
 * row counted as an error on the progress line.
 */
export function rowTicks(progress: Progress): (handled: number, skipped: number) => void {
  let ticked = 0;
  let errors = 0;
  return (handled, skipped) => {
    for (; errors < skipped; errors++, ticked++) progress.tick({ error: true });
    for (; ticked < handled; ticked++) progress.tick();
  };
}

/** Every row of a streaming command failed: say so on stderr, and exit 1 (a run that judged nothing did not work). */
export function allRowsFailed(summary: { rows: number; skipped: number }, what: string): boolean {
  if (summary.rows > 0 || summary.skipped === 0) return false;
  process.stderr.write(`error: every row failed (${summary.skipped} skipped); nothing was ${what}\n`);
  return true;
}

/** `1 run`, `2 runs`: a count with its noun (regular plurals). */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Append a worked example to a command's --help. */
/** A --port value: an integer from 0 to 65535 (0 picks a free port). */
export function portNumber(name = '--port'): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new TenetError('BAD_USAGE', `${name} must be a port from 0 to 65535 (0 picks a free one), got "${value}"`);
    return n;
  };
}

/** A comma-separated list option, repeatable: `--x a,b --x c` → [a, b, c]. */
export function commaList(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function examples(command: Command, lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
}
