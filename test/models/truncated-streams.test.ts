/**
 * A streamed reply that is cut off (the stream just stops, without its end markers) or cut by the timeout is
 * an error, retried, and never returned as a complete reply — on every streaming API. Real HTTP to the
 * loopback server.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer, type Reply } from '../support/loopback-server.ts';
import { KINDS, loopbackModel, user } from './helpers.ts';
import { rejected } from '../support/errors.ts';

const FULL = 'The whole considered answer, from its first word to its very last one.';

let server: LoopbackServer;
let slow: LoopbackServer;
let cutCalls = 0;
beforeAll(async () => {
  server = await startLoopbackServer(() => 'x');
  slow = await startLoopbackServer(() => FULL, { chunkDelayMs: 40 });
});
afterAll(async () => {
  await server.close();
  await slow.close();
});

describe.each(KINDS)('%s streams', (kind) => {
  it('a stream that stops without its end markers is retried, and an error when it keeps happening', async () => {
    server.setScript((): Reply => ({ text: FULL, cutStream: true }));
    const from = server.requests.length;
    const deltas: string[] = [];
    const error = await rejected(loopbackModel(kind, server, { maxRetries: 2 }).chat({ messages: user('hi') }, { onDelta: (_i, d) => deltas.push(d), noCache: true }));
    expect(error.code).toBe('MALFORMED_RESPONSE');
    expect(error.message).toMatch(/stream ended before|before message_stop|before done/);
    expect(server.requests.length - from).toBe(3); // the first try and two retries
    expect(deltas.join('')).toContain('The whole'); // the participant saw text stream, but no reply is returned
  });

  it('a cut-off first attempt followed by a whole one gives the whole reply', async () => {
    cutCalls = 0;
    server.setScript((): Reply => (cutCalls++ === 0 ? { text: FULL, cutStream: true } : FULL));
    const reply = await loopbackModel(kind, server, { maxRetries: 2 }).chat({ messages: user('hi') }, { onDelta: () => {}, noCache: true });
    expect(reply.text).toBe(FULL);
  });

  it('a stream cut by the per-attempt timeout is a TIMEOUT, never a shorter reply', async () => {
    const error = await rejected(loopbackModel(kind, slow, { timeoutMs: 150, maxRetries: 0 }).chat({ messages: user('hi') }, { onDelta: () => {}, noCache: true }));
    expect(error.code).toBe('TIMEOUT');
  });
});
