/** Upgrade hypotheses (stories), votes on them, and value votes with their impressions. */
import { TenetError } from '../../errors.ts';
import { stableId } from '../ids.ts';
import { chunk, nowIso, toNumber } from '../util.ts';
import { toHypothesis, toVote } from './rows.ts';
import { type Scope, isUniqueViolation } from './scope.ts';
import {
  VOTE_RELATIONSHIPS,
  pairKeyOf,
  type Hypothesis,
  type NewHypothesis,
  type Vote,
  type NewVote,
} from './types.ts';

export function hypothesesRepo({ db, tx }: Scope) {
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
  return hypotheses;
}

export function votesRepo({ db }: Scope) {
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
  return votes;
}

export function valueVotesRepo({ db, tx }: Scope) {
  const valueVotes = {
    /** Records a value-vote draw: an impression per card shown and a vote per card picked. */
    async record(input: { deliberationId: string; participantId: string; drawId: string; shown: readonly string[]; picked: readonly string[] }): Promise<void> {
      const now = nowIso();
      // One row per distinct card, the same shape in both tables.
      const rows = (cards: readonly string[]) => [...new Set(cards)].map((canonical_id) => ({
        participant_id: input.participantId,
        canonical_id,
        deliberation_id: input.deliberationId,
        draw_id: input.drawId,
        created_at: now,
      }));
      await tx(async (r) => {
        if (input.shown.length > 0) {
          await r.db.insertInto('elicit_impressions').values(rows(input.shown)).onConflict((oc) => oc.doNothing()).execute();
        }
        if (input.picked.length > 0) {
          await r.db.insertInto('elicit_value_votes').values(rows(input.picked)).onConflict((oc) => oc.doNothing()).execute();
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
  return valueVotes;
}

export function servedRepo({ db }: Scope) {
  const served = {
    /**
     * Records the stories the server showed a participant and which way round. The first showing of a
     * story fixes its direction; showing it again changes nothing.
     */
    async record(participantId: string, deliberationId: string, stories: readonly { hypothesisId: string; direction: Vote['direction'] }[]): Promise<void> {
      if (stories.length === 0) return;
      const now = nowIso();
      await db
        .insertInto('elicit_served_stories')
        .values(stories.map((s) => ({ participant_id: participantId, hypothesis_id: s.hypothesisId, deliberation_id: deliberationId, direction: s.direction, served_at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },
    /** How each story was shown to this participant, by hypothesis id. */
    async forParticipant(participantId: string): Promise<Map<string, Vote['direction']>> {
      const rows = await db.selectFrom('elicit_served_stories').select(['hypothesis_id', 'direction']).where('participant_id', '=', participantId).execute();
      return new Map(rows.map((r) => [r.hypothesis_id, r.direction as Vote['direction']]));
    },
    /** How the story was shown to this participant, or undefined when it never was. */
    async get(participantId: string, hypothesisId: string): Promise<Vote['direction'] | undefined> {
      const row = await db
        .selectFrom('elicit_served_stories')
        .select('direction')
        .where('participant_id', '=', participantId)
        .where('hypothesis_id', '=', hypothesisId)
        .executeTakeFirst();
      return row ? (row.direction as Vote['direction']) : undefined;
    },
  };
  return served;
}
