/** `tenet doctor --speed` without the fetched models: the thread count, and "not fetched" instead of a speed. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { runDoctor } from '../../src/doctor.ts';
import { defaultThreads } from '../../src/models/llama-runtime.ts';
import { runCli } from '../support/cli.ts';

afterEach(() => vi.unstubAllEnvs());

it('doctor --speed says the thread count and "not fetched" when SmolLM2 is not in the models directory', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenet-doctor-speed-'));
  vi.stubEnv('TENET_MODELS_DIR', join(dir, 'models'));
  const json = await runCli(['--db', join(dir, 'doctor.db'), '--json', 'doctor', '--speed']);
  expect(json.code, json.stderr).toBe(0);
  const report = JSON.parse(json.stdout);
  expect(report.speed).toMatchObject({ threads: defaultThreads(), threadsFrom: 'default', status: 'not fetched', model: 'llamacpp:smollm2-135m-instruct-q4_1' });
  expect(report.speed.tokensPerSecond).toBeUndefined();
  expect(report.checks.find((c: { name: string }) => c.name === 'speed')).toMatchObject({ status: 'ok', detail: expect.stringContaining('not fetched') });
  const text = await runCli(['--db', join(dir, 'doctor.db'), 'doctor', '--speed']);
  expect(text.stdout).toMatch(/speed +\d+ threads? \(default for \d+ cores\); llamacpp:smollm2-135m-instruct-q4_1 not fetched/);
  // without --speed there is no speed section, and a configured thread count is the one reported
  expect((await runDoctor({ config: {}, dbLocation: join(dir, 'doctor.db'), env: { TENET_MODELS_DIR: join(dir, 'models') } })).speed).toBeUndefined();
  const configured = await runDoctor({ config: { providers: { llamacpp: { threads: 3 } } }, dbLocation: join(dir, 'doctor.db'), speed: true, env: { TENET_MODELS_DIR: join(dir, 'models') } });
  expect(configured.speed).toMatchObject({ threads: 3, threadsFrom: 'config', status: 'not fetched' });
  expect(configured.checks.at(-1)!.detail).toContain('3 threads (providers.llamacpp.threads)');
}, 30_000);
