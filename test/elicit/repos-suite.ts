/**
 * The elicitation repositories' behaviour, written once and run on SQLite and (with TENET_TEST_PG_URL)
 * on Postgres.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { elicitRepos, pairKeyOf, type ElicitRepos } from '../../src/store/elicit-repos.ts';
import type { Store } from '../../src/store/index.ts';
import { MIGRATION_NAMES } from '../../src/store/index.ts';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const card = (title: string) => ({
  title,
  description: `Act with ${title.toLowerCase()}.`,
  policies: [`MOMENTS when ${title} shows`, `CHOICES that honour ${title}`, `FEELINGS of ${title} in others`],
});

export function elicitRepoSuite(name: string, open: () => Promise<Store>, cleanup?: () => Promise<void>): void {
  describe(name, () => {
    let store: Store;
    let r: ElicitRepos;
    beforeAll(async () => {
      store = await open();
      r = elicitRepos(store);
    });
    afterAll(async () => {
      await store?.close();
      await cleanup?.();
    });

    it('applies the elicitation migration after the initial one', async () => {
      const applied = (await store.migrations()).map((m) => m.name);
      expect(applied).toEqual([...MIGRATION_NAMES]);
      expect(applied).toContain('0002_elicitation');
    });

    it('creates a deliberation with questions and seed contexts linked to every question', async () => {
      const { deliberation, questions, contexts } = await r.deliberations.create({
        title: 'Test deliberation',
        questions: [{ title: 'Abortion', text: 'I am a christian girl…' }, { title: 'Homework', text: 'My 10-year-old…' }],
        seedContexts: ['When in distress', '  When   making decisions ', 'When in distress'],
        settings: { votesPerParticipant: 3 },
      });
      expect(deliberation.settings).toEqual({ valuesToShow: 6, minValuePicks: 1, votesPerParticipant: 3 });
      expect(questions.map((q) => q.position)).toEqual([0, 1]);
      expect(contexts.map((c) => c.text)).toEqual(['When in distress', 'When making decisions']);
      expect((await r.contexts.forQuestion(questions[1]!.id)).map((c) => c.text)).toEqual(['When in distress', 'When making decisions']);
      const again = await r.contexts.upsertMany(deliberation.id, ['When in distress', 'When parenting'], 'extracted', { model: 'm', promptVersion: 'v' });
      expect(again.map((c) => c.source)).toEqual(['seed', 'extracted']);
      expect((await r.contexts.list(deliberation.id))).toHaveLength(3);
    });

    it('refuses invalid settings and empty deliberations', async () => {
      await expect(r.deliberations.create({ title: 'x', questions: [] })).rejects.toThrow(/at least one question/);
      await expect(r.deliberations.create({ title: 'x', questions: [{ title: 'q', text: 't' }], settings: { valuesToShow: 0 } })).rejects.toThrow(/valuesToShow/);
    });

    it('keeps only the hash of an invite token and finds participants by it and by session', async () => {
      const { deliberation } = await r.deliberations.create({ title: 'P', questions: [{ title: 'q', text: 't' }] });
      const p = await r.participants.create(deliberation.id, { tokenHash: sha('secret-token'), label: 'cohort A' });
      expect(JSON.stringify(p)).not.toContain('secret-token');
      expect((await r.participants.byTokenHash(sha('secret-token')))?.id).toBe(p.id);
      expect(await r.participants.byTokenHash(sha('other'))).toBeUndefined();
      await expect(r.participants.create(deliberation.id, { tokenHash: 'not-a-hash' })).rejects.toThrow(/SHA-256/);
      await expect(r.participants.create(deliberation.id, { tokenHash: sha('secret-token') })).rejects.toThrow();
      await r.sessions.create(sha('session-1'), p.id, new Date(Date.now() + 60_000).toISOString());
      await r.sessions.create(sha('session-old'), p.id, new Date(Date.now() - 1).toISOString());
      expect((await r.sessions.participant(sha('session-1')))?.id).toBe(p.id);
      expect(await r.sessions.participant(sha('session-old'))).toBeUndefined();
      await r.participants.markJoined(p.id);
      expect((await r.participants.get(p.id))?.joinedAt).toBeTruthy();
    });

    it('stores chats, cards with provenance, canonical cards with sequential ids, links and contexts', async () => {
      const { deliberation, questions } = await r.deliberations.create({ title: 'C', questions: [{ title: 'q', text: 't' }] });
      const q = questions[0]!;
      const a = await r.participants.create(deliberation.id, { tokenHash: sha('a-c') });
      const b = await r.participants.create(deliberation.id, { tokenHash: sha('b-c') });
      const chat = await r.chats.open(a, q.id, { model: 'openai:m', promptVersion: 'interview.v1' });
      expect(await r.chats.open(a, q.id, { model: 'x', promptVersion: 'y' })).toMatchObject({ id: chat.id, model: 'openai:m' });
      expect(await r.chats.getOwned(chat.id, b.id)).toBeUndefined();
      await r.chats.save({ ...chat, messages: [{ role: 'user', content: 'hi', at: 'now' }], provisionalCard: card('Care'), cardShownAt: 1, status: 'submitted' });
      const saved = (await r.chats.getOwned(chat.id, a.id))!;
      expect(saved).toMatchObject({ status: 'submitted', cardShownAt: 1, provisionalCard: card('Care') });

      const put = await r.cards.put({
        deliberationId: deliberation.id, participantId: a.id, questionId: q.id, chatId: chat.id, card: card('Care'),
        quality: { ok: true, issues: [] }, model: 'openai:m', promptVersion: 'articulate.v1',
      });
      expect(put.inserted).toBe(true);
      const put2 = await r.cards.put({ ...put.card, card: card('Other') });
      expect(put2).toMatchObject({ inserted: false, card: { id: put.card.id, card: card('Care') } });
      expect(await r.cards.unlinked(deliberation.id)).toHaveLength(1);

      const c1 = await r.canonical.create(deliberation.id, card('Care'), { sourceCardId: put.card.id, embedding: [0.5, 0.5], embeddingModel: 'local' });
      const [c2, c3] = await Promise.all([r.canonical.create(deliberation.id, card('Two')), r.canonical.create(deliberation.id, card('Three'))]);
      expect([c1.seq, c2.seq, c3.seq].sort()).toEqual([1, 2, 3]);
      expect(c1.embedding).toEqual([0.5, 0.5]);
      await r.links.put({ cardId: put.card.id, canonicalId: c2.id, proposedId: c2.id, status: 'proposed', similarity: 0.93, rationale: 'same', model: 'm', promptVersion: 'dedupe.v1' });
      expect(await r.cards.unlinked(deliberation.id)).toHaveLength(0);
      expect((await r.links.decide(put.card.id, true))?.status).toBe('agreed');
      expect(await r.links.decide(put.card.id, false, c3.id)).toBeUndefined(); // already decided
      await r.links.put({ cardId: put.card.id, canonicalId: c2.id, proposedId: c2.id, status: 'proposed', similarity: 0.9, rationale: null, model: null, promptVersion: null });
      expect(await r.links.decide(put.card.id, false, c3.id)).toMatchObject({ status: 'declined', canonicalId: c3.id, proposedId: c2.id });
      await expect(r.links.decide(put.card.id, false)).rejects.toThrow(/own canonical/);
      await r.links.put({ cardId: put.card.id, canonicalId: c1.id, proposedId: null, status: 'self', similarity: null, rationale: null, model: null, promptVersion: null });
      expect((await r.links.get(put.card.id))?.canonicalId).toBe(c1.id);

      const [ctx] = await r.contexts.upsertMany(deliberation.id, ['When in distress'], 'extracted');
      await r.contexts.linkChat(chat.id, [ctx!.id, ctx!.id]);
      expect((await r.contexts.forChat(chat.id)).map((c) => c.text)).toEqual(['When in distress']);
      expect(await r.contexts.chatLinks(deliberation.id)).toEqual([{ chatId: chat.id, contextId: ctx!.id }]);
    });

    it('one vote per participant, unordered pair and context: a second vote replaces the first', async () => {
      const { deliberation } = await r.deliberations.create({ title: 'V', questions: [{ title: 'q', text: 't' }] });
      const a = await r.participants.create(deliberation.id, { tokenHash: sha('a-v') });
      const b = await r.participants.create(deliberation.id, { tokenHash: sha('b-v') });
      const x = await r.canonical.create(deliberation.id, card('X'));
      const y = await r.canonical.create(deliberation.id, card('Y'));
      const [ctx, ctx2] = await r.contexts.upsertMany(deliberation.id, ['When a', 'When b'], 'seed');
      await r.hypotheses.putMany([
        { deliberationId: deliberation.id, runId: 'run1', fromId: x.id, toId: y.id, contextId: ctx!.id, story: 's1', reverseStory: 'r1', rationale: null, model: 'm', promptVersion: 'v' },
        { deliberationId: deliberation.id, runId: 'run2', fromId: x.id, toId: y.id, contextId: ctx!.id, story: 's2', reverseStory: 'r2', rationale: null, model: 'm', promptVersion: 'v' },
      ]);
      const current = await r.hypotheses.current(deliberation.id);
      expect(current).toHaveLength(1);
      expect(current[0]!.runId).toBe('run2');
      const h = current[0]!;
      const base = { deliberationId: deliberation.id, participantId: a.id, hypothesisId: h.id, contextId: ctx!.id, why: null };
      const first = await r.votes.cast({ ...base, fromId: x.id, toId: y.id, relationship: 'upgrade', storyShown: 's2', direction: 'forward' });
      expect(first.created).toBe(true);
      await new Promise((res) => setTimeout(res, 5));
      const second = await r.votes.cast({ ...base, fromId: y.id, toId: x.id, relationship: 'not_sure', storyShown: 'r2', direction: 'reverse', why: 'changed my mind' });
      expect(second.created).toBe(false);
      expect(second.vote.id).toBe(first.vote.id);
      expect(second.vote).toMatchObject({ relationship: 'not_sure', fromId: y.id, direction: 'reverse', why: 'changed my mind' });
      await r.votes.cast({ ...base, contextId: ctx2!.id, fromId: x.id, toId: y.id, relationship: 'upgrade', storyShown: 's', direction: 'forward' });
      await r.votes.cast({ ...base, participantId: b.id, fromId: x.id, toId: y.id, relationship: 'no_upgrade', storyShown: 's', direction: 'forward' });
      expect(await r.votes.count(deliberation.id)).toBe(3);
      expect(await r.votes.forParticipant(a.id)).toHaveLength(2);
      expect(pairKeyOf(y.id, x.id)).toBe(pairKeyOf(x.id, y.id));
      await expect(r.votes.cast({ ...base, fromId: x.id, toId: x.id, relationship: 'upgrade', storyShown: 's', direction: 'forward' })).rejects.toThrow(/two different/);
      await expect(r.votes.cast({ ...base, fromId: x.id, toId: y.id, relationship: 'maybe' as never, storyShown: 's', direction: 'forward' })).rejects.toThrow(/relationship/);

      // Concurrent votes from many participants on the same pair: none lost, no duplicates.
      const many = await Promise.all(Array.from({ length: 20 }, (_, i) => r.participants.create(deliberation.id, { tokenHash: sha(`many-${i}`) })));
      await Promise.all(many.flatMap((p) => [0, 1].map(() => r.votes.cast({ ...base, participantId: p.id, fromId: x.id, toId: y.id, relationship: 'upgrade', storyShown: 's', direction: 'forward' }))));
      expect(await r.votes.count(deliberation.id)).toBe(23);
      expect((await r.hypotheses.voteCounts(deliberation.id)).get(h.id)).toBe(23);

      await r.valueVotes.record({ deliberationId: deliberation.id, participantId: a.id, drawId: 'd1', shown: [x.id, y.id], picked: [y.id] });
      await r.valueVotes.record({ deliberationId: deliberation.id, participantId: a.id, drawId: 'd1', shown: [x.id, y.id], picked: [y.id] });
      expect(await r.valueVotes.forParticipant(a.id)).toEqual([y.id]);
      expect((await r.valueVotes.tallies(deliberation.id)).get(y.id)).toEqual({ votes: 1, impressions: 1 });

      const progress = await r.deliberations.progress(deliberation.id);
      expect(progress).toMatchObject({ participants: 22, canonicalCards: 2, hypotheses: 2, votes: 23, voters: 22, valueVotes: 1, impressions: 2 });
    });

    it('tracks jobs', async () => {
      const { deliberation } = await r.deliberations.create({ title: 'J', questions: [{ title: 'q', text: 't' }] });
      const job = await r.jobs.create(deliberation.id, 'dedupe');
      await r.jobs.update(job.id, { status: 'done', result: { linked: 2 } });
      expect(await r.jobs.get(job.id)).toMatchObject({ status: 'done', result: { linked: 2 } });
      expect(await r.jobs.list(deliberation.id)).toHaveLength(1);
    });
  });
}
