/**
 * The viewer in a real browser (the system Chromium via playwright-core) over real bench runs (loopback
 * models over HTTP, the offline judge) in a SQLite store: the runs list; a bench run's EVR read from the
 * page equals the report's; samples filtered by foundation and by score; two runs compared (with the K
 * warning); a moral graph drawn by Cytoscape; a judgment flagged and counted (the page sends its write
 * token); the static export opened from file:// with no network request, under the server's CSP; no
 * console error, page error or CSP violation anywhere.
 *
 * Screenshots go to docs/viewer-*.png when missing there or when TENET_UPDATE_SCREENSHOTS=1.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportData } from '../../src/report/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { exportView, loadViewAssets, serveView, type ViewServer } from '../../src/view/index.ts';
import { chromiumMissing, launchChromium, watchedPage } from '../report/browser.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';
import { buildViewAssets } from './build.ts';
import { makeProbeRun, makeViewRuns, startViewModels, type ViewRuns } from './fixtures.ts';

if (chromiumMissing) console.warn(`[test/view] ${chromiumMissing}`);

const dir = mkdtempSync(join(tmpdir(), 'tenet-view-browser-'));
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const GRAPH = fileURLToPath(new URL('../fixtures/moral-graph/study-small.json', import.meta.url));

async function keep(page: Page, name: string): Promise<void> {
  const shot = join(dir, name);
  await page.screenshot({ path: shot, fullPage: false });
  const target = join(DOCS, name);
  if (process.env.TENET_UPDATE_SCREENSHOTS === '1' || !existsSync(target)) copyFileSync(shot, target);
}

interface Problems {
  console: string[];
  errors: string[];
  foreign: string[];
}

/** A page on the live viewer that records console errors and warnings, page errors and any request elsewhere. */
async function livePage(browser: Browser, origin: string): Promise<{ page: Page; problems: Problems; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: Problems = { console: [], errors: [], foreign: [] };
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.console.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => problems.errors.push(e.message));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    problems.foreign.push(url);
    return route.abort();
  });
  return { page, problems, close: () => context.close() };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

describe.skipIf(chromiumMissing !== undefined)('tenet view in headless Chromium', () => {
  let browser: Browser;
  let models: LoopbackServer;
  let store: Store;
  let runs: ViewRuns;
  let view: ViewServer;
  let assetsDir: string;
  let probeRun: string;

  beforeAll(async () => {
    [browser, models, assetsDir] = await Promise.all([launchChromium(), startViewModels(), buildViewAssets()]);
    store = await openStore(join(dir, 'view.db'));
    runs = await makeViewRuns(store, models, dir);
    probeRun = await makeProbeRun(store);
    view = await serveView({ store, port: 0, assetsDir, graphs: [GRAPH] });
  }, 180_000);
  afterAll(async () => {
    await view?.close();
    await browser?.close();
    await models?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs list → a bench run: its EVR on the page is the report\'s; samples filter by foundation and score; flagging counts', async () => {
    const { page, problems, close } = await livePage(browser, view.url);
    try {
      await page.goto(view.url);
      await page.locator('table.runs tbody tr').first().waitFor();
      expect(await page.locator('table.runs tbody tr').count()).toBeGreaterThanOrEqual(3);
      expect(await page.locator(`tr[data-run="${runs.runA}"] td.num`).first().textContent()).toBe('120');
      // keyboard: the list is navigable; Enter opens the selected run
      await keep(page, 'viewer-runs.png');
      await page.locator('.table-wrap').focus();
      const order = await page.locator('table.runs tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-run')));
      const indexA = order.indexOf(runs.runA);
      for (let i = 0; i < indexA; i++) await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      await page.locator('#metrics').waitFor();
      expect(page.url()).toContain(`#/run/${runs.runA}`);

      const report = await loadReportData(store, runs.runA);
      for (const m of report.models) {
        const shown = await page.locator(`#metrics tr[data-model="${m.model}"] td.evr .value`).textContent();
        expect(shown).toBe(pct(m.metrics.overall.evr!));
        // the CI's method is named beside it
        expect(await page.locator(`#metrics tr[data-model="${m.model}"] td.evr .ci-method`).textContent()).toBe(` ${m.metrics.overall.ci_method!.evr}`);
      }
      expect(await page.locator('#radars svg.chart').count()).toBe(2);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      await keep(page, 'viewer-run.png');

      // samples: filter by foundation, then by score
      await page.locator('nav.tabs a', { hasText: 'Samples' }).click();
      await expect.poll(() => page.locator('#sample-count').textContent()).toMatch(/^120 samples/);
      await page.selectOption('select[name="foundation"]', 'care');
      await expect.poll(() => page.locator('#sample-count').textContent()).toMatch(/^24 samples match/);
      const foundations = await page.locator('.grid-row .foundation').allTextContents();
      expect(foundations.length).toBeGreaterThan(0);
      expect(new Set(foundations)).toEqual(new Set(['care']));
      await expect.poll(() => page.url()).toContain('foundation=care');
      await page.fill('input[name="min"]', '0.8');
      await expect.poll(async () => Number(/^(\d+)/.exec((await page.locator('#sample-count').textContent()) ?? '')?.[1])).toBeLessThan(24);
      const scores = (await page.locator('.grid-row .score').allTextContents()).map(Number);
      expect(scores.length).toBeGreaterThan(0);
      expect(scores.every((s) => s >= 0.8)).toBe(true);
      await keep(page, 'viewer-samples.png');

      // open the first sample with the keyboard, flag its judgment, see it counted
      await page.locator('.grid-body').focus();
      await page.keyboard.press('Enter');
      await page.locator('#sample-view .judgment.primary').waitFor();
      await page.fill('#sample-view input[name="reason"]', 'the score is right, but power and achievement are not what this completion supports');
      await page.locator('#sample-view button[type="submit"]').click();
      await page.locator('#sample-view .disputed-tag').waitFor();
      await expect.poll(() => page.locator('#run-disputed').textContent()).toBe('1');
      await keep(page, 'viewer-sample.png');
      await page.keyboard.press('Escape');
      await page.locator('nav.tabs a', { hasText: 'Overview' }).click();
      const flaggedModel = (await store.kysely.selectFrom('disputes as d').innerJoin('samples as s', 's.id', 'd.sample_id').select('s.model').executeTakeFirstOrThrow()).model;
      await expect.poll(() => page.locator(`#metrics tr[data-model="${flaggedModel}"] td.disputed`).textContent()).toBe('1');
      await page.goto(`${view.url}/#/runs`);
      await expect.poll(() => page.locator(`tr[data-run="${runs.runA}"] td.num`).nth(1).textContent()).toBe('1');
      expect(problems).toEqual({ console: [], errors: [], foreign: [] });
    } finally {
      await close();
    }
  }, 90_000);

  it('compares two runs (paired CIs, the K warning) and opens a moral graph; dark mode works too', async () => {
    const { page, problems, close } = await livePage(browser, view.url);
    try {
      await page.goto(view.url);
      await page.locator('table.runs tbody tr').first().waitFor();
      await page.check(`tr[data-run="${runs.runA}"] input[type="checkbox"]`);
      await page.check(`tr[data-run="${runs.runB}"] input[type="checkbox"]`);
      await page.locator('#compare-picked').click();
      await page.locator('#compare-diffs').waitFor();
      expect(await page.locator('#compare-warnings').textContent()).toMatch(/K \(completions per prompt\) differs/);
      expect(await page.locator('#compare-diffs tbody tr').count()).toBe(3);
      expect(await page.locator('#compare-diffs tbody tr').first().locator('td').first().textContent()).toMatch(/pp\[/);
      expect(await page.locator('#compare-heatmap tbody tr').count()).toBe(3);
      await keep(page, 'viewer-compare.png');

      await page.locator('.top nav a', { hasText: 'Leaderboard' }).click();
      await page.locator('#leaderboard tbody tr').first().waitFor();
      expect(await page.locator('#leaderboard tr.ours').count()).toBeGreaterThanOrEqual(2);
      await page.fill('input[name="w.care"]', '0');
      await expect.poll(() => page.url()).toContain('w.care=0');

      await page.locator('.top nav a', { hasText: 'Moral graphs' }).click();
      await page.locator('.graph-list a').first().click();
      await page.locator('#graph-canvas canvas').first().waitFor();
      const drawn = await page.locator('#graph-canvas').evaluate((el) => (el as unknown as { cy: { nodes(): { length: number } } }).cy.nodes().length);
      expect(drawn).toBe(await page.locator('#graph-ranking li').count());
      expect(drawn).toBeGreaterThan(1);
      await page.locator('#graph-ranking button').first().click();
      expect(await page.locator('#graph-detail .card h2').textContent()).toBe(await page.locator('#graph-ranking button').first().textContent());
      await page.locator('button.theme').click();
      expect(await page.locator('html').getAttribute('data-theme')).toBe('dark');
      await keep(page, 'viewer-graph.png');
      expect(problems).toEqual({ console: [], errors: [], foreign: [] });
    } finally {
      await close();
    }
  }, 90_000);

  it('a probe run shows the violation rate per iteration and each principle\'s prompt history', async () => {
    const { page, problems, close } = await livePage(browser, view.url);
    try {
      await page.goto(`${view.url}/#/run/${probeRun}?tab=iterations`);
      await page.locator('#iterations svg.chart').waitFor();
      expect(await page.locator('#iterations table.principles tbody tr').count()).toBe(5);
      await page.locator('#iterations summary').first().click();
      expect(await page.locator('#iterations ol.history li').count()).toBeGreaterThanOrEqual(1);
      await page.locator('nav.tabs a', { hasText: 'Overview' }).click();
      await page.locator('#metrics td.evr').first().waitFor();
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      expect(problems).toEqual({ console: [], errors: [], foreign: [] });
    } finally {
      await close();
    }
  }, 90_000);

  it('model text is shown as text: hostile prompts, completions, model names and rationales run nothing', async () => {
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';
    const id = 'evaluate-hostile';
    await store.runs.create({ id, kind: 'evaluate', name: `import ${hostile}`, config: { model: `x:${hostile}` }, status: 'done' });
    const task = await store.tasks.put({ runId: id, kind: 'evaluate', input: { id: 'h1', prompt: `Prompt ${hostile}`, foundation: 'care' } });
    const { id: sampleId } = await store.samples.put({ runId: id, taskId: task.id, model: `x:${hostile}`, sampleIndex: 0, text: `Completion ${hostile}` });
    await store.judgments.put({ sampleId, judgeId: 'j', judgeVersion: '1', result: { violation: 0.7, rationale: `Because ${hostile}` } });
    const { page, problems, close } = await livePage(browser, view.url);
    try {
      await page.goto(`${view.url}/#/run/${id}?tab=samples&sample=${sampleId}`);
      await page.locator('#sample-view .rationale').waitFor();
      expect(await page.locator('#sample-view .completion').textContent()).toBe(`Completion ${hostile}`);
      expect(await page.locator('#sample-view .rationale').textContent()).toBe(`Because ${hostile}`);
      expect(await page.locator('h1').textContent()).toBe(`import ${hostile}`);
      await page.goto(`${view.url}/#/runs`);
      await page.locator(`tr[data-run="${id}"]`).waitFor();
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('img[src="x"]').count()).toBe(0);
      expect(problems).toEqual({ console: [], errors: [], foreign: [] });
    } finally {
      await close();
    }
  }, 90_000);

  it('the static export opens from file:// with no network request and shows the same numbers', async () => {
    const out = join(dir, 'export');
    await exportView({ store, dir: out, runs: [runs.runA, runs.runB], graphs: [GRAPH], assets: loadViewAssets(assetsDir) });
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(pathToFileURL(join(out, 'index.html')).href);
      await page.locator('table.runs tbody tr').first().waitFor();
      expect(await page.locator('.top .tag').textContent()).toBe('static export');
      await page.locator(`tr[data-run="${runs.runA}"] a`).click();
      await page.locator('#metrics').waitFor();
      const report = await loadReportData(store, runs.runA);
      expect(await page.locator(`#metrics tr[data-model="${report.models[0]!.model}"] td.evr .value`).textContent()).toBe(pct(report.models[0]!.metrics.overall.evr!));
      await page.locator('nav.tabs a', { hasText: 'Samples' }).click();
      await page.selectOption('select[name="foundation"]', 'sanctity');
      await expect.poll(() => page.locator('#sample-count').textContent()).toMatch(/^24 samples match/);
      await page.goto(`${pathToFileURL(join(out, 'index.html')).href}#/compare?runs=${runs.runA},${runs.runB}`);
      await page.locator('#compare-diffs').waitFor();
      await page.goto(`${pathToFileURL(join(out, 'index.html')).href}#/graph/file-1`);
      await page.locator('#graph-canvas canvas').first().waitFor();
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
      // and the page's own CSP refuses any fetch, before the test's offline routing would
      const directive = await page.evaluate(
        "new Promise(function (resolve) { document.addEventListener('securitypolicyviolation', function (e) { resolve(e.effectiveDirective); }); fetch('https://example.org/').catch(function () {}); })",
      );
      expect(directive).toBe('connect-src');
      // and, like the server's, it runs no injected inline script and loads no foreign image
      const blocked = await page.evaluate(
        "new Promise(function (resolve) { var seen = []; document.addEventListener('securitypolicyviolation', function (e) { seen.push(e.effectiveDirective); if (seen.length === 2) resolve(seen.sort()); }); var s = document.createElement('script'); s.textContent = 'window.__inline = 1'; document.body.appendChild(s); var i = document.createElement('img'); i.src = 'https://example.org/x.png'; document.body.appendChild(i); })",
      );
      expect(blocked).toEqual(['img-src', 'script-src-elem']);
      expect(await page.evaluate('typeof window.__inline')).toBe('undefined');

      // an export cut by --max-samples says so
      const cut = join(dir, 'export-cut');
      await exportView({ store, dir: cut, runs: [runs.runA], maxSamples: 50, assets: loadViewAssets(assetsDir) });
      await page.goto(pathToFileURL(join(cut, 'index.html')).href);
      await page.locator('table.runs tbody tr').first().waitFor();
      expect(await page.locator('.notice').textContent()).toBe(`${runs.runA}: 70 samples are not in this export (its --max-samples limit); its metrics cover all of them.`);
    } finally {
      await close();
    }
  }, 90_000);
});
