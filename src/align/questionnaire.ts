/**
 * A person's own value target from a portrait questionnaire: each item describes someone, and the person
 * says how much that someone is like them, 1 ("not like me at all") … 6 ("very much like me"). Scored like
 * the ESS Human Values Scale (portrait.ts): centred on the person's own mean, averaged per value, divided by
 * the scale width.
 *
 * The 21 items below are tenet's own wording, two per value (three for universalism), written for this
 * project. They are NOT the validated Portrait Values Questionnaire; people who hold a licence to the
 * official items can supply them with `--items FILE` (YAML/JSON: scale and items with id, value, text).
 */
import { z } from 'zod';
import { readDataFile, validateDataFile } from '../datafile.ts';
import { TenetError } from '../errors.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../values/schwartz.ts';
import { centredScores, rescale, type PortraitItem, type Rescale } from './portrait.ts';
import type { Target } from './targets.ts';

export interface Questionnaire {
  /** Where the items come from (`tenet` for the built-in ones, else the file). */
  source: string;
  scale: { min: number; max: number; minLabel: string; maxLabel: string };
  items: PortraitItem[];
}

export const BUILTIN_QUESTIONNAIRE: Questionnaire = {
  source: 'tenet (own wording; not the validated PVQ)',
  scale: { min: 1, max: 6, minLabel: 'not like me at all', maxLabel: 'very much like me' },
  items: ([
    ['q01', 'self_direction', 'This person likes to work things out in their own way and come up with original ideas.'],
    ['q02', 'power', 'This person wants to be wealthy and to own things that show it.'],
    ['q03', 'universalism', 'This person thinks every human being deserves the same chances in life, including people they will never meet.'],
    ['q04', 'achievement', 'This person wants others to see how capable they are.'],
    ['q05', 'security', 'This person avoids anything that could put their safety at risk.'],
    ['q06', 'stimulation', 'This person gets bored with routine and keeps looking for something new to try.'],
    ['q07', 'conformity', 'This person does what they are asked to do and keeps to the rules, even when nobody is checking.'],
    ['q08', 'universalism', 'This person makes an effort to listen to people whose views differ from their own.'],
    ['q09', 'tradition', 'This person does not want to stand out and is content with what they have.'],
    ['q10', 'hedonism', 'This person makes sure there is room in life for enjoying themselves.'],
    ['q11', 'self_direction', 'This person wants to be the one who decides what they do, without depending on others.'],
    ['q12', 'benevolence', 'This person wants to look after the people around them and help them when they can.'],
    ['q13', 'achievement', 'This person wants to do very well and to have their successes recognised.'],
    ['q14', 'security', 'This person wants the state to be strong enough to protect its citizens from every threat.'],
    ['q15', 'stimulation', 'This person is drawn to risk and excitement.'],
    ['q16', 'conformity', 'This person tries never to do anything that others would say is wrong or improper.'],
    ['q17', 'power', 'This person wants to be in charge and to be looked up to.'],
    ['q18', 'benevolence', 'This person stands by their friends and wants to be someone they can rely on.'],
    ['q19', 'universalism', 'This person cares deeply about protecting nature.'],
    ['q20', 'tradition', 'This person keeps to the customs and beliefs handed down in their family or faith.'],
    ['q21', 'hedonism', 'This person seizes every chance to do things that are pleasant and fun.'],
  ] as const).map(([id, value, text]) => ({ id, value: value as SchwartzValueId, text })),
};

const ItemsFileSchema = z.strictObject({
  scale: z.strictObject({ min: z.number().int(), max: z.number().int(), minLabel: z.string().optional(), maxLabel: z.string().optional() }).optional(),
  items: z.array(z.strictObject({ id: z.string().min(1), value: z.enum(SCHWARTZ_VALUE_IDS), text: z.string().min(1) })).min(SCHWARTZ_VALUE_IDS.length, `list at least one item per value (${SCHWARTZ_VALUE_IDS.length})`),
});

/** Read user-supplied items (e.g. the official PVQ text, which tenet does not ship). */
export function readQuestionnaire(file: string): Questionnaire {
  const hint = 'an items file has items: [{id, value (a Schwartz value id), text}] and optionally scale: {min, max, minLabel, maxLabel} (higher = more like me)';
  const data = readDataFile(file, 'questionnaire items', hint);
  const parsed = validateDataFile(data, ItemsFileSchema, { what: 'questionnaire items file', hint });
  const ids = new Set<string>();
  parsed.items.forEach((item, i) => {
    if (ids.has(item.id)) throw new TenetError('BAD_INPUT', `duplicate item id "${item.id}"`, { location: { file, ...(data.lineOf([`items`, i, 'id']) ? { line: data.lineOf(['items', i, 'id'])! } : {}), path: `items[${i}].id` } });
    ids.add(item.id);
  });
  const missing = SCHWARTZ_VALUE_IDS.filter((v) => !parsed.items.some((i) => i.value === v));
  if (missing.length) throw new TenetError('BAD_INPUT', `no item measures ${missing.join(', ')}`, { location: { file, path: 'items' }, hint: 'every Schwartz value needs at least one item' });
  const scale = parsed.scale ?? { min: 1, max: 6 };
  if (scale.max <= scale.min) throw new TenetError('BAD_INPUT', 'scale.max must be greater than scale.min', { location: { file, path: 'scale' } });
  return {
    source: file,
    scale: { min: scale.min, max: scale.max, minLabel: scale.minLabel ?? 'not like me at all', maxLabel: scale.maxLabel ?? 'very much like me' },
    items: parsed.items,
  };
}

/**
 * Check answers ({item id: rating}): every item answered with an integer on the scale. `where` names the
 * answers file for errors.
 */
export function checkAnswers(q: Questionnaire, answers: unknown, where?: { file: string; lineOf?: (path: readonly PropertyKey[]) => number | undefined }): Map<string, number> {
  const loc = (path: string, key?: string) => ({ location: { ...(where ? { file: where.file } : {}), ...(where?.lineOf && key ? { line: where.lineOf([key]) ?? 0 } : {}), path } });
  if (typeof answers !== 'object' || answers === null || Array.isArray(answers)) throw new TenetError('BAD_INPUT', 'answers must be an object {item id: rating}', loc('(top level)'));
  const out = new Map<string, number>();
  const rec = answers as Record<string, unknown>;
  for (const key of Object.keys(rec)) {
    if (!q.items.some((i) => i.id === key)) throw new TenetError('BAD_INPUT', `unknown item "${key}"`, { ...loc(key, key), hint: `items: ${q.items.map((i) => i.id).join(', ')}` });
  }
  for (const item of q.items) {
    const v = rec[item.id];
    if (v === undefined) throw new TenetError('BAD_INPUT', `item ${item.id} is not answered`, { ...loc(item.id), hint: `answer every item with an integer from ${q.scale.min} (${q.scale.minLabel}) to ${q.scale.max} (${q.scale.maxLabel})` });
    if (typeof v !== 'number' || !Number.isInteger(v) || v < q.scale.min || v > q.scale.max) {
      throw new TenetError('BAD_INPUT', `item ${item.id}: ${JSON.stringify(v)} is not an integer from ${q.scale.min} to ${q.scale.max}`, loc(item.id, item.id));
    }
    out.set(item.id, v);
  }
  return out;
}

/** Score complete answers into a target. */
export function targetFromAnswers(q: Questionnaire, answers: ReadonlyMap<string, number>, options: { id?: string; name?: string; rescale?: Rescale } = {}): Target {
  const scores = centredScores(answers, q.items, { maxMissing: 0 });
  if (!scores) throw new TenetError('BAD_INPUT', 'every item must be answered');
  const how = options.rescale ?? 'range';
  // + 0 turns −0 into 0
  const vector = rescale(scores.map((s) => s ?? 0), q.scale.max - q.scale.min, how).map((v) => Number(v.toFixed(6)) + 0);
  if (vector.every((v) => v === 0)) {
    throw new TenetError('BAD_INPUT', 'every item has the same answer, so the target is all 0 and every reward against it would be 0', { hint: 'answer how much each portrait is like you relative to the others' });
  }
  return {
    id: options.id ?? 'personal',
    name: options.name ?? 'Personal target (questionnaire)',
    vector,
    provenance: {
      source: 'questionnaire',
      note: `portrait questionnaire (${q.source}), ${q.items.length} items on a ${q.scale.min}–${q.scale.max} scale, centred on the respondent's mean, rescaled by ${how === 'range' ? 'the scale width' : 'the largest |score|'}`,
      details: { items: q.source, answers: Object.fromEntries(answers), centred: scores },
    },
  };
}
