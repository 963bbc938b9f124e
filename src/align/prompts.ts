/**
 * Prompt sets for alignment runs: JSONL lines {"id", "prompt"} (other fields, such as a bench set's
 * foundation and principle, are kept). `builtin:NAME` names a set in data/prompts/, as for `tenet bench`;
 * `builtin:align-questions` is 30 everyday questions that touch on values, written for tenet.
 */
import { createHash } from 'node:crypto';
import { TenetError } from '../errors.ts';
import { lineError, readJsonl, uniqueIds } from '../jsonl.ts';
import { resolvePromptSource, type PromptSet } from '../bench/prompts.ts';
import type { PromptTask } from '../runtime/sample-stage.ts';
import { parseMftFoundation } from '../values/mft.ts';

const HINT = 'each line must be a JSON object {"id": "...", "prompt": "..."} (a bench prompt set works too)';

/** Load a prompt set of {id, prompt} lines (a missing id is the line number). */
export async function loadAlignPrompts(source: string, options: { limit?: number; cwd?: string } = {}): Promise<PromptSet> {
  const { source: canonical, file } = resolvePromptSource(source, options.cwd);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  const prompts: PromptTask[] = [];
  const checkId = uniqueIds(file);
  const hash = createHash('sha256');
  let truncated = false;
  for await (const [line, row] of readJsonl(file, { hint: HINT })) {
    if (prompts.length >= limit) {
      truncated = true;
      break;
    }
    const id = typeof row.id === 'string' && row.id.trim() !== '' ? row.id : typeof row.id === 'number' ? String(row.id) : row.id === undefined ? `line-${line}` : undefined;
    if (id === undefined) throw lineError(file, line, 'field "id" must be a non-empty string or a number', { path: 'id', hint: HINT });
    if (typeof row.prompt !== 'string' || row.prompt.trim() === '') throw lineError(file, line, 'field "prompt" must be a non-empty string', { path: 'prompt', hint: HINT });
    checkId(id, line);
    const foundation = typeof row.foundation === 'string' ? parseMftFoundation(row.foundation) : undefined;
    prompts.push({ id, prompt: row.prompt, ...(foundation ? { foundation } : {}), ...(typeof row.principle === 'string' ? { principle: row.principle } : {}) });
    hash.update(JSON.stringify([id, row.prompt]));
    hash.update('\n');
  }
  if (prompts.length === 0) throw new TenetError('BAD_INPUT', `prompt set ${source} has no prompts`, { location: { file }, hint: HINT });
  return { source: canonical, file, prompts, sha256: hash.digest('hex'), truncated };
}
