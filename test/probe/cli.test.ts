import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type Reply, type ScriptRequest } from '../support/loopback-server.ts';
import { MARKER, PRINCIPLES, world } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-probe-cli-'));
const db = join(dir, 'tenet.db');
const principlesFile = join(dir, 'principles.jsonl');
let server: LoopbackServer;

/** An LLM judge served by the loopback server: a response with the marker violates. */
function judgeReply(req: ScriptRequest): Reply {
  const content = req.messages.map((m) => m.content).join('\n');
  const response = content.slice(content.indexOf('The assistant responded:'));
  return JSON.stringify({
    values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])),
    violation: response.includes(MARKER) ? 0.9 : 0.1,
    confidence: 0.9,
    rationale: 'scripted',
  });
}

/** Run `tenet ARGS` in-process against the test's database. */
function tenet(args: string[]): Promise<CliResult> {
  return runCli(['--db', db, ...args]);
}

const spec = (model: string) => `openai-compatible:${model}@${server.url}/v1`;

beforeAll(async () => {
  const script = world();
  server = await startLoopbackServer((req) => (req.model === 'judge' || req.model === 'judge2' ? judgeReply(req) : script(req)));
  writeFileSync(principlesFile, PRINCIPLES.slice(0, 3).map((p) => JSON.stringify({ ...p, polarity: 'vice' })).join('\n') + '\n');
});
afterAll(async () => {
  await server.close();
});

describe('tenet probe (CLI)', () => {
  let run: string;

  it('probes with an LLM judge and prints {run, principles: [{principle_id, prompts: [{prompt, selection_violation, fresh_violation, iterations}]}]}', async () => {
    const result = await tenet([
      'probe', '--target', spec('target'), '--generator', spec('gen'), '--judge', `llm:${spec('judge')}`,
      '--principles', principlesFile, '--iterations', '2', '--samples', '4', '--eval-samples', '8', '--prompts-per-principle', '2', '--candidates', '3', '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout);
    run = out.run;
    expect(run).toMatch(/^probe-/);
    expect(out.status).toBe('done');
    expect(out.judge).toBe('llm:openai:judge@v2');
    expect(out.principles).toHaveLength(3);
    for (const p of out.principles) {
      expect(p).toMatchObject({ principle_id: expect.any(String), foundation: expect.any(String) });
      expect(p.prompts).toHaveLength(2);
      for (const x of p.prompts) {
        expect(x).toMatchObject({ prompt: expect.any(String), selection_violation: expect.any(Number), fresh_violation: expect.any(Number), fresh_n: 8 });
        expect(x.fresh_violation).toBeGreaterThan(x.initial_fresh_violation);
        expect(x.iterations).toHaveLength(3);
      }
    }
    expect(out.settings).toMatchObject({ eval_samples: 8, prompts_per_principle: 2 });
    expect(out.summary).toMatchObject({ prompts: 6, quality: { prompts: 6, self_bleu: expect.any(Number) } });
    expect(out.warnings.join(' ')).toMatch(/Goodhart/);
  });

  it('takes a separate select judge: no Goodhart warning, and the human output shows both scores', async () => {
    const result = await tenet([
      'probe', '--target', spec('target'), '--generator', spec('gen'), '--judge', `llm:${spec('judge')}`, '--select-judge', `llm:${spec('judge2')}`,
      '--principles', principlesFile, '--limit', '1', '--iterations', '1', '--samples', '4', '--eval-samples', '4', '--prompts-per-principle', '1',
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/select judge llm:openai:judge2@v2/);
    expect(result.stdout).toMatch(/fresh \(K′ held-out completions\): mean violation score/);
    expect(result.stdout).toMatch(/selection \(the K samples that chose the prompts; optimistic by construction\)/);
    expect(result.stdout).toMatch(/Self-BLEU – \(needs 2 prompts\); perplexity under openai:target 7\.39 corpus-level \(token-weighted\) \[95% CI.*median per prompt 7\.39/);
    expect(result.stdout).not.toMatch(/Goodhart/);
  });

  it('re-running or --resume continues the same run without calling any model again', async () => {
    const before = server.requests.length;
    const again = await tenet(['probe', '--resume', run, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).run).toBe(run);
    expect(server.requests.length).toBe(before);
    const changed = await tenet(['probe', '--resume', run, '--iterations', '5', '--json']);
    expect(changed.code).toBe(2);
    expect(JSON.parse(changed.stdout).error.message).toMatch(/different configuration \(iterations\)/);
    expect(server.requests.length).toBe(before);
  });

  it('exports MoralPrompt JSONL', async () => {
    const file = join(dir, 'out.jsonl');
    const result = await tenet(['probe', 'export', run, '--format', 'moralprompt', '-o', file, '--json']);
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ run, prompts: 6, file });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.principle_id)).toEqual(PRINCIPLES.slice(0, 3).flatMap((p) => [p.id, p.id]));
    expect(lines[0]).toMatchObject({ target_model: 'openai:target', iterations: 2, foundation: 'care', violation_n: 8, slot: 1 });
    const stdout = await tenet(['probe', 'export', run]);
    expect(stdout.stdout.trim().split('\n')).toHaveLength(6);
  });

  it('reports usage errors with a code and a hint', async () => {
    const unknownFoundation = await tenet(['probe', '--target', spec('target'), '--foundation', 'bravery', '--json']);
    expect(unknownFoundation.code).toBe(2);
    expect(JSON.parse(unknownFoundation.stdout).error).toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/unknown foundation "bravery"/) });

    const missing = await tenet(['probe', '--target', spec('target'), '--principles', join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/NOT_FOUND.*principles file not found/);

    const noTarget = await tenet(['probe', '--foundation', 'care']);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toMatch(/--target/);

    const noPrinciples = await tenet(['probe', '--target', spec('target')]);
    expect(noPrinciples.code).toBe(2);
    expect(noPrinciples.stderr).toMatch(/--principles FILE or --foundation F/);

    const previous = process.env.ANTHROPIC_BASE_URL;
    process.env.ANTHROPIC_BASE_URL = server.url;
    try {
      const before = server.requests.length;
      const logprob = await tenet(['probe', '--target', 'anthropic:claude-test', '--foundation', 'care', '--limit', '1', '--scoring', 'logprob', '--json']);
      expect(logprob.code).toBe(2);
      expect(JSON.parse(logprob.stdout).error).toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/teacher forcing/) });
      expect(server.requests.length).toBe(before);
    } finally {
      if (previous === undefined) delete process.env.ANTHROPIC_BASE_URL;
      else process.env.ANTHROPIC_BASE_URL = previous;
    }

    const badScoring = await tenet(['probe', '--target', spec('target'), '--foundation', 'care', '--scoring', 'vibes']);
    expect(badScoring.code).toBe(2);

    const notProbe = await tenet(['probe', 'export', 'bench-123']);
    expect(notProbe.code).toBe(2);
    expect(notProbe.stderr).toMatch(/NOT_FOUND/);
  });
});
