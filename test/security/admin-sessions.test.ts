/**
 * Issue 14 item 16: admin sign-in makes a session with an id and an expiry, stored on the server; sign-out
 * revokes it there, so a copy of the cookie taken before sign-out no longer works.
 */
import { hashedEncoder } from '../../src/models/encoder.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { createElicitApp } from '../../src/server/app.ts';
import { ADMIN_TOKEN, Client, harness, type Harness } from '../elicit/harness.ts';
import { loopbackModel } from '../models/helpers.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const form = { 'content-type': 'application/x-www-form-urlencoded' };

async function signIn(c: Client): Promise<string> {
  const ok = await c.request('POST', '/admin/login', `token=${ADMIN_TOKEN}`, form);
  expect(ok.status).toBe(303);
  return c.cookies.get('tenet_admin')!;
}

describe('admin sessions', () => {
  it('each sign-in is its own session; sign-out revokes it on the server (a copied cookie stops working)', async () => {
    h = await harness();
    const a = new Client(h.app);
    const b = new Client(h.app);
    const cookieA = await signIn(a);
    const cookieB = await signIn(b);
    expect(cookieA).not.toBe(cookieB); // sessions have ids, not one fixed value per token
    expect(cookieA).not.toContain(ADMIN_TOKEN);

    const thief = new Client(h.app);
    thief.cookies.set('tenet_admin', cookieA);
    expect((await thief.get('/api/admin/deliberations')).status).toBe(200);

    expect((await a.request('POST', '/admin/logout', '', form)).status).toBe(303);
    expect(a.cookies.has('tenet_admin')).toBe(false);
    expect((await thief.get('/api/admin/deliberations')).status).toBe(401); // revoked, not just deleted in the browser
    expect((await thief.get('/admin')).text).toContain('Admin token'); // the sign-in page again
    expect((await b.get('/api/admin/deliberations')).status).toBe(200); // other sessions live on

    // What is stored is not the cookie.
    const rows = await h.store.kysely.selectFrom('elicit_admin_sessions' as never).selectAll().execute();
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(cookieA);
    expect(rows.filter((r: any) => r.revoked_at !== null)).toHaveLength(1);

    expect(await h.service.repos.adminSessions.revokeAll()).toBe(1);
    expect((await b.get('/api/admin/deliberations')).status).toBe(401);
  });

  it('a session expires, and one made under another admin token is refused', async () => {
    h = await harness({ app: { adminSessionTtlMs: 1000 } });
    const a = new Client(h.app);
    const cookie = await signIn(a);
    expect((await a.get('/api/admin/deliberations')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await a.get('/api/admin/deliberations')).status).toBe(401);

    const fresh = await signIn(a);
    const other = createElicitApp({ store: h.store, model: loopbackModel('openai', h.loopback), embedder: hashedEncoder(), adminToken: `${ADMIN_TOKEN}-rotated`, cacheMs: 0 });
    const c = new Client(other.app);
    c.cookies.set('tenet_admin', fresh);
    expect((await c.get('/api/admin/deliberations')).status).toBe(401);
    expect(cookie).not.toBe(fresh);
  });
});
