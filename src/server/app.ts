/**
 * The participants' web app and its admin pages, as a Hono app: JSON API, server-rendered page shells,
 * vanilla scripts under web/elicit/, Cytoscape from node_modules. Nothing is loaded from a CDN.
 *
 * Security model (see docs/elicit.md):
 *  - participants join with an invite token (stored hashed), which becomes an HttpOnly, SameSite=Lax
 *    session cookie (also stored hashed); every participant route reads and writes only that participant's
 *    chats, cards and votes, and reports anything else as not found;
 *  - admin routes need the admin token: `Authorization: Bearer TOKEN`, or the HttpOnly, SameSite=Strict
 *    cookie set by /admin/login: a random session stored (hashed) with an expiry, revoked on sign-out;
 *    the token is compared in constant time;
 *  - state-changing requests must be same-origin (Origin header) and JSON (form posts only for sign-in/out);
 *  - bodies are size-limited and validated with zod; the interview endpoint is rate-limited per participant;
 *  - exports carry no participant ids, stories or comments.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import { TenetError } from '../errors.ts';
import {
  createElicitService,
  MAX_MESSAGE_CHARS,
  newToken,
  type ElicitService,
  type ElicitServiceOptions,
} from '../moralgraph/elicit/service.ts';
import { DeliberationSpecSchema, toNewDeliberation } from '../moralgraph/elicit/inputs.ts';
import type { Participant } from '../store/elicit-repos.ts';
import { adminLoginPage, adminPage, messagePage, participantPage } from './pages.ts';
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitSettings } from './rate-limit.ts';
import { ADMIN_COOKIE, adminSessionHash, safeEqual, sameOrigin, SECURITY_HEADERS, SESSION_COOKIE } from './security.ts';

export interface ElicitAppOptions extends ElicitServiceOptions {
  /** The admin token. Without one the admin routes are closed (403). */
  adminToken?: string;
  /** Per participant, for the endpoints that call a model. */
  rateLimit?: RateLimitSettings;
  /** Mark cookies Secure (set when serving over HTTPS or behind a TLS proxy). Default false. */
  secureCookies?: boolean;
  /** Largest request body for participant routes (default 32 KiB) and admin routes (default 1 MiB). */
  maxBodyBytes?: { participant?: number; admin?: number };
  /** Public base URL used in invite links (default: the request's origin). */
  publicUrl?: string;
  /** How long an admin sign-in lasts (default 12 hours). */
  adminSessionTtlMs?: number;
}

type Env = { Variables: { participant: Participant } };

interface Asset {
  body: string;
  type: string;
}

function loadAssets(): Map<string, Asset> {
  const dir = new URL('../../web/elicit/', import.meta.url);
  const assets = new Map<string, Asset>();
  for (const [name, type] of [
    ['participant.js', 'text/javascript; charset=utf-8'],
    ['admin.js', 'text/javascript; charset=utf-8'],
    ['graph.js', 'text/javascript; charset=utf-8'],
    ['dom.js', 'text/javascript; charset=utf-8'],
    ['style.css', 'text/css; charset=utf-8'],
  ] as const) {
    assets.set(name, { body: readFileSync(new URL(name, dir), 'utf8'), type });
  }
  const require = createRequire(import.meta.url);
  assets.set('cytoscape.min.js', { body: readFileSync(require.resolve('cytoscape/dist/cytoscape.min.js'), 'utf8'), type: 'text/javascript; charset=utf-8' });
  return assets;
}

// ---- input schemas -----------------------------------------------------------------------------------

const id = z.string().min(1).max(200);
const NewChatBody = z.object({ questionId: id }).strict();
const MessageBody = z.object({ text: z.string().max(MAX_MESSAGE_CHARS).optional(), confirm: z.boolean().optional() }).strict();
const MergeBody = z.object({ agree: z.boolean() }).strict();
const ValueVoteBody = z.object({ drawId: z.string().min(1).max(200), shown: z.array(id).max(50), picked: z.array(id).max(50) }).strict();
const VoteBody = z
  .object({
    hypothesisId: id,
    /** Optional: the server knows how it showed the story; when sent, it must agree. */
    direction: z.enum(['forward', 'reverse']).optional(),
    relationship: z.enum(['upgrade', 'no_upgrade', 'not_sure']),
    why: z.string().max(2000).nullable().optional(),
  })
  .strict();
const NewDeliberationBody = DeliberationSpecSchema;
const InviteBody = z.object({ count: z.number().int().min(1).max(1000), label: z.string().max(100).optional() }).strict();
const JobBody = z.object({ kind: z.enum(['dedupe', 'hypotheses']) }).strict();
const GraphQuery = z.object({
  mode: z.enum(['study', 'improved']).default('improved'),
  context: z.string().max(300).optional(),
  show: z.enum(['kept', 'all']).default('all'),
});
const ExportQuery = z.object({ mode: z.enum(['study', 'improved']).default('improved'), format: z.enum(['tenet', 'study']).default('tenet') });

function httpStatusOf(e: TenetError): number {
  const forced = e.details?.status;
  if (typeof forced === 'number') return forced;
  switch (e.code) {
    case 'NOT_FOUND':
      return 404;
    case 'BAD_INPUT':
    case 'BAD_USAGE':
      return 400;
    case 'RATE_LIMITED':
      return 429;
    case 'PROVIDER':
    case 'PROVIDER_AUTH':
    case 'TIMEOUT':
    case 'MALFORMED_RESPONSE':
    case 'STRUCTURED_OUTPUT':
      return 502;
    default:
      return 500;
  }
}

async function jsonBody<T>(c: Context, schema: z.ZodType<T>): Promise<T> {
  const type = c.req.header('content-type') ?? '';
  if (!type.toLowerCase().startsWith('application/json')) {
    throw new TenetError('BAD_INPUT', 'send a JSON body (content-type: application/json)', { details: { status: 415 } });
  }
  let raw: unknown;
  try {
    raw = await c.req.json();
  } catch {
    throw new TenetError('BAD_INPUT', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TenetError('BAD_INPUT', `${issue.path.join('.') || 'body'}: ${issue.message}`, { details: { issues: parsed.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })) } });
  }
  return parsed.data;
}

/** The app and the service behind it. */
export function createElicitApp(options: ElicitAppOptions): { app: Hono<Env>; service: ElicitService } {
  const service = createElicitService(options);
  const assets = loadAssets();
  const limiter = createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  const adminToken = options.adminToken && options.adminToken.length > 0 ? options.adminToken : undefined;
  const adminSessionTtlMs = options.adminSessionTtlMs ?? 12 * 3600 * 1000;
  const secure = options.secureCookies ?? false;
  const participantLimit = bodyLimit({ maxSize: options.maxBodyBytes?.participant ?? 32 * 1024, onError: (c) => c.json({ error: { code: 'BAD_INPUT', message: 'request body too large' } }, 413) });
  const adminLimit = bodyLimit({ maxSize: options.maxBodyBytes?.admin ?? 1024 * 1024, onError: (c) => c.json({ error: { code: 'BAD_INPUT', message: 'request body too large' } }, 413) });
  const app = new Hono<Env>();

  app.onError((err, c) => {
    // The admin sees tenet's (redacted) message; a participant only tenet's own checks, else an error id.
    if (err instanceof TenetError && c.req.path.startsWith('/api/admin/')) {
      return c.json({ error: { code: err.code, message: err.message, ...(err.details?.issues ? { issues: err.details.issues } : {}) } }, httpStatusOf(err) as 400);
    }
    const failure = service.publicError(err, `${c.req.method} ${c.req.path}`);
    const status = err instanceof TenetError ? httpStatusOf(err) : 500;
    const issues = err instanceof TenetError && failure.id === undefined ? err.details?.issues : undefined;
    return c.json({ error: { ...failure, ...(issues ? { issues } : {}) } }, status as 400);
  });

  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (!c.req.path.startsWith('/assets/')) c.res.headers.set('cache-control', 'no-store');
  });

  // Same-origin check for every state-changing request.
  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameOrigin(c.req.header('origin'), c.req.header('host'))) {
      return c.json({ error: { code: 'FORBIDDEN', message: 'cross-origin request refused' } }, 403);
    }
    await next();
  });

  app.get('/assets/:name', (c) => {
    const asset = assets.get(c.req.param('name'));
    if (!asset) return c.notFound();
    return c.body(asset.body, 200, { 'content-type': asset.type, 'cache-control': 'public, max-age=300' });
  });

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/', (c) => c.redirect('/p', 302));

  // ---- participants ----------------------------------------------------------------------------------

  app.get('/join/:token', async (c) => {
    const joined = await service.participant.join(c.req.param('token'));
    if (!joined) return c.html(messagePage('Invite link not valid', 'This invite link is not valid. Check that you copied all of it, or ask the organisers for a new one.', 'error'), 404);
    setCookie(c, SESSION_COOKIE, joined.sessionToken, { httpOnly: true, sameSite: 'Lax', secure, path: '/', expires: new Date(joined.expiresAt) });
    // Redirect so the invite token leaves the address bar.
    return c.redirect('/p', 303);
  });

  async function currentParticipant(c: Context<Env>): Promise<Participant | undefined> {
    return service.participant.fromSession(getCookie(c, SESSION_COOKIE));
  }

  app.get('/p', async (c) => {
    const p = await currentParticipant(c);
    if (!p) return c.html(messagePage('Please use your invite link', 'Open the invite link you were sent to take part. It signs you in on this device.'), 401);
    const overview = await service.participant.overview(p);
    return c.html(participantPage(overview.deliberation.title));
  });

  const api = new Hono<Env>();
  api.use('*', async (c, next) => {
    if (c.req.path.startsWith('/api/admin/')) return next();
    return participantLimit(c, next);
  });
  api.use('*', async (c, next) => {
    if (c.req.path.startsWith('/api/admin/')) return next();
    const p = await currentParticipant(c);
    if (!p) return c.json({ error: { code: 'UNAUTHENTICATED', message: 'open your invite link to sign in' } }, 401);
    c.set('participant', p);
    await next();
  });

  api.get('/me', async (c) => c.json(await service.participant.overview(c.get('participant'))));
  api.post('/logout', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await service.participant.logout(token);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.json({ ok: true });
  });
  api.post('/chats', async (c) => {
    const body = await jsonBody(c, NewChatBody);
    return c.json(await service.participant.openChat(c.get('participant'), body.questionId));
  });
  api.get('/chats/:id', async (c) => c.json(await service.participant.getChat(c.get('participant'), c.req.param('id'))));
  api.post('/chats/:id/messages', async (c) => {
    const p = c.get('participant');
    const body = await jsonBody(c, MessageBody);
    const chat = await service.participant.getChat(p, c.req.param('id')); // 404 before anything streams
    if (chat.status !== 'open') throw new TenetError('BAD_USAGE', 'this interview is finished: the card was submitted', { details: { status: 409 } });
    const wait = limiter.take(p.id);
    if (wait > 0) {
      c.header('retry-after', String(wait));
      return c.json({ error: { code: 'RATE_LIMITED', message: `too many messages; wait ${wait} s` } }, 429);
    }
    return streamSSE(c, async (stream) => {
      const abort = new AbortController();
      stream.onAbort(() => abort.abort());
      let writes = Promise.resolve();
      const send = (event: { type: string }) => {
        writes = writes.then(() => stream.writeSSE({ event: event.type, data: JSON.stringify(event) })).catch(() => {});
      };
      try {
        await service.participant.chatTurn(p, chat.id, body, send, abort.signal);
      } catch (e) {
        const failure = service.publicError(e, `chat ${chat.id}`);
        send({ type: 'error', ...failure, status: e instanceof TenetError ? httpStatusOf(e) : 500 } as { type: string });
      }
      await writes;
    });
  });
  api.post('/cards/:id/merge', async (c) => {
    const body = await jsonBody(c, MergeBody);
    return c.json(await service.participant.decideMerge(c.get('participant'), c.req.param('id'), body.agree));
  });
  api.get('/values/draw', async (c) => c.json(await service.participant.drawValues(c.get('participant'))));
  api.post('/values/vote', async (c) => {
    const body = await jsonBody(c, ValueVoteBody);
    return c.json(await service.participant.submitValueVote(c.get('participant'), body));
  });
  api.get('/votes/draw', async (c) => c.json(await service.participant.drawVotes(c.get('participant'))));
  api.get('/votes', async (c) => c.json(await service.participant.myVotes(c.get('participant'))));
  api.post('/votes', async (c) => {
    const body = await jsonBody(c, VoteBody);
    const res = await service.participant.castVote(c.get('participant'), { ...body, why: body.why ?? null });
    return c.json(res, res.created ? 201 : 200);
  });
  api.get('/position', async (c) => {
    const mode = c.req.query('mode') === 'study' ? 'study' : 'improved';
    return c.json(await service.participant.position(c.get('participant'), mode));
  });

  // ---- admin -----------------------------------------------------------------------------------------

  /** The admin session cookie's stored form, or undefined when there is no usable cookie. */
  function adminSessionOf(c: Context): string | undefined {
    const cookie = getCookie(c, ADMIN_COOKIE);
    if (!adminToken || cookie === undefined || cookie.length < 16 || cookie.length > 200) return undefined;
    return adminSessionHash(adminToken, cookie);
  }

  async function isAdmin(c: Context): Promise<boolean> {
    if (!adminToken) return false;
    const auth = c.req.header('authorization');
    if (auth?.startsWith('Bearer ')) return safeEqual(auth.slice('Bearer '.length).trim(), adminToken);
    const session = adminSessionOf(c);
    return session !== undefined && (await service.repos.adminSessions.valid(session));
  }

  app.get('/admin', async (c) => {
    if (!adminToken) return c.html(messagePage('Admin closed', 'No admin token is configured: start the server with --admin-token or $TENET_ADMIN_TOKEN.', 'error'), 403);
    return c.html((await isAdmin(c)) ? adminPage() : adminLoginPage());
  });
  app.post('/admin/login', adminLimit, async (c) => {
    if (!adminToken) return c.html(messagePage('Admin closed', 'No admin token is configured.', 'error'), 403);
    const form = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
    const token = typeof form.token === 'string' ? form.token : '';
    if (!safeEqual(token, adminToken)) return c.html(adminLoginPage('That token is not right.'), 401);
    // A new session per sign-in: a random id in the cookie, its HMAC stored with an expiry.
    const value = newToken(32);
    await service.repos.adminSessions.create(adminSessionHash(adminToken, value), new Date(Date.now() + adminSessionTtlMs).toISOString());
    setCookie(c, ADMIN_COOKIE, value, { httpOnly: true, sameSite: 'Strict', secure, path: '/', maxAge: Math.max(1, Math.floor(adminSessionTtlMs / 1000)) });
    return c.redirect('/admin', 303);
  });
  app.post('/admin/logout', async (c) => {
    // Revoked on the server: the cookie stops working even if a copy of it survives.
    const session = adminSessionOf(c);
    if (session !== undefined) await service.repos.adminSessions.revoke(session);
    deleteCookie(c, ADMIN_COOKIE, { path: '/' });
    return c.redirect('/admin', 303);
  });

  const adminApi = new Hono<Env>();
  adminApi.use('*', adminLimit);
  adminApi.use('*', async (c, next) => {
    if (!adminToken) return c.json({ error: { code: 'FORBIDDEN', message: 'no admin token is configured on this server' } }, 403);
    if (!(await isAdmin(c))) return c.json({ error: { code: 'UNAUTHENTICATED', message: 'admin token required' } }, 401);
    await next();
  });
  adminApi.get('/deliberations', async (c) => c.json(await service.admin.listDeliberations()));
  adminApi.post('/deliberations', async (c) => {
    const body = await jsonBody(c, NewDeliberationBody);
    const created = await service.admin.createDeliberation(toNewDeliberation(body));
    return c.json(created, 201);
  });
  adminApi.get('/deliberations/:id', async (c) => c.json(await service.admin.detail(c.req.param('id'))));
  adminApi.post('/deliberations/:id/invites', async (c) => {
    const body = await jsonBody(c, InviteBody);
    const invites = await service.admin.invite(c.req.param('id'), { count: body.count, ...(body.label ? { label: body.label } : {}) });
    const base = (options.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
    return c.json(invites.map((i) => ({ ...i, url: `${base}/join/${i.token}` })), 201);
  });
  adminApi.post('/deliberations/:id/jobs', async (c) => {
    const body = await jsonBody(c, JobBody);
    return c.json(await service.admin.startJob(c.req.param('id'), body.kind), 202);
  });
  adminApi.get('/jobs/:id', async (c) => {
    const job = await service.admin.getJob(c.req.param('id'));
    if (!job) throw new TenetError('NOT_FOUND', 'job not found');
    return c.json(job);
  });
  adminApi.get('/deliberations/:id/graph', async (c) => {
    const q = GraphQuery.safeParse(c.req.query());
    if (!q.success) throw new TenetError('BAD_INPUT', 'graph: mode is study|improved, show is kept|all');
    return c.json(await service.admin.graph(c.req.param('id'), { mode: q.data.mode, context: q.data.context || null, show: q.data.show }));
  });
  adminApi.get('/deliberations/:id/export', async (c) => {
    const q = ExportQuery.safeParse(c.req.query());
    if (!q.success) throw new TenetError('BAD_INPUT', 'export: format is tenet|study, mode is study|improved');
    const doc = await service.admin.exportGraph(c.req.param('id'), q.data);
    const name = `moral-graph-${c.req.param('id').replace(/[^A-Za-z0-9_-]/g, '')}-${q.data.mode}.${q.data.format}.json`;
    return c.body(`${JSON.stringify(doc, null, 2)}\n`, 200, {
      'content-type': 'application/json; charset=utf-8',
      'content-disposition': `attachment; filename="${name}"`,
    });
  });
  app.route('/api/admin', adminApi);
  app.route('/api', api);

  app.notFound((c) => (c.req.path.startsWith('/api/') ? c.json({ error: { code: 'NOT_FOUND', message: 'not found' } }, 404) : c.html(messagePage('Not found', 'There is nothing at this address.'), 404)));

  return { app, service };
}
