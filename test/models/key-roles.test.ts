/**
 * A missing API key names the model's role: the judge's key is reported as the judge's, with a hint that fits
 * the judge (not --base-url, which only moves the target models); the target's keeps its --base-url hint.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import { createModel } from '../../src/models/spec.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { spawnTenet } from '../support/spawn.ts';
import { rejected } from '../support/errors.ts';

const env = { HOME: '/nonexistent' }; // no OPENAI_API_KEY, no ANTHROPIC_API_KEY

describe('a missing API key', () => {
  it('for a judge names the judge and does not suggest --base-url', async () => {
    const e = await rejected(() => createJudge('llm:openai:gpt-4o-mini', { env }));
    expect(e.code).toBe('PROVIDER_AUTH');
    expect(e.message).toBe('the judge llm:openai:gpt-4o-mini needs an API key and OPENAI_API_KEY is not set');
    expect(e.hint).toMatch(/--judge llm:openai-compatible:MODEL@/);
    expect(e.hint).toMatch(/--base-url sets the target models' server, not the judge's/);
  });

  it('for a target keeps the target wording and the --base-url hint', async () => {
    const e = await rejected(() => createModel('anthropic:claude-3-5-haiku-latest', { env }));
    expect(e.message).toBe('anthropic:claude-3-5-haiku-latest needs an API key and ANTHROPIC_API_KEY is not set');
    expect(e.hint).toMatch(/--base-url/);
  });
});

describe('from the CLI', () => {
  let server: LoopbackServer;
  const dir = mkdtempSync(join(tmpdir(), 'tenet-keys-'));
  beforeAll(async () => {
    server = await startLoopbackServer(() => 'ok');
    writeFileSync(join(dir, 'p.jsonl'), JSON.stringify({ id: 'a', prompt: 'Story: and', foundation: 'care' }));
  });
  afterAll(async () => {
    await server.close();
  });

  it('bench with a reachable target and a keyless hosted judge blames the judge', async () => {
    const run = await spawnTenet(['--db', join(dir, 'k.db'), 'bench', '--models', `openai-compatible:m@${server.url}/v1`, '--prompts', 'p.jsonl', '--judge', 'llm:openai:gpt-4o-mini'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error [PROVIDER_AUTH]: the judge llm:openai:gpt-4o-mini needs an API key and OPENAI_API_KEY is not set');
    expect(run.stderr).not.toMatch(/point the spec at another server with --base-url/);
  });
});
