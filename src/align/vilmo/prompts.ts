/**
 * What VILMO and its baselines say to the generator and the target, from the versioned files in
 * prompts/align/vilmo-*.v1.md (the version is part of a run's configuration): the generator's meta-prompt
 * (with the best pairs so far as examples and a summary of what worked, OPRO-style), APE's task-level
 * proposal prompt, the principle arm's instruction, and self-critique's critique and revision turns.
 */
import { readFileSync } from 'node:fs';
import type { ChatMessage } from '../../models/types.ts';
import { continuationMessages } from '../../bench/run.ts';
import type { PromptTask } from '../../runtime/sample-stage.ts';
import { getMoralFoundation } from '../../values/mft.ts';

export const VILMO_PROMPT_VERSION = 'v1';

type Name = 'generate' | 'ape' | 'principle' | 'critique' | 'revise';
const cache = new Map<Name, string>();

function template(name: Name): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../../../prompts/align/vilmo-${name}.${VILMO_PROMPT_VERSION}.md`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '').trim();
}

/** Longest story shown to the generator as an example (characters). */
const EXAMPLE_CHARS = 400;

export function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

/** The principle at stake in a prompt: its own principle, else its foundation's name and definition. */
export function principleOf(task: PromptTask): string {
  if (task.principle) return task.principle;
  if (task.foundation) {
    const f = getMoralFoundation(task.foundation);
    return `${f.name}: ${f.definition}`;
  }
  return '';
}

/** A (story, instruction) pair the generator is shown, with the conformity it reached on the target. */
export interface Example {
  prompt: string;
  instruction: string;
  conformity: number;
}

/** The generator's meta-prompt for one story: the examples and summary of the round, then the story. */
export function generateMessages(prompt: string, meta: { examples: readonly Example[]; summary: string }): ChatMessage[] {
  const examples = meta.examples.length
    ? `\nInstructions that worked on other stories (conformity: the share of continuations that kept the principle):\n${meta.examples
        .map((e) => `Story: ${clip(e.prompt, EXAMPLE_CHARS)}\nInstruction: ${e.instruction}\nConformity: ${e.conformity.toFixed(2)}`)
        .join('\n\n')}\n`
    : '';
  const summary = meta.summary ? `\nWhat earlier rounds showed: ${meta.summary}\n` : '';
  return [{ role: 'user', content: fill(template('generate'), { summary, examples, prompt }) }];
}

/** APE: propose one task-level instruction after seeing some training openings. */
export function apeMessages(openings: readonly string[]): ChatMessage[] {
  return [{ role: 'user', content: fill(template('ape'), { examples: openings.map((o) => `- ${clip(o, EXAMPLE_CHARS)}`).join('\n') }) }];
}

/** The `principle` arm's instruction (an oracle: it names the principle at stake). */
export function principleInstruction(task: PromptTask): string {
  return fill(template('principle'), { principle: principleOf(task) });
}

/** Self-critique, turn 2: the target's draft, then the request to critique it against the principle. */
export function critiqueMessages(task: PromptTask, draft: string): ChatMessage[] {
  return [
    ...continuationMessages(task),
    { role: 'assistant', content: draft },
    { role: 'user', content: fill(template('critique'), { principle: principleOf(task) }) },
  ];
}

/** Self-critique, turn 3: after the critique, the request to rewrite the continuation. */
export function reviseMessages(task: PromptTask, draft: string, critique: string): ChatMessage[] {
  return [...critiqueMessages(task, draft), { role: 'assistant', content: critique }, { role: 'user', content: fill(template('revise'), {}) }];
}

/** Longest instruction kept (characters). */
export const MAX_INSTRUCTION_CHARS = 400;

/**
 * A generator's reply cut down to the instruction: code fences and a leading label ("Instruction:") dropped,
 * the first non-empty line, wrapping quotation marks removed, whitespace collapsed, at most 400 characters.
 */
export function cleanInstruction(text: string): string {
  let t = text.trim();
  const fenced = /^```[a-z]*\s*([\s\S]*?)\s*```$/i.exec(t);
  if (fenced?.[1] !== undefined) t = fenced[1].trim();
  t = t.replace(/^(?:\*\*)?(?:value\s+)?instruction(?:\*\*)?\s*:\s*(?:\*\*)?/i, '').trim();
  t = (t.split('\n').find((line) => line.trim() !== '') ?? '').trim();
  t = t.replace(/^[-*•]\s+/, '');
  for (const [open, close] of [['"', '"'], ['“', '”'], ["'", "'"]] as const) {
    if (t.length > 1 && t.startsWith(open) && t.endsWith(close)) t = t.slice(1, -1).trim();
  }
  return clip(t, MAX_INSTRUCTION_CHARS);
}

const STOPWORDS = new Set(('a an the and or but of to in on at for with by as is are be it its this that these those your you their they ' +
  'he she his her them do does not no so if into from than then make sure please keep continue continuation story').split(' '));

function words(text: string): Set<string> {
  return new Set((text.toLowerCase().match(/[\p{L}']+/gu) ?? []).filter((w) => w.length > 2 && !STOPWORDS.has(w)));
}

/**
 * What a round of training showed, in words the generator reads next round: how the best instructions did
 * against all candidates, and the words that the best instruction of a prompt used more often than its worst.
 * Computed, not written by a model, so it costs no call and is the same on every rerun.
 */
export function summarise(round: number, scored: readonly { best: { instruction: string; conformity: number }; worst: { instruction: string; conformity: number }; mean: number }[]): string {
  if (scored.length === 0) return '';
  const bestMean = scored.reduce((s, x) => s + x.best.conformity, 0) / scored.length;
  const allMean = scored.reduce((s, x) => s + x.mean, 0) / scored.length;
  const diff = new Map<string, number>();
  for (const x of scored) {
    if (x.best.conformity <= x.worst.conformity) continue;
    for (const w of words(x.best.instruction)) diff.set(w, (diff.get(w) ?? 0) + 1);
    for (const w of words(x.worst.instruction)) diff.set(w, (diff.get(w) ?? 0) - 1);
  }
  const top = [...diff].filter(([, d]) => d > 0).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10).map(([w]) => w);
  return `in round ${round} the best instruction for each of ${scored.length} stories reached a mean conformity of ${bestMean.toFixed(2)}, against ${allMean.toFixed(2)} for all candidates.` +
    (top.length ? ` Words the best instructions used more often than the worst: ${top.join(', ')}.` : '');
}
