/**
 * The elicitation service: everything the web app does, without HTTP. Participant operations take the
 * authenticated Participant and only ever read or change that participant's own chats, cards and votes;
 * a resource of someone else is reported as not found. Admin operations take deliberation ids.
 *
 * Single process: chat turns, card linking and jobs are serialised in memory (one server per database).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { TenetError } from '../../errors.ts';
import type { Provider } from '../../models/types.ts';
import {
  elicitRepos,
  pairKeyOf,
  type CanonicalCard,
  type CardLink,
  type Chat,
  type Deliberation,
  type DeliberationSettings,
  type ElicitRepos,
  type Hypothesis,
  type Job,
  type NewDeliberation,
  type Participant,
  type PersonalCard,
  type Question,
  type TranscriptEntry,
  type VoteRelationship,
} from '../../store/elicit-repos.ts';
import type { Store } from '../../store/types.ts';
import type { ValuesCard } from '../../values/cards.ts';
import { validateValuesCard } from '../../values/cards.ts';
import type { ArticulateOptions } from './articulate.ts';
import type { Encoder } from '../../models/encoder.ts';
import { cardEmbeddingText, judgeEquivalence, nearest } from './dedupe.ts';
import { deliberationGraph, exportDeliberationGraph, graphView, type GraphMode, type GraphView } from './graph.ts';
import { extractContexts, proposeUpgrades } from './hypotheses.ts';
import { interviewPromptVersion, interviewTurn, participantAnsweredCard } from './interview.ts';

export interface ElicitServiceOptions {
  store: Store;
  /** The interviewer (and, unless `jobModel` is given, every other LLM step). */
  model: Provider;
  /** Articulation, dedupe judge, contexts and upgrade stories. Default: `model`. */
  jobModel?: Provider;
  /** Embeddings for the dedupe pre-filter (createEncoder: the local encoder, an embeddings API, or `hashed`). */
  embedder: Encoder;
  dedupe?: {
    /** Match a card against the canonical cards as soon as it is submitted (default true). */
    online?: boolean;
    /** Candidates passed to the judge (default 5). */
    top?: number;
    /** Cosine similarity a candidate needs (default 0.5 for local features, 0.8 otherwise). */
    minSimilarity?: number;
  };
  articulate?: ArticulateOptions;
  /** Upgrade hypotheses: most cards per context (default 12). */
  maxCardsPerContext?: number;
  /** Key for signing value-vote draws (default: random per process). */
  secret?: Buffer;
  /** Session lifetime (default 30 days). */
  sessionTtlMs?: number;
  /**
   * How long read-mostly data is reused across requests (default 2000 ms; 0 turns caching off): the
   * computed moral graph (participants' "where your value sits" and the admin's graph view) and each
   * deliberation's settings, questions, canonical cards, contexts, current hypotheses and vote tallies used
   * to draw cards and stories. A new card or story shows up in draws after at most this long. Votes,
   * chats, cards and everything a participant owns are always read fresh; exports are always fresh.
   */
  cacheMs?: number;
  /** Interviewer sampling temperature (default 0.7). */
  temperature?: number;
  log?: (message: string) => void;
}

/** A card as participants see it. */
export interface CardView {
  title: string;
  description: string;
  policies: string[];
}

export interface ChatView {
  id: string;
  questionId: string;
  status: Chat['status'];
  messages: { role: 'user' | 'assistant'; content: string; kind: NonNullable<TranscriptEntry['kind']>; card?: CardView }[];
  provisionalCard: CardView | null;
  /** True when the participant can press "this is my value" (a card was shown). */
  canConfirm: boolean;
}

export type ChatEvent =
  | { type: 'delta'; text: string }
  | { type: 'message'; content: string }
  | { type: 'card'; card: CardView; quality: { ok: boolean; issues: { path: string; message: string }[] } }
  | { type: 'submitted'; cardId: string; card: CardView }
  | { type: 'merge_proposal'; cardId: string; canonical: CardView & { id: string } }
  | { type: 'linked'; cardId: string; canonicalId: string }
  | { type: 'error'; message: string }
  | { type: 'done'; chat: ChatView };

export interface VoteQuestion {
  hypothesisId: string;
  direction: 'forward' | 'reverse';
  context: string;
  from: CardView & { id: string };
  to: CardView & { id: string };
  story: string;
}

export interface ValueDraw {
  drawId: string;
  cards: (CardView & { id: string })[];
  minPicks: number;
}

export interface PositionView {
  cards: { card: CardView; status: CardLink['status'] | 'unlinked'; canonical: (CardView & { id: string; seq: number }) | null }[];
  /** Pairs involving the participant's value(s), with raw vote counts. */
  neighbours: { relation: 'yours_wiser' | 'other_wiser'; other: { seq: number; title: string }; contexts: string[]; yes: number; against: number; unsure: number }[];
  rank: number | null;
  rankedValues: number;
  graph: GraphView;
}

export interface ParticipantOverview {
  deliberation: { id: string; title: string; description: string; settings: DeliberationSettings };
  questions: { id: string; title: string; text: string; chat: { id: string; status: Chat['status'] } | null }[];
  cards: { id: string; questionId: string; card: CardView; link: { status: CardLink['status']; canonical: CardView & { id: string } } | null }[];
  steps: { interview: boolean; values: boolean; votes: { done: number; target: number } };
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const view = (c: ValuesCard): CardView => ({ title: c.title, description: c.description, policies: [...c.policies] });

export const MAX_MESSAGE_CHARS = 4000;
export const CONFIRM_TEXT = 'Yes, this card captures what I care about.';

/** Hash an invite or session token for storage (never store the token itself). */
export function hashToken(token: string): string {
  return sha256(`tenet-elicit:${token}`);
}

export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

function notFound(what: string): TenetError {
  return new TenetError('NOT_FOUND', `${what} not found`);
}

function conflict(message: string): TenetError {
  return new TenetError('BAD_USAGE', message, { details: { status: 409 } });
}

/** A small async mutex per key. */
function keyedLock() {
  const tails = new Map<string, Promise<void>>();
  return async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => next);
    tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}

/** A number in [0, 1) from a string, for deterministic shuffles. */
function unit(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32LE(0) / 2 ** 32;
}

export function createElicitService(options: ElicitServiceOptions) {
  const repos: ElicitRepos = elicitRepos(options.store);
  const model = options.model;
  const jobModel = options.jobModel ?? options.model;
  const embedder = options.embedder;
  const secret = options.secret ?? randomBytes(32);
  const sessionTtlMs = options.sessionTtlMs ?? 30 * 24 * 3600 * 1000;
  const onlineDedupe = options.dedupe?.online ?? true;
  const minSimilarity = options.dedupe?.minSimilarity ?? (/^(hashed|local-encoder):/.test(embedder.model) ? 0.5 : 0.8);
  const log = options.log ?? (() => {});
  const busyChats = new Set<string>();
  const linkLock = keyedLock();
  const runningJobs = new Set<string>();
  const background = new Set<Promise<unknown>>();

  // ---- helpers ---------------------------------------------------------------------------------------

  function chatView(chat: Chat): ChatView {
    return {
      id: chat.id,
      questionId: chat.questionId,
      status: chat.status,
      messages: chat.messages.map((m) => ({ role: m.role, content: m.content, kind: m.kind ?? 'message', ...(m.card ? { card: view(m.card) } : {}) })),
      provisionalCard: chat.provisionalCard ? view(chat.provisionalCard) : null,
      canConfirm: chat.status === 'open' && chat.provisionalCard !== null,
    };
  }

  async function ownCard(participant: Participant, cardId: string): Promise<PersonalCard> {
    const card = await repos.cards.get(cardId);
    if (!card || card.participantId !== participant.id) throw notFound('card');
    return card;
  }

  function signDraw(participantId: string, ids: readonly string[]): string {
    return createHmac('sha256', secret).update(`${participantId}|${[...ids].sort().join(',')}`).digest('base64url');
  }

  async function embedCanonicals(list: CanonicalCard[]): Promise<CanonicalCard[]> {
    const stale = list.filter((c) => c.embedding === null || c.embeddingModel !== embedder.model);
    if (stale.length === 0) return list;
    const vectors = (await embedder.embed(stale.map((c) => cardEmbeddingText(c.card)))).map((v) => Array.from(v));
    const fresh = new Map<string, number[]>();
    for (const [i, c] of stale.entries()) {
      await repos.canonical.setEmbedding(c.id, vectors[i]!, embedder.model);
      fresh.set(c.id, vectors[i]!);
    }
    return list.map((c) => (fresh.has(c.id) ? { ...c, embedding: fresh.get(c.id)!, embeddingModel: embedder.model } : c));
  }

  /**
   * Links a personal card: embedding pre-filter over the deliberation's canonical cards, then the LLM
   * judge. A match becomes a *proposed* merge (the participant decides); no match makes the card a new
   * canonical card of its own.
   */
  async function linkCard(card: PersonalCard): Promise<{ status: 'proposed' | 'self'; canonical: CanonicalCard; link: CardLink }> {
    return linkLock(card.deliberationId, async () => {
      const existing = await repos.links.get(card.id);
      if (existing) {
        const c = await repos.canonical.get(existing.canonicalId);
        return { status: existing.status === 'proposed' ? 'proposed' : 'self', canonical: c!, link: existing };
      }
      const [vector] = card.embedding && card.embeddingModel === embedder.model
        ? [card.embedding]
        : (await embedder.embed([cardEmbeddingText(card.card)])).map((v) => Array.from(v));
      if (!card.embedding || card.embeddingModel !== embedder.model) await repos.cards.setEmbedding(card.id, vector!, embedder.model);
      const pool = await embedCanonicals(await repos.canonical.list(card.deliberationId));
      const candidates = nearest(vector!, pool, { top: options.dedupe?.top ?? 5, minSimilarity });
      const verdict = await judgeEquivalence(jobModel, card.card, candidates);
      if (verdict.match) {
        const link = await repos.links.put({
          cardId: card.id,
          canonicalId: verdict.match.id,
          proposedId: verdict.match.id,
          status: 'proposed',
          similarity: verdict.match.similarity,
          rationale: verdict.rationale,
          model: verdict.model,
          promptVersion: verdict.promptVersion,
        });
        return { status: 'proposed', canonical: (await repos.canonical.get(verdict.match.id))!, link };
      }
      const canonical = await repos.canonical.create(card.deliberationId, card.card, {
        sourceCardId: card.id,
        embedding: vector!,
        embeddingModel: embedder.model,
        model: candidates.length ? verdict.model : null,
        promptVersion: candidates.length ? verdict.promptVersion : null,
      });
      const link = await repos.links.put({
        cardId: card.id,
        canonicalId: canonical.id,
        proposedId: null,
        status: 'self',
        similarity: candidates[0]?.similarity ?? null,
        rationale: candidates.length ? verdict.rationale : null,
        model: candidates.length ? verdict.model : null,
        promptVersion: candidates.length ? verdict.promptVersion : null,
      });
      return { status: 'self', canonical, link };
    });
  }

  /** The canonical ids a participant's value counts as (decided links only). */
  async function myCanonicalIds(participant: Participant): Promise<string[]> {
    const links = await repos.links.forParticipant(participant.id);
    return [...new Set([...links.values()].filter((l) => l.status !== 'proposed').map((l) => l.canonicalId))];
  }

  const cacheMs = options.cacheMs ?? 2000;
  const caches = new Map<string, { expires: number; value: Promise<unknown> }>();
  /** `load()`, reused for `cacheMs` under `key` (many participants ask for the same thing at once). */
  function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    if (cacheMs <= 0) return load();
    const now = Date.now();
    const hit = caches.get(key);
    if (hit && hit.expires > now) return hit.value as Promise<T>;
    const value = load();
    caches.set(key, { expires: now + cacheMs, value });
    value.catch(() => caches.delete(key));
    if (caches.size > 10_000) caches.clear();
    return value;
  }
  const cachedGraph = (deliberationId: string, mode: GraphMode) => cached(`graph\u0000${deliberationId}\u0000${mode}`, () => deliberationGraph(repos, deliberationId, mode));

  /** A deliberation's read-mostly data, for drawing cards and stories. */
  interface Snapshot {
    deliberation: Deliberation;
    questions: Question[];
    canonical: CanonicalCard[];
    canonicalById: Map<string, CanonicalCard>;
    contexts: Map<string, string>;
    hypotheses: Hypothesis[];
    hypothesisById: Map<string, Hypothesis>;
    voteCounts: Map<string, number>;
    tallies: Map<string, { votes: number; impressions: number }>;
  }
  function snapshot(deliberationId: string): Promise<Snapshot> {
    return cached(`snapshot\u0000${deliberationId}`, async () => {
      const [deliberation, questions, canonical, contexts, hypotheses, voteCounts, tallies] = await Promise.all([
        repos.deliberations.get(deliberationId),
        repos.deliberations.questions(deliberationId),
        repos.canonical.list(deliberationId),
        repos.contexts.list(deliberationId),
        repos.hypotheses.current(deliberationId),
        repos.hypotheses.voteCounts(deliberationId),
        repos.valueVotes.tallies(deliberationId),
      ]);
      if (!deliberation) throw notFound('deliberation');
      return {
        deliberation,
        questions,
        canonical,
        canonicalById: new Map(canonical.map((c) => [c.id, c])),
        contexts: new Map(contexts.map((c) => [c.id, c.text])),
        hypotheses,
        hypothesisById: new Map(hypotheses.map((h) => [h.id, h])),
        voteCounts,
        tallies,
      };
    });
  }

  // ---- admin -----------------------------------------------------------------------------------------

  const admin = {
    createDeliberation: (input: NewDeliberation) => repos.deliberations.create(input),
    listDeliberations: () => repos.deliberations.list(),

    async detail(deliberationId: string) {
      const deliberation = await repos.deliberations.get(deliberationId);
      if (!deliberation) throw notFound('deliberation');
      const [questions, contexts, progress, jobs, participants] = await Promise.all([
        repos.deliberations.questions(deliberationId),
        repos.contexts.list(deliberationId),
        repos.deliberations.progress(deliberationId),
        repos.jobs.list(deliberationId),
        repos.participants.list(deliberationId),
      ]);
      return {
        deliberation,
        questions,
        contexts: contexts.map((c) => ({ id: c.id, text: c.text, source: c.source })),
        progress,
        jobs,
        participants: participants.map((p) => ({ id: p.id, label: p.label, createdAt: p.createdAt, joinedAt: p.joinedAt, lastSeenAt: p.lastSeenAt })),
      };
    },

    /** New participants with invite tokens. The raw tokens are returned only here, once. */
    async invite(deliberationId: string, input: { count: number; label?: string }): Promise<{ participantId: string; token: string }[]> {
      if (!(await repos.deliberations.get(deliberationId))) throw notFound('deliberation');
      if (!Number.isInteger(input.count) || input.count < 1 || input.count > 1000) throw new TenetError('BAD_INPUT', 'count must be an integer from 1 to 1000');
      const out: { participantId: string; token: string }[] = [];
      for (let i = 0; i < input.count; i++) {
        const token = newToken();
        const p = await repos.participants.create(deliberationId, { tokenHash: hashToken(token), ...(input.label ? { label: input.label } : {}) });
        out.push({ participantId: p.id, token });
      }
      return out;
    },

    /** Links every card that has no canonical link yet (what the online step does, in bulk). */
    async runDedupe(deliberationId: string): Promise<{ processed: number; proposed: number; created: number }> {
      const pending = await repos.cards.unlinked(deliberationId);
      let proposed = 0;
      let created = 0;
      for (const card of pending) {
        const r = await linkCard(card);
        if (r.status === 'proposed') proposed++;
        else created++;
      }
      return { processed: pending.length, proposed, created };
    },

    /**
     * Extracts contexts for submitted chats that have none, then proposes upgrade hypotheses (with reverse
     * stories) per context among the canonical cards of the chats in it. Earlier runs are kept.
     */
    async runHypotheses(deliberationId: string): Promise<{ runId: string; chatsWithNewContexts: number; contexts: number; hypotheses: number }> {
      const runId = `run_${new Date().toISOString().replace(/[-:.]/g, '')}_${randomBytes(3).toString('hex')}`;
      const chats = (await repos.chats.list(deliberationId)).filter((c) => c.status === 'submitted');
      const linked = new Set((await repos.contexts.chatLinks(deliberationId)).map((l) => l.chatId));
      let chatsWithNewContexts = 0;
      for (const chat of chats) {
        if (linked.has(chat.id)) continue;
        const card = await repos.cards.byChat(chat.id);
        const question = await repos.deliberations.question(chat.questionId);
        if (!card || !question) continue;
        const existing = [...new Set([...(await repos.contexts.forQuestion(question.id)), ...(await repos.contexts.list(deliberationId))].map((c) => c.text))];
        const extracted = await extractContexts(jobModel, { question: question.text, card: card.card, messages: chat.messages, existing });
        if (extracted.contexts.length === 0) continue;
        const rows = await repos.contexts.upsertMany(deliberationId, extracted.contexts, 'extracted', { model: extracted.model, promptVersion: extracted.promptVersion });
        await repos.contexts.linkChat(chat.id, rows.map((r) => r.id), { model: extracted.model, promptVersion: extracted.promptVersion });
        await repos.contexts.linkQuestion(question.id, rows.map((r) => r.id));
        chatsWithNewContexts++;
      }
      // Context → the canonical cards of the chats in it.
      const byContext = new Map<string, Set<string>>();
      for (const { chatId, contextId } of await repos.contexts.chatLinks(deliberationId)) {
        const card = await repos.cards.byChat(chatId);
        const link = card ? await repos.links.get(card.id) : undefined;
        if (!link || link.status === 'proposed') continue;
        const set = byContext.get(contextId) ?? new Set<string>();
        set.add(link.canonicalId);
        byContext.set(contextId, set);
      }
      const canonical = new Map((await repos.canonical.list(deliberationId)).map((c) => [c.id, c]));
      const tallies = await repos.valueVotes.tallies(deliberationId);
      const contexts = new Map((await repos.contexts.list(deliberationId)).map((c) => [c.id, c.text]));
      let hypotheses = 0;
      let usedContexts = 0;
      for (const [contextId, ids] of [...byContext].sort(([a], [b]) => (a < b ? -1 : 1))) {
        if (ids.size < 2) continue;
        const cards = [...ids]
          .map((id) => canonical.get(id))
          .filter((c): c is CanonicalCard => c !== undefined)
          .sort((a, b) => (tallies.get(b.id)?.votes ?? 0) - (tallies.get(a.id)?.votes ?? 0) || a.seq - b.seq)
          .slice(0, options.maxCardsPerContext ?? 12);
        const proposals = await proposeUpgrades(jobModel, { context: contexts.get(contextId) ?? contextId, cards: cards.map((c) => ({ id: c.id, card: c.card })) });
        const res = await repos.hypotheses.putMany(proposals.map((p) => ({ deliberationId, runId, contextId, ...p })));
        hypotheses += res.inserted;
        usedContexts++;
      }
      return { runId, chatsWithNewContexts, contexts: usedContexts, hypotheses };
    },

    /** Starts a background job ('dedupe' or 'hypotheses'); one of each kind at a time per deliberation. */
    async startJob(deliberationId: string, kind: 'dedupe' | 'hypotheses'): Promise<Job> {
      if (!(await repos.deliberations.get(deliberationId))) throw notFound('deliberation');
      const key = `${deliberationId}:${kind}`;
      if (runningJobs.has(key)) throw conflict(`a ${kind} job is already running for this deliberation`);
      runningJobs.add(key);
      const job = await repos.jobs.create(deliberationId, kind);
      const run = (async () => {
        try {
          await repos.jobs.update(job.id, { status: 'running' });
          const result = kind === 'dedupe' ? await admin.runDedupe(deliberationId) : await admin.runHypotheses(deliberationId);
          await repos.jobs.update(job.id, { status: 'done', result });
          log(`job ${kind} ${job.id}: ${JSON.stringify(result)}`);
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          log(`job ${kind} ${job.id} failed: ${message}`);
          await repos.jobs.update(job.id, { status: 'failed', error: message }).catch(() => {});
        } finally {
          runningJobs.delete(key);
        }
      })();
      background.add(run);
      void run.finally(() => background.delete(run));
      return job;
    },

    getJob: (jobId: string) => repos.jobs.get(jobId),

    async graph(deliberationId: string, opts: { mode?: GraphMode; context?: string | null; show?: 'kept' | 'all' } = {}): Promise<GraphView> {
      if (!(await repos.deliberations.get(deliberationId))) throw notFound('deliberation');
      const { graph, data } = await cachedGraph(deliberationId, opts.mode ?? 'improved');
      return graphView(graph, data.canonical, { context: opts.context ?? null, show: opts.show ?? 'all' });
    },

    exportGraph: (deliberationId: string, opts: { mode?: GraphMode; format?: 'tenet' | 'study' } = {}) => exportDeliberationGraph(repos, deliberationId, opts),
  };

  // ---- participants ----------------------------------------------------------------------------------

  const participant = {
    /** Exchanges an invite token for a new session; undefined when the token is unknown. */
    async join(token: string): Promise<{ participant: Participant; sessionToken: string; expiresAt: string } | undefined> {
      if (typeof token !== 'string' || token.length < 16 || token.length > 200) return undefined;
      const p = await repos.participants.byTokenHash(hashToken(token));
      if (!p) return undefined;
      const sessionToken = newToken(32);
      const expiresAt = new Date(Date.now() + sessionTtlMs).toISOString();
      await repos.sessions.create(hashToken(sessionToken), p.id, expiresAt);
      await repos.participants.markJoined(p.id);
      return { participant: p, sessionToken, expiresAt };
    },

    async fromSession(sessionToken: string | undefined): Promise<Participant | undefined> {
      if (!sessionToken || sessionToken.length > 200) return undefined;
      return repos.sessions.participant(hashToken(sessionToken));
    },

    logout: (sessionToken: string) => repos.sessions.delete(hashToken(sessionToken)),

    async overview(p: Participant): Promise<ParticipantOverview> {
      const snap = await snapshot(p.deliberationId);
      const { deliberation, questions } = snap;
      const [chats, cards, votes, picks] = await Promise.all([
        repos.chats.forParticipant(p.id),
        repos.cards.forParticipant(p.id),
        repos.votes.forParticipant(p.id),
        repos.valueVotes.forParticipant(p.id),
      ]);
      const chatOf = new Map(chats.map((c) => [c.questionId, c]));
      const cardViews: ParticipantOverview['cards'] = [];
      const links = cards.length ? await repos.links.forParticipant(p.id) : new Map<string, CardLink>();
      for (const c of cards) {
        const link = links.get(c.id);
        const canonical = link ? (snap.canonicalById.get(link.canonicalId) ?? (await repos.canonical.get(link.canonicalId))) : undefined;
        cardViews.push({
          id: c.id,
          questionId: c.questionId,
          card: view(c.card),
          link: link && canonical ? { status: link.status, canonical: { id: canonical.id, ...view(canonical.card) } } : null,
        });
      }
      const canonicalCount = cards.length > 0 && picks.length === 0 ? (await repos.canonical.list(p.deliberationId)).length : snap.canonical.length;
      return {
        deliberation: { id: deliberation.id, title: deliberation.title, description: deliberation.description, settings: deliberation.settings },
        questions: questions.map((q) => {
          const chat = chatOf.get(q.id);
          return { id: q.id, title: q.title, text: q.text, chat: chat ? { id: chat.id, status: chat.status } : null };
        }),
        cards: cardViews,
        steps: {
          interview: cards.length > 0,
          values: picks.length > 0 || canonicalCount < 2,
          votes: { done: votes.length, target: deliberation.settings.votesPerParticipant },
        },
      };
    },

    async openChat(p: Participant, questionId: string): Promise<ChatView> {
      const q = await repos.deliberations.question(questionId);
      if (!q || q.deliberationId !== p.deliberationId) throw notFound('question');
      const chat = await repos.chats.open(p, questionId, { model: model.spec, promptVersion: interviewPromptVersion() });
      return chatView(chat);
    },

    async getChat(p: Participant, chatId: string): Promise<ChatView> {
      const chat = await repos.chats.getOwned(chatId, p.id);
      if (!chat) throw notFound('chat');
      return chatView(chat);
    },

    /**
     * One interview turn: appends the participant's message (or their confirmation of the card shown, or
     * nothing to start the interview or retry after an error), runs the interviewer, and reports what
     * happened through `emit` (text deltas first). The transcript is saved before the model is called,
     * so a failed call loses nothing.
     */
    async chatTurn(p: Participant, chatId: string, input: { text?: string; confirm?: boolean }, emit: (e: ChatEvent) => void, signal?: AbortSignal): Promise<ChatView> {
      const found = await repos.chats.getOwned(chatId, p.id);
      if (!found) throw notFound('chat');
      if (found.status !== 'open') throw conflict('this interview is finished: the card was submitted');
      if (busyChats.has(chatId)) throw conflict('the interviewer is still answering your last message');
      busyChats.add(chatId);
      try {
        const chat = found;
        const question = (await repos.deliberations.question(chat.questionId))!;
        const text = (input.text ?? '').trim();
        if (text.length > MAX_MESSAGE_CHARS) throw new TenetError('BAD_INPUT', `a message may have at most ${MAX_MESSAGE_CHARS} characters`);
        const now = new Date().toISOString();
        const last = chat.messages[chat.messages.length - 1];
        if (input.confirm) {
          if (!chat.provisionalCard) throw new TenetError('BAD_INPUT', 'there is no card to confirm yet');
          chat.messages.push({ role: 'user', content: CONFIRM_TEXT, at: now, kind: 'confirm' });
        } else if (text) {
          chat.messages.push({ role: 'user', content: text, at: now });
        } else if (chat.messages.length > 0 && last?.role !== 'user') {
          throw new TenetError('BAD_INPUT', 'write a message first');
        }
        await repos.chats.save(chat);

        let outcome;
        try {
          outcome = await interviewTurn(
            model,
            { question: question.text, messages: chat.messages, provisionalCard: chat.provisionalCard, cardShownAt: chat.cardShownAt },
            {
              onDelta: (d) => emit({ type: 'delta', text: d }),
              ...(signal ? { signal } : {}),
              ...(options.temperature !== undefined ? { temperature: options.temperature } : {}),
              ...(options.articulate ? { articulate: options.articulate } : {}),
            },
          );
        } catch (e) {
          const message = e instanceof TenetError ? e.message : 'the interviewer could not answer';
          log(`chat ${chatId}: ${e instanceof Error ? e.message : String(e)}`);
          emit({ type: 'error', message: `${message}. Send your message again, or press Retry.` });
          return chatView(chat);
        }
        const at = new Date().toISOString();
        // The participant pressed "this is my value": if the model answered with text instead of
        // submitting, their explicit confirmation of the card they saw is what counts.
        const confirmedByButton = input.confirm === true && outcome.kind === 'message' && participantAnsweredCard(chat);
        if (outcome.kind === 'show_card') {
          chat.messages.push({
            role: 'assistant',
            content: outcome.text,
            at,
            kind: 'show_card',
            card: outcome.card,
            provenance: { ...outcome.articulation, quality: outcome.quality },
          });
          chat.provisionalCard = outcome.card;
          chat.cardShownAt = chat.messages.length;
          await repos.chats.save(chat);
          emit({ type: 'card', card: view(outcome.card), quality: { ok: outcome.quality.ok, issues: outcome.quality.issues.map((i) => ({ path: i.path, message: i.message })) } });
        } else if (outcome.kind === 'submit_card' || confirmedByButton) {
          const card = validateValuesCard(chat.provisionalCard);
          const shown = [...chat.messages].reverse().find((m) => m.kind === 'show_card');
          if (outcome.kind === 'message') chat.messages.push({ role: 'assistant', content: outcome.text, at });
          chat.messages.push({ role: 'assistant', content: outcome.kind === 'submit_card' ? outcome.text : 'Thank you. Your values card is submitted.', at, kind: 'submit_card', card });
          chat.status = 'submitted';
          await repos.chats.save(chat);
          const { card: stored } = await repos.cards.put({
            deliberationId: chat.deliberationId,
            participantId: p.id,
            questionId: chat.questionId,
            chatId: chat.id,
            card,
            quality: shown?.provenance?.quality ?? { ok: true, issues: [] },
            model: shown?.provenance?.model ?? jobModel.spec,
            promptVersion: shown?.provenance?.promptVersion ?? 'unknown',
          });
          emit({ type: 'submitted', cardId: stored.id, card: view(card) });
          if (onlineDedupe) {
            try {
              const linked = await linkCard(stored);
              if (linked.status === 'proposed') emit({ type: 'merge_proposal', cardId: stored.id, canonical: { id: linked.canonical.id, ...view(linked.canonical.card) } });
              else emit({ type: 'linked', cardId: stored.id, canonicalId: linked.canonical.id });
            } catch (e) {
              // The card is safe; the admin's dedupe job links it later.
              log(`dedupe of card ${stored.id} failed: ${e instanceof Error ? e.message : String(e)}`);
            }
          }
        } else {
          chat.messages.push({ role: 'assistant', content: outcome.text, at });
          await repos.chats.save(chat);
          emit({ type: 'message', content: outcome.text });
        }
        const final = chatView(chat);
        emit({ type: 'done', chat: final });
        return final;
      } finally {
        busyChats.delete(chatId);
      }
    },

    /** The participant's answer to a proposed merge of their card into a canonical card. */
    async decideMerge(p: Participant, cardId: string, agree: boolean): Promise<{ status: CardLink['status']; canonicalId: string }> {
      const card = await ownCard(p, cardId);
      return linkLock(card.deliberationId, async () => {
        const link = await repos.links.get(card.id);
        if (!link || link.status !== 'proposed') throw conflict('there is no merge waiting for your answer on this card');
        if (agree) {
          const done = await repos.links.decide(card.id, true);
          return { status: done!.status, canonicalId: done!.canonicalId };
        }
        const own = await repos.canonical.create(card.deliberationId, card.card, {
          sourceCardId: card.id,
          embedding: card.embedding,
          embeddingModel: card.embeddingModel,
        });
        const done = await repos.links.decide(card.id, false, own.id);
        return { status: done!.status, canonicalId: done!.canonicalId };
      });
    },

    /** Up to `valuesToShow` canonical cards (not the participant's own), least seen first. */
    async drawValues(p: Participant): Promise<ValueDraw> {
      const [snap, mineIds] = await Promise.all([snapshot(p.deliberationId), myCanonicalIds(p)]);
      const d = snap.deliberation;
      const mine = new Set(mineIds);
      const tallies = snap.tallies;
      const pool = snap.canonical.filter((c) => !mine.has(c.id));
      const shuffle = new Map(pool.map((c) => [c.id, unit(`${p.id}|${c.id}`)]));
      pool.sort((a, b) => (tallies.get(a.id)?.impressions ?? 0) - (tallies.get(b.id)?.impressions ?? 0) || shuffle.get(a.id)! - shuffle.get(b.id)!);
      const cards = pool.slice(0, d.settings.valuesToShow);
      const ids = cards.map((c) => c.id);
      return {
        drawId: signDraw(p.id, ids),
        cards: cards.map((c) => ({ id: c.id, ...view(c.card) })),
        minPicks: Math.min(d.settings.minValuePicks, cards.length),
      };
    },

    async submitValueVote(p: Participant, input: { drawId: string; shown: string[]; picked: string[] }): Promise<{ recorded: number }> {
      const expected = Buffer.from(signDraw(p.id, input.shown));
      const given = Buffer.from(String(input.drawId));
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new TenetError('BAD_INPUT', 'this selection of cards was not drawn for you; reload the page');
      const shown = new Set(input.shown);
      if (!input.picked.every((id) => shown.has(id))) throw new TenetError('BAD_INPUT', 'pick only among the cards shown');
      const d = (await snapshot(p.deliberationId)).deliberation;
      const min = Math.min(d.settings.minValuePicks, shown.size);
      if (new Set(input.picked).size < min) throw new TenetError('BAD_INPUT', `pick at least ${min} card${min === 1 ? '' : 's'}`);
      await repos.valueVotes.record({ deliberationId: p.deliberationId, participantId: p.id, drawId: input.drawId.slice(0, 64), shown: [...shown], picked: input.picked });
      return { recorded: new Set(input.picked).size };
    },

    /**
     * The "did this person become wiser?" questions still open for this participant: hypotheses on pairs
     * and contexts they have not voted on, those touching values they picked (or their own) first, then
     * those with the fewest votes; each shown forward or reversed (counterbalanced per participant).
     */
    async drawVotes(p: Participant): Promise<VoteQuestion[]> {
      const [snap, mine, picked, voted] = await Promise.all([
        snapshot(p.deliberationId),
        myCanonicalIds(p),
        repos.valueVotes.forParticipant(p.id),
        repos.votes.forParticipant(p.id),
      ]);
      const { deliberation: d, hypotheses: current, voteCounts: counts } = snap;
      const remaining = Math.max(0, d.settings.votesPerParticipant - voted.length);
      if (remaining === 0) return [];
      const done = new Set(voted.map((v) => `${pairKeyOf(v.fromId, v.toId)}#${v.contextId}`));
      const interesting = new Set([...mine, ...picked]);
      const open = current.filter((h) => !done.has(`${pairKeyOf(h.fromId, h.toId)}#${h.contextId}`));
      const score = (h: Hypothesis) => (interesting.has(h.fromId) || interesting.has(h.toId) ? 0 : 1);
      const shuffle = new Map(open.map((h) => [h.id, unit(`${p.id}|${h.id}`)]));
      open.sort((a, b) => score(a) - score(b) || (counts.get(a.id) ?? 0) - (counts.get(b.id) ?? 0) || shuffle.get(a.id)! - shuffle.get(b.id)!);
      const chosen: Hypothesis[] = [];
      const pairs = new Set<string>();
      for (const h of open) {
        const key = pairKeyOf(h.fromId, h.toId);
        if (pairs.has(key)) continue; // one context per pair per draw
        pairs.add(key);
        chosen.push(h);
        if (chosen.length === remaining) break;
      }
      const { canonicalById: canonical, contexts } = snap;
      return chosen.map((h) => {
        const direction = unit(`direction|${p.id}|${h.id}`) < 0.5 ? 'forward' : 'reverse';
        const a = canonical.get(h.fromId)!;
        const b = canonical.get(h.toId)!;
        const [from, to] = direction === 'forward' ? [a, b] : [b, a];
        return {
          hypothesisId: h.id,
          direction,
          context: contexts.get(h.contextId) ?? '',
          from: { id: from.id, ...view(from.card) },
          to: { id: to.id, ...view(to.card) },
          story: direction === 'forward' ? h.story : h.reverseStory,
        };
      });
    },

    /** Casts (or changes) the participant's vote on a hypothesis, as shown in `direction`. */
    async castVote(p: Participant, input: { hypothesisId: string; direction: 'forward' | 'reverse'; relationship: VoteRelationship; why?: string | null }): Promise<{ created: boolean; voteId: string }> {
      const h = (await snapshot(p.deliberationId)).hypothesisById.get(input.hypothesisId) ?? (await repos.hypotheses.get(input.hypothesisId));
      if (!h || h.deliberationId !== p.deliberationId) throw notFound('story');
      const forward = input.direction === 'forward';
      const why = input.why?.trim() ? input.why.trim().slice(0, 2000) : null;
      const { vote, created } = await repos.votes.cast({
        deliberationId: p.deliberationId,
        participantId: p.id,
        hypothesisId: h.id,
        fromId: forward ? h.fromId : h.toId,
        toId: forward ? h.toId : h.fromId,
        contextId: h.contextId,
        relationship: input.relationship,
        storyShown: forward ? h.story : h.reverseStory,
        direction: input.direction,
        why,
      });
      return { created, voteId: vote.id };
    },

    async myVotes(p: Participant) {
      const votes = await repos.votes.forParticipant(p.id);
      return votes.map((v) => ({ id: v.id, hypothesisId: v.hypothesisId, direction: v.direction, relationship: v.relationship, why: v.why, updatedAt: v.updatedAt }));
    },

    /** Where the participant's value sits in the graph (improved aggregation; raw counts beside it). */
    async position(p: Participant, mode: GraphMode = 'improved'): Promise<PositionView> {
      const cards = await repos.cards.forParticipant(p.id);
      const links = await repos.links.forParticipant(p.id);
      const { graph, data } = await cachedGraph(p.deliberationId, mode);
      const bySeq = new Map(data.canonical.map((c) => [c.seq, c]));
      const byId = new Map(data.canonical.map((c) => [c.id, c]));
      const out: PositionView['cards'] = [];
      const mine = new Set<number>();
      for (const c of cards) {
        const link = links.get(c.id);
        const canonical = link ? byId.get(link.canonicalId) : undefined;
        if (canonical && link && link.status !== 'proposed') mine.add(canonical.seq);
        out.push({
          card: view(c.card),
          status: link?.status ?? 'unlinked',
          canonical: canonical ? { id: canonical.id, seq: canonical.seq, ...view(canonical.card) } : null,
        });
      }
      const neighbours: PositionView['neighbours'] = [];
      for (const e of graph.allEdges ?? []) {
        if (e.counts.markedWiser === 0) continue;
        if (mine.has(e.to) && !mine.has(e.from)) {
          neighbours.push({ relation: 'yours_wiser', other: { seq: e.from, title: bySeq.get(e.from)?.card.title ?? `value ${e.from}` }, contexts: e.byContext?.map((s) => s.context) ?? e.contexts, yes: e.counts.markedWiser, against: e.counts.markedNotWiser + e.counts.markedLessWise, unsure: e.counts.markedUnsure });
        } else if (mine.has(e.from) && !mine.has(e.to)) {
          neighbours.push({ relation: 'other_wiser', other: { seq: e.to, title: bySeq.get(e.to)?.card.title ?? `value ${e.to}` }, contexts: e.byContext?.map((s) => s.context) ?? e.contexts, yes: e.counts.markedWiser, against: e.counts.markedNotWiser + e.counts.markedLessWise, unsure: e.counts.markedUnsure });
        }
      }
      const gv = graphView(graph, data.canonical, { show: 'all', mine });
      const ranks = gv.ranking.values.filter((v) => mine.has(v.id)).map((v) => v.rank);
      return { cards: out, neighbours, rank: ranks.length ? Math.min(...ranks) : null, rankedValues: gv.ranking.values.length, graph: gv };
    },
  };

  return {
    repos,
    admin,
    participant,
    /** Resolves when every background job has finished (for tests and shutdown). */
    async idle(): Promise<void> {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

export type ElicitService = ReturnType<typeof createElicitService>;
