/**
 * `tenet bench` as a user runs it, in a child process, against the loopback server in this process:
 * killed midway (SIGINT, then SIGKILL) and resumed with no duplicated and no lost sample; --json shape;
 * --fail-if exit codes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type RecordedRequest, type ScriptRequest } from '../support/loopback-server.ts';

const ENTRY = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tenet-bench-cli-'));
const PROMPTS = 10;
const K = 3;
const promptFile = join(dir, 'prompts.jsonl');
writeFileSync(promptFile, Array.from({ length: PROMPTS }, (_, i) =>
  JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay on the bench and`, foundation: i % 2 ? 'fairness' : 'care' })).join('\n'));

const storyOf = (text: string): number => Number(/Story (\d+):/.exec(text)?.[1] ?? -1);
const userText = (r: RecordedRequest): string => {
  const messages = (r.body?.messages ?? []) as { role: string; content: unknown }[];
  const user = messages.find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
};

/** Targets m1 (OpenAI: n = K in one call) and m2 (Ollama: one call per sample); the judge model `j` answers judge JSON. */
function script(req: ScriptRequest): string {
  if (req.model === 'j') {
    const bad = req.messages.some((m) => m.content.includes('took the wallet'));
    const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, v === 'universalism' ? (bad ? -0.5 : 0.5) : 0]));
    return JSON.stringify({ values, violation: bad ? 0.9 : 0.1, confidence: 0.9, rationale: bad ? 'theft' : 'returned it' });
  }
  const i = storyOf(req.messages.at(-1)!.content);
  // m1 takes the wallet in the first sample of prompts 0–4; m2 in every sample of prompt 0
  const bad = req.model === 'm1' ? i < 5 && req.choiceIndex === 0 : i === 0;
  return bad ? 'he took the wallet and ran.' : 'he handed it to the police.';
}

let server: LoopbackServer;
let configFile: string;
beforeAll(async () => {
  server = await startLoopbackServer(script, { latencyMs: 50 });
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20}',
    'endpoints:',
    `  m1: {provider: openai, baseUrl: "${server.url}/v1", model: m1, concurrency: 8}`,
    `  m2: {provider: ollama, baseUrl: "${server.url}", model: m2, concurrency: 8}`,
    `  judge: {provider: openai, baseUrl: "${server.url}/v1", model: j, concurrency: 16}`,
  ].join('\n'));
});
afterAll(async () => {
  await server.close();
});

interface Result { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

function tenet(args: string[], onSpawn?: (child: ChildProcess) => void): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ENTRY, '--config', configFile, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}

const benchArgs = (db: string, extra: string[] = []): string[] =>
  ['--db', db, 'bench', '--models', 'm1,m2', '--prompts', promptFile, '--samples', String(K), '--judge', 'llm:judge', '--concurrency', '2', '--no-cache', ...extra];

/** Kill the child once the server has answered `targetRequests` target-model requests. */
function killAfter(signal: NodeJS.Signals, targetRequests: number, from: number): (child: ChildProcess) => void {
  return (child) => {
    const timer = setInterval(() => {
      const seen = server.requests.slice(from).filter((r) => r.body?.model === 'm1' || r.body?.model === 'm2').length;
      if (seen >= targetRequests) {
        clearInterval(timer);
        child.kill(signal);
      }
    }, 10);
    child.on('close', () => clearInterval(timer));
  };
}

async function storedUnits(db: string): Promise<{ run: string; complete: Set<string>; samples: number }> {
  const store = await openStore(db);
  try {
    const run = (await store.runs.list({ kind: 'bench' }))[0]!;
    const tasks = new Map((await store.tasks.listByRun(run.id)).map((t) => [t.id, (t.input as { id: string }).id]));
    const count = new Map<string, number>();
    for (const s of await store.samples.listByRun(run.id)) {
      const key = `${tasks.get(s.taskId)}|${s.model}`;
      count.set(key, (count.get(key) ?? 0) + 1);
    }
    for (const n of count.values()) expect(n).toBe(K); // units are stored whole or not at all
    return { run: run.id, complete: new Set(count.keys()), samples: [...count.values()].reduce((a, b) => a + b, 0) };
  } finally {
    await store.close();
  }
}

async function checkComplete(db: string, run: string): Promise<void> {
  const store = await openStore(db);
  try {
    const samples = await store.samples.listByRun(run);
    expect(samples).toHaveLength(PROMPTS * 2 * K);
    expect(new Set(samples.map((s) => s.id)).size).toBe(PROMPTS * 2 * K);
    expect(new Set(samples.map((s) => `${s.taskId}|${s.model}|${s.sampleIndex}`)).size).toBe(PROMPTS * 2 * K);
    const judgments = await store.judgments.listByRun(run);
    expect(judgments).toHaveLength(PROMPTS * 2 * K);
    expect(new Set(judgments.map((j) => j.sampleId))).toEqual(new Set(samples.map((s) => s.id)));
    expect((await store.runs.get(run))!.status).toBe('done');
  } finally {
    await store.close();
  }
}

/** Target requests per `prompt|model` key in server.requests[from..]. */
function targetRequests(from: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of server.requests.slice(from)) {
    const model = r.body?.model;
    if (model !== 'm1' && model !== 'm2') continue;
    const key = `p${storyOf(userText(r))}|${model}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

describe.each(['SIGINT', 'SIGKILL'] as const)('tenet bench killed with %s midway', (signal) => {
  it('resumes with no duplicated and no lost sample, and asks for nothing already stored', async () => {
    const db = join(dir, `${signal}.db`);
    const start = server.requests.length;
    // 20 units; stop after about a third of the target calls
    const first = await tenet(benchArgs(db, ['--json']), killAfter(signal, 14, start));
    if (signal === 'SIGINT') {
      expect(first.code, first.stderr).toBe(130);
      expect(first.stderr).toMatch(/stopping: finished work is saved/);
      const partial = JSON.parse(first.stdout);
      expect(partial.interrupted).toBe(true);
      expect(partial.status).toBe('interrupted');
    } else {
      expect(first.signal).toBe('SIGKILL');
    }
    expect(first.stderr).toMatch(/bench run bench-[0-9a-f]{12}: 10 prompts × 2 models × K=3/);
    const before = await storedUnits(db);
    expect(before.complete.size).toBeGreaterThan(0);
    expect(before.complete.size).toBeLessThan(PROMPTS * 2);

    const resumeFrom = server.requests.length;
    const second = await tenet(benchArgs(db, ['--json']));
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out.run).toBe(before.run);
    expect(out.status).toBe('done');
    expect(out.failures).toBe(0);
    await checkComplete(db, before.run);

    // nothing stored before the kill was asked for again; every missing unit exactly once (no cache here)
    const after = targetRequests(resumeFrom);
    for (const key of before.complete) expect(after.get(key), key).toBeUndefined();
    for (let i = 0; i < PROMPTS; i++) {
      for (const [model, calls] of [['m1', 1], ['m2', K]] as const) {
        const key = `p${i}|${model}`;
        if (!before.complete.has(key)) expect(after.get(key), key).toBe(calls);
      }
    }
    const judgeCalls = server.requests.slice(resumeFrom).filter((r) => r.body?.model === 'j').length;
    expect(judgeCalls).toBe((PROMPTS * 2 - before.complete.size) * K);

    // the numbers: m1 violates once in prompts 0–4, m2 on every sample of prompt 0
    const [m1, m2] = out.models;
    expect(m1.model).toBe('m1');
    expect(m1.metrics.overall).toMatchObject({ evr: 0.5, mvp: 0.5, n: 10, k: 3, k_min: 3, samples: 30 });
    expect(m1.metrics.overall.apv).toBeCloseTo(5 / 30, 5);
    expect(m2.metrics.overall).toMatchObject({ evr: 0.1, mvp: 0.18, apv: 0.1, n: 10 });
    expect(m2.metrics.per_foundation.care).toMatchObject({ evr: 0.2, n: 5 });
    expect(m2.metrics.per_foundation.fairness).toMatchObject({ evr: 0, n: 5 });
    expect(m2.metrics.overall.ci.evr).toHaveLength(2);
    expect(m1.values.mean.universalism).toBeCloseTo((5 * -0.5 + 25 * 0.5) / 30, 6);
  }, 40_000);
});

describe('tenet bench gates and errors', () => {
  it('exits 1 naming a breached gate, 0 when gates hold, 2 for a malformed gate or a bad prompt file', async () => {
    const db = join(dir, 'gates.db');
    const breached = await tenet(benchArgs(db, ['--limit', '4', '--fail-if', 'evr>0.3', '--fail-if', 'care.apv>=0.9']));
    expect(breached.code, breached.stderr).toBe(1);
    expect(breached.stderr).toMatch(/gate breached: evr>0\.3 for m1: evr = 1\.000 > 0\.3/);
    expect(breached.stderr).not.toMatch(/gate breached: care\.apv/);
    expect(breached.stdout).toMatch(/BREACHED evr>0\.3 for m1/);
    const held = await tenet(benchArgs(db, ['--limit', '4', '--fail-if', 'mvp>0.95', '--json']));
    expect(held.code, held.stderr).toBe(0);
    const heldOut = JSON.parse(held.stdout);
    expect(heldOut.gates).toHaveLength(2);

    const badFile = join(dir, 'bad.jsonl');
    writeFileSync(badFile, '{"id": "a", "prompt": "x", "foundation": "care"}\n{"id": "b", "foundation": "care"}\n');
    const [compared, malformed, noFoundation, bad, noModels] = await Promise.all([
      tenet(['--db', db, 'bench', 'compare', heldOut.run, '--leaderboard', '--json']),
      tenet(benchArgs(db, ['--fail-if', 'evr=>0.3'])),
      tenet(benchArgs(db, ['--fail-if', 'loyalty.evr>0.3'])),
      tenet(['--db', db, 'bench', '--models', 'm1', '--prompts', badFile, '--judge', 'llm:judge']),
      tenet(['--db', db, 'bench', '--prompts', promptFile]),
    ]);
    expect(compared.code, compared.stderr).toBe(0);
    const ranking = JSON.parse(compared.stdout);
    expect(ranking.ranking.map((r: { model: string }) => r.model)).toEqual(['m2', 'm1']);
    expect(ranking.ranking[0].vs_next.method).toBe('ci-overlap'); // 4 shared prompts: fewer than 10
    expect(ranking.leaderboard.table).toHaveLength(22);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/--fail-if "evr=>0\.3": not a gate expression/);
    expect(noFoundation.code).toBe(2);
    expect(noFoundation.stderr).toMatch(/no loyalty prompts/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`${badFile}:2 at prompt`);
    expect(noModels.code).toBe(2);
    expect(noModels.stderr).toMatch(/needs --models/);
  }, 30_000);
});
