/**
 * Issue 22 item 4: pg-boss jobs (plain text in Postgres, kept 7 days) carry no secrets. A base URL with
 * credentials goes into the job without them, and the worker takes them from its own configuration by the
 * model's name; credentials given only on the command line (an inline spec, --base-url, a judge spec) are
 * refused before anything is enqueued, with a hint naming the fix. Needs TENET_TEST_PG_URL.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenetConfig } from '../../src/config.ts';
import { pgbossExecutor } from '../../src/distributed/dispatch.ts';
import { BOSS_SCHEMA, deleteQueue, jobBaseUrl, queueTarget } from '../../src/distributed/queue.ts';
import { runWorker } from '../../src/distributed/worker.ts';
import { createJudge } from '../../src/judges/factory.ts';
import { createModel } from '../../src/models/spec.ts';
import { openRun } from '../../src/runtime/run.ts';
import { runSampleStage, type PromptTask } from '../../src/runtime/sample-stage.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { rejected } from '../support/errors.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const SECRET = 'pgb0ssS3cret';
const PG_URL = process.env.TENET_TEST_PG_URL;

describe('jobBaseUrl: where a worker reaches a job\'s model', () => {
  const credentialed = `http://user:${SECRET}@10.1.2.3:8000/v1`;
  const config: TenetConfig = { endpoints: { vllm: { provider: 'openai', baseUrl: credentialed, model: 'm' } } };
  it('uses a base URL without credentials as it is, and fills redacted ones from its own configuration or environment', () => {
    expect(jobBaseUrl('openai:m', null, undefined)).toBeUndefined();
    expect(jobBaseUrl('openai:m', 'http://10.1.2.3:8000/v1', undefined)).toBe('http://10.1.2.3:8000/v1');
    expect(jobBaseUrl('vllm', 'http://***@10.1.2.3:8000/v1', config)).toBe(credentialed);
    expect(jobBaseUrl('openai:m', 'http://***@10.1.2.3:8000/v1', undefined, { OPENAI_BASE_URL: credentialed })).toBe(credentialed);
    expect(() => jobBaseUrl('openai:m', 'http://***@10.1.2.3:8000/v1', undefined, {})).toThrow(/whose credentials a job does not carry/);
    expect(() => jobBaseUrl('vllm', 'http://***@other:8000/v1', config)).toThrow(/resolves vllm to http:\/\/\*\*\*@10\.1\.2\.3/);
  });
});

describe.skipIf(!PG_URL)('pg-boss jobs carry no secrets (TENET_TEST_PG_URL)', () => {
  const schema = `tdsecret_${Date.now().toString(36)}_${process.pid}`;
  const db = `${PG_URL}${PG_URL?.includes('?') ? '&' : '?'}schema=${schema}`;
  let server: LoopbackServer;
  let store: Store;
  let credentialed: string;
  const jobData = async (): Promise<string[]> => {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ data: string }>(`SELECT data::text AS data FROM ${BOSS_SCHEMA}.job WHERE name = $1`, [queueTarget(db).queue]);
      return rows.map((r) => r.data);
    } finally {
      await client.end();
    }
  };
  const tasks = (tag: string): PromptTask[] => Array.from({ length: 3 }, (_, i) => ({ id: `${tag}${i}-${schema}`, prompt: `Story ${i}: the wallet lay there and`, foundation: 'care' }));

  beforeAll(async () => {
    server = await startLoopbackServer(() => 'she handed the wallet back.');
    credentialed = `${server.url.replace('http://', `http://user:${SECRET}@`)}/v1`;
    store = await openStore(db);
  });
  afterAll(async () => {
    await store?.close();
    await deleteQueue(db).catch(() => {});
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    await server?.close();
  });

  it('a credentialed endpoint from the shared configuration: jobs hold it redacted, the worker fills the credentials in', { timeout: 60_000 }, async () => {
    const config: TenetConfig = { endpoints: { vllm: { provider: 'openai', baseUrl: credentialed, model: 'm1' } } };
    const model = createModel('vllm', { config });
    const judge = await createJudge('local-fast');
    const run = await openRun(store, { kind: 'bench', name: 'secrets', config: { schema } });
    const stop = new AbortController();
    const worker = runWorker({ db, config, concurrency: 2, signal: stop.signal });
    const before = server.requests.length;
    const stage = await runSampleStage(tasks('a'), {
      store, runId: run.id, taskKind: 'bench', models: [model], samples: 1, judge, judgeSpec: 'local-fast', concurrency: 2,
      executor: pgbossExecutor({ db, config, pollMs: 100 }),
    });
    stop.abort();
    await worker;
    expect(stage).toMatchObject({ units: 3, done: 3, failed: [] });
    const sent = server.requests.slice(before);
    expect(sent.length).toBe(3);
    for (const r of sent) expect(String(r.headers.authorization)).toBe(`Basic ${Buffer.from(`user:${SECRET}`).toString('base64')}`);

    const data = await jobData();
    expect(data.length).toBe(3);
    for (const d of data) {
      expect(d).not.toContain(SECRET);
      expect(d).toContain('//***@127.0.0.1');
    }
  });

  it('credentials given only on the command line or in the judge spec are refused before anything is enqueued', { timeout: 60_000 }, async () => {
    const before = (await jobData()).length;
    const run = await openRun(store, { kind: 'bench', name: 'secrets-refused', config: { schema, refused: true } });
    const inline = createModel(`openai-compatible:m2@${credentialed}`);
    const error = await rejected(runSampleStage(tasks('b'), {
      store, runId: run.id, taskKind: 'bench', models: [inline], samples: 1, concurrency: 2,
      executor: pgbossExecutor({ db, pollMs: 100 }),
    }));
    expect(error.code).toBe('BAD_USAGE');
    expect(error.message).toMatch(/cannot send openai:m2's base URL to workers/);
    expect(error.hint).toMatch(/apiKeyEnv/);
    expect(JSON.stringify(error.toJSON())).not.toContain(SECRET);

    const plain = createModel(`openai-compatible:m3@${server.url}/v1`);
    const judgeSpec = `llm:openai-compatible:j@${credentialed}`;
    const judge = await createJudge(judgeSpec);
    const refused = await rejected(runSampleStage(tasks('c'), {
      store, runId: run.id, taskKind: 'bench', models: [plain], samples: 1, judge, judgeSpec, concurrency: 2,
      executor: pgbossExecutor({ db, pollMs: 100 }),
    }));
    expect(refused.code).toBe('BAD_USAGE');
    expect(refused.message).toMatch(/cannot send the judge llm:openai-compatible:j@http:\/\/\*\*\*@/);
    expect(JSON.stringify(refused.toJSON())).not.toContain(SECRET);

    // the CLI: exit 2, the fix named, the secret nowhere
    const cli = await runCli(['--db', db, 'bench', '--executor', 'pgboss', '--models', `openai-compatible:m4@${credentialed}`, '--prompts', 'builtin:valuecompass-mft', '--limit', '2', '--samples', '1', '--judge', 'local-fast']);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toMatch(/jobs carry no secrets/);
    expect(cli.stdout + cli.stderr).not.toContain(SECRET);

    const after = await jobData();
    expect(after.length).toBe(before);
    for (const d of after) expect(d).not.toContain(SECRET);
  });
});
