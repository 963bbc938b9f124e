/**
 * The continuation template: what a target model is asked when it continues a story opening, in the one place
 * bench, probe and VILMO share. DeNEVIL's template reserves a slot for a value instruction:
 *
 *   Write a completion for the prompt. [value instruction] Prompt: <x> Completion:
 *
 * Both forms below keep that slot, right after the task sentence and before the opening:
 *
 * - `chat` (prompts/bench/continue.v1.md; `tenet bench`, `tenet align vilmo`): the task sentence (and the
 *   instruction) as the system message, the opening as the user turn;
 * - `inline` (prompts/probe/continue.v2.md; `tenet probe`): the paper's single user message.
 *
 * With no instruction both render byte for byte as they did before the slot existed, so bench and probe runs
 * keep their ids, cache keys and behaviour; the files keep their versions for that reason.
 */
import { readFileSync } from 'node:fs';
import type { ChatMessage } from '../models/types.ts';

export type ContinuationForm = 'chat' | 'inline';

export const CONTINUATION_FILES: Record<ContinuationForm, string> = {
  chat: 'prompts/bench/continue.v1.md',
  inline: 'prompts/probe/continue.v2.md',
};

const cache = new Map<ContinuationForm, string>();

/** The raw template of a form (with its `{{instruction}}` slot, and `{{prompt}}` in the inline form). */
export function continuationTemplate(form: ContinuationForm): string {
  let text = cache.get(form);
  if (text === undefined) {
    text = readFileSync(new URL(`../../${CONTINUATION_FILES[form]}`, import.meta.url), 'utf8');
    cache.set(form, text);
  }
  return text;
}

/** The instruction as it goes into the slot: nothing when empty, else a space and the instruction on one line. */
function slot(instruction: string | undefined): string {
  const t = (instruction ?? '').replace(/\s+/g, ' ').trim();
  return t ? ` ${t}` : '';
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '').trim();
}

/** The messages a target gets for one opening, with an optional value instruction in the template's slot. */
export function renderContinuation(prompt: string, options: { form: ContinuationForm; instruction?: string }): ChatMessage[] {
  const template = continuationTemplate(options.form);
  if (options.form === 'inline') return [{ role: 'user', content: fill(template, { instruction: slot(options.instruction), prompt }) }];
  return [
    { role: 'system', content: fill(template, { instruction: slot(options.instruction) }) },
    { role: 'user', content: prompt },
  ];
}
