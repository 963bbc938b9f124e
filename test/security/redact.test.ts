/**
 * Issue 14 item 15: credentials inside a base URL (`http://user:key@host`) never appear in errors, in
 * runs.config_json, in --json output or in reports; one function (src/redact.ts) does it everywhere.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { createModel } from '../../src/models/spec.ts';
import { isRedacted, redactDeep, redactSecrets } from '../../src/redact.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const SECRET = 's3cretKEY42';
const dir = mkdtempSync(join(tmpdir(), 'tenet-redact-'));
let server: LoopbackServer;
let mode: 'ok' | 'echo' = 'ok';
let credentialed: string;

beforeAll(async () => {
  server = await startLoopbackServer((req) =>
    mode === 'echo'
      ? { fault: 'http', status: 404, body: { error: { message: `no model at http://alice:${SECRET}@internal.example:8080/v1 (Bearer ${SECRET}abcdef)` } } }
      : req.messages.at(-1)!.content.includes('wallet') ? 'he handed it back.' : 'ok',
  );
  credentialed = server.url.replace('http://', `http://alice:${SECRET}@`) + '/v1';
});
afterAll(() => server.close());

describe('redactSecrets', () => {
  it('takes credentials out of URLs, query parameters, bearer tokens and API keys, and is idempotent', () => {
    expect(redactSecrets('http://alice:pw@h:1/v1')).toBe('http://***@h:1/v1');
    expect(redactSecrets('see https://u:p%40ss@api.x/v1/chat and postgres://a:b@db/x')).toBe('see https://***@api.x/v1/chat and postgres://***@db/x');
    expect(redactSecrets('https://h/v1?api_key=abc&x=1')).toBe('https://h/v1?api_key=***&x=1');
    expect(redactSecrets('failed: api_key=abc123 token=xyz; monkey=1')).toBe('failed: api_key=*** token=***; monkey=1');
    expect(redactSecrets('Authorization: Bearer abcdefghijkl')).toBe('Authorization: Bearer ***');
    expect(redactSecrets('key sk-proj-ABCDEFGHIJKLMNOPQRSTUV here')).toBe('key sk-proj-*** here');
    expect(redactSecrets('http://alice@h/v1')).toBe('http://***@h/v1');
    expect(redactSecrets('echoed x-key: abcdefgh1234 back', { MY_API_KEY: 'abcdefgh1234', HOME: '/home/abcdefgh1234' })).toBe('echoed x-key: *** back');
    const once = redactSecrets(`x http://a:${SECRET}@h`);
    expect(redactSecrets(once)).toBe(once);
    expect(isRedacted(once)).toBe(true);
    expect(isRedacted('http://h/v1')).toBe(false);
    expect(redactDeep({ a: [`http://u:${SECRET}@h`], n: 1 })).toEqual({ a: ['http://***@h'], n: 1 });
  });
});

describe('a base URL with credentials', () => {
  it('works (the credentials are sent as Basic auth) and never shows in a provider error', async () => {
    mode = 'ok';
    const model = await createModel('openai:m1', { baseUrl: credentialed });
    const before = server.requests.length;
    await model.chat({ messages: [{ role: 'user', content: 'hi' }] });
    const sent = server.requests.slice(before)[0];
    expect(String(sent?.headers.authorization)).toBe(`Basic ${Buffer.from(`alice:${SECRET}`).toString('base64')}`);

    mode = 'echo';
    let caught: unknown;
    try {
      await model.chat({ messages: [{ role: 'user', content: 'hi' }] });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TenetError);
    const text = JSON.stringify((caught as TenetError).toJSON()) + (caught as Error).message;
    expect(text).toContain('//***@');
    expect(text).not.toContain(SECRET);
    mode = 'ok';
  });

  it('is stored without them (runs.config_json), printed without them (--json, stderr, report), and a resume asks for them again', async () => {
    mode = 'ok';
    const db = join(dir, 'bench.db');
    const prompts = join(dir, 'prompts.jsonl');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(prompts, ['{"id":"a","prompt":"The wallet lay there and","foundation":"care"}', '{"id":"b","prompt":"She found a wallet and","foundation":"fairness"}'].join('\n'));
    const bench = await runCli(['--db', db, '--json', 'bench', '--models', 'openai:m1', '--base-url', credentialed, '--prompts', prompts, '--samples', '1', '--judge', 'local-fast', '--no-cache']);
    expect(bench.stdout + bench.stderr).not.toContain(SECRET);
    const runId = (JSON.parse(bench.stdout) as { run: string }).run;

    const store = await openStore(db);
    try {
      const rows = await sql<{ config_json: string }>`select config_json from runs`.execute(store.kysely);
      expect(rows.rows.length).toBeGreaterThan(0);
      for (const r of rows.rows) expect(r.config_json).not.toContain(SECRET);
      expect(rows.rows.some((r) => r.config_json.includes('//***@'))).toBe(true);
    } finally {
      await store.close();
    }

    const html = join(dir, 'report.html');
    const report = await runCli(['--db', db, 'report', runId, '-o', html]);
    expect(report.stderr).toBe('');
    expect(report.code).toBe(0);
    expect(readFileSync(html, 'utf8')).not.toContain(SECRET);

    const resumed = await runCli(['--db', db, 'bench', '--resume', runId]);
    expect(resumed.stderr).toContain('credentials are not stored');
    expect(resumed.code).toBe(2);
    expect(resumed.stderr).toContain('credentials are not stored');
    expect(resumed.stderr).not.toContain(SECRET);
    const again = await runCli(['--db', db, '--json', 'bench', '--resume', runId, '--base-url', credentialed]);
    expect(again.stdout + again.stderr).not.toContain(SECRET);
    expect(JSON.parse(again.stdout).run).toBe(runId);
  });
});
