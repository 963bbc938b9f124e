import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'tenet-cli-'));
const db = join(dir, 'tenet.db');

interface Result { code: number | null; stdout: string; stderr: string }

/** Run the CLI as a user would, in its own process. */
function tenet(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '', HOME: dir, ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer((req) => `a value is what ${req.model} cares about`);
});
afterAll(async () => {
  await server.close();
});

describe('tenet CLI', () => {
  it('teaches with --help and worked examples', async () => {
    const root = await tenet(['--help']);
    expect(root.code).toBe(0);
    expect(root.stdout).toMatch(/Examples:/);
    const sub = await tenet(['models', 'test', '--help']);
    expect(sub.stdout).toMatch(/tenet models test openai:gpt-4o-mini/);
  });

  it('exits 2 on bad usage', async () => {
    expect((await tenet(['no-such-command'])).code).toBe(2);
    expect((await tenet(['models', 'test'])).code).toBe(2);
  });

  it('models test prints text, latency and usage as JSON, then answers from the cache', async () => {
    const args = ['--db', db, 'models', 'test', 'openai:tiny', '--base-url', `${server.url}/v1`, '--json'];
    const before = server.requests.length;
    const first = await tenet(args);
    expect(first.code, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out.text).toBe('a value is what tiny cares about');
    expect(out.latencyMs).toBeGreaterThanOrEqual(0);
    expect(out.usage.outputTokens).toBeGreaterThan(0);
    const second = JSON.parse((await tenet(args)).stdout);
    expect(second.cached).toBe(true);
    expect(server.requests.length - before).toBe(1);
    const noCache = JSON.parse((await tenet([...args, '--no-cache'])).stdout);
    expect(noCache.cached).toBe(false);
    expect(server.requests.length - before).toBe(2);
  });

  it('cache stats and clear report what the store holds', async () => {
    const stats = JSON.parse((await tenet(['--db', db, 'cache', 'stats', '--json'])).stdout);
    expect(stats.entries).toBeGreaterThanOrEqual(1);
    const cleared = JSON.parse((await tenet(['--db', db, 'cache', 'clear', '--json'])).stdout);
    expect(cleared.deleted).toBe(stats.entries);
  });

  it('reports a provider failure with its code and a hint, exit 1', async () => {
    const result = await tenet(['models', 'test', 'openai:gpt-4o-mini']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/PROVIDER_AUTH.*OPENAI_API_KEY/);
    expect(result.stderr).toMatch(/hint:/);
    expect(result.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('reports an unknown model spec as bad usage with the accepted forms', async () => {
    const result = await tenet(['models', 'test', 'gpt4']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/openai:MODEL, anthropic:MODEL, ollama:MODEL, llamacpp:PATH.gguf/);
  });

  it('uses named endpoints from tenet.config.yaml', async () => {
    writeFileSync(join(dir, 'tenet.config.yaml'), `endpoints:\n  local-vllm:\n    provider: openai\n    baseUrl: ${server.url}/v1\n    model: qwen-7b\n`);
    const result = await tenet(['--db', db, 'models', 'test', 'local-vllm', '--json', '--no-cache']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).text).toBe('a value is what qwen-7b cares about');
  });

  it('reports an invalid config file with file, line and field path, exit 2', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'providers:\n  openai:\n    concurrency: -3\n');
    const result = await tenet(['--config', file, 'doctor']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${file}:3`);
    expect(result.stderr).toContain('providers.openai.concurrency');
  });

  it('doctor reports Node, database and providers as JSON', async () => {
    const result = await tenet(['--db', db, 'doctor', '--json'], { OPENAI_API_KEY: 'sk-test' });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.ok).toBe(true);
    const byName = Object.fromEntries(report.checks.map((c: { name: string }) => [c.name, c]));
    expect(byName.node.detail).toMatch(/Node 2\d/);
    expect(byName.database.detail).toContain(db);
    expect(byName['provider openai'].detail).toMatch(/OPENAI_API_KEY is set/);
    expect(result.stdout).not.toContain('sk-test');
  });

  it('doctor says "configured (not checked)" for an endpoint it did not try, and --ping tells reachable from not', async () => {
    const closed = await startLoopbackServer(() => 'x');
    const deadUrl = closed.url;
    await closed.close(); // nothing listens there now
    const env = { OLLAMA_HOST: deadUrl };
    const plain = JSON.parse((await tenet(['--db', db, 'doctor', '--json'], env)).stdout);
    const ollama = plain.checks.find((c: { name: string }) => c.name === 'provider ollama');
    expect(ollama.status).toBe('unchecked');
    expect(ollama.detail).toMatch(/^configured \(not checked; --ping tries to reach it\): /);
    expect(plain.ok).toBe(true);
    const human = await tenet(['--db', db, 'doctor'], env);
    expect(human.stdout).toMatch(/^-- +provider ollama +configured \(not checked/m);
    expect(human.stdout).not.toMatch(/^ok +provider ollama/m);
    const pinged = JSON.parse((await tenet(['--db', db, 'doctor', '--json', '--ping'], env)).stdout);
    const dead = pinged.checks.find((c: { name: string }) => c.name === 'provider ollama');
    expect(dead.status).toBe('warn');
    expect(dead.detail).toMatch(/not reachable/);
    const live = await startLoopbackServer(() => 'x');
    try {
      const up = JSON.parse((await tenet(['--db', db, 'doctor', '--json', '--ping'], { OLLAMA_HOST: live.url })).stdout);
      expect(up.checks.find((c: { name: string }) => c.name === 'provider ollama')).toMatchObject({ status: 'ok', detail: expect.stringMatching(/reachable$/) });
    } finally {
      await live.close();
    }
  }, 60_000); // doctor loads node-llama-cpp to say whether it works: seconds on a busy machine

  it('doctor says whether the fetched models are there, with the size they were fetched at, and whether node-llama-cpp loads', async () => {
    const models = mkdtempSync(join(tmpdir(), 'tenet-models-'));
    const check = async () => JSON.parse((await tenet(['--db', db, 'doctor', '--json'], { TENET_MODELS_DIR: models })).stdout).checks as { name: string; status: string; detail: string }[];
    const none = (await check()).find((c) => c.name === 'fetched models')!;
    expect(none).toMatchObject({ status: 'ok', detail: expect.stringMatching(/^none in .*npm run fetch-models/) });
    writeFileSync(join(models, 'gemma-3-270m-q4_k_m.gguf'), 'partial');
    const checks = await check();
    expect(checks.find((c) => c.name === 'fetched models')).toMatchObject({ status: 'warn', detail: expect.stringContaining('gemma-3-270m-q4_k_m is 7 bytes, not 253113024') });
    expect(checks.find((c) => c.name === 'provider llamacpp')!.detail).toMatch(/node-llama-cpp is (not installed|installed and loads)/);
  });

  it('doctor fails (exit 1) when the configured Postgres is unreachable', async () => {
    const result = await tenet(['--db', 'postgres://nobody@127.0.0.1:1/none', 'doctor', '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.checks.find((c: { name: string }) => c.name === 'database').status).toBe('fail');
  });
});
