import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { TenetError } from '../errors.ts';
import { readJsonl } from '../jsonl.ts';

/**
 * JSONL in, JSONL out, in bounded memory: each line is parsed into a row, rows are scored in batches, and each
 * scored row becomes one output line. A bad line (or, with `onError: 'skip'`, a row the scorer fails on) is
 * reported at file:line and skipped, or stops the stream with `onError: 'fail'`. When a batch fails, its rows
 * are scored one at a time to find the failing one. `tenet evaluate` and `tenet align reward` are this loop.
 */
export interface JsonlStreamOptions<Row extends { line: number }, Result> {
  input: string;
  /** A file path (its folder is created) or a writable stream. */
  output: string | Writable;
  onError: 'skip' | 'fail';
  batchSize: number;
  /** Shown with line errors: what a row should look like. */
  hint?: string;
  signal?: AbortSignal;
  onSkip?: (error: TenetError) => void;
  /** Called after each batch with the rows handled so far (written + skipped). */
  onProgress?: (handled: number, skipped: number) => void;
  /** One line into a row; a TenetError marks the line bad. */
  parse(value: Record<string, unknown>, line: number): Row;
  /** One result per row, in order. */
  score(rows: Row[]): Promise<Result[]>;
  /** The output line of a scored row (no newline). */
  format(row: Row, result: Result): string;
}

export async function streamJsonl<Row extends { line: number }, Result>(options: JsonlStreamOptions<Row, Result>): Promise<{ rows: number; skipped: number }> {
  const { input, onError, batchSize, signal } = options;
  if (typeof options.output === 'string') mkdirSync(dirname(options.output), { recursive: true });
  const out = typeof options.output === 'string' ? createWriteStream(options.output) : options.output;
  let rows = 0;
  let skipped = 0;
  const skip = (error: TenetError): void => {
    if (onError === 'fail') throw error;
    skipped++;
    options.onSkip?.(error);
    options.onProgress?.(rows + skipped, skipped);
  };

  const flush = async (batch: Row[]): Promise<void> => {
    let results: (Result | undefined)[];
    try {
      results = await options.score(batch);
    } catch (error) {
      if (!(error instanceof TenetError) || error.code === 'ABORTED' || (batch.length === 1 && onError === 'fail')) throw error;
      results = [];
      for (const row of batch) {
        try {
          results.push((await options.score([row]))[0]);
        } catch (inner) {
          if (!(inner instanceof TenetError) || inner.code === 'ABORTED') throw inner;
          skip(new TenetError(inner.code, `the judge failed on this row: ${inner.message}`, { location: { file: input, line: row.line }, ...(inner.details ? { details: inner.details } : {}) }));
          results.push(undefined);
        }
      }
    }
    let text = '';
    batch.forEach((row, i) => {
      if (results[i] === undefined) return;
      rows++;
      text += `${options.format(row, results[i]!)}\n`;
    });
    if (!out.write(text)) await once(out, 'drain');
    options.onProgress?.(rows + skipped, skipped);
  };

  let batch: Row[] = [];
  try {
    for await (const [line, value] of readJsonl(input, { ...(options.hint ? { hint: options.hint } : {}), onError: (e) => skip(e) })) {
      if (signal?.aborted) break;
      try {
        batch.push(options.parse(value, line));
      } catch (error) {
        if (error instanceof TenetError) skip(error);
        else throw error;
      }
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length && !signal?.aborted) await flush(batch);
  } finally {
    if (typeof options.output === 'string') {
      out.end();
      await once(out, 'finish');
    }
  }
  return { rows, skipped };
}
