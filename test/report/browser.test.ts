/**
 * The report in a real browser: headless Chromium (the system one, via playwright-core) opens the HTML from
 * a file:// URL, offline, and must find no console error, no page error and no network request; the SVG
 * charts must be there and visible; hostile model text must stay text; the model filter must work.
 *
 * Screenshots of the example reports go to a temporary folder, and to docs/ when they are missing there or
 * when TENET_UPDATE_SCREENSHOTS=1.
 */
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportData } from '../../src/report/data.ts';
import { renderReport } from '../../src/report/render.ts';
import { chromiumMissing, launchChromium, watchedPage } from './browser.ts';
import { benchFixture, hostileFixture, probeFixture } from './fixtures.ts';

if (chromiumMissing) console.warn(`[test/report] ${chromiumMissing}`);

const dir = mkdtempSync(join(tmpdir(), 'tenet-report-'));
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const fixed = { generatedAt: new Date('2025-06-15T10:00:00Z'), version: '0.1.0' };

function writeReport(name: string, data: ReportData): string {
  const file = join(dir, `${name}.html`);
  writeFileSync(file, renderReport(data, fixed));
  return pathToFileURL(file).href;
}

/** Keep a screenshot: always in the temp folder, in docs/ when missing there or when asked to update. */
function keep(shot: string, name: string): void {
  const target = join(DOCS, name);
  if (process.env.TENET_UPDATE_SCREENSHOTS === '1' || !existsSync(target)) copyFileSync(shot, target);
}

describe.skipIf(chromiumMissing !== undefined)('the HTML report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens a bench report from file:// with no console error, page error or network request; charts are visible', async () => {
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(writeReport('bench', benchFixture()), { waitUntil: 'load' });
      expect(await page.title()).toBe('Example report (illustrative data, not a measurement)');
      // 3 bar charts, 4 radars (3 models + overlay)
      const charts = page.locator('svg.chart');
      expect(await charts.count()).toBe(7);
      for (let i = 0; i < 7; i++) {
        await expect.poll(() => charts.nth(i).isVisible()).toBe(true);
        const box = await charts.nth(i).boundingBox();
        expect(box!.width).toBeGreaterThan(250);
        expect(box!.height).toBeGreaterThan(150);
      }
      expect(await page.locator('svg.bars rect').count()).toBe(45);
      expect(await page.locator('table.summary tbody tr').count()).toBe(3);
      // the model filter (added by the script) hides a model everywhere and brings it back
      await expect.poll(() => page.locator('#model-filter').isVisible()).toBe(true);
      const row = page.locator('table.summary tbody tr').first();
      const box = page.locator('#model-filter input').first();
      await box.uncheck();
      expect(await row.isVisible()).toBe(false);
      expect(await page.locator('svg.bars .bar.filtered').count()).toBe(15);
      await box.check();
      expect(await row.isVisible()).toBe(true);
      expect(await page.locator('.filtered').count()).toBe(0);
      // an example opens to show the completion
      const example = page.locator('details.example').first();
      await example.locator('summary').click();
      expect(await example.locator('.completion').isVisible()).toBe(true);
      // laid out for a laptop screen: nothing wider than the viewport
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);

      const shot = join(dir, 'report-example.png');
      await example.locator('summary').click();
      // a sticky bar would be drawn mid-page in a full-page capture
      await page.addStyleTag({ content: 'nav.toc{position:static}' });
      await page.screenshot({ path: shot, fullPage: true });
      keep(shot, 'report-example.png');
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
    } finally {
      await close();
    }
  });

  it('wraps a long model name in every table and example instead of widening the page; the full name is in a title', async () => {
    const data = benchFixture();
    const long = `openai-compatible:${'meta-llama/Meta-Llama-3.1-405B-Instruct-Turbo-'.repeat(4)}q8@http://gpu-box.internal:8000/v1`;
    const old = data.models[0]!.model;
    data.models[0]!.model = long;
    for (const w of data.worst) if (w.model === old) w.model = long;
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(writeReport('long-model', data), { waitUntil: 'load' });
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      const summary = page.locator('details.example summary').filter({ hasText: long }).first();
      expect((await summary.boundingBox())!.width).toBeLessThanOrEqual(1280);
      // in an example's header: one line, cut with an ellipsis, the whole name on hover
      const name = page.locator(`details.example .model-name[title="${long}"]`).first();
      expect((await name.boundingBox())!.height).toBeLessThan(30);
      // in the tables: wrapped within the cell, the whole name in the title too
      expect(await page.locator(`td .model-name[title="${long}"], th .model-name[title="${long}"]`).count()).toBeGreaterThan(0);
      // every table stays inside its wrapper
      const overflowing = await page.evaluate(`[...document.querySelectorAll('table')].filter((t) => t.getBoundingClientRect().right > document.documentElement.clientWidth + 1).length`);
      expect(overflowing).toBe(0);
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
    } finally {
      await close();
    }
  });

  it('opens a probe report: the trajectory chart has a line per principle and the mean', async () => {
    const data = probeFixture();
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(writeReport('probe', data), { waitUntil: 'load' });
      const chart = page.locator('svg.lines');
      expect(await chart.isVisible()).toBe(true);
      expect(await chart.locator('g.line').count()).toBe(data.probe!.principles.length + 1);
      expect(await page.locator('table.principles tbody tr').count()).toBe(data.probe!.principles.length);
      expect(await page.locator('#model-filter').count()).toBe(0);
      await page.addStyleTag({ content: 'nav.toc{position:static}' });
      const shot = join(dir, 'report-probe-example.png');
      await page.locator('#probe').screenshot({ path: shot });
      keep(shot, 'report-probe-example.png');
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
    } finally {
      await close();
    }
  });

  it('keeps hostile model text inert: no script runs, nothing loads, the text shows as written', async () => {
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(writeReport('hostile', hostileFixture()), { waitUntil: 'load' });
      await page.evaluate("document.querySelectorAll('details').forEach(function (d) { d.open = true; })");
      expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
      expect(await page.locator('h1').textContent()).toContain('<script>window.__pwned = 1</script>');
      expect(await page.locator('iframe, img, link, object, embed').count()).toBe(0);
      expect(await page.locator('script').count()).toBe(1);
      expect(await page.locator('body').isVisible()).toBe(true);
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
    } finally {
      await close();
    }
  });

  it('blocks, by its CSP, a script or a load that escaping had let through (defence in depth)', async () => {
    const html = renderReport(benchFixture(), fixed).replace(
      '</main>',
      '<script>window.__injected = 1</script><img src="https://example.invalid/p.png" alt=""></main>',
    );
    const file = join(dir, 'injected.html');
    writeFileSync(file, html);
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(await page.evaluate('typeof window.__injected')).toBe('undefined');
      // our own script still ran (the filter is shown), and nothing left the page
      expect(await page.locator('#model-filter').isVisible()).toBe(true);
      // Chromium reports the image request, but the CSP stops it before it is sent
      await expect.poll(() => problems.blockedByCsp).toEqual(['https://example.invalid/p.png']);
      expect(problems.networkRequests).toEqual(['https://example.invalid/p.png']);
      await expect.poll(() => problems.consoleErrors.filter((e) => /Content Security Policy/i.test(e)).length).toBe(2);
    } finally {
      await close();
    }
  });

  it('would notice a page that loads from the network or logs errors (the watchers work)', async () => {
    const file = join(dir, 'leaky.html');
    writeFileSync(file, '<!DOCTYPE html><title>x</title><img src="https://example.invalid/x.png"><script>console.error("bad"); throw new Error("boom");</script>');
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      expect(problems.networkRequests).toEqual(['https://example.invalid/x.png']);
      expect(problems.consoleErrors.some((e) => e.includes('bad'))).toBe(true);
      expect(problems.pageErrors).toEqual(['boom']);
    } finally {
      await close();
    }
  });

  it('is complete without JavaScript, and prints without the navigation', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false, offline: true, viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(writeReport('nojs', benchFixture()), { waitUntil: 'load' });
      expect(await page.locator('svg.chart').count()).toBe(7);
      expect(await page.locator('table.summary tbody tr').count()).toBe(3);
      expect(await page.locator('#model-filter').isVisible()).toBe(false);
      await page.emulateMedia({ media: 'print' });
      expect(await page.locator('nav.toc').isVisible()).toBe(false);
      expect(await page.locator('svg.bars').first().isVisible()).toBe(true);
    } finally {
      await context.close();
    }
  });
});
