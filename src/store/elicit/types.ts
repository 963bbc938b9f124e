/**
 * The elicitation store's public types (rows as the API returns them) and the small helpers shared by the
 * repositories and their callers.
 */
import { randomBytes } from 'node:crypto';
import { TenetError } from '../../errors.ts';
import type { ValuesCard } from '../../values/cards.ts';

export interface DeliberationSettings {
  /** Canonical cards shown in the value vote (default 6). */
  valuesToShow: number;
  /** How many of them a participant must pick (default 1). */
  minValuePicks: number;
  /** "Did this person become wiser?" questions per participant (default 4; 3–5 recommended). */
  votesPerParticipant: number;
}

export const DEFAULT_DELIBERATION_SETTINGS: DeliberationSettings = Object.freeze({
  valuesToShow: 6,
  minValuePicks: 1,
  votesPerParticipant: 4,
});

export interface Question {
  id: string;
  deliberationId: string;
  position: number;
  title: string;
  text: string;
  createdAt: string;
}

export interface Deliberation {
  id: string;
  title: string;
  description: string;
  settings: DeliberationSettings;
  createdAt: string;
  updatedAt: string;
}

export interface NewDeliberation {
  id?: string;
  title: string;
  description?: string;
  settings?: Partial<DeliberationSettings>;
  questions: { title: string; text: string }[];
  /** "When …" contexts every question starts with. */
  seedContexts?: string[];
}

export type ContextSource = 'seed' | 'extracted';

export interface ElicitContext {
  id: string;
  deliberationId: string;
  text: string;
  source: ContextSource;
  model: string | null;
  promptVersion: string | null;
  createdAt: string;
}

export interface Participant {
  id: string;
  deliberationId: string;
  label: string;
  createdAt: string;
  joinedAt: string | null;
  lastSeenAt: string | null;
}

/** One entry of an interview transcript. */
export interface TranscriptEntry {
  role: 'user' | 'assistant';
  content: string;
  at: string;
  /**
   * 'message' (default); 'show_card' (the agent showed `card`); 'submit_card' (the agent submitted it);
   * 'confirm' (the participant pressed "this is my value").
   */
  kind?: 'message' | 'show_card' | 'submit_card' | 'confirm';
  card?: ValuesCard;
  /** On 'show_card': how the card was written (articulation model and prompt version) and its quality check. */
  provenance?: { model: string; promptVersion: string; quality: CardQuality };
}

export type ChatStatus = 'open' | 'submitted';

export interface Chat {
  id: string;
  deliberationId: string;
  participantId: string;
  questionId: string;
  messages: TranscriptEntry[];
  provisionalCard: ValuesCard | null;
  /** messages.length when the provisional card was last shown. */
  cardShownAt: number | null;
  status: ChatStatus;
  model: string;
  promptVersion: string;
  createdAt: string;
  updatedAt: string;
}

/** What the card validator found (rules and, optionally, an LLM critique). */
export interface CardQuality {
  ok: boolean;
  issues: { path: string; message: string; source: 'schema' | 'rules' | 'llm' }[];
  /** Model and prompt version of the LLM critique, when one ran. */
  critic?: { model: string; promptVersion: string };
}

export interface PersonalCard {
  id: string;
  deliberationId: string;
  participantId: string;
  questionId: string;
  chatId: string;
  card: ValuesCard;
  quality: CardQuality;
  /** The articulation model and prompt version. */
  model: string;
  promptVersion: string;
  embedding: number[] | null;
  embeddingModel: string | null;
  createdAt: string;
}

export interface CanonicalCard {
  id: string;
  deliberationId: string;
  /** The integer id in graph exports. */
  seq: number;
  card: ValuesCard;
  sourceCardId: string | null;
  embedding: number[] | null;
  embeddingModel: string | null;
  model: string | null;
  promptVersion: string | null;
  createdAt: string;
}

export const LINK_STATUSES = ['self', 'proposed', 'agreed', 'declined'] as const;
export type LinkStatus = (typeof LINK_STATUSES)[number];

export interface CardLink {
  cardId: string;
  /** The canonical card this card counts as (while 'proposed': the proposed one). */
  canonicalId: string;
  /** The canonical card the judge proposed (null for 'self'). */
  proposedId: string | null;
  status: LinkStatus;
  similarity: number | null;
  rationale: string | null;
  model: string | null;
  promptVersion: string | null;
  createdAt: string;
  decidedAt: string | null;
}

export interface Hypothesis {
  id: string;
  deliberationId: string;
  runId: string;
  fromId: string;
  toId: string;
  contextId: string;
  story: string;
  reverseStory: string;
  rationale: string | null;
  model: string;
  promptVersion: string;
  createdAt: string;
}

export type NewHypothesis = Omit<Hypothesis, 'id' | 'createdAt'> & { id?: string; createdAt?: string };

export const VOTE_RELATIONSHIPS = ['upgrade', 'no_upgrade', 'not_sure'] as const;
export type VoteRelationship = (typeof VOTE_RELATIONSHIPS)[number];

export interface Vote {
  id: string;
  deliberationId: string;
  participantId: string;
  hypothesisId: string;
  fromId: string;
  toId: string;
  contextId: string;
  relationship: VoteRelationship;
  storyShown: string;
  direction: 'forward' | 'reverse';
  why: string | null;
  createdAt: string;
  updatedAt: string;
}

export type NewVote = Omit<Vote, 'id' | 'createdAt' | 'updatedAt'> & { createdAt?: string };

export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface Job {
  id: string;
  deliberationId: string;
  kind: string;
  status: JobStatus;
  result: unknown;
  error: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface DeliberationProgress {
  participants: number;
  joined: number;
  chats: number;
  cards: number;
  canonicalCards: number;
  linkedCards: number;
  pendingMerges: number;
  contexts: number;
  hypotheses: number;
  votes: number;
  voters: number;
  valueVotes: number;
  impressions: number;
}

// ---- helpers -----------------------------------------------------------------------------------------

/** "lo|hi": the unordered pair of two canonical card ids. */
export function pairKeyOf(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** A random id (for things with no natural key). */
export function randomId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url')}`;
}

/** Normalises a context's text: trimmed, single spaces. */
export function normaliseContext(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

/** The settings with defaults filled in, each checked (an integer from 1 to 50). */
export function settingsOf(partial: Partial<DeliberationSettings> | undefined): DeliberationSettings {
  const s = { ...DEFAULT_DELIBERATION_SETTINGS, ...partial };
  for (const key of Object.keys(DEFAULT_DELIBERATION_SETTINGS) as (keyof DeliberationSettings)[]) {
    const v = s[key];
    if (!Number.isInteger(v) || v < 1 || v > 50) {
      throw new TenetError('BAD_INPUT', `deliberation settings: ${key} must be an integer from 1 to 50 (got ${JSON.stringify(v)})`);
    }
  }
  return s;
}
