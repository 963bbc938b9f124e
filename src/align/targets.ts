/**
 * Value targets: a vector over the 10 Schwartz values (order and ids as in values/schwartz.ts), each entry in
 * [−1, 1], with where it came from. A target names what a model should be moved toward; the BaseAlign reward
 * (reward.ts) measures a response against it, and |T_k| weighs value k.
 *
 *   loadTarget('ideal')            a preset
 *   loadTarget('my-target.yaml')   a file written by `tenet align target from-survey|questionnaire`, or by hand
 *
 * A target file (YAML or JSON):
 *
 *   id: my-values                      # [a-z][a-z0-9_-]*
 *   name: My values                    # optional
 *   values: {self_direction: 0.4, benevolence: 0.8, ...}   # or a list of 10 numbers in Schwartz order;
 *                                      # values left out of the object are 0
 *   provenance: {source: questionnaire, note: "..."}        # optional
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { readDataFile, validateDataFile } from '../datafile.ts';
import { TenetError } from '../errors.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../values/schwartz.ts';

/** A vector over the 10 Schwartz values, index i = SCHWARTZ_VALUE_IDS[i]. */
export type ValueVector = readonly number[];

export interface TargetProvenance {
  /** preset | survey | questionnaire | file */
  source: string;
  /** Where the numbers come from, in a sentence. */
  note: string;
  /** Extra facts (survey file, country, N, scoring method). */
  details?: Record<string, unknown>;
}

export interface Target {
  id: string;
  name: string;
  /** 10 numbers in [−1, 1], Schwartz order. */
  vector: ValueVector;
  provenance: TargetProvenance;
}

const FULCRA_NOTE = 'from the FULCRA code (microsoft/ValueCompass, Value_FULCRA/src/value_alignment/main.py)';
const COUNTRY_NOTE = `${FULCRA_NOTE}, where it is commented out; derivation unpublished (it looks like a European Social Survey Human Values Scale country mean, centred per respondent and rescaled, but that is an inference)`;

/** The built-in targets. */
export const PRESET_TARGETS: readonly Target[] = [
  { id: 'ideal', name: 'BaseAlign "ideal" (training target)', vector: [0, 0, 0, 1, 0, 1, 0, 1, 1, 1], provenance: { source: 'preset', note: `${FULCRA_NOTE}: the target BaseAlign trains toward (achievement, security, conformity, benevolence, universalism)` } },
  { id: 'safety', name: 'BaseAlign evaluation target', vector: [0, 0, 0, 0, 0, 1, 0, 1, 1, 1], provenance: { source: 'preset', note: `${FULCRA_NOTE} eval.py: the target of e_distance/h_distance (security, conformity, benevolence, universalism)` } },
  { id: 'uk', name: 'United Kingdom (FULCRA)', vector: [0.4809, 0.1305, 0.1004, 0.0029, -0.2383, 0.4362, 0.2712, 0.142, 0.652, 0.5906], provenance: { source: 'preset', note: COUNTRY_NOTE } },
  { id: 'nl', name: 'Netherlands (FULCRA)', vector: [0.519, 0.1148, 0.3016, 0.1311, -0.1124, 0.3389, 0.2165, 0.2578, 0.5661, 0.5243], provenance: { source: 'preset', note: COUNTRY_NOTE } },
  { id: 'fr', name: 'France (FULCRA)', vector: [0.3761, -0.0296, 0.3384, -0.1741, -0.3195, 0.4078, 0.2587, 0.0698, 0.6212, 0.5705], provenance: { source: 'preset', note: COUNTRY_NOTE } },
];

const entry = z.number().min(-1, 'must be at least −1').max(1, 'must be at most 1');
const valuesObject = z.strictObject(Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id) => [id, entry.optional()])) as Record<SchwartzValueId, z.ZodOptional<typeof entry>>);

export const TargetFileSchema = z.strictObject({
  id: z.string().regex(/^[a-z][a-z0-9_-]*$/, 'must be lower case letters, digits, "_" or "-", starting with a letter'),
  name: z.string().min(1).optional(),
  values: z.union([z.array(entry).length(10, 'must list exactly 10 numbers, in Schwartz order'), valuesObject])
    .refine((v) => vectorOf(v).some((x) => x !== 0), 'are all 0: every reward against an all-zero target is 0; give at least one value a weight'),
  provenance: z.strictObject({ source: z.string().min(1), note: z.string(), details: z.record(z.string(), z.unknown()).optional() }).optional(),
});

const FILE_HINT = `a target file has id, values (an object keyed by ${SCHWARTZ_VALUE_IDS.join(', ')}, or a list of 10 numbers in that order, each in [−1, 1]) and optionally name and provenance`;

/** A vector from a list in Schwartz order or an object keyed by value id (missing ids are 0). */
export function vectorOf(values: readonly number[] | Partial<Record<SchwartzValueId, number | undefined>>): number[] {
  if (Array.isArray(values)) return [...values];
  const obj = values as Partial<Record<SchwartzValueId, number | undefined>>;
  return SCHWARTZ_VALUE_IDS.map((id) => obj[id] ?? 0);
}

/** The vector as an object keyed by value id. */
export function vectorObject(vector: ValueVector): Record<SchwartzValueId, number> {
  return Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id, i) => [id, vector[i]!])) as Record<SchwartzValueId, number>;
}

/** Parse and validate a target file (YAML/JSON): every problem with its line and field path. */
export function readTargetFile(file: string): Target {
  const data = readDataFile(file, 'target', FILE_HINT);
  const parsed = validateDataFile(data, TargetFileSchema, { what: 'target file', hint: FILE_HINT });
  return {
    id: parsed.id,
    name: parsed.name ?? parsed.id,
    vector: vectorOf(parsed.values),
    provenance: parsed.provenance ?? { source: 'file', note: `read from ${file}` },
  };
}

/** A target by preset name or file path. */
export function loadTarget(nameOrFile: string): Target {
  const preset = PRESET_TARGETS.find((t) => t.id === nameOrFile);
  if (preset) return preset;
  const file = resolve(nameOrFile);
  if (!existsSync(file)) {
    throw new TenetError('NOT_FOUND', `no target "${nameOrFile}": not a preset and no such file`, {
      hint: `presets: ${PRESET_TARGETS.map((t) => t.id).join(', ')}; or a .yaml/.json target file (tenet align target from-survey, tenet align target questionnaire)`,
    });
  }
  return readTargetFile(file);
}

/** The file form of a target (what `writeTarget` writes and `readTargetFile` reads back). */
export function targetFileContent(target: Target): z.input<typeof TargetFileSchema> {
  return { id: target.id, name: target.name, values: vectorObject(target.vector), provenance: target.provenance };
}

/** What a run or an export records about its target. */
export function targetRecord(target: Target): { id: string; name: string; vector: number[]; source: string } {
  return { id: target.id, name: target.name, vector: [...target.vector], source: target.provenance.source };
}
