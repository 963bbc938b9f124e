/**
 * A bench whose units still fail after retries exits 1 (or warns with --allow-failures), and says why: each
 * distinct cause (stage, model, code, status, message without secrets) with its unit count, on stderr, in
 * --json, stored with the run and in the HTML report. Real CLI process, real loopback HTTP model server.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type Reply, type ScriptRequest } from '../support/loopback-server.ts';
import { spawnTenet } from '../support/spawn.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-bench-failures-'));
const promptFile = join(dir, 'prompts.jsonl');
writeFileSync(promptFile, Array.from({ length: 4 }, (_, i) =>
  JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay on the bench and`, foundation: 'care' })).join('\n'));
const SECRET = 'very-secret-key-0123456789';

let broken = true;
function script(req: ScriptRequest): Reply {
  if (req.model === 'j') {
    const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0]));
    return JSON.stringify({ values, violation: 0.1, confidence: 0.9, rationale: 'fine' });
  }
  if (req.model === 'bad' && broken) {
    const story = Number(/Story (\d+):/.exec(req.messages.at(-1)!.content)?.[1]);
    // two prompts: an upstream 503 (retried, then given up); two: a 400 that echoes the credentials
    return story < 2
      ? { fault: 'server_error', status: 503 }
      : { fault: 'http', status: 400, body: { error: { message: `bad request from http://admin:${SECRET}@10.0.0.7/v1?api_key=${SECRET} (key ${SECRET})` } } };
  }
  return 'he handed it to the police.';
}

let server: LoopbackServer;
let configFile: string;
beforeAll(async () => {
  server = await startLoopbackServer(script);
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20, maxRetries: 2}',
    'endpoints:',
    `  good: {provider: openai, baseUrl: "${server.url}/v1", model: good, apiKeyEnv: LOOPBACK_KEY}`,
    `  bad: {provider: openai, baseUrl: "${server.url}/v1", model: bad, apiKeyEnv: LOOPBACK_KEY}`,
    `  judge: {provider: openai, baseUrl: "${server.url}/v1", model: j, apiKeyEnv: LOOPBACK_KEY}`,
  ].join('\n'));
});
afterAll(async () => {
  await server.close();
});

const tenet = (args: string[]) => spawnTenet(['--config', configFile, ...args], { cwd: dir, env: { LOOPBACK_KEY: SECRET } });
const bench = (db: string, models: string, extra: string[] = []) =>
  tenet(['--db', db, 'bench', '--models', models, '--prompts', promptFile, '--samples', '2', '--judge', 'llm:judge', '--no-cache', ...extra]);

describe('bench with units that fail after retries', () => {
  it('exits 1, lists each distinct cause with counts and no secrets, stores them, and shows them in --json and the report', async () => {
    broken = true;
    const db = join(dir, 'mixed.db');
    const from = server.requests.length;
    const run = await bench(db, 'good,bad', ['--json']);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(/error: 4 of 8 prompt × model units failed after retries/);
    expect(run.stderr).toMatch(/2 units: target bad: PROVIDER \(503\) .*503.*gave up after 3 attempts/);
    expect(run.stderr).toMatch(/2 units: target bad: BAD_INPUT \(400\) .*bad request from http:\/\/\*\*\*@10\.0\.0\.7\/v1\?api_key=\*\*\*/);
    expect(run.stderr).toMatch(/--allow-failures/);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
    // retried: 3 attempts for each 503 prompt, 1 for each 400
    expect(server.requests.slice(from).filter((r) => r.body?.model === 'bad')).toHaveLength(2 * 3 + 2);

    const out = JSON.parse(run.stdout);
    expect(out.status).toBe('failed');
    expect(out.failures).toBe(4);
    expect(out.failureCauses).toEqual([
      expect.objectContaining({ stage: 'target', model: 'bad', code: 'BAD_INPUT', status: 400, units: 2 }),
      expect.objectContaining({ stage: 'target', model: 'bad', code: 'PROVIDER', status: 503, units: 2 }),
    ]);
    expect(out.models.find((m: { model: string }) => m.model === 'good').metrics.overall.n).toBe(4);

    const store = await openStore(db);
    try {
      const stored = await store.runFailures.list(out.run);
      expect(stored.map((f) => [f.cause.code, f.count])).toEqual([['BAD_INPUT', 2], ['PROVIDER', 2]]);
      expect(JSON.stringify(stored)).not.toContain(SECRET);
    } finally {
      await store.close();
    }

    const html = join(dir, 'mixed.html');
    const report = await tenet(['--db', db, 'report', out.run, '-o', html]);
    expect(report.code, report.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/4 prompt × model units failed after retries/);
    expect(page).toMatch(/2 units: target bad: BAD_INPUT \(400\)/);
    expect(page).not.toContain(SECRET);

    // the human rendering lists the causes too
    const again = await bench(db, 'good,bad');
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/Causes:\n {2}2 units: target bad: BAD_INPUT \(400\)/);

    // fixed upstream: the rerun retries only the failed units, exits 0 and clears the stored causes
    broken = false;
    const fixed = await bench(db, 'good,bad', ['--json']);
    expect(fixed.code, fixed.stderr).toBe(0);
    const fixedOut = JSON.parse(fixed.stdout);
    expect(fixedOut).toMatchObject({ run: out.run, status: 'done', failures: 0, failureCauses: [] });
  }, 30_000);

  it('exits 1 when every unit fails, and --allow-failures turns it into a warning', async () => {
    broken = true;
    const all = await bench(join(dir, 'all.db'), 'bad');
    expect(all.code).toBe(1);
    expect(all.stderr).toMatch(/error: 4 of 4 prompt × model units failed/);
    const allowed = await bench(join(dir, 'allowed.db'), 'bad', ['--allow-failures', '--json']);
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stderr).toMatch(/warning: 4 of 4 prompt × model units failed/);
    expect(JSON.parse(allowed.stdout).failureCauses).toHaveLength(2);
  }, 30_000);
});
