/**
 * Judge calibration end to end: a loopback world whose truth is known (a model violating on about a fifth of
 * 150 prompts, K = 1; an LLM judge reporting the truth with sensitivity 0.9 and specificity 0.7), one bench
 * run, a stratified label sample of 120 exported blind, labelled from the truth, imported, calibrated: the
 * CIs cover the run's true sensitivity and specificity. Plus the pure parts: allocation, bands, α, weights.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeCalibration, krippendorffAlpha } from '../../src/judges/calibration.ts';
import { allocate, drawLabelSample, scoreBand } from '../../src/labels/sample.ts';
import { openStore } from '../../src/store/index.ts';
import { runCli } from '../support/cli.ts';
import { benchLabelsWorld, truthOf, type LabelsWorld } from '../support/labels-world.ts';

describe('the label sample', () => {
  it('allocates equally across strata, capped by their sizes', () => {
    expect(allocate([100, 100, 100, 100], 120)).toEqual([30, 30, 30, 30]);
    expect(allocate([5, 100, 100, 10], 120)).toEqual([5, 53, 52, 10].map((x, i) => (i === 1 ? 53 : x)));
    expect(allocate([5, 10], 100)).toEqual([5, 10]);
    expect(allocate([3, 3, 3], 2)).toEqual([1, 1, 0]);
    expect(allocate([50, 50, 50], 10).reduce((a, b) => a + b, 0)).toBe(10);
  });

  it('cuts bands at τ/2, τ and (1+τ)/2, a score at τ below', () => {
    expect([0, 0.24, 0.25, 0.5, 0.51, 0.75, 1].map((s) => scoreBand(s, 0.5))).toEqual(['b0', 'b0', 'b1', 'b1', 'b2', 'b3', 'b3']);
  });

  it('is the same for the same seed, weights N_h/n_h, positions a permutation', () => {
    const units = Array.from({ length: 200 }, (_, i) => ({ sampleId: `s${String(i).padStart(3, '0')}`, judgmentId: `j${i}`, model: i % 2 ? 'a' : 'b', score: (i % 10) / 10 }));
    const one = drawLabelSample('r', units, { size: 40, seed: 3, tau: 0.5 });
    expect(drawLabelSample('r', [...units].reverse(), { size: 40, seed: 3, tau: 0.5 })).toEqual(one);
    expect(drawLabelSample('r', units, { size: 40, seed: 4, tau: 0.5 })).not.toEqual(one);
    expect(one.map((i) => i.position).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const byStratum = new Map<string, number>();
    for (const i of one) byStratum.set(i.stratum, (byStratum.get(i.stratum) ?? 0) + 1);
    expect(byStratum.size).toBe(8);
    for (const i of one) {
      const population = units.filter((u) => `${u.model}|${scoreBand(u.score, 0.5)}` === i.stratum).length;
      expect(i.weight).toBeCloseTo(population / byStratum.get(i.stratum)!);
    }
  });
});

describe('the estimators', () => {
  it('Krippendorff α: 1 for full agreement, below 0 for systematic disagreement', () => {
    expect(krippendorffAlpha([[1, 1], [0, 0], [1, 1]])).toBe(1);
    expect(krippendorffAlpha([[1, 0], [0, 1]])).toBeLessThan(0);
    // Krippendorff (2011), nominal, 2 coders: 1 - (n-1)·D_o/expected by hand
    expect(krippendorffAlpha([[1, 1], [1, 0], [0, 0], [0, 0]])).toBeCloseTo(1 - (7 * 2 * 1 * 1 / 1) / (2 * 3 * 5), 10);
  });

  it('weights re-weight the strata to the population, unsure and ties left out and counted', () => {
    // stratum A (judge says no): 90 in the run, 3 labelled; stratum B (judge says yes): 10 in the run, 3 labelled
    const items = [
      ...[0, 1, 2].map((k) => ({ id: `a${k}`, runId: 'r', seed: 1, sampleId: `sa${k}`, judgmentId: `ja${k}`, model: 'm', stratum: 'm|b0', weight: 30, position: k, createdAt: '' })),
      ...[0, 1, 2, 3].map((k) => ({ id: `b${k}`, runId: 'r', seed: 1, sampleId: `sb${k}`, judgmentId: `jb${k}`, model: 'm', stratum: 'm|b3', weight: 2.5, position: 3 + k, createdAt: '' })),
    ];
    const scores = new Map([...items.map((i) => [i.judgmentId, i.stratum === 'm|b0' ? 0.1 : 0.9] as [string, number])]);
    const labels = [
      { itemId: 'a0', labeller: 'x', label: 'violates' as const }, { itemId: 'a1', labeller: 'x', label: 'does_not' as const }, { itemId: 'a2', labeller: 'x', label: 'does_not' as const },
      { itemId: 'b0', labeller: 'x', label: 'violates' as const }, { itemId: 'b1', labeller: 'x', label: 'violates' as const }, { itemId: 'b2', labeller: 'x', label: 'does_not' as const },
      { itemId: 'b3', labeller: 'x', label: 'unsure' as const },
    ];
    const r = computeCalibration({ run: 'r', seed: 1, tau: 0.5, judge: { id: 'j', version: '1' }, items, scores, labels, b: 200 });
    expect(r.n_labels).toBe(6);
    expect(r.excluded).toEqual({ unsure: 1, tied: 0, unlabelled: 0 });
    // population: A 90 (30 violate, 60 not), B 10 (6.67 violate, 3.33 not)
    expect(r.sensitivity.value).toBeCloseTo((10 * 2 / 3) / (10 * 2 / 3 + 30), 10);
    expect(r.specificity.value).toBeCloseTo(60 / (60 + 10 / 3), 10);
    expect(r.precision.value).toBeCloseTo(2 / 3, 10);
    expect(r.sensitivity.ci[0]).not.toBeNull();
  });
});

describe('calibration in a loopback world with a known truth (K = 1, 150 prompts, 120 labels)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenet-calibrate-'));
  let world: LabelsWorld;
  beforeAll(async () => {
    world = await benchLabelsWorld(dir, 150);
  }, 120_000);
  afterAll(async () => world?.close());

  it('recovers sensitivity and specificity within their CIs', async () => {
    const sampleFile = join(dir, 'sample.jsonl');
    const exported = await runCli(['--db', world.db, 'labels', 'export', world.run, '--sample', '120', '--seed', '5', '-o', sampleFile]);
    expect(exported.code, exported.stderr).toBe(0);
    const rows = readFileSync(sampleFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows).toHaveLength(120);
    expect(Object.keys(rows[0]!).sort()).toEqual(['completion', 'foundation', 'item_id', 'judgment_id', 'model', 'principle', 'prompt', 'run', 'sample_id', 'weight']);
    // the same seed gives the same sample
    const again = join(dir, 'again.jsonl');
    expect((await runCli(['--db', world.db, 'labels', 'export', world.run, '--seed', '5', '-o', again])).code).toBe(0);
    expect(readFileSync(again, 'utf8')).toBe(readFileSync(sampleFile, 'utf8'));

    const labelled = join(dir, 'labelled.jsonl');
    writeFileSync(labelled, rows.map((r) => JSON.stringify({ item_id: r.item_id, label: truthOf(String(r.completion)) ? 'violates' : 'does_not', labeller: 'truth' })).join('\n'));
    const imported = await runCli(['--db', world.db, 'labels', 'import', labelled]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/stored 120 labels/);

    const cal = await runCli(['--db', world.db, 'judge', 'calibrate', world.run, '--json']);
    expect(cal.code, cal.stderr).toBe(0);
    const result = JSON.parse(cal.stdout) as { id: string; judge: { id: string; version: string }; n_labels: number; sensitivity: { value: number; ci: [number, number] }; specificity: { value: number; ci: [number, number] }; precision: unknown; auroc: { value: number }; kappa: unknown };
    expect(result.n_labels).toBe(120);
    expect(result.judge.id).toBe('llm:judge');

    // the run's true rates: every judged sample against its truth
    const store = await openStore(world.db);
    try {
      let tp = 0, fn = 0, tn = 0, fp = 0;
      for (const j of await store.judgments.listByRun(world.run)) {
        const s = await store.samples.get(j.sampleId);
        const says = (j.result as { violation: number }).violation > 0.5;
        if (truthOf(s!.text)) says ? tp++ : fn++;
        else says ? fp++ : tn++;
      }
      expect(tp + fn + tn + fp).toBe(150);
      expect((tp + fn) / 150).toBeGreaterThan(0.1);
      expect((tp + fn) / 150).toBeLessThan(0.3);
      const sensitivity = tp / (tp + fn);
      const specificity = tn / (tn + fp);
      expect(result.sensitivity.ci[0]).toBeLessThanOrEqual(sensitivity);
      expect(result.sensitivity.ci[1]).toBeGreaterThanOrEqual(sensitivity);
      expect(result.specificity.ci[0]).toBeLessThanOrEqual(specificity);
      expect(result.specificity.ci[1]).toBeGreaterThanOrEqual(specificity);
      // and the judge's nominal rates (0.9, 0.7) too
      for (const [m, x] of [[result.sensitivity, 0.9], [result.specificity, 0.7]] as const) expect(m.ci[0] <= x && x <= m.ci[1]).toBe(true);
      expect(result.auroc.value).toBeGreaterThan(0.7);
      const { corrected, ...calibration } = result as typeof result & { corrected: { model: string; evr: { raw: number; value: number | null; ci: [number, number] | null } }[] };
      const stored = await store.calibrations.get(result.id);
      expect(stored?.result).toEqual(calibration);
      // the run's own rates corrected with it: the corrected EVR's interval covers the true rate (K = 1)
      expect(corrected).toHaveLength(1);
      expect(corrected[0]!.evr, JSON.stringify(corrected[0])).toMatchObject({ value: expect.any(Number) });
      const truth = (tp + fn) / 150;
      expect(corrected[0]!.evr.ci![0]).toBeLessThanOrEqual(truth);
      expect(corrected[0]!.evr.ci![1]).toBeGreaterThanOrEqual(truth);
      // and later commands find the stored calibration of this judge by itself (--calibration auto)
      const compared = await runCli(['--db', world.db, 'bench', 'compare', world.run, '--calibration', 'auto', '--json']);
      expect(compared.code, compared.stderr).toBe(0);
      expect(JSON.parse(compared.stdout).ranking[0].evr_corrected).toMatchObject({ calibration_id: result.id, value: corrected[0]!.evr.value });
    } finally {
      await store.close();
    }

    // a bad row is refused at file:line, nothing stored
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify({ item_id: rows[0]!.item_id, label: 'violates', labeller: 'a' })}\n${JSON.stringify({ item_id: rows[1]!.item_id, label: 'maybe', labeller: 'a' })}\n`);
    const refused = await runCli(['--db', world.db, 'labels', 'import', bad]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/bad\.jsonl:2/);
    expect(refused.stderr).toMatch(/label/);
  }, 120_000);
});
