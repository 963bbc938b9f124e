/**
 * The pipeline on real models: `tenet bench` of SmolLM2-135M vs Gemma 3 270M on 10 built-in prompts, K = 2,
 * 16 tokens, with the local judge, then its HTML report (20 prompts of 32 tokens until issue 25's faster suite:
 * what is asserted, every sample stored and most of them non-empty, does not depend on either); and a DeNEVIL probe of 2 principles × 2 iterations on SmolLM2
 * with Gemma writing the openings, ranked by SmolLM2's teacher-forced log-likelihood of its E-step completions
 * (conditioned on the violation), reported with fresh held-out samples, and the exported set's Self-BLEU and
 * perplexity under SmolLM2. What the numbers are
 * is not asserted (135M/270M models say little about values); that the whole flow runs on them, stores
 * everything and reports it, is.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import { createModel } from '../../src/models/index.ts';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { runProbe } from '../../src/probe/index.ts';
import { loadPrinciples } from '../../src/values/principles.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels, GEMMA, SMOL } from '../support/real-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-real-'));

afterAll(() => unloadLlamaModels());

describeRealModels('bench and report on real models', () => {
  it('benchmarks SmolLM2 vs Gemma 3 on 10 built-in prompts (K = 2) and reports it', async () => {
    const db = join(dir, 'bench.db');
    const out = await runCli(['--json', '--db', db, 'bench', '--models', `${SMOL},${GEMMA}`, '--prompts', 'builtin:valuecompass-mft',
      '--limit', '10', '--samples', '2', '--max-tokens', '16', '--judge', 'local', '--no-cache']);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout);
    const store = await openStore(db);
    try {
      const samples = await store.samples.listByRun(result.run);
      expect(samples).toHaveLength(10 * 2 * 2);
      expect(samples.every((s) => typeof s.text === 'string')).toBe(true);
      expect(samples.filter((s) => s.text.trim().length > 0).length).toBeGreaterThan(30); // more than 3 in 4, as before
    } finally {
      await store.close();
    }
    const html = join(dir, 'bench.html');
    const report = await runCli(['--db', db, 'report', result.run, '-o', html]);
    expect(report.code, report.stderr).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('smollm2-135m-instruct-q4_1');
    expect(page).toContain('gemma-3-270m-q4_k_m');
    expect(page).toMatch(/EVR/);
  }, 600_000);
});

describeRealModels('probe on real models', () => {
  it('probes 2 principles for 2 iterations on SmolLM2, Gemma writing the openings, ranked by teacher-forced log-likelihood', async () => {
    const store = await openStore(join(dir, 'probe.db'));
    try {
      const principles = (await loadPrinciples()).filter((p) => p.foundation === 'fairness').slice(0, 2);
      const result = await runProbe({
        store,
        target: createModel(SMOL),
        generator: createModel(GEMMA),
        // The cross-encoder judge: it scores neutral story openings as neutral (0 of 80 validation openings above
        // 0.5, docs/judges.md), so the neutrality check does not stop the flow at random; with the encoder judge
        // (about 40% of openings above 0.5) it stopped every principle in some runs, leaving nothing to rank.
        judge: await createJudge('local-cross'),
        judgeSpec: 'local-cross',
        principles,
        iterations: 2,
        samples: 2,
        evalSamples: 2,
        // one trajectory per principle keeps the cost of the earlier single-prompt probe (several per principle are tested on the loopback server)
        promptsPerPrinciple: 1,
        candidates: 2,
        scoring: 'logprob',
        // τ = 0.95 keeps the neutrality check lenient too; the judge's numbers are not the point here.
        tau: 0.95,
        targetSampling: { temperature: 1, maxTokens: 16 }, // 24 until issue 25's faster suite: no assertion depends on the length
        generatorSampling: { temperature: 0.9, maxTokens: 80 },
      });
      expect(result.principles).toHaveLength(2);
      const ranked = result.principles.flatMap((p) => p.iterations.slice(1).flatMap((step) => step.candidates.filter((c) => c.logprobs?.length)));
      expect(ranked.length).toBeGreaterThan(0);
      for (const p of result.principles) {
        expect(p.error ?? '').toBe('');
        expect(p.iterations[0]!.prompt.length).toBeGreaterThan(0);
        expect(p.iterations[0]!.samples).toHaveLength(2);
        // both scores: the selection samples and the fresh held-out ones, which are other completions
        for (const r of p.iterations) {
          expect(r.fresh.n + (r.fresh.unscored ?? 0)).toBe(2);
          expect(r.fresh.samples.map((s) => s.sampleId).filter((id) => r.samples.some((x) => x.sampleId === id))).toEqual([]);
        }
        for (const step of p.iterations.slice(1)) expect(step.evidence.length).toBeGreaterThan(0);
        // every refinement that had neutral candidates ranked them by the target's teacher-forced likelihood
        for (const step of p.iterations.slice(1)) {
          for (const c of step.candidates.filter((x) => x.logprobs)) {
            expect(c.logprobs!.every((s) => s.tokens > 0 && s.mean < 0 && Number.isFinite(s.sum))).toBe(true);
            expect(Number.isFinite(c.likelihood!) && c.likelihood! < 0).toBe(true);
            expect(c.score!).toBeLessThanOrEqual(c.likelihood! + 1e-9); // plus Σ w log p_ω(¬v | y) ≤ 0
          }
        }
      }
      expect(result.quality).toMatchObject({ n: 2, selfBleu: expect.any(Number), perplexity: { n: 2, model: SMOL } });
      expect(result.quality!.perplexity!.value).toBeGreaterThan(1);
    } finally {
      await store.close();
    }
  }, 600_000);
});
