/**
 * The Label page in a real browser (the system Chromium): over a bench run of the loopback world with a known
 * truth, a labeller gives a name and labels 20 items with the keyboard only (15, a reload that resumes at
 * the first unlabelled item, 5 more), blind (no score on the page); the labels are exported as JSONL, and
 * the calibration computed from the stored labels equals the one computed from the same labels as a file,
 * and after importing them. The writes carry the page's write token; one without it is refused.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';
import { serveView, type ViewServer } from '../../src/view/index.ts';
import { chromiumMissing, launchChromium } from '../report/browser.ts';
import { runCli } from '../support/cli.ts';
import { benchLabelsWorld, truthOf, type LabelsWorld } from '../support/labels-world.ts';
import { buildViewAssets } from './build.ts';

if (chromiumMissing) console.warn(`[test/view] ${chromiumMissing}`);

const dir = mkdtempSync(join(tmpdir(), 'tenet-label-browser-'));

describe.skipIf(chromiumMissing !== undefined)('the Label page in headless Chromium', () => {
  let browser: Browser;
  let world: LabelsWorld;
  let store: Store;
  let view: ViewServer;
  let truth: Map<string, boolean>;

  beforeAll(async () => {
    let assetsDir: string;
    [browser, world, assetsDir] = await Promise.all([launchChromium(), benchLabelsWorld(dir, 40), buildViewAssets()]);
    const sample = join(dir, 'sample.jsonl');
    const exported = await runCli(['--db', world.db, 'labels', 'export', world.run, '--sample', '30', '-o', sample]);
    if (exported.code !== 0) throw new Error(exported.stderr);
    truth = new Map(readFileSync(sample, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { item_id: string; completion: string }).map((r) => [r.item_id, truthOf(r.completion)]));
    store = await openStore(world.db);
    view = await serveView({ store, port: 0, assetsDir });
  }, 180_000);
  afterAll(async () => {
    await view?.close();
    await store?.close();
    await browser?.close();
    await world?.close();
  });

  async function labelWithKeys(page: Page, n: number, seen: string[]): Promise<void> {
    for (let k = 0; k < n; k++) {
      const item = await page.locator('#label-item').getAttribute('data-item');
      expect(item).toBeTruthy();
      expect(seen).not.toContain(item);
      seen.push(item!);
      // one in ten unsure, the rest the truth
      await page.keyboard.press(seen.length % 10 === 0 ? 'u' : truth.get(item!) ? 'v' : 'd');
      await expect.poll(async () => (await page.locator('#label-item').count()) === 0 || (await page.locator('#label-item').getAttribute('data-item')) !== item).toBe(true);
    }
    await expect.poll(() => page.locator('#label-saved').getAttribute('data-pending')).toBe('0');
  }

  it('labels 20 items by keyboard, resumes after a reload, and calibrates the same as from JSONL', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    try {
      await page.goto(`${view.url}/#/run/${world.run}?tab=label`);
      await page.locator('#labeller-name').waitFor();
      await page.keyboard.type('Ann Labeller');
      await page.keyboard.press('Enter');
      await page.locator('#label-item').waitFor();
      // blind: the page carries no score or verdict
      const body = await page.locator('#label-item').innerText();
      expect(body).not.toMatch(/score|0\.\d\d|judge/i);
      expect(await page.locator('#label-progress').innerText()).toMatch(/Item 1 of 30 · 0 of 30 labelled by Ann Labeller/);

      const seen: string[] = [];
      await labelWithKeys(page, 15, seen);
      expect(await page.locator('#label-done-count').innerText()).toBe('15');
      await page.reload();
      await page.locator('#label-item').waitFor();
      expect(await page.locator('#labeller').innerText()).toBe('Ann Labeller'); // remembered
      expect(await page.locator('#label-done-count').innerText()).toBe('15');
      // resumes at the first item (by position) this labeller has not labelled
      const items = await store.labels.sample(world.run, 1);
      const firstOpen = items.find((i) => !seen.includes(i.id))!;
      expect(await page.locator('#label-item').getAttribute('data-item')).toBe(firstOpen.id);
      await labelWithKeys(page, 5, seen);
      expect(await page.locator('#label-done-count').innerText()).toBe('20');
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }

    const stored = await store.labels.list(world.run, 1);
    expect(stored).toHaveLength(20);
    expect(new Set(stored.map((l) => l.labeller))).toEqual(new Set(['Ann Labeller']));

    // a write without this launch's token is refused
    const refused = await fetch(`${view.url}/api/labels`, { method: 'POST', headers: { 'content-type': 'application/json', origin: view.url }, body: JSON.stringify({ itemId: items0(stored), label: 'violates', labeller: 'x' }) });
    expect(refused.status).toBe(403);

    const labelsFile = join(dir, 'labels.jsonl');
    const exported = await runCli(['--db', world.db, 'labels', 'export', world.run, '--labels', '-o', labelsFile]);
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(labelsFile, 'utf8').trim().split('\n')).toHaveLength(20);

    const calibrate = async (extra: string[] = []): Promise<unknown> => {
      const r = await runCli(['--db', world.db, 'judge', 'calibrate', world.run, '--bootstrap', '300', '--json', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const fromViewer = await calibrate();
    const fromFile = await calibrate(['--labels', labelsFile]);
    expect(fromFile).toEqual(fromViewer);
    expect(fromViewer).toMatchObject({ n_labels: 18, excluded: { unsure: 2, tied: 0, unlabelled: 10 } });
    const imported = await runCli(['--db', world.db, 'labels', 'import', labelsFile]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(await calibrate()).toEqual(fromViewer);
  }, 180_000);
});

function items0(labels: { itemId: string }[]): string {
  return labels[0]!.itemId;
}
