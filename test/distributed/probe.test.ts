/**
 * `tenet probe --executor pgboss`: the target's sampling of every round runs on a worker (here in this
 * process), the generator and the neutrality check in the command; the LLM judge is rebuilt on the worker
 * from its spec. Needs TENET_TEST_PG_URL.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { deleteQueue } from '../../src/distributed/queue.ts';
import { runWorker } from '../../src/distributed/worker.ts';
import { openStore } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;

describe.skipIf(!PG_URL)('probe --executor pgboss (TENET_TEST_PG_URL)', () => {
  const schema = `tdprobe_${Date.now().toString(36)}_${process.pid}`;
  const db = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
  const dir = mkdtempSync(join(tmpdir(), 'tenet-dist-probe-'));
  const configFile = join(dir, 'tenet.config.yaml');
  let server: LoopbackServer;
  beforeAll(async () => {
    // the judge (model j) calls "took the money" a violation; the target writes it in every other sample
    server = await startLoopbackServer((req) => {
      if (req.model === 'j') {
        const bad = req.messages.some((m) => m.content.includes('took the money'));
        return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: bad ? 0.9 : 0.1, confidence: 0.9, rationale: bad ? 'theft' : 'none' });
      }
      return req.choiceIndex % 2 ? 'She found a purse full of money on the crowded bus this morning, and she looked around for its owner.' : 'He took the money and left.';
    }, { latencyMs: 10 });
    writeFileSync(configFile, `retry: {baseDelayMs: 5, maxDelayMs: 20}\nproviders:\n  openai: {baseUrl: "${server.url}/v1", concurrency: 8}\n`);
  });
  afterAll(async () => {
    await deleteQueue(db).catch(() => {});
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await server?.close();
  });

  it('runs the target sampling on the worker and completes the probe', { timeout: 90_000 }, async () => {
    const stop = new AbortController();
    const worker = runWorker({ db, concurrency: 4, config: loadConfig(configFile), signal: stop.signal });
    const result = await runCli(['--config', configFile, '--db', db, '--json', 'probe', '--executor', 'pgboss',
      '--target', 'openai:t', '--judge', 'llm:openai:j', '--foundation', 'care', '--limit', '2', '--iterations', '2', '--samples', '3', '--eval-samples', '3', '--prompts-per-principle', '1']);
    stop.abort();
    const summary = await worker;
    expect(result.code, result.stderr + result.stdout.slice(0, 3000)).toBe(0);
    const out = JSON.parse(result.stdout) as { status: string; principles: { prompts: { iterations: { fresh_n: number }[] }[] }[] };
    expect(out.status).toBe('done');
    expect(out.principles).toHaveLength(2);
    for (const p of out.principles) expect(p.prompts[0]!.iterations.length).toBeGreaterThanOrEqual(1);
    for (const p of out.principles) expect(p.prompts[0]!.iterations.every((r) => r.fresh_n === 3)).toBe(true);
    // every target sample (selection, fresh and E-step: K = K′ = 3 per unit) was drawn by the worker, and judged there by the rebuilt LLM judge
    expect(summary.units).toBeGreaterThanOrEqual(2);
    const store = await openStore(db);
    try {
      const run = (await store.runs.list({ kind: 'probe' }))[0]!;
      const samples = (await store.samples.listByRun(run.id)).filter((s) => s.model === 'openai:t');
      expect(samples.length).toBe(summary.units * 3);
      const judged = new Set((await store.judgments.listByRun(run.id)).map((j) => j.sampleId));
      expect(samples.every((s) => judged.has(s.id))).toBe(true);
    } finally {
      await store.close();
    }
  });
});
