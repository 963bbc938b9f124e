import { describe, expect, it } from 'vitest';
import { misalignmentLoss, pairsOf } from '../../src/align/loss.ts';

const items = (uh: number[], ua: number[], groups?: string[]) => uh.map((h, i) => ({ id: `y${i}`, uHuman: h, uModel: ua[i]!, ...(groups ? { group: groups[i]! } : {}) }));

describe('misalignment losses', () => {
  it('match hand-computed values', () => {
    // U_H = 1, 2, 3; U_A = 1, 3, 3 → |diffs| 0, 1, 0 → L_strict 1/3
    // pairs (1,2): |(1−2) − (1−3)| = 1; (1,3): |−2 − (−2)| = 0; (2,3): |−1 − 0| = 1 → L_pair 2/3
    const r = misalignmentLoss(items([1, 2, 3], [1, 3, 3]), { b: 200 });
    expect(r.strict.mean).toBeCloseTo(1 / 3, 12);
    expect(r.pair.mean).toBeCloseTo(2 / 3, 12);
    expect(r.pair).toMatchObject({ pairs: 3, mode: 'all', n: 3 });
    expect(r.strict.ci[0]!).toBeLessThanOrEqual(r.strict.mean!);
    expect(r.strict.ci[1]!).toBeGreaterThanOrEqual(r.strict.mean!);
  });

  it('L_pair ignores a constant shift; L_strict does not; z-scoring removes scale', () => {
    const uh = [0.1, -0.4, 0.9, 0.3, -1];
    const shifted = misalignmentLoss(items(uh, uh.map((u) => u + 5)), { b: 100 });
    expect(shifted.pair.mean).toBeCloseTo(0, 12);
    expect(shifted.strict.mean).toBeCloseTo(5, 12);
    const scaled = misalignmentLoss(items(uh, uh.map((u) => 3 * u + 1)), { b: 100, normalize: 'z' });
    expect(scaled.strict.mean).toBeCloseTo(0, 12);
    expect(scaled.pair.mean).toBeCloseTo(0, 12);
  });

  it('pairs only within a group', () => {
    // groups a: (1,1) vs (2,4) → |−1 − (−3)| = 2; b: (0,0) vs (5,5) → 0 → L_pair 1 over 2 pairs
    const r = misalignmentLoss(items([1, 2, 0, 5], [1, 4, 0, 5], ['a', 'a', 'b', 'b']), { b: 100 });
    expect(r.pair.pairs).toBe(2);
    expect(r.pair.mean).toBeCloseTo(1, 12);
    expect(r.groups).toBe(2);
    expect(() => misalignmentLoss(items([1, 2], [1, 2], ['a', 'b']))).toThrow(/no pairs/);
  });

  it('samples pairs within groups reproducibly and close to the all-pairs value', () => {
    const n = 60;
    const uh = Array.from({ length: n }, (_, i) => Math.sin(i));
    const ua = Array.from({ length: n }, (_, i) => Math.sin(i) + 0.5 * Math.cos(3 * i));
    const all = misalignmentLoss(items(uh, ua), { b: 100 });
    const sampled = misalignmentLoss(items(uh, ua), { b: 100, pairs: { kind: 'sampled', n: 20000 } });
    expect(sampled.pair.mode).toBe('sampled');
    expect(sampled.pair.pairs).toBe(20000);
    expect(Math.abs(sampled.pair.mean! - all.pair.mean!)).toBeLessThan(0.02);
    const p = pairsOf(items(uh, ua, uh.map((_, i) => String(i % 3))), { kind: 'sampled', n: 500 }, 7);
    for (let i = 0; i < p.a.length; i++) {
      expect(p.a[i]! % 3).toBe(p.b[i]! % 3);
      expect(p.a[i]).not.toBe(p.b[i]);
    }
  });
});

describe('L_pair ≤ 2·L_strict, groups and the bootstrap', () => {
  // one group of two items (U_H = 0, 0; U_A = 1, −1) and ten single-item groups where U_H = U_A
  const counter = items(
    [0, 0, ...Array.from({ length: 10 }, (_, i) => i / 10)],
    [1, -1, ...Array.from({ length: 10 }, (_, i) => i / 10)],
    ['g', 'g', ...Array.from({ length: 10 }, (_, i) => `s${i}`)],
  );

  it('holds ungrouped (every item in the same number of pairs)', () => {
    const uh = [0.3, -1.2, 2, 0.7, 0.1, -0.4];
    const ua = [1, 0.2, -0.5, 0.6, 0.9, -2];
    const r = misalignmentLoss(items(uh, ua), { b: 50 });
    expect(r.pair.mean!).toBeLessThanOrEqual(2 * r.strict.mean!);
  });

  it('fails with groups of different sizes: one pair and ten singletons give L_strict = 0.167, L_pair = 2', () => {
    const r = misalignmentLoss(counter, { b: 200 });
    expect(r.strict.mean).toBeCloseTo(2 / 12, 12);
    expect(r.pair.mean).toBeCloseTo(2, 12);
    expect(r.pair.pairs).toBe(1);
    expect(r.pair.mean!).toBeGreaterThan(2 * r.strict.mean!);
  });

  it('resamples whole groups when there are several, items otherwise', () => {
    expect(misalignmentLoss(counter, { b: 200 }).resampled).toBe('groups');
    expect(misalignmentLoss(items([1, 2, 3], [1, 3, 3]), { b: 50 }).resampled).toBe('items');
    // 20 groups of 3 with a group-level error: item resampling would break each group's pairs apart
    const n = 20;
    const uh = Array.from({ length: 3 * n }, (_, i) => Math.sin(i));
    const ua = uh.map((u, i) => u + (Math.floor(i / 3) % 2 ? 0.5 : -0.5) * (i % 3));
    const groupsOf = uh.map((_, i) => `g${Math.floor(i / 3)}`);
    const r = misalignmentLoss(items(uh, ua, groupsOf), { b: 300 });
    expect(r.groups).toBe(n);
    // a group is drawn whole, so every draw keeps 3 pairs per group drawn and the loss stays finite
    expect(r.pair.ci[0]).not.toBeNull();
    expect(r.pair.ci[0]!).toBeLessThanOrEqual(r.pair.mean!);
    expect(r.pair.ci[1]!).toBeGreaterThanOrEqual(r.pair.mean!);
  });

  it('z-scores inside each bootstrap draw, so the CI of a z-scored loss is not that of fixed z-scores', () => {
    const uh = Array.from({ length: 30 }, (_, i) => Math.sin(1.3 * i) * (i % 5 === 0 ? 4 : 1));
    const ua = Array.from({ length: 30 }, (_, i) => Math.cos(0.7 * i));
    const z = (xs: number[]) => {
      const m = xs.reduce((s, x) => s + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
      return xs.map((x) => (x - m) / sd);
    };
    const inside = misalignmentLoss(items(uh, ua), { b: 300, normalize: 'z' });
    const outside = misalignmentLoss(items(z(uh), z(ua)), { b: 300 });
    // the same point estimates …
    expect(inside.strict.mean).toBeCloseTo(outside.strict.mean!, 12);
    expect(inside.pair.mean).toBeCloseTo(outside.pair.mean!, 12);
    // … but the draws re-standardise, so the intervals differ
    expect(inside.strict.ci).not.toEqual(outside.strict.ci);
    // a scale-only difference stays 0 in every draw
    const scaled = misalignmentLoss(items(uh, uh.map((u) => 3 * u + 1)), { b: 100, normalize: 'z' });
    expect(scaled.strict.ci[0]).toBeCloseTo(0, 12);
    expect(scaled.strict.ci[1]).toBeCloseTo(0, 12);
  });
});
