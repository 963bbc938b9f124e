import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { TenetError } from '../errors.ts';
import { parseMftFoundation } from '../values/mft.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import { readJsonl, readLines } from '../jsonl.ts';
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
  onProgress?: (rowsDone: number) => void;
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
  const { judge, input, onError = 'fail', batchSize = 64 } = options;
  if (typeof options.output === 'string') mkdirSync(dirname(options.output), { recursive: true });
  const out = typeof options.output === 'string' ? createWriteStream(options.output) : options.output;
  const judgeTag = `${judge.id}@${judge.version}`;
  const profiles = profileAccumulator();
  let rows = 0;
  let skipped = 0;
  const skip = (error: TenetError): void => {
    if (onError === 'fail') throw error;
    skipped++;
    options.onSkip?.(error);
  };
  const write = async (text: string): Promise<void> => {
    if (!out.write(text)) await once(out, 'drain');
  };

  const judgeBatch = async (batch: Row[]): Promise<void> => {
    let results: (JudgeResult | undefined)[];
    try {
      results = await judge.judge(batch.map((r) => r.item), { ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      if (!(error instanceof TenetError) || error.code === 'ABORTED' || batch.length === 1) throw error;
      // Find the row that failed: judge one at a time.
      results = [];
      for (const row of batch) {
        try {
          results.push((await judge.judge([row.item]))[0]);
        } catch (inner) {
          if (!(inner instanceof TenetError) || inner.code === 'ABORTED') throw inner;
          skip(new TenetError(inner.code, `the judge failed on this row: ${inner.message}`, { location: { file: input, line: row.line }, ...(inner.details ? { details: inner.details } : {}) }));
          results.push(undefined);
        }
      }
    }
    let text = '';
    batch.forEach((row, i) => {
      const result = results[i];
      if (!result) return;
      rows++;
      if (row.group) profiles.add(row.group, result);
      profiles.add('(all)', result);
      text += `${JSON.stringify({
        id: row.id,
        values: result.values,
        ...(result.violation !== undefined ? { violation: result.violation } : {}),
        confidence: result.confidence,
        ...(result.rationale ? { rationale: result.rationale } : {}),
        judge: judgeTag,
      })}\n`;
    });
    await write(text);
    options.onProgress?.(rows + skipped);
  };

  let batch: Row[] = [];
  try {
    for await (const [line, obj] of readJsonl(input, { onError: (e) => skip(e) })) {
      if (options.signal?.aborted) break;
      try {
        batch.push(parseRow(obj, input, line, options.groupBy));
      } catch (error) {
        if (error instanceof TenetError) skip(error);
        else throw error;
      }
      if (batch.length >= batchSize) {
        await judgeBatch(batch);
        batch = [];
      }
    }
    if (batch.length && !options.signal?.aborted) await judgeBatch(batch);
  } finally {
    if (typeof options.output === 'string') {
      out.end();
      await once(out, 'finish');
    }
  }
  return { rows, skipped, judge: judgeTag, profiles: profiles.profiles() };
}
