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
