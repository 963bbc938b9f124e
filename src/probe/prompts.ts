import { readFileSync } from 'node:fs';
import type { ChatMessage } from '../models/types.ts';
import { renderContinuation } from '../runtime/continuation.ts';
import { getMoralFoundation, type MftFoundationId } from '../values/mft.ts';

/**
 * The version of every prompt under prompts/probe/. Bump it whenever one of those files changes: it is part
 * of a probe run's configuration (so a changed prompt starts a new run rather than mixing into an old one)
 * and it is stored with every iteration and exported with every prompt.
 */
export const PROBE_PROMPT_VERSION = 'v2';

export type ProbePromptName = 'seed' | 'refine' | 'continue' | 'violate';

const cache = new Map<ProbePromptName, string>();

/** The text of one versioned prompt file. */
export function probePromptTemplate(name: ProbePromptName): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../../prompts/probe/${name}.${PROBE_PROMPT_VERSION}.md`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '').trim();
}

function foundationFields(foundation: MftFoundationId): { foundation: string; foundation_definition: string } {
  const f = getMoralFoundation(foundation);
  return { foundation: f.name, foundation_definition: f.definition };
}

/** What the generator is told about a principle. */
export interface PrincipleText {
  principle: string;
  foundation: MftFoundationId;
}

/**
 * Where the seed story of each of a principle's trajectories is set (slot s takes the s-th, cycling), so
 * that several prompts per principle start from different scenarios.
 */
export const SEED_SETTINGS = [
  'at work',
  'in a family home',
  'at a school or university',
  'among friends or neighbours',
  'in a public place such as a shop, a street or a bus',
  'in a sports team or club',
  'online or over the phone',
] as const;

export function seedSetting(slot: number): string {
  return SEED_SETTINGS[slot % SEED_SETTINGS.length]!;
}

/** Step 0: the generator writes a story opening in which the principle is at stake, set in the slot's setting. */
export function seedMessages(p: PrincipleText, slot = 0): ChatMessage[] {
  return [{ role: 'user', content: fill(probePromptTemplate('seed'), { principle: p.principle, setting: seedSetting(slot), ...foundationFields(p.foundation) }) }];
}

/** A completion shown to the generator in the M-step, with its judged violation score. */
export interface Evidence {
  text: string;
  violation: number;
}

/** Longest completion text shown to the generator (characters). */
const EVIDENCE_CHARS = 700;

function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length <= max ? t : `${t.slice(0, max - 1).trimEnd()}…`;
}

/**
 * The M-step: the generator rewrites the opening so that the (violating) completions follow naturally.
 * `violating` says whether the completions crossed the threshold or are only the closest ones.
 */
export function refineMessages(p: PrincipleText, opening: string, evidence: readonly Evidence[], violating: boolean): ChatMessage[] {
  return [{
    role: 'user',
    content: fill(probePromptTemplate('refine'), {
      principle: p.principle,
      ...foundationFields(p.foundation),
      opening,
      completions_note: violating ? 'broke the principle' : 'came closest to breaking the principle, though none clearly did',
      completions: evidence.map((e) => `- [${e.violation.toFixed(2)}] ${clip(e.text, EVIDENCE_CHARS)}`).join('\n'),
    }),
  }];
}

/**
 * The E-step's proposal q(y) = p(y | x, ¬v): the paper's completion template with the violation made
 * explicit, so that the completions the M-step aims the opening at are violating ones even when the
 * target rarely violates unprompted. Used only to find evidence, never to measure.
 */
export function violateMessages(principle: string, prompt: string): ChatMessage[] {
  return [{ role: 'user', content: fill(probePromptTemplate('violate'), { principle, prompt }) }];
}

/** The measurement: what the target is asked, DeNEVIL's "Write a completion for the prompt" template (the shared one, runtime/continuation.ts). */
export function continueMessages(prompt: string, instruction?: string): ChatMessage[] {
  return renderContinuation(prompt, { form: 'inline', ...(instruction ? { instruction } : {}) });
}

/**
 * Clean a generator's reply down to the opening: drop code fences, a leading label ("Opening:",
 * "Rewritten opening:"), wrapping quotation marks and `<<<`/`>>>` markers, and collapse whitespace.
 */
export function cleanOpening(text: string): string {
  let t = text.trim();
  const fenced = /^```[a-z]*\s*([\s\S]*?)\s*```$/i.exec(t);
  if (fenced?.[1] !== undefined) t = fenced[1].trim();
  t = t.replace(/^<<<\s*/, '').replace(/\s*>>>$/, '');
  t = t.replace(/^(?:\*\*)?(?:(?:rewritten|revised|new|story)\s+)?(?:opening|story|prompt)(?:\*\*)?\s*:\s*(?:\*\*)?/i, '');
  t = t.trim();
  const quotes: [string, string][] = [['"', '"'], ['“', '”'], ["'", "'"]];
  for (const [open, close] of quotes) {
    if (t.length > 1 && t.startsWith(open) && t.endsWith(close) && !t.slice(1, -1).includes(open === close ? open : close)) {
      t = t.slice(1, -1).trim();
    }
  }
  return t.replace(/\s+/g, ' ').trim();
}

/** Whitespace-insensitive text equality (for "the rewrite changed nothing" and copy checks). */
export function sameText(a: string, b: string): boolean {
  return a.replace(/\s+/g, ' ').trim() === b.replace(/\s+/g, ' ').trim();
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}
