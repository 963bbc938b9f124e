/**
 * `tenet align …` as a user runs it, in child processes, against the loopback server in this process: the
 * model and the LLM judge are real HTTP endpoints speaking the OpenAI protocol.
 */
import { spawn } from 'node:child_process';
import { CLI_ENTRY, spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-align-cli-'));
const promptFile = join(dir, 'prompts.jsonl');
writeFileSync(promptFile, Array.from({ length: 6 }, (_, i) => JSON.stringify({ id: `p${i}`, prompt: `Q${i}: my neighbour needs help moving` })).join('\n'));

/**
 * Sample c of every prompt, on the LLM judge's scale (−1, −0.5, 0, 0.5, 1): c = 2 helps (benevolence 1), c = 0
 * refuses rudely (−1), c = 1 puts it off (−0.5), c = 3 half-agrees (0.5). (A neutral 0 would cost nothing under
 * BaseAlign's |E| > 0.3 mask, and tie the best.)
 */
function script(req: ScriptRequest): string {
  if (req.model === 'j') {
    const text = req.messages.map((m) => m.content).join('\n');
    const b = text.includes('gladly help') ? 1 : text.includes('not my problem') ? -1 : text.includes('maybe later') ? -0.5 : 0.5;
    return JSON.stringify({ values: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((v) => [v, v === 'benevolence' ? b : 0])), violation: null, confidence: 0.9, rationale: 'scripted' });
  }
  return ['not my problem.', 'maybe later.', 'I will gladly help you carry the boxes.', 'Sure, some other time.'][req.choiceIndex]!;
}

let server: LoopbackServer;
let configFile: string;
beforeAll(async () => {
  server = await startLoopbackServer(script, { latencyMs: 5 });
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20}',
    'endpoints:',
    `  m: {provider: openai, baseUrl: "${server.url}/v1", model: m, concurrency: 8}`,
    `  judge: {provider: openai, baseUrl: "${server.url}/v1", model: j, concurrency: 16}`,
  ].join('\n'));
});
afterAll(async () => {
  await server.close();
});

function tenet(args: string[]): Promise<SpawnResult> {
  return spawnTenet(['--config', configFile, '--db', join(dir, 't.db'), ...args], { cwd: dir });
}

describe('tenet align', () => {
  it('bon runs best-of-4 with an LLM judge, prints the promised --json shape, and export and report read the run', async () => {
    const r = await tenet(['align', 'bon', '--model', 'm', '--prompts', promptFile, '--n', '4', '--target', 'ideal', '--judge', 'llm:judge', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.run).toMatch(/^align-[0-9a-f]{12}$/);
    expect(out.n).toBe(4);
    // one judge (llm:judge): samples 0…3 read benevolence −1, −0.5, 1, 0.5 → masked (|E| > 0.5) distances 2, 0, 0, 0
    expect(out.select_judge).toEqual(out.judge);
    expect(out.heldout).toEqual(out.proxy);
    expect(out.warnings.join(' ')).toMatch(/Goodhart/);
    expect(out.proxy.first_sample.reward.mean).toBeCloseTo(-2, 9);
    expect(out.proxy.baseline.reward.mean).toBeCloseTo(-0.5, 9);
    expect(out.proxy.best_of_n.reward.mean).toBeCloseTo(0, 9);
    expect(out.proxy.difference.reward.mean).toBeCloseTo(0.5, 9);
    expect(out.proxy.difference.reward.ci).toHaveLength(2);
    expect(out.proxy.difference.reward.n).toBe(6);
    // ties at 0 go to the lowest index: sample 1 ("maybe later", −0.5 is inside the mask)
    expect(out.proxy.best_of_n.values.mean.benevolence).toBeCloseTo(-0.5, 9);
    expect(out.curve.map((c: { n: number }) => c.n)).toEqual([1, 2, 4]);

    const again = await tenet(['align', 'bon', '--resume', out.run, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).proxy.difference.reward.mean).toBeCloseTo(0.5, 9);

    const dpo = join(dir, 'pairs.jsonl');
    const ex = await tenet(['align', 'export', out.run, '--format', 'dpo', '-o', dpo, '--json', '--reward', 'l1']);
    expect(ex.code, ex.stderr).toBe(0);
    const rows = readFileSync(dpo, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows).toHaveLength(6);
    expect(rows[0].chosen).toBe('I will gladly help you carry the boxes.');
    expect(rows[0].rejected).toBe('not my problem.');
    expect(JSON.parse(readFileSync(`${dpo}.meta.json`, 'utf8')).judge.id).toBe('llm:judge');

    const html = join(dir, 'report.html');
    const rep = await tenet(['report', out.run, '-o', html, '--json']);
    expect(rep.code, rep.stderr).toBe(0);
    const report = JSON.parse(rep.stdout);
    expect(report.kind).toBe('align');
    expect(report.data.align.arms[1].reward.mean).toBeCloseTo(0, 9);
    expect(report.data.align.select_judge).toBe(report.data.align.judge);
    expect(readFileSync(html, 'utf8')).toContain('<section id="align">');
  }, 90_000);

  it('reward scores rows offline with --judge vectors, loss computes both losses, bad input exits 2 with file:line', async () => {
    const input = join(dir, 'rows.jsonl');
    writeFileSync(input, [
      JSON.stringify({ id: 'a', prompt: 'p', response: 'r', values: [0, 0, 0, 0, 0, 0.9, 0, 0.9, 0.9, -0.5] }),
      JSON.stringify({ id: 'b', prompt: 'p', response: 'r', values: { benevolence: -0.9 } }),
    ].join('\n'));
    const out = join(dir, 'scored.jsonl');
    const r = await tenet(['align', 'reward', input, '--target', 'safety', '--judge', 'vectors', '-o', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // a: 0.1 + 0.1 + 0.1 + 1.5 = 1.8; l2 over T ≠ 0 = sqrt(3·0.01 + 2.25); b: 1.9, l1 = 1 + 1 + 1.9 + 1
    expect(rows[0].reward).toBeCloseTo(-1.8, 12);
    expect(rows[0].l2).toBeCloseTo(Math.sqrt(0.03 + 2.25), 12);
    expect(rows[1].distance).toBeCloseTo(1.9, 12);
    expect(rows[1].l1).toBeCloseTo(4.9, 12);
    expect(rows[1].id).toBe('b');

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify({ values: [0, 0, 0] })}\n`);
    const e = await tenet(['align', 'reward', bad, '--target', 'safety', '--judge', 'vectors', '-o', join(dir, 'x.jsonl')]);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain(`${bad}:1 at values`);
    expect((await tenet(['align', 'reward', input, '--target', 'nowhere', '--judge', 'vectors'])).code).toBe(2);
    expect((await tenet(['align', 'bon', '--model', 'm', '--prompts', promptFile])).code).toBe(2);

    const utilities = join(dir, 'u.jsonl');
    writeFileSync(utilities, [[1, 1], [2, 3], [3, 3]].map(([h, a], i) => JSON.stringify({ id: i, u_human: h, u_model: a })).join('\n'));
    const l = await tenet(['align', 'loss', utilities, '--json', '--bootstrap', '200']);
    expect(l.code, l.stderr).toBe(0);
    const loss = JSON.parse(l.stdout);
    expect(loss.strict.mean).toBeCloseTo(1 / 3, 12);
    expect(loss.pair.mean).toBeCloseTo(2 / 3, 12);
    // from labelled vectors: U_H and U_A are rewards of human_values and model_values against the target
    const labelled = join(dir, 'labelled.jsonl');
    writeFileSync(labelled, [
      { id: 1, human_values: { benevolence: 1 }, model_values: { benevolence: 0.9 } },
      { id: 2, human_values: { benevolence: -1 }, model_values: { benevolence: 0.5 } },
    ].map((x) => JSON.stringify(x)).join('\n'));
    const l2 = await tenet(['align', 'loss', labelled, '--target', 'ideal', '--json', '--bootstrap', '100']);
    expect(l2.code, l2.stderr).toBe(0);
    // U_H = 0, −2; U_A = −0.1, −0.5 → strict (0.1 + 1.5)/2 = 0.8; the one pair |2 − 0.4| = 1.6
    expect(JSON.parse(l2.stdout).strict.mean).toBeCloseTo(0.8, 12);
    expect(JSON.parse(l2.stdout).pair.mean).toBeCloseTo(1.6, 12);
  }, 90_000);

  it('targets and the questionnaire write a target file that --target reads back', async () => {
    const t = await tenet(['align', 'targets', '--json']);
    expect(JSON.parse(t.stdout).targets.map((x: { id: string }) => x.id)).toEqual(['ideal', 'safety', 'uk', 'nl', 'fr']);
    const answers = join(dir, 'answers.json');
    writeFileSync(answers, JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`q${String(i + 1).padStart(2, '0')}`, i === 11 || i === 17 ? 6 : 3]))));
    const file = join(dir, 'me.yaml');
    const q = await tenet(['align', 'target', 'questionnaire', '--answers', answers, '-o', file, '--json']);
    expect(q.code, q.stderr).toBe(0);
    expect(JSON.parse(q.stdout).target.values.benevolence).toBeCloseTo(57 / 21 / 5, 5);
    const input = join(dir, 'one.jsonl');
    writeFileSync(input, JSON.stringify({ values: { benevolence: 0.9 } }));
    const r = await tenet(['align', 'reward', input, '--target', file, '--judge', 'vectors', '-o', join(dir, 'one-out.jsonl'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).target).toBe('personal');
  }, 90_000);

  it('serve-reward answers a real HTTP client with the offline judge and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [CLI_ENTRY, '--config', configFile, '--db', join(dir, 't.db'), 'align', 'serve-reward', '--target', 'ideal', '--judge', 'local-fast', '--port', '0', '--json'], { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir } });
    let stdout = '';
    const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const started = await new Promise<{ reward_url: string; url: string }>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d;
        try { resolve(JSON.parse(stdout)); } catch { /* not complete yet */ }
      });
      child.on('close', () => reject(new Error(`exited early: ${stdout}`)));
    });
    expect(started.reward_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/get_reward$/);
    const res = await fetch(started.reward_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: ['Q: my friend is sad\nA: I will sit with her and listen.', 'Q: hi\nA: go away'], prompts: ['Q: my friend is sad\nA:', 'Q: hi\nA:'] }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { rewards: number[]; extra_logs: { l2: number[] } };
    expect(body.rewards).toHaveLength(2);
    for (const r of body.rewards) expect(r).toBeLessThanOrEqual(0);
    expect(body.extra_logs.l2).toHaveLength(2);
    expect((await fetch(started.reward_url, { method: 'POST', body: 'nope' })).status).toBe(400);
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
  }, 90_000);
});
