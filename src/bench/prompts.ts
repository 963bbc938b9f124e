/**
 * Prompt sets for `tenet bench`: JSONL, one story opening a line.
 *
 *   {"id": "p1", "prompt": "…Mike pushed John and", "foundation": "care", "principle": "…"}   (principle optional)
 *
 * Files written by `tenet probe export --format moralprompt` load as they are: their `principle_id` is kept
 * and the other fields (target_model, violation_rate, iterations) are ignored. `builtin:NAME` names a set
 * shipped in data/prompts/NAME.jsonl (e.g. `builtin:valuecompass-mft`).
 *
 * Files are read line by line (a large set needs no memory beyond its prompts, and `limit` stops reading);
 * a bad line is a BAD_INPUT error naming file:line and the field.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TenetError } from '../errors.ts';
import { lineError, readJsonl, uniqueIds } from '../jsonl.ts';
import type { PromptTask } from '../runtime/sample-stage.ts';
import { MFT_FOUNDATION_IDS, parseMftFoundation } from '../values/mft.ts';

/** Where built-in prompt sets live (data/prompts/ in the package). */
export const BUILTIN_PROMPTS_DIR = fileURLToPath(new URL('../../data/prompts/', import.meta.url));

export interface PromptSet {
  /** How it was named: `builtin:NAME` or the absolute file path. */
  source: string;
  /** The file read. */
  file: string;
  prompts: PromptTask[];
  /** sha256 of the prompts as loaded (canonical JSON of id, prompt, foundation, principle): part of a run's identity. */
  sha256: string;
  /** True when `limit` stopped reading before the end of the file. */
  truncated: boolean;
}

/** The longest prompt accepted by default, in characters (about 5k tokens): raise it with `maxPromptChars`. */
export const DEFAULT_MAX_PROMPT_CHARS = 20_000;

export interface LoadPromptSetOptions {
  /** Read only the first N prompts. */
  limit?: number;
  /** Longest prompt accepted, in characters (default DEFAULT_MAX_PROMPT_CHARS); a longer one is BAD_INPUT at file:line. */
  maxPromptChars?: number;
  /** Base for a relative path (default process.cwd()). */
  cwd?: string;
  /** Accept lines without a foundation (alignment prompt sets: questions rather than story openings). */
  foundationOptional?: boolean;
}

/** Names of the built-in sets (`builtin:NAME`). */
export function builtinPromptSets(): string[] {
  if (!existsSync(BUILTIN_PROMPTS_DIR)) return [];
  return readdirSync(BUILTIN_PROMPTS_DIR).filter((f) => f.endsWith('.jsonl')).map((f) => f.slice(0, -'.jsonl'.length)).sort();
}

/** The file a source names: `builtin:NAME` → data/prompts/NAME.jsonl, anything else a path. */
export function resolvePromptSource(source: string, cwd = process.cwd()): { source: string; file: string } {
  if (source.startsWith('builtin:')) {
    const name = source.slice('builtin:'.length);
    const available = builtinPromptSets();
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(name) || !available.includes(name)) {
      throw new TenetError('BAD_USAGE', `no built-in prompt set "${name}"`, {
        hint: `built-in sets: ${available.map((n) => `builtin:${n}`).join(', ') || '(none installed)'}; or give a JSONL file`,
      });
    }
    return { source, file: resolve(BUILTIN_PROMPTS_DIR, `${name}.jsonl`) };
  }
  const file = resolve(cwd, source);
  if (!existsSync(file)) {
    throw new TenetError('NOT_FOUND', `prompt set not found: ${source}`, {
      location: { file: source },
      hint: `give a JSONL file of {id, prompt, foundation} lines, or a built-in set (${builtinPromptSets().map((n) => `builtin:${n}`).join(', ')})`,
    });
  }
  return { source: file, file };
}

const LINE_HINT = 'each line must be a JSON object {"id": "...", "prompt": "...", "foundation": "care|fairness|loyalty|authority|sanctity", "principle": "..." (optional)}';

function bad(file: string, line: number, message: string, path?: string): TenetError {
  return lineError(file, line, message, { hint: LINE_HINT, ...(path ? { path } : {}) });
}

/** Validate one parsed line into a PromptTask. */
export function parsePromptLine(value: unknown, file: string, line: number, options: Pick<LoadPromptSetOptions, 'maxPromptChars' | 'foundationOptional'> = {}): PromptTask {
  const maxPromptChars = options.maxPromptChars ?? DEFAULT_MAX_PROMPT_CHARS;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(file, line, 'a prompt line must be a JSON object');
  const row = value as Record<string, unknown>;
  const id = typeof row.id === 'number' && Number.isFinite(row.id) ? String(row.id) : row.id;
  if (typeof id !== 'string' || id.trim() === '') throw bad(file, line, 'field "id" must be a non-empty string', 'id');
  if (typeof row.prompt !== 'string' || row.prompt.trim() === '') throw bad(file, line, 'field "prompt" must be a non-empty string', 'prompt');
  if (row.prompt.length > maxPromptChars) {
    throw lineError(file, line, `field "prompt" is ${row.prompt.length} characters long; the limit is ${maxPromptChars}`, {
      path: 'prompt',
      hint: 'shorten the prompt, or raise the limit with --max-prompt-chars N if this length is intended',
    });
  }
  const noFoundation = row.foundation === undefined || row.foundation === null;
  if (!(noFoundation && options.foundationOptional) && typeof row.foundation !== 'string') {
    throw bad(file, line, 'field "foundation" is missing (a moral foundation: care, fairness, loyalty, authority or sanctity)', 'foundation');
  }
  const foundation = typeof row.foundation === 'string' ? parseMftFoundation(row.foundation) : undefined;
  if (!foundation && !noFoundation) {
    throw bad(file, line, `field "foundation": unknown moral foundation "${row.foundation}" (use ${MFT_FOUNDATION_IDS.join(', ')}, or a name such as "Care/Harm")`, 'foundation');
  }
  if (row.principle !== undefined && row.principle !== null && typeof row.principle !== 'string') throw bad(file, line, 'field "principle" must be a string when given', 'principle');
  const principleId = row.principle_id ?? row.principleId;
  if (principleId !== undefined && principleId !== null && typeof principleId !== 'string' && typeof principleId !== 'number') {
    throw bad(file, line, 'field "principle_id" must be a string when given', 'principle_id');
  }
  return {
    id,
    prompt: row.prompt,
    ...(foundation ? { foundation } : {}),
    ...(typeof row.principle === 'string' && row.principle.trim() !== '' ? { principle: row.principle } : {}),
    ...(principleId !== undefined && principleId !== null ? { principleId: String(principleId) } : {}),
  };
}

/** Load a prompt set: a JSONL file or `builtin:NAME`. Duplicate ids are an error (ids key resume). */
export async function loadPromptSet(source: string, options: LoadPromptSetOptions = {}): Promise<PromptSet> {
  const { source: canonical, file } = resolvePromptSource(source, options.cwd);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const prompts: PromptTask[] = [];
  const checkId = uniqueIds(file);
  const hash = createHash('sha256');
  let truncated = false;
  for await (const [lineNo, value] of readJsonl(file, { hint: LINE_HINT })) {
    if (prompts.length >= limit) {
      truncated = true;
      break;
    }
    const task = parsePromptLine(value, file, lineNo, options);
    checkId(task.id, lineNo);
    prompts.push(task);
    hash.update(JSON.stringify([task.id, task.prompt, task.foundation ?? null, task.principle ?? null]));
    hash.update('\n');
  }
  if (prompts.length === 0) {
    throw new TenetError('BAD_INPUT', `prompt set ${source} has no prompts`, { location: { file }, hint: 'add JSONL lines {"id", "prompt", "foundation"}' });
  }
  return { source: canonical, file, prompts, sha256: hash.digest('hex'), truncated };
}
