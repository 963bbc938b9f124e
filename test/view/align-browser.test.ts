/**
 * The alignment run pages in a real browser (the system Chromium via playwright-core): a small best-of-N run
 * with a select and a report judge (the world of test/align/bon-judges.test.ts) and a small VILMO run with two
 * judge endpoints (the world of test/align/vilmo-evidence.test.ts), both made by the CLI against models on the
 * loopback server. The align page names both judges and shows proxy and held-out reward side by side for
 * baseline / first sample / best-of-N / difference with CIs, equal to the report's, and the best-of-n curve;
 * the vilmo page names both judges and the primary metric, shows the arms with CIs and their methods and
 * the paired rows (vilmo − arm, metric, role, difference, CI, ci_method, p, p_holm, significant). No console
 * error, page error or request elsewhere.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportData } from '../../src/report/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { serveView, type ViewServer } from '../../src/view/index.ts';
import { chromiumMissing, launchChromium } from '../report/browser.ts';
import { FOUNDATIONS, storyPrompts, world } from '../align/vilmo-world.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';
import { buildViewAssets } from './build.ts';

if (chromiumMissing) console.warn(`[test/view] ${chromiumMissing}`);

const dir = mkdtempSync(join(tmpdir(), 'tenet-view-align-'));
const db = join(dir, 'tenet.db');
const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));
const SCALE = [-1, -0.5, 0, 0.5, 1];

/** bon-judges' judges: every value from the judge's own hash of the text. */
function judgeReply(req: ScriptRequest): string {
  const text = req.messages.map((m) => m.content).join('\n');
  const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => {
    const h = createHash('sha256').update(`${req.model}|${v}|${text}`).digest();
    return [v, SCALE[h[0]! % SCALE.length]!];
  }));
  return JSON.stringify({ values, violation: null, confidence: 0.9, rationale: 'scripted' });
}

/** vilmo-evidence's prompts, fewer: 6 principles × 3 prompts, as a probe export has them. */
const VILMO_PROMPTS = Array.from({ length: 6 }, (_, k) => {
  const f = FOUNDATIONS[k % FOUNDATIONS.length]!;
  const stories = storyPrompts(200).filter((p) => p.foundation === f).slice(3 * Math.floor(k / FOUNDATIONS.length), 3 * Math.floor(k / FOUNDATIONS.length) + 3);
  return stories.map((p) => ({ id: `pr${k}-${p.id}`, principle_id: `pr${k}`, principle: `Principle ${k} of ${f}.`, foundation: f, prompt: p.prompt }));
}).flat();

const f3 = (x: number | null): string => (x === null ? '—' : x.toFixed(3));
const sf3 = (x: number | null): string => (x === null ? '—' : `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}`);

/** Screenshots go to docs/ when missing there or when TENET_UPDATE_SCREENSHOTS=1 (as in browser.test.ts). */
async function keep(page: Page, name: string): Promise<void> {
  const shot = join(dir, name);
  await page.screenshot({ path: shot, fullPage: false });
  const target = join(DOCS, name);
  if (process.env.TENET_UPDATE_SCREENSHOTS === '1' || !existsSync(target)) copyFileSync(shot, target);
}

async function livePage(browser: Browser, origin: string): Promise<{ page: Page; problems: string[]; close(): Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning') && problems.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin)) return route.continue();
    problems.push(`foreign request: ${url}`);
    return route.abort();
  });
  return { page, problems, close: () => context.close() };
}

describe.skipIf(chromiumMissing !== undefined)('align and vilmo run pages in headless Chromium', () => {
  let browser: Browser;
  let bonModels: LoopbackServer;
  let vilmoModels: LoopbackServer;
  let store: Store;
  let view: ViewServer;
  let alignRun: string;
  let vilmoRun: string;

  beforeAll(async () => {
    let assetsDir: string;
    [browser, assetsDir, bonModels, vilmoModels] = await Promise.all([
      launchChromium(),
      buildViewAssets(),
      startLoopbackServer((req) => (req.model.startsWith('judge') ? judgeReply(req) : `answer ${req.choiceIndex} to ${req.messages.at(-1)!.content.slice(0, 4)}`)),
      startLoopbackServer(world),
    ]);
    const bonPrompts = join(dir, 'prompts.jsonl');
    writeFileSync(bonPrompts, Array.from({ length: 12 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Q${i}: what would you do for a stranger?` })).join('\n'));
    const spec = (model: string) => `openai-compatible:${model}@${bonModels.url}/v1`;
    const bon = await runCli(['--db', db, 'align', 'bon', '--model', spec('m'), '--prompts', bonPrompts, '--n', '4', '--target', 'ideal', '--select-judge', `llm:${spec('judgeA')}`, '--judge', `llm:${spec('judgeB')}`, '--json']);
    if (bon.code !== 0) throw new Error(bon.stderr);
    alignRun = JSON.parse(bon.stdout).run;

    const vilmoPrompts = join(dir, 'moralprompt.jsonl');
    writeFileSync(vilmoPrompts, VILMO_PROMPTS.map((p) => JSON.stringify(p)).join('\n') + '\n');
    const config = join(dir, 'tenet.config.yaml');
    writeFileSync(config, [
      'retry: {baseDelayMs: 5, maxDelayMs: 20}',
      'endpoints:',
      ...['target', 'gen', 'judge'].map((m) => `  ${m}: {provider: openai, baseUrl: "${vilmoModels.url}/v1", model: ${m}, concurrency: 8}`),
      `  reporter: {provider: openai, baseUrl: "${vilmoModels.url}/v1", model: judge, concurrency: 8}`,
    ].join('\n'));
    const vilmo = await runCli(['--config', config, '--db', db, 'align', 'vilmo', '--target', 'target', '--generator', 'gen', '--select-judge', 'llm:judge', '--judge', 'llm:reporter',
      '--prompts', vilmoPrompts, '--methods', 'none,fixed,vilmo', '--split', '0.5,0.2,0.3', '--samples', '2', '--candidates', '2', '--rounds', '1', '--primary', 'evr', '--concurrency', '8', '--json']);
    if (vilmo.code !== 0) throw new Error(vilmo.stderr);
    vilmoRun = JSON.parse(vilmo.stdout).run;

    store = await openStore(db);
    view = await serveView({ store, port: 0, assetsDir });
  }, 240_000);
  afterAll(async () => {
    await view?.close();
    await store?.close();
    await browser?.close();
    await bonModels?.close();
    await vilmoModels?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an align run: both judges named, proxy beside held out for every row with CIs (the report\'s numbers), the best-of-n curve', async () => {
    const { page, problems, close } = await livePage(browser, view.url);
    try {
      await page.goto(`${view.url}/#/run/${alignRun}`);
      await page.locator('#align-rewards').waitFor({ timeout: 60_000 });
      const a = (await loadReportData(store, alignRun)).align!;
      expect(await page.locator('#align-judges .select-judge').textContent()).toBe(a.select_judge);
      expect(await page.locator('#align-judges .report-judge').textContent()).toBe(a.judge);
      expect(a.select_judge).toContain('judgeA');
      expect(a.judge).toContain('judgeB');
      const rows = page.locator('#align-rewards tbody tr');
      expect(await rows.locator('th').allTextContents()).toEqual(['baseline (mean of 4)', 'first sample', 'best-of-4', 'difference (best − baseline, paired)']);
      for (const [i, row] of a.rows.entries()) {
        const fmt = i === 3 ? sf3 : f3;
        for (const side of ['proxy', 'heldout'] as const) {
          const cell = rows.nth(i).locator(`td.${side}`);
          expect(await cell.locator('.value').textContent()).toBe(fmt(row[side].mean));
          expect(await cell.locator('.ci').textContent()).toContain(`[${fmt(row[side].ci[0])}, ${fmt(row[side].ci[1])}]`);
        }
      }
      // the curve: an SVG with both lines, and its numbers, n = 1, 2, 4
      expect(await page.locator('#align-curve svg.chart').count()).toBe(1);
      expect(await page.locator('#align-curve-table tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-n')))).toEqual(['1', '2', '4']);
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      await keep(page, 'viewer-align.png');
      // the common tabs are still there
      await page.locator('nav.tabs a', { hasText: 'Samples' }).click();
      await expect.poll(() => page.locator('#sample-count').textContent()).toMatch(/samples/);
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it('a vilmo run: both judges and the primary named; the arms with CIs and methods; vilmo − every arm with CI, ci_method, p, p (Holm), significance', async () => {
    const { page, problems, close } = await livePage(browser, view.url);
    try {
      await page.goto(`${view.url}/#/run/${vilmoRun}`);
      await page.locator('#vilmo-arms').waitFor({ timeout: 60_000 });
      const r = (await loadReportData(store, vilmoRun)).vilmo!.results;
      expect(await page.locator('#vilmo-judges .select-judge').textContent()).toBe(`${r.select_judge.id}@${r.select_judge.version}`);
      expect(await page.locator('#vilmo-judges .report-judge').textContent()).toBe(`${r.judge.id}@${r.judge.version}`);
      expect(r.judge.id).toBe('llm:reporter');
      expect(await page.locator('#vilmo-judges .primary').textContent()).toMatch(/^EVR/);
      expect(await page.locator('#vilmo-arms tbody tr').evaluateAll((trs) => trs.map((t) => t.getAttribute('data-arm')))).toEqual(['none', 'fixed', 'vilmo']);
      for (const m of ['none', 'fixed', 'vilmo'] as const) {
        const arm = r.methods[m]!;
        const row = page.locator(`#vilmo-arms tr[data-arm="${m}"]`);
        expect(await row.locator('td.evr .value').textContent()).toBe(`${(arm.evr! * 100).toFixed(1)}%`);
        expect(await row.locator('td.evr .ci-method').textContent()).toBe(` ${arm.ci_method!.evr}`);
        expect(await row.locator('td.apv .ci-method').textContent()).toBe(` ${arm.ci_method!.apv}`);
        expect(await row.locator('td.conformity .value').textContent()).toBe(`${(arm.conformity.mean! * 100).toFixed(1)}%`);
        expect(await row.locator('td.conformity .ci-method').textContent()).toBe(` ${arm.conformity.method ?? 'percentile-bootstrap'}`);
      }
      const paired = page.locator('#vilmo-paired tbody tr');
      expect(await paired.count()).toBe(r.paired.length);
      expect(r.paired.length).toBe(6);
      for (const [i, p] of r.paired.entries()) {
        const row = paired.nth(i);
        expect(await row.locator('th').textContent()).toBe(`vilmo − ${p.a}`);
        expect(await row.getAttribute('data-metric')).toBe(p.metric);
        expect(await row.locator('td.role').textContent()).toBe(p.metric === 'evr' ? 'primary' : 'secondary');
        expect(await row.locator('td.difference .value').textContent()).toBe(sf3(p.difference));
        expect(await row.locator('td.difference .ci').textContent()).toBe(p.ci[0] === null ? 'no CI' : `[${sf3(p.ci[0])}, ${sf3(p.ci[1])}]`);
        expect(await row.locator('td.ci-method').textContent()).toBe(p.ci_method);
        expect(await row.locator('td.p-holm').textContent()).toBe(p.p_holm < 0.0001 ? '<0.0001' : p.p_holm.toFixed(4));
        expect(await row.locator('td.significant').textContent()).toBe(p.significant ? 'yes' : 'no');
      }
      expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
      await keep(page, 'viewer-vilmo.png');
      expect(problems).toEqual([]);
    } finally {
      await close();
    }
  }, 90_000);

  it('the API answers both reports in the schema the front end parses', async () => {
    const { RunReportSchema } = await import('../../src/view/api.ts');
    for (const id of [alignRun, vilmoRun]) {
      const res = await fetch(`${view.url}/api/runs/${id}/report`);
      expect(res.status).toBe(200);
      const parsed = RunReportSchema.parse(await res.json());
      expect(parsed.report?.align ?? parsed.report?.vilmo).toBeTruthy();
    }
  }, 60_000);
});
