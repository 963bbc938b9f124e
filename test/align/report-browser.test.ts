/**
 * The best-of-N report section in headless Chromium (the system browser, via playwright-core): offline from
 * file://, no console error, page error or network request; the radar carries the target and both arms; the
 * histogram has a bar per arm and bin. The screenshot goes to docs/ when missing there (or TENET_UPDATE_SCREENSHOTS=1).
 */
import { copyFileSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meanEstimate, pairedDifference, profileEstimate } from '../../src/align/stats.ts';
import type { AlignArmReport, ReportData } from '../../src/report/data.ts';
import { renderReport } from '../../src/report/render.ts';
import { chromiumMissing, launchChromium, watchedPage } from '../report/browser.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-align-report-'));
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

/** Illustrative data (not a measurement): 20 prompts, best-of-4 closer to the target than the first sample. */
function fixture(): ReportData {
  const rand = (i: number) => (Math.sin(i * 12.9898) * 43758.5453) % 1;
  const arm = (label: string, shift: number): AlignArmReport => {
    const vectors = Array.from({ length: 20 }, (_, i) => [0.1, 0, -0.05, 0.2 + shift, -0.1, 0.5 + shift, 0, 0.4 + shift, 0.5 + shift, 0.2 + shift].map((v, k) => Math.max(-1, Math.min(1, v + 0.3 * rand(i * 10 + k)))));
    const rewards = vectors.map((_, i) => -Math.abs(1.2 - 2 * shift + 0.5 * rand(i)));
    return { label, reward: meanEstimate(rewards, { b: 200 }), distance: meanEstimate(rewards.map((r) => -r), { b: 200 }), values: profileEstimate(vectors, { b: 200 }), rewards };
  };
  const base = arm('baseline (mean of 4)', 0);
  const best = arm('best-of-4', 0.3);
  const diff = pairedDifference(base.rewards, best.rewards, { b: 200 });
  const proxyOf = (e: typeof diff, by: number) => ({ ...e, mean: e.mean! + by, ci: [e.ci[0]! + by, e.ci[1]! + by] as [number, number] });
  return {
    title: 'Example best-of-N report (illustrative data, not a measurement)',
    run: { id: 'align-000000000000', kind: 'align', createdAt: '2026-01-01T00:00:00Z', status: 'done', config: { method: 'best-of-n', n: 4 } },
    models: [],
    worst: [],
    align: {
      method: 'best-of-n', model: 'llamacpp:example.gguf', n: 4, select_judge: 'tenet-local@1.1.0', judge: 'tenet-local@2.1.0', reward: 'masked',
      target: { id: 'ideal', name: 'BaseAlign "ideal"', vector: [0, 0, 0, 1, 0, 1, 0, 1, 1, 1] },
      rows: [
        { label: 'baseline (mean of 4)', proxy: base.reward, heldout: base.reward },
        { label: 'best-of-4', proxy: proxyOf(best.reward, 0.2), heldout: best.reward },
        { label: 'difference (best − baseline, paired)', proxy: proxyOf(diff, 0.2), heldout: diff },
      ],
      arms: [base, best],
      difference: { reward: diff, distance: pairedDifference(base.rewards.map((r) => -r), best.rewards.map((r) => -r), { b: 200 }) },
      curve: [1, 2, 4].map((n, i) => ({ n, proxy: proxyOf(base.reward, 0.15 * i + 0.05 * i * i), heldout: proxyOf(base.reward, 0.1 * i) })),
      warnings: [],
    },
    notes: ['Illustrative data.'],
  };
}

describe.skipIf(chromiumMissing !== undefined)('the best-of-N report in headless Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows the radar with the target and both arms and the reward histogram, offline and without errors', async () => {
    const file = join(dir, 'align.html');
    writeFileSync(file, renderReport(fixture(), { generatedAt: new Date('2026-01-01T00:00:00Z'), version: '0.1.0' }));
    const { page, problems, close } = await watchedPage(browser);
    try {
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      const radar = page.locator('#align svg.radar');
      await expect.poll(() => radar.isVisible()).toBe(true);
      expect(await radar.locator('g.series').count()).toBe(3);
      expect(await radar.locator('g.series[data-model="target"] polygon').count()).toBe(1);
      const bars = page.locator('#align svg.bars');
      expect(await bars.isVisible()).toBe(true);
      expect(await bars.locator('g.bar').count()).toBe(16); // 8 bins × 2 arms
      expect(await page.locator('#align table.summary').first().locator('tbody tr').count()).toBe(3);
      const curve = page.locator('#align svg.values');
      expect(await curve.isVisible()).toBe(true);
      expect(await curve.locator('g.line').count()).toBe(2); // proxy and held out
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      await page.addStyleTag({ content: 'nav.toc{position:static}' });
      const shot = join(dir, 'report-align-example.png');
      await page.locator('#align').screenshot({ path: shot });
      const target = join(DOCS, 'report-align-example.png');
      if (process.env.TENET_UPDATE_SCREENSHOTS === '1' || !existsSync(target)) copyFileSync(shot, target);
      expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
    } finally {
      await close();
    }
  });
});
