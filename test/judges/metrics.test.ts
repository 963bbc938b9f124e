import { describe, expect, it } from 'vitest';
import type { Polarity } from '../../src/judges/labels.ts';
import { auroc, bootstrap, calibrationReport, evaluateBinary, evaluateSchwartz, macroF1, opposedF1, threeClassAccuracy } from '../../src/judges/metrics.ts';

// 3 rows × 2 values (metrics do not depend on the vector length).
const gold: Polarity[][] = [
  [1, 0],
  [-1, 0],
  [0, 1],
];
const pred = [
  [0.9, 0.1], // +1, 0   both right
  [-0.2, -0.7], // 0, -1 both wrong
  [0.0, 0.6], // 0, +1   both right
];

describe('Schwartz metrics by hand', () => {
  it('3-class accuracy over pairs', () => {
    expect(threeClassAccuracy(gold, pred)).toBeCloseTo(4 / 6, 12);
  });
  it('macro-F1 over {-1, 0, +1}', () => {
    // -1: tp 0 fp 1 fn 1 → 0; 0: gold 3, pred 3, tp 2 → 2/3; +1: gold 2, pred 2, tp 2 → 1.
    expect(macroF1(gold, pred)).toBeCloseTo((0 + 2 / 3 + 1) / 3, 12);
  });
  it('macro-F1 averages only classes present in gold or predictions', () => {
    expect(macroF1([[1, 0]], [[0.9, 0]])).toBeCloseTo(1, 12);
  });
  it('opposed-F1 is row level', () => {
    // gold opposed rows: {1}; predicted opposed rows: {1} (value 2 is -0.7) → F1 1.
    expect(opposedF1(gold, pred)).toBe(1);
    // a -1 predicted on the wrong row: tp 0, fp 1, fn 1 → 0
    expect(opposedF1(gold, [[-0.9, 0], [0, 0], [0, 0]])).toBe(0);
    // two gold opposed rows, one found, one false alarm: tp 1 fp 1 fn 1 → 0.5
    expect(opposedF1([[-1], [-1], [0]], [[-0.8], [0], [-0.6]])).toBeCloseTo(0.5, 12);
  });
  it('evaluateSchwartz reports N, pairs and CIs that contain the estimate', () => {
    const r = evaluateSchwartz(gold, pred, { b: 200, seed: 3 });
    expect(r.nRows).toBe(3);
    expect(r.nPairs).toBe(6);
    expect(r.accuracy.n).toBe(3);
    expect(r.accuracy.units).toBe(6);
    expect(r.accuracy.value).toBeCloseTo(4 / 6, 12);
    for (const m of [r.accuracy, r.macroF1, r.opposedF1]) {
      expect(m.ci[0]).toBeLessThanOrEqual(m.value);
      expect(m.ci[1]).toBeGreaterThanOrEqual(m.value);
    }
    expect(r.perClassF1['1']).toBe(1);
    expect(r.opposedPrecision).toBe(1);
    expect(r.opposedRecall).toBe(1);
  });
  it('rejects mismatched shapes', () => {
    expect(() => threeClassAccuracy(gold, pred.slice(1))).toThrow(/rows/);
  });
});

describe('binary metrics by hand', () => {
  it('AUROC by Mann–Whitney with ties', () => {
    expect(auroc([1, 1, 0, 0], [0.9, 0.8, 0.3, 0.1])).toBe(1);
    expect(auroc([1, 1, 0, 0], [0.1, 0.3, 0.8, 0.9])).toBe(0);
    // pairs (pos, neg): (0.8,0.5)=1 (0.8,0.2)=1 (0.5,0.5)=0.5 (0.5,0.2)=1 → 3.5/4
    expect(auroc([1, 1, 0, 0], [0.8, 0.5, 0.5, 0.2])).toBeCloseTo(0.875, 12);
    expect(auroc([1, 1], [0.2, 0.3])).toBeNaN();
  });
  it('accuracy and F1 at a threshold', () => {
    const r = evaluateBinary([1, 1, 0, 0, 1], [0.9, 0.4, 0.6, 0.1, 0.7], { b: 100, seed: 1 });
    // predicted: 1 0 1 0 1 → tp 2 fp 1 fn 1 tn 1
    expect(r.accuracy.value).toBeCloseTo(3 / 5, 12);
    expect(r.f1.value).toBeCloseTo(4 / 6, 12);
    expect(r.precision).toBeCloseTo(2 / 3, 12);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.n).toBe(5);
    expect(r.nPositive).toBe(3);
    expect(evaluateBinary([1, 0], [0.3, 0.1], { threshold: 0.25, b: 0 }).accuracy.value).toBe(1);
  });
});

describe('bootstrap', () => {
  const xs = Array.from({ length: 200 }, (_, i) => (i * 7919) % 13);
  const mean = (idx: Int32Array): number => {
    let s = 0;
    for (const i of idx) s += xs[i]!;
    return s / idx.length;
  };
  it('is deterministic for a seed and differs across seeds', () => {
    const a = bootstrap(xs.length, mean, { b: 300, seed: 42 });
    const b = bootstrap(xs.length, mean, { b: 300, seed: 42 });
    const c = bootstrap(xs.length, mean, { b: 300, seed: 43 });
    expect(a).toEqual(b);
    expect(c.ci).not.toEqual(a.ci);
  });
  it('reports N and a CI around the point estimate', () => {
    const r = bootstrap(xs.length, mean);
    expect(r.n).toBe(200);
    expect(r.value).toBeCloseTo(xs.reduce((s, x) => s + x, 0) / xs.length, 12);
    expect(r.ci[0]).toBeLessThan(r.value);
    expect(r.ci[1]).toBeGreaterThan(r.value);
    // standard error of the mean ≈ sd/√n ≈ 3.7/14 ≈ 0.27 → the 95% CI is about ±0.5 wide
    expect(r.ci[1] - r.ci[0]).toBeGreaterThan(0.5);
    expect(r.ci[1] - r.ci[0]).toBeLessThan(1.6);
  });
  it('resamples rows: a constant statistic has a zero-width CI', () => {
    const r = bootstrap(10, () => 0.5, { b: 50 });
    expect(r.ci).toEqual([0.5, 0.5]);
  });
});

describe('cluster bootstrap, the > τ rule and calibration', () => {
  it('a score equal to the threshold is not a violation (the > τ rule of bench and probe)', () => {
    const r = evaluateBinary([1, 0], [0.5, 0.5], { b: 0 });
    expect(r.precision).toBe(0);
    expect(r.recall).toBe(0);
  });

  it('resampling clusters: rows of one prompt move together, so a perfectly correlated cluster widens the CI', () => {
    // 20 prompts × 5 rows; each prompt's rows are all right or all wrong.
    const gold: number[] = [];
    const scores: number[] = [];
    const clusters: number[] = [];
    for (let c = 0; c < 20; c++) for (let k = 0; k < 5; k++) {
      gold.push(1);
      scores.push(c % 2 === 0 ? 0.9 : 0.1);
      clusters.push(c);
    }
    const byRow = evaluateBinary(gold, scores, { b: 500, seed: 3 }).accuracy;
    const byCluster = evaluateBinary(gold, scores, { b: 500, seed: 3, clusters }).accuracy;
    expect(byCluster.value).toBe(0.5);
    expect(byCluster.clusters).toBe(20);
    expect(byRow.clusters).toBeUndefined();
    expect(byCluster.ci[1] - byCluster.ci[0]).toBeGreaterThan(1.5 * (byRow.ci[1] - byRow.ci[0]));
    expect(() => bootstrap(3, () => 0, { clusters: [0, 1] })).toThrow(/clusters has 2 entries for 3 rows/);
  });

  it('ECE and reliability bins', () => {
    // Bin 0.8–0.9: scores 0.8 with 4 of 5 positive → calibrated; bin 0.1–0.2: 0.1 with 3 of 5 positive → off by 0.5.
    const gold = [1, 1, 1, 1, 0, 1, 1, 1, 0, 0];
    const scores = [0.8, 0.8, 0.8, 0.8, 0.8, 0.1, 0.1, 0.1, 0.1, 0.1];
    const cal = calibrationReport(gold, scores, { b: 0 });
    expect(cal.ece.value).toBeCloseTo(0.5 * 0 + 0.5 * 0.5, 10);
    expect(cal.bins[8]).toMatchObject({ n: 5, positiveRate: 0.8 });
    expect(cal.bins[1]).toMatchObject({ n: 5, positiveRate: 0.6 });
    expect(cal.bins.reduce((a, b) => a + b.n, 0)).toBe(10);
  });
});
