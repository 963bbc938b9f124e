/**
 * A value framework: the set of dimensions a judge scores and a report shows. Built-ins come from the
 * Moral Foundations and Schwartz data; users can bring their own as a YAML or JSON file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import { z } from 'zod';
import { TenetError } from '../errors.ts';
import { formatIssuePath } from './cards.ts';
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

export interface FrameworkIssue {
  /** Field path, e.g. `dimensions[2].definition`; '' for the whole file. */
  path: string;
  /** 1-based line of the offending node when known. */
  line?: number;
  message: string;
}

function lineOf(textValue: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, textValue.length);
  for (let i = 0; i < end; i++) if (textValue.charCodeAt(i) === 10) line++;
  return line;
}

/** Line of the node at `path`, or of its nearest ancestor that exists (for a missing field: its mapping). */
function lineOfPath(doc: Document, lineCounter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return undefined;
}

export interface ParseFrameworkOptions {
  /** File name for error locations. */
  file?: string;
  /** Default: from the file extension; `yaml` when there is none. */
  format?: 'yaml' | 'json';
}

function syntaxError(file: string | undefined, line: number | undefined, format: string, detail: string): TenetError {
  return new TenetError('BAD_INPUT', `${format === 'json' ? 'JSON' : 'YAML'} syntax error: ${detail}`, {
    hint: 'fix the syntax at the line shown; a framework file is {id, name, description?, dimensions: [{id, name, definition, poles?, items?}]}',
    location: { ...(file ? { file } : {}), ...(line ? { line } : {}) },
  });
}

/**
 * Where and why JSON text is invalid. V8's JSON.parse messages do not always give a position (e.g. for an
 * unexpected token), so this small scanner finds the first offending character itself.
 */
export function jsonSyntaxError(src: string): { offset: number; message: string } | undefined {
  let i = 0;
  class Fail {
    offset: number;
    message: string;
    constructor(offset: number, message: string) {
      this.offset = offset;
      this.message = message;
    }
  }
  const fail = (message: string, at = i): never => {
    throw new Fail(at, message);
  };
  const show = (at: number) => (at >= src.length ? 'end of input' : JSON.stringify(src[at]));
  const ws = () => {
    while (i < src.length && ' \t\n\r'.includes(src[i]!)) i++;
  };
  const string = () => {
    const start = i;
    i++;
    for (;;) {
      if (i >= src.length) fail('unterminated string', start);
      const c = src.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 0x20) fail('unescaped control character (e.g. a line break) inside a string');
      if (c === 92) {
        const e = src[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(src.slice(i + 2, i + 6))) fail('bad \\u escape in string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else fail(`bad escape \\${e ?? ''} in string`);
      } else i++;
    }
  };
  const value = (): void => {
    ws();
    const c = src[i];
    if (c === '{') {
      i++;
      ws();
      if (src[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (src[i] !== '"') fail(`expected a double-quoted property name, found ${show(i)}`);
        string();
        ws();
        if (src[i] !== ':') fail(`expected ":" after the property name, found ${show(i)}`);
        i++;
        value();
        ws();
        if (src[i] === ',') {
          i++;
          ws();
          if (src[i] === '}') fail('trailing comma before "}"');
          continue;
        }
        if (src[i] === '}') {
          i++;
          return;
        }
        fail(`expected "," or "}" after a property value, found ${show(i)}`);
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (src[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        ws();
        if (src[i] === ',') {
          i++;
          ws();
          if (src[i] === ']') fail('trailing comma before "]"');
          continue;
        }
        if (src[i] === ']') {
          i++;
          return;
        }
        fail(`expected "," or "]" after a list element, found ${show(i)}`);
      }
    }
    if (c === '"') return string();
    const num = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    num.lastIndex = i;
    if (c !== undefined && /[-0-9]/.test(c) && num.exec(src)) {
      i = num.lastIndex;
      return;
    }
    for (const word of ['true', 'false', 'null']) {
      if (src.startsWith(word, i)) {
        i += word.length;
        return;
      }
    }
    fail(c === undefined ? 'unexpected end of input' : `unexpected ${show(i)}`);
  };
  try {
    value();
    ws();
    if (i < src.length) fail(`unexpected ${show(i)} after the end of the JSON value`);
    return undefined;
  } catch (e) {
    if (e instanceof Fail) return { offset: e.offset, message: e.message };
    throw e;
  }
}

function parseSource(source: string, format: 'yaml' | 'json', file: string | undefined): unknown {
  if (format === 'json') {
    try {
      return JSON.parse(source);
    } catch (error) {
      const found = jsonSyntaxError(source);
      if (found) throw syntaxError(file, lineOf(source, found.offset), format, found.message);
      const message = error instanceof Error ? error.message : String(error);
      const pos = /position (\d+)/.exec(message);
      throw syntaxError(file, pos ? lineOf(source, Number(pos[1])) : undefined, format, message.split('\n')[0]!);
    }
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line ?? lineCounter.linePos(first.pos[0]).line;
    const detail = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
    throw syntaxError(file, line, format, `${detail}${more}`);
  }
  return doc.toJS();
}

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
    return [
      {
        path: '',
        ...(source !== undefined ? { line: 1 } : {}),
        message: `expected a mapping with id, name and dimensions, got ${got}`,
      },
    ];
  }
  const result = FrameworkFileSchema.safeParse(data);
  const raw: { path: PropertyKey[]; message: string }[] = [];
  const seen = new Set<string>();
  for (const iss of result.success ? [] : result.error.issues) {
    // An unknown field is reported at the field itself, one issue per field.
    if (iss.code === 'unrecognized_keys') {
      for (const k of iss.keys) raw.push({ path: [...iss.path, k], message: iss.message });
    } else {
      raw.push({ path: [...iss.path], message: iss.message });
    }
  }
  for (const r of raw) seen.add(formatIssuePath(r.path));
  for (const dup of duplicateIdIssues(data as Record<string, unknown>)) {
    if (!seen.has(formatIssuePath(dup.path))) raw.push(dup);
  }
  if (raw.length === 0) return [];
  let locate: (path: readonly PropertyKey[]) => number | undefined = () => undefined;
  if (source !== undefined) {
    // YAML is (nearly) a superset of JSON, so one position map serves both formats.
    const lineCounter = new LineCounter();
    const doc = parseDocument(source, { lineCounter, keepSourceTokens: true });
    if (doc.errors.length === 0) locate = (path) => lineOfPath(doc, lineCounter, path);
  }
  const issues = raw.map((r) => {
    const line = locate(r.path);
    return { path: formatIssuePath(r.path), ...(line !== undefined ? { line } : {}), message: r.message };
  });
  // Top to bottom, as a person reads the file (stable for issues on the same line).
  return issues
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.i - b.i)
    .map((x) => x.issue);
}

function issuesError(issues: FrameworkIssue[], file: string | undefined): TenetError {
  const first = issues[0]!;
  const label = (i: FrameworkIssue) => (i.path ? `${i.path}: ${i.message}` : i.message);
  const shown = issues.slice(0, 20);
  const message =
    issues.length === 1
      ? `invalid framework: ${label(first)}`
      : `invalid framework, ${issues.length} problems:\n${shown
          .map((i) => `  - ${label(i)}${i.line ? ` (line ${i.line})` : ''}`)
          .join('\n')}${issues.length > shown.length ? `\n  … and ${issues.length - shown.length} more` : ''}`;
  return new TenetError('BAD_INPUT', message, {
    hint: 'a framework file is {id, name, description?, dimensions: [{id, name, definition, poles?: {positive, negative}, items?: [{id, name}], group?}]}; ids are snake_case',
    location: {
      ...(file ? { file } : {}),
      ...(first.line ? { line: first.line } : {}),
      ...(first.path ? { path: first.path } : {}),
    },
    details: { issues },
  });
}

/** Validate an already-parsed framework object, or throw BAD_INPUT naming the field path. */
export function validateFramework(data: unknown, options: { file?: string; source?: string } = {}): Framework {
  const issues = frameworkIssues(data, options.source);
  if (issues.length > 0) throw issuesError(issues, options.file);
  return FrameworkFileSchema.parse(data) as Framework;
}

/** Parse and validate a framework from YAML or JSON text. */
export function parseFramework(source: string, options: ParseFrameworkOptions = {}): Framework {
  const format = options.format ?? (options.file && extname(options.file).toLowerCase() === '.json' ? 'json' : 'yaml');
  const data = parseSource(source, format, options.file);
  return validateFramework(data, { source, ...(options.file ? { file: options.file } : {}) });
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
    throw new TenetError('NOT_FOUND', `no built-in framework or file named "${pathOrId}"`, {
      hint: FILE_HINT,
      location: { file: pathOrId },
    });
  }
  if (statSync(pathOrId).isDirectory()) {
    throw new TenetError('BAD_INPUT', `"${pathOrId}" is a directory, not a framework file`, {
      hint: FILE_HINT,
      location: { file: pathOrId },
    });
  }
  const ext = extname(pathOrId).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new TenetError('BAD_INPUT', `cannot tell the format of "${pathOrId}" from its extension "${ext}"`, {
      hint: FILE_HINT,
      location: { file: pathOrId },
    });
  }
  const source = readFileSync(pathOrId, 'utf8').replace(/^\uFEFF/, '');
  return parseFramework(source, { file: pathOrId, format: ext === '.json' ? 'json' : 'yaml' });
}
