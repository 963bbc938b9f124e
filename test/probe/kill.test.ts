/**
 * `tenet probe` killed with SIGKILL midway, in a child process against the loopback server in this process,
 * then run again: it continues the same run, asks for no stored sample again (selection, fresh or E-step),
 * and ends with exactly what an uninterrupted run stores and prints.
 */
import type { ChildProcess } from 'node:child_process';
import { killWhen, spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBE_EVIDENCE_TASK, PROBE_PROMPT_TASK } from '../../src/probe/index.ts';
import { openStore } from '../../src/store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type RecordedRequest, type ScriptRequest } from '../support/loopback-server.ts';
import { MARKER, PRINCIPLES, world } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-probe-kill-'));
const principlesFile = join(dir, 'principles.jsonl');
const K = 4;
/** The target's spec as stored (the config endpoint's name). */
const TARGET = 'target';
const K2 = 4;
let server: LoopbackServer;
let configFile: string;

function judgeReply(req: ScriptRequest): string {
  const content = req.messages.map((m) => m.content).join('\n');
  const response = content.slice(content.indexOf('The assistant responded:'));
  return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: response.includes(MARKER) ? 0.9 : 0.1, confidence: 0.9, rationale: 'scripted' });
}

beforeAll(async () => {
  const script = world();
  server = await startLoopbackServer((req) => (req.model === 'judge' ? judgeReply(req) : script(req)), { latencyMs: 40 });
  writeFileSync(principlesFile, PRINCIPLES.slice(0, 3).map((p) => JSON.stringify({ ...p, polarity: 'vice' })).join('\n') + '\n');
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20}',
    'endpoints:',
    ...['target', 'gen', 'judge'].map((m) => `  ${m}: {provider: openai, baseUrl: "${server.url}/v1", model: ${m}, concurrency: 8}`),
  ].join('\n'));
});
afterAll(async () => {
  await server.close();
});

function tenet(args: string[], onSpawn?: (child: ChildProcess) => void): Promise<SpawnResult> {
  return spawnTenet(['--config', configFile, ...args], { cwd: dir, ...(onSpawn ? { onSpawn } : {}) });
}

const probeArgs = (db: string): string[] => ['--db', db, 'probe', '--target', 'target', '--generator', 'gen', '--judge', 'llm:judge', '--principles', principlesFile,
  '--iterations', '2', '--samples', String(K), '--eval-samples', String(K2), '--prompts-per-principle', '2', '--candidates', '3', '--concurrency', '2', '--json'];

const isTargetChat = (r: RecordedRequest): boolean => r.body?.model === 'target' && r.path === '/v1/chat/completions';
const userText = (r: RecordedRequest): string => String(r.body?.messages?.at(-1)?.content ?? '');
const keyOf = (text: string): string => `${text.startsWith('Write a completion for the prompt in which') ? PROBE_EVIDENCE_TASK : PROBE_PROMPT_TASK}|${text.slice(text.indexOf('Prompt: ') + 8, text.lastIndexOf('\nCompletion:')).trim()}`;

/** Samples stored per `kind|prompt` (the target's), and every sample's identity and text. */
async function stored(db: string): Promise<{ run: string; counts: Map<string, number>; texts: Map<string, string> }> {
  const store = await openStore(db);
  try {
    const run = (await store.runs.list({ kind: 'probe' }))[0]!;
    const tasks = new Map((await store.tasks.listByRun(run.id)).map((t) => [t.id, t]));
    const counts = new Map<string, number>();
    const texts = new Map<string, string>();
    for (const s of await store.samples.listByRun(run.id)) {
      texts.set(`${s.taskId}|${s.model}|${s.sampleIndex}`, s.text);
      if (s.model !== TARGET) continue;
      const t = tasks.get(s.taskId)!;
      const key = `${t.kind}|${(t.input as { prompt: string }).prompt}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return { run: run.id, counts, texts };
  } finally {
    await store.close();
  }
}

describe('tenet probe killed with SIGKILL midway', () => {
  it('resumes the same run, asks for nothing stored again, loses nothing, and ends as an uninterrupted run does', async () => {
    const reference = await tenet(probeArgs(join(dir, 'reference.db')));
    expect(reference.code, reference.stderr).toBe(0);
    const expected = JSON.parse(reference.stdout);
    const want = await stored(join(dir, 'reference.db'));

    const db = join(dir, 'killed.db');
    const start = server.requests.length;
    const first = await tenet(probeArgs(db), killWhen(() => server.requests.slice(start).filter(isTargetChat).length >= 14, 5));
    expect(first.signal).toBe('SIGKILL');
    const before = await stored(db);
    expect(before.counts.size).toBeGreaterThan(0);
    expect(before.texts.size).toBeLessThan(want.texts.size);

    const from = server.requests.length;
    const second = await tenet(probeArgs(db));
    expect(second.code, second.stderr).toBe(0);
    const out = JSON.parse(second.stdout);
    expect(out.run).toBe(before.run);
    expect(out.status).toBe('done');
    // nothing stored before the kill was asked for again: a prompt with only its K selection samples is asked only
    // for its K′ fresh ones, and one with K + K′ (+ earlier defences) only for K new ones (its defence, new indices)
    const resumed = server.requests.slice(from).filter(isTargetChat);
    expect(resumed.length).toBeGreaterThan(0);
    for (const r of resumed) {
      const key = keyOf(userText(r));
      const had = before.counts.get(key) ?? 0;
      const prompt = key.startsWith(PROBE_PROMPT_TASK);
      const n = r.body?.n ?? 1;
      expect(had === 0 || (prompt && had === K && n === K2) || (prompt && had >= K + K2 && (had - K - K2) % K === 0 && n === K), `${key}: asked for ${n} with ${had} stored`).toBe(true);
    }
    // nothing lost or changed: every sample stored before the kill is still there, as it was
    const after = await stored(db);
    for (const [id, text] of before.texts) expect(after.texts.get(id)).toBe(text);
    // and the run ends as the uninterrupted one: the same samples, the same output
    expect(after.texts.size).toBe(want.texts.size);
    expect([...after.counts].sort()).toEqual([...want.counts].sort());
    expect(out.principles).toEqual(expected.principles);
    expect(out.summary).toEqual(expected.summary);
  }, 120_000);
});
