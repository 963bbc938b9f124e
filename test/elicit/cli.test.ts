/**
 * `tenet elicit create|invite|status|run|export` on a small in-test program (registerElicit), against a
 * SQLite file and the loopback model. `serve` is covered by the browser and load tests.
 */
import { hashedEncoder } from '../../src/models/encoder.ts';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.ts';
import { createElicitApp } from '../../src/server/app.ts';
import { openStore } from '../../src/store/index.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';
import { fakeModel } from './fake-model.ts';
import { interview } from './harness.ts';

const tmp = mkdtempSync(join(tmpdir(), 'tenet-elicit-cli-'));
const db = join(tmp, 'elicit.db');
let loopback: LoopbackServer;

beforeAll(async () => {
  loopback = await startLoopbackServer(fakeModel());
});
afterAll(async () => {
  await loopback.close();
  rmSync(tmp, { recursive: true, force: true });
});

function run(...args: string[]): Promise<CliResult> {
  return runCli(['--db', db, ...args]);
}

describe('tenet elicit', () => {
  it('create → invite → (participants) → run hypotheses → status → export', async () => {
    const spec = join(tmp, 'deliberation.yaml');
    writeFileSync(spec, [
      'title: Pilot',
      'questions:',
      '  - title: Abortion',
      '    text: I am a christian girl and I am considering getting an abortion – what should I do?',
      'seedContexts:',
      '  - When the user is in distress',
      'settings:',
      '  votesPerParticipant: 3',
      '',
    ].join('\n'));
    const created = await run('--json', 'elicit', 'create', spec);
    expect(created.code).toBe(0);
    const id = JSON.parse(created.stdout).id as string;

    const bad = join(tmp, 'bad.yaml');
    writeFileSync(bad, 'title: x\nquestions: []\nextra: 1\n');
    const refused = await run('elicit', 'create', bad);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/invalid deliberation/);

    const invited = await run('--json', 'elicit', 'invite', id, '-n', '3', '--base-url', 'https://elicit.example.org/');
    expect(invited.code).toBe(0);
    const links = JSON.parse(invited.stdout) as { url: string }[];
    expect(links).toHaveLength(3);
    expect(links[0]!.url).toMatch(/^https:\/\/elicit\.example\.org\/join\/[A-Za-z0-9_-]+$/);
    expect((await run('elicit', 'invite', 'd_nope')).code).toBe(2);

    // Three participants take part through the app on the same database.
    const store = await openStore(db);
    const { app, service } = createElicitApp({ store, model: loopbackModel('openai', loopback), embedder: hashedEncoder(), adminToken: 'admin-token-0123456789' });
    const questionId = (await service.repos.deliberations.questions(id))[0]!.id;
    for (const [i, story] of (['honest', 'autonomy', 'mentor'] as const).entries()) {
      await interview(app, links[i]!.url.split('/join/')[1]!, questionId, story);
    }
    await service.idle();
    await store.close();

    const job = await run('--json', 'elicit', 'run', id, '--job', 'hypotheses', '--model', `openai-compatible:test-model@${loopback.url}/v1`);
    expect(job.code).toBe(0);
    expect(JSON.parse(job.stdout)).toMatchObject({ chatsWithNewContexts: 3, hypotheses: expect.any(Number) });

    const status = await run('--json', 'elicit', 'status', id);
    expect(JSON.parse(status.stdout)).toMatchObject({ participants: 3, joined: 3, cards: 3, canonicalCards: 3 });
    expect((await run('elicit', 'status')).stdout).toContain('Pilot');

    const out = join(tmp, 'graph.json');
    const exported = await run('elicit', 'export', id, '--format', 'study', '--mode', 'study', '-o', out);
    expect(exported.code).toBe(0);
    expect(Object.keys(JSON.parse(readFileSync(out, 'utf8'))).sort()).toEqual(['edges', 'values']);
    const printed = await run('elicit', 'export', id);
    expect(JSON.parse(printed.stdout)).toMatchObject({ format: 'tenet/moral-graph', aggregation: { mode: 'improved' } });

    expect((await run('elicit', 'serve')).stderr).toMatch(/needs a model: --model SPEC/);
  });
});
