/**
 * `tenet align vilmo` killed with SIGKILL in the middle of training and in the middle of evaluation, in a child
 * process against the loopback server in this process, then run again: it continues the same run, asks the
 * models for no unit it had stored, loses and changes nothing it had stored, stores no unit twice, and ends
 * with exactly what an uninterrupted run stores and prints (the scripted world is deterministic).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { continuationMessages } from '../../src/bench/run.ts';
import { apeMessages, critiqueMessages, generateMessages, reviseMessages, type Example } from '../../src/align/vilmo/prompts.ts';
import { VILMO_TASKS, type VilmoTask } from '../../src/align/vilmo/stored.ts';
import type { ChatMessage } from '../../src/models/types.ts';
import { openStore } from '../../src/store/index.ts';
import { killWhen, spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { startLoopbackServer, type LoopbackServer, type RecordedRequest } from '../support/loopback-server.ts';
import { storyPrompts, world } from './vilmo-world.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-vilmo-kill-'));
const promptFile = join(dir, 'stories.jsonl');
let server: LoopbackServer;
let configFile: string;
let reference: { out: any; state: Stored };

const GEN_KINDS: string[] = [VILMO_TASKS.genVal, VILMO_TASKS.genTrain, VILMO_TASKS.genTest, VILMO_TASKS.genApe];

interface Stored {
  run: string;
  /** `kind|stage id` → samples stored. */
  counts: Map<string, number>;
  /** sample id → text. */
  texts: Map<string, string>;
  /** What each stored unit asked its model: `model|messages`. */
  asked: Set<string>;
}

const key = (model: string, messages: readonly ChatMessage[]): string => `${model}|${JSON.stringify(messages.map((m) => ({ role: m.role, content: m.content })))}`;

async function stored(db: string): Promise<Stored> {
  const store = await openStore(db);
  try {
    const run = (await store.runs.list({ kind: 'vilmo' }))[0]!;
    const tasks = await store.tasks.listByRun(run.id);
    const metas = new Map<number, { examples: Example[]; summary: string }>();
    let train: { prompt: string }[] = [];
    for (const t of tasks) {
      const input = t.input as any;
      if (t.kind === VILMO_TASKS.meta) metas.set(input.round, input);
      if (t.kind === VILMO_TASKS.split) train = input.train;
    }
    const byId = new Map(tasks.map((t) => [t.id, t]));
    const counts = new Map<string, number>();
    const texts = new Map<string, string>();
    const asked = new Set<string>();
    for (const s of await store.samples.listByRun(run.id)) {
      const t = byId.get(s.taskId)!;
      const task = t.input as VilmoTask;
      counts.set(`${t.kind}|${task.id}`, (counts.get(`${t.kind}|${task.id}`) ?? 0) + 1);
      texts.set(s.id, s.text);
      const messages = t.kind === VILMO_TASKS.genApe ? apeMessages(train.slice(0, 5).map((p) => p.prompt))
        : GEN_KINDS.includes(t.kind) ? generateMessages(task.prompt, metas.get(task.round!)!)
        : t.kind === VILMO_TASKS.critique ? critiqueMessages(task, task.draft!)
        : task.method === 'self-critique' ? reviseMessages(task, task.draft!, task.critique!)
        : continuationMessages(task, task.instruction);
      asked.add(key(GEN_KINDS.includes(t.kind) ? 'gen' : 'target', messages));
    }
    return { run: run.id, counts, texts, asked };
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  server = await startLoopbackServer(world, { latencyMs: 15 });
  writeFileSync(promptFile, storyPrompts(40).map((p) => JSON.stringify(p)).join('\n') + '\n');
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20}',
    'endpoints:',
    ...['target', 'gen', 'judge'].map((m) => `  ${m}: {provider: openai, baseUrl: "${server.url}/v1", model: ${m}, concurrency: 8}`),
  ].join('\n'));
  const r = await tenet(join(dir, 'reference.db'));
  expect(r.code, r.stderr).toBe(0);
  reference = { out: JSON.parse(r.stdout), state: await stored(join(dir, 'reference.db')) };
}, 120_000);
afterAll(async () => {
  await server.close();
});

function tenet(db: string, onSpawn?: (child: ChildProcess) => void): Promise<SpawnResult> {
  return spawnTenet(['--config', configFile, '--db', db, 'align', 'vilmo', '--target', 'target', '--generator', 'gen', '--judge', 'llm:judge', '--prompts', promptFile,
    '--split', '0.4,0.2,0.4', '--samples', '2', '--candidates', '3', '--rounds', '2', '--concurrency', '4', '--json'], { cwd: dir, ...(onSpawn ? { onSpawn } : {}) });
}

const isModelChat = (r: RecordedRequest): boolean => (r.body?.model === 'target' || r.body?.model === 'gen') && r.path === '/v1/chat/completions';

async function killAndResume(db: string, when: (requests: RecordedRequest[]) => boolean, stage: string): Promise<void> {
  const start = server.requests.length;
  const first = await tenet(db, killWhen(() => when(server.requests.slice(start))));
  expect(first.signal).toBe('SIGKILL');
  const before = await stored(db);
  expect(before.texts.size).toBeGreaterThan(0);
  expect(before.texts.size).toBeLessThan(reference.state.texts.size);
  // killed in the stage meant: some of its units stored, not all
  const inStage = (s: Stored): number => [...s.counts].filter(([k]) => k.startsWith(`${stage}|`)).length;
  expect(inStage(before)).toBeGreaterThan(0);
  expect(inStage(before)).toBeLessThan(inStage(reference.state));

  const from = server.requests.length;
  const second = await tenet(db);
  expect(second.code, second.stderr).toBe(0);
  const out = JSON.parse(second.stdout);
  expect(out.run).toBe(before.run);
  expect(out.status).toBe('done');
  // no unit stored before the kill was asked for again
  const resumed = server.requests.slice(from).filter(isModelChat);
  expect(resumed.length).toBeGreaterThan(0);
  for (const r of resumed) expect(before.asked.has(key(r.body.model, r.body.messages)), `asked again: ${JSON.stringify(r.body.messages).slice(0, 200)}`).toBe(false);
  // nothing lost or changed
  const after = await stored(db);
  // (the check above reads what each stored unit asked exactly as the requests carry it)
  for (const r of resumed) expect(after.asked.has(key(r.body.model, r.body.messages))).toBe(true);
  for (const [id, text] of before.texts) expect(after.texts.get(id)).toBe(text);
  // nothing duplicated or missing: every unit holds exactly the samples it holds in the uninterrupted run
  expect([...after.counts].sort()).toEqual([...reference.state.counts].sort());
  // and the run ends as the uninterrupted one
  expect(out.methods).toEqual(reference.out.methods);
  expect(out.paired).toEqual(reference.out.paired);
  expect(out.training).toEqual(reference.out.training);
  expect(out.ape).toEqual(reference.out.ape);
}

describe('tenet align vilmo killed with SIGKILL', () => {
  it('in the middle of training: resumes with no unit lost, repeated or duplicated', async () => {
    // round 0's candidates are being scored: instructed target calls on training prompts
    await killAndResume(join(dir, 'killed-training.db'), (rs) => rs.filter(isModelChat).length >= 60, VILMO_TASKS.train);
  }, 120_000);

  it('in the middle of evaluation: resumes with no unit lost, repeated or duplicated', async () => {
    const fixed = (r: RecordedRequest): boolean => isModelChat(r) && String(r.body.messages?.[0]?.content ?? '').includes('Make sure the continuation is ethical.');
    await killAndResume(join(dir, 'killed-evaluation.db'), (rs) => rs.filter(fixed).length >= 8, VILMO_TASKS.eval);
  }, 120_000);
});
