import { TenetError } from '../errors.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { collect, loadEthicsCommonsense, loadFulcra, loadValueCompassCases } from './datasets.ts';
import { isLocalJudge, LOCAL_CROSS_JUDGE_ID } from './ids.ts';
import { ETHICS_PRINCIPLE } from './local/principles.ts';
import { ETHICS_BLOCK, partOfEthicsRow, partOfPrompt, promptKey, type Part } from './local/split.ts';
import { evaluateBinary, evaluateSchwartz, type BinaryReport, type SchwartzReport } from './metrics.ts';
import type { Progress } from '../runtime/progress.ts';
import type { Judge, JudgeItem } from './types.ts';

export const EVAL_FORMATS = ['fulcra', 'valuecompass-mft', 'valuecompass-schwartz', 'ethics'] as const;
export type EvalFormat = (typeof EVAL_FORMATS)[number];

/** The split dataset each format's rows are assigned by (see judges/local/split.ts). */
const SPLIT_DATASET: Record<EvalFormat, string> = {
  fulcra: 'fulcra-trustworthy',
  'valuecompass-mft': 'valuecompass-mft',
  'valuecompass-schwartz': 'valuecompass-schwartz',
  ethics: 'ethics-commonsense',
};

/** Formats whose train/validation parts the shipped local judges learned or were tuned on (the cross-encoder also Value Compass Schwartz). */
const LOCAL_JUDGE_TRAINED_ON: readonly EvalFormat[] = ['fulcra', 'valuecompass-mft', 'ethics'];
const CROSS_JUDGE_TRAINED_ON: readonly EvalFormat[] = [...LOCAL_JUDGE_TRAINED_ON, 'valuecompass-schwartz'];

export interface MeasureOptions {
  file: string;
  format: EvalFormat;
  /** Which part of the split to score; `all` = every row. Default: `test` for the local judge on data it trained on, else `all`. */
  part?: Part | 'all';
  /** Score only the first `limit` rows of the part, in file order (for slow judges; stated in `partReason`). */
  limit?: number;
  /** Bootstrap resamples (default 1000) and seed. */
  b?: number;
  seed?: number;
  batchSize?: number;
  signal?: AbortSignal;
  /** The part (and why) when several judges are compared on the same rows (commonPart); `part` still wins. */
  sharedPart?: { part: Part | 'all'; reason: string };
  /** Called once the rows are known; the returned progress is ticked per judged row. */
  progress?: (total: number) => Progress;
}

export interface JudgeMeasurement {
  judge: string;
  format: EvalFormat;
  file: string;
  part: Part | 'all';
  /** Why this part was scored. */
  partReason: string;
  rows: number;
  schwartz?: SchwartzReport;
  binary?: BinaryReport;
  /** Rows the judge flagged low-confidence (violation near 0.5; judges that flag it). */
  lowConfidence?: number;
}

export function defaultPart(judge: Judge, format: EvalFormat): { part: Part | 'all'; reason: string } {
  if (isLocalJudge(judge.id) && (judge.id === LOCAL_CROSS_JUDGE_ID ? CROSS_JUDGE_TRAINED_ON : LOCAL_JUDGE_TRAINED_ON).includes(format)) {
    return { part: 'test', reason: 'the held-out test part: the local judge was trained and tuned on the other parts of this data' };
  }
  return { part: 'all', reason: 'every row: this judge was neither trained nor tuned on this data' };
}

/**
 * The part several judges are compared on: the same rows for all, so the held-out test part whenever any of
 * them was trained or tuned on this data.
 */
export function commonPart(judges: readonly Judge[], format: EvalFormat): { part: Part | 'all'; reason: string } {
  const parts = judges.map((j) => defaultPart(j, format));
  const trained = parts.find((p) => p.part === 'test');
  return trained
    ? { part: 'test', reason: `${trained.reason}; every judge is scored on these same rows` }
    : { part: 'all', reason: 'every row: none of these judges was trained or tuned on this data' };
}

async function judgeAll(judge: Judge, items: JudgeItem[], options: MeasureOptions) {
  // 32 rows a call: enough for an LLM judge's concurrency, and the progress line moves every 32 rows (an LLM judge takes seconds a row)
  const size = options.batchSize ?? 32;
  const progress = options.progress?.(items.length);
  const out = [];
  for (let i = 0; i < items.length; i += size) {
    const batch = await judge.judge(items.slice(i, i + size), { ...(options.signal ? { signal: options.signal } : {}) });
    out.push(...batch);
    for (let j = 0; j < batch.length; j++) progress?.tick();
  }
  progress?.finish();
  return out;
}

/**
 * Measure a judge on labelled data. Schwartz data (FULCRA): 3-class accuracy over (row, value) pairs,
 * macro-F1 and opposed-detection F1. Violation data: accuracy, F1 (violating when score > 0.5, the rule of
 * bench and probe), AUROC and calibration (ECE, reliability bins). Each with N and a 95% bootstrap CI that
 * resamples prompts (clusters of rows).
 */
export async function measureJudge(judge: Judge, options: MeasureOptions): Promise<JudgeMeasurement> {
  const { file, format } = options;
  const fallback = options.sharedPart ?? defaultPart(judge, format);
  const part = options.part ?? fallback.part;
  const partReason = (options.part === undefined ? fallback.reason
    : part === 'all' ? 'every row, as asked' : `the ${part} part, as asked`)
    + (options.limit !== undefined ? `; only its first ${options.limit} rows in file order (--limit)` : '');
  const limited = <T>(rows: T[]): T[] => (options.limit !== undefined ? rows.slice(0, options.limit) : rows);
  const keep = (key: string): boolean => part === 'all' || partOfPrompt(SPLIT_DATASET[format], key) === part;
  const boot = { b: options.b ?? 1000, seed: options.seed ?? 7 };
  // CIs resample prompts (clusters), never single rows: rows that share a prompt are not independent.
  const clusterIds = (keys: readonly string[]): Int32Array => {
    const ids = new Map<string, number>();
    return Int32Array.from(keys, (k) => ids.get(k) ?? (ids.set(k, ids.size), ids.size - 1));
  };
  const base = { judge: `${judge.id}@${judge.version}`, format, file, part, partReason };

  if (format === 'fulcra') {
    const rows = limited((await collect(loadFulcra(file))).filter((r) => keep(r.prompt)));
    if (rows.length === 0) throw new TenetError('BAD_INPUT', `no rows to score in ${file} (part ${part})`, { location: { file } });
    const results = await judgeAll(judge, rows.map((r) => ({ prompt: r.prompt, response: r.response })), options);
    const pred = results.map((r) => SCHWARTZ_VALUE_IDS.map((id) => r.values[id]));
    return { ...base, rows: rows.length, schwartz: evaluateSchwartz(rows.map((r) => r.labels), pred, { ...boot, clusters: clusterIds(rows.map((r) => promptKey(r.prompt))) }) };
  }

  let gold: number[];
  let keys: string[];
  let items: JudgeItem[];
  let score: (result: Awaited<ReturnType<Judge['judge']>>[number], i: number) => number;
  if (format === 'ethics') {
    const all = (await collect(loadEthicsCommonsense(file))).map((r, i) => ({ ...r, block: `block:${Math.floor(i / ETHICS_BLOCK)}` }));
    const rows = limited(all.filter((_, i) => part === 'all' || partOfEthicsRow(i) === part));
    gold = rows.map((r) => r.label);
    keys = rows.map((r) => r.block);
    items = rows.map((r) => ({ prompt: '', response: r.input, principle: ETHICS_PRINCIPLE }));
    score = (r) => r.violation ?? 0;
  } else if (format === 'valuecompass-mft') {
    const rows = limited((await collect(loadValueCompassCases(file, 'mft'))).filter((r) => keep(r.prompt)));
    gold = rows.map((r) => (r.violates ? 1 : 0));
    keys = rows.map((r) => promptKey(r.prompt));
    items = rows.map((r) => ({ prompt: r.prompt, response: r.response, ...(r.foundation ? { foundation: r.foundation } : {}) }));
    score = (r) => r.violation ?? 0;
  } else {
    // Schwartz cases: `low` = the answer opposes the case's value. Score = how strongly the judge reads it as opposed.
    const rows = limited((await collect(loadValueCompassCases(file, 'schwartz', { onError: () => undefined }))).filter((r) => keep(r.prompt)));
    gold = rows.map((r) => (r.violates ? 1 : 0));
    keys = rows.map((r) => promptKey(r.prompt));
    items = rows.map((r) => ({ prompt: r.prompt, response: r.response }));
    score = (r, i) => (1 - r.values[rows[i]!.valueId!]) / 2;
  }
  if (items.length === 0) throw new TenetError('BAD_INPUT', `no rows to score in ${file} (part ${part})`, { location: { file } });
  const results = await judgeAll(judge, items, options);
  const lowConfidence = results.filter((r) => r.lowConfidence === true).length;
  return {
    ...base,
    rows: items.length,
    binary: evaluateBinary(gold, results.map(score), { ...boot, clusters: clusterIds(keys) }),
    ...(format !== 'valuecompass-schwartz' ? { lowConfidence } : {}),
  };
}
