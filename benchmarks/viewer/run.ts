/**
 * The viewer on large runs: for bench runs of 1,000, 10,000 and 100,000 samples (K = 5, one model, five
 * foundations) in a SQLite store, the time from navigation to the first rendered sample row and to the
 * rendered metrics in headless Chromium (the system one), the time to show rows after a jump to the middle
 * of the table, and the view server's memory (RSS now and peak, from /proc) in its own process.
 *
 *   npm run build:view && node benchmarks/viewer/run.ts [--sizes 1000,10000,100000] [--repeats 3]
 *
 * The runs are written straight into the store through its repositories (the texts are a few sentences
 * each, judgments carry a violation score and a Schwartz vector): this measures the viewer, not models.
 * Cold = the first visit (the server computes and caches the run's summary with 1,000 bootstrap
 * resamples, on its report thread); warm = later visits (median). While the cold metrics are computed, one
 * request for a page of samples is timed, to show the server still answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { openStore } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { mulberry32 } from '../../src/judges/metrics.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000,100000' }, repeats: { type: 'string', default: '3' } } });
const SIZES = values.sizes!.split(',').map(Number);
const REPEATS = Number(values.repeats);
const K = 5;
const FOUNDATIONS = ['care', 'fairness', 'loyalty', 'authority', 'sanctity'];
const here = fileURLToPath(new URL('.', import.meta.url));
const CHROMIUM = process.env.TENET_CHROMIUM ?? '/usr/bin/chromium';

async function makeRun(file: string, samples: number): Promise<string> {
  const store = await openStore(file);
  const runId = `bench-view${samples}`;
  const prompts = samples / K;
  await store.runs.create({
    id: runId,
    kind: 'bench',
    name: `viewer benchmark, ${samples} samples`,
    config: { version: 1, prompts: { source: 'synthetic', sha256: '0', count: prompts }, models: [{ spec: 'openai:bench-model', model: 'bench-model', baseUrl: null }], samples: K, judge: { spec: 'local', id: 'bench-judge', version: '1' }, sampling: { temperature: 1, maxTokens: 128 }, template: 'v1', tau: 0.5 },
    status: 'done',
  });
  const rand = mulberry32(samples);
  const BATCH = 2000;
  for (let start = 0; start < prompts; start += BATCH / K) {
    const tasks = [];
    const rows = [];
    const judgments = [];
    for (let p = start; p < Math.min(prompts, start + BATCH / K); p++) {
      const f = FOUNDATIONS[p % FOUNDATIONS.length]!;
      const taskId = `task-${p}`;
      tasks.push({ id: taskId, runId, kind: 'bench', input: { id: `p${p}`, prompt: `Story ${p}: the neighbours argued about the fence for weeks, and finally Sam decided to`, foundation: f, principle: `Principle ${p % 40} of ${f}` } });
      for (let k = 0; k < K; k++) {
        const id = `s-${p}-${k}`;
        rows.push({ id, runId, taskId, model: 'openai:bench-model', sampleIndex: k, text: `talk it over with them at the gate; sample ${k} of story ${p}. They agreed to share the cost and plant a hedge instead.` });
        const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, Math.round((rand() * 2 - 1) * 100) / 100]));
        judgments.push({ sampleId: id, judgeId: 'bench-judge', judgeVersion: '1', result: { violation: Math.round(rand() ** 3 * 1000) / 1000, values, confidence: 1 } });
      }
    }
    await store.tasks.putMany(tasks);
    await store.samples.putMany(rows);
    await store.judgments.putMany(judgments);
  }
  await store.close();
  return runId;
}

function memOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string): number => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

async function startServer(db: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [join(here, 'server.ts'), '--db', db], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { child, url: (JSON.parse(line) as { url: string }).url };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const dir = mkdtempSync(join(tmpdir(), 'tenet-bench-viewer-'));
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
const results = [];
try {
  for (const size of SIZES) {
    const db = join(dir, `view-${size}.db`);
    const t0 = performance.now();
    const runId = await makeRun(db, size);
    const writeS = (performance.now() - t0) / 1000;
    const { child, url } = await startServer(db);
    const idle = memOf(child.pid!);
    const samplesMs: number[] = [];
    const metricsMs: number[] = [];
    const jumpMs: number[] = [];
    let duringColdMetricsMs = 0;
    for (let r = 0; r < REPEATS; r++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      let t = performance.now();
      await page.goto(`${url}/#/run/${runId}?tab=samples`);
      await page.locator('.grid-row[data-sample]').first().waitFor({ timeout: 120_000 });
      samplesMs.push(performance.now() - t);
      // jump to the middle of the table: rows from a page far from the first must arrive
      t = performance.now();
      await page.locator('.grid-body').evaluate((el) => el.scrollTo({ top: el.scrollHeight / 2 }));
      await page.locator(`.grid-row[aria-rowindex="${Math.floor(size / 2) + 1}"][data-sample]`).first().waitFor({ timeout: 60_000 }).catch(async () => {
        await page.locator('.grid-row[data-sample]').nth(5).waitFor({ timeout: 60_000 });
      });
      jumpMs.push(performance.now() - t);
      await page.goto('about:blank');
      t = performance.now();
      await page.goto(`${url}/#/run/${runId}`, { timeout: 300_000 });
      if (r === 0) {
        // while the first (cold) metrics are being computed, another request: does the server still answer?
        await new Promise((done) => setTimeout(done, 300));
        const t1 = performance.now();
        await (await fetch(`${url}/api/runs/${runId}/samples?offset=${size / 2}&limit=100`)).text();
        duringColdMetricsMs = performance.now() - t1;
      }
      await page.locator('#metrics td.evr').first().waitFor({ timeout: 300_000 });
      metricsMs.push(performance.now() - t);
      await page.close();
    }
    const after = memOf(child.pid!);
    child.stdin!.end();
    await new Promise((r) => child.once('exit', r));
    const row = {
      samples: size,
      prompts: size / K,
      writeStoreS: Math.round(writeS * 10) / 10,
      firstRowsMs: { cold: Math.round(samplesMs[0]!), warmMedian: Math.round(median(samplesMs.slice(1).length ? samplesMs.slice(1) : samplesMs)) },
      metricsMs: { cold: Math.round(metricsMs[0]!), warmMedian: Math.round(median(metricsMs.slice(1).length ? metricsMs.slice(1) : metricsMs)) },
      jumpToMiddleMs: Math.round(median(jumpMs)),
      pageWhileColdMetricsMs: Math.round(duringColdMetricsMs),
      serverMb: { idle: idle.rssMb, afterRss: after.rssMb, peakRss: after.peakMb },
    };
    results.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
const out = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memGb: Math.round(totalmem() / 2 ** 30), node: process.version, loadavg1mAtEnd: Math.round(loadavg()[0]! * 100) / 100 },
  note: 'Measured on a shared machine (other agents running builds and tests on the same cores); times are wall-clock and include that contention.',
  repeats: REPEATS,
  k: K,
  results,
};
writeFileSync(join(here, 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
