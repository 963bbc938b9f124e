import type { Writable } from 'node:stream';
import { TenetError } from '../errors.ts';
import { parseMftFoundation } from '../values/mft.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { readLines } from '../jsonl.ts';
import { streamJsonl } from './stream.ts';
import { parseFulcraDialogue } from './labels.ts';
import type { Judge, JudgeItem, JudgeResult, SchwartzVector } from './types.ts';

export interface EvaluateOptions {
  judge: Judge;
  input: string;
  /** Where the JSONL results go (a file path, or a writable stream such as stdout). */
  output: string | Writable;
  /** `skip`: report a malformed row and go on; `fail`: stop at the first one (default). */
  onError?: 'skip' | 'fail';
  /** Rows judged per batch (default 64). */
  batchSize?: number;
  /** Summarise value profiles per this field (default `model`, else FULCRA's `response_source`). */
  groupBy?: string;
  signal?: AbortSignal;
  onProgress?: (rowsDone: number, skipped: number) => void;
  onSkip?: (error: TenetError) => void;
}

export interface ValueProfile {
  group: string;
  n: number;
  /** Mean of each value over the group's rows. */
  values: SchwartzVector;
  /** Share of rows where the value reads as opposed (< −0.5). */
  opposed: SchwartzVector;
  /** Mean violation, when rows had a principle or foundation. */
  violation?: number;
}

export interface EvaluateSummary {
  rows: number;
  skipped: number;
  judge: string;
  profiles: ValueProfile[];
}

interface Row {
  line: number;
  id: string;
  group: string | undefined;
  item: JudgeItem;
}

function parseRow(obj: Record<string, unknown>, file: string, line: number, groupBy: string | undefined): Row {
  const where = { file, line };
  let prompt = obj.prompt;
  let response = obj.response;
  if (typeof obj.dialogue === 'string' && prompt === undefined) {
    ({ prompt, response } = parseFulcraDialogue(obj.dialogue, where));
  }
  for (const [field, value] of [['prompt', prompt], ['response', response]] as const) {
    if (typeof value !== 'string') {
      throw new TenetError('BAD_INPUT', `field "${field}" is missing or not a string`, {
        location: { ...where, path: field },
        hint: 'rows look like {"id": "...", "prompt": "...", "response": "...", "principle"?: "...", "foundation"?: "care"} or FULCRA\'s {"dialogue": "Human: ...\\nBob: ..."}',
      });
    }
  }
  let foundation: JudgeItem['foundation'];
  if (obj.foundation !== undefined) {
    foundation = typeof obj.foundation === 'string' ? parseMftFoundation(obj.foundation) : undefined;
    if (!foundation) {
      throw new TenetError('BAD_INPUT', `unknown foundation ${JSON.stringify(obj.foundation)}`, {
        location: { ...where, path: 'foundation' },
        hint: 'use care, fairness, loyalty, authority, sanctity or liberty',
      });
    }
  }
  const group = groupBy ? obj[groupBy] : (obj.model ?? obj.response_source);
  return {
    line,
    id: typeof obj.id === 'string' || typeof obj.id === 'number' ? String(obj.id) : `line-${line}`,
    group: typeof group === 'string' ? group : undefined,
    item: {
      prompt: prompt as string,
      response: response as string,
      ...(typeof obj.principle === 'string' ? { principle: obj.principle } : {}),
      ...(foundation ? { foundation } : {}),
    },
  };
}

/** Count lines quickly, for the progress bar's total. */
export async function countLines(file: string): Promise<number> {
  let n = 0;
  for await (const _ of readLines(file)) n++;
  return n;
}

function profileAccumulator() {
  const groups = new Map<string, { n: number; sum: number[]; opposed: number[]; vSum: number; vN: number }>();
  return {
    add(group: string, result: JudgeResult) {
      let g = groups.get(group);
      if (!g) groups.set(group, (g = { n: 0, sum: Array(10).fill(0), opposed: Array(10).fill(0), vSum: 0, vN: 0 }));
      g.n++;
      SCHWARTZ_VALUE_IDS.forEach((id, i) => {
        g.sum[i]! += result.values[id];
        if (result.values[id] < -0.5) g.opposed[i]!++;
      });
      if (result.violation !== undefined) {
        g.vSum += result.violation;
        g.vN++;
      }
    },
    profiles(): ValueProfile[] {
      return [...groups].sort(([a], [b]) => a.localeCompare(b)).map(([group, g]) => ({
        group,
        n: g.n,
        values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id, i) => [id, g.sum[i]! / g.n])) as SchwartzVector,
        opposed: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id, i) => [id, g.opposed[i]! / g.n])) as SchwartzVector,
        ...(g.vN ? { violation: g.vSum / g.vN } : {}),
      }));
    },
  };
}

/**
 * Judge recorded responses: JSONL in, JSONL out, streaming in bounded memory. Each output row keeps the
 * input's `id` and adds `values`, `violation` (when a principle or foundation was given), `confidence`,
 * `rationale` (LLM judges) and `judge` (id@version).
 */
export async function evaluateFile(options: EvaluateOptions): Promise<EvaluateSummary> {
  const { judge, input } = options;
  const judgeTag = `${judge.id}@${judge.version}`;
  const profiles = profileAccumulator();
  const { rows, skipped } = await streamJsonl<Row, JudgeResult>({
    input,
    output: options.output,
    onError: options.onError ?? 'fail',
    batchSize: options.batchSize ?? 64,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.onSkip ? { onSkip: options.onSkip } : {}),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    parse: (obj, line) => parseRow(obj, input, line, options.groupBy),
    score: (batch) => judge.judge(batch.map((r) => r.item), options.signal ? { signal: options.signal } : {}),
    format: (row, result) => {
      if (row.group) profiles.add(row.group, result);
      profiles.add('(all)', result);
      return JSON.stringify({
        id: row.id,
        values: result.values,
        ...(result.violation !== undefined ? { violation: result.violation } : {}),
        confidence: result.confidence,
        ...(result.rationale ? { rationale: result.rationale } : {}),
        judge: judgeTag,
      });
    },
  });
  return { rows, skipped, judge: judgeTag, profiles: profiles.profiles() };
}
