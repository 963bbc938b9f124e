/** Improved aggregation: small cases computed by hand from Beta closed forms. */
import { describe, expect, it } from 'vitest';
import { aggregateImproved, dedupeVotes, posteriorOf, type TenetEdge } from '../../src/moralgraph/index.ts';
import { vote, votes } from './helpers.ts';

const find = (edges: TenetEdge[], from: number, to: number) => edges.find((e) => e.from === from && e.to === to);

describe('posterior', () => {
  it('5 unanimous "yes": Beta(6,1), 95% interval [0.025^(1/6), 0.975^(1/6)], kept', () => {
    const p = posteriorOf(5, 0);
    expect(p.alpha).toBe(6);
    expect(p.beta).toBe(1);
    expect(p.mean).toBe(6 / 7);
    expect(p.lower).toBeCloseTo(0.025 ** (1 / 6), 12); // 0.5407 > 0.5
    expect(p.upper).toBeCloseTo(0.975 ** (1 / 6), 12);
  });

  it('4 unanimous "yes" are not enough: lower end 0.025^(1/5) ≈ 0.478', () => {
    expect(posteriorOf(4, 0).lower).toBeCloseTo(0.025 ** (1 / 5), 12);
  });
});

describe('aggregateImproved', () => {
  it('keeps a pair with 5 "yes" and reports "not sure" as abstentions without moving θ', () => {
    const { kept } = aggregateImproved([...votes(5, 1, 2, 'upgrade'), ...votes(3, 1, 2, 'not_sure'), vote(2, 1, 'not_sure')]);
    expect(kept).toHaveLength(1);
    const e = kept[0] as TenetEdge;
    const s = e.byContext?.[0];
    expect([e.from, e.to]).toEqual([1, 2]);
    expect(s?.successes).toBe(5);
    expect(s?.failures).toBe(0);
    expect(s?.abstentions).toBe(4);
    expect(s?.verdict).toBe('wiser');
    expect(s?.weight).toBeCloseTo(5 / 7, 15); // 2·(6/7) − 1
    expect(e.weight).toBe(s?.weight);
    expect(e.contexts).toEqual(['When in distress']);
  });

  it('sparse data stays uncertain: 4 "yes" is not kept', () => {
    const { kept, all } = aggregateImproved(votes(4, 1, 2, 'upgrade'));
    expect(kept).toEqual([]);
    expect(find(all, 1, 2)?.byContext?.[0]?.verdict).toBe('uncertain');
  });

  it('a tie is kept in neither direction', () => {
    // 1→2: 3 yes; against: 2 "no" on 1→2 and 1 "yes" on the reverse story → Beta(4,4), mean 0.5.
    const { kept, all } = aggregateImproved([...votes(3, 1, 2, 'upgrade'), ...votes(2, 1, 2, 'no_upgrade'), vote(2, 1, 'upgrade')]);
    expect(kept).toEqual([]);
    const s12 = find(all, 1, 2)?.byContext?.[0];
    expect(s12?.posterior?.mean).toBe(0.5);
    expect(s12?.verdict).toBe('uncertain');
    const s21 = find(all, 2, 1)?.byContext?.[0];
    expect([s21?.successes, s21?.failures]).toEqual([1, 3]); // reverse: its own "yes", plus 1→2's "yes" against it
  });

  it('many "no" votes give a not_wiser verdict (upper end 1 − 0.025^(1/6) < 0.5)', () => {
    const { all } = aggregateImproved(votes(5, 1, 2, 'no_upgrade'));
    const s = find(all, 1, 2)?.byContext?.[0];
    expect(s?.posterior?.upper).toBeCloseTo(1 - 0.025 ** (1 / 6), 12);
    expect(s?.verdict).toBe('not_wiser');
  });

  it('judges each context separately: kept in one, uncertain in another', () => {
    const { kept } = aggregateImproved([...votes(5, 1, 2, 'upgrade', 'When in distress'), ...votes(3, 1, 2, 'upgrade', 'When parenting')]);
    const e = kept[0] as TenetEdge;
    expect(e.contexts).toEqual(['When in distress']);
    expect(e.byContext?.map((s) => [s.context, s.verdict])).toEqual([
      ['When in distress', 'wiser'],
      ['When parenting', 'uncertain'],
    ]);
    expect(e.counts.markedWiser).toBe(8); // pooled counts keep the study's definition
  });

  it('sums per-context weights for the global edge', () => {
    const { kept } = aggregateImproved([...votes(5, 1, 2, 'upgrade', 'A'), ...votes(5, 1, 2, 'upgrade', 'B')]);
    expect(kept[0]?.weight).toBeCloseTo(10 / 7, 14);
  });

  it('counts one vote per voter per pair and context (the latest)', () => {
    const first = vote(1, 2, 'upgrade', 'A', { userId: 'u1', createdAt: '2023-10-01T00:00:00Z' });
    const second = vote(2, 1, 'upgrade', 'A', { userId: 'u1', createdAt: '2023-10-02T00:00:00Z' });
    const other = vote(1, 2, 'upgrade', 'B', { userId: 'u1' });
    const { votes: kept, dropped } = dedupeVotes([second, first, other]);
    expect(dropped).toBe(1);
    expect(kept).toEqual([second, other]);
    expect(aggregateImproved([first, second]).duplicatesDropped).toBe(1);
  });

  it('prior and interval are parameters', () => {
    const params = { priorAlpha: 0.5, priorBeta: 0.5, credibleMass: 0.9, threshold: 0.5 };
    const { kept } = aggregateImproved(votes(3, 1, 2, 'upgrade'), params);
    // Beta(3.5, 0.5): lower 5% quantile ≈ 0.58 > 0.5
    expect(kept).toHaveLength(1);
    expect(kept[0]?.byContext?.[0]?.posterior?.alpha).toBe(3.5);
  });

  it('orders edges by (from, to) whatever the vote order', () => {
    const input = [...votes(5, 9, 3, 'upgrade'), ...votes(5, 2, 7, 'upgrade'), ...votes(5, 2, 5, 'upgrade')];
    const a = aggregateImproved(input).kept.map((e) => [e.from, e.to]);
    const b = aggregateImproved([...input].reverse()).kept.map((e) => [e.from, e.to]);
    expect(a).toEqual([[2, 5], [2, 7], [9, 3]]);
    expect(b).toEqual(a);
  });
});
