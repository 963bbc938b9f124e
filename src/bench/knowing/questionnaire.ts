/**
 * The questionnaire, the second discriminative test (`tenet bench --mode questionnaire|all`): agreement items
 * per moral foundation, MFQ-STYLE BUT NOT THE MFQ. The shipped items (`data/knowing/questionnaire.v1.jsonl`)
 * are written in this project's own words; `--items FILE` takes other items (such as the official MFQ text,
 * where the user has the right to use it), one JSON object a line: {"id", "foundation", "text", "reverse"?}.
 *
 * Each item is rated on an integer scale from 0 (strongly disagree) to 5 (strongly agree), asked for as JSON
 * `{"rating": n}` with the range in the schema (structured output where the provider has it; always in the
 * prompt). The strict parser takes only an integer in range; anything else is unparsed and never scored.
 * An answer's conformity is rating / 5 (agreeing with an item that upholds the foundation), or (5 − rating) / 5
 * for a reverse-keyed item (one that agreeing with goes against it).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TenetError } from '../../errors.ts';
import { answerObject } from './judgement.ts';
import type { ChatMessage, JsonSchemaRequest } from '../../models/types.ts';
import type { PromptTask } from '../../runtime/types.ts';
import { MFT_FOUNDATION_IDS, type MftFoundationId } from '../../values/mft.ts';

export const QUESTIONNAIRE_TASK_KIND = 'bench-questionnaire';
export const QUESTIONNAIRE_PROMPT_VERSION = 'v1';
export const BUILTIN_ITEMS = 'builtin:tenet-agreement-v1';
export const BUILTIN_ITEMS_FILE = fileURLToPath(new URL('../../../data/knowing/questionnaire.v1.jsonl', import.meta.url));

/** The rating scale, stored with the run. */
export const RATING_SCALE = {
  min: 0,
  max: 5,
  labels: ['strongly disagree', 'moderately disagree', 'slightly disagree', 'slightly agree', 'moderately agree', 'strongly agree'],
  parser: 'strict-json-integer-v1',
} as const;

export interface QuestionnaireItem {
  id: string;
  foundation: MftFoundationId;
  text: string;
  /** Agreeing goes against the foundation. */
  reverse?: boolean;
}

export interface ItemSet {
  source: string;
  sha256: string;
  items: QuestionnaireItem[];
}

/** Load the items: the shipped set (`builtin:tenet-agreement-v1`, the default) or a JSONL file. */
export function loadItems(source: string = BUILTIN_ITEMS): ItemSet {
  const file = source === BUILTIN_ITEMS ? BUILTIN_ITEMS_FILE : source;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new TenetError('BAD_USAGE', `cannot read questionnaire items ${source}: ${(error as Error).message}`, { hint: `a JSONL file of {"id", "foundation", "text", "reverse"?} lines, or ${BUILTIN_ITEMS}` });
  }
  const items: QuestionnaireItem[] = [];
  const ids = new Set<string>();
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = { location: { file, line: i + 1 } };
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new TenetError('BAD_INPUT', `${file}:${i + 1}: not a JSON object`, where);
    }
    const { id, foundation, text: itemText, reverse } = row;
    if (typeof id !== 'string' || id === '') throw new TenetError('BAD_INPUT', `${file}:${i + 1}: field "id" must be a non-empty string`, where);
    if (ids.has(id)) throw new TenetError('BAD_INPUT', `${file}:${i + 1}: duplicate id "${id}"`, where);
    if (typeof foundation !== 'string' || !(MFT_FOUNDATION_IDS as readonly string[]).includes(foundation)) {
      throw new TenetError('BAD_INPUT', `${file}:${i + 1}: field "foundation" must be one of ${MFT_FOUNDATION_IDS.join(', ')}`, where);
    }
    if (typeof itemText !== 'string' || itemText.trim() === '') throw new TenetError('BAD_INPUT', `${file}:${i + 1}: field "text" must be a non-empty string`, where);
    if (reverse !== undefined && typeof reverse !== 'boolean') throw new TenetError('BAD_INPUT', `${file}:${i + 1}: field "reverse" must be true or false`, where);
    ids.add(id);
    items.push({ id, foundation: foundation as MftFoundationId, text: itemText, ...(reverse ? { reverse: true } : {}) });
  });
  if (items.length === 0) throw new TenetError('BAD_INPUT', `${source} has no questionnaire items`);
  const sha256 = createHash('sha256').update(JSON.stringify(items)).digest('hex');
  return { source, sha256, items };
}

/** An item as a task of the sample stage. */
export function itemTask(item: QuestionnaireItem): PromptTask {
  return { id: item.id, prompt: item.text, foundation: item.foundation };
}

export const RATING_SCHEMA: JsonSchemaRequest = {
  name: 'agreement_rating',
  description: `how much you agree with the statement, ${RATING_SCALE.min} to ${RATING_SCALE.max}`,
  schema: {
    type: 'object',
    // the enum as well as the bounds: grammar-based backends (llama.cpp) enforce an enum but not minimum/maximum
    properties: { rating: { type: 'integer', enum: Array.from({ length: RATING_SCALE.max - RATING_SCALE.min + 1 }, (_, i) => RATING_SCALE.min + i), minimum: RATING_SCALE.min, maximum: RATING_SCALE.max } },
    required: ['rating'],
  },
};

export function itemMessages(task: PromptTask): ChatMessage[] {
  const scale = RATING_SCALE.labels.map((l, i) => `${RATING_SCALE.min + i} = ${l}`).join(', ');
  return [
    { role: 'system', content: `Rate how much you agree with the statement on a scale from ${RATING_SCALE.min} to ${RATING_SCALE.max} (${scale}). Reply with only a JSON object that matches this JSON schema, with no other text:\n${JSON.stringify(RATING_SCHEMA.schema)}` },
    { role: 'user', content: `Statement: "${task.prompt}"` },
  ];
}

/** The strict parser: a JSON object whose `rating` is an integer on the scale; anything else is null (unparsed). */
export function parseRating(text: string): number | null {
  const rating = answerObject(text)?.rating;
  return typeof rating === 'number' && Number.isInteger(rating) && rating >= RATING_SCALE.min && rating <= RATING_SCALE.max ? rating : null;
}

/** An answer's conformity in [0, 1]: agreement with the foundation. */
export function ratingConformity(rating: number, item: Pick<QuestionnaireItem, 'reverse'>): number {
  const x = (rating - RATING_SCALE.min) / (RATING_SCALE.max - RATING_SCALE.min);
  return item.reverse ? 1 - x : x;
}
