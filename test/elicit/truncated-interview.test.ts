/**
 * The interviewer's streamed reply, cut off before its end (no finish_reason, no [DONE]), is never saved as
 * a complete reply: it is retried, and when it keeps failing the participant is told and the chat holds no
 * partial answer. Real SSE from the app, real HTTP to the loopback model.
 */
import { afterEach, expect, it } from 'vitest';
import type { Reply, ScriptRequest } from '../support/loopback-server.ts';
import { FIRST_QUESTION, fakeModel } from './fake-model.ts';
import { Client, harness, setupDeliberation, type Harness } from './harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('a truncated interviewer stream is retried, then reported to the participant, and never stored as a reply', async () => {
  h = await harness();
  const { questionId, tokens } = await setupDeliberation(new Client(h.app), 1);
  const base = fakeModel();
  let cut = true;
  let interviewCalls = 0;
  h.loopback.setScript((req: ScriptRequest): Reply => {
    const isInterview = (req.tools ?? []).some((t) => t.name === 'show_values_card');
    if (isInterview) interviewCalls++;
    return isInterview && cut ? { text: FIRST_QUESTION.slice(0, 30), cutStream: true } : base(req);
  });
  const client = new Client(h.app);
  expect((await client.get(`/join/${tokens[0]}`)).status).toBe(303);
  const chatId = (await client.post('/api/chats', { questionId })).json.id as string;

  const failed = await client.turn(chatId, {});
  expect(failed.status).toBe(200);
  expect(interviewCalls).toBe(4); // the first try and three retries
  const types = failed.events.map((e) => e.type);
  expect(types).toContain('error');
  expect(failed.events.find((e) => e.type === 'error').message).toMatch(/Send your message again, or press Retry/);
  const stored = await h.service.repos.chats.get(chatId);
  expect(stored!.messages.filter((m) => m.role === 'assistant')).toEqual([]);

  // the upstream recovers: the same turn now gives the whole reply, stored once
  cut = false;
  const ok = await client.turn(chatId, {});
  expect(ok.events.map((e) => e.type)).not.toContain('error');
  const after = await h.service.repos.chats.get(chatId);
  const replies = after!.messages.filter((m) => m.role === 'assistant');
  expect(replies.map((m) => m.content)).toEqual([FIRST_QUESTION]);
});
