/**
 * The elicitation prompts: versioned files under prompts/moralgraph/ (NAME.vN.md). Every artefact an LLM
 * step produces records `promptVersion` = `NAME.vN#HASH`, where HASH is the first 8 hex characters of the
 * SHA-256 of the file's text, so an edited prompt is told apart even before its version is bumped.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export const ELICIT_PROMPTS = {
  interview: 'interview.v1',
  articulate: 'articulate.v1',
  critique: 'critique.v1',
  dedupe: 'dedupe.v1',
  contexts: 'contexts.v1',
  upgrades: 'upgrades.v1',
  reverseStory: 'reverse-story.v1',
} as const;

export type ElicitPromptName = keyof typeof ELICIT_PROMPTS;

export interface PromptTemplate {
  name: ElicitPromptName;
  /** `interview.v1#1a2b3c4d`. */
  version: string;
  text: string;
}

const cache = new Map<ElicitPromptName, PromptTemplate>();

/** One prompt file, with its version. */
export function elicitPrompt(name: ElicitPromptName): PromptTemplate {
  let t = cache.get(name);
  if (!t) {
    const file = ELICIT_PROMPTS[name];
    const text = readFileSync(new URL(`../../../prompts/moralgraph/${file}.md`, import.meta.url), 'utf8');
    const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
    t = { name, version: `${file}#${hash}`, text };
    cache.set(name, t);
  }
  return t;
}

/** Fills `{{key}}` placeholders (missing keys become empty). */
export function fillPrompt(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '').trim();
}
