import { describe, expect, it } from 'vitest';
import {
  aggregateStudy,
  buildStudySummary,
  keptByStudyRule,
  studyEntropy,
  studyWiserLikelihood,
  type EdgeCounts,
} from '../../src/moralgraph/index.ts';
import { vote, votes } from './helpers.ts';

const counts = (markedWiser: number, markedNotWiser: number, markedLessWise: number, markedUnsure: number, impressions: number): EdgeCounts => ({
  markedWiser,
  markedNotWiser,
  markedLessWise,
  markedUnsure,
  impressions,
});

describe('study formulas', () => {
  it('entropy counts impressions, so a unanimous edge scores exactly 1', () => {
    expect(studyEntropy(counts(4, 0, 0, 0, 4))).toBe(1);
    expect(studyEntropy(counts(2, 2, 0, 0, 4))).toBe(1.5);
  });

  it('3 yes + 1 not sure: ℓ = 0.75 and the released entropy', () => {
    const c = counts(3, 0, 0, 1, 4);
    expect(studyWiserLikelihood(c)).toBe(0.75);
    expect(studyEntropy(c)).toBe(1.4056390622295665);
  });

  it('wiserLikelihood subtracts reverse "yes" votes and is NaN with no votes (2023 behaviour)', () => {
    expect(studyWiserLikelihood(counts(3, 0, 1, 0, 4))).toBe(0.5);
    expect(studyWiserLikelihood(counts(0, 0, 0, 0, 1))).toBeNaN();
  });

  it('keep rule: W ≥ 2, ℓ ≥ 0.33, H ≤ 1.69', () => {
    const edge = (c: EdgeCounts) => ({
      sourceValueId: 1,
      wiserValueId: 2,
      contexts: [],
      counts: c,
      summary: { wiserLikelihood: studyWiserLikelihood(c), entropy: studyEntropy(c) },
    });
    expect(keptByStudyRule(edge(counts(2, 0, 0, 0, 2)))).toBe(true);
    expect(keptByStudyRule(edge(counts(1, 0, 0, 0, 1)))).toBe(false); // one vote is not enough
    expect(keptByStudyRule(edge(counts(2, 3, 0, 0, 5)))).toBe(true); // ℓ = 0.4, H ≈ 1.49
    expect(keptByStudyRule(edge(counts(3, 1, 1, 1, 6)))).toBe(false); // ℓ = 1/3 but H ≈ 1.90
    expect(keptByStudyRule(edge(counts(2, 2, 1, 1, 7)))).toBe(false); // ℓ = 1/6
  });
});

describe('aggregateStudy', () => {
  it('pools contexts, counts reverse "yes" as markedLessWise, and ignores reverse "no" / "not sure"', () => {
    const input = [
      ...votes(3, 1, 2, 'upgrade', 'When in distress'),
      vote(1, 2, 'upgrade', 'When seeking support'),
      vote(2, 1, 'upgrade', 'When in distress'),
      vote(2, 1, 'no_upgrade', 'When in distress'),
      vote(2, 1, 'not_sure', 'When in distress'),
    ];
    const { all, kept } = aggregateStudy(input);
    const e12 = all.find((e) => e.sourceValueId === 1 && e.wiserValueId === 2);
    expect(e12?.counts).toEqual(counts(4, 0, 1, 0, 7));
    expect(e12?.contexts).toEqual(['When in distress', 'When seeking support']);
    expect(e12?.summary.wiserLikelihood).toBe(3 / 5);
    const e21 = all.find((e) => e.sourceValueId === 2 && e.wiserValueId === 1);
    expect(e21?.counts).toEqual(counts(1, 1, 4, 1, 7));
    expect(kept.map((e) => [e.sourceValueId, e.wiserValueId])).toEqual([[1, 2]]);
  });

  it('keeps only cards on kept edges, in the cards’ order', () => {
    const card = (id: number) => ({ id, title: `v${id}`, instructionsShort: '', instructionsDetailed: '', evaluationCriteria: [] });
    const summary = buildStudySummary(votes(2, 3, 1, 'upgrade'), [card(1), card(2), card(3)]);
    expect(summary.values.map((v) => v.id)).toEqual([1, 3]);
    expect(summary.edges).toHaveLength(1);
  });
});
