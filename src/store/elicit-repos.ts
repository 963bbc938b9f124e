/**
 * Repositories for Moral Graph Elicitation (tables from migration 0002_elicitation). One implementation
 * for SQLite and Postgres, like repos.ts: Kysely's builder only, ON CONFLICT for idempotent writes, ISO
 * timestamps as text, JSON as TEXT.
 *
 *   const elicit = elicitRepos(store);
 *   const d = await elicit.deliberations.create({ title, questions: [{ title, text }], seedContexts: ['When in distress'] });
 *   await elicit.votes.cast({ ... });      // a second vote on the same pair and context replaces the first
 *
 * Nothing here knows about HTTP or LLMs; authorization is the caller's job (every read that a participant
 * can trigger takes the participant id and filters by it).
 */
import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { TenetError } from '../errors.ts';
import type { ValuesCard } from '../values/cards.ts';
import { stableId } from './ids.ts';
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
  ElicitSchema,
  ElicitVotesTable,
} from './schema.ts';
import type { Store } from './types.ts';
import { chunk, guardRepo, nowIso, parseJson, toNumber } from './util.ts';

type Db = Kysely<ElicitSchema>;

// ---- public types ------------------------------------------------------------------------------------

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

function settingsOf(partial: Partial<DeliberationSettings> | undefined): DeliberationSettings {
  const s = { ...DEFAULT_DELIBERATION_SETTINGS, ...partial };
  for (const key of Object.keys(DEFAULT_DELIBERATION_SETTINGS) as (keyof DeliberationSettings)[]) {
    const v = s[key];
    if (!Number.isInteger(v) || v < 1 || v > 50) {
      throw new TenetError('BAD_INPUT', `deliberation settings: ${key} must be an integer from 1 to 50 (got ${JSON.stringify(v)})`);
    }
  }
  return s;
}

function cardOf(row: { title: string; description: string; policies_json: string }, what: string): ValuesCard {
  return { title: row.title, description: row.description, policies: parseJson(row.policies_json, what) as string[] };
}

function vectorOf(json: string | null, what: string): number[] | null {
  return json === null ? null : (parseJson(json, what) as number[]);
}

function toDeliberation(row: Selectable<ElicitDeliberationsTable>): Deliberation {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    settings: { ...DEFAULT_DELIBERATION_SETTINGS, ...(parseJson(row.settings_json, `settings of deliberation ${row.id}`) as object) },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toQuestion(row: Selectable<ElicitQuestionsTable>): Question {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    position: toNumber(row.position),
    title: row.title,
    text: row.text,
    createdAt: row.created_at,
  };
}

function toContext(row: Selectable<ElicitContextsTable>): ElicitContext {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    text: row.text,
    source: row.source as ContextSource,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
  };
}

function toParticipant(row: Selectable<ElicitParticipantsTable>): Participant {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    label: row.label,
    createdAt: row.created_at,
    joinedAt: row.joined_at,
    lastSeenAt: row.last_seen_at,
  };
}

function toChat(row: Selectable<ElicitChatsTable>): Chat {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    participantId: row.participant_id,
    questionId: row.question_id,
    messages: parseJson(row.messages_json, `messages of chat ${row.id}`) as TranscriptEntry[],
    provisionalCard: row.provisional_card_json === null ? null : (parseJson(row.provisional_card_json, `card of chat ${row.id}`) as ValuesCard),
    cardShownAt: row.card_shown_at === null ? null : toNumber(row.card_shown_at),
    status: row.status as ChatStatus,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toPersonalCard(row: Selectable<ElicitCardsTable>): PersonalCard {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    participantId: row.participant_id,
    questionId: row.question_id,
    chatId: row.chat_id,
    card: cardOf(row, `policies of card ${row.id}`),
    quality: parseJson(row.quality_json, `quality of card ${row.id}`) as CardQuality,
    model: row.model,
    promptVersion: row.prompt_version,
    embedding: vectorOf(row.embedding_json, `embedding of card ${row.id}`),
    embeddingModel: row.embedding_model,
    createdAt: row.created_at,
  };
}

function toCanonical(row: Selectable<ElicitCanonicalCardsTable>): CanonicalCard {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    seq: toNumber(row.seq),
    card: cardOf(row, `policies of canonical card ${row.id}`),
    sourceCardId: row.source_card_id,
    embedding: vectorOf(row.embedding_json, `embedding of canonical card ${row.id}`),
    embeddingModel: row.embedding_model,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
  };
}

function toLink(row: Selectable<ElicitCardLinksTable>): CardLink {
  return {
    cardId: row.card_id,
    canonicalId: row.canonical_id,
    proposedId: row.proposed_id,
    status: row.status as LinkStatus,
    similarity: row.similarity === null ? null : toNumber(row.similarity),
    rationale: row.rationale,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}

function toHypothesis(row: Selectable<ElicitHypothesesTable>): Hypothesis {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    runId: row.run_id,
    fromId: row.from_id,
    toId: row.to_id,
    contextId: row.context_id,
    story: row.story,
    reverseStory: row.reverse_story,
    rationale: row.rationale,
    model: row.model,
    promptVersion: row.prompt_version,
    createdAt: row.created_at,
  };
}

function toVote(row: Selectable<ElicitVotesTable>): Vote {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    participantId: row.participant_id,
    hypothesisId: row.hypothesis_id,
    fromId: row.from_id,
    toId: row.to_id,
    contextId: row.context_id,
    relationship: row.relationship as VoteRelationship,
    storyShown: row.story_shown,
    direction: row.direction as 'forward' | 'reverse',
    why: row.why,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toJob(row: Selectable<ElicitJobsTable>): Job {
  return {
    id: row.id,
    deliberationId: row.deliberation_id,
    kind: row.kind,
    status: row.status as JobStatus,
    result: row.result_json === null ? null : parseJson(row.result_json, `result of job ${row.id}`),
    error: row.error,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function driverCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

function isUniqueViolation(e: unknown): boolean {
  const code = driverCode(e);
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY');
}

function isRetryable(e: unknown): boolean {
  const code = driverCode(e);
  return code === '40P01' || code === '40001';
}

// ---- the repositories --------------------------------------------------------------------------------

function build(db: Db, root: Db) {
  /** Runs fn in a transaction (or in the current one), retrying Postgres deadlocks and unique races. */
  async function tx<T>(fn: (repos: ElicitRepos) => Promise<T>, retries = 3): Promise<T> {
    if (db !== root) return fn(make(db, root));
    for (let attempt = 0; ; attempt++) {
      try {
        return await root.transaction().execute((trx) => fn(make(trx as unknown as Db, root)));
      } catch (e) {
        if (attempt >= retries || !(isRetryable(e) || isUniqueViolation(e))) throw e;
        await new Promise((r) => setTimeout(r, 5 + Math.random() * 30 * (attempt + 1)));
      }
    }
  }

  const deliberations = {
    async create(input: NewDeliberation): Promise<{ deliberation: Deliberation; questions: Question[]; contexts: ElicitContext[] }> {
      const title = input.title.trim();
      if (!title) throw new TenetError('BAD_INPUT', 'a deliberation needs a title');
      if (input.questions.length === 0) throw new TenetError('BAD_INPUT', 'a deliberation needs at least one question');
      const settings = settingsOf(input.settings);
      const id = input.id ?? randomId('d');
      const now = nowIso();
      return tx(async (r) => {
        await r.db
          .insertInto('elicit_deliberations')
          .values({ id, title, description: input.description?.trim() ?? '', settings_json: JSON.stringify(settings), created_at: now, updated_at: now })
          .execute();
        const questions = input.questions.map((q, i) => ({
          id: stableId('question', id, i),
          deliberation_id: id,
          position: i,
          title: q.title.trim() || `Question ${i + 1}`,
          text: q.text.trim(),
          created_at: now,
        }));
        await r.db.insertInto('elicit_questions').values(questions).execute();
        const contexts = await r.contexts.upsertMany(id, input.seedContexts ?? [], 'seed');
        for (const q of questions) await r.contexts.linkQuestion(q.id, contexts.map((c) => c.id));
        const deliberation = await r.deliberations.get(id);
        return { deliberation: deliberation!, questions: questions.map(toQuestion), contexts };
      });
    },
    async get(id: string): Promise<Deliberation | undefined> {
      const row = await db.selectFrom('elicit_deliberations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toDeliberation(row) : undefined;
    },
    async list(): Promise<Deliberation[]> {
      const rows = await db.selectFrom('elicit_deliberations').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
      return rows.map(toDeliberation);
    },
    async questions(deliberationId: string): Promise<Question[]> {
      const rows = await db.selectFrom('elicit_questions').selectAll().where('deliberation_id', '=', deliberationId).orderBy('position').execute();
      return rows.map(toQuestion);
    },
    async question(id: string): Promise<Question | undefined> {
      const row = await db.selectFrom('elicit_questions').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toQuestion(row) : undefined;
    },
    async progress(deliberationId: string): Promise<DeliberationProgress> {
      const count = async (table: keyof ElicitSchema & `elicit_${string}`, extra?: (q: any) => any): Promise<number> => {
        let q: any = db.selectFrom(table as any).select((eb: any) => eb.fn.countAll().as('n')).where('deliberation_id', '=', deliberationId);
        if (extra) q = extra(q);
        const row = await q.executeTakeFirst();
        return toNumber(row?.n);
      };
      const linkCount = async (status?: LinkStatus): Promise<number> => {
        let q = db
          .selectFrom('elicit_card_links as l')
          .innerJoin('elicit_cards as c', 'c.id', 'l.card_id')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('c.deliberation_id', '=', deliberationId);
        if (status) q = q.where('l.status', '=', status);
        return toNumber((await q.executeTakeFirst())?.n);
      };
      const voters = await db
        .selectFrom('elicit_votes')
        .select((eb) => eb.fn.count('participant_id').distinct().as('n'))
        .where('deliberation_id', '=', deliberationId)
        .executeTakeFirst();
      return {
        participants: await count('elicit_participants'),
        joined: await count('elicit_participants', (q) => q.where('joined_at', 'is not', null)),
        chats: await count('elicit_chats'),
        cards: await count('elicit_cards'),
        canonicalCards: await count('elicit_canonical_cards'),
        linkedCards: await linkCount(),
        pendingMerges: await linkCount('proposed'),
        contexts: await count('elicit_contexts'),
        hypotheses: await count('elicit_hypotheses'),
        votes: await count('elicit_votes'),
        voters: toNumber(voters?.n),
        valueVotes: await count('elicit_value_votes'),
        impressions: await count('elicit_impressions'),
      };
    },
  };

  const contexts = {
    /** Adds contexts (idempotent on the normalised text) and returns them all, in the order given. */
    async upsertMany(
      deliberationId: string,
      texts: readonly string[],
      source: ContextSource,
      provenance: { model?: string; promptVersion?: string } = {},
    ): Promise<ElicitContext[]> {
      const wanted = [...new Set(texts.map(normaliseContext).filter((t) => t.length > 0))];
      if (wanted.length === 0) return [];
      const now = nowIso();
      const rows = wanted.map((text) => ({
        id: stableId('context', deliberationId, text),
        deliberation_id: deliberationId,
        text,
        source,
        model: provenance.model ?? null,
        prompt_version: provenance.promptVersion ?? null,
        created_at: now,
      }));
      for (const part of chunk(rows, 200)) {
        await db.insertInto('elicit_contexts').values(part).onConflict((oc) => oc.doNothing()).execute();
      }
      const found = await db
        .selectFrom('elicit_contexts')
        .selectAll()
        .where('deliberation_id', '=', deliberationId)
        .where('text', 'in', wanted)
        .execute();
      const byText = new Map(found.map((r) => [r.text, toContext(r)]));
      return wanted.map((t) => byText.get(t)).filter((c): c is ElicitContext => c !== undefined);
    },
    async list(deliberationId: string): Promise<ElicitContext[]> {
      const rows = await db.selectFrom('elicit_contexts').selectAll().where('deliberation_id', '=', deliberationId).orderBy('text').execute();
      return rows.map(toContext);
    },
    async get(id: string): Promise<ElicitContext | undefined> {
      const row = await db.selectFrom('elicit_contexts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toContext(row) : undefined;
    },
    async linkQuestion(questionId: string, contextIds: readonly string[]): Promise<void> {
      if (contextIds.length === 0) return;
      const q = await db.selectFrom('elicit_questions').select('deliberation_id').where('id', '=', questionId).executeTakeFirst();
      if (!q) throw new TenetError('NOT_FOUND', `no question ${questionId}`);
      await db
        .insertInto('elicit_question_contexts')
        .values([...new Set(contextIds)].map((context_id) => ({ question_id: questionId, context_id, deliberation_id: q.deliberation_id })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async forQuestion(questionId: string): Promise<ElicitContext[]> {
      const rows = await db
        .selectFrom('elicit_question_contexts as qc')
        .innerJoin('elicit_contexts as c', 'c.id', 'qc.context_id')
        .selectAll('c')
        .where('qc.question_id', '=', questionId)
        .orderBy('c.text')
        .execute();
      return rows.map(toContext);
    },
    async linkChat(chatId: string, contextIds: readonly string[], provenance: { model?: string; promptVersion?: string } = {}): Promise<void> {
      if (contextIds.length === 0) return;
      const now = nowIso();
      await db
        .insertInto('elicit_chat_contexts')
        .values([...new Set(contextIds)].map((context_id) => ({
          chat_id: chatId,
          context_id,
          model: provenance.model ?? null,
          prompt_version: provenance.promptVersion ?? null,
          created_at: now,
        })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    async forChat(chatId: string): Promise<ElicitContext[]> {
      const rows = await db
        .selectFrom('elicit_chat_contexts as cc')
        .innerJoin('elicit_contexts as c', 'c.id', 'cc.context_id')
        .selectAll('c')
        .where('cc.chat_id', '=', chatId)
        .orderBy('c.text')
        .execute();
      return rows.map(toContext);
    },
    /** (chat, context) links of a deliberation. */
    async chatLinks(deliberationId: string): Promise<{ chatId: string; contextId: string }[]> {
      const rows = await db
        .selectFrom('elicit_chat_contexts as cc')
        .innerJoin('elicit_chats as ch', 'ch.id', 'cc.chat_id')
        .select(['cc.chat_id', 'cc.context_id'])
        .where('ch.deliberation_id', '=', deliberationId)
        .orderBy('cc.chat_id')
        .orderBy('cc.context_id')
        .execute();
      return rows.map((r) => ({ chatId: r.chat_id, contextId: r.context_id }));
    },
  };

  const participants = {
    async create(deliberationId: string, input: { tokenHash: string; label?: string; id?: string }): Promise<Participant> {
      if (!/^[0-9a-f]{64}$/.test(input.tokenHash)) throw new TenetError('BAD_INPUT', 'participants.create: tokenHash must be a SHA-256 hex digest');
      const row = {
        id: input.id ?? randomId('p'),
        deliberation_id: deliberationId,
        token_hash: input.tokenHash,
        label: input.label?.trim() ?? '',
        created_at: nowIso(),
        joined_at: null,
        last_seen_at: null,
      };
      await db.insertInto('elicit_participants').values(row).execute();
      return toParticipant(row);
    },
    async get(id: string): Promise<Participant | undefined> {
      const row = await db.selectFrom('elicit_participants').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toParticipant(row) : undefined;
    },
    async byTokenHash(tokenHash: string): Promise<Participant | undefined> {
      const row = await db.selectFrom('elicit_participants').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      return row ? toParticipant(row) : undefined;
    },
    async list(deliberationId: string): Promise<Participant[]> {
      const rows = await db
        .selectFrom('elicit_participants')
        .selectAll()
        .where('deliberation_id', '=', deliberationId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toParticipant);
    },
    async markJoined(id: string): Promise<void> {
      const now = nowIso();
      await db.updateTable('elicit_participants').set({ joined_at: now, last_seen_at: now }).where('id', '=', id).where('joined_at', 'is', null).execute();
    },
    async touch(id: string): Promise<void> {
      await db.updateTable('elicit_participants').set({ last_seen_at: nowIso() }).where('id', '=', id).execute();
    },
  };

  const sessions = {
    async create(sessionHash: string, participantId: string, expiresAt: string): Promise<void> {
      await db
        .insertInto('elicit_sessions')
        .values({ id: sessionHash, participant_id: participantId, created_at: nowIso(), expires_at: expiresAt })
        .execute();
    },
    /** The participant a session belongs to, if the session exists and has not expired. */
    async participant(sessionHash: string, now: string = nowIso()): Promise<Participant | undefined> {
      const row = await db
        .selectFrom('elicit_sessions as s')
        .innerJoin('elicit_participants as p', 'p.id', 's.participant_id')
        .selectAll('p')
        .where('s.id', '=', sessionHash)
        .where('s.expires_at', '>', now)
        .executeTakeFirst();
      return row ? toParticipant(row) : undefined;
    },
    async delete(sessionHash: string): Promise<void> {
      await db.deleteFrom('elicit_sessions').where('id', '=', sessionHash).execute();
    },
  };

  const chats = {
    /** The participant's chat on a question (one per participant and question), created on first use. */
    async open(participant: Participant, questionId: string, provenance: { model: string; promptVersion: string }): Promise<Chat> {
      const id = stableId('chat', participant.id, questionId);
      const now = nowIso();
      await db
        .insertInto('elicit_chats')
        .values({
          id,
          deliberation_id: participant.deliberationId,
          participant_id: participant.id,
          question_id: questionId,
          messages_json: '[]',
          provisional_card_json: null,
          card_shown_at: null,
          status: 'open',
          model: provenance.model,
          prompt_version: provenance.promptVersion,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.doNothing())
        .execute();
      return (await chats.get(id))!;
    },
    async get(id: string): Promise<Chat | undefined> {
      const row = await db.selectFrom('elicit_chats').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toChat(row) : undefined;
    },
    /** A chat only if it belongs to this participant. */
    async getOwned(id: string, participantId: string): Promise<Chat | undefined> {
      const row = await db.selectFrom('elicit_chats').selectAll().where('id', '=', id).where('participant_id', '=', participantId).executeTakeFirst();
      return row ? toChat(row) : undefined;
    },
    async forParticipant(participantId: string): Promise<Chat[]> {
      const rows = await db.selectFrom('elicit_chats').selectAll().where('participant_id', '=', participantId).orderBy('created_at').execute();
      return rows.map(toChat);
    },
    async list(deliberationId: string): Promise<Chat[]> {
      const rows = await db.selectFrom('elicit_chats').selectAll().where('deliberation_id', '=', deliberationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toChat);
    },
    async save(chat: Pick<Chat, 'id' | 'messages' | 'provisionalCard' | 'cardShownAt' | 'status'> & { model?: string; promptVersion?: string }): Promise<void> {
      await db
        .updateTable('elicit_chats')
        .set({
          messages_json: JSON.stringify(chat.messages),
          provisional_card_json: chat.provisionalCard === null ? null : JSON.stringify(chat.provisionalCard),
          card_shown_at: chat.cardShownAt,
          status: chat.status,
          ...(chat.model ? { model: chat.model } : {}),
          ...(chat.promptVersion ? { prompt_version: chat.promptVersion } : {}),
          updated_at: nowIso(),
        })
        .where('id', '=', chat.id)
        .execute();
    },
  };

  const cards = {
    /** Stores a participant's submitted card; one per chat (a second put for the chat returns the first). */
    async put(input: Omit<PersonalCard, 'id' | 'createdAt' | 'embedding' | 'embeddingModel'> & { embedding?: number[] | null; embeddingModel?: string | null }): Promise<{ card: PersonalCard; inserted: boolean }> {
      const id = stableId('card', input.chatId);
      const res = await db
        .insertInto('elicit_cards')
        .values({
          id,
          deliberation_id: input.deliberationId,
          participant_id: input.participantId,
          question_id: input.questionId,
          chat_id: input.chatId,
          title: input.card.title,
          description: input.card.description,
          policies_json: JSON.stringify(input.card.policies),
          quality_json: JSON.stringify(input.quality),
          model: input.model,
          prompt_version: input.promptVersion,
          embedding_json: input.embedding ? JSON.stringify(input.embedding) : null,
          embedding_model: input.embeddingModel ?? null,
          created_at: nowIso(),
        })
        .onConflict((oc) => oc.doNothing())
        .returning('id')
        .execute();
      const card = await cards.byChat(input.chatId);
      return { card: card!, inserted: res.length === 1 };
    },
    async get(id: string): Promise<PersonalCard | undefined> {
      const row = await db.selectFrom('elicit_cards').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toPersonalCard(row) : undefined;
    },
    async byChat(chatId: string): Promise<PersonalCard | undefined> {
      const row = await db.selectFrom('elicit_cards').selectAll().where('chat_id', '=', chatId).executeTakeFirst();
      return row ? toPersonalCard(row) : undefined;
    },
    async forParticipant(participantId: string): Promise<PersonalCard[]> {
      const rows = await db.selectFrom('elicit_cards').selectAll().where('participant_id', '=', participantId).orderBy('created_at').execute();
      return rows.map(toPersonalCard);
    },
    async list(deliberationId: string): Promise<PersonalCard[]> {
      const rows = await db.selectFrom('elicit_cards').selectAll().where('deliberation_id', '=', deliberationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toPersonalCard);
    },
    /** Cards with no canonical link yet, oldest first. */
    async unlinked(deliberationId: string): Promise<PersonalCard[]> {
      const rows = await db
        .selectFrom('elicit_cards as c')
        .leftJoin('elicit_card_links as l', 'l.card_id', 'c.id')
        .selectAll('c')
        .where('c.deliberation_id', '=', deliberationId)
        .where('l.card_id', 'is', null)
        .orderBy('c.created_at')
        .orderBy('c.id')
        .execute();
      return rows.map(toPersonalCard);
    },
    async setEmbedding(id: string, vector: number[], model: string): Promise<void> {
      await db.updateTable('elicit_cards').set({ embedding_json: JSON.stringify(vector), embedding_model: model }).where('id', '=', id).execute();
    },
  };

  const canonical = {
    /** A new canonical card with the next `seq` of its deliberation. */
    async create(
      deliberationId: string,
      card: ValuesCard,
      extra: { sourceCardId?: string | null; embedding?: number[] | null; embeddingModel?: string | null; model?: string | null; promptVersion?: string | null } = {},
    ): Promise<CanonicalCard> {
      return tx(async (r) => {
        const max = await r.db
          .selectFrom('elicit_canonical_cards')
          .select((eb) => eb.fn.max('seq').as('m'))
          .where('deliberation_id', '=', deliberationId)
          .executeTakeFirst();
        const seq = toNumber(max?.m) + 1;
        const id = stableId('canonical', deliberationId, seq);
        await r.db
          .insertInto('elicit_canonical_cards')
          .values({
            id,
            deliberation_id: deliberationId,
            seq,
            title: card.title,
            description: card.description,
            policies_json: JSON.stringify(card.policies),
            source_card_id: extra.sourceCardId ?? null,
            embedding_json: extra.embedding ? JSON.stringify(extra.embedding) : null,
            embedding_model: extra.embeddingModel ?? null,
            model: extra.model ?? null,
            prompt_version: extra.promptVersion ?? null,
            created_at: nowIso(),
          })
          .execute();
        return (await r.canonical.get(id))!;
      }, 5);
    },
    async get(id: string): Promise<CanonicalCard | undefined> {
      const row = await db.selectFrom('elicit_canonical_cards').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toCanonical(row) : undefined;
    },
    async list(deliberationId: string): Promise<CanonicalCard[]> {
      const rows = await db.selectFrom('elicit_canonical_cards').selectAll().where('deliberation_id', '=', deliberationId).orderBy('seq').execute();
      return rows.map(toCanonical);
    },
    async setEmbedding(id: string, vector: number[], model: string): Promise<void> {
      await db.updateTable('elicit_canonical_cards').set({ embedding_json: JSON.stringify(vector), embedding_model: model }).where('id', '=', id).execute();
    },
  };

  const links = {
    /** Links a personal card to a canonical one (replacing an earlier link of the card). */
    async put(link: Omit<CardLink, 'createdAt' | 'decidedAt'> & { decidedAt?: string | null }): Promise<CardLink> {
      if (!(LINK_STATUSES as readonly string[]).includes(link.status)) throw new TenetError('BAD_INPUT', `link status must be one of ${LINK_STATUSES.join(', ')}`);
      const now = nowIso();
      const row = {
        card_id: link.cardId,
        canonical_id: link.canonicalId,
        proposed_id: link.proposedId,
        status: link.status,
        similarity: link.similarity,
        rationale: link.rationale,
        model: link.model,
        prompt_version: link.promptVersion,
        created_at: now,
        decided_at: link.decidedAt ?? null,
      };
      await db
        .insertInto('elicit_card_links')
        .values(row)
        .onConflict((oc) =>
          oc.column('card_id').doUpdateSet({
            canonical_id: row.canonical_id,
            proposed_id: row.proposed_id,
            status: row.status,
            similarity: row.similarity,
            rationale: row.rationale,
            model: row.model,
            prompt_version: row.prompt_version,
            created_at: now,
            decided_at: row.decided_at,
          }),
        )
        .execute();
      return (await links.get(link.cardId))!;
    },
    async get(cardId: string): Promise<CardLink | undefined> {
      const row = await db.selectFrom('elicit_card_links').selectAll().where('card_id', '=', cardId).executeTakeFirst();
      return row ? toLink(row) : undefined;
    },
    /**
     * Records the participant's answer to a proposed merge. Only a 'proposed' link can be decided. On
     * "no", `ownCanonicalId` (a canonical card made from their own card) becomes the card's canonical.
     */
    async decide(cardId: string, agree: boolean, ownCanonicalId?: string): Promise<CardLink | undefined> {
      if (!agree && !ownCanonicalId) throw new TenetError('BAD_INPUT', 'links.decide: declining a merge needs the id of the card\'s own canonical card');
      const res = await db
        .updateTable('elicit_card_links')
        .set({ status: agree ? 'agreed' : 'declined', decided_at: nowIso(), ...(agree ? {} : { canonical_id: ownCanonicalId! }) })
        .where('card_id', '=', cardId)
        .where('status', '=', 'proposed')
        .executeTakeFirst();
      if (toNumber(res.numUpdatedRows) === 0) return undefined;
      return links.get(cardId);
    },
    /** The links of one participant's cards (one query), keyed by card id. */
    async forParticipant(participantId: string): Promise<Map<string, CardLink>> {
      const rows = await db
        .selectFrom('elicit_card_links as l')
        .innerJoin('elicit_cards as c', 'c.id', 'l.card_id')
        .selectAll('l')
        .where('c.participant_id', '=', participantId)
        .execute();
      return new Map(rows.map((r) => [r.card_id, toLink(r)]));
    },
    async list(deliberationId: string): Promise<CardLink[]> {
      const rows = await db
        .selectFrom('elicit_card_links as l')
        .innerJoin('elicit_cards as c', 'c.id', 'l.card_id')
        .selectAll('l')
        .where('c.deliberation_id', '=', deliberationId)
        .orderBy('l.card_id')
        .execute();
      return rows.map(toLink);
    },
  };

  const hypotheses = {
    async putMany(rows: readonly NewHypothesis[]): Promise<{ inserted: number }> {
      if (rows.length === 0) return { inserted: 0 };
      const now = nowIso();
      const values = rows.map((h) => ({
        id: h.id ?? stableId('hypothesis', h.deliberationId, h.runId, h.fromId, h.toId, h.contextId),
        deliberation_id: h.deliberationId,
        run_id: h.runId,
        from_id: h.fromId,
        to_id: h.toId,
        context_id: h.contextId,
        story: h.story,
        reverse_story: h.reverseStory,
        rationale: h.rationale,
        model: h.model,
        prompt_version: h.promptVersion,
        created_at: h.createdAt ?? now,
      }));
      let inserted = 0;
      await tx(async (r) => {
        for (const part of chunk(values, 100)) {
          const res = await r.db.insertInto('elicit_hypotheses').values(part).onConflict((oc) => oc.doNothing()).returning('id').execute();
          inserted += res.length;
        }
      });
      return { inserted };
    },
    async get(id: string): Promise<Hypothesis | undefined> {
      const row = await db.selectFrom('elicit_hypotheses').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toHypothesis(row) : undefined;
    },
    async list(deliberationId: string): Promise<Hypothesis[]> {
      const rows = await db
        .selectFrom('elicit_hypotheses')
        .selectAll()
        .where('deliberation_id', '=', deliberationId)
        .orderBy('created_at')
        .orderBy('run_id')
        .orderBy('id')
        .execute();
      return rows.map(toHypothesis);
    },
    /** The newest hypothesis per (unordered pair, context): older runs stay stored but are not shown. */
    async current(deliberationId: string): Promise<Hypothesis[]> {
      const all = await hypotheses.list(deliberationId);
      const latest = new Map<string, Hypothesis>();
      for (const h of all) latest.set(`${pairKeyOf(h.fromId, h.toId)}#${h.contextId}`, h); // list is oldest first
      return [...latest.values()];
    },
    /** Votes cast so far per hypothesis id. */
    async voteCounts(deliberationId: string): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('elicit_votes')
        .select((eb) => ['hypothesis_id', eb.fn.countAll().as('n')])
        .where('deliberation_id', '=', deliberationId)
        .groupBy('hypothesis_id')
        .execute();
      return new Map(rows.map((r) => [r.hypothesis_id, toNumber(r.n)]));
    },
  };

  const votes = {
    /**
     * Casts a vote. One vote per participant, unordered pair and context: a second vote on the same pair and
     * context replaces the first (same row, `updatedAt` moves); `created` says whether a new row was made.
     */
    async cast(vote: NewVote): Promise<{ vote: Vote; created: boolean }> {
      if (!(VOTE_RELATIONSHIPS as readonly string[]).includes(vote.relationship)) {
        throw new TenetError('BAD_INPUT', `relationship must be one of ${VOTE_RELATIONSHIPS.join(', ')}`);
      }
      if (vote.fromId === vote.toId) throw new TenetError('BAD_INPUT', 'a vote needs two different values');
      const pairKey = pairKeyOf(vote.fromId, vote.toId);
      const id = stableId('vote', vote.participantId, pairKey, vote.contextId);
      const now = vote.createdAt ?? nowIso();
      const row = {
        id,
        deliberation_id: vote.deliberationId,
        participant_id: vote.participantId,
        hypothesis_id: vote.hypothesisId,
        from_id: vote.fromId,
        to_id: vote.toId,
        context_id: vote.contextId,
        pair_key: pairKey,
        relationship: vote.relationship,
        story_shown: vote.storyShown,
        direction: vote.direction,
        why: vote.why,
        created_at: now,
        updated_at: now,
      };
      const upsert = () => db
        .insertInto('elicit_votes')
        .values(row)
        .onConflict((oc) =>
          // The id is a hash of (participant, pair, context), so it stands for the unique key; targeting the
          // primary key makes two racing inserts of one vote resolve to an update on Postgres too.
          oc.column('id').doUpdateSet({
            hypothesis_id: row.hypothesis_id,
            from_id: row.from_id,
            to_id: row.to_id,
            relationship: row.relationship,
            story_shown: row.story_shown,
            direction: row.direction,
            why: row.why,
            updated_at: now,
          }),
        )
        .returning(['id', 'created_at', 'updated_at'])
        .executeTakeFirst();
      let res: Awaited<ReturnType<typeof upsert>>;
      try {
        res = await upsert();
      } catch (e) {
        // Postgres: two racing first votes can collide on the (participant, pair, context) constraint
        // before ON CONFLICT sees the other row; by now it is committed, so a retry becomes an update.
        if (!isUniqueViolation(e)) throw e;
        res = await upsert();
      }
      const stored = await db.selectFrom('elicit_votes').selectAll().where('id', '=', res?.id ?? id).executeTakeFirstOrThrow();
      return { vote: toVote(stored), created: stored.created_at === stored.updated_at && stored.created_at === now };
    },
    async forParticipant(participantId: string): Promise<Vote[]> {
      const rows = await db.selectFrom('elicit_votes').selectAll().where('participant_id', '=', participantId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toVote);
    },
    async list(deliberationId: string): Promise<Vote[]> {
      const rows = await db.selectFrom('elicit_votes').selectAll().where('deliberation_id', '=', deliberationId).orderBy('created_at').orderBy('id').execute();
      return rows.map(toVote);
    },
    async count(deliberationId: string): Promise<number> {
      const row = await db
        .selectFrom('elicit_votes')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('deliberation_id', '=', deliberationId)
        .executeTakeFirst();
      return toNumber(row?.n);
    },
  };

  const valueVotes = {
    /** Records a value-vote draw: an impression per card shown and a vote per card picked. */
    async record(input: { deliberationId: string; participantId: string; drawId: string; shown: readonly string[]; picked: readonly string[] }): Promise<void> {
      const now = nowIso();
      await tx(async (r) => {
        if (input.shown.length > 0) {
          await r.db
            .insertInto('elicit_impressions')
            .values([...new Set(input.shown)].map((canonical_id) => ({
              participant_id: input.participantId,
              canonical_id,
              deliberation_id: input.deliberationId,
              draw_id: input.drawId,
              created_at: now,
            })))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
        if (input.picked.length > 0) {
          await r.db
            .insertInto('elicit_value_votes')
            .values([...new Set(input.picked)].map((canonical_id) => ({
              participant_id: input.participantId,
              canonical_id,
              deliberation_id: input.deliberationId,
              draw_id: input.drawId,
              created_at: now,
            })))
            .onConflict((oc) => oc.doNothing())
            .execute();
        }
      });
    },
    async forParticipant(participantId: string): Promise<string[]> {
      const rows = await db.selectFrom('elicit_value_votes').select('canonical_id').where('participant_id', '=', participantId).orderBy('canonical_id').execute();
      return rows.map((r) => r.canonical_id);
    },
    /** Per canonical card: value votes and impressions. */
    async tallies(deliberationId: string): Promise<Map<string, { votes: number; impressions: number }>> {
      const out = new Map<string, { votes: number; impressions: number }>();
      const v = await db
        .selectFrom('elicit_value_votes')
        .select((eb) => ['canonical_id', eb.fn.countAll().as('n')])
        .where('deliberation_id', '=', deliberationId)
        .groupBy('canonical_id')
        .execute();
      const i = await db
        .selectFrom('elicit_impressions')
        .select((eb) => ['canonical_id', eb.fn.countAll().as('n')])
        .where('deliberation_id', '=', deliberationId)
        .groupBy('canonical_id')
        .execute();
      for (const r of v) out.set(r.canonical_id, { votes: toNumber(r.n), impressions: 0 });
      for (const r of i) {
        const t = out.get(r.canonical_id) ?? { votes: 0, impressions: 0 };
        t.impressions = toNumber(r.n);
        out.set(r.canonical_id, t);
      }
      return out;
    },
  };

  const jobs = {
    async create(deliberationId: string, kind: string): Promise<Job> {
      const now = nowIso();
      const row = { id: randomId('job'), deliberation_id: deliberationId, kind, status: 'queued', result_json: null, error: null, created_at: now, updated_at: now };
      await db.insertInto('elicit_jobs').values(row).execute();
      return toJob(row);
    },
    async update(id: string, patch: { status: JobStatus; result?: unknown; error?: string | null }): Promise<void> {
      await db
        .updateTable('elicit_jobs')
        .set({
          status: patch.status,
          ...(patch.result !== undefined ? { result_json: JSON.stringify(patch.result) } : {}),
          ...(patch.error !== undefined ? { error: patch.error } : {}),
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .execute();
    },
    async get(id: string): Promise<Job | undefined> {
      const row = await db.selectFrom('elicit_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toJob(row) : undefined;
    },
    async list(deliberationId: string, limit = 20): Promise<Job[]> {
      const rows = await db
        .selectFrom('elicit_jobs')
        .selectAll()
        .where('deliberation_id', '=', deliberationId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toJob);
    },
  };

  return {
    db,
    tx,
    deliberations: guardRepo('elicit.deliberations', deliberations),
    contexts: guardRepo('elicit.contexts', contexts),
    participants: guardRepo('elicit.participants', participants),
    sessions: guardRepo('elicit.sessions', sessions),
    chats: guardRepo('elicit.chats', chats),
    cards: guardRepo('elicit.cards', cards),
    canonical: guardRepo('elicit.canonical', canonical),
    links: guardRepo('elicit.links', links),
    hypotheses: guardRepo('elicit.hypotheses', hypotheses),
    votes: guardRepo('elicit.votes', votes),
    valueVotes: guardRepo('elicit.valueVotes', valueVotes),
    jobs: guardRepo('elicit.jobs', jobs),
  };
}

function make(db: Db, root: Db): ElicitRepos {
  return build(db, root);
}

export type ElicitRepos = ReturnType<typeof build>;

/** The elicitation repositories over an open store (whose migrations include 0002_elicitation). */
export function elicitRepos(store: Store): ElicitRepos {
  const db = store.kysely as unknown as Db;
  return make(db, db);
}
