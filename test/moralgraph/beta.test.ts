import { describe, expect, it } from 'vitest';
import { betaCdf, betaQuantile, logGamma } from '../../src/moralgraph/index.ts';

describe('Beta distribution', () => {
  it('logGamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
  });

  it('CDF matches closed forms', () => {
    // Beta(1,1) is uniform; Beta(a,1) has CDF x^a; Beta(1,b) has CDF 1 − (1 − x)^b; Beta(2,2): 3x² − 2x³.
    for (const x of [0.01, 0.2, 0.5, 0.77, 0.99]) {
      expect(betaCdf(x, 1, 1)).toBeCloseTo(x, 13);
      expect(betaCdf(x, 6, 1)).toBeCloseTo(x ** 6, 13);
      expect(betaCdf(x, 1, 7)).toBeCloseTo(1 - (1 - x) ** 7, 13);
      expect(betaCdf(x, 2, 2)).toBeCloseTo(3 * x * x - 2 * x ** 3, 13);
    }
    expect(betaCdf(0, 3, 4)).toBe(0);
    expect(betaCdf(1, 3, 4)).toBe(1);
  });

  it('quantile inverts the CDF', () => {
    expect(betaQuantile(0.025, 6, 1)).toBeCloseTo(0.025 ** (1 / 6), 12);
    expect(betaQuantile(0.975, 1, 7)).toBeCloseTo(1 - 0.025 ** (1 / 7), 12);
    expect(betaQuantile(0.5, 4, 4)).toBeCloseTo(0.5, 12);
    for (const [a, b] of [[3.5, 9], [40, 2], [0.5, 0.5]] as const) {
      for (const p of [0.025, 0.5, 0.975]) expect(betaCdf(betaQuantile(p, a, b), a, b)).toBeCloseTo(p, 10);
    }
  });
});
