/**
 * Reading and validating moral-graph input. Every failure is a TenetError that names the file and, for
 * a bad record, the field path of the first problem (e.g. `[12].relationship`, `edges[3].counts`).
 */
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import type { z } from 'zod';
import { TenetError } from '../errors.ts';
import { formatPath, parseJson, readTextFile } from '../datafile.ts';
import { edgeVotesSchema, graphValuesSchema, studySummarySchema, tenetGraphSchema } from './schema.ts';
import type { EdgeVote, GraphValue, InputFile, LoadedGraph, StudySummary, TenetGraph } from './types.ts';
import { TENET_GRAPH_FORMAT } from './types.ts';

/** A JSON file's parsed content and what provenance needs to know about it. */
export interface JsonFile {
  data: unknown;
  name: string;
  sha256: string;
}

/** Read and parse a JSON file. Missing file → NOT_FOUND; bad JSON → BAD_INPUT with the line. */
export function readJsonFile(file: string): JsonFile {
  let text: string;
  try {
    text = readTextFile(file);
  } catch (error) {
    if (error instanceof TenetError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new TenetError(code === 'ENOENT' ? 'NOT_FOUND' : 'BAD_INPUT', `cannot read ${file}: ${code ?? String(error)}`, {
      hint: 'check the path',
      location: { file },
      cause: error,
    });
  }
  const data = parseJson(text, { file });
  return { data, name: basename(file), sha256: createHash('sha256').update(text).digest('hex') };
}




/** Validate `data` against `schema`; the error names `file` and the path of the first problem. */
export function parseInput<S extends z.ZodType>(schema: S, data: unknown, file: string, what: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue ? formatPath(issue.path) : '';
  const detail = issue ? issue.message.replace(/^Invalid input: expected (.+), received undefined$/, 'missing (expected $1)') : 'invalid';
  throw new TenetError('BAD_INPUT', `invalid ${what}${path ? ` at ${path}` : ''}: ${detail}`, {
    hint: `see docs/moral-graph.md for the ${what} format`,
    location: path ? { file, path } : { file },
  });
}

export function parseVotes(data: unknown, file = '<votes>'): EdgeVote[] {
  return parseInput(edgeVotesSchema, data, file, 'edge votes');
}

export function parseValues(data: unknown, file = '<values>'): GraphValue[] {
  return parseInput(graphValuesSchema, data, file, 'values cards');
}

export function parseStudySummary(data: unknown, file = '<study graph>'): StudySummary {
  return parseInput(studySummarySchema, data, file, 'study MoralGraphSummary');
}

export function parseTenetGraph(data: unknown, file = '<tenet graph>'): TenetGraph {
  return parseInput(tenetGraphSchema, data, file, 'tenet moral graph');
}

/** Tell the two graph formats apart: tenet's carries `format: "tenet/moral-graph"`. */
export function parseGraph(data: unknown, file = '<graph>'): LoadedGraph {
  if (data && typeof data === 'object' && !Array.isArray(data) && 'format' in data) {
    const format = (data as { format: unknown }).format;
    if (format !== TENET_GRAPH_FORMAT) {
      throw new TenetError('BAD_INPUT', `${file}: unknown graph format ${JSON.stringify(format)}`, {
        hint: `expected "${TENET_GRAPH_FORMAT}" or the study's MoralGraphSummary ({values, edges})`,
        location: { file, path: 'format' },
      });
    }
    return { kind: 'tenet', graph: parseTenetGraph(data, file) };
  }
  return { kind: 'study', graph: parseStudySummary(data, file) };
}

/** Only votes created strictly before `before` (an ISO instant). */
export function votesBefore(votes: readonly EdgeVote[], before: string): EdgeVote[] {
  const cutoff = parseInstant(before, '--before');
  return votes.filter((v) => Date.parse(v.createdAt) < cutoff);
}

/** Milliseconds since the epoch for an ISO date, or BAD_USAGE naming the option. */
export function parseInstant(value: string, name: string): number {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new TenetError('BAD_USAGE', `${name} must be an ISO 8601 date, got "${value}"`, {
      hint: 'e.g. 2023-10-18T12:00:00Z',
    });
  }
  return ms;
}

export function loadVotes(file: string): { votes: EdgeVote[]; input: InputFile } {
  const json = readJsonFile(file);
  return { votes: parseVotes(json.data, file), input: { role: 'votes', name: json.name, sha256: json.sha256 } };
}

export function loadValues(file: string): { values: GraphValue[]; input: InputFile } {
  const json = readJsonFile(file);
  return { values: parseValues(json.data, file), input: { role: 'values', name: json.name, sha256: json.sha256 } };
}

export function loadGraph(file: string): { loaded: LoadedGraph; input: InputFile } {
  const json = readJsonFile(file);
  const loaded = parseGraph(json.data, file);
  return { loaded, input: { role: 'study-summary', name: json.name, sha256: json.sha256 } };
}
