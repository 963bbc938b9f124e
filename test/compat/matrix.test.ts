/**
 * The compatibility matrix: the CLI, run in-process, against a loopback server behaving as each real
 * OpenAI-compatible server does (test/support/loopback-server.ts CompatMode): a bench with two samples per
 * prompt and the LLM judge, best-of-2, and `models score` (refused with the sanity-check error where the
 * server's echo scores are wrong or it serves no /v1/completions).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { runCli } from '../support/cli.ts';
import { COMPAT_MODES, startLoopbackServer, type CompatMode, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-compat-'));
const prompts = join(dir, 'prompts.jsonl');
writeFileSync(prompts, Array.from({ length: 2 }, (_, i) =>
  JSON.stringify({ id: `p${i}`, prompt: `Story ${i}: the wallet lay on the bench and`, foundation: 'care' })).join('\n'));

function script(req: ScriptRequest): string {
  if (req.model === 'j') {
    return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, v === 'benevolence' ? 0.5 : 0])), violation: 0.1, confidence: 0.9, rationale: 'scripted' });
  }
  return ['she handed it in.', 'he kept it.'][req.choiceIndex % 2]!;
}

const modes: (CompatMode | 'openai')[] = ['openai', ...COMPAT_MODES];

describe.each(modes)('against a server that %s', (mode) => {
  let server: LoopbackServer;
  let config: string;
  let db: string;
  beforeAll(async () => {
    server = await startLoopbackServer(script, mode === 'openai' ? {} : { compat: mode });
    const sub = mkdtempSync(join(dir, `${mode}-`));
    config = join(sub, 'tenet.config.yaml');
    db = join(sub, 't.db');
    writeFileSync(config, [
      'retry: {baseDelayMs: 5, maxDelayMs: 20}',
      'endpoints:',
      `  m: {provider: openai, baseUrl: "${server.url}/v1", model: m, maxRetries: 2}`,
      `  judge: {provider: openai, baseUrl: "${server.url}/v1", model: j, maxRetries: 2}`,
    ].join('\n'));
  });
  afterAll(() => server.close());
  const tenet = (args: string[]) => runCli(['--config', config, '--db', db, ...args]);

  it('bench --samples 2 with the LLM judge', async () => {
    const r = await tenet(['--json', 'bench', '--models', 'm', '--prompts', prompts, '--samples', '2', '--judge', 'llm:judge']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('"samples"');
  });

  it('align bon --n 2 with the LLM judge', async () => {
    const r = await tenet(['--json', 'align', 'bon', '--model', 'm', '--prompts', prompts, '--n', '2', '--target', 'ideal', '--judge', 'llm:judge']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).n).toBe(2);
  });

  it('models score: a number, or the sanity-check refusal', async () => {
    const r = await tenet(['--json', 'models', 'score', 'm', '--prompt', 'Once upon a', '--continuation', ' time']);
    if (mode === 'shifted-echo' || mode === 'chat-only') {
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain('SCORING_UNAVAILABLE');
      expect(r.stderr).toMatch(mode === 'chat-only' ? /chat-only endpoint/ : /failed the scoring sanity check/);
    } else {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ tokens: 1 });
    }
  });

  it('doctor --probe-endpoint says what it found', async () => {
    const r = await tenet(['--json', 'doctor', '--probe-endpoint', 'm']);
    expect(r.code, r.stderr).toBe(0);
    const c = JSON.parse(r.stdout).capabilities;
    expect(c.nativeN).toBe(mode !== 'ignores-n' && mode !== 'refuses-n');
    expect(c.jsonSchema).toBe(mode === 'refuses-json-schema' ? 'json_object' : 'native');
    expect(c.streamUsage).toBe(mode !== 'no-stream-usage');
    expect(c.score.available).toBe(mode !== 'shifted-echo' && mode !== 'chat-only');
  });
});
