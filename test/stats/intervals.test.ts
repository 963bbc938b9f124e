import { describe, expect, it } from 'vitest';
import { bcaBootstrap, bootstrap } from '../../src/stats/bootstrap.ts';
import { boundedMeanInterval, newcombePaired, wilson } from '../../src/stats/intervals.ts';
import { normalCdf, normalQuantile } from '../../src/stats/normal.ts';
import { holm, signFlipP } from '../../src/stats/pvalues.ts';

const meanOf = (xs: readonly number[]) => (idx: Int32Array): number => {
  let s = 0;
  for (let i = 0; i < idx.length; i++) s += xs[idx[i]!]!;
  return s / idx.length;
};

describe('the normal distribution', () => {
  it('Φ and Φ⁻¹ match tabulated values', () => {
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(-3)).toBeCloseTo(0.0013498980316301, 15);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 12);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232306167813, 12);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('Wilson intervals for proportions', () => {
  it('never collapse at 0/n or n/n (0/36: upper 0.0964; 36/36: lower 0.9036)', () => {
    expect(wilson(0, 36)).toMatchObject({ value: 0, n: 36, method: 'wilson' });
    expect(wilson(0, 36).ci[0]).toBe(0);
    expect(wilson(0, 36).ci[1]).toBeCloseTo(0.096419, 6);
    expect(wilson(36, 36).ci[0]).toBeCloseTo(0.903581, 6);
    expect(wilson(36, 36).ci[1]).toBe(1);
  });
  it('match a textbook value and are NaN with no units', () => {
    // 5/10: Wilson 95% [0.2366, 0.7634]
    expect(wilson(5, 10).ci[0]).toBeCloseTo(0.2366, 4);
    expect(wilson(5, 10).ci[1]).toBeCloseTo(0.7634, 4);
    expect(wilson(0, 0).ci.every(Number.isNaN)).toBe(true);
  });
});

describe("Newcombe's interval for paired proportions", () => {
  it('has non-zero width when both proportions are 0 (or both 1)', () => {
    const zeros = new Array(36).fill(0);
    const ones = new Array(36).fill(1);
    for (const [x, y] of [[zeros, zeros], [ones, ones]]) {
      const d = newcombePaired(x!, y!);
      expect(d).toMatchObject({ value: 0, method: 'newcombe', n: 36 });
      expect(d.ci[0]).toBeCloseTo(-0.096419, 6);
      expect(d.ci[1]).toBeCloseTo(0.096419, 6);
    }
    const all = newcombePaired(ones, zeros);
    expect(all.value).toBe(1);
    expect(all.ci[0]).toBeLessThan(1);
    expect(all.ci[1]).toBe(1);
  });
  it('contains the difference, is antisymmetric, and narrows with positive correlation', () => {
    const x = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? 1 : 0));
    const y = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 || i % 7 === 0 ? 1 : 0));
    const d = newcombePaired(x, y);
    const r = newcombePaired(y, x);
    expect(d.ci[0]).toBeLessThanOrEqual(d.value);
    expect(d.ci[1]).toBeGreaterThanOrEqual(d.value);
    expect(r.ci[0]).toBeCloseTo(-d.ci[1], 12);
    // the same margins with the pairs shuffled apart (less correlated) give a wider interval
    const yShuffled = [...y.slice(20), ...y.slice(0, 20)];
    const u = newcombePaired(x, yShuffled);
    expect(u.ci[1] - u.ci[0]).toBeGreaterThan(d.ci[1] - d.ci[0]);
  });
});

describe('the BCa bootstrap', () => {
  it('is close to the percentile interval for symmetric data and shifts it for skewed data', () => {
    const sym = Array.from({ length: 60 }, (_, i) => Math.sin(i * 12.9898) * 2);
    const p = bootstrap(sym.length, meanOf(sym), { b: 2000 });
    const bca = bcaBootstrap(sym.length, meanOf(sym), { b: 2000 });
    expect(Math.abs(bca.ci[0] - p.ci[0])).toBeLessThan(0.05);
    expect(Math.abs(bca.ci[1] - p.ci[1])).toBeLessThan(0.05);
    // right-skewed (exponential-like): BCa moves both bounds up, as the exact interval does
    const skew = Array.from({ length: 30 }, (_, i) => Math.log(1 - (i + 0.5) / 30) ** 2);
    const ps = bootstrap(skew.length, meanOf(skew), { b: 2000 });
    const bs = bcaBootstrap(skew.length, meanOf(skew), { b: 2000 });
    expect(bs.ci[1]).toBeGreaterThan(ps.ci[1]);
    expect(bs.ci[0]).toBeGreaterThan(ps.ci[0]);
  });
  it('is deterministic and contains the estimate', () => {
    const xs = Array.from({ length: 25 }, (_, i) => (i * 7) % 11);
    const a = bcaBootstrap(xs.length, meanOf(xs));
    expect(bcaBootstrap(xs.length, meanOf(xs))).toEqual(a);
    expect(a.ci[0]).toBeLessThanOrEqual(a.value);
    expect(a.ci[1]).toBeGreaterThanOrEqual(a.value);
  });
  it('a bounded mean falls back to Wilson over the units when every unit has the same value', () => {
    const zeros = new Array(36).fill(0);
    const r = boundedMeanInterval(36, meanOf(zeros));
    expect(r).toMatchObject({ value: 0, method: 'wilson' });
    expect(r.ci[1]).toBeCloseTo(0.096419, 6);
    // on [−1, 1]: all +1 gives a lower bound below 1
    const plus = boundedMeanInterval(10, meanOf(new Array(10).fill(1)), { range: [-1, 1] });
    expect(plus.method).toBe('wilson');
    expect(plus.ci[0]).toBeLessThan(1);
    expect(plus.ci[1]).toBe(1);
    const varied = boundedMeanInterval(36, meanOf(Array.from({ length: 36 }, (_, i) => (i % 4) / 4)));
    expect(varied.method).toBe('bca-bootstrap');
  });
});

describe('p-values', () => {
  it('the sign-flip test is exact for integer differences beyond 16 units (McNemar)', () => {
    // brute force over all 2^18 sign patterns
    const d = [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, 0, 0, 1, 2, -1];
    const observed = Math.abs(d.reduce((s, x) => s + x, 0));
    let hits = 0;
    for (let mask = 0; mask < 1 << d.length; mask++) {
      let s = 0;
      for (let i = 0; i < d.length; i++) s += mask & (1 << i) ? -d[i]! : d[i]!;
      if (Math.abs(s) >= observed) hits++;
    }
    expect(signFlipP(d)).toBeCloseTo(hits / 2 ** d.length, 14);
    // 20 discordant pairs all one way, 30 ties: p = 2 · 2^-20
    expect(signFlipP([...new Array(20).fill(-1), ...new Array(30).fill(0)])).toBeCloseTo(2 * 2 ** -20, 15);
    expect(signFlipP(new Array(40).fill(0))).toBe(1);
  });
  it("Holm's step-down adjustment", () => {
    expect(holm([0.01, 0.04, 0.03])).toEqual([0.03, 0.06, 0.06]);
    expect(holm([0.5, 0.001])).toEqual([0.5, 0.002]);
  });
});

describe('paired differences in alignment results never collapse to a point', () => {
  it('0/1 outcomes that all agree get a Newcombe interval; bounded rates that all differ alike fall back to Wilson', async () => {
    const { pairedDifference } = await import('../../src/align/stats.ts');
    const same = pairedDifference([1, 1, 0, 1], [1, 1, 0, 1]);
    expect(same).toMatchObject({ mean: 0, n: 4, method: 'newcombe' });
    expect(same.ci[0]!).toBeLessThan(0);
    expect(same.ci[1]!).toBeGreaterThan(0);
    const rates = pairedDifference([0.5, 0.25, 0.75], [0.5, 0.25, 0.75], { range: [0, 1] });
    expect(rates.method).toBe('wilson');
    expect(rates.ci[1]! - rates.ci[0]!).toBeGreaterThan(0);
    // unbounded values (rewards, log-perplexities) keep the percentile bootstrap over pairs
    expect(pairedDifference([-1.5, -0.2, -3], [-1, -0.1, -2]).method).toBe('percentile-bootstrap');
  });
});

describe('means of bounded values in alignment results', () => {
  it('a conformity that is the same on every prompt gets a Wilson interval, not a point', async () => {
    const { meanEstimate } = await import('../../src/align/stats.ts');
    const e = meanEstimate([0.1, 0.1, 0.1], { range: [0, 1] });
    expect(e).toMatchObject({ n: 3, method: 'wilson' });
    expect(e.ci[0]!).toBeLessThan(0.1);
    expect(e.ci[1]!).toBeGreaterThan(0.1);
    expect(meanEstimate([0.2, 0.5, 0.9], { range: [0, 1] }).method).toBe('bca-bootstrap');
  });
});
