/**
 * Issue 14 item 14: a provider's error text (an internal endpoint URL, whatever the upstream echoes) never
 * reaches a participant. They get a generic message with an id; the admin log has the detail under that
 * id, without secrets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Client, harness, setupDeliberation, type Harness } from '../elicit/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ECHO = 'upstream http://svc:s3cretPW@10.9.8.7:9000/v1 refused: api_key=ZZTOPSECRET model not loaded';

describe('provider failures as participants see them', () => {
  it('the chat shows a generic message with an error id; the admin log has the detail under that id, redacted', async () => {
    const lines: string[] = [];
    h = await harness({ app: { log: (m) => lines.push(m) } });
    const admin = new Client(h.app);
    const { questionId, tokens } = await setupDeliberation(admin, 1);
    const p = new Client(h.app);
    await p.get(`/join/${tokens[0]}`);
    const chat = (await p.post('/api/chats', { questionId })).json;
    await p.turn(chat.id, {});
    h.loopback.setScript(() => ({ fault: 'http', status: 400, body: { error: { message: ECHO } } }));
    const failed = await p.turn(chat.id, { text: 'my story' });

    const error = failed.events.find((e) => e.type === 'error');
    expect(error).toBeDefined();
    const shown = JSON.stringify(failed.events);
    for (const leak of ['10.9.8.7', 's3cretPW', 'ZZTOPSECRET', h.loopback.url, '127.0.0.1', 'OpenAI-compatible endpoint']) expect(shown).not.toContain(leak);
    const id = /error id (e-[0-9a-f]{10})/.exec(error.message)?.[1];
    expect(id, error.message).toBeDefined();
    expect(error.id).toBe(id);

    const logged = lines.filter((l) => l.includes(id!));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('10.9.8.7'); // the admin can see what went wrong …
    expect(logged[0]).toContain('//***@');
    expect(logged[0]).not.toContain('s3cretPW'); // … but not the secrets
    expect(logged[0]).not.toContain('ZZTOPSECRET');
  });

  it("tenet's own checks still reach the participant as they are (no id)", async () => {
    h = await harness();
    const admin = new Client(h.app);
    const { questionId, tokens } = await setupDeliberation(admin, 1);
    const p = new Client(h.app);
    await p.get(`/join/${tokens[0]}`);
    const chat = (await p.post('/api/chats', { questionId })).json;
    const bad = await p.post('/api/chats', { questionId: 'nope' });
    expect(bad.status).toBe(404);
    expect(bad.json.error.id).toBeUndefined();
    const long = await p.turn(chat.id, { text: 'x'.repeat(5000) });
    expect(JSON.stringify([long.events, long.json])).toMatch(/4000 characters/);
  });
});
