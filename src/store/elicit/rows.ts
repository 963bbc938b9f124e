/** Row → API object for the elicitation tables, through the store's one generic mapper (../rows.ts). */
import type { Selectable } from 'kysely';
import type { ValuesCard } from '../../values/cards.ts';
import { rowMapper } from '../rows.ts';
import type {
  ElicitCanonicalCardsTable,
  ElicitCardLinksTable,
  ElicitCardsTable,
  ElicitChatsTable,
  ElicitContextsTable,
  ElicitDeliberationsTable,
  ElicitHypothesesTable,
  ElicitJobsTable,
  ElicitParticipantsTable,
  ElicitQuestionsTable,
  ElicitVotesTable,
} from '../schema.ts';
import {
  DEFAULT_DELIBERATION_SETTINGS,
  type CanonicalCard,
  type CardLink,
  type CardQuality,
  type Chat,
  type ChatStatus,
  type ContextSource,
  type Deliberation,
  type ElicitContext,
  type Hypothesis,
  type Job,
  type JobStatus,
  type LinkStatus,
  type Participant,
  type PersonalCard,
  type Question,
  type TranscriptEntry,
  type Vote,
  type VoteRelationship,
} from './types.ts';

/** A card stored as title, description and policies_json (parsed to `policies`). */
function cardOf(row: { title: string; description: string; policies: unknown }): ValuesCard {
  return { title: row.title, description: row.description, policies: row.policies as string[] };
}

const deliberationRow = rowMapper<Selectable<ElicitDeliberationsTable>>()('elicit_deliberations', { json: ['settings_json'] });
export function toDeliberation(row: Selectable<ElicitDeliberationsTable>): Deliberation {
  const { settings, ...rest } = deliberationRow(row);
  return { ...rest, settings: { ...DEFAULT_DELIBERATION_SETTINGS, ...(settings as object) } };
}

export const toQuestion: (row: Selectable<ElicitQuestionsTable>) => Question = rowMapper<Selectable<ElicitQuestionsTable>>()('elicit_questions', {
  numbers: ['position'],
});

const contextRow = rowMapper<Selectable<ElicitContextsTable>>()('elicit_contexts');
export function toContext(row: Selectable<ElicitContextsTable>): ElicitContext {
  const c = contextRow(row);
  return { ...c, source: c.source as ContextSource };
}

const participantRow = rowMapper<Selectable<ElicitParticipantsTable>>()('elicit_participants');
/** The participant, without the token hash (which never leaves the store). */
export function toParticipant(row: Selectable<ElicitParticipantsTable>): Participant {
  const { tokenHash: _hash, ...p } = participantRow(row);
  return p;
}

const chatRow = rowMapper<Selectable<ElicitChatsTable>>()('elicit_chats', {
  json: ['messages_json', 'provisional_card_json'],
  numbers: ['card_shown_at'],
});
export function toChat(row: Selectable<ElicitChatsTable>): Chat {
  const c = chatRow(row);
  return { ...c, messages: c.messages as TranscriptEntry[], provisionalCard: c.provisionalCard as ValuesCard | null, status: c.status as ChatStatus };
}

const personalCardRow = rowMapper<Selectable<ElicitCardsTable>>()('elicit_cards', { json: ['policies_json', 'quality_json', 'embedding_json'] });
export function toPersonalCard(row: Selectable<ElicitCardsTable>): PersonalCard {
  const mapped = personalCardRow(row);
  const { title: _t, description: _d, policies: _p, ...c } = mapped;
  return { ...c, card: cardOf(mapped), quality: c.quality as CardQuality, embedding: c.embedding as number[] | null };
}

const canonicalRow = rowMapper<Selectable<ElicitCanonicalCardsTable>>()('elicit_canonical_cards', {
  json: ['policies_json', 'embedding_json'],
  numbers: ['seq'],
});
export function toCanonical(row: Selectable<ElicitCanonicalCardsTable>): CanonicalCard {
  const mapped = canonicalRow(row);
  const { title: _t, description: _d, policies: _p, ...c } = mapped;
  return { ...c, card: cardOf(mapped), embedding: c.embedding as number[] | null };
}

const linkRow = rowMapper<Selectable<ElicitCardLinksTable>>()('elicit_card_links', { numbers: ['similarity'], key: 'card_id' });
export function toLink(row: Selectable<ElicitCardLinksTable>): CardLink {
  const l = linkRow(row);
  return { ...l, status: l.status as LinkStatus };
}

export const toHypothesis: (row: Selectable<ElicitHypothesesTable>) => Hypothesis = rowMapper<Selectable<ElicitHypothesesTable>>()('elicit_hypotheses');

const voteRow = rowMapper<Selectable<ElicitVotesTable>>()('elicit_votes');
/** The vote (its `pair_key` is the store's uniqueness key, not part of the API). */
export function toVote(row: Selectable<ElicitVotesTable>): Vote {
  const { pairKey: _k, ...v } = voteRow(row);
  return { ...v, relationship: v.relationship as VoteRelationship, direction: v.direction as Vote['direction'] };
}

const jobRow = rowMapper<Selectable<ElicitJobsTable>>()('elicit_jobs', { json: ['result_json'] });
export function toJob(row: Selectable<ElicitJobsTable>): Job {
  const j = jobRow(row);
  return { ...j, status: j.status as JobStatus };
}
