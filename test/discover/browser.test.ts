/**
 * A discover run's HTML report and the viewer's Discover page in the system Chromium (playwright-core): the
 * hierarchy, prevalence bars with intervals, a quote's link to its conversation, and the conversations
 * behind a value; no console error, page error, CSP violation or network request.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { serveView, type ViewServer } from '../../src/view/index.ts';
import { chromiumMissing, launchChromium, watchedPage } from '../report/browser.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { buildViewAssets } from '../view/build.ts';
import { extractorReply, writeWorld } from './world.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-discover-browser-'));

describe.skipIf(chromiumMissing !== undefined)('discover report and Discover page in headless Chromium', () => {
  let browser: Browser;
  let server: LoopbackServer;
  let run: string;
  let assetsDir: string;
  const db = join(dir, 'd.db');

  beforeAll(async () => {
    [browser, server, assetsDir] = await Promise.all([launchChromium(), startLoopbackServer((req) => extractorReply(req)), buildViewAssets()]);
    const config = join(dir, 'tenet.config.yaml');
    writeFileSync(config, ['endpoints:', `  extractor: {provider: openai, baseUrl: "${server.url}/v1", model: extractor}`].join('\n'));
    writeWorld(join(dir, 'world.jsonl'));
    const r = await runCli(['--config', config, '--db', db, 'discover', join(dir, 'world.jsonl'), '--model', 'extractor', '--encoder', 'hashed', '--by', 'meta.model', '--json']);
    expect(r.code, r.stderr).toBe(0);
    run = JSON.parse(r.stdout).run;
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('the report shows the hierarchy, bars with intervals, and links each quote to its conversation', async () => {
    const file = join(dir, 'report.html');
    const r = await runCli(['--db', db, 'report', run, '-o', file]);
    expect(r.code, r.stderr).toBe(0);
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(pathToFileURL(file).href);
      expect(await page.locator('#hierarchy li[data-value="harm prevention"]').count()).toBe(1);
      const bar = page.locator('article[data-value="harm prevention"] .bar').nth(3); // overall, a, b, c
      expect(await bar.getAttribute('aria-label')).toMatch(/^70\.0% \(95% CI \d+\.\d% to \d+\.\d%\)$/);
      expect(await page.locator('#distinguishing tr').count()).toBe(5); // header + 4 planted differences
      const link = page.locator('article[data-value="honesty"] a.conv-link').first();
      const target = (await link.getAttribute('href'))!;
      await link.click();
      expect(page.url()).toContain(target);
      await expect.poll(() => page.locator(`${target} .turn.assistant`).isVisible()).toBe(true);
      expect(await page.locator(`${target} .turn.assistant`).textContent()).toContain('«honesty»');
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
    } finally {
      await close();
    }
  }, 60_000);

  it('the Discover page browses the hierarchy and opens the conversations behind a value', async () => {
    const store: Store = await openStore(db);
    let view: ViewServer | undefined;
    try {
      view = await serveView({ store, port: 0, assetsDir });
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && errors.push(m.text()));
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${view.url}/#/run/${run}?tab=discover`);
      const tree = page.getByRole('navigation', { name: 'value hierarchy' });
      await tree.getByRole('button', { name: 'harm prevention' }).click();
      const detail = page.getByRole('region', { name: 'value detail' });
      await expect.poll(() => detail.getByRole('heading', { name: 'harm prevention' }).isVisible()).toBe(true);
      expect(await detail.textContent()).toContain('meta.model = model-c70.0%');
      const ids = detail.locator('.discover-conversations button');
      expect(await ids.count()).toBe(16 + 16 + 56);
      const first = (await ids.first().textContent())!;
      await ids.first().click();
      const conv = page.getByRole('article', { name: `conversation ${first}` });
      await expect.poll(() => conv.isVisible()).toBe(true);
      expect(await conv.locator('.turn.assistant').textContent()).toContain('«harm prevention»');
      expect(await page.getByText('Distinguishing values').count()).toBe(1);
      expect(errors).toEqual([]);
      await context.close();
    } finally {
      await view?.close();
      await store.close();
    }
  }, 60_000);
});
