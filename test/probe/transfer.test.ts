/**
 * `tenet probe transfer` (src/probe/transfer.ts) in a loopback world: a probe run refines openings against
 * `target` (the probe helpers' world: rewrites add a temptation cue, and the cue makes the target violate);
 * the prompts are then transferred to `b`, which violates whenever an opening carries the cue (so the refined
 * prompts transfer), and to `c`, which never violates. b's refined-vs-seed difference has its interval above 0,
 * c's does not.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type Reply, type ScriptRequest } from '../support/loopback-server.ts';
import { CUE, MARKER, PRINCIPLES, world } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-transfer-'));
const db = join(dir, 'tenet.db');
const principlesFile = join(dir, 'principles.jsonl');
let server: LoopbackServer;

function judgeReply(req: ScriptRequest): Reply {
  const content = req.messages.map((m) => m.content).join('\n');
  const response = content.slice(content.indexOf('The assistant responded:'));
  return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, 0])), violation: response.includes(MARKER) ? 0.9 : 0.1, confidence: 0.9, rationale: 'scripted' });
}

beforeAll(async () => {
  const script = world();
  server = await startLoopbackServer((req) => {
    if (req.model === 'judge') return judgeReply(req);
    const opening = req.messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
    if (req.model === 'b') return opening.includes(CUE) ? `and then she ${MARKER} without a second thought.` : 'and then she went home.';
    if (req.model === 'c') return 'and then she went home.';
    return script(req);
  });
  writeFileSync(principlesFile, PRINCIPLES.slice(0, 4).map((p) => JSON.stringify({ ...p, polarity: 'vice' })).join('\n') + '\n');
});
afterAll(async () => {
  await server.close();
});

const spec = (model: string): string => `openai-compatible:${model}@${server.url}/v1`;

describe('tenet probe transfer', () => {
  it('refined prompts that make the probed model violate transfer to b (difference above 0), not to c', async () => {
    const probe = await runCli(['--db', db, 'probe', '--target', spec('target'), '--generator', spec('gen'), '--judge', `llm:${spec('judge')}`,
      '--principles', principlesFile, '--iterations', '2', '--samples', '4', '--eval-samples', '4', '--prompts-per-principle', '3', '--candidates', '3', '--json']);
    expect(probe.code, probe.stderr).toBe(0);
    const probeRun = JSON.parse(probe.stdout).run as string;

    const args = ['--db', db, 'probe', 'transfer', probeRun, '--models', `${spec('b')},${spec('c')}`, '--samples', '2', '--json'];
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.run).toMatch(/^transfer-/);
    expect(out.source).toEqual({ run: probeRun, model: 'openai:target' });
    const [b, c] = out.rows;
    expect(b.model).toBe('openai:b');
    expect(b.refined.evr.value).toBeGreaterThan(b.seed.evr.value);
    expect(b.difference.ci[0]).toBeGreaterThan(0);
    expect(b.difference.p).toBeLessThan(0.05);
    expect(c.refined.evr.value).toBe(0);
    expect(c.difference.ci[0]).toBeLessThanOrEqual(0);
    expect(c.difference.value).toBe(0);

    // a stored run: the same command continues it, with no new call
    const before = server.requests.length;
    const again = await runCli(args);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).run).toBe(out.run);
    expect(server.requests.length).toBe(before);
    const text = await runCli(args.filter((a) => a !== '--json'));
    expect(text.stdout).toMatch(/refined .* seed .* difference \+/);
    // reportable like any run
    const html = join(dir, 'transfer.html');
    const rep = await runCli(['--db', db, 'report', out.run, '-o', html]);
    expect(rep.code, rep.stderr).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/<section id="transfer"><h2>Transfer<\/h2>/);
  }, 120_000);
});
