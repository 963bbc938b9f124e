import { readFileSync, existsSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument, isNode, LineCounter } from 'yaml';
import type { z } from 'zod';
import { TenetError } from './errors.ts';

/** A parsed YAML or JSON file that can say on which line a field path starts. */
export interface DataFile {
  file: string;
  value: unknown;
  lineOf(path: readonly PropertyKey[]): number | undefined;
}

/** `dimensions[2].poles.positive` from `['dimensions', 2, 'poles', 'positive']`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) =>
    typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key), '');
}

/**
 * Read a YAML (.yaml/.yml) or JSON file. JSON is parsed as YAML (a superset) so both report lines the same
 * way; a syntax error becomes BAD_INPUT at file:line.
 */
export function readDataFile(file: string, what: string): DataFile {
  if (!existsSync(file)) {
    throw new TenetError('NOT_FOUND', `${what} file not found: ${file}`, { location: { file } });
  }
  const text = readFileSync(file, 'utf8');
  const lineCounter = new LineCounter();
  const isJson = extname(file).toLowerCase() === '.json';
  if (isJson) {
    try {
      JSON.parse(text);
    } catch (error) {
      const position = /position (\d+)/.exec(String(error))?.[1];
      const line = position === undefined ? undefined : text.slice(0, Number(position)).split('\n').length;
      throw new TenetError('BAD_INPUT', `${what} file is not valid JSON: ${(error as Error).message}`, {
        location: { file, ...(line ? { line } : {}) },
        hint: 'fix the JSON syntax at that line',
      });
    }
  }
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = syntax.linePos?.[0]?.line ?? lineCounter.linePos(syntax.pos[0]).line;
    throw new TenetError('BAD_INPUT', `${what} file is not valid YAML: ${syntax.message.split('\n')[0]}`, {
      location: { file, line },
      hint: 'fix the YAML syntax at that line (indentation and colons are the usual causes)',
    });
  }
  return {
    file,
    value: doc.toJS(),
    lineOf(path) {
      for (let depth = path.length; depth >= 0; depth--) {
        const node = doc.getIn(path.slice(0, depth) as unknown[], true);
        if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
      }
      return undefined;
    },
  };
}

/** Validate a data file against a zod schema; the first problems are reported with field path and line. */
export function validateDataFile<S extends z.ZodType>(data: DataFile, schema: S, what: string): z.output<S> {
  const result = schema.safeParse(data.value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const first = issues[0]!;
  const path = formatPath(first.path);
  const line = data.lineOf(first.path);
  const more = issues.slice(1, 5).map((i) => `\n  also: ${formatPath(i.path) || '(top level)'}: ${i.message}`).join('');
  throw new TenetError('BAD_INPUT', `invalid ${what}: ${path || '(top level)'}: ${first.message}${more}`, {
    location: { file: data.file, ...(line ? { line } : {}), ...(path ? { path } : {}) },
    hint: `fix the field and run again`,
    details: { issues: issues.map((i) => ({ path: formatPath(i.path), message: i.message, line: data.lineOf(i.path) })) },
  });
}
