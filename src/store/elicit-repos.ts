/**
 * Repositories for Moral Graph Elicitation (tables from migration 0002_elicitation). One implementation
 * for SQLite and Postgres, like repos.ts: Kysely's builder only, ON CONFLICT for idempotent writes, ISO
 * timestamps as text, JSON as TEXT. Each area lives in its own file under ./elicit/ (types, row mapping,
 * deliberations and contexts, participants and sessions, chats, cards, votes, jobs); this file puts them
 * together.
 *
 *   const elicit = elicitRepos(store);
 *   const d = await elicit.deliberations.create({ title, questions: [{ title, text }], seedContexts: ['When in distress'] });
 *   await elicit.votes.cast({ ... });      // a second vote on the same pair and context replaces the first
 *
 * Nothing here knows about HTTP or LLMs; authorization is the caller's job (every read that a participant
 * can trigger takes the participant id and filters by it).
 */
import type { Store } from './types.ts';
import { guardRepo } from './util.ts';
import { cardsRepo, canonicalRepo, linksRepo } from './elicit/cards.ts';
import { chatsRepo } from './elicit/chats.ts';
import { contextsRepo, deliberationsRepo } from './elicit/deliberations.ts';
import { jobsRepo } from './elicit/jobs.ts';
import { adminSessionsRepo, participantsRepo, sessionsRepo } from './elicit/participants.ts';
import { isRetryable, isUniqueViolation, type Db, type Scope } from './elicit/scope.ts';
import { hypothesesRepo, servedRepo, valueVotesRepo, votesRepo } from './elicit/votes.ts';

export * from './elicit/types.ts';

export interface ElicitRepos {
  /** The database or, inside `tx`, the transaction. */
  db: Db;
  tx: Scope['tx'];
  deliberations: ReturnType<typeof deliberationsRepo>;
  contexts: ReturnType<typeof contextsRepo>;
  participants: ReturnType<typeof participantsRepo>;
  sessions: ReturnType<typeof sessionsRepo>;
  adminSessions: ReturnType<typeof adminSessionsRepo>;
  chats: ReturnType<typeof chatsRepo>;
  cards: ReturnType<typeof cardsRepo>;
  canonical: ReturnType<typeof canonicalRepo>;
  links: ReturnType<typeof linksRepo>;
  hypotheses: ReturnType<typeof hypothesesRepo>;
  votes: ReturnType<typeof votesRepo>;
  /** Which stories the server showed each participant, and which way round. */
  served: ReturnType<typeof servedRepo>;
  valueVotes: ReturnType<typeof valueVotesRepo>;
  jobs: ReturnType<typeof jobsRepo>;
}

function make(db: Db, root: Db): ElicitRepos {
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
  const scope: Scope = { db, tx };
  return {
    db,
    tx,
    deliberations: guardRepo('elicit.deliberations', deliberationsRepo(scope)),
    contexts: guardRepo('elicit.contexts', contextsRepo(scope)),
    participants: guardRepo('elicit.participants', participantsRepo(scope)),
    sessions: guardRepo('elicit.sessions', sessionsRepo(scope)),
    adminSessions: guardRepo('elicit.adminSessions', adminSessionsRepo(scope)),
    chats: guardRepo('elicit.chats', chatsRepo(scope)),
    cards: guardRepo('elicit.cards', cardsRepo(scope)),
    canonical: guardRepo('elicit.canonical', canonicalRepo(scope)),
    links: guardRepo('elicit.links', linksRepo(scope)),
    hypotheses: guardRepo('elicit.hypotheses', hypothesesRepo(scope)),
    votes: guardRepo('elicit.votes', votesRepo(scope)),
    served: guardRepo('elicit.served', servedRepo(scope)),
    valueVotes: guardRepo('elicit.valueVotes', valueVotesRepo(scope)),
    jobs: guardRepo('elicit.jobs', jobsRepo(scope)),
  };
}

/** The elicitation repositories over an open store (whose migrations include 0002_elicitation). */
export function elicitRepos(store: Store): ElicitRepos {
  const db = store.kysely as unknown as Db;
  return make(db, db);
}
