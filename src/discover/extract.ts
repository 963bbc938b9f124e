/**
 * Extraction: the versioned prompt (prompts/discover/extract.v1.md) and the JSON schema the extractor answers
 * with, and the parser of each stored reply. A reply that does not parse is counted as unparsed and shown
 * (its conversation id and why), never dropped silently.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { extractJson } from '../models/structured.ts';
import type { ChatMessage, JsonSchemaRequest } from '../models/types.ts';
import type { Conversation } from './input.ts';
import { renderTranscript } from './input.ts';

export const EXTRACT_PROMPT_VERSION = 'v1';
export const NAME_PROMPT_VERSION = 'v1';

const prompts = new Map<string, string>();
export function discoverPrompt(name: 'extract' | 'name'): string {
  const version = name === 'extract' ? EXTRACT_PROMPT_VERSION : NAME_PROMPT_VERSION;
  let text = prompts.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`../../prompts/discover/${name}.${version}.md`, import.meta.url), 'utf8');
    prompts.set(name, text);
  }
  return text;
}

const phrase = z.string().max(200);
export const assistantValueSchema = z.object({
  value: phrase,
  quote: z.string().max(2000),
  mode: z.enum(['stated', 'enacted']).optional(),
  under_pressure: z.boolean().optional(),
});
export const extractionSchema = z.object({
  values: z.array(assistantValueSchema).max(50),
  user_values: z.array(z.object({ value: phrase, quote: z.string().max(2000) })).max(50).optional(),
});
export type Extraction = z.infer<typeof extractionSchema>;

/**
 * The schema sent with every extraction request (name `values`): an array `values` of `{value, quote, mode,
 * under_pressure}` and an array `user_values` of `{value, quote}`. Written out plainly (every property required,
 * no length bounds) so that grammar-based backends (llama.cpp) can compile it; the parser applies the bounds.
 */
/** Values listed per side at most (asked in the schema, so a small model cannot loop until its token limit). */
export const MAX_VALUES_PER_REPLY = 8;

export function extractionJsonSchema(maxItems = MAX_VALUES_PER_REPLY): JsonSchemaRequest {
  const str = { type: 'string' };
  const schema = {
    type: 'object',
    properties: {
      values: {
        type: 'array',
        items: {
          type: 'object',
          properties: { value: str, quote: str, mode: { type: 'string', enum: ['stated', 'enacted'] }, under_pressure: { type: 'boolean' } },
          required: ['value', 'quote', 'mode', 'under_pressure'],
          additionalProperties: false,
        },
        maxItems,
      },
      user_values: {
        type: 'array',
        maxItems,
        items: { type: 'object', properties: { value: str, quote: str }, required: ['value', 'quote'], additionalProperties: false },
      },
    },
    required: ['values', 'user_values'],
    additionalProperties: false,
  };
  return { name: 'values', schema, description: 'the values the assistant (values) and the user (user_values) express in the conversation' };
}

export const nameSchema = z.object({ name: z.string().min(1).max(200) });

/** The messages the extractor gets for one conversation. */
export function extractionMessages(conversation: Pick<Conversation, 'messages'>): ChatMessage[] {
  const transcript = renderTranscript(conversation as Conversation);
  return [{ role: 'user', content: discoverPrompt('extract').replace('{{transcript}}', () => transcript) }];
}

/** A value phrase normalised: lowercase, single spaces, no surrounding punctuation or articles. */
export function normalisePhrase(text: string): string {
  return text.toLowerCase().normalize('NFKC').replace(/[\s_]+/g, ' ').replace(/^[\s"'`.,;:!?()[\]-]+|[\s"'`.,;:!?()[\]-]+$/g, '').replace(/^(the|a|an) /, '').trim();
}

export interface ExpressedValue {
  phrase: string;
  quote: string;
  mode: 'stated' | 'enacted';
  underPressure: boolean;
}

export type ParsedExtraction =
  | { ok: true; assistant: ExpressedValue[]; user: { phrase: string; quote: string }[] }
  | { ok: false; why: string };

/** Parse a stored reply: JSON (bare, fenced or inside text) matching the schema; phrases normalised and deduplicated. */
export function parseExtraction(text: string): ParsedExtraction {
  let json: unknown;
  try {
    json = extractJson(text);
  } catch {
    return { ok: false, why: 'the reply is not JSON' };
  }
  const r = extractionSchema.safeParse(json);
  if (!r.success) return { ok: false, why: r.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ') };
  const assistant: ExpressedValue[] = [];
  const seen = new Set<string>();
  for (const v of r.data.values) {
    const p = normalisePhrase(v.value);
    if (!p || p.length > 80 || seen.has(p)) continue;
    seen.add(p);
    assistant.push({ phrase: p, quote: v.quote.trim(), mode: v.mode ?? 'stated', underPressure: v.under_pressure === true });
  }
  const userSeen = new Set<string>();
  const user: { phrase: string; quote: string }[] = [];
  for (const v of r.data.user_values ?? []) {
    const p = normalisePhrase(v.value);
    if (!p || p.length > 80 || userSeen.has(p)) continue;
    userSeen.add(p);
    user.push({ phrase: p, quote: v.quote.trim() });
  }
  return { ok: true, assistant, user };
}
