/**
 * What the elicitation service's admin and participant operations share: the options resolved to
 * defaults, the views sent to the browser, small helpers, card linking (dedupe) and the short-lived caches
 * of read-mostly data. Nothing here is an HTTP concern.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { redactSecrets } from '../../redact.ts';
import { TenetError } from '../../errors.ts';
import type { Provider } from '../../models/types.ts';
import {
  elicitRepos,
  type CanonicalCard,
  type CardLink,
  type Chat,
  type Deliberation,
  type DeliberationSettings,
  type ElicitRepos,
  type Hypothesis,
  type Participant,
  type PersonalCard,
  type Question,
  type TranscriptEntry,
} from '../../store/elicit-repos.ts';
import type { Store } from '../../store/types.ts';
import type { ValuesCard } from '../../values/cards.ts';
import type { ArticulateOptions } from './articulate.ts';
import type { Encoder } from '../../models/encoder.ts';
import { cardEmbeddingText, judgeEquivalence, nearest } from './dedupe.ts';
import { deliberationGraph, type GraphMode, type GraphView } from './graph.ts';

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
  | { type: 'error'; message: string; /** The admin log's id for the failure, when there is one. */ id?: string }
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

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
export const view = (c: ValuesCard): CardView => ({ title: c.title, description: c.description, policies: [...c.policies] });

export const MAX_MESSAGE_CHARS = 4000;
export const CONFIRM_TEXT = 'Yes, this card captures what I care about.';

/** Hash an invite or session token for storage (never store the token itself). */
export function hashToken(token: string): string {
  return sha256(`tenet-elicit:${token}`);
}

export function newToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

export function notFound(what: string): TenetError {
  return new TenetError('NOT_FOUND', `${what} not found`);
}

export function conflict(message: string): TenetError {
  return new TenetError('BAD_USAGE', message, { details: { status: 409 } });
}

/** A small async mutex per key. */
export function keyedLock() {
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
export function unit(seed: string): number {
  return createHash('sha256').update(seed).digest().readUInt32LE(0) / 2 ** 32;
}

/** Error codes whose messages come from tenet's own checks and may be shown to a participant as they are. */
export const PARTICIPANT_SAFE_CODES: ReadonlySet<string> = new Set(['BAD_INPUT', 'BAD_USAGE', 'NOT_FOUND']);

/** A failure as a participant sees it: tenet's own message, or a generic one with an id for the admin log. */
export interface PublicError {
  code: string;
  message: string;
  /** Present when the detail went to the admin log instead. */
  id?: string;
}

/** A deliberation's read-mostly data, for drawing cards and stories. */
export interface Snapshot {
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

/** The shared state and helpers of one service instance. */
export function createServiceCore(options: ElicitServiceOptions) {
  const repos: ElicitRepos = elicitRepos(options.store);
  const model = options.model;
  const jobModel = options.jobModel ?? options.model;
  const embedder = options.embedder;
  const secret = options.secret ?? randomBytes(32);
  const sessionTtlMs = options.sessionTtlMs ?? 30 * 24 * 3600 * 1000;
  const onlineDedupe = options.dedupe?.online ?? true;
  const minSimilarity = options.dedupe?.minSimilarity ?? (/^(hashed|local-encoder):/.test(embedder.model) ? 0.5 : 0.8);
  const rawLog = options.log ?? (() => {});
  /** The admin log: every line without secrets (credentials in URLs, keys, tokens). */
  const log = (message: string): void => rawLog(redactSecrets(message));

  /**
   * What a participant may be told about a failure. tenet's own checks (bad input, not found, conflict)
   * are shown as they are; anything else (a provider's error text, which may name internal endpoints or
   * echo what the upstream said; a database error) becomes a generic message with an id, and the detail
   * goes to the admin log under that id.
   */
  function publicError(e: unknown, where: string, fallback = 'something went wrong on our side'): PublicError {
    // A provider's own 4xx is BAD_INPUT too, but its text is the upstream's: provider errors carry the URL.
    if (e instanceof TenetError && PARTICIPANT_SAFE_CODES.has(e.code) && e.details?.url === undefined) return { code: e.code, message: e.message };
    const id = `e-${randomBytes(5).toString('hex')}`;
    const detail = e instanceof TenetError ? `[${e.code}] ${e.message}${e.hint ? ` (hint: ${e.hint})` : ''}` : e instanceof Error ? (e.stack ?? e.message) : String(e);
    log(`error ${id} in ${where}: ${detail}`);
    return { code: e instanceof TenetError ? 'UNAVAILABLE' : 'INTERNAL', message: `${fallback} (error id ${id})`, id };
  }
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

  return {
    options,
    repos,
    model,
    jobModel,
    embedder,
    secret,
    sessionTtlMs,
    onlineDedupe,
    log,
    publicError,
    busyChats,
    linkLock,
    runningJobs,
    background,
    chatView,
    ownCard,
    signDraw,
    linkCard,
    myCanonicalIds,
    cachedGraph,
    snapshot,
  };
}

export type ServiceCore = ReturnType<typeof createServiceCore>;
