/** The web app's API: the participant flow end to end, authorization, validation and limits. */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { hashToken } from '../../src/moralgraph/elicit/index.ts';
import { CARDS } from './fake-model.ts';
import { ADMIN_TOKEN, Client, admin, harness, interview, setupDeliberation, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function waitJob(client: Client, jobId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const job = await client.get(`/api/admin/jobs/${jobId}`, admin);
    if (job.json.status === 'done' || job.json.status === 'failed') return job.json;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('job did not finish');
}

describe('participant flow', () => {
  it('join → interview (streamed) → card → merge question → value vote → wiser? votes → position; admin exports', async () => {
    h = await harness();
    const adminClient = new Client(h.app);
    const { id, questionId, tokens } = await setupDeliberation(adminClient, 4);

    // Participant 1: the interview, streamed over SSE.
    const one = await interview(h.app, tokens[0]!, questionId, 'honest');
    const types = one.events.map((e) => e.type);
    expect(types.filter((t) => t === 'delta').length).toBeGreaterThan(3);
    expect(types).toContain('card');
    expect(types).toContain('submitted');
    expect(types).toContain('linked'); // the first card becomes a canonical card of its own
    expect(one.events.find((e) => e.type === 'card').card).toEqual(CARDS.honest);
    const done = one.events.filter((e) => e.type === 'done').at(-1);
    expect(done.chat.status).toBe('submitted');
    expect(done.chat.messages.map((m: any) => m.kind)).toEqual(['message', 'message', 'message', 'message', 'show_card', 'confirm', 'submit_card']);

    // The stored card records how it was made.
    const repos = h.service.repos;
    const [stored] = await repos.cards.list(id);
    expect(stored).toMatchObject({ card: CARDS.honest, model: 'openai:test-model', promptVersion: expect.stringMatching(/^articulate\.v1#/), quality: { ok: true } });
    const chat = await repos.chats.get(one.chatId);
    expect(chat).toMatchObject({ model: 'openai:test-model', promptVersion: expect.stringMatching(/^interview\.v1#/), status: 'submitted' });
    // A finished interview takes no more messages.
    expect((await one.client.turn(one.chatId, { text: 'more' })).status).toBe(409);

    // Participant 2 says the same thing: the judge proposes a merge, and they are asked.
    const two = await interview(h.app, tokens[1]!, questionId, 'honest');
    const proposal = two.events.find((e) => e.type === 'merge_proposal');
    expect(proposal.canonical.title).toBe(CARDS.honest!.title);
    const me2 = await two.client.get('/api/me');
    expect(me2.json.cards[0].link.status).toBe('proposed');
    const merged = await two.client.post(`/api/cards/${proposal.cardId}/merge`, { agree: true });
    expect(merged.json.status).toBe('agreed');
    expect((await two.client.post(`/api/cards/${proposal.cardId}/merge`, { agree: false })).status).toBe(409);

    // Participants 3 and 4 bring two more values.
    const three = await interview(h.app, tokens[2]!, questionId, 'autonomy');
    const four = await interview(h.app, tokens[3]!, questionId, 'mentor');
    expect((await repos.canonical.list(id)).map((c) => c.card.title)).toEqual(['Honest Companionship', 'Informed Autonomy', 'Wise Mentorship']);

    // Value vote: draws exclude the participant's own value; the draw is signed.
    const draw = await one.client.get('/api/values/draw');
    expect(draw.json.cards.map((c: any) => c.title).sort()).toEqual(['Informed Autonomy', 'Wise Mentorship']);
    const shown = draw.json.cards.map((c: any) => c.id);
    expect((await one.client.post('/api/values/vote', { drawId: 'forged', shown, picked: [shown[0]] })).status).toBe(400);
    expect((await one.client.post('/api/values/vote', { drawId: draw.json.drawId, shown, picked: ['not-shown'] })).status).toBe(400);
    expect((await one.client.post('/api/values/vote', { drawId: draw.json.drawId, shown, picked: [] })).status).toBe(400);
    expect((await one.client.post('/api/values/vote', { drawId: draw.json.drawId, shown, picked: [shown[0]] })).json).toEqual({ recorded: 1 });
    expect((await one.client.get('/api/me')).json.steps.values).toBe(true);

    // Admin: hypotheses job (contexts, then upgrade stories with reverse stories).
    const job = await adminClient.post(`/api/admin/deliberations/${id}/jobs`, { kind: 'hypotheses' }, admin);
    expect(job.status).toBe(202);
    const finished = await waitJob(adminClient, job.json.id);
    expect(finished).toMatchObject({ status: 'done', result: { chatsWithNewContexts: 4, hypotheses: expect.any(Number) } });
    expect(finished.result.hypotheses).toBeGreaterThanOrEqual(2);
    const contexts = (await repos.contexts.list(id)).map((c) => `${c.text} (${c.source})`);
    expect(contexts).toContain('When the user is in distress (seed)'); // reused, not duplicated
    expect(contexts).toContain('When the user faces a decision with lasting consequences (extracted)');

    // Wiser? votes: 3 per participant, counterbalanced, story shown is stored.
    const questions = await one.client.get('/api/votes/draw');
    expect(questions.json.length).toBeGreaterThan(0);
    expect(questions.json.length).toBeLessThanOrEqual(3);
    for (const q of questions.json) {
      expect(q.from.id).not.toBe(q.to.id);
      expect(['forward', 'reverse']).toContain(q.direction);
      const res = await one.client.post('/api/votes', { hypothesisId: q.hypothesisId, direction: q.direction, relationship: 'upgrade', why: 'SECRET-REASON-123' });
      expect(res.status).toBe(201);
    }
    const votes = await repos.votes.forParticipant((await repos.sessions.participant(hashToken(one.client.cookies.get('tenet_session')!)))!.id);
    expect(votes).toHaveLength(questions.json.length);
    const q0 = questions.json[0];
    expect(votes.find((v) => v.hypothesisId === q0.hypothesisId)!.storyShown).toBe(q0.story);
    // The same question again: still one vote (changed, not duplicated).
    const again = await one.client.post('/api/votes', { hypothesisId: q0.hypothesisId, direction: q0.direction, relationship: 'not_sure' });
    expect(again.status).toBe(200);
    expect(await repos.votes.count(id)).toBe(questions.json.length);
    // Voted questions are not drawn again.
    const drawn2 = (await one.client.get('/api/votes/draw')).json.map((q: any) => q.hypothesisId);
    for (const q of questions.json) expect(drawn2).not.toContain(q.hypothesisId);

    // Others vote too.
    for (const c of [two.client, three.client, four.client]) {
      for (const q of (await c.get('/api/votes/draw')).json) await c.post('/api/votes', { hypothesisId: q.hypothesisId, direction: q.direction, relationship: 'upgrade' });
    }

    // Position.
    const pos = await one.client.get('/api/position');
    expect(pos.status).toBe(200);
    expect(pos.json.cards[0]).toMatchObject({ status: 'self', canonical: { title: 'Honest Companionship' } });
    expect(pos.json.graph.nodes.find((n: any) => n.data.mine)?.data.label).toBe('Honest Companionship');

    // Admin graph and exports.
    const graph = await adminClient.get(`/api/admin/deliberations/${id}/graph?mode=study&show=all`, admin);
    expect(graph.status).toBe(200);
    expect(graph.json.nodes).toHaveLength(3);
    expect(graph.json.voteCount).toBe(await repos.votes.count(id));
    for (const format of ['tenet', 'study']) {
      for (const mode of ['study', 'improved']) {
        const exp = await adminClient.get(`/api/admin/deliberations/${id}/export?format=${format}&mode=${mode}`, admin);
        expect(exp.status).toBe(200);
        expect(exp.headers.get('content-disposition')).toMatch(/attachment; filename="moral-graph-.*\.json"/);
        const text = exp.text;
        // No personal data: no participant ids, no comments, no stories, no tokens.
        for (const p of await repos.participants.list(id)) expect(text).not.toContain(p.id);
        expect(text).not.toContain('SECRET-REASON-123');
        expect(text).not.toContain('I used to focus on');
        expect(text).not.toContain('my cousin asked me');
        for (const t of tokens) expect(text).not.toContain(t);
        const doc = JSON.parse(text);
        if (format === 'tenet') expect(doc).toMatchObject({ format: 'tenet/moral-graph', version: 1, aggregation: { mode } });
        else expect(Object.keys(doc).sort()).toEqual(['edges', 'values']);
      }
    }
  });

  it('the dedupe job links cards submitted while online dedupe was off; a declined merge gets its own canonical card', async () => {
    h = await harness({ app: { dedupe: { online: false } } });
    const adminClient = new Client(h.app);
    const { id, questionId, tokens } = await setupDeliberation(adminClient, 2);
    await interview(h.app, tokens[0]!, questionId, 'faith');
    const two = await interview(h.app, tokens[1]!, questionId, 'faith');
    expect(await h.service.repos.cards.unlinked(id)).toHaveLength(2);
    const job = await adminClient.post(`/api/admin/deliberations/${id}/jobs`, { kind: 'dedupe' }, admin);
    expect(await waitJob(adminClient, job.json.id)).toMatchObject({ status: 'done', result: { processed: 2, created: 1, proposed: 1 } });
    const me = await two.client.get('/api/me');
    const card = me.json.cards[0];
    expect(card.link.status).toBe('proposed');
    const declined = await two.client.post(`/api/cards/${card.id}/merge`, { agree: false });
    expect(declined.json.status).toBe('declined');
    const canon = await h.service.repos.canonical.list(id);
    expect(canon).toHaveLength(2);
    const link = await h.service.repos.links.get(card.id);
    expect(link).toMatchObject({ status: 'declined', canonicalId: canon[1]!.id, proposedId: canon[0]!.id });
  });
});

describe('authorization', () => {
  it('participant A cannot read or change participant B\'s chats, cards or votes', async () => {
    h = await harness();
    const adminClient = new Client(h.app);
    const { id, questionId, tokens } = await setupDeliberation(adminClient, 3);
    const a = await interview(h.app, tokens[0]!, questionId, 'honest');
    const b = await interview(h.app, tokens[1]!, questionId, 'honest'); // gets a merge proposal
    const bCard = (await b.client.get('/api/me')).json.cards[0];

    expect((await a.client.get(`/api/chats/${b.chatId}`)).status).toBe(404);
    expect((await a.client.post(`/api/chats/${b.chatId}/messages`, { text: 'hijack' })).status).toBe(404);
    expect((await a.client.post(`/api/cards/${bCard.id}/merge`, { agree: false })).status).toBe(404);
    expect((await h.service.repos.links.get(bCard.id))!.status).toBe('proposed'); // untouched
    const bChat = await h.service.repos.chats.get(b.chatId);
    expect(bChat!.messages.some((m) => m.content === 'hijack')).toBe(false);

    // A third participant, who joined but did nothing, sees none of A's or B's data.
    const c = new Client(h.app);
    await c.get(`/join/${tokens[2]}`);
    const me = await c.get('/api/me');
    expect(me.json.cards).toEqual([]);
    expect(me.json.questions[0].chat).toBeNull();
    expect((await c.get('/api/votes')).json).toEqual([]);

    // Votes are always cast as the signed-in participant; B's votes stay B's.
    await b.client.post(`/api/cards/${bCard.id}/merge`, { agree: false });
    await interview(h.app, (await h.service.admin.invite(id, { count: 1 }))[0]!.token, questionId, 'mentor');
    await h.service.admin.runHypotheses(id);
    const bq = (await b.client.get('/api/votes/draw')).json[0];
    await b.client.post('/api/votes', { hypothesisId: bq.hypothesisId, direction: bq.direction, relationship: 'upgrade' });
    const aSees = (await a.client.get('/api/votes')).json;
    expect(aSees).toEqual([]);
    // A story never served to A cannot be voted on by A (issue 14 item 17).
    const forged = await a.client.post('/api/votes', { hypothesisId: bq.hypothesisId, direction: bq.direction, relationship: 'no_upgrade' });
    expect(forged.status).toBe(409);
    const all = await h.service.repos.votes.list(id);
    expect(all.map((v) => v.relationship).sort()).toEqual(['upgrade']); // A's attempt neither replaced B's vote nor added one
  });

  it('admin routes refuse without the admin token; with it they work; no token configured closes them', async () => {
    h = await harness();
    const c = new Client(h.app);
    expect((await c.get('/api/admin/deliberations')).status).toBe(401);
    expect((await c.get('/api/admin/deliberations', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await c.get('/api/admin/deliberations', { authorization: `Bearer ${ADMIN_TOKEN}x` })).status).toBe(401);
    expect((await c.post('/api/admin/deliberations', { title: 'x', questions: [{ text: 'q' }] })).status).toBe(401);
    expect((await c.get('/api/admin/deliberations/x/export')).status).toBe(401);
    expect((await c.get('/admin')).text).toContain('Admin token'); // the sign-in page
    expect((await c.get('/api/admin/deliberations', admin)).status).toBe(200);

    // Sign-in sets an HttpOnly, SameSite=Strict cookie that is not the token itself.
    const bad = await c.request('POST', '/admin/login', 'token=nope', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(bad.status).toBe(401);
    const ok = await c.request('POST', '/admin/login', `token=${ADMIN_TOKEN}`, { 'content-type': 'application/x-www-form-urlencoded' });
    expect(ok.status).toBe(303);
    const setCookie = ok.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    expect((await c.get('/api/admin/deliberations')).status).toBe(200);
    expect((await c.get('/admin')).text).toContain('admin.js');
    // A participant session is no admin session.
    const { tokens } = await setupDeliberation(c, 1);
    const p = new Client(h.app);
    await p.get(`/join/${tokens[0]}`);
    expect((await p.get('/api/admin/deliberations')).status).toBe(401);
    await h.close();

    h = await harness({ app: { adminToken: undefined } });
    const closed = new Client(h.app);
    expect((await closed.get('/api/admin/deliberations', admin)).status).toBe(403);
    expect((await closed.get('/admin')).status).toBe(403);
  });

  it('invite tokens are stored hashed, sessions are HttpOnly cookies, unknown tokens are refused', async () => {
    h = await harness();
    const c = new Client(h.app);
    const { tokens } = await setupDeliberation(c, 1);
    const rows = await sql<{ token_hash: string }>`select token_hash from elicit_participants`.execute(h.store.kysely);
    expect(rows.rows[0]!.token_hash).toBe(hashToken(tokens[0]!));
    const dump = JSON.stringify((await sql`select * from elicit_participants`.execute(h.store.kysely)).rows) + JSON.stringify((await sql`select * from elicit_sessions`.execute(h.store.kysely)).rows);
    expect(dump).not.toContain(tokens[0]);
    expect(dump).not.toContain(createHash('sha256').update(tokens[0]!).digest('hex')); // domain-separated, not a bare hash

    const p = new Client(h.app);
    expect((await p.get('/join/not-a-real-token-at-all-000')).status).toBe(404);
    expect((await p.get('/api/me')).status).toBe(401);
    const joined = await p.get(`/join/${tokens[0]}`);
    expect(joined.status).toBe(303);
    expect(joined.headers.get('location')).toBe('/p');
    const cookie = joined.headers.get('set-cookie')!;
    expect(cookie).toMatch(/tenet_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toContain(tokens[0]);
    expect((await p.get('/api/me')).status).toBe(200);
    expect(joined.headers.get('referrer-policy')).toBe('same-origin');
    expect(joined.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    await p.post('/api/logout');
    expect((await p.get('/api/me')).status).toBe(401);
  });
});

describe('validation and limits', () => {
  it('refuses cross-origin writes, non-JSON bodies, bad fields and oversized bodies', async () => {
    h = await harness({ app: { maxBodyBytes: { participant: 8 * 1024 } } });
    const c = new Client(h.app);
    const { questionId, tokens } = await setupDeliberation(c, 1);
    const p = new Client(h.app);
    await p.get(`/join/${tokens[0]}`);
    expect((await p.post('/api/chats', { questionId }, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await p.request('POST', '/api/chats', `questionId=${questionId}`, { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await p.post('/api/chats', { questionId, extra: 1 })).status).toBe(400);
    expect((await p.post('/api/chats', { questionId: 'nope' })).status).toBe(404);
    const chat = await p.post('/api/chats', { questionId });
    expect(chat.status).toBe(200);
    const long = await p.post(`/api/chats/${chat.json.id}/messages`, { text: 'x'.repeat(4001) });
    expect(long.status).toBe(400);
    expect(long.json.error.message).toMatch(/text/);
    const huge = await p.post(`/api/chats/${chat.json.id}/messages`, { text: 'x'.repeat(3000), pad: 'y'.repeat(20_000) });
    expect(huge.status).toBe(413);
    expect((await p.post('/api/votes', { hypothesisId: 'h', direction: 'sideways', relationship: 'upgrade' })).status).toBe(400);
    expect((await p.post('/api/votes', { hypothesisId: 'h', direction: 'forward', relationship: 'upgrade' })).status).toBe(404);
    expect((await c.post('/api/admin/deliberations', { title: '', questions: [] }, admin)).status).toBe(400);
  });

  it('rate-limits the interview per participant', async () => {
    h = await harness({ app: { rateLimit: { capacity: 2, perMinute: 1 } } });
    const c = new Client(h.app);
    const { questionId, tokens } = await setupDeliberation(c, 2);
    const p = new Client(h.app);
    await p.get(`/join/${tokens[0]}`);
    const chat = (await p.post('/api/chats', { questionId })).json;
    expect((await p.turn(chat.id, {})).status).toBe(200);
    expect((await p.turn(chat.id, { text: 'one' })).status).toBe(200);
    const limited = await p.post(`/api/chats/${chat.id}/messages`, { text: 'two' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another participant has their own budget.
    const q = new Client(h.app);
    await q.get(`/join/${tokens[1]}`);
    const chat2 = (await q.post('/api/chats', { questionId })).json;
    expect((await q.turn(chat2.id, {})).status).toBe(200);
  });

  it('a failed model call keeps the message and can be retried', async () => {
    h = await harness();
    const c = new Client(h.app);
    const { questionId, tokens } = await setupDeliberation(c, 1);
    const p = new Client(h.app);
    await p.get(`/join/${tokens[0]}`);
    const chat = (await p.post('/api/chats', { questionId })).json;
    await p.turn(chat.id, {});
    h.loopback.setScript(() => ({ fault: 'http', status: 400, body: { error: { message: 'bad' } } }));
    const failed = await p.turn(chat.id, { text: 'my story' });
    expect(failed.events.map((e) => e.type)).toContain('error');
    const saved = (await p.get(`/api/chats/${chat.id}`)).json;
    expect(saved.messages.at(-1)).toMatchObject({ role: 'user', content: 'my story' });
    const { fakeModel } = await import('./fake-model.ts');
    h.loopback.setScript(fakeModel());
    const retried = await p.turn(chat.id, {});
    expect(retried.events.find((e) => e.type === 'done').chat.messages.at(-1).role).toBe('assistant');
  });
});

const PG_URL = process.env.TENET_TEST_PG_URL;
describe.skipIf(!PG_URL)('the flow on Postgres (TENET_TEST_PG_URL)', () => {
  it('interviews, a merge, upgrade stories, votes (one per pair and context) and an export', async () => {
    const { openStore } = await import('../../src/store/index.ts');
    const { randomBytes } = await import('node:crypto');
    const schema = `tenet_elicit_flow_${randomBytes(5).toString('hex')}`;
    const store = await openStore(PG_URL, { schema });
    try {
      h = await harness({ store });
      const adminClient = new Client(h.app);
      const { id, questionId, tokens } = await setupDeliberation(adminClient, 3);
      const a = await interview(h.app, tokens[0]!, questionId, 'honest');
      const b = await interview(h.app, tokens[1]!, questionId, 'honest');
      await interview(h.app, tokens[2]!, questionId, 'mentor');
      const proposal = b.events.find((e) => e.type === 'merge_proposal');
      expect((await b.client.post(`/api/cards/${proposal.cardId}/merge`, { agree: false })).json.status).toBe('declined');
      expect(await h.service.repos.canonical.list(id)).toHaveLength(3);
      const result = await h.service.admin.runHypotheses(id);
      expect(result.hypotheses).toBeGreaterThan(0);
      const qs = (await a.client.get('/api/votes/draw')).json;
      expect(qs.length).toBeGreaterThan(0);
      for (const q of qs) expect((await a.client.post('/api/votes', { hypothesisId: q.hypothesisId, direction: q.direction, relationship: 'upgrade' })).status).toBe(201);
      await Promise.all([1, 2, 3].map(() => a.client.post('/api/votes', { hypothesisId: qs[0].hypothesisId, direction: qs[0].direction, relationship: 'no_upgrade' })));
      expect(await h.service.repos.votes.count(id)).toBe(qs.length);
      const exp = await adminClient.get(`/api/admin/deliberations/${id}/export?format=tenet&mode=study`, admin);
      expect(exp.json.provenance.voteCount).toBe(qs.length);
      expect((await a.client.get('/api/position')).status).toBe(200);
    } finally {
      await h?.close();
      h = undefined;
      const admin2 = await openStore(PG_URL, { migrate: false });
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin2.kysely);
      await admin2.close();
    }
  });
});
