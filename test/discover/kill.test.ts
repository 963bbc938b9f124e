/**
 * `tenet discover` killed with SIGKILL midway (a child process against the loopback extractor in this
 * process), then run again: it continues the same run, asks for no stored extraction again, and prints
 * exactly what an uninterrupted run prints.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DISCOVER_TASK_KIND, type DiscoverTaskInput } from '../../src/discover/run.ts';
import { openStore } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { killWhen, spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { extractorReply, writeWorld } from './world.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-discover-kill-'));
let server: LoopbackServer;
let config: string;

beforeAll(async () => {
  server = await startLoopbackServer((req) => extractorReply(req), { latencyMs: 15 });
  config = join(dir, 'tenet.config.yaml');
  writeFileSync(config, ['retry: {baseDelayMs: 5, maxDelayMs: 20}', 'endpoints:', `  extractor: {provider: openai, baseUrl: "${server.url}/v1", model: extractor, concurrency: 8}`].join('\n'));
  writeWorld(join(dir, 'world.jsonl'));
});
afterAll(async () => {
  await server.close();
});

// --no-cache: with the response cache, a reply cached in the instant between its call and the kill is answered
// from the cache on the rerun (rightly), and the count of extractions asked again would be one short.
const args = (db: string): string[] => ['--config', config, '--db', db, 'discover', join(dir, 'world.jsonl'), '--model', 'extractor', '--encoder', 'hashed', '--by', 'meta.model', '--concurrency', '4', '--no-cache', '--json'];
const tenet = (a: string[], onSpawn?: Parameters<typeof spawnTenet>[1]['onSpawn']): Promise<SpawnResult> => spawnTenet(a, { cwd: dir, ...(onSpawn ? { onSpawn } : {}) });
const extractions = (from: number): string[] => server.requests.slice(from)
  .filter((r) => r.path === '/v1/chat/completions' && JSON.stringify(r.body?.messages ?? '').includes('list the values each side expresses'))
  .map((r) => /\[([\w-]+)\]/.exec(JSON.stringify(r.body.messages))?.[1] ?? '?');

async function storedConversations(db: string): Promise<Map<string, string>> {
  const store = await openStore(db);
  try {
    const run = (await store.runs.list({ kind: 'discover' }))[0]!;
    const ids = new Map((await store.tasks.listByRun(run.id)).filter((t) => t.kind === DISCOVER_TASK_KIND).map((t) => [t.id, (t.input as DiscoverTaskInput).id]));
    return new Map((await store.samples.listByRun(run.id)).map((s) => [ids.get(s.taskId)!, s.text]));
  } finally {
    await store.close();
  }
}

describe('tenet discover killed with SIGKILL midway', () => {
  it('resumes the same run with no extraction repeated and ends as an uninterrupted run does', async () => {
    const reference = await tenet(args(join(dir, 'reference.db')));
    expect(reference.code, reference.stderr).toBe(0);
    const expected = JSON.parse(reference.stdout);

    const db = join(dir, 'killed.db');
    const start = server.requests.length;
    const first = await tenet(args(db), killWhen(() => extractions(start).length >= 80, 2));
    expect(first.signal).toBe('SIGKILL');
    const before = await storedConversations(db);
    expect(before.size).toBeGreaterThan(0);
    expect(before.size).toBeLessThan(240);

    const from = server.requests.length;
    const second = await tenet(args(db));
    expect(second.code, second.stderr).toBe(0);
    const asked = extractions(from);
    expect(asked.length).toBe(240 - before.size);
    for (const id of asked) expect(before.has(id), `${id} was stored before the kill and asked again`).toBe(false);
    const after = await storedConversations(db);
    for (const [id, text] of before) expect(after.get(id)).toBe(text);
    expect(JSON.parse(second.stdout)).toEqual(expected);
  }, 120_000);
});
