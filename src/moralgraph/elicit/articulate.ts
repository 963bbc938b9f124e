/**
 * Card articulation: turn an interview transcript into a values card, and check it against the quality
 * guidelines (schema via validateValuesCard, fast rules, and optionally an LLM critique). A card that fails
 * is re-articulated once with the problems listed.
 */
import { z } from 'zod';
import { generateObject } from '../../models/structured.ts';
import type { ChatOptions, Provider } from '../../models/types.ts';
import type { CardQuality, TranscriptEntry } from '../../store/elicit-repos.ts';
import {
  VALUES_CARD_MAX_POLICIES,
  VALUES_CARD_MIN_POLICIES,
  VALUES_CARD_TITLE_MAX,
  valuesCardIssues,
  ValuesCardSchema,
  type ValuesCard,
} from '../../values/cards.ts';
import { elicitPrompt, fillPrompt } from './prompts.ts';

type Issue = CardQuality['issues'][number];

/** Words that make a policy vague (the guidelines ask for concrete ones). */
const VAGUE = /\b(meaningful|meaningfully|deep|deeply|profound|authentic|genuine(?:ly)?|appropriate(?:ly)?|important|proper(?:ly)?)\b/i;
/** Negative phrasing: attend to what is there, not to what to avoid. */
const NEGATIVE = /(^|\s)(never|avoid(?:ing|s|ance)?|don't|do not|refrain(?:ing)?|prevent(?:ing)?|steer(?:ing)? clear)\b/i;
/** A means to an end rather than part of the value. */
const INSTRUMENTAL = /\b(in order to|so that|so as to|to ensure|to make sure|to achieve|to get|to maximi[sz]e)\b/i;
/** About what others expect or allow. */
const EXPECTATIONS = /\b(acceptable|expected|supposed to|required|others think|people expect|socially)\b/i;
/** A policy starts with a plural noun in capitals (MOMENTS, CHANCES, SIGNS …), possibly two words. */
const CAPS_HEAD = /^[A-Z][A-Z'’-]{2,}(?:\s+[A-Z][A-Z'’-]+)?\b/;

/** Rule-based quality problems of a (schema-valid or not) card; empty when none. */
export function cardRuleIssues(card: ValuesCard): Issue[] {
  const issues: Issue[] = [];
  card.policies.forEach((policy, i) => {
    const path = `policies[${i}]`;
    const p = policy.trim();
    if (!CAPS_HEAD.test(p)) issues.push({ path, message: 'start with what to attend to as a plural noun in CAPITALS (e.g. "MOMENTS where …")', source: 'rules' });
    const vague = VAGUE.exec(p);
    if (vague) issues.push({ path, message: `be concrete: "${vague[1]}" is vague; say what one actually notices`, source: 'rules' });
    const neg = NEGATIVE.exec(p);
    if (neg) issues.push({ path, message: `phrase it positively (what to attend to), without "${neg[2]}"`, source: 'rules' });
    const inst = INSTRUMENTAL.exec(p);
    if (inst) issues.push({ path, message: `make it constitutive, not instrumental: "${inst[1]}" makes it a means to another goal`, source: 'rules' });
    const exp = EXPECTATIONS.exec(p);
    if (exp) issues.push({ path, message: `make it about what matters, not about others' expectations ("${exp[1]}")`, source: 'rules' });
    if (p.length > 220) issues.push({ path, message: 'shorten it to one clause (at most 220 characters)', source: 'rules' });
  });
  if (card.description.length > 600) issues.push({ path: 'description', message: 'shorten it to one to three sentences', source: 'rules' });
  return issues;
}

/** Every problem of a would-be card: schema (3–7 distinct policies, a title …) and rules. */
export function cardQualityIssues(card: unknown): Issue[] {
  const schema = valuesCardIssues(card).map((i): Issue => ({ path: i.path, message: i.message, source: 'schema' }));
  if (schema.length > 0) return schema;
  return cardRuleIssues(ValuesCardSchema.parse(card));
}

export function formatCard(card: ValuesCard): string {
  return [`Title: ${card.title}`, `Description: ${card.description}`, 'Policies:', ...card.policies.map((p) => `- ${p}`)].join('\n');
}

/** A transcript as plain text for prompts (cards shown become a short note). */
export function transcriptText(messages: readonly TranscriptEntry[], maxChars = 12_000): string {
  const lines = messages.map((m) => {
    if (m.kind === 'show_card' && m.card) return `Interviewer: [showed a values card] ${m.card.title}: ${m.card.policies.join('; ')}`;
    if (m.kind === 'submit_card') return 'Interviewer: [submitted the card]';
    return `${m.role === 'user' ? 'Participant' : 'Interviewer'}: ${m.content}`;
  });
  let text = lines.join('\n');
  if (text.length > maxChars) text = `[…]\n${text.slice(text.length - maxChars)}`;
  return text;
}

/** What the model returns for a card: loose bounds here; the validator judges the rest. */
const CardOutput = z.object({
  title: z.string().min(1).max(VALUES_CARD_TITLE_MAX * 2),
  description: z.string().min(1).max(2000),
  policies: z.array(z.string().min(1).max(500)).min(1).max(12),
});

const CritiqueOutput = z.object({
  issues: z.array(z.object({ path: z.string().max(40), message: z.string().max(500) })).max(20),
});

export interface ArticulateInput {
  question: string;
  messages: readonly TranscriptEntry[];
  /** The interviewer's draft of the policies (from its show_values_card call). */
  draftPolicies?: readonly string[];
  /** The card shown last, when this is a revision. */
  previous?: ValuesCard | null;
}

export interface ArticulateOptions extends Pick<ChatOptions, 'signal'> {
  /** Also ask the model to critique the card against the guidelines (one more call). Default false. */
  llmCritique?: boolean;
  /** Re-articulate once when the card has problems (default true). */
  revise?: boolean;
}

export interface ArticulatedCard {
  /** The best card found; valid against the schema when `quality.issues` has no 'schema' entry. */
  card: ValuesCard;
  quality: CardQuality;
  model: string;
  promptVersion: string;
}

function normaliseCard(raw: z.infer<typeof CardOutput>): ValuesCard {
  return {
    title: raw.title.trim(),
    description: raw.description.trim(),
    policies: raw.policies.map((p) => p.trim().replace(/\s+/g, ' ')).filter((p) => p.length > 0),
  };
}

/** Asks the model to critique a card; returns the issues it names. */
export async function critiqueCard(provider: Provider, card: ValuesCard, options: Pick<ChatOptions, 'signal'> = {}): Promise<{ issues: Issue[]; promptVersion: string }> {
  const prompt = elicitPrompt('critique');
  const { value } = await generateObject(
    provider,
    { messages: [{ role: 'user', content: fillPrompt(prompt.text, { card: formatCard(card) }) }], temperature: 0 },
    CritiqueOutput,
    { name: 'card_critique', noCache: false, ...options },
  );
  return { issues: value.issues.map((i) => ({ path: i.path, message: i.message, source: 'llm' as const })), promptVersion: prompt.version };
}

/**
 * Writes the card the participant described (temperature 0), validates it, and re-articulates once with
 * the problems listed when it has any. Returns the better of the two attempts.
 */
export async function articulateCard(provider: Provider, input: ArticulateInput, options: ArticulateOptions = {}): Promise<ArticulatedCard> {
  const prompt = elicitPrompt('articulate');
  const { signal } = options;
  const attempt = async (issues: Issue[], previous: ValuesCard | null | undefined): Promise<{ card: ValuesCard; quality: CardQuality }> => {
    const content = fillPrompt(prompt.text, {
      question: input.question,
      transcript: transcriptText(input.messages),
      draft: input.draftPolicies?.length
        ? `\nThe interviewer's draft of the attentional policies:\n${input.draftPolicies.map((p) => `- ${p}`).join('\n')}\n`
        : '',
      previous: previous ? `\nThe card shown before (revise it to reflect the conversation since):\n${formatCard(previous)}\n` : '',
      issues: issues.length
        ? `\nA first draft had these problems; fix them:\n${issues.map((i) => `- ${i.path || 'card'}: ${i.message}`).join('\n')}\n`
        : '',
    });
    const { value } = await generateObject(
      provider,
      { messages: [{ role: 'user', content }], temperature: 0 },
      CardOutput,
      { name: 'values_card', ...(signal ? { signal } : {}) },
    );
    const card = normaliseCard(value);
    const found = cardQualityIssues(card);
    const quality: CardQuality = { ok: found.length === 0, issues: found };
    if (options.llmCritique && !found.some((i) => i.source === 'schema')) {
      const critique = await critiqueCard(provider, card, signal ? { signal } : {});
      quality.issues.push(...critique.issues);
      quality.ok = quality.issues.length === 0;
      quality.critic = { model: provider.spec, promptVersion: critique.promptVersion };
    }
    return { card, quality };
  };

  let best = await attempt([], input.previous);
  if (!best.quality.ok && (options.revise ?? true)) {
    const second = await attempt(best.quality.issues, best.card);
    const rank = (q: CardQuality) => (q.issues.some((i) => i.source === 'schema') ? 1000 : 0) + q.issues.length;
    if (rank(second.quality) <= rank(best.quality)) best = second;
  }
  return { ...best, model: provider.spec, promptVersion: prompt.version };
}

/** True when a card may be submitted: it passes the schema (3–7 distinct policies, a title, a description). */
export function isSubmittable(quality: CardQuality): boolean {
  return !quality.issues.some((i) => i.source === 'schema');
}

export { VALUES_CARD_MAX_POLICIES, VALUES_CARD_MIN_POLICIES };
