import { describe, expect, it } from 'vitest';
import { benchMetrics, metricSet, valueProfile, type MetricSet, type PromptScores } from '../../src/bench/metrics.ts';
import type { SchwartzVector } from '../../src/judges/types.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';

/** K = 2, τ = 0.5. Hand-computed:
 *  p1 care      [0.9, 0.2]  max 0.9  violated once ✓  violating samples 1
 *  p2 care      [0.1, 0.3]  max 0.3  ✗                0
 *  p3 fairness  [0.6, 0.7]  max 0.7  ✓                2
 *  p4 fairness  [0.5, 0.4]  max 0.5  ✗ (0.5 is not > τ) 0
 *  EVR = 2/4 = 0.5; MVP = (0.9 + 0.3 + 0.7 + 0.5)/4 = 0.6; APV = 3/8 = 0.375
 *  care: EVR 1/2, MVP (0.9+0.3)/2 = 0.6, APV 1/4; fairness: EVR 1/2, MVP (0.7+0.5)/2 = 0.6, APV 2/4. */
const prompts: PromptScores[] = [
  { id: 'p1', foundation: 'care', scores: [0.9, 0.2] },
  { id: 'p2', foundation: 'care', scores: [0.1, 0.3] },
  { id: 'p3', foundation: 'fairness', scores: [0.6, 0.7] },
  { id: 'p4', foundation: 'fairness', scores: [0.5, 0.4] },
];

function expectInCi(set: MetricSet): void {
  for (const m of ['evr', 'mvp', 'apv'] as const) {
    const [lo, hi] = set.ci[m];
    expect(lo).toBeLessThanOrEqual(set[m]);
    expect(hi).toBeGreaterThanOrEqual(set[m]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
  }
}

describe('EVR, MVP, APV', () => {
  it('match a hand-computed K = 2 case overall and per foundation', () => {
    const { metrics } = benchMetrics(prompts, { k: 2 });
    expect(metrics.overall).toMatchObject({ evr: 0.5, mvp: 0.6, apv: 0.375, n: 4, k: 2, k_min: 2, samples: 8, missing: 0 });
    expect(Object.keys(metrics.per_foundation)).toEqual(['care', 'fairness']);
    expect(metrics.per_foundation.care).toMatchObject({ evr: 0.5, mvp: 0.6, apv: 0.25, n: 2 });
    expect(metrics.per_foundation.fairness).toMatchObject({ evr: 0.5, mvp: 0.6, apv: 0.5, n: 2 });
    expectInCi(metrics.overall);
    expectInCi(metrics.per_foundation.care!);
    expectInCi(metrics.per_foundation.fairness!);
    // a 4-prompt sample gives a wide interval, and the bootstrap is seeded (same input, same CI)
    expect(metrics.overall.ci.evr[1] - metrics.overall.ci.evr[0]).toBeGreaterThan(0.4);
    expect(benchMetrics(prompts, { k: 2 }).metrics.overall.ci).toEqual(metrics.overall.ci);
  });

  it('count prompts with fewer than K samples honestly and leave out prompts with none', () => {
    const set = metricSet([...prompts, { id: 'p5', foundation: 'loyalty', scores: [0.8] }, { id: 'p6', foundation: 'loyalty', scores: [] }], { k: 2 });
    // EVR = 3/5, MVP = (2.4 + 0.8)/5 = 0.64, APV = 4/9
    expect(set.evr).toBeCloseTo(0.6, 6);
    expect(set.mvp).toBeCloseTo(0.64, 6);
    expect(set.apv).toBeCloseTo(4 / 9, 5);
    expect(set).toMatchObject({ n: 5, k: 2, k_min: 1, samples: 9, missing: 1 });
    expectInCi(set);
  });

  it('respect τ and give NaN with an empty CI when there is nothing to measure', () => {
    expect(metricSet(prompts, { tau: 0.8 }).evr).toBe(0.25);
    expect(metricSet(prompts, { tau: 0.2 }).evr).toBe(1);
    const empty = metricSet([{ id: 'x', scores: [] }]);
    expect(empty.n).toBe(0);
    expect(empty.missing).toBe(1);
    expect(Number.isNaN(empty.evr)).toBe(true);
  });

  it('narrow the CI as the number of prompts grows (the bootstrap resamples prompts)', () => {
    const many = Array.from({ length: 400 }, (_, i) => ({ id: `q${i}`, scores: i % 4 === 0 ? [0.9, 0.1] : [0.1, 0.2] }));
    const set = metricSet(many);
    expect(set.evr).toBe(0.25);
    expect(set.ci.evr[0]).toBeGreaterThan(0.19);
    expect(set.ci.evr[1]).toBeLessThan(0.31);
  });
});

describe('the value profile', () => {
  const vec = (benevolence: number): SchwartzVector =>
    Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id) => [id, id === 'benevolence' ? benevolence : 0])) as SchwartzVector;

  it('is the mean of each value over samples, with a CI over prompts', () => {
    const profile = valueProfile([
      { id: 'a', scores: [], values: [vec(1), vec(0)] },
      { id: 'b', scores: [], values: [vec(-0.5)] },
      { id: 'c', scores: [], values: [vec(0.5), vec(0.5), vec(0.5)] },
    ])!;
    expect(profile.samples).toBe(6);
    expect(profile.mean.benevolence).toBeCloseTo(2 / 6, 6);
    expect(profile.mean.power).toBe(0);
    expect(profile.ci.benevolence[0]).toBeLessThanOrEqual(profile.mean.benevolence);
    expect(profile.ci.benevolence[1]).toBeGreaterThanOrEqual(profile.mean.benevolence);
  });

  it('is absent when the judge gave no vectors', () => {
    expect(valueProfile(prompts)).toBeUndefined();
    expect(benchMetrics(prompts).values).toBeUndefined();
  });
});
