/**
 * Perplexity is reported corpus-level (token-weighted: exp(−Σ log-prob / Σ tokens)) with the median per-text
 * perplexity beside it, not as an arithmetic mean of per-text perplexities, which one outlier dominates
 * (issue 19, item 6: an APE arm at 21,389).
 */
import { describe, expect, it } from 'vitest';
import { corpusPerplexity } from '../../src/probe/quality.ts';

describe('corpusPerplexity', () => {
  it('weights texts by their tokens, so one short degenerate text does not dominate; the median sits beside it', () => {
    const texts = [
      { logPerplexity: Math.log(10), tokens: 100 },
      { logPerplexity: Math.log(12), tokens: 100 },
      { logPerplexity: Math.log(8), tokens: 100 },
      { logPerplexity: Math.log(21_389), tokens: 2 }, // a two-token outlier
    ];
    const r = corpusPerplexity(texts, { seed: 1 });
    const arithmetic = (10 + 12 + 8 + 21_389) / 4;
    expect(arithmetic).toBeGreaterThan(5000);
    expect(r.value).toBeCloseTo(Math.exp((100 * Math.log(10) + 100 * Math.log(12) + 100 * Math.log(8) + 2 * Math.log(21_389)) / 302), 9);
    expect(r.value!).toBeLessThan(11);
    expect(r.median).toBe(11); // (10 + 12) / 2
    expect(r).toMatchObject({ n: 4, tokens: 302 });
    expect(r.ci[0]!).toBeLessThanOrEqual(r.value!);
    expect(r.ci[1]!).toBeGreaterThanOrEqual(r.value!);
  });

  it('equals exp(−Σ log-prob / Σ tokens) exactly, and has nothing to report without tokens', () => {
    // log-probs −1 × 3 tokens and −2 × 1 token: exp(5 / 4)
    expect(corpusPerplexity([{ logPerplexity: 1, tokens: 3 }, { logPerplexity: 2, tokens: 1 }]).value).toBeCloseTo(Math.exp(5 / 4), 12);
    expect(corpusPerplexity([{ logPerplexity: 1, tokens: 0 }])).toEqual({ value: null, ci: [null, null], median: null, n: 0, tokens: 0 });
  });
});
