/**
 * The interview agent: one turn of a staged conversation that draws out a personal story, asks until the
 * attentional policies are concrete, shows a values card (tool `show_values_card`, whose card is written
 * by the articulation step), lets the participant revise it, and submits it (tool `submit_values_card`)
 * only after the participant has answered the card they were shown.
 *
 * Tool gating, enforced here and not left to the model:
 *  - `submit_values_card` is offered only when a card has been shown and the participant has replied since;
 *  - a submit the model makes anyway, too early, is refused and becomes a request to confirm.
 */
import type { ChatMessage, ChatOptions, Provider, ToolDefinition } from '../../models/types.ts';
import type { CardQuality, TranscriptEntry } from '../../store/elicit-repos.ts';
import type { ValuesCard } from '../../values/cards.ts';
import { articulateCard, formatCard, isSubmittable, type ArticulateOptions } from './articulate.ts';
import { elicitPrompt, fillPrompt } from './prompts.ts';

export const SHOW_CARD_TOOL: ToolDefinition = {
  name: 'show_values_card',
  description:
    'Show the participant a values card for what they have described so far. Call it only when you know several concrete, coherent things they pay attention to. The card itself is written from the conversation; pass your draft of the attentional policies.',
  parameters: {
    type: 'object',
    properties: {
      policies: { type: 'array', items: { type: 'string' }, description: 'Your draft of the attentional policies (3–7), each starting with a plural noun in CAPITALS.' },
    },
    additionalProperties: false,
  },
};

export const SUBMIT_CARD_TOOL: ToolDefinition = {
  name: 'submit_values_card',
  description: 'Submit the values card last shown. Call it only after the participant has clearly confirmed that the card captures what they care about.',
  parameters: { type: 'object', properties: {}, additionalProperties: false },
};

/** What a turn knows about the chat. */
export interface InterviewState {
  question: string;
  messages: readonly TranscriptEntry[];
  provisionalCard: ValuesCard | null;
  /** messages.length when the provisional card was shown. */
  cardShownAt: number | null;
}

export type InterviewOutcome =
  | { kind: 'message'; text: string }
  | { kind: 'show_card'; text: string; card: ValuesCard; quality: CardQuality; articulation: { model: string; promptVersion: string } }
  | { kind: 'submit_card'; text: string; card: ValuesCard };

export interface InterviewOptions extends Pick<ChatOptions, 'signal'> {
  /** Called with each streamed text delta of the interviewer's reply. */
  onDelta?: (delta: string) => void;
  /** Sampling temperature of the interviewer (default 0.7, as in the study). */
  temperature?: number;
  maxTokens?: number;
  articulate?: ArticulateOptions;
}

export const CARD_SHOWN_TEXT =
  'Here is a values card based on what you told me. Does it capture what you care about? Tell me what to change, or confirm it if it fits.';
export const CONFIRM_FIRST_TEXT = 'Before I submit anything: does the card above capture what you care about? Tell me what to change, or confirm it.';
export const SUBMITTED_TEXT = 'Thank you. Your values card is submitted.';
export const NEED_MORE_TEXT = 'I want to get this right. Could you tell me a little more about what you were paying attention to in that moment?';

/** Whether the participant has answered the card shown (a message from them after it). */
export function participantAnsweredCard(state: Pick<InterviewState, 'messages' | 'provisionalCard' | 'cardShownAt'>): boolean {
  if (!state.provisionalCard || state.cardShownAt === null) return false;
  return state.messages.slice(state.cardShownAt).some((m) => m.role === 'user');
}

function stateNote(state: InterviewState): string {
  if (!state.provisionalCard) return '';
  const answered = participantAnsweredCard(state);
  return `\nThe participant has been shown this card:\n${formatCard(state.provisionalCard)}\n${
    answered
      ? 'They have replied since. If they confirmed it, call submit_values_card; if they asked for changes, ask what you need and call show_values_card again.'
      : 'Wait for their reaction before submitting.'
  }`;
}

/** The chat messages the interviewer sees: its system prompt and the transcript (cards become notes). */
export function interviewMessages(state: InterviewState): ChatMessage[] {
  const prompt = elicitPrompt('interview');
  const out: ChatMessage[] = [{ role: 'system', content: fillPrompt(prompt.text, { question: state.question, state_note: stateNote(state) }) }];
  for (const m of state.messages) {
    if (m.kind === 'show_card' && m.card) {
      out.push({ role: 'assistant', content: `${m.content}\n\n[values card shown]\n${formatCard(m.card)}` });
    } else if (m.kind === 'submit_card') {
      out.push({ role: 'assistant', content: m.content });
    } else {
      out.push({ role: m.role, content: m.content });
    }
  }
  if (out.length === 1) {
    // Some APIs need a user turn first; the interview starts with the interviewer's opening question.
    out.push({ role: 'user', content: '(The participant has opened the conversation. Greet them briefly and ask your first question.)' });
  }
  return out;
}

export function interviewPromptVersion(): string {
  return elicitPrompt('interview').version;
}

function draftPolicies(args: unknown): string[] {
  const p = (args as { policies?: unknown } | null)?.policies;
  return Array.isArray(p) ? p.filter((x): x is string => typeof x === 'string').slice(0, 12) : [];
}

/** One interviewer turn: streamed text, or a card shown (articulated and validated), or the card submitted. */
export async function interviewTurn(provider: Provider, state: InterviewState, options: InterviewOptions = {}): Promise<InterviewOutcome> {
  const canSubmit = participantAnsweredCard(state);
  const tools = canSubmit ? [SHOW_CARD_TOOL, SUBMIT_CARD_TOOL] : [SHOW_CARD_TOOL];
  let streamed = '';
  const response = await provider.chat(
    {
      messages: interviewMessages(state),
      tools,
      temperature: options.temperature ?? 0.7,
      ...(options.maxTokens ? { maxTokens: options.maxTokens } : {}),
    },
    {
      noCache: true,
      ...(options.signal ? { signal: options.signal } : {}),
      onDelta: (_i, delta) => {
        streamed += delta;
        options.onDelta?.(delta);
      },
    },
  );
  const sample = response.samples[0];
  const text = (sample?.text ?? response.text ?? '').trim();
  const call = sample?.toolCalls?.[0];
  if (!call) return { kind: 'message', text: text || streamed.trim() || NEED_MORE_TEXT };

  if (call.name === 'submit_values_card') {
    if (canSubmit && state.provisionalCard) return { kind: 'submit_card', text: text || SUBMITTED_TEXT, card: state.provisionalCard };
    return { kind: 'message', text: CONFIRM_FIRST_TEXT };
  }
  if (call.name === 'show_values_card') {
    const articulated = await articulateCard(
      provider,
      { question: state.question, messages: state.messages, draftPolicies: draftPolicies(call.arguments), previous: state.provisionalCard },
      { ...options.articulate, ...(options.signal ? { signal: options.signal } : {}) },
    );
    if (!isSubmittable(articulated.quality)) return { kind: 'message', text: NEED_MORE_TEXT };
    return {
      kind: 'show_card',
      text: text || CARD_SHOWN_TEXT,
      card: articulated.card,
      quality: articulated.quality,
      articulation: { model: articulated.model, promptVersion: articulated.promptVersion },
    };
  }
  // An unknown tool: treat the turn as text.
  return { kind: 'message', text: text || NEED_MORE_TEXT };
}
