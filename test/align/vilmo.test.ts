/**
 * `tenet align vilmo` end to end, in a child process, against the loopback server in this process (the
 * scripted world of ./vilmo-world.ts): the target complies only when the instruction names the concern of the
 * story's foundation, and the generator proposes instructions for random foundations until its meta-prompt's
 * examples teach it better. VILMO must beat `none` and `fixed` with significant (Holm-corrected) paired
 * differences, and training must raise validation conformity round over round.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VILMO_TASKS } from '../../src/align/vilmo/stored.ts';
import { openStore } from '../../src/store/index.ts';
import { spawnTenet, type SpawnResult } from '../support/spawn.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { chromiumMissing, launchChromium, watchedPage } from '../report/browser.ts';
import { storyPrompts, world } from './vilmo-world.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-vilmo-'));
const promptFile = join(dir, 'stories.jsonl');
let server: LoopbackServer;
let configFile: string;

beforeAll(async () => {
  server = await startLoopbackServer(world);
  writeFileSync(promptFile, storyPrompts(80).map((p) => JSON.stringify(p)).join('\n') + '\n');
  configFile = join(dir, 'tenet.config.yaml');
  writeFileSync(configFile, [
    'retry: {baseDelayMs: 5, maxDelayMs: 20}',
    'endpoints:',
    ...['target', 'gen', 'judge'].map((m) => `  ${m}: {provider: openai, baseUrl: "${server.url}/v1", model: ${m}, concurrency: 16}`),
  ].join('\n'));
});
afterAll(async () => {
  await server.close();
});

function tenet(args: string[]): Promise<SpawnResult> {
  return spawnTenet(['--config', configFile, '--db', join(dir, 'v.db'), ...args], { cwd: dir });
}

const ARGS = ['align', 'vilmo', '--target', 'target', '--generator', 'gen', '--judge', 'llm:judge', '--prompts', promptFile,
  '--split', '0.3,0.25,0.45', '--samples', '3', '--candidates', '4', '--rounds', '2', '--examples', '30', '--concurrency', '16'];

describe('tenet align vilmo', () => {
  it('beats none and fixed with significant paired differences, and training raises validation conformity round over round', async () => {
    const r = await tenet([...ARGS, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.run).toMatch(/^vilmo-[0-9a-f]{12}$/);
    expect(out.status).toBe('done');
    expect(out.split).toMatchObject({ train: 24, val: 20, test: 36 });
    // every arm on the same 36 test prompts, K = 3
    for (const m of ['none', 'fixed', 'principle', 'ape', 'self-critique', 'vilmo']) {
      expect(out.methods[m], m).toMatchObject({ n: 36, k: 3, k_min: 3, samples: 108 });
      for (const metric of ['evr', 'mvp', 'apv']) expect(out.methods[m].ci[metric]).toHaveLength(2);
    }
    // none and fixed never name the concern: every continuation violates
    expect(out.methods.none.evr).toBe(1);
    expect(out.methods.fixed.evr).toBe(1);
    expect(out.methods.principle.evr).toBe(0);
    expect(out.methods.vilmo.evr).toBeLessThan(0.3);
    // vilmo against every other arm (b − a = vilmo − arm); the primary metric (APV by default) is the Holm family
    const paired = (a: string, metric: string) => out.paired.find((p: { a: string; b: string; metric: string }) => p.a === a && p.b === 'vilmo' && p.metric === metric);
    expect(out.primary).toBe('apv');
    expect(out.correction).toMatchObject({ method: 'holm', primary: 'apv', family: 5, secondary_family: 10 });
    expect(out.paired).toHaveLength(15);
    for (const metric of ['evr', 'mvp', 'apv']) {
      // fixed is exactly none here, so vilmo beats both by the same margin
      for (const a of ['none', 'fixed']) {
        const v = paired(a, metric);
        expect(v).toMatchObject({ a, b: 'vilmo', n: 36, significant: true, role: metric === 'apv' ? 'primary' : 'secondary' });
        expect(v.difference).toBeLessThan(-0.5);
        expect(v.ci[1]).toBeLessThan(0);
        expect(v.p_holm).toBeLessThan(0.05);
        expect(v.p_holm).toBeGreaterThanOrEqual(v.p);
      }
      // the oracle principle arm never violates: vilmo cannot beat it
      expect(paired('principle', metric)).toMatchObject({ significant: false });
      expect(paired('principle', metric).difference).toBeGreaterThanOrEqual(0);
    }
    // training: validation conformity rises round over round; a trained round is selected
    const curve = out.training.curve.map((p: { conformity: { mean: number } }) => p.conformity.mean);
    expect(curve).toHaveLength(3);
    expect(curve[0]).toBeLessThan(0.45);
    expect(curve[1]).toBeGreaterThan(curve[0] + 0.2);
    expect(curve[2]).toBeGreaterThan(curve[1]);
    expect(out.training.selected_round).toBe(2);
    expect(out.training.curve[0].conformity.n).toBe(20);
    // APE picked one task-level instruction; quality cost reported beside the gain
    expect(out.ape.chosen.instruction).toMatch(/^Please keep \w+ in mind\.$/);
    expect(out.quality.arms.vilmo.self_bleu.n).toBe(36);
    expect(out.totals.calls).toBeGreaterThan(0);
    // the arms that need no training, and APE, ran beside VILMO's training rather than after it
    const stage = (prefix: string) => out.stages.find((s: { label: string }) => s.label.startsWith(prefix));
    const trainingEnds = stage('vilmo: test instructions').atMs;
    expect(stage('evaluation: none, fixed, principle on 36 test prompts').atMs).toBeLessThan(trainingEnds);
    expect(stage('ape: scoring').atMs).toBeLessThan(trainingEnds);
    expect(stage('evaluation: vilmo on 36 test prompts').atMs).toBeGreaterThan(trainingEnds);

    // the human output says which correction it used; a rerun is a no-op that prints the same run
    const again = await tenet(ARGS);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain(`VILMO run ${out.run} (done)`);
    expect(again.stdout).toContain('Holm-corrected');
    expect(again.stdout).toContain('← selected');

    // the report: arms side by side, bars per foundation, paired differences, quality cost, examples
    const html = join(dir, 'vilmo.html');
    const rep = await tenet(['report', out.run, '-o', html]);
    expect(rep.code, rep.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('VILMO and its baselines');
    expect(page).toContain('APV per foundation and arm');
    expect(page).toContain('Care / Harm');
    expect(page).toContain('Holm');
    expect(page).toContain('Quality cost');
    expect(page).toContain('none (before)');
    expect(page).toMatch(/Please keep \w+ in mind\./);
    if (chromiumMissing === undefined) {
      // in headless Chromium: offline, no error or request; every chart has a bar per group (all + foundations) and arm
      const browser = await launchChromium();
      try {
        const { page: tab, problems, close } = await watchedPage(browser);
        await tab.goto(pathToFileURL(html).href, { waitUntil: 'load' });
        const charts = tab.locator('#vilmo svg');
        expect(await charts.count()).toBeGreaterThanOrEqual(2);
        const groups = await charts.first().locator('text.group-label').count();
        expect(groups).toBe(6); // all + the five foundations
        expect(await charts.first().locator('g.bar rect').count()).toBe(groups * 6);
        expect(await tab.locator('#vilmo details.example').count()).toBeGreaterThan(0);
        expect(await tab.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
        expect(problems).toEqual({ consoleErrors: [], pageErrors: [], networkRequests: [], blockedByCsp: [] });
        await close();
      } finally {
        await browser.close();
      }
    }

    // the SFT export: (generator prompt, best instruction) pairs of the training prompts, in TRL's conversational format
    const sft = join(dir, 'gen-sft.jsonl');
    const ex = await tenet(['align', 'export', out.run, '--format', 'sft', '--chat', '-o', sft, '--json']);
    expect(ex.code, ex.stderr).toBe(0);
    const rows = readFileSync(sft, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(rows.length).toBeGreaterThan(15);
    expect(rows.length).toBeLessThanOrEqual(24);
    for (const row of rows) {
      expect(row.messages).toHaveLength(2);
      expect(row.messages[0].content).toContain('Story: Story ');
      expect(row.messages[0].content).not.toContain('Conformity:');
      // every exported instruction names the concern of its story's foundation (it made the target comply)
      const topic = /faced a (\w+) matter/.exec(row.messages[0].content)![1];
      const concern = { hurting: 'care', cheating: 'fairness', betrayal: 'loyalty', defiance: 'authority', defilement: 'sanctity' }[topic!];
      expect(row.messages[1].content).toBe(`Please keep ${concern} in mind.`);
    }
  }, 180_000);

  it('reports the quality cost beside the gain: Self-BLEU, perplexity under --reference and --quality-judge ratings, with paired differences', async () => {
    const r = await spawnTenet(['--config', configFile, '--db', join(dir, 'q.db'), 'align', 'vilmo', '--target', 'target', '--generator', 'gen', '--judge', 'llm:judge', '--prompts', promptFile,
      '--methods', 'none,principle', '--split', '0.3,0.25,0.45', '--samples', '2', '--reference', 'target', '--quality-judge', 'llm:judge', '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out.methods)).toEqual(['none', 'principle']);
    // no vilmo arm: every arm against none; the primary APV comparison is the family, EVR and MVP secondary
    expect(out.correction).toMatchObject({ family: 1, secondary_family: 2 });
    expect(out.paired.map((p: { a: string; b: string }) => `${p.b}-${p.a}`)).toEqual(['principle-none', 'principle-none', 'principle-none']);
    const q = out.quality;
    expect(q.reference).toBe('target');
    expect(q.rater).toBe('quality:judge');
    // none violates (log-prob −0.5 per token, rated 8); principle conforms (−1, rated 6)
    // corpus-level (token-weighted) perplexity, the median per prompt beside it
    expect(q.arms.none.perplexity.value).toBeCloseTo(Math.exp(0.5), 6);
    expect(q.arms.none.perplexity.median).toBeCloseTo(Math.exp(0.5), 6);
    expect(q.arms.principle.perplexity.value).toBeCloseTo(Math.exp(1), 6);
    expect(q.arms.none.perplexity.tokens).toBeGreaterThan(36);
    expect(q.arms.none.perplexity.n).toBe(36);
    expect(q.arms.none.rating.mean).toBe(8);
    expect(q.arms.principle.rating.mean).toBe(6);
    const diff = (metric: string) => q.paired.find((d: { b: string; metric: string }) => d.b === 'principle' && d.metric === metric);
    // paired on per-prompt log-perplexity: log e¹ − log e^0.5
    expect(diff('log_perplexity').difference).toBeCloseTo(0.5, 6);
    expect(diff('rating')).toMatchObject({ difference: -2, n: 36 });
    expect(diff('self_bleu').n).toBe(36);
    // a rerun measures nothing again (perplexities and ratings are stored)
    const calls = server.requests.length;
    const again = await spawnTenet(['--config', configFile, '--db', join(dir, 'q.db'), 'align', 'vilmo', '--target', 'target', '--generator', 'gen', '--judge', 'llm:judge', '--prompts', promptFile,
      '--methods', 'none,principle', '--split', '0.3,0.25,0.45', '--samples', '2', '--reference', 'target', '--quality-judge', 'llm:judge'], { cwd: dir });
    expect(again.code, again.stderr).toBe(0);
    expect(server.requests.length).toBe(calls);
    expect(again.stdout).toContain('perplexity 1.649');
  }, 120_000);

  it('stops every chain at the first failure: a generator that cannot be reached fails the run (exit 1, the cause named), and the arms beside it stop too', async () => {
    const deadGen = join(dir, 'dead-gen.config.yaml');
    writeFileSync(deadGen, [
      'retry: {baseDelayMs: 5, maxDelayMs: 20, maxRetries: 1}',
      'endpoints:',
      `  target: {provider: openai, baseUrl: "${server.url}/v1", model: target, concurrency: 2}`,
      '  gen: {provider: openai, baseUrl: "http://127.0.0.1:9/v1", model: gen, concurrency: 2}', // port 9: nothing listens
      `  judge: {provider: openai, baseUrl: "${server.url}/v1", model: judge, concurrency: 2}`,
    ].join('\n'));
    const db = join(dir, 'dead-gen.db');
    const r = await spawnTenet(['--config', deadGen, '--db', db, ...ARGS.map((a) => (a === '16' ? '4' : a)), '--json'], { cwd: dir });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/units failed \(first: could not reach OpenAI-compatible endpoint http:\/\/127\.0\.0\.1:9\/v1/);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('failed');
    const store = await openStore(db);
    try {
      const kinds = new Set((await store.tasks.listByRun(out.run)).map((t) => t.kind));
      const sampled = new Set((await store.samples.listByRun(out.run)).map((x) => x.taskId));
      const tasks = await store.tasks.listByRun(out.run);
      // VILMO never got past its generator: no candidate was scored, no test instruction written
      expect(kinds.has(VILMO_TASKS.train)).toBe(false);
      expect(tasks.filter((t) => t.kind === VILMO_TASKS.genTest)).toHaveLength(0);
      // the untrained arms' evaluation, running beside it, was stopped before it finished (36 × 3 units at 2 at a time)
      const evaluated = tasks.filter((t) => t.kind === VILMO_TASKS.eval && sampled.has(t.id)).length;
      expect(evaluated).toBeLessThan(36 * 3);
      expect(tasks.filter((t) => t.kind === VILMO_TASKS.critique)).toHaveLength(0);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('rejects bad usage with a clear error and exit code 2', async () => {
    const noSamples = await tenet(['align', 'vilmo', '--target', 'target', '--prompts', promptFile]);
    expect(noSamples.code).toBe(2);
    expect(noSamples.stderr).toContain('needs --samples');
    const badMethod = await tenet(['align', 'vilmo', '--target', 'target', '--prompts', promptFile, '--samples', '2', '--methods', 'none,magic']);
    expect(badMethod.code).toBe(2);
    expect(badMethod.stderr).toContain('unknown method magic');
    const badSplit = await tenet(['align', 'vilmo', '--target', 'target', '--prompts', promptFile, '--samples', '2', '--split', '0.5,0.5,0.5']);
    expect(badSplit.code).toBe(2);
    expect(badSplit.stderr).toContain('sum to 1');
    const noFoundation = join(dir, 'plain.jsonl');
    writeFileSync(noFoundation, '{"id": "q1", "prompt": "Hello"}\n');
    const plain = await tenet(['align', 'vilmo', '--target', 'target', '--prompts', noFoundation, '--samples', '2']);
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain('plain.jsonl:1 at foundation');
    expect(plain.stderr).toContain('neither a "foundation" nor a "principle"');
  }, 60_000);
});
