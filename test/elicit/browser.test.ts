/**
 * Browser tests in headless Chromium (the system's /usr/bin/chromium through playwright-core) against the
 * real HTTP server and the scripted loopback model: a participant completes the interview, submits a card,
 * picks wise values, answers the "wiser?" questions and sees their place in the graph; the admin creates
 * the deliberation, invites, runs the jobs, browses the graph and exports it. Screenshots of both flows
 * are written to docs/elicit-participant.png and docs/elicit-admin.png when missing or when TENET_UPDATE_SCREENSHOTS=1.
 */
import { hashedEncoder } from '../../src/models/encoder.ts';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createElicitApp } from '../../src/server/app.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';
import { fakeModel } from './fake-model.ts';
import { ADMIN_TOKEN, Client, admin, interview } from './harness.ts';

const CHROMIUM = process.env.TENET_CHROMIUM ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.info(`[elicit] browser tests skipped: no Chromium at ${CHROMIUM}. Install it (Debian/Ubuntu: apt-get install chromium) or point TENET_CHROMIUM at a Chromium binary.`);
}

const DOCS = path.resolve(import.meta.dirname, '../../docs');
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

describe.skipIf(!haveChromium)('browser: participant and admin flows (headless Chromium)', () => {
  let loopback: LoopbackServer;
  let store: Store;
  let dir: string;
  let url: string;
  let closeServer: () => Promise<void>;
  let app: ReturnType<typeof createElicitApp>['app'];
  let service: ReturnType<typeof createElicitApp>['service'];
  let browser: import('playwright-core').Browser;

  beforeAll(async () => {
    loopback = await startLoopbackServer(fakeModel(), { chunkDelayMs: 4 });
    dir = mkdtempSync(path.join(tmpdir(), 'tenet-elicit-browser-'));
    store = await openStore(path.join(dir, 'elicit.db'));
    ({ app, service } = createElicitApp({ store, model: loopbackModel('openai', loopback), embedder: hashedEncoder(), adminToken: ADMIN_TOKEN, cacheMs: 0 }));
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    closeServer = () => new Promise((r) => { server.close(() => r()); (server as unknown as { closeAllConnections(): void }).closeAllConnections(); });
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await closeServer?.();
    await service?.idle();
    await store?.close();
    await loopback?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('participant interview → card → values → wiser? votes → graph; admin jobs → graph → export', async () => {
    const errors: string[] = [];
    const shots: Record<string, Buffer> = {};

    // ---- admin: sign in, create the deliberation, invite ------------------------------------------------
    const adminCtx = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    const adminPage = await adminCtx.newPage();
    adminPage.on('pageerror', (e) => errors.push(`admin: ${e.message}`));
    adminPage.on('console', (m) => { if (m.type() === 'error') errors.push(`admin console: ${m.text()}`); });
    await adminPage.goto(`${url}/admin`);
    await adminPage.fill('#token', ADMIN_TOKEN);
    await adminPage.click('button[type=submit]');
    await adminPage.waitForSelector('#d-title');
    await adminPage.fill('#d-title', 'How should an assistant answer a hard personal question?');
    await adminPage.fill('#d-description', 'A pilot deliberation on one question from the 2023 study.');
    await adminPage.fill('#q-title-1', 'Abortion');
    await adminPage.fill('#q-text-1', 'I am a christian girl and I am considering getting an abortion – what should I do?');
    await adminPage.fill('#d-contexts', 'When the user is in distress\nWhen the user is making a decision');
    await adminPage.fill('#d-votes', '3');
    await adminPage.click('button:has-text("Create deliberation")');
    await adminPage.waitForSelector('#create-invites');
    await adminPage.fill('#inv-count', '5');
    await adminPage.fill('#inv-label', 'pilot');
    await adminPage.click('#create-invites');
    const links = (await adminPage.textContent('#invite-links'))!.trim().split('\n');
    expect(links).toHaveLength(5);
    expect(links[0]).toMatch(new RegExp(`^${url}/join/[A-Za-z0-9_-]{20,}$`));
    const tokens = links.map((l) => l.slice(l.lastIndexOf('/') + 1));
    const [deliberation] = await service.repos.deliberations.list();
    const questionId = (await service.repos.deliberations.questions(deliberation!.id))[0]!.id;

    // Three other participants, through the API (fast), with three different values.
    const others = [];
    for (const [i, story] of (['autonomy', 'mentor', 'faith'] as const).entries()) others.push(await interview(app, tokens[i + 1]!, questionId, story));

    // ---- participant: the interview in the browser --------------------------------------------------------
    const pCtx = await browser.newContext({ viewport: { width: 1000, height: 900 } });
    const page = await pCtx.newPage();
    page.on('pageerror', (e) => errors.push(`participant: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(`participant console: ${m.text()}`); });
    await page.goto(links[0]!);
    expect(new URL(page.url()).pathname).toBe('/p'); // the token left the address bar
    await page.click('button:has-text("Start")');
    await page.waitForSelector('.bubble.assistant:not(.typing)');
    await expect.poll(() => page.textContent('.chat')).toContain('Can you tell me about a time');
    await page.fill('#reply', 'When I was scared, my sister was honest with me and stayed with me.');
    await page.click('button:has-text("Send")');
    await expect.poll(() => page.textContent('.chat')).toContain('What were you paying attention to');
    await page.fill('#reply', 'Whether she was honest, and whether I felt less alone with my choice.');
    await page.click('button:has-text("Send")');
    await page.waitForSelector('.chat .vcard');
    expect(await page.textContent('.chat .vcard h3')).toBe('Honest Companionship');
    await page.waitForSelector('#confirm-card:not([disabled])');
    shots.chat = await page.screenshot({ fullPage: false });
    await page.click('#confirm-card');

    // Values step (the participant's own value is not among the choices).
    await page.waitForSelector('.choice');
    const titles = await page.$$eval('.choice .vcard h3', (els) => els.map((e) => e.textContent));
    expect(titles.sort()).toEqual(['Faithful Discernment', 'Informed Autonomy', 'Wise Mentorship']);
    await page.check('#pick-0');
    await page.check('#pick-2');
    shots.values = await page.screenshot({ fullPage: false });

    // ---- admin: run the jobs while the participant chooses -----------------------------------------------
    await adminPage.reload();
    await adminPage.click('#run-dedupe');
    await adminPage.waitForSelector('#jobs .badge.done');
    await adminPage.click('#run-hypotheses');
    await expect.poll(async () => adminPage.$$eval('#jobs .badge.done', (e) => e.length), { timeout: 15_000 }).toBe(2);
    expect(await service.repos.hypotheses.list(deliberation!.id)).not.toHaveLength(0);

    // ---- participant: wiser? votes ----------------------------------------------------------------------
    await page.click('button:has-text("Continue")');
    await page.waitForSelector('blockquote.story');
    let answered = 0;
    for (;;) {
      await page.waitForSelector('blockquote.story');
      if (answered === 0) {
        await page.check('input[value=upgrade]');
        await page.fill('#why', 'They kept what mattered and saw more.');
        shots.vote = await page.screenshot({ fullPage: false });
      } else {
        await page.check(answered % 2 ? 'input[value=not_sure]' : 'input[value=upgrade]');
      }
      const last = (await page.textContent('button[type=submit]')) === 'Finish';
      await page.click('button[type=submit]');
      answered++;
      if (last) break;
      await expect.poll(() => page.textContent('.row .muted.small')).toMatch(new RegExp(`^Story ${answered + 1} `));
    }
    expect(answered).toBe(3);

    // Others vote as well, so the graph has edges.
    for (const o of others) {
      for (const q of (await o.client.get('/api/votes/draw')).json) await o.client.post('/api/votes', { hypothesisId: q.hypothesisId, direction: q.direction, relationship: 'upgrade' });
    }

    // ---- participant: position ---------------------------------------------------------------------------
    await page.waitForSelector('#graph canvas');
    await page.reload();
    await page.waitForSelector('#graph canvas');
    await page.waitForTimeout(300);
    expect(await page.textContent('main h1')).toBe('Where your value sits');
    shots.position = await page.screenshot({ fullPage: false });
    const participantVotes = await service.repos.votes.list(deliberation!.id);
    expect(participantVotes.filter((v) => v.why === 'They kept what mattered and saw more.')).toHaveLength(1);

    // ---- admin: graph and export -------------------------------------------------------------------------
    await adminPage.reload();
    await adminPage.waitForSelector('#graph canvas');
    await adminPage.selectOption('#g-mode', 'study');
    await adminPage.waitForTimeout(300);
    await adminPage.waitForSelector('#graph canvas');
    const [download] = await Promise.all([adminPage.waitForEvent('download'), adminPage.click('#export-tenet')]);
    const exported = readFileSync((await download.path())!, 'utf8');
    const doc = JSON.parse(exported);
    expect(doc).toMatchObject({ format: 'tenet/moral-graph', aggregation: { mode: 'study' } });
    expect(doc.provenance.voteCount).toBe(await service.repos.votes.count(deliberation!.id));
    for (const p of await service.repos.participants.list(deliberation!.id)) expect(exported).not.toContain(p.id);
    expect(exported).not.toContain('They kept what mattered');
    const [studyDownload] = await Promise.all([adminPage.waitForEvent('download'), adminPage.click('#export-study')]);
    expect(Object.keys(JSON.parse(readFileSync((await studyDownload.path())!, 'utf8'))).sort()).toEqual(['edges', 'values']);
    // Select a value to show its card beside the graph.
    // (The callback runs in the page; `globalThis` is its window.)
    await adminPage.evaluate(() => {
      const doc = (globalThis as any).document;
      doc.getElementById('graph').tenetGraph.nodes().filter((n: any) => n.data('label') === 'Honest Companionship').emit('tap');
      (globalThis as any).scrollTo(0, 0);
    });
    expect(await adminPage.textContent('#node-info h3')).toMatch(/Honest Companionship/);
    const adminShot = await adminPage.screenshot({ fullPage: true });

    // The admin API needs the token; the participant's cookie is not enough.
    const anon = new Client(app);
    expect((await anon.get(`/api/admin/deliberations/${deliberation!.id}/export`)).status).toBe(401);
    expect((await anon.get(`/api/admin/deliberations/${deliberation!.id}/export`, admin)).status).toBe(200);

    expect(errors).toEqual([]);

    // ---- screenshots -------------------------------------------------------------------------------------
    const composePage = await browser.newPage({ viewport: { width: 2000, height: 1800 } });
    const img = (b: Buffer) => `data:image/png;base64,${b.toString('base64')}`;
    await composePage.setContent(`<!doctype html><html><body style="margin:0;background:#dfe3ea;font:600 22px system-ui,sans-serif;color:#1d2330">
      <div style="display:grid;grid-template-columns:1fr 1fr;gap:20px;padding:20px">
      ${[['1. Interview: the card shown', shots.chat], ['2. Which values are wise to consider?', shots.values], ['3. Did this person become wiser?', shots.vote], ['4. Where your value sits', shots.position]]
        .map(([t, b]) => `<figure style="margin:0"><figcaption style="margin:0 0 8px">${t}</figcaption><img style="width:100%;border:1px solid #b8bfcc;border-radius:8px" src="${img(b as Buffer)}"></figure>`)
        .join('')}
      </div></body></html>`);
    const participantShot = await composePage.screenshot({ fullPage: true });
    await composePage.close();
    // docs/ keeps its screenshots unless they are missing or TENET_UPDATE_SCREENSHOTS=1 asks for new ones
    const { existsSync, writeFileSync } = await import('node:fs');
    for (const [name, shot] of [['elicit-participant.png', participantShot], ['elicit-admin.png', adminShot]] as const) {
      const target = path.join(DOCS, name);
      if (process.env.TENET_UPDATE_SCREENSHOTS === '1' || !existsSync(target)) writeFileSync(target, shot);
    }
    await adminCtx.close();
    await pCtx.close();
  }, 120_000);
});
