/**
 * `tenet doctor --speed` on the real SmolLM2: the thread count in use and a measured generation speed from a
 * ~1-second self-test, in the text report and in --json.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { defaultThreads, unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels } from '../support/real-models.ts';

afterAll(() => unloadLlamaModels());

describeRealModels('doctor --speed on the fetched SmolLM2', () => {
  it('prints the thread count and the tokens/s of a ~1-second generation self-test, also as JSON', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'tenet-doctor-speed-')), 'doctor.db');
    const json = await runCli(['--db', db, '--json', 'doctor', '--speed']);
    expect(json.code, json.stderr).toBe(0);
    const { speed } = JSON.parse(json.stdout) as { speed: { threads: number; threadsFrom: string; status: string; tokensPerSecond: number; tokens: number; seconds: number } };
    expect(speed).toMatchObject({ threads: defaultThreads(), threadsFrom: 'default', status: 'measured' });
    expect(speed.tokens).toBeGreaterThan(0);
    expect(speed.tokensPerSecond).toBeGreaterThan(0);
    expect(speed.seconds).toBeGreaterThanOrEqual(1);
    expect(speed.seconds).toBeLessThan(10);
    const text = await runCli(['--db', db, 'doctor', '--speed']);
    expect(text.stdout).toMatch(new RegExp(`speed +${defaultThreads()} threads? \\(default for \\d+ cores\\); llamacpp:smollm2-135m-instruct-q4_1 generates [\\d.]+ tokens/s`));
  }, 20_000);
});
