/** Participants (known by a random id and the hash of their invite token) and their sessions. */
import { TenetError } from '../../errors.ts';
import { nowIso } from '../util.ts';
import { toParticipant } from './rows.ts';
import { type Scope } from './scope.ts';
import {
  randomId,
  type Participant,
} from './types.ts';

export function participantsRepo({ db }: Scope) {
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
  return participants;
}

export function sessionsRepo({ db }: Scope) {
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
  return sessions;
}

/** Admin sign-ins: each a random session whose hash is stored with an expiry; sign-out revokes it. */
export function adminSessionsRepo({ db }: Scope) {
  const adminSessions = {
    async create(sessionHash: string, expiresAt: string): Promise<void> {
      await db.insertInto('elicit_admin_sessions').values({ id: sessionHash, created_at: nowIso(), expires_at: expiresAt, revoked_at: null }).execute();
    },
    /** Whether the session exists, has not expired and has not been revoked. */
    async valid(sessionHash: string, now: string = nowIso()): Promise<boolean> {
      const row = await db
        .selectFrom('elicit_admin_sessions')
        .select('id')
        .where('id', '=', sessionHash)
        .where('expires_at', '>', now)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return row !== undefined;
    },
    /** Revokes one session (sign-out); true when it was live. */
    async revoke(sessionHash: string): Promise<boolean> {
      const res = await db.updateTable('elicit_admin_sessions').set({ revoked_at: nowIso() }).where('id', '=', sessionHash).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows) > 0;
    },
    /** Revokes every live admin session (e.g. after the admin token leaked); returns how many. */
    async revokeAll(): Promise<number> {
      const res = await db.updateTable('elicit_admin_sessions').set({ revoked_at: nowIso() }).where('revoked_at', 'is', null).executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
  };
  return adminSessions;
}
