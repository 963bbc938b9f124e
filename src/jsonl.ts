/** Streaming line-oriented input files: every problem is reported with its file and line. */
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { TenetError } from './errors.ts';

/** A BAD_INPUT error at file:line (and a field path, when one field is at fault). */
export function lineError(file: string, line: number, message: string, options: { path?: string; hint?: string } = {}): TenetError {
  return new TenetError('BAD_INPUT', message, {
    ...(options.hint ? { hint: options.hint } : {}),
    location: { file, line, ...(options.path ? { path: options.path } : {}) },
  });
}

/** Stream a text file as [1-based line number, text], without a leading byte-order mark. */
export async function* readLines(file: string): AsyncGenerator<[number, string]> {
  if (!existsSync(file)) throw new TenetError('NOT_FOUND', `file not found: ${file}`, { location: { file } });
  const input = createReadStream(file, { encoding: 'utf8' });
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of rl) {
      n++;
      yield [n, n === 1 ? text.replace(/^\uFEFF/, '') : text];
    }
  } finally {
    rl.close();
    input.destroy();
  }
}

export interface JsonlOptions {
  /** Hand a malformed line's error here and skip the line, instead of throwing it. */
  onError?: (error: TenetError) => void;
  /** What a line should look like, for the error's hint. */
  hint?: string;
}

/** Stream a JSONL file as [line, object]; blank lines are skipped; a line that is not a JSON object is BAD_INPUT at file:line. */
export async function* readJsonl(file: string, options: JsonlOptions = {}): AsyncGenerator<[number, Record<string, unknown>]> {
  const hint = options.hint ?? 'each line must be one JSON object';
  for await (const [n, text] of readLines(file)) {
    if (text.trim() === '') continue;
    let value: unknown;
    let problem: string | undefined;
    try {
      value = JSON.parse(text);
      if (value === null || typeof value !== 'object' || Array.isArray(value)) problem = 'the line is not a JSON object';
    } catch (e) {
      problem = `not valid JSON (${(e as Error).message})`;
    }
    if (problem) {
      const error = lineError(file, n, problem, { hint });
      if (!options.onError) throw error;
      options.onError(error);
      continue;
    }
    yield [n, value as Record<string, unknown>];
  }
}

/** A guard against repeated ids in a file: ids key resumable work, so a duplicate is an error naming both lines. */
export function uniqueIds(file: string): (id: string, line: number) => void {
  const first = new Map<string, number>();
  return (id, line) => {
    const earlier = first.get(id);
    if (earlier !== undefined) throw lineError(file, line, `duplicate id ${JSON.stringify(id)} (first used on line ${earlier})`, { path: 'id' });
    first.set(id, line);
  };
}
