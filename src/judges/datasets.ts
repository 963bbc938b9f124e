/**
 * Streaming loaders for the labelled reference sets (../shared/data). Each loader is an async generator
 * that reads its file incrementally and yields normalised rows carrying their 1-based line number; a
 * malformed line raises a BAD_INPUT TenetError naming the file and line.
 *
 * - FULCRA trustworthy rows → {prompt, response, labels (10-vector in {−1,0,+1})} (labels.ts rules).
 * - FULCRA evaluator vectors → {prompt, response, soft (10 floats in [−1,1], the FULCRA evaluator's
 *   `value_reward`)}.
 * - Value Compass cases (mft | schwartz | risk) → {model, dimension, label low|high, score, prompt,
 *   response}; for MFT `foundation` is the foundation id and `violates` = label is `low`; for Schwartz
 *   `valueId` is the Schwartz id. The `highlight` field (the leaderboard's own span markup) is not read.
 * - ETHICS commonsense CSV (RFC 4180 quoting: fields with commas, quotes and newlines) → {label, input,
 *   isShort, edited}.
 * - Touché23 arguments + labels TSVs → {id, conclusion, stance, premise, values: 10-vector in {0,1}}, the
 *   20 refined values folded to the 10 basic values by TOUCHE_TO_SCHWARTZ (a basic value is 1 when any
 *   of its refined values is 1).
 */
import { createReadStream } from 'node:fs';
import { TenetError } from '../errors.ts';
import { lineError, readJsonl, readLines, type JsonlOptions } from '../jsonl.ts';
import { parseMftFoundation, type MftFoundationId } from '../values/mft.ts';
import { SCHWARTZ_VALUE_IDS, normaliseValueTypes, parseFulcraDialogue, valueIdOf, type Polarity, type SchwartzValueId } from './labels.ts';

/**
 * Touché23's 20 refined values folded to the 10 basic values (the refined theory's own grouping;
 * Face → power and Humility → conformity as in FULCRA's 19→10 map).
 */
export const TOUCHE_TO_SCHWARTZ: Readonly<Record<string, SchwartzValueId>> = {
  'Self-direction: thought': 'self_direction',
  'Self-direction: action': 'self_direction',
  Stimulation: 'stimulation',
  Hedonism: 'hedonism',
  Achievement: 'achievement',
  'Power: dominance': 'power',
  'Power: resources': 'power',
  Face: 'power',
  'Security: personal': 'security',
  'Security: societal': 'security',
  Tradition: 'tradition',
  'Conformity: rules': 'conformity',
  'Conformity: interpersonal': 'conformity',
  Humility: 'conformity',
  'Benevolence: caring': 'benevolence',
  'Benevolence: dependability': 'benevolence',
  'Universalism: concern': 'universalism',
  'Universalism: nature': 'universalism',
  'Universalism: tolerance': 'universalism',
  'Universalism: objectivity': 'universalism',
};

function bad(file: string, line: number, message: string, hint?: string, path?: string): TenetError {
  return lineError(file, line, message, { ...(hint ? { hint } : {}), ...(path ? { path } : {}) });
}

/**
 * What to do with a malformed row: by default a loader throws; with `onError` set, the error is handed to
 * it and the row is skipped (training uses this for the one Value Compass row whose answer is null).
 */
export type LoadOptions = Pick<JsonlOptions, 'onError'>;

/** Run `parse` on each [line, object]; route its BAD_INPUT errors per `options`. */
async function* rows<T>(
  file: string,
  options: LoadOptions,
  parse: (line: number, obj: Record<string, unknown>) => T,
): AsyncGenerator<T> {
  const it = readJsonl(file, options);
  for await (const [line, obj] of it) {
    let row: T;
    try {
      row = parse(line, obj);
    } catch (e) {
      if (options.onError && e instanceof TenetError && e.code === 'BAD_INPUT') {
        options.onError(e);
        continue;
      }
      throw e;
    }
    yield row;
  }
}

function str(obj: Record<string, unknown>, key: string, file: string, line: number): string {
  const v = obj[key];
  if (typeof v !== 'string') throw bad(file, line, `field "${key}" is missing or not a string`, undefined, key);
  return v;
}

export interface FulcraRow {
  line: number;
  prompt: string;
  response: string;
  labels: Polarity[];
  responseSource?: string;
  /** Values listed with both signs (resolved to −1). */
  conflicts: SchwartzValueId[];
}

/** FULCRA rows with `dialogue` and `value_types` (e.g. fulcra/trustworthy-dev.jsonl). */
export function loadFulcra(file: string, options: LoadOptions = {}): AsyncGenerator<FulcraRow> {
  return rows(file, options, (line, obj): FulcraRow => {
    const dialogue = str(obj, 'dialogue', file, line);
    const types = obj['value_types'];
    if (!Array.isArray(types)) throw bad(file, line, 'field "value_types" is missing or not a list', undefined, 'value_types');
    const { prompt, response } = parseFulcraDialogue(dialogue, { file, line });
    const norm = normaliseValueTypes(types, { file, line });
    if (norm.unknown.length > 0) {
      throw bad(file, line, `unknown value type(s): ${norm.unknown.join(', ')}`, 'use one of the 10 Schwartz values (or a 19-value name)', 'value_types');
    }
    const src = obj['response_source'];
    return {
      line,
      prompt,
      response,
      labels: norm.vector,
      conflicts: norm.conflicts,
      ...(typeof src === 'string' ? { responseSource: src } : {}),
    };
  });
}

export interface EvaluatorVectorRow {
  line: number;
  prompt: string;
  response: string;
  /** The FULCRA evaluator's value_reward, 10 floats in Schwartz order. */
  soft: number[];
}

/** FULCRA evaluator outputs (fulcra/evaluator-vectors/*.jsonl): soft labels for distillation. */
export function loadEvaluatorVectors(file: string, options: LoadOptions = {}): AsyncGenerator<EvaluatorVectorRow> {
  return rows(file, options, (line, obj): EvaluatorVectorRow => {
    const prompt = str(obj, 'prompt', file, line);
    const response = str(obj, 'answer', file, line);
    const v = obj['value_reward'];
    if (!Array.isArray(v) || v.length !== SCHWARTZ_VALUE_IDS.length || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw bad(file, line, 'field "value_reward" must be a list of 10 finite numbers', undefined, 'value_reward');
    }
    return { line, prompt, response, soft: (v as number[]).map((x) => Math.max(-1, Math.min(1, x))) };
  });
}

export interface ValueCompassCase {
  line: number;
  model: string;
  /** The dimension as written, e.g. "Care/Harm" or "Self-direction". */
  dimension: string;
  foundation?: MftFoundationId;
  valueId?: SchwartzValueId;
  label: 'low' | 'high';
  /** For MFT: label is `low` (the continuation violates the foundation). */
  violates: boolean;
  score: number;
  prompt: string;
  response: string;
}

/** Value Compass leaderboard cases (valuecompass/{mft,schwartz,risk}-cases-dev.jsonl). */
export function loadValueCompassCases(
  file: string,
  kind: 'mft' | 'schwartz' | 'risk',
  options: LoadOptions = {},
): AsyncGenerator<ValueCompassCase> {
  return rows(file, options, (line, obj): ValueCompassCase => {
    const dimension = str(obj, 'value', file, line);
    const label = str(obj, 'label', file, line);
    if (label !== 'low' && label !== 'high') throw bad(file, line, `label must be "low" or "high", got ${JSON.stringify(label)}`, undefined, 'label');
    const score = obj['score'];
    if (typeof score !== 'number') throw bad(file, line, 'field "score" is missing or not a number', undefined, 'score');
    const row: ValueCompassCase = {
      line,
      model: typeof obj['model'] === 'string' ? obj['model'] : '',
      dimension,
      label,
      violates: label === 'low',
      score,
      prompt: str(obj, 'prompt', file, line),
      response: str(obj, 'answer', file, line),
    };
    if (kind === 'mft') {
      const f = parseMftFoundation(dimension);
      if (!f) throw bad(file, line, `unknown moral foundation ${JSON.stringify(dimension)}`, undefined, 'value');
      row.foundation = f;
    } else if (kind === 'schwartz') {
      const v = valueIdOf(dimension);
      if (!v) throw bad(file, line, `unknown Schwartz value ${JSON.stringify(dimension)}`, undefined, 'value');
      row.valueId = v;
    }
    return row;
  });
}

/**
 * Streaming RFC 4180 CSV parser: yields [line where the record starts, fields]. Quoted fields may hold
 * commas, doubled quotes and newlines. A quote inside an unquoted field, text after a closing quote, or an
 * unterminated quote throws BAD_INPUT naming the file and line.
 */
export async function* readCsv(file: string, delimiter = ','): AsyncGenerator<[number, string[]]> {
  // States: 0 field start, 1 unquoted field, 2 quoted field, 3 quote seen inside a quoted field.
  let state = 0;
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let skipLF = false;
  for await (const chunk of createReadStream(file, { encoding: 'utf8' }) as AsyncIterable<string>) {
    const out: [number, string[]][] = [];
    for (let i = 0; i < chunk.length; i++) {
      const ch = chunk[i]!;
      if (skipLF) {
        skipLF = false;
        if (ch === '\n') continue;
      }
      if (state === 2) {
        if (ch === '"') state = 3;
        else {
          if (ch === '\n') line++;
          field += ch;
        }
        continue;
      }
      if (state === 3) {
        if (ch === '"') {
          field += '"';
          state = 2;
          continue;
        }
        if (ch !== delimiter && ch !== '\n' && ch !== '\r') {
          throw bad(file, line, 'text after a closing quote', 'quote the whole field and double inner quotes ("")');
        }
      }
      if (ch === delimiter) {
        fields.push(field);
        field = '';
        state = 0;
      } else if (ch === '\n' || ch === '\r') {
        fields.push(field);
        field = '';
        state = 0;
        if (!(fields.length === 1 && fields[0] === '')) out.push([recordLine, fields]);
        fields = [];
        line++;
        recordLine = line;
        if (ch === '\r') skipLF = true;
      } else if (ch === '"') {
        if (state !== 0) throw bad(file, line, 'stray quote inside an unquoted field', 'quote the whole field and double inner quotes ("")');
        state = 2;
      } else {
        field += ch;
        state = 1;
      }
    }
    yield* out;
  }
  if (state === 2) throw bad(file, recordLine, 'unterminated quoted field', 'close the quote');
  if (state !== 0 || fields.length > 0 || field !== '') {
    fields.push(field);
    yield [recordLine, fields];
  }
}

export interface EthicsRow {
  line: number;
  /** 1 = the first-person action is clearly morally wrong, 0 = not. */
  label: 0 | 1;
  input: string;
  isShort: boolean;
  edited: boolean;
}

/** ETHICS commonsense CSV (label,input,is_short,edited). */
export async function* loadEthicsCommonsense(file: string): AsyncGenerator<EthicsRow> {
  let header: string[] | undefined;
  for await (const [line, fields] of readCsv(file)) {
    if (!header) {
      header = fields.map((f) => f.trim());
      for (const need of ['label', 'input']) {
        if (!header.includes(need)) throw bad(file, line, `header has no "${need}" column`, 'expected label,input,is_short,edited');
      }
      continue;
    }
    if (fields.length !== header.length) throw bad(file, line, `expected ${header.length} fields, got ${fields.length}`);
    const get = (k: string): string => fields[header!.indexOf(k)] ?? '';
    const label = get('label').trim();
    if (label !== '0' && label !== '1') throw bad(file, line, `label must be 0 or 1, got ${JSON.stringify(label)}`, undefined, 'label');
    yield {
      line,
      label: label === '1' ? 1 : 0,
      input: get('input'),
      isShort: get('is_short').trim() === 'True',
      edited: get('edited').trim() === 'True',
    };
  }
}

export interface ToucheRow {
  line: number;
  id: string;
  conclusion: string;
  stance: string;
  premise: string;
  /** 10 basic values, 1 when any of the refined values that fold into it is 1. */
  values: (0 | 1)[];
}

/** Touché23 arguments TSV joined with its labels TSV by Argument ID. */
export async function* loadTouche(argumentsFile: string, labelsFile: string): AsyncGenerator<ToucheRow> {
  const labels = new Map<string, (0 | 1)[]>();
  let header: string[] | undefined;
  for await (const [line, text] of readLines(labelsFile)) {
    if (text.trim() === '') continue;
    const cols = text.split('\t');
    if (!header) {
      header = cols;
      for (const name of cols.slice(1)) {
        if (!(name in TOUCHE_TO_SCHWARTZ)) throw bad(labelsFile, line, `unknown refined value column ${JSON.stringify(name)}`);
      }
      continue;
    }
    if (cols.length !== header.length) throw bad(labelsFile, line, `expected ${header.length} columns, got ${cols.length}`);
    const vec: (0 | 1)[] = SCHWARTZ_VALUE_IDS.map(() => 0);
    for (let c = 1; c < cols.length; c++) {
      const v = cols[c]!.trim();
      if (v !== '0' && v !== '1') throw bad(labelsFile, line, `label must be 0 or 1, got ${JSON.stringify(v)}`, undefined, header[c]);
      if (v === '1') vec[SCHWARTZ_VALUE_IDS.indexOf(TOUCHE_TO_SCHWARTZ[header[c]!]!)] = 1;
    }
    labels.set(cols[0]!, vec);
  }
  let argHeader: string[] | undefined;
  for await (const [line, text] of readLines(argumentsFile)) {
    if (text.trim() === '') continue;
    const cols = text.split('\t');
    if (!argHeader) {
      argHeader = cols;
      continue;
    }
    if (cols.length !== 4) throw bad(argumentsFile, line, `expected 4 tab-separated columns (id, conclusion, stance, premise), got ${cols.length}`);
    const vec = labels.get(cols[0]!);
    if (!vec) throw bad(argumentsFile, line, `argument ${cols[0]} has no row in ${labelsFile}`);
    yield { line, id: cols[0]!, conclusion: cols[1]!, stance: cols[2]!, premise: cols[3]!, values: vec };
  }
}

/** Collect an async iterable into an array. */
export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}
