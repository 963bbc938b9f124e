/**
 * `tenet view`'s server: the built single-page app (web/view/, built into dist/web/view/) and a read-only
 * JSON API over the store in the shapes of src/view/api.ts. The writes — flagging a judgment as wrong
 * (POST /api/disputes), drawing a label sample and labelling an item (the Label page) — are same-origin and
 * JSON only. The same CSP and headers as the elicitation app; when
 * a token is set (required off loopback), every request needs it: `Authorization: Bearer TOKEN`, or the
 * HttpOnly cookie set by opening `/?token=TOKEN` once.
 *
 * Against DNS rebinding: every route checks the Host header (server/security.ts `hostCheck`), and a write
 * needs the per-launch write token, random at start and put into the served page (a <meta> the front end
 * reads and sends back as `X-Tenet-Write-Token`), which only a page this server served can know.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { getCookie, setCookie } from 'hono/cookie';
import { stream } from 'hono/streaming';
import { TenetError } from '../errors.ts';
import { escapeHtml } from '../server/pages.ts';
import { hostCheck, safeEqual, sameOrigin, SECURITY_HEADERS } from '../server/security.ts';
import type { Store } from '../store/index.ts';
import { DisputeBodySchema, LabelBodySchema, LabelSampleBodySchema, SamplesQuerySchema, type RunsResponse } from './api.ts';
import { addLabel, drawLabelSampleView, labelItems, labelSamples } from './labels.ts';
import { compareView, graphResponse, leaderboardView, listGraphs, runReport, runSummary } from './data.ts';
import { startReportThread, type ReportThread } from './report-thread.ts';
import { discoverConversation, discoverView } from './discover.ts';
import { addDispute, getRunItem, iterateRows, listDisputes, listRunItems, samplesPage, sampleDetail } from './queries.ts';

/** Where `npm run build` puts the front end (app.js, app.css), from src/view/ and from dist/view/ alike. */
export const VIEW_ASSETS_DIR = new URL('../../dist/web/view/', import.meta.url);

export interface ViewAppOptions {
  store: Store;
  /** Moral graph files (study or tenet JSON) to show beside the store's elicitations. */
  graphs?: readonly string[];
  /** Required on every request when set. */
  token?: string;
  /** The address the server listens on, accepted as a Host besides localhost and IP addresses. */
  host?: string;
  /** More host names to answer to (a proxy's; a leading dot matches subdomains too). */
  allowedHosts?: readonly string[];
  /** The write token (default: random per app). */
  writeToken?: string;
  /**
   * The store's location (file path or Postgres URL, as given to openStore): run reports are then computed
   * on a worker thread with its own connection, so a large run's bootstrap does not stall other requests.
   */
  storeLocation?: string;
  /** The built front end (default VIEW_ASSETS_DIR). */
  assetsDir?: URL | string;
  log?: (line: string) => void;
}

const TOKEN_COOKIE = 'tenet_view';

/** The header a write carries the per-launch write token in, and the <meta> the page gets it from. */
export const WRITE_TOKEN_HEADER = 'x-tenet-write-token';
export const WRITE_TOKEN_META = 'tenet-write-token';

export interface ViewAssets {
  js: string;
  css: string;
}

/** The built app (from `dir`, else $TENET_VIEW_ASSETS, else VIEW_ASSETS_DIR), or a clear error saying how to build it. */
export function loadViewAssets(dir: URL | string = process.env.TENET_VIEW_ASSETS || VIEW_ASSETS_DIR): ViewAssets {
  const base = typeof dir === 'string' ? new URL(`file://${dir.endsWith('/') ? dir : `${dir}/`}`) : dir;
  const js = new URL('app.js', base);
  if (!existsSync(js)) {
    throw new TenetError('NOT_FOUND', `the viewer's front end is not built (no ${js.pathname})`, { hint: 'run `npm run build` in the tenet folder (it builds web/view/ with Vite)' });
  }
  return { js: readFileSync(js, 'utf8'), css: readFileSync(new URL('app.css', base), 'utf8') };
}

/**
 * The page shell. The stylesheet link carries the id Cytoscape looks for before injecting a <style>
 * element (which the CSP would block). `dataScript`: the static export's data file, read before the app.
 */
export function viewShell(options: { base: string; title?: string; dataScript?: string; csp?: string; writeToken?: string }): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    ${options.csp ? `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(options.csp)}">` : ''}
    ${options.writeToken ? `<meta name="${WRITE_TOKEN_META}" content="${escapeHtml(options.writeToken)}">` : ''}
    <title>${escapeHtml(options.title ?? 'tenet view')}</title>
    <link rel="stylesheet" href="${options.base}app.css" id="__________cytoscape_stylesheet">
    ${options.dataScript ? `<script src="${options.dataScript}"></script>` : ''}
    <script src="${options.base}app.js" defer></script>
  </head>
  <body>
    <div id="root"><p class="loading">Loading…</p></div>
    <noscript><p>tenet view needs JavaScript.</p></noscript>
  </body>
</html>
`;
}

function statusOf(e: TenetError): 400 | 404 | 500 {
  return e.code === 'NOT_FOUND' ? 404 : e.code === 'BAD_INPUT' || e.code === 'BAD_USAGE' ? 400 : 500;
}

function parseQuery<T>(schema: { safeParse(x: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, raw: unknown): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TenetError('BAD_INPUT', `${issue.path.map(String).join('.') || 'query'}: ${issue.message}`);
  }
  return parsed.data;
}

function runList(c: Context): string[] {
  return (c.req.query('runs') ?? '').split(',').map((s) => s.trim()).filter(Boolean).slice(0, 20);
}

export function createViewApp(options: ViewAppOptions): Hono & { reportThread?: ReportThread; writeToken: string } {
  const { store } = options;
  const thread = options.storeLocation && options.storeLocation !== ':memory:' ? startReportThread(options.storeLocation) : undefined;
  const assets = loadViewAssets(options.assetsDir);
  const graphs = { store, files: options.graphs ?? [] };
  const token = options.token && options.token.length > 0 ? options.token : undefined;
  const writeToken = options.writeToken || randomBytes(24).toString('base64url');
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof TenetError) return c.json({ error: { code: err.code, message: err.message } }, statusOf(err));
    options.log?.(`internal error on ${c.req.method} ${c.req.path}: ${err instanceof Error ? err.stack : String(err)}`);
    return c.json({ error: { code: 'INTERNAL', message: 'internal error' } }, 500);
  });

  app.use('*', async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
    if (!c.req.path.startsWith('/assets/')) c.res.headers.set('cache-control', 'no-store');
  });

  app.use('*', hostCheck({ ...(options.host ? { bound: options.host } : {}), allowed: options.allowedHosts ?? [] }));

  if (token) {
    app.use('*', async (c, next) => {
      const given = c.req.query('token');
      if (given !== undefined && safeEqual(given, token) && c.req.method === 'GET' && c.req.path === '/') {
        setCookie(c, TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'Strict', path: '/' });
        return c.redirect('/', 303);
      }
      const auth = c.req.header('authorization');
      const ok = auth?.startsWith('Bearer ') ? safeEqual(auth.slice(7).trim(), token) : safeEqual(getCookie(c, TOKEN_COOKIE) ?? '', token);
      if (!ok) return c.json({ error: { code: 'UNAUTHENTICATED', message: 'this viewer needs its token: open /?token=TOKEN once, or send Authorization: Bearer TOKEN' } }, 401);
      await next();
    });
  }

  app.use('*', async (c, next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !sameOrigin(c.req.header('origin'), c.req.header('host'))) {
      return c.json({ error: { code: 'FORBIDDEN', message: 'cross-origin request refused' } }, 403);
    }
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD' && !safeEqual(c.req.header(WRITE_TOKEN_HEADER) ?? '', writeToken)) {
      return c.json({ error: { code: 'FORBIDDEN', message: `a write needs this launch's write token in ${WRITE_TOKEN_HEADER} (the viewer's page carries it; reload it after a restart)` } }, 403);
    }
    await next();
  });

  app.get('/', (c) => c.html(viewShell({ base: '/assets/', writeToken })));
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/assets/app.js', (c) => c.body(assets.js, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-cache' }));
  app.get('/assets/app.css', (c) => c.body(assets.css, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'no-cache' }));

  app.get('/api/runs', async (c) => {
    const runs = await listRunItems(store);
    const body: RunsResponse = { store: store.describe().location, runs, live: true };
    return c.json(body);
  });
  app.get('/api/runs/:id', async (c) => c.json(await runSummary(store, c.req.param('id'))));
  app.get('/api/runs/:id/report', async (c) => c.json(await runReport(store, c.req.param('id'), thread)));
  app.get('/api/runs/:id/discover', async (c) => c.json(await discoverView(store, c.req.param('id'))));
  app.get('/api/runs/:id/conversations/:cid', async (c) => c.json(await discoverConversation(store, c.req.param('id'), c.req.param('cid'))));
  app.get('/api/runs/:id/samples', async (c) => {
    const { run } = await getRunItem(store, c.req.param('id'));
    return c.json(await samplesPage(store, run, parseQuery(SamplesQuerySchema, c.req.query())));
  });
  app.get('/api/runs/:id/samples.jsonl', async (c) => {
    const { run } = await getRunItem(store, c.req.param('id'));
    const q = parseQuery(SamplesQuerySchema, c.req.query());
    c.header('content-type', 'application/x-ndjson; charset=utf-8');
    return stream(c, async (out) => {
      for await (const rows of iterateRows(store, run, q)) {
        if (out.aborted) return;
        await out.write(rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
      }
    });
  });
  app.get('/api/runs/:id/samples/:sampleId', async (c) => {
    const { run } = await getRunItem(store, c.req.param('id'));
    return c.json(await sampleDetail(store, run, c.req.param('sampleId')));
  });
  app.get('/api/runs/:id/disputes', async (c) => {
    await getRunItem(store, c.req.param('id'));
    return c.json(await listDisputes(store, { runId: c.req.param('id') }));
  });
  const smallBody = bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.json({ error: { code: 'BAD_INPUT', message: 'request body too large' } }, 413) });
  const jsonBody = async <T>(c: Context, schema: Parameters<typeof parseQuery<T>>[0]): Promise<T> => {
    if (!(c.req.header('content-type') ?? '').toLowerCase().startsWith('application/json')) throw new TenetError('BAD_INPUT', 'send a JSON body (content-type: application/json)');
    return parseQuery(schema, await c.req.json().catch(() => { throw new TenetError('BAD_INPUT', 'the body is not valid JSON'); }));
  };
  app.post('/api/disputes', smallBody, async (c) => {
    const body = await jsonBody(c, DisputeBodySchema);
    return c.json(await addDispute(store, body.judgmentId, body.reason), 201);
  });
  app.get('/api/runs/:id/label-samples', async (c) => c.json(await labelSamples(store, c.req.param('id'))));
  app.post('/api/runs/:id/label-samples', smallBody, async (c) => {
    const body = await jsonBody(c, LabelSampleBodySchema);
    await getRunItem(store, c.req.param('id'));
    return c.json(await drawLabelSampleView(store, c.req.param('id'), body.size, body.seed), 201);
  });
  app.get('/api/runs/:id/label-samples/:seed', async (c) => {
    const seed = Number(c.req.param('seed'));
    if (!Number.isInteger(seed) || seed < 0) throw new TenetError('BAD_INPUT', `seed: expected a non-negative integer, got ${c.req.param('seed')}`);
    await getRunItem(store, c.req.param('id'));
    return c.json(await labelItems(store, c.req.param('id'), seed, c.req.query('labeller')));
  });
  app.post('/api/labels', smallBody, async (c) => c.json(await addLabel(store, await jsonBody(c, LabelBodySchema)), 201));
  app.get('/api/compare', async (c) => c.json(await compareView(store, runList(c))));
  app.get('/api/leaderboard', async (c) => c.json(await leaderboardView(store, runList(c))));
  app.get('/api/graphs', async (c) => c.json(await listGraphs(graphs)));
  app.get('/api/graphs/:id', async (c) => c.json(await graphResponse(graphs, c.req.param('id'))));

  app.notFound((c) => (c.req.path.startsWith('/api/') ? c.json({ error: { code: 'NOT_FOUND', message: 'not found' } }, 404) : c.html(`<!doctype html><title>Not found</title><p>Nothing here. <a href="/">tenet view</a></p>`, 404)));
  return Object.assign(app, { writeToken }, thread ? { reportThread: thread } : {});
}
