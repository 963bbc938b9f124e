/**
 * `tenet align reward`: JSONL in, JSONL out, streaming in bounded memory. Each input row is
 * {id?, prompt, response, values?}; each output row is the input row plus `values` (the judge's vector, or the
 * row's own with `--judge vectors`), `reward`, `distance`, `l2` and `l1` against the target (reward.ts). The reward
 * is −distance (masked, with the judge's mask threshold: mask.ts; FULCRA's 0.3 for `vectors`), −l1 or −l2.
 */
import type { Writable } from 'node:stream';
import { TenetError } from '../errors.ts';
import type { Judge, JudgeItem } from '../judges/types.ts';
import { lineError } from '../jsonl.ts';
import { streamJsonl } from '../judges/stream.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { maskThresholdOf, type MaskThreshold } from './mask.ts';
import { CONFIDENCE_THRESHOLD, distances, vectorFromJudge, type Distances, type RewardKind } from './reward.ts';
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
  /** Default masked. */
  reward?: RewardKind;
  onError?: 'skip' | 'fail';
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (rows: number, skipped: number) => void;
  onSkip?: (error: TenetError) => void;
}

export interface ScoreSummary {
  rows: number;
  skipped: number;
  judge: string;
  target: string;
  reward: RewardKind;
  /** The masked distance's threshold (with a note when the judge has no calibrated one). */
  mask: MaskThreshold;
  /** Means over the scored rows (null when none). */
  mean: { reward: number | null; distance: number | null; l2: number | null; l1: number | null };
}

interface Pending {
  line: number;
  row: Record<string, unknown>;
  item?: JudgeItem;
  vector?: number[];
}

/** The mask threshold of a value source: the judge's, or FULCRA's 0.3 for rows' own vectors (FULCRA's evaluator outputs). */
export function maskOfSource(values: ValueSource): MaskThreshold {
  return values === 'vectors' ? { threshold: CONFIDENCE_THRESHOLD, source: 'FULCRA (rows carry their own vectors)' } : maskThresholdOf(values);
}

/** Score rows against a target, streaming (the same JSONL loop as `tenet evaluate`). */
export async function scoreFile(options: ScoreFileOptions): Promise<ScoreSummary> {
  const { input, target, values } = options;
  const sums: Distances = { reward: 0, distance: 0, l2: 0, l1: 0 };
  const judgeTag = values === 'vectors' ? 'vectors' : `${values.id}@${values.version}`;
  const mask = maskOfSource(values);
  const reward = options.reward ?? 'masked';
  const { rows, skipped } = await streamJsonl<Pending, number[]>({
    input,
    output: options.output,
    onError: options.onError ?? 'fail',
    batchSize: options.batchSize ?? 64,
    hint: ROW_HINT,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    parse: (row, line) => {
      if (values === 'vectors') return { line, row, vector: parseValues(row.values, input, line) };
      for (const field of ['prompt', 'response'] as const) {
        if (typeof row[field] !== 'string') throw lineError(input, line, `field "${field}" is missing or not a string`, { path: field, hint: ROW_HINT });
      }
      return { line, row, item: { prompt: row.prompt as string, response: row.response as string } };
    },
    score: async (batch) => values === 'vectors'
      ? batch.map((p) => p.vector!)
      : (await values.judge(batch.map((p) => p.item!), options.signal ? { signal: options.signal } : {})).map((r) => vectorFromJudge(r.values)),
    format: (p, vector) => {
      const d = distances(vector, target.vector, { reward, threshold: mask.threshold });
      sums.reward += d.reward;
      sums.distance += d.distance;
      sums.l2 += d.l2;
      sums.l1 += d.l1;
      return JSON.stringify({ ...p.row, values: vectorObject(vector), reward: d.reward, distance: d.distance, l2: d.l2, l1: d.l1, target: target.id, judge: judgeTag });
    },
  });
  const m = (s: number) => (rows ? s / rows : null);
  return { rows, skipped, judge: judgeTag, target: target.id, reward, mask, mean: { reward: m(sums.reward), distance: m(sums.distance), l2: m(sums.l2), l1: m(sums.l1) } };
}
