/**
 * Optional measurements never fail a run (issue 22 item 1): against a chat-only OpenAI-compatible endpoint (no
 * /v1/completions, so no teacher-forced scoring) `tenet probe`, `tenet align vilmo` and `tenet bench` finish
 * with exit 0 and report perplexity as "not available: REASON". Explicit references and `--scoring logprob`
 * are refused up front when Provider.scoringSupport() (checked once per endpoint) says it cannot score.

 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModel } from '../../src/models/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { storyPrompts, world as vilmoWorld } from '../align/vilmo-world.ts';
import { runCli, type CliResult } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer, type Reply, type ScriptRequest } from '../support/loopback-server.ts';
import { MARKER, PRINCIPLES, world } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-chat-only-'));
const db = join(dir, 'tenet.db');
const principlesFile = join(dir, 'principles.jsonl');
const storiesFile = join(dir, 'stories.jsonl');
let probeServer: LoopbackServer;
let vilmoServer: LoopbackServer;

/** An LLM judge: a response with the marker violates; `harsh` scores everything as violating. */
function judgeReply(req: ScriptRequest): Reply {
  const content = req.messages.map((m) => m.content).join('\n');
  const response = content.slice(content.indexOf('The assistant responded:'));
  const violation = req.model === 'harsh' || response.includes(MARKER) ? 0.9 : 0.1;
  return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation, confidence: 0.9, rationale: 'scripted' });
}

const tenet = (args: string[]): Promise<CliResult> => runCli(['--db', db, ...args]);
const probeSpec = (model: string) => `openai-compatible:${model}@${probeServer.url}/v1`;
const vilmoSpec = (model: string) => `openai-compatible:${model}@${vilmoServer.url}/v1`;
const PROBE = (judge = 'judge') => ['probe', '--target', probeSpec('target'), '--generator', probeSpec('gen'), '--judge', `llm:${probeSpec(judge)}`,
  '--principles', principlesFile, '--iterations', '1', '--samples', '4', '--eval-samples', '4', '--prompts-per-principle', '1'];

beforeAll(async () => {
  const script = world();
  probeServer = await startLoopbackServer((req) => (req.model === 'judge' || req.model === 'harsh' ? judgeReply(req) : script(req)), { compat: 'chat-only' });
  vilmoServer = await startLoopbackServer(vilmoWorld, { compat: 'chat-only' });
  writeFileSync(principlesFile, PRINCIPLES.slice(0, 2).map((p) => JSON.stringify({ ...p, polarity: 'vice' })).join('\n') + '\n');
  writeFileSync(storiesFile, storyPrompts(20).map((p) => JSON.stringify(p)).join('\n') + '\n');
  expect((await createModel(probeSpec('target')).scoringSupport()).available).toBe(false);
});
afterAll(async () => {
  await probeServer.close();
  await vilmoServer.close();
});

describe('a chat-only endpoint (no /v1/completions)', () => {
  it('the loopback server answers 404 on /v1/completions', async () => {
    const res = await fetch(`${probeServer.url}/v1/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'target', prompt: 'x' }) });
    expect(res.status).toBe(404);
  });

  it('tenet probe finishes with exit 0 and reports perplexity as not available, in --json, the summary and the report', async () => {
    const json = await tenet([...PROBE(), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const out = JSON.parse(json.stdout);
    expect(out.status).toBe('done');
    expect(out.summary.quality).toMatchObject({ prompts: 2, perplexity: null, perplexity_unavailable: expect.stringMatching(/completions|teacher-forced|scor/) });
    const human = await tenet(PROBE());
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/perplexity not available: /);
    expect(human.stdout).toMatch(/export: tenet probe export/);
    const report = await tenet(['report', out.run, '-o', join(dir, 'probe.html')]);
    expect(report.code, report.stderr).toBe(0);
  });

  it('when no prompt finished, says so instead of blaming the reference model; a failed run gets offline remedies and no export hint', async () => {
    const r = await tenet([...PROBE('harsh'), '--candidates', '2']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/perplexity not available: no prompt finished/);
    expect(r.stdout).not.toMatch(/no reference model/);
    expect(r.stdout).not.toMatch(/probe export/);
    expect(r.stdout).toMatch(/no neutral opening in 2 tries/);
    expect(r.stdout).toMatch(/--candidates 6, now 2/);
    expect(r.stdout).toMatch(/--generator llamacpp:gemma-3-270m-q4_k_m/);
  });

  it('an explicit --reference-model that cannot score is refused up front (exit 2, no model called)', async () => {
    const previous = process.env.ANTHROPIC_BASE_URL;
    process.env.ANTHROPIC_BASE_URL = probeServer.url;
    try {
      const before = probeServer.requests.length;
      const r = await tenet([...PROBE(), '--reference-model', 'anthropic:claude-test', '--json']);
      expect(r.code).toBe(2);
      expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/--reference-model anthropic:claude-test .*cannot score/) });
      expect(probeServer.requests.length).toBe(before);
    } finally {
      if (previous === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = previous;
    }
  });

  it('an explicit chat-only --reference-model is refused up front', async () => {
    const r = await tenet([...PROBE(), '--limit', '1', '--reference-model', probeSpec('ref'), '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error.message).toMatch(/--reference-model .*cannot score.*chat-only/);
  });

  it('--scoring logprob is refused up front on a chat-only target, before any call', async () => {
    const before = probeServer.requests.length;
    const r = await tenet([...PROBE(), '--scoring', 'logprob', '--json']);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.stdout).error).toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/teacher forcing/) });
    expect(probeServer.requests.length).toBe(before);
  });

  it('tenet align vilmo finishes with exit 0; an explicit chat-only --reference is refused up front', async () => {
    const args = ['align', 'vilmo', '--target', vilmoSpec('target'), '--generator', vilmoSpec('gen'), '--judge', `llm:${vilmoSpec('judge')}`, '--prompts', storiesFile,
      '--methods', 'none,principle', '--split', '0.3,0.25,0.45', '--samples', '2'];
    const plain = await tenet([...args, '--json']);
    expect(plain.code, plain.stderr).toBe(0);
    const withRef = await tenet([...args, '--reference', vilmoSpec('target')]);
    expect(withRef.code).toBe(2);
    expect(withRef.stderr).toMatch(/--reference .*cannot score/);
  });

  it('tenet bench finishes with exit 0', async () => {
    const r = await tenet(['bench', '--models', vilmoSpec('target'), '--prompts', storiesFile, '--samples', '2', '--judge', `llm:${vilmoSpec('judge')}`, '--json']);
    expect(r.code, r.stderr).toBe(0);
  });
});
