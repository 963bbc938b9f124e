/**
 * Issue 14 item 17: the server records which stories it served to which participant (and which way round)
 * and accepts a vote only on a story it served to that participant; the direction is the served one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/moralgraph/elicit/index.ts';
import { Client, harness, interview, setupDeliberation, type Harness } from '../elicit/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('votes on served stories only', () => {
  it('refuses a story never served, refuses a flipped direction, and stores the direction it served', async () => {
    h = await harness();
    const admin = new Client(h.app);
    const { id, questionId, tokens } = await setupDeliberation(admin, 3, { settings: { votesPerParticipant: 1 } });
    const one = await interview(h.app, tokens[0]!, questionId, 'honest');
    await interview(h.app, tokens[1]!, questionId, 'autonomy');
    await interview(h.app, tokens[2]!, questionId, 'mentor');
    await h.service.admin.runHypotheses(id);
    const all = await h.service.repos.hypotheses.current(id);
    expect(all.length).toBeGreaterThanOrEqual(2);

    const drawn = (await one.client.get('/api/votes/draw')).json;
    expect(drawn).toHaveLength(1);
    const q = drawn[0];
    const never = all.find((x) => x.id !== q.hypothesisId)!;

    // A story of this deliberation that was never served to this participant.
    const forged = await one.client.post('/api/votes', { hypothesisId: never.id, direction: 'forward', relationship: 'upgrade' });
    expect(forged.status).toBe(409);
    expect(forged.json.error.message).toMatch(/not shown to you/);
    // The served story, claimed the other way round.
    const flipped = await one.client.post('/api/votes', { hypothesisId: q.hypothesisId, direction: q.direction === 'forward' ? 'reverse' : 'forward', relationship: 'upgrade' });
    expect(flipped.status).toBe(409);
    expect(await h.service.repos.votes.count(id)).toBe(0);

    // No direction from the client: the server's record decides.
    const ok = await one.client.post('/api/votes', { hypothesisId: q.hypothesisId, relationship: 'upgrade' });
    expect(ok.status).toBe(201);
    const [vote] = await h.service.repos.votes.list(id);
    const h0 = all.find((x) => x.id === q.hypothesisId)!;
    expect(vote).toMatchObject({ direction: q.direction, storyShown: q.story, fromId: q.from.id, toId: q.to.id });
    expect(vote!.storyShown).toBe(q.direction === 'forward' ? h0.story : h0.reverseStory);
  });

  it('a story keeps the direction it was first served in', async () => {
    h = await harness();
    const admin = new Client(h.app);
    const { id, questionId, tokens } = await setupDeliberation(admin, 3);
    const one = await interview(h.app, tokens[0]!, questionId, 'honest');
    await interview(h.app, tokens[1]!, questionId, 'autonomy');
    await interview(h.app, tokens[2]!, questionId, 'mentor');
    await h.service.admin.runHypotheses(id);
    const first = (await one.client.get('/api/votes/draw')).json;
    const participant = (await h.service.repos.sessions.participant(hashToken(one.client.cookies.get('tenet_session')!)))!;
    const served = await h.service.repos.served.forParticipant(participant.id);
    for (const q of first) expect(served.get(q.hypothesisId)).toBe(q.direction);
    const again = (await one.client.get('/api/votes/draw')).json;
    for (const q of again) expect(q.direction).toBe(served.get(q.hypothesisId));
  });
});
