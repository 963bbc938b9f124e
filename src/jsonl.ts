/** Streaming line-oriented input files: every problem is reported with its file and line. */
import { createReadStream, existsSync } from 'node:fs';
import { TenetError } from './errors.ts';

/** A BAD_INPUT error at file:line (and a field path, when one field is at fault). */
export function lineError(file: string, line: number, message: string, options: { path?: string; hint?: string } = {}): TenetError {
  return new TenetError('BAD_INPUT', message, {
    ...(options.hint ? { hint: options.hint } : {}),
    location: { file, line, ...(options.path ? { path: options.path } : {}) },
  });
}

/** The longest line any line file may have (bytes): a guard against a runaway line filling memory. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface ReadLinesOptions {
  /** Longest line accepted, in bytes (default MAX_LINE_BYTES); a longer one is BAD_INPUT at file:line. */
  maxLineBytes?: number;
  /**
   * A line that is not valid UTF-8, or longer than the limit, is BAD_INPUT at file:line. With this callback
   * the error is handed here and the line skipped; without it the error is thrown.
   */
  onError?: (error: TenetError) => void;
}

const NEWLINE = 0x0a;

/**
 * Stream a text file as [1-based line number, text], without a leading byte-order mark or a trailing CR.
 * Invalid UTF-8 is an error naming the line (never silently replaced), and so is a line over the size limit
 * (detected while reading, so such a line never sits in memory whole).
 */
export async function* readLines(file: string, options: ReadLinesOptions = {}): AsyncGenerator<[number, string]> {
  if (!existsSync(file)) throw new TenetError('NOT_FOUND', `file not found: ${file}`, { location: { file } });
  const maxBytes = options.maxLineBytes ?? MAX_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const input = createReadStream(file);
  let n = 0;
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const fail = (error: TenetError): void => {
    if (!options.onError) throw error;
    options.onError(error);
  };
  const finish = (): [number, string] | undefined => {
    n++;
    const bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    const wasTooLong = tooLong;
    parts = [];
    size = 0;
    tooLong = false;
    if (wasTooLong) {
      fail(lineError(file, n, `the line is longer than ${maxBytes} bytes`, { hint: 'is this the right file? split or shorten the line' }));
      return undefined;
    }
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      const at = bytes.toString('utf8').indexOf('\uFFFD');
      fail(lineError(file, n, `the line is not valid UTF-8 (first bad byte near character ${at + 1})`, {
        hint: 'save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.jsonl > out.jsonl`)',
      }));
      return undefined;
    }
    if (text.endsWith('\r')) text = text.slice(0, -1);
    if (n === 1) text = text.replace(/^\uFEFF/, '');
    return [n, text];
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
        if (!tooLong) {
          parts.push(chunk.subarray(start, nl));
          size += nl - start;
          if (size > maxBytes) tooLong = true;
        }
        start = nl + 1;
        const line = finish();
        if (line) yield line;
      }
      if (start < chunk.length && !tooLong) {
        parts.push(chunk.subarray(start));
        size += chunk.length - start;
        if (size > maxBytes) {
          tooLong = true;
          parts = [];
        }
      }
    }
    if (size > 0 || tooLong) {
      const line = finish();
      if (line) yield line;
    }
  } finally {
    input.destroy();
  }
}

export interface JsonlOptions {
  /** Hand a malformed line's error here and skip the line, instead of throwing it. */
  onError?: (error: TenetError) => void;
  /** Longest line accepted, in bytes (default MAX_LINE_BYTES). */
  maxLineBytes?: number;
  /** What a line should look like, for the error's hint. */
  hint?: string;
}

/** Stream a JSONL file as [line, object]; blank lines are skipped; a line that is not a JSON object is BAD_INPUT at file:line. */
export async function* readJsonl(file: string, options: JsonlOptions = {}): AsyncGenerator<[number, Record<string, unknown>]> {
  const hint = options.hint ?? 'each line must be one JSON object';
  const lineOptions: ReadLinesOptions = { ...(options.onError ? { onError: options.onError } : {}), ...(options.maxLineBytes ? { maxLineBytes: options.maxLineBytes } : {}) };
  for await (const [n, text] of readLines(file, lineOptions)) {
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
