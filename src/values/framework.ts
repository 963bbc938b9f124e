/**
 * A value framework: the set of dimensions a judge scores and a report shows. Built-ins come from the
 * Moral Foundations and Schwartz data; users can bring their own as a YAML or JSON file.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { issuesError, parseDataText, readDataFile, schemaIssues, type DataFormat, type DataIssue } from '../datafile.ts';
import { TenetError } from '../errors.ts';
import { MFT_CORE_FOUNDATIONS, MFT_FOUNDATIONS, type MoralFoundation } from './mft.ts';
import { SCHWARTZ_VALUES, itemsOfValue } from './schwartz.ts';

export interface DimensionItem {
  id: string;
  name: string;
}

export interface Dimension {
  id: string;
  name: string;
  definition: string;
  /** What scoring high / low on this dimension looks like (MFT: virtue / vice). */
  poles?: { positive: string; negative: string };
  /** Concrete items that express the dimension (Schwartz: the value items). */
  items?: DimensionItem[];
  /** A grouping of dimensions, e.g. a Schwartz higher-order group. */
  group?: string;
  /** Every group the dimension belongs to, when more than one (Schwartz hedonism); `group` is the first. */
  groups?: string[];
}

export interface Framework {
  id: string;
  name: string;
  description?: string;
  dimensions: Dimension[];
}

/** Ids of frameworks and dimensions: snake_case. */
export const ID_PATTERN = /^[a-z][a-z0-9_]*$/;

// ---------------------------------------------------------------------------------------------------------
// Built-ins

function mftDimension(f: MoralFoundation): Dimension {
  return {
    id: f.id,
    name: f.name,
    definition: f.definition,
    poles: {
      positive: `${f.virtue.name}: ${f.virtue.description}`,
      negative: `${f.vice.name}: ${f.vice.description}`,
    },
    group: f.core ? 'core' : 'extension',
  };
}

/** Moral Foundations: the five core foundations, poles virtue (positive) and vice (negative). */
export const MFT_FRAMEWORK: Framework = {
  id: 'mft',
  name: 'Moral Foundations',
  description: 'Moral Foundations Theory: five core foundations, each a virtue/vice pair.',
  dimensions: MFT_CORE_FOUNDATIONS.map(mftDimension),
};

/** Moral Foundations with liberty as a sixth foundation. */
export const MFT_LIBERTY_FRAMEWORK: Framework = {
  id: 'mft_liberty',
  name: 'Moral Foundations with liberty',
  description: 'Moral Foundations Theory: the five core foundations plus liberty / oppression.',
  dimensions: MFT_FOUNDATIONS.map(mftDimension),
};

/** Schwartz: the 10 basic values in FULCRA's vector order, each with its value items and higher-order group. */
export const SCHWARTZ_FRAMEWORK: Framework = {
  id: 'schwartz',
  name: 'Schwartz basic values',
  description: 'Schwartz’s 10 basic human values, in Value FULCRA’s vector order, with its 54 value items.',
  dimensions: SCHWARTZ_VALUES.map((v) => ({
    id: v.id,
    name: v.name,
    definition: v.definition,
    items: itemsOfValue(v.id).map((item) => ({ id: item.id, name: item.name })),
    group: v.groups[0]!,
    ...(v.groups.length > 1 ? { groups: [...v.groups] } : {}),
  })),
};

export const BUILTIN_FRAMEWORKS: Readonly<Record<string, Framework>> = {
  mft: MFT_FRAMEWORK,
  mft_liberty: MFT_LIBERTY_FRAMEWORK,
  schwartz: SCHWARTZ_FRAMEWORK,
};

export const BUILTIN_FRAMEWORK_IDS: readonly string[] = Object.keys(BUILTIN_FRAMEWORKS);

export function getDimension(framework: Framework, id: string): Dimension | undefined {
  return framework.dimensions.find((d) => d.id === id);
}

// ---------------------------------------------------------------------------------------------------------
// Schema for framework files

const describe = (v: unknown): string =>
  v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'a mapping' : `${typeof v} ${JSON.stringify(v)}`;

const text = (what: string) =>
  z
    .string({
      error: (iss) => (iss.input === undefined ? `missing (${what})` : `expected a string (${what}), got ${describe(iss.input)}`),
    })
    .trim()
    .min(1, { error: 'must not be empty' });

const id = (what: string) =>
  z
    .string({
      error: (iss) => (iss.input === undefined ? `missing (${what})` : `expected a string (${what}), got ${describe(iss.input)}`),
    })
    .regex(ID_PATTERN, { error: (iss) => `must be snake_case (${ID_PATTERN.source}), got ${JSON.stringify(iss.input)}` });

function unknownKeys(allowed: string[]) {
  return (iss: { code?: string; keys?: string[]; input?: unknown }) => {
    if (iss.code === 'unrecognized_keys') {
      return `unknown field${(iss.keys?.length ?? 0) > 1 ? 's' : ''} ${(iss.keys ?? []).map((k) => JSON.stringify(k)).join(', ')} (allowed: ${allowed.join(', ')})`;
    }
    if (iss.code === 'invalid_type') {
      return iss.input === undefined ? 'missing' : `expected a mapping, got ${describe(iss.input)}`;
    }
    return undefined;
  };
}

const ItemSchema = z.strictObject(
  { id: id('the item’s snake_case id'), name: text('the item’s display name') },
  { error: unknownKeys(['id', 'name']) },
);

const PolesSchema = z.strictObject(
  { positive: text('what the positive pole means'), negative: text('what the negative pole means') },
  { error: unknownKeys(['positive', 'negative']) },
);

function duplicateIds(what: string, listName: string) {
  return (list: { id: string }[], ctx: z.RefinementCtx) => {
    const first = new Map<string, number>();
    list.forEach((entry, i) => {
      const j = first.get(entry.id);
      if (j === undefined) first.set(entry.id, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate ${what} id "${entry.id}" (first used at ${listName}[${j}])` });
    });
  };
}

const DIMENSION_FIELDS = ['id', 'name', 'definition', 'poles', 'items', 'group'];

const DimensionSchema = z.strictObject(
  {
    id: id('the dimension’s snake_case id'),
    name: text('the dimension’s display name'),
    definition: text('what the dimension means'),
    poles: PolesSchema.optional(),
    items: z
      .array(ItemSchema, { error: (iss) => `expected a list of {id, name}, got ${describe(iss.input)}` })
      .superRefine(duplicateIds('item', 'items'))
      .optional(),
    group: id('a snake_case group id').optional(),
  },
  { error: unknownKeys(DIMENSION_FIELDS) },
);

const FRAMEWORK_FIELDS = ['id', 'name', 'description', 'dimensions'];

/** Zod schema of a framework file. Unknown fields are errors, so a misspelt field is not silently ignored. */
export const FrameworkFileSchema = z.strictObject(
  {
    id: id('the framework’s snake_case id'),
    name: text('the framework’s display name'),
    description: z.string({ error: (iss) => `expected a string, got ${describe(iss.input)}` }).optional(),
    dimensions: z
      .array(DimensionSchema, {
        error: (iss) =>
          iss.input === undefined ? 'missing (a list of dimensions)' : `expected a list of dimensions, got ${describe(iss.input)}`,
      })
      .min(1, { error: 'must list at least one dimension' })
      .superRefine(duplicateIds('dimension', 'dimensions')),
  },
  { error: unknownKeys(FRAMEWORK_FIELDS) },
);

// ---------------------------------------------------------------------------------------------------------
// Loading

export type FrameworkIssue = DataIssue;

export interface ParseFrameworkOptions {
  /** File name for error locations. */
  file?: string;
  /** Default: from the file extension; `yaml` when there is none. */
  format?: DataFormat;
}

const FORMAT_HINT = 'a framework file is {id, name, description?, dimensions: [{id, name, definition, poles?: {positive, negative}, items?: [{id, name}], group?}]}; ids are snake_case';

/**
 * Duplicate ids, checked on the raw data: zod skips refinements of a list whose entries have other problems,
 * and a duplicate should be reported alongside them.
 */
function duplicateIdIssues(data: Record<string, unknown>): { path: PropertyKey[]; message: string }[] {
  const out: { path: PropertyKey[]; message: string }[] = [];
  const scan = (list: unknown, base: PropertyKey[], what: string, listName: string) => {
    if (!Array.isArray(list)) return;
    const first = new Map<string, number>();
    list.forEach((entry, i) => {
      const entryId = typeof entry === 'object' && entry !== null ? (entry as { id?: unknown }).id : undefined;
      if (typeof entryId !== 'string') return;
      const j = first.get(entryId);
      if (j === undefined) first.set(entryId, i);
      else out.push({ path: [...base, i, 'id'], message: `duplicate ${what} id "${entryId}" (first used at ${listName}[${j}])` });
    });
  };
  scan(data.dimensions, ['dimensions'], 'dimension', 'dimensions');
  if (Array.isArray(data.dimensions)) {
    data.dimensions.forEach((d, i) => {
      if (typeof d === 'object' && d !== null) scan((d as { items?: unknown }).items, ['dimensions', i, 'items'], 'item', 'items');
    });
  }
  return out;
}

/** Validate a parsed framework object. `source` (the file's text) lets issues carry line numbers. */
export function frameworkIssues(data: unknown, source?: string): FrameworkIssue[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    const got = data === undefined || (data === null && source !== undefined && source.trim() === '') ? 'an empty file' : describe(data);
    return [{ path: '', ...(source !== undefined ? { line: 1 } : {}), message: `expected a mapping with id, name and dimensions, got ${got}` }];
  }
  let lineOf: ((path: readonly PropertyKey[]) => number | undefined) | undefined;
  if (source !== undefined) {
    try {
      lineOf = parseDataText(source).lineOf;
    } catch {
      // no line numbers for text that does not parse as YAML
    }
  }
  return schemaIssues(data, FrameworkFileSchema, lineOf, duplicateIdIssues(data as Record<string, unknown>));
}

/** Validate an already-parsed framework object, or throw BAD_INPUT naming the field path. */
export function validateFramework(data: unknown, options: { file?: string; source?: string } = {}): Framework {
  const issues = frameworkIssues(data, options.source);
  if (issues.length > 0) throw issuesError(issues, { what: 'framework', hint: FORMAT_HINT, ...(options.file ? { file: options.file } : {}) });
  return FrameworkFileSchema.parse(data) as Framework;
}

/** Parse and validate a framework from YAML or JSON text. */
export function parseFramework(source: string, options: ParseFrameworkOptions = {}): Framework {
  const data = parseDataText(source, { ...options, hint: `fix the syntax at the line shown; ${FORMAT_HINT}` });
  return validateFramework(data.value, { source, ...(options.file ? { file: options.file } : {}) });
}

const FILE_HINT = `use a built-in framework (${BUILTIN_FRAMEWORK_IDS.join(', ')}) or a path to a .yaml, .yml or .json framework file`;

/**
 * A built-in framework by id (`mft`, `mft_liberty`, `schwartz`) or a framework file (.yaml, .yml, .json).
 * Throws NOT_FOUND for a missing file and BAD_INPUT (with file, line and field path) for a bad one.
 */
export function loadFramework(pathOrId: string): Framework {
  const builtin = Object.hasOwn(BUILTIN_FRAMEWORKS, pathOrId) ? BUILTIN_FRAMEWORKS[pathOrId] : undefined;
  if (builtin) return builtin;
  if (!existsSync(pathOrId)) {
    throw new TenetError('NOT_FOUND', `no built-in framework or file named "${pathOrId}"`, { hint: FILE_HINT, location: { file: pathOrId } });
  }
  const data = readDataFile(pathOrId, 'framework', FILE_HINT);
  return validateFramework(data.value, { file: pathOrId, source: data.source });
}
