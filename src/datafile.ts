/**
 * Reading YAML and JSON input files (configuration, value frameworks) so that every problem is reported
 * with the file, the line and the field path: syntax errors, schema violations and extra checks alike.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { isAlias, isNode, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import { TenetError } from './errors.ts';

/** `dimensions[2].poles.positive` from `['dimensions', 2, 'poles', 'positive']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out;
}

/** One problem found in a data file. */
export interface DataIssue {
  /** Field path, e.g. `dimensions[2].definition`; '' for the whole file. */
  path: string;
  /** 1-based line of the offending node (or of its nearest existing parent) when known. */
  line?: number;
  message: string;
}

/** A parsed data file that can say on which line a field path starts. */
export interface DataFile {
  file?: string;
  source: string;
  value: unknown;
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

export type DataFormat = 'yaml' | 'json';

function lineAt(text: string, offset: number): number {
  let line = 1;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Where and why JSON text is invalid. V8's JSON.parse messages do not always give a position (e.g. for a
 * trailing comma), so this small scanner finds the first offending character itself.
 */
export function jsonSyntaxError(src: string): { offset: number; message: string } | undefined {
  let i = 0;
  const fail = (message: string, at = i): never => {
    throw Object.assign(new Error(message), { offset: at, scanner: true });
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
  const list = (close: string, entry: () => void, what: string) => {
    i++;
    ws();
    if (src[i] === close) {
      i++;
      return;
    }
    for (;;) {
      ws();
      entry();
      ws();
      if (src[i] === ',') {
        i++;
        ws();
        if (src[i] === close) fail(`trailing comma before "${close}"`);
        continue;
      }
      if (src[i] === close) {
        i++;
        return;
      }
      fail(`expected "," or "${close}" ${what}, found ${show(i)}`);
    }
  };
  const value = (): void => {
    ws();
    const c = src[i];
    if (c === '{') {
      return list('}', () => {
        if (src[i] !== '"') fail(`expected a double-quoted property name, found ${show(i)}`);
        string();
        ws();
        if (src[i] !== ':') fail(`expected ":" after the property name, found ${show(i)}`);
        i++;
        value();
      }, 'after a property');
    }
    if (c === '[') return list(']', value, 'after a list entry');
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
    if (e instanceof Error && 'scanner' in e) return { offset: (e as unknown as { offset: number }).offset, message: e.message };
    throw e;
  }
}

function syntaxError(file: string | undefined, line: number | undefined, format: DataFormat, detail: string, hint: string): TenetError {
  return new TenetError('BAD_INPUT', `${format === 'json' ? 'JSON' : 'YAML'} syntax error: ${detail}`, {
    hint,
    location: { ...(file ? { file } : {}), ...(line ? { line } : {}) },
  });
}

/** JSON.parse, with a syntax error reported as BAD_INPUT at file:line (without building a YAML position map). */
export function parseJson(source: string, options: { file?: string; hint?: string } = {}): unknown {
  try {
    return JSON.parse(source);
  } catch (error) {
    const hint = options.hint ?? 'fix the JSON syntax at the line shown';
    const found = jsonSyntaxError(source);
    if (found) throw syntaxError(options.file, lineAt(source, found.offset), 'json', found.message, hint);
    const message = error instanceof Error ? error.message : String(error);
    const pos = /position (\d+)/.exec(message);
    throw syntaxError(options.file, pos ? lineAt(source, Number(pos[1])) : undefined, 'json', message.split('\n')[0]!, hint);
  }
}

/** How many alias uses a YAML document may expand (the yaml library's guard against alias bombs). */
const MAX_ALIAS_COUNT = 100;

/** Parse YAML or JSON text; a syntax error is BAD_INPUT at file:line. */
export function parseDataText(source: string, options: { file?: string; format?: DataFormat; hint?: string } = {}): DataFile {
  const format = options.format ?? (options.file && extname(options.file).toLowerCase() === '.json' ? 'json' : 'yaml');
  const hint = options.hint ?? 'fix the syntax at the line shown';
  const { file } = options;
  if (format === 'json') parseJson(source, { ...(file ? { file } : {}), hint });
  // JSON is parsed as YAML too (a superset), so one position map serves both formats.
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: true, keepSourceTokens: true });
  const first = doc.errors[0];
  if (first) {
    const line = first.linePos?.[0]?.line ?? lineCounter.linePos(first.pos[0]).line;
    const detail = first.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more)` : '';
    throw syntaxError(file, line, format, `${detail}${more}`, hint);
  }
  let value: unknown;
  try {
    value = format === 'json' ? JSON.parse(source) : doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    // the yaml library refuses documents whose aliases expand too far (a "billion laughs" alias bomb)
    if (!(error instanceof ReferenceError) || !/alias/i.test(error.message)) throw error;
    let line: number | undefined;
    visit(doc, { Alias(_key, node) {
      if (isAlias(node) && node.range) line = lineCounter.linePos(node.range[0]).line;
      return visit.BREAK;
    } });
    throw new TenetError('BAD_INPUT', `YAML aliases (*name) expand to too many nodes (more than ${MAX_ALIAS_COUNT} alias uses for the document's size; an alias bomb?)`, {
      hint: 'write the values out instead of nesting aliases of aliases',
      location: { ...(file ? { file } : {}), ...(line ? { line } : {}) },
    });
  }
  return {
    ...(file ? { file } : {}),
    source,
    value,
    lineOf(path) {
      for (let n = path.length; n >= 0; n--) {
        const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** The largest YAML/JSON input file read whole (config, frameworks, votes, cards, graphs). */
export const MAX_DATA_FILE_BYTES = 256 * 1024 * 1024;

/**
 * A data file's text: over MAX_DATA_FILE_BYTES is BAD_INPUT (it would be read whole), and so is invalid
 * UTF-8, at the line of the first bad byte (never silently replaced). A leading byte-order mark is dropped.
 */
export function readTextFile(file: string, maxBytes = MAX_DATA_FILE_BYTES): string {
  const size = statSync(file).size;
  if (size > maxBytes) {
    throw new TenetError('BAD_INPUT', `${file} is ${size} bytes; input files of this kind may have at most ${maxBytes}`, {
      hint: 'is this the right file?',
      location: { file },
    });
  }
  const bytes = readFileSync(file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    const loose = bytes.toString('utf8');
    throw new TenetError('BAD_INPUT', 'the file is not valid UTF-8', {
      hint: 'save the file as UTF-8 (e.g. `iconv -f latin1 -t utf-8 in.json > out.json`)',
      location: { file, line: lineAt(loose, loose.indexOf('\uFFFD')) },
    });
  }
}

/** Read a .yaml, .yml or .json file: NOT_FOUND when missing, BAD_INPUT for a directory, another extension or bad syntax. */
export function readDataFile(file: string, what: string, hint?: string): DataFile {
  const fileHint = hint ?? `give the path to a .yaml, .yml or .json ${what} file`;
  if (!existsSync(file)) throw new TenetError('NOT_FOUND', `${what} file not found: ${file}`, { hint: fileHint, location: { file } });
  if (statSync(file).isDirectory()) {
    throw new TenetError('BAD_INPUT', `"${file}" is a directory, not a ${what} file`, { hint: fileHint, location: { file } });
  }
  const ext = extname(file).toLowerCase();
  if (ext !== '.yaml' && ext !== '.yml' && ext !== '.json') {
    throw new TenetError('BAD_INPUT', `cannot tell the format of "${file}" from its extension "${ext}"`, { hint: fileHint, location: { file } });
  }
  const source = readTextFile(file);
  return parseDataText(source, { file, format: ext === '.json' ? 'json' : 'yaml', ...(hint ? { hint } : {}) });
}

/**
 * Every problem the schema finds (an unknown field is reported at the field itself), plus `extra` ones,
 * each with its line, sorted top to bottom as a person reads the file.
 */
export function schemaIssues(
  value: unknown,
  schema: z.ZodType,
  lineOf: (path: readonly PropertyKey[]) => number | undefined = () => undefined,
  extra: { path: PropertyKey[]; message: string }[] = [],
): DataIssue[] {
  const result = schema.safeParse(value);
  const raw: { path: PropertyKey[]; message: string }[] = [];
  for (const iss of result.success ? [] : result.error.issues) {
    if (iss.code === 'unrecognized_keys') for (const k of iss.keys) raw.push({ path: [...iss.path, k], message: iss.message });
    else raw.push({ path: [...iss.path], message: iss.message });
  }
  const seen = new Set(raw.map((r) => formatPath(r.path)));
  for (const e of extra) if (!seen.has(formatPath(e.path))) raw.push(e);
  return raw
    .map((r, i) => {
      const line = lineOf(r.path);
      return { issue: { path: formatPath(r.path), ...(line !== undefined ? { line } : {}), message: r.message }, i };
    })
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.i - b.i)
    .map((x) => x.issue);
}

/** One BAD_INPUT error for a list of issues: the first in `location`, up to 20 in the message, all in `details`. */
export function issuesError(issues: DataIssue[], options: { what: string; file?: string; hint?: string }): TenetError {
  const first = issues[0]!;
  const label = (i: DataIssue) => (i.path ? `${i.path}: ${i.message}` : i.message);
  const shown = issues.slice(0, 20);
  const message = issues.length === 1
    ? `invalid ${options.what}: ${label(first)}`
    : `invalid ${options.what}, ${issues.length} problems:\n${shown.map((i) => `  - ${label(i)}${i.line ? ` (line ${i.line})` : ''}`).join('\n')}${issues.length > shown.length ? `\n  … and ${issues.length - shown.length} more` : ''}`;
  return new TenetError('BAD_INPUT', message, {
    hint: options.hint ?? 'fix the fields shown and run again',
    location: { ...(options.file ? { file: options.file } : {}), ...(first.line ? { line: first.line } : {}), ...(first.path ? { path: first.path } : {}) },
    details: { issues },
  });
}

/** Validate a parsed data file against a schema, or throw one error listing every problem with its line. */
export function validateDataFile<S extends z.ZodType>(data: DataFile, schema: S, options: { what: string; hint?: string }): z.output<S> {
  const issues = schemaIssues(data.value, schema, data.lineOf);
  if (issues.length > 0) throw issuesError(issues, { ...options, ...(data.file ? { file: data.file } : {}) });
  return schema.parse(data.value);
}
