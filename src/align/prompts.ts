/**
 * Prompt sets for alignment runs: the same JSONL as `tenet bench` ({"id", "prompt"}, with `foundation` and
 * `principle` kept when given but not required), through the same loader, so the same bounds and file:line
 * errors apply. `builtin:align-questions` is 30 everyday questions that touch on values, written for tenet.
 */
import { loadPromptSet, type LoadPromptSetOptions, type PromptSet } from '../bench/prompts.ts';

/** Load a prompt set of {id, prompt} lines (a JSONL file or `builtin:NAME`). */
export function loadAlignPrompts(source: string, options: Omit<LoadPromptSetOptions, 'foundationOptional'> = {}): Promise<PromptSet> {
  return loadPromptSet(source, { ...options, foundationOptional: true });
}
