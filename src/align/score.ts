/**
 * `tenet align reward`: JSONL in, JSONL out, streaming in bounded memory. Each input row is
 * {id?, prompt, response, values?}; each output row is the input row plus `values` (the judge's vector, or the
 * row's own with `--judge vectors`), `reward`, `distance`, `l2` and `l1` against the target (reward.ts).
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import { dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { TenetError } from '../errors.ts';
import type { Judge, JudgeItem } from '../judges/types.ts';
import { lineError, readJsonl } from '../jsonl.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { distances, vectorFromJudge, type Distances } from './reward.ts';
import { vectorObject, type Target } from './targets.ts';

/** A judge, or `vectors`: use each row's own `values`. */
export type ValueSource = Judge | 'vectors';

export const ROW_HINT = 'rows look like {"id"?: "...", "prompt": "...", "response": "...", "values"?: [10 numbers in Schwartz order] or {"benevolence": 0.8, ...}}';

/** A row's `values`: 10 numbers in [−1, 1] in Schwartz order, or an object keyed by value id (missing ids are 0). */
export function parseValues(raw: unknown, file: string, line: number, field = 'values'): number[] {
  const bad = (message: string, path = field) => lineError(file, line, message, { path, hint: ROW_HINT });
  let vector: unknown[];
  if (Array.isArray(raw)) {
    if (raw.length !== 10) throw bad(`"${field}" must list 10 numbers (Schwartz order: ${SCHWARTZ_VALUE_IDS.join(', ')}), got ${raw.length}`);
    vector = raw;
  } else if (typeof raw === 'object' && raw !== null) {
    const rec = raw as Record<string, unknown>;
    const unknown = Object.keys(rec).find((k) => !(SCHWARTZ_VALUE_IDS as readonly string[]).includes(k));
    if (unknown) throw bad(`unknown value id "${unknown}"`, `${field}.${unknown}`);
    vector = SCHWARTZ_VALUE_IDS.map((id) => rec[id] ?? 0);
  } else {
    throw bad(`"${field}" is missing or not a list/object of numbers`);
  }
  vector.forEach((v, i) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < -1 || v > 1) throw bad(`${SCHWARTZ_VALUE_IDS[i]} must be a number in [−1, 1], got ${JSON.stringify(v)}`, Array.isArray(raw) ? `${field}[${i}]` : `${field}.${SCHWARTZ_VALUE_IDS[i]}`);
  });
  return vector as number[];
}

export interface ScoreFileOptions {
  input: string;
  output: string | Writable;
  target: Target;
  values: ValueSource;
  onError?: 'skip' | 'fail';
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (rows: number) => void;
  onSkip?: (error: TenetError) => void;
}

export interface ScoreSummary {
  rows: number;
  skipped: number;
  judge: string;
  target: string;
  /** Means over the scored rows (null when none). */
  mean: { reward: number | null; distance: number | null; l2: number | null; l1: number | null };
}

interface Pending {
  line: number;
  row: Record<string, unknown>;
  item?: JudgeItem;
  vector?: number[];
}

/** Score rows against a target, streaming. */
export async function scoreFile(options: ScoreFileOptions): Promise<ScoreSummary> {
  const { input, target, values, onError = 'fail', batchSize = 64 } = options;
  if (typeof options.output === 'string') mkdirSync(dirname(options.output), { recursive: true });
  const out = typeof options.output === 'string' ? createWriteStream(options.output) : options.output;
  const sums: Distances = { reward: 0, distance: 0, l2: 0, l1: 0 };
  let rows = 0;
  let skipped = 0;
  const skip = (error: TenetError): void => {
    if (onError === 'fail') throw error;
    skipped++;
    options.onSkip?.(error);
  };
  const judgeTag = values === 'vectors' ? 'vectors' : `${values.id}@${values.version}`;

  const flush = async (batch: Pending[]): Promise<void> => {
    if (values !== 'vectors') {
      const judge = values;
      let results: (number[] | undefined)[];
      try {
        results = (await judge.judge(batch.map((p) => p.item!), options.signal ? { signal: options.signal } : {})).map((r) => vectorFromJudge(r.values));
      } catch (error) {
        if (!(error instanceof TenetError) || error.code === 'ABORTED' || batch.length === 1 && onError === 'fail') throw error;
        results = [];
        for (const p of batch) {
          try {
            results.push(vectorFromJudge((await judge.judge([p.item!]))[0]!.values));
          } catch (inner) {
            if (!(inner instanceof TenetError) || inner.code === 'ABORTED') throw inner;
            skip(new TenetError(inner.code, `the judge failed on this row: ${inner.message}`, { location: { file: input, line: p.line } }));
            results.push(undefined);
          }
        }
      }
      batch.forEach((p, i) => { if (results[i]) p.vector = results[i]; });
    }
    let text = '';
    for (const p of batch) {
      if (!p.vector) continue;
      const d = distances(p.vector, target.vector);
      rows++;
      sums.reward += d.reward;
      sums.distance += d.distance;
      sums.l2 += d.l2;
      sums.l1 += d.l1;
      text += `${JSON.stringify({ ...p.row, values: vectorObject(p.vector), reward: d.reward, distance: d.distance, l2: d.l2, l1: d.l1, target: target.id, judge: judgeTag })}\n`;
    }
    if (!out.write(text)) await once(out, 'drain');
    options.onProgress?.(rows + skipped);
  };

  let batch: Pending[] = [];
  try {
    for await (const [line, row] of readJsonl(input, { hint: ROW_HINT, onError: (e) => skip(e) })) {
      if (options.signal?.aborted) break;
      try {
        if (values === 'vectors') {
          batch.push({ line, row, vector: parseValues(row.values, input, line) });
        } else {
          for (const field of ['prompt', 'response'] as const) {
            if (typeof row[field] !== 'string') throw lineError(input, line, `field "${field}" is missing or not a string`, { path: field, hint: ROW_HINT });
          }
          batch.push({ line, row, item: { prompt: row.prompt as string, response: row.response as string } });
        }
      } catch (error) {
        if (error instanceof TenetError) skip(error);
        else throw error;
      }
      if (batch.length >= batchSize) {
        await flush(batch);
        batch = [];
      }
    }
    if (batch.length && !options.signal?.aborted) await flush(batch);
  } finally {
    if (typeof options.output === 'string') {
      out.end();
      await once(out, 'finish');
    }
  }
  const m = (s: number) => (rows ? s / rows : null);
  return { rows, skipped, judge: judgeTag, target: target.id, mean: { reward: m(sums.reward), distance: m(sums.distance), l2: m(sums.l2), l1: m(sums.l1) } };
}
