/**
 * Issue 14 item 18, as a user meets it: two `tenet bench` processes on the same run. The second is refused
 * (exit 2, a clear message) instead of doubling the model calls; once the first is done the lease is free.
 */
import { spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-lease-cli-'));
const PROMPTS = 6;
const promptFile = join(dir, 'prompts.jsonl');
writeFileSync(promptFile, Array.from({ length: PROMPTS }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay on the bench and`, foundation: 'care' })).join('\n'));

let server: LoopbackServer;
let configFile: string;
beforeAll(async () => {
  server = await startLoopbackServer(() => 'he handed it to the police.', { latencyMs: 250 });
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, ['endpoints:', `  m1: {provider: openai, baseUrl: "${server.url}/v1", model: m1, concurrency: 1}`].join('\n'));
});
afterAll(() => server.close());

function tenet(args: string[]): Promise<SpawnResult> {
  return spawnTenet(['--config', configFile, ...args], { cwd: dir });
}

describe('two processes on one run', () => {
  it('the second is refused with a clear message; no model call is doubled; afterwards the run is free again', async () => {
    const db = join(dir, 'runs.db');
    const args = ['--db', db, 'bench', '--models', 'm1', '--prompts', promptFile, '--samples', '2', '--judge', 'local-fast', '--concurrency', '1', '--no-cache'];
    const first = tenet(args);
    // Start the second once the first is calling the model.
    for (let i = 0; i < 200 && server.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.requests.length).toBeGreaterThan(0);
    const second = await tenet(args);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/error \[RUN_BUSY\]: run bench-[0-9a-f]+ is being worked on by another process \(.+:\d+:[0-9a-f]+, last heartbeat \d+ s ago\)/);
    expect(second.stderr).toMatch(/hint: running it twice would repeat its model calls/);

    const one = await first;
    expect(one.code, one.stderr).toBe(0);
    expect(server.requests).toHaveLength(PROMPTS); // one call per prompt (n = 2 in one request): nothing doubled

    const store = await openStore(db);
    try {
      const [run] = await store.runs.list();
      expect(run!.status).toBe('done');
      expect(await store.samples.countByRun(run!.id)).toBe(PROMPTS * 2);
      expect(await store.leases.get(run!.id)).toBeUndefined(); // released on exit
    } finally {
      await store.close();
    }
    const third = await tenet(args); // at once: no waiting for an expiry
    expect(third.code, third.stderr).toBe(0);
    expect(server.requests).toHaveLength(PROMPTS);
  });
});
