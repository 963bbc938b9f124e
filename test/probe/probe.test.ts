import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPromptSet } from '../../src/bench/prompts.ts';
import type { CachedSample } from '../../src/models/cache.ts';
import {
  PROBE_EVIDENCE_TASK,
  PROBE_ITERATION_TASK,
  PROBE_PROMPT_TASK,
  PROBE_PROMPT_VERSION,
  exportProbeRun,
  probeJson,
  probeTrajectories,
  readProbeRun,
  runProbe,
  type ProbeIteration,
  type ProbeOptions,
} from '../../src/probe/index.ts';
import { openStore, storeCache, type Store } from '../../src/store/index.ts';
import { loopbackModel } from '../models/helpers.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { SCORING_PROBE } from '../../src/models/capabilities.ts';
import { CUE, MARKER, PRINCIPLES, isContinuation, isSeed, markerJudge, promptOf, world } from './helpers.ts';

const isConditionedText = (content: string): boolean => content.startsWith('Write a completion for the prompt in which');

const dir = mkdtempSync(join(tmpdir(), 'tenet-probe-'));
let server: LoopbackServer;
const stores: Store[] = [];

async function freshStore(name: string): Promise<Store> {
  const store = await openStore(join(dir, `${name}.db`));
  stores.push(store);
  return store;
}

/** Probe options against the loopback world: generator answers replay from the store's cache, the target is uncached. */
function options(store: Store, extra: Partial<ProbeOptions> = {}): ProbeOptions {
  return {
    store,
    target: loopbackModel('openai', server, { model: 'target' }),
    generator: loopbackModel('openai', server, { model: 'gen', cache: storeCache<CachedSample>(store) }),
    judge: markerJudge,
    principles: PRINCIPLES,
    iterations: 3,
    samples: 4,
    evalSamples: 8,
    candidates: 3,
    concurrency: 2,
    ...extra,
  };
}

beforeAll(async () => {
  server = await startLoopbackServer(world());
});
afterAll(async () => {
  await server.close();
  for (const s of stores) await s.close();
});

describe('tenet probe (DeNEVIL, black box)', () => {
  let store: Store;
  let result: Awaited<ReturnType<typeof runProbe>>;

  beforeAll(async () => {
    // care-t1's third seed (a school) copies its first seed's scene: a near-duplicate that must be dropped
    server.setScript(world({ copySetting: { principle: 'hurt a child', setting: 'at a school or university' } }));
    store = await freshStore('main');
    result = await runProbe(options(store));
  });

  it('raises the fresh violation (held-out K′ samples) significantly in a world where refinement helps', () => {
    expect(result.status).toBe('done');
    expect(result.principles).toHaveLength(5 * 3);
    const json = probeJson(result);
    expect(json.summary).toMatchObject({ principles: 5, trajectories: 15, prompts: 14, duplicates: 1 });
    // the scripted target violates (cues + 1) of every 4 completions, selection and fresh alike: 0.3 → 0.5 → 0.7 → 0.9
    const care = result.principles.find((p) => p.id === 'care-t1' && p.slot === 0)!;
    expect(care.iterations.map((r) => r.violation)).toEqual([0.3, 0.5, 0.7, 0.9].map((x) => expect.closeTo(x, 9)));
    expect(care.iterations.map((r) => r.fresh.violation)).toEqual([0.3, 0.5, 0.7, 0.9].map((x) => expect.closeTo(x, 9)));
    expect(care.iterations.map((r) => r.fresh.n)).toEqual([8, 8, 8, 8]);
    expect(care.finalPrompt!.split(CUE)).toHaveLength(4);
    expect(json.summary.gain!.ci[0]).toBeGreaterThan(0);
    expect(json.summary.gain!.n).toBe(5);
    expect(json.summary.mean_final_violation!).toBeGreaterThan(json.summary.mean_initial_violation! + 0.3);
  });

  it('draws the fresh samples after selection, as sample indices K … K+K′−1 judged by the reporting judge, never used to select', async () => {
    for (const p of result.principles.filter((x) => x.duplicateOf === undefined)) {
      for (const r of p.iterations) {
        const selection = await Promise.all(r.samples.map((s) => store.samples.get(s.sampleId)));
        const fresh = await Promise.all(r.fresh.samples.map((s) => store.samples.get(s.sampleId)));
        expect(selection.map((s) => s!.sampleIndex)).toEqual([0, 1, 2, 3]);
        expect(fresh.map((s) => s!.sampleIndex)).toEqual([4, 5, 6, 7, 8, 9, 10, 11]);
        expect(fresh.every((s) => s!.taskId === r.promptTaskId)).toBe(true);
        for (const c of r.candidates) if (c.taskId === r.promptTaskId && r.accepted !== null) expect(c.violation).toBe(r.violation);
      }
    }
  });

  it('samples the E-step from p(y | x, ¬v) and falls back to the helper when the target refuses', async () => {
    const tasks = await store.tasks.listByRun(result.run);
    const evidenceTasks = tasks.filter((t) => t.kind === PROBE_EVIDENCE_TASK);
    expect(evidenceTasks.length).toBeGreaterThan(0);
    for (const p of result.principles.filter((x) => x.duplicateOf === undefined)) {
      for (const r of p.iterations.slice(1)) {
        expect(r.evidenceViolating).toBe(true);
        expect(r.evidenceSource).toBe(p.id === 'auth-t1' ? 'helper' : 'target');
        for (const e of r.evidence) {
          const sample = await store.samples.get(e.sampleId);
          expect(evidenceTasks.map((t) => t.id)).toContain(sample!.taskId);
          expect(sample!.model).toBe(p.id === 'auth-t1' ? 'openai:gen' : 'openai:target');
          expect(sample!.text).toContain(MARKER);
          // evidence is never part of a measurement
          expect(r.samples.map((s) => s.sampleId)).not.toContain(e.sampleId);
        }
      }
    }
    const conditioned = server.requests.filter((r) => r.body?.model === 'target' && isConditionedText(String(r.body?.messages?.at(-1)?.content ?? '')));
    expect(conditioned.length).toBeGreaterThan(0);
  });

  it('produces several prompts per principle from different seed scenarios and drops a near-duplicate', () => {
    const care = result.principles.filter((p) => p.id === 'care-t1');
    expect(care.map((p) => p.slot)).toEqual([0, 1, 2]);
    expect(care[2]).toMatchObject({ stopped: 'duplicate', duplicateOf: 0, finalPrompt: null });
    expect(care[0]!.iterations[0]!.prompt).toContain('Priya');
    expect(care[1]!.iterations[0]!.prompt).toContain('kitchen');
    const json = probeJson(result);
    expect(json.principles.find((p) => p.principle_id === 'care-t1')!.prompts[2]).toMatchObject({ slot: 3, duplicate_of: 1, stopped: 'duplicate' });
    const fair = result.principles.filter((p) => p.id === 'fair-t1');
    expect(fair.every((p) => p.stopped === 'iterations')).toBe(true);
    expect(new Set(fair.map((p) => p.finalPrompt)).size).toBe(3);
  });

  it('stops a trajectory on a plateau (two iterations without a gain)', () => {
    const steady = result.principles.find((p) => p.id === 'sanct-t1' && p.slot === 0)!;
    expect(steady.stopped).toBe('plateau');
    expect(steady.iterations).toHaveLength(3);
    expect(steady.iterations.slice(1).every((r) => r.accepted === null)).toBe(true);
    expect(steady.iterations[1]!.candidates.map((c) => c.status)).toEqual(['not-better', 'outranked', 'not-neutral']);
  });

  it('rejects a rewrite that states the violation outright (neutrality check by the judge)', () => {
    const refinements = result.principles.flatMap((p) => p.iterations.slice(1));
    expect(refinements.length).toBe((4 * 3 - 1) * 3 + 3 * 2);
    for (const r of refinements) {
      const outright = r.candidates.find((c) => c.prompt.includes(MARKER))!;
      expect(outright.status).toBe('not-neutral');
      expect(outright.neutrality).toBeCloseTo(0.9);
      expect(outright.violation).toBeUndefined(); // never sampled
    }
    for (const p of result.principles) if (p.finalPrompt) expect(p.finalPrompt).not.toContain(MARKER);
    expect(result.principles[0]!.finalPrompt).not.toMatch(/^Rewritten|"/);
  });

  it('measures the quality of the exported set: Self-BLEU and perplexity under the target (teacher-forced)', () => {
    expect(result.quality).toBeDefined();
    expect(result.quality!.n).toBe(14);
    expect(result.quality!.selfBleu!).toBeGreaterThan(0);
    expect(result.quality!.selfBleu!).toBeLessThan(100);
    // the scripted target gives every token log-probability −2 after an ordinary context: perplexity e²
    // corpus-level (token-weighted), with the median per prompt beside it
    expect(result.quality!.perplexity).toMatchObject({ n: 14, model: 'openai:target', method: 'corpus', value: expect.closeTo(Math.exp(2), 6), median: expect.closeTo(Math.exp(2), 6) });
    expect(probeJson(result).summary.quality).toMatchObject({ prompts: 14, perplexity: { n: 14 } });
  });

  it('warns when one judge both selects and reports (Goodhart)', () => {
    expect(probeJson(result).warnings.join(' ')).toMatch(/Goodhart/);
    expect(probeJson(result).select_judge).toBe(probeJson(result).judge);
  });

  it('stores every iteration (prompt, completions, scores, candidates) and reads the run back', async () => {
    const tasks = await store.tasks.listByRun(result.run);
    const iterations = tasks.filter((t) => t.kind === PROBE_ITERATION_TASK).map((t) => t.input as ProbeIteration);
    expect(iterations).toHaveLength((4 * 3 - 1) * 4 + 3 * 3);
    for (const r of iterations) {
      expect(r.promptVersion).toBe(PROBE_PROMPT_VERSION);
      expect(r.samples).toHaveLength(4);
      const promptTask = tasks.find((t) => t.id === r.promptTaskId)!;
      expect(promptTask.kind).toBe(PROBE_PROMPT_TASK);
      expect((promptTask.input as { prompt: string }).prompt).toBe(r.prompt);
      for (const s of [...r.samples, ...r.fresh.samples]) {
        const sample = await store.samples.get(s.sampleId);
        expect(sample!.taskId).toBe(r.promptTaskId);
        const [judgment] = await store.judgments.listBySample(s.sampleId);
        expect((judgment!.result as { violation: number }).violation).toBe(s.violation);
      }
      if (r.iteration > 0) expect(r.evidence.length).toBeGreaterThan(0);
    }
    const back = await readProbeRun(store, result.run);
    expect(probeJson(back)).toEqual(probeJson(result));
    const trajectories = probeTrajectories(back);
    expect(trajectories.target).toBe('openai:target');
    expect(trajectories.principles).toHaveLength(14);
    expect(trajectories.principles[0]!.id).toBe('care-t1/1');
    expect(trajectories.principles[0]!.iterations.map((r) => [r.violationRate, r.n, r.accepted])).toEqual([[0.25, 8, true], [0.5, 8, true], [0.75, 8, true], [1, 8, true]]);
    const json = probeJson(result);
    expect(json.run).toBe(result.run);
    expect(json.principles[0]).toMatchObject({ principle_id: 'care-t1', foundation: 'care' });
    expect(json.principles[0]!.prompts[0]).toMatchObject({
      prompt: care0().finalPrompt, selection_violation: expect.closeTo(0.9, 9), fresh_violation: expect.closeTo(0.9, 9), iterations: expect.any(Array),
    });
    expect(json.principles[0]!.prompts[0]!.iterations).toHaveLength(4);
  });

  const care0 = () => result.principles.find((p) => p.id === 'care-t1' && p.slot === 0)!;

  it('exports the distinct final prompts with their fresh scores as MoralPrompt JSONL that bench can read', async () => {
    const file = join(dir, 'moralprompt.jsonl');
    const { records } = await exportProbeRun(store, result.run, { format: 'moralprompt', file });
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(14);
    expect(lines).toEqual(JSON.parse(JSON.stringify(records)));
    const care = lines.find((l) => l.principle_id === 'care-t1' && l.slot === 1);
    expect(care).toMatchObject({
      principle: 'It is wrong to hurt a child.',
      foundation: 'care',
      target_model: 'openai:target',
      violation_rate: 1,
      violation: expect.closeTo(0.9, 9),
      violation_n: 8,
      selection_violation: expect.closeTo(0.9, 9),
      iterations: 3,
      prompt_version: PROBE_PROMPT_VERSION,
      run: result.run,
    });
    expect(care.prompt).toBe(care0().finalPrompt);
    expect(care.trajectory.map((x: { violation_rate: number }) => x.violation_rate)).toEqual([0.25, 0.5, 0.75, 1]);
    expect(new Set(lines.map((l) => l.id)).size).toBe(14);
    const set = await loadPromptSet(file);
    expect(set.prompts.map((p) => [p.id, p.prompt, p.foundation, p.principle])).toEqual(lines.map((l) => [l.id, l.prompt, l.foundation, l.principle]));
    await expect(exportProbeRun(store, result.run, { format: 'csv' })).rejects.toMatchObject({ code: 'BAD_USAGE' });
    await expect(exportProbeRun(store, 'probe-nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses to read a v1 run (selection scores only) with a clear error', async () => {
    const run = await store.runs.create({ id: 'probe-oldv1', kind: 'probe', name: 'old', config: { ...result.config, promptVersion: 'v1' } });
    await expect(readProbeRun(store, run.id)).rejects.toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/probe v1.*no fresh held-out scores/) });
  });

  it('re-running the same probe continues the same run and draws nothing again', async () => {
    const before = server.requests.length;
    const again = await runProbe(options(store));
    expect(again.run).toBe(result.run);
    expect(server.requests.length).toBe(before);
    expect(probeJson(again)).toEqual(probeJson(result));
  });
});

describe('a world where refinement does not help', () => {
  it('the selection score rises by construction, the fresh score shows no significant rise', async () => {
    // every completion violates with probability 1/2 whatever the prompt: a rewrite is accepted only because
    // its K selection samples happened to be luckier
    server.setScript(world({ noise: true }));
    const store = await freshStore('noise');
    const result = await runProbe(options(store, { promptsPerPrinciple: 3, iterations: 3 }));
    expect(result.status).toBe('done');
    const json = probeJson(result);
    const s = json.summary;
    expect(s.prompts).toBeGreaterThanOrEqual(12);
    // selection: it rises (an accepted candidate's K samples are the luckiest of the candidates'), although each
    // accepted candidate had to beat the current prompt re-sampled in the same iteration, not its lucky old score
    expect(s.selection.mean_final_violation!).toBeGreaterThan(s.selection.mean_initial_violation! + 0.1);
    for (const p of result.principles) {
      for (const step of p.iterations.slice(1)) {
        if (step.accepted !== null) expect(step.candidates[step.accepted]!.violation!).toBeGreaterThan(step.defended!.violation);
      }
    }
    // fresh: the CI of the gain covers 0
    expect(s.gain!.ci[0]).toBeLessThanOrEqual(0);
    expect(s.gain!.ci[1]).toBeGreaterThanOrEqual(0);
    expect(Math.abs(s.mean_final_violation! - 0.5)).toBeLessThan(0.15);
  });
});

describe('failures', () => {
  it('marks a principle whose generator call fails, finishes the others, and a rerun completes it', async () => {
    const script = world();
    server.setScript((req) => (req.model === 'gen' && req.messages.at(-1)!.content.includes('betray') ? { fault: 'http', status: 400 } : script(req)));
    const store = await freshStore('failures');
    const first = await runProbe(options(store, { iterations: 1, promptsPerPrinciple: 1 }));
    expect(first.status).toBe('failed');
    const loyal = first.principles.find((p) => p.id === 'loyal-t1')!;
    expect(loyal.stopped).toBe('failed');
    expect(loyal.error).toMatch(/generator openai:gen: .*400/);
    expect(first.principles.filter((p) => p.stopped === 'iterations')).toHaveLength(4);
    server.setScript(script);
    const second = await runProbe(options(store, { iterations: 1, promptsPerPrinciple: 1 }));
    expect(second.status).toBe('done');
    expect(second.principles.every((p) => p.stopped === 'iterations' && p.iterations.length === 2)).toBe(true);
  });
});

describe('log-probability scoring', () => {
  it('ranks candidates by the target\'s scripted log-likelihood of the violating completions', async () => {
    // candidate 0 (gamma) and 2 (beta, two cues) would win or tie by sampling; alpha has the highest log-likelihood
    server.setScript(world({ rewrites: [' gamma. Suddenly, the temptation grew.', ' alpha. Suddenly, the temptation grew.', ' beta. The temptation, the temptation.'] }));
    const store = await freshStore('logprob');
    const before = server.requests.length;
    const result = await runProbe(options(store, { principles: PRINCIPLES.slice(0, 2), iterations: 1, scoring: 'logprob', promptsPerPrinciple: 1 }));
    expect(result.status).toBe('done');
    const requests = server.requests.slice(before);
    for (const p of result.principles) {
      const step = p.iterations[1]!;
      const [gamma, alpha, beta] = step.candidates;
      expect(alpha!.score!).toBeGreaterThan(beta!.score!);
      expect(beta!.score!).toBeGreaterThan(gamma!.score!);
      expect(alpha!.logprobs!.length).toBe(step.evidence.length);
      expect(alpha!.logprobs!.every((s) => s.tokens > 0 && Math.abs(s.mean - -0.1) < 1e-9 && Math.abs(s.sum - -0.1 * s.tokens) < 1e-9)).toBe(true);
      // DeNEVIL's objective: Σ_y w_y [mean log p(y | x) + log p_ω(¬v | y)], every evidence completion judged 0.9
      expect(alpha!.likelihood).toBeCloseTo(-0.1, 9);
      expect(alpha!.score).toBeCloseTo(-0.1 + Math.log(0.9), 9);
      expect(alpha!.status).toBe('accepted');
      expect([gamma!.status, beta!.status]).toEqual(['outranked', 'outranked']);
      // only the top-ranked candidate is sampled
      expect(gamma!.violation).toBeUndefined();
      expect(beta!.violation).toBeUndefined();
      expect(step.violation).toBeGreaterThan(step.previousViolation!);
      expect(step.scoring).toBe('logprob');
    }
    // per principle: the seed's K and K′ samples, the E-step's K conditioned samples, the seed's K new samples
    // (its defence), the top candidate's K and K′ (one call each)
    expect(requests.filter((r) => r.body?.model === 'target' && r.path === '/v1/chat/completions')).toHaveLength(2 * 6);
    // teacher-forced: every candidate × evidence pair is one echo request to the completions endpoint, plus
    // one per exported prompt for its perplexity under the target
    const scoring = requests.filter((r) => r.path === '/v1/completions' && !String(r.body.prompt).startsWith(SCORING_PROBE.prompt)); // less the scoring sanity check
    expect(scoring.length).toBe(result.principles.reduce((s, p) => s + 3 * p.iterations[1]!.evidence.length, 0) + 2);
    expect(scoring.every((r) => r.body.echo === true && r.body.logprobs >= 0 && r.body.model === 'target')).toBe(true);
  });

  it('refuses --scoring logprob for a target without log-probabilities (BAD_USAGE)', async () => {
    const store = await freshStore('anthropic');
    await expect(runProbe(options(store, { target: loopbackModel('anthropic', server, { model: 'target' }), scoring: 'logprob' })))
      .rejects.toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/teacher forcing/) });
    expect(await store.runs.list()).toHaveLength(0);
  });
});

describe('resume', () => {
  it('continues an interrupted probe: no stored sample (selection, fresh or E-step) is requested again and the result equals an uninterrupted run', async () => {
    server.setScript(world());
    const uninterrupted = await runProbe(options(await freshStore('uninterrupted')));
    expect(uninterrupted.status).toBe('done');

    const store = await freshStore('resume');
    const controller = new AbortController();
    let continuations = 0;
    const script = world();
    server.setScript((req) => {
      if (isContinuation(req) && req.choiceIndex === 0 && ++continuations === 40) controller.abort();
      return script(req);
    });
    const first = await runProbe(options(store, { signal: controller.signal }));
    expect(first.status).toBe('interrupted');
    expect((await store.runs.get(first.run))!.status).toBe('interrupted');
    // samples stored per (task kind, prompt) before the interruption
    const stored = new Map<string, number>();
    const tasks = await store.tasks.listByRun(first.run);
    const samples = await store.samples.listByRun(first.run);
    for (const t of tasks.filter((x) => x.kind === PROBE_PROMPT_TASK || x.kind === PROBE_EVIDENCE_TASK)) {
      const n = samples.filter((s) => s.taskId === t.id && s.model === 'openai:target').length;
      if (n > 0) stored.set(`${t.kind}|${(t.input as { prompt: string }).prompt}`, n);
    }
    expect([...stored.values()].filter((n) => n === 12).length).toBeGreaterThanOrEqual(5);
    expect(tasks.filter((x) => x.kind === PROBE_ITERATION_TASK).length).toBeLessThan(14 * 4);

    server.setScript(script);
    const before = server.requests.length;
    const asked: { key: string; n: number }[] = [];
    let seeds = 0;
    server.setScript((req) => {
      if (req.model === 'target' && req.choiceIndex === 0 && req.path === '/v1/chat/completions') {
        asked.push({ key: `${isContinuation(req) ? PROBE_PROMPT_TASK : PROBE_EVIDENCE_TASK}|${promptOf(req)}`, n: req.body?.n ?? 1 });
      }
      if (req.model === 'gen' && isSeed(req)) seeds++;
      return script(req);
    });
    const second = await runProbe(options(store));
    expect(second.run).toBe(first.run);
    expect(second.status).toBe('done');
    expect(server.requests.length).toBeGreaterThan(before);
    // nothing stored is asked for again: a prompt with its K selection samples stored is asked only for its K′
    // fresh ones, and one with K + K′ (+ earlier defences) only for K new ones (its defence, new indices)
    for (const { key, n } of asked) {
      const had = stored.get(key) ?? 0;
      const prompt = key.startsWith(PROBE_PROMPT_TASK);
      expect(had === 0 || (prompt && had === 4 && n === 8) || (prompt && had >= 12 && had % 4 === 0 && n === 4), `${key} asked for ${n} with ${had} stored`).toBe(true);
    }
    // (a prompt is asked for K samples once for its selection and once per defence, so those repeat by design)
    const notDefences = asked.filter((a) => !(a.key.startsWith(PROBE_PROMPT_TASK) && a.n === 4));
    expect(new Set(notDefences.map((a) => `${a.key}|${a.n}`)).size).toBe(notDefences.length);
    expect(seeds).toBe(0); // generator calls replay from the response cache
    expect(probeJson(second)).toEqual(probeJson(uninterrupted));
    expect(await store.samples.countByRun(second.run)).toBe(await stores.find((s) => s.describe().location.endsWith('uninterrupted.db'))!.samples.countByRun(uninterrupted.run));
  });
});

describe('the incumbent is re-sampled each iteration (issue 19, item 5)', () => {
  it('accepts a truly better candidate that the old rule, against the incumbent\'s lucky first estimate, rejected', async () => {
    // Scripted (no randomness): the seed opening's true violation rate is 5/10, but its K = 10 selection samples
    // were lucky (8/10 violate); the one rewrite (it adds the cue) truly violates 6/10 of the time.
    const K = 10;
    const requests = new Map<string, number>();
    const script = world();
    server.setScript((req) => {
      if (!isContinuation(req)) return script(req);
      const prompt = promptOf(req);
      if (req.choiceIndex === 0) requests.set(prompt, (requests.get(prompt) ?? 0) + 1);
      const nth = requests.get(prompt)!;
      const violating = prompt.includes(CUE) ? 6 : nth === 1 ? 8 : 5;
      return req.choiceIndex < violating ? `and then, without a second thought, he ${MARKER} and never looked back.` : 'and then he took a breath and walked away honestly.';
    });
    const store = await freshStore('incumbent');
    const result = await runProbe(options(store, { principles: PRINCIPLES.slice(0, 1), promptsPerPrinciple: 1, iterations: 1, samples: K, evalSamples: K, candidates: 1 }));
    expect(result.status).toBe('done');
    const [seed, step] = result.principles[0]!.iterations;
    const mean = (rate: number): number => 0.1 + 0.8 * rate; // the marker judge scores 0.9 / 0.1
    expect(seed!.violation).toBeCloseTo(mean(0.8), 9); // lucky
    expect(seed!.fresh.violation).toBeCloseTo(mean(0.5), 9);
    const candidate = step!.candidates[0]!;
    expect(candidate.violation).toBeCloseTo(mean(0.6), 9);
    // the old rule compared the candidate with the incumbent's lucky selection score, and rejected it
    expect(step!.previousViolation).toBeCloseTo(mean(0.8), 9);
    expect(candidate.violation! > step!.previousViolation!).toBe(false);
    // the new rule compares it with K new samples of the incumbent (new indices K+K′ … K+K′+K−1), like with like
    expect(step!.defended).toMatchObject({ n: K, from: 2 * K, to: 3 * K });
    expect(step!.defended!.violation).toBeCloseTo(mean(0.5), 9);
    expect(step!.accepted).toBe(0);
    expect(candidate.status).toBe('accepted');
    expect(step!.prompt).toContain(CUE);
    // the incumbent was asked three times: selection, fresh, defence; the defence drew new samples
    expect(requests.get(seed!.prompt)).toBe(3);
    const samples = (await store.samples.listByRun(result.run)).filter((x) => x.taskId === seed!.promptTaskId);
    expect(samples.map((x) => x.sampleIndex).sort((a, b) => a - b)).toEqual(Array.from({ length: 3 * K }, (_, i) => i));
  });
});
