/**
 * VILMO as evidence (issue 19, item 3), end to end in the scripted world of ./vilmo-world.ts, on prompts as
 * `tenet probe export` writes them (three per principle, `principle_id` set): `vilmo` is tested against every
 * other arm in one Holm family on the declared primary metric (the other metrics secondary), no principle is
 * in two parts of the split, training is scored by the select judge and the arms by the report judge, and a
 * resume with another primary is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitPrompts } from '../../src/align/vilmo/config.ts';
import { spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { FOUNDATIONS, storyPrompts, world } from './vilmo-world.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-vilmo-evidence-'));
const promptFile = join(dir, 'moralprompt.jsonl');
let server: LoopbackServer;
let configFile: string;

/** 8 principles × 3 prompts, as a probe export has them (id, principle_id, principle, foundation, prompt); a principle's prompts share its foundation. */
const PROMPTS = Array.from({ length: 8 }, (_, k) => {
  const f = FOUNDATIONS[k % FOUNDATIONS.length]!;
  const stories = storyPrompts(200).filter((p) => p.foundation === f).slice(3 * Math.floor(k / FOUNDATIONS.length), 3 * Math.floor(k / FOUNDATIONS.length) + 3);
  return stories.map((p) => ({ id: `pr${k}-${p.id}`, principle_id: `pr${k}`, principle: `Principle ${k} of ${f}.`, foundation: f, prompt: p.prompt }));
}).flat();

beforeAll(async () => {
  server = await startLoopbackServer(world);
  writeFileSync(promptFile, PROMPTS.map((p) => JSON.stringify(p)).join('\n') + '\n');
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20}',
    'endpoints:',
    ...['target', 'gen', 'judge'].map((m) => `  ${m}: {provider: openai, baseUrl: "${server.url}/v1", model: ${m}, concurrency: 8}`),
    // a second judge endpoint (the same scripted judge behind another name): the report judge
    `  reporter: {provider: openai, baseUrl: "${server.url}/v1", model: judge, concurrency: 8}`,
  ].join('\n'));
});
afterAll(async () => {
  await server.close();
});

function tenet(args: string[]): Promise<SpawnResult> {
  return spawnTenet(['--config', configFile, '--db', join(dir, 'e.db'), ...args], { cwd: dir });
}

const ARGS = ['align', 'vilmo', '--target', 'target', '--generator', 'gen', '--select-judge', 'llm:judge', '--judge', 'llm:reporter', '--prompts', promptFile,
  '--split', '0.5,0.2,0.3', '--samples', '2', '--candidates', '2', '--rounds', '1', '--examples', '12', '--primary', 'evr', '--concurrency', '8'];

describe('align vilmo: against its competitors, split by principle, two judges', () => {
  it('the split keeps every principle in one part, stratified by foundation; prompts without a principle_id are their own group', () => {
    const prompts = PROMPTS.map((p) => ({ id: p.id, prompt: p.prompt, foundation: p.foundation, principleId: p.principle_id }));
    for (const seed of [1, 2, 3, 4, 5]) {
      const s = splitPrompts(prompts, { split: [0.5, 0.2, 0.3], seed });
      const parts = [s.train, s.val, s.test].map((ps) => new Set(ps.map((p) => p.principleId)));
      for (const [i, a] of parts.entries()) for (const b of parts.slice(i + 1)) expect([...a].filter((x) => b.has(x))).toEqual([]);
      expect(s.train.length + s.val.length + s.test.length).toBe(24);
      // whole groups of 3 fill training up to 12 prompts
      expect(s.train).toHaveLength(12);
    }
    // one prompt per group: exactly the old part sizes, every foundation in training
    const singles = storyPrompts(80);
    const s = splitPrompts(singles, { split: [0.3, 0.25, 0.45], seed: 1 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([24, 20, 36]);
    // stratified: each foundation's share of training is its share of the set (16 of 80 each: 24 · 16/80 = 4.8)
    for (const f of FOUNDATIONS) expect(s.train.filter((p) => p.foundation === f).length).toBeOneOf([4, 5]);
  });

  it('has a paired row for vilmo against every other arm, one Holm family on the declared primary, no principle in two parts; a resume with another primary is refused', async () => {
    const r = await tenet([...ARGS, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.primary).toBe('evr');
    expect(out.select_judge.id).toBe('llm:judge');
    expect(out.judge.id).toBe('llm:reporter');
    expect(out.warnings).toEqual([]);
    // no principle id in two parts of the split
    const { train, validation, test } = out.split.principles;
    expect(train.length + validation.length + test.length).toBe(8);
    expect(new Set([...train, ...validation, ...test]).size).toBe(8);
    expect(out.split.train).toBe(train.length * 3);
    expect(out.split.test).toBe(test.length * 3);
    // vilmo against every other arm present, on every metric; the primary's comparisons are the one Holm family
    const others = ['none', 'fixed', 'principle', 'ape', 'self-critique'];
    for (const metric of ['evr', 'mvp', 'apv']) {
      const rows = out.paired.filter((p: { metric: string }) => p.metric === metric);
      expect(rows.map((p: { a: string }) => p.a)).toEqual(others);
      for (const row of rows) {
        expect(row).toMatchObject({ b: 'vilmo', n: out.split.test, role: metric === 'evr' ? 'primary' : 'secondary' });
        for (const k of ['difference', 'ci', 'p', 'p_holm', 'significant']) expect(row).toHaveProperty(k);
        expect(row.p_holm).toBeGreaterThanOrEqual(row.p);
      }
    }
    expect(out.correction).toMatchObject({ method: 'holm', primary: 'evr', family: 5, secondary_family: 10 });
    // the primary rows are Holm-adjusted as one family of 5: the smallest p is multiplied by 5 (capped at 1)
    const primary = out.paired.filter((p: { role: string }) => p.role === 'primary');
    const smallest = Math.min(...primary.map((p: { p: number }) => p.p));
    expect(Math.min(...primary.map((p: { p_holm: number }) => p.p_holm))).toBeCloseTo(Math.min(1, 5 * smallest), 12);

    // the human output: rows of vilmo against each arm, labelled; both judges named
    const again = await tenet(ARGS);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('vilmo − self-critique');
    expect(again.stdout).toContain('primary (EVR, declared before the run) 5 comparisons');
    expect(again.stdout).toContain('select judge (training, APE) llm:judge');

    // the primary is stored with the run: a resume with another is refused
    const other = await tenet(['align', 'vilmo', '--resume', out.run, '--primary', 'apv']);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('primary');
  }, 180_000);

  it('one judge for training and the report still works, with the Goodhart warning', async () => {
    const r = await spawnTenet(['--config', configFile, '--db', join(dir, 'one.db'), 'align', 'vilmo', '--target', 'target', '--generator', 'gen', '--judge', 'llm:judge', '--prompts', promptFile,
      '--methods', 'none,ape,vilmo', '--split', '0.5,0.2,0.3', '--samples', '1', '--candidates', '1', '--rounds', '0', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.select_judge).toEqual(out.judge);
    expect(out.primary).toBe('apv');
    expect(out.warnings[0]).toContain('Goodhart');
    expect(r.stderr).toContain('Goodhart');
    expect(out.paired.filter((p: { role: string }) => p.role === 'primary').map((p: { a: string; b: string }) => `${p.b}-${p.a}`)).toEqual(['vilmo-none', 'vilmo-ape']);
  }, 120_000);
});
