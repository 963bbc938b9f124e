/** The elicitation LLM steps against the loopback model server (OpenAI wire protocol, streamed). */
import { createEncoder, hashedEncoder, openAIEncoder } from '../../src/models/encoder.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CONFIRM_FIRST_TEXT,
  NEED_MORE_TEXT,
  articulateCard,
  cardQualityIssues,
  cardRuleIssues,
  cosineSimilarity,
  elicitPrompt,
  extractContexts,
  interviewTurn,
  judgeEquivalence,
  nearest,
  cardEmbeddingText,
  proposeUpgrades,
  cleanContext,
  type InterviewState,
  type TranscriptEntry,
} from '../../src/moralgraph/elicit/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';
import { CARDS, FIRST_QUESTION, SECOND_QUESTION, fakeModel } from './fake-model.ts';

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer(fakeModel(), { chunkDelayMs: 1 });
});
afterAll(() => server.close());

const at = '2025-01-01T00:00:00.000Z';
const user = (content: string): TranscriptEntry => ({ role: 'user', content, at });
const assistant = (content: string): TranscriptEntry => ({ role: 'assistant', content, at });
const QUESTION = 'I am a christian girl and I am considering getting an abortion – what should I do?';

function state(messages: TranscriptEntry[], extra: Partial<InterviewState> = {}): InterviewState {
  return { question: QUESTION, messages, provisionalCard: null, cardShownAt: null, ...extra };
}

describe('prompts', () => {
  it('are versioned files whose version carries a content hash', () => {
    for (const name of ['interview', 'articulate', 'critique', 'dedupe', 'contexts', 'upgrades', 'reverseStory'] as const) {
      const p = elicitPrompt(name);
      expect(p.version).toMatch(/^[a-z-]+\.v\d+#[0-9a-f]{8}$/);
      expect(p.text.length).toBeGreaterThan(200);
    }
  });
});

describe('interview agent', () => {
  it('runs the stages: questions (streamed), a card shown via show_values_card, submit only after the participant answers', async () => {
    server.setScript(fakeModel());
    const model = loopbackModel('openai', server);
    const deltas: string[] = [];
    const t1 = await interviewTurn(model, state([]), { onDelta: (d) => deltas.push(d) });
    expect(t1).toEqual({ kind: 'message', text: FIRST_QUESTION });
    expect(deltas.length).toBeGreaterThan(3); // streamed in pieces
    expect(deltas.join('')).toBe(FIRST_QUESTION);
    const first = server.requests.at(-1)!;
    expect(first.body.stream).toBe(true);
    expect(first.body.tools.map((t: any) => t.function.name)).toEqual(['show_values_card']); // no submit without a card

    const m1 = [assistant(FIRST_QUESTION), user('My sister was honest with me when I was scared.')];
    expect(await interviewTurn(model, state(m1))).toEqual({ kind: 'message', text: SECOND_QUESTION });

    const m2 = [...m1, assistant(SECOND_QUESTION), user('Whether she was honest and stayed with me.')];
    const t3 = await interviewTurn(model, state(m2));
    expect(t3.kind).toBe('show_card');
    if (t3.kind !== 'show_card') return;
    expect(t3.card).toEqual(CARDS.honest);
    expect(t3.quality).toEqual({ ok: true, issues: [] });
    expect(t3.articulation.promptVersion).toMatch(/^articulate\.v1#/);
    expect(t3.articulation.model).toBe('openai:test-model');
    // The articulation call got the transcript and the interviewer's draft.
    const articulation = server.requests.at(-1)!;
    expect(JSON.stringify(articulation.body.messages)).toContain('MOMENTS when it matters');

    // Shown but not answered yet: submit is not offered.
    const m3: TranscriptEntry[] = [...m2, { role: 'assistant', content: t3.text, at, kind: 'show_card', card: t3.card }];
    const shownState = state(m3, { provisionalCard: t3.card, cardShownAt: m3.length });
    const interviewReq = (await (async () => {
      await interviewTurn(model, { ...shownState, messages: [...m3, user('Hmm.')] });
      return server.requests.filter((r) => r.body.tools).at(-1)!;
    })());
    expect(interviewReq.body.tools.map((t: any) => t.function.name)).toEqual(['show_values_card', 'submit_values_card']);
    expect(JSON.stringify(interviewReq.body.messages)).toContain('[values card shown]');

    const t4 = await interviewTurn(model, { ...shownState, messages: [...m3, user('Yes, that captures it.')] });
    expect(t4).toEqual({ kind: 'submit_card', text: 'Thank you. Your values card is submitted.', card: CARDS.honest });
  });

  it('refuses a submit the model makes before any card was shown and confirmed', async () => {
    server.setScript(fakeModel({ eagerSubmit: true }));
    const model = loopbackModel('openai', server);
    const m = [assistant(FIRST_QUESTION), user('a story'), assistant(SECOND_QUESTION), user('details')];
    expect(await interviewTurn(model, state(m))).toEqual({ kind: 'message', text: CONFIRM_FIRST_TEXT });
    // Card shown, participant has not replied since: still refused.
    const shown: TranscriptEntry[] = [...m, { role: 'assistant', content: 'card', at, kind: 'show_card', card: CARDS.honest! }];
    expect(await interviewTurn(model, state(shown, { provisionalCard: CARDS.honest!, cardShownAt: shown.length }))).toEqual({ kind: 'message', text: CONFIRM_FIRST_TEXT });
  });

  it('asks for more instead of showing a card that fails the schema (e.g. two policies)', async () => {
    server.setScript(fakeModel({ badCards: true }));
    const model = loopbackModel('openai', server);
    const m = [assistant(FIRST_QUESTION), user('a story'), assistant(SECOND_QUESTION), user('details')];
    expect(await interviewTurn(model, state(m))).toEqual({ kind: 'message', text: NEED_MORE_TEXT });
  });
});

describe('card articulation and the quality validator', () => {
  it('rule check: concrete, positive, not instrumental, capitalised attention', () => {
    const issues = cardRuleIssues({
      title: 'T',
      description: 'd',
      policies: ['MOMENTS that feel meaningful', 'WAYS to avoid hurting the user', 'STEPS in order to get results', 'thoughts in lower case', 'CHOICES others find acceptable'],
    });
    const text = issues.map((i) => `${i.path}: ${i.message}`).join('\n');
    expect(text).toMatch(/policies\[0\]: be concrete: "meaningful"/);
    expect(text).toMatch(/policies\[1\]: phrase it positively/);
    expect(text).toMatch(/policies\[2\]: make it constitutive, not instrumental: "in order to"/);
    expect(text).toMatch(/policies\[3\]: start with what to attend to/);
    expect(text).toMatch(/policies\[4\]: make it about what matters, not about others' expectations/);
    expect(cardRuleIssues(CARDS.honest!)).toEqual([]);
    expect(cardQualityIssues({ ...CARDS.honest, policies: ['ONE thing'] })[0]).toMatchObject({ source: 'schema', message: expect.stringMatching(/3 to 7/) });
  });

  it('re-articulates once with the problems listed and keeps the better card; records model and prompt version', async () => {
    let calls = 0;
    server.setScript((req) => {
      const content = req.messages.find((m) => m.role === 'user')!.content;
      if (content.startsWith('Check this values card')) return JSON.stringify({ issues: [{ path: 'title', message: 'too long' }] });
      calls++;
      if (calls === 1) return JSON.stringify({ ...CARDS.autonomy, policies: [...CARDS.autonomy!.policies, 'MOMENTS that feel deeply meaningful'] });
      if (calls === 2) {
        expect(content).toContain('A first draft had these problems');
        expect(content).toContain('be concrete');
      }
      return JSON.stringify(CARDS.autonomy);
    });
    const model = loopbackModel('openai', server);
    const out = await articulateCard(model, { question: QUESTION, messages: [user('I want to choose myself')] });
    expect(calls).toBe(2);
    expect(out.card).toEqual(CARDS.autonomy);
    expect(out.quality).toEqual({ ok: true, issues: [] });
    expect(out.promptVersion).toMatch(/^articulate\.v1#/);

    const critiqued = await articulateCard(model, { question: QUESTION, messages: [user('x')] }, { llmCritique: true, revise: false });
    expect(critiqued.quality.ok).toBe(false);
    expect(critiqued.quality.issues).toEqual([{ path: 'title', message: 'too long', source: 'llm' }]);
    expect(critiqued.quality.critic?.promptVersion).toMatch(/^critique\.v1#/);
  });
});

describe('deduplication', () => {
  it('embeds through an OpenAI-compatible /v1/embeddings endpoint', async () => {
    const embedder = openAIEncoder({ baseUrl: `${server.url}/v1`, model: 'embed-small' });
    const [a, b, c] = await embedder.embed([cardEmbeddingText(CARDS.honest!), cardEmbeddingText(CARDS.honest!), cardEmbeddingText(CARDS.mentor!)]);
    expect(a!.length).toBeGreaterThan(8);
    expect(cosineSimilarity(a!, b!)).toBeCloseTo(1, 6);
    expect(cosineSimilarity(a!, c!)).toBeLessThan(0.99);
    expect(server.requests.at(-1)).toMatchObject({ path: '/v1/embeddings', body: { model: 'embed-small' } });
    const viaSpec = createEncoder(`openai-compatible:embed-small@${server.url}/v1`, { env: {} });
    expect(viaSpec.model).toBe('openai:embed-small');
    expect((await viaSpec.embed(['x']))[0]!.length).toBe(a!.length);
    await expect(openAIEncoder({ baseUrl: 'http://127.0.0.1:9/v1', model: 'x' }).embed(['x'])).rejects.toThrow(/could not be reached/);
  });

  it('hashed features: a reworded card is nearer than a different one', async () => {
    const e = hashedEncoder();
    const reworded = { ...CARDS.honest!, policies: CARDS.honest!.policies.map((p) => p.replace('the user', 'a user')) };
    const [h, r, m] = await e.embed([CARDS.honest!, reworded, CARDS.mentor!].map(cardEmbeddingText));
    expect(cosineSimilarity(h!, r!)).toBeGreaterThan(0.8);
    expect(cosineSimilarity(h!, m!)).toBeLessThan(0.5);
    const found = nearest(h!, [{ id: 'x', card: CARDS.mentor!, embedding: m! }, { id: 'y', card: reworded, embedding: r! }, { id: 'z', card: CARDS.faith!, embedding: null }]);
    expect(found.map((f) => f.id)).toEqual(['y']);
    expect(createEncoder('hashed:64').model).toBe('hashed:64');
    expect(() => createEncoder('hashed:2')).toThrow(/hashed:DIMS/);
  });

  it('the LLM judge picks a candidate, refuses made-up ids and makes no call without candidates', async () => {
    server.setScript(fakeModel());
    const model = loopbackModel('openai', server);
    const candidates = [
      { id: 'canon-1', card: CARDS.mentor!, similarity: 0.7 },
      { id: 'canon-2', card: CARDS.honest!, similarity: 0.9 },
    ];
    const v = await judgeEquivalence(model, CARDS.honest!, candidates);
    expect(v.match?.id).toBe('canon-2');
    expect(v.promptVersion).toMatch(/^dedupe\.v1#/);
    server.setScript(fakeModel({ judge: () => 'canon-2' })); // a raw id, not a label
    expect((await judgeEquivalence(model, CARDS.honest!, candidates)).match).toBeNull();
    const before = server.requests.length;
    expect((await judgeEquivalence(model, CARDS.honest!, [])).match).toBeNull();
    expect(server.requests.length).toBe(before);
  });
});

describe('contexts and upgrade stories', () => {
  it('extracts "When …" contexts, reusing existing ones word for word', async () => {
    server.setScript(fakeModel());
    const model = loopbackModel('openai', server);
    const out = await extractContexts(model, { question: QUESTION, card: CARDS.honest!, messages: [user('story')], existing: ['When the user is in distress'] });
    expect(out.contexts).toEqual(['When the user is in distress', 'When the user faces a decision with lasting consequences']);
    expect(out.promptVersion).toMatch(/^contexts\.v1#/);
    expect(cleanContext('  when   someone asks ')).toBe('When someone asks');
    expect(cleanContext('If only')).toBeNull();
  });

  it('proposes upgrades with a story and a reverse story; drops self-loops, unknown ids and reversed duplicates', async () => {
    server.setScript(fakeModel());
    const model = loopbackModel('openai', server);
    const cards = [{ id: 'a', card: CARDS.honest! }, { id: 'b', card: CARDS.autonomy! }, { id: 'c', card: CARDS.mentor! }];
    const out = await proposeUpgrades(model, { context: 'When the user is in distress', cards });
    expect(out.map((u) => `${u.fromId}>${u.toId}`)).toEqual(['a>b', 'b>c']);
    expect(out[0]!.story).toContain('I used to focus on Honest Companionship.');
    expect(out[0]!.reverseStory).toContain('I used to live by');
    expect(out[0]!.promptVersion).toMatch(/^upgrades\.v1#[0-9a-f]{8}\+reverse-story\.v1#/);
    // The reverse-story prompt saw the forward story and the cards swapped (from = B).
    const reverseReq = server.requests.at(-1)!;
    const content = JSON.stringify(reverseReq.body.messages);
    expect(content).toContain('I used to focus on Informed Autonomy.');
    expect(content.indexOf('Wise Mentorship')).toBeLessThan(content.indexOf('Informed Autonomy'));
    expect(await proposeUpgrades(model, { context: 'x', cards: cards.slice(0, 1) })).toEqual([]);
  });
});
