import { describe, expect, it } from 'vitest';
import { bestOfWeights, curveSizes, expectedBestOf } from '../../src/align/curve.ts';

/** The best-of-n expectation by enumerating every n-subset (argmax by proxy, ties to the lowest index). */
function bruteForce(samples: { index: number; proxy: number; scores: number[] }[], n: number): number[] {
  const m = samples.length;
  const sums = new Array<number>(samples[0]!.scores.length).fill(0);
  let count = 0;
  for (let mask = 0; mask < 1 << m; mask++) {
    const subset = samples.filter((_, i) => mask & (1 << i));
    if (subset.length !== n) continue;
    let best = subset[0]!;
    for (const s of subset) if (s.proxy > best.proxy || (s.proxy === best.proxy && s.index < best.index)) best = s;
    best.scores.forEach((x, k) => { sums[k]! += x; });
    count++;
  }
  return sums.map((s) => s / count);
}

describe('best-of-n curve', () => {
  it('uses n = 1, 2, 4, … and N', () => {
    expect(curveSizes(8)).toEqual([1, 2, 4, 8]);
    expect(curveSizes(6)).toEqual([1, 2, 4, 6]);
    expect(curveSizes(1)).toEqual([1]);
  });

  it('weights C(i−1, n−1)/C(N, n) sum to 1; n = 1 is the mean, n = N the top', () => {
    for (const [m, n] of [[8, 1], [8, 3], [8, 8], [16, 5], [64, 32]] as const) {
      const w = bestOfWeights(m, n);
      expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
    expect(bestOfWeights(4, 1)).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect(bestOfWeights(4, 4)).toEqual([0, 0, 0, 1]);
    // C(i−1, 1)/C(4, 2) = 0, 1/6, 2/6, 3/6
    bestOfWeights(4, 2).forEach((x, i) => expect(x).toBeCloseTo(i / 6, 12));
  });

  it('equals the enumeration over all n-subsets, ties included, for a held-out score', () => {
    const proxy = [0.3, -1, 0.3, 0, 2, -1, 0.3, 0.5];
    const heldout = [1, 2, 3, 4, 5, 6, 7, 8];
    const samples = proxy.map((p, i) => ({ index: i, proxy: p, scores: [p, heldout[i]!] }));
    for (let n = 1; n <= 8; n++) {
      const got = expectedBestOf(samples, n)!;
      const want = bruteForce(samples, n);
      expect(got[0]).toBeCloseTo(want[0]!, 12);
      expect(got[1]).toBeCloseTo(want[1]!, 12);
    }
    expect(expectedBestOf(samples, 9)).toBeNull();
  });
});
