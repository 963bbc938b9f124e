import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  pageRank,
  parseStudySummary,
  rankValues,
  rankingEdges,
  readJsonFile,
  studyPageRank,
  studyToTenet,
  wisdom,
  type WeightedEdge,
} from '../../src/moralgraph/index.ts';
import { STUDY_DIR } from './helpers.ts';

const e = (from: number, to: number, weight = 1): WeightedEdge => ({ from, to, weight });
const total = (m: Map<number, number>) => [...m.values()].reduce((a, b) => a + b, 0);

describe('pageRank', () => {
  it('a sink: two values point at the wiser one (hand-computed fixed point)', () => {
    // r_a = r_c = x, r_b = y: x = (0.15 + 0.85y)/3, y = x + 1.7x, 2x + y = 1 → x = 1/4.7, y = 2.7/4.7
    const { scores, converged } = pageRank([e(1, 2), e(3, 2)]);
    expect(converged).toBe(true);
    expect(scores.get(1)).toBeCloseTo(1 / 4.7, 12);
    expect(scores.get(3)).toBeCloseTo(1 / 4.7, 12);
    expect(scores.get(2)).toBeCloseTo(2.7 / 4.7, 12);
    expect(total(scores)).toBeCloseTo(1, 14);
  });

  it('dangling mass is redistributed: a single edge a → b (b dangling)', () => {
    // x = (0.15 + 0.85y)/2, y = x + 0.85x → x = 1/2.85
    const { scores } = pageRank([e(1, 2)]);
    expect(scores.get(1)).toBeCloseTo(1 / 2.85, 12);
    expect(scores.get(2)).toBeCloseTo(1.85 / 2.85, 12);
  });

  it('a cycle with equal weights spreads mass evenly', () => {
    const { scores } = pageRank([e(1, 2), e(2, 3), e(3, 1)]);
    for (const id of [1, 2, 3]) expect(scores.get(id)).toBeCloseTo(1 / 3, 14);
  });

  it('weights split a value’s out-mass proportionally', () => {
    // a → b (3), a → c (1): b and c are sinks; b = base + 0.85·x·3/4, c = base + 0.85·x/4
    const { scores } = pageRank([e(1, 2, 3), e(1, 3, 1)]);
    const base = scores.get(1) as number;
    expect((scores.get(2) as number) - base).toBeCloseTo(3 * ((scores.get(3) as number) - base), 13);
  });

  it('disconnected parts: scores still sum to 1 and comparable nodes agree', () => {
    const { scores } = pageRank([e(1, 2), e(3, 4), e(5, 4)]);
    expect(total(scores)).toBeCloseTo(1, 14);
    expect(scores.get(1)).toBeCloseTo(scores.get(3) as number, 14);
    expect(scores.get(3)).toBeCloseTo(scores.get(5) as number, 14);
    expect(scores.get(4) as number).toBeGreaterThan(scores.get(2) as number);
  });

  it('ignores self-loops and non-positive weights; a node whose edges all vanish is dangling', () => {
    const { scores } = pageRank([e(1, 2), e(2, 2), e(2, 3, 0), e(3, 1, -1)]);
    expect([...scores.keys()]).toEqual([1, 2]);
    expect(scores.get(1)).toBeCloseTo(1 / 2.85, 12);
  });

  it('merges duplicate edges by summing weights', () => {
    const a = pageRank([e(1, 2, 1), e(1, 2, 2), e(1, 3, 1)]).scores;
    const b = pageRank([e(1, 2, 3), e(1, 3, 1)]).scores;
    expect([...a]).toEqual([...b]);
  });

  it('is deterministic: edge order does not change a single bit', () => {
    const edges = [e(5, 1, 0.7), e(2, 1, 0.4), e(3, 2, 0.9), e(1, 4, 0.5), e(4, 5, 0.3), e(6, 4, 1), e(3, 6, 0.2)];
    const a = pageRank(edges).scores;
    const b = pageRank([...edges].reverse()).scores;
    expect([...a.keys()]).toEqual([1, 2, 3, 4, 5, 6]);
    for (const [id, s] of a) expect(b.get(id)).toBe(s);
  });

  it('stops at the iteration cap and says it did not converge', () => {
    const r = pageRank([e(1, 2), e(2, 3), e(3, 1), e(3, 4)], { maxIterations: 3 });
    expect(r.iterations).toBe(3);
    expect(r.converged).toBe(false);
  });

  it('damping 0 gives every value 1/n; bad options are rejected', () => {
    const { scores } = pageRank([e(1, 2), e(3, 2)], { damping: 0 });
    for (const s of scores.values()) expect(s).toBeCloseTo(1 / 3, 15);
    expect(() => pageRank([e(1, 2)], { damping: 1 })).toThrow(/damping/);
    expect(() => pageRank([e(1, 2)], { maxIterations: 0 })).toThrow(/maxIterations/);
  });

  it('an empty graph has no scores', () => {
    expect(pageRank([]).scores.size).toBe(0);
  });

  it('is linear in E per iteration: 100k edges rank quickly and sum to 1', () => {
    let seed = 42;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const edges: WeightedEdge[] = [];
    for (let i = 0; i < 100_000; i++) edges.push(e(Math.floor(rand() * 20_000), Math.floor(rand() * 20_000), rand() + 0.01));
    const start = performance.now();
    const r = pageRank(edges);
    expect(performance.now() - start).toBeLessThan(5000);
    expect(total(r.scores)).toBeCloseTo(1, 9);
  });
});

describe('rankValues', () => {
  it('ties share a rank and are ordered by id', () => {
    const { values } = rankValues([e(3, 9), e(1, 9), e(2, 9)]);
    expect(values.map((v) => [v.id, v.rank])).toEqual([
      [9, 1],
      [1, 2],
      [2, 2],
      [3, 2],
    ]);
  });

  it('can sort by the study’s wisdom score (sum of incoming weights)', () => {
    const edges = [e(1, 2, 0.5), e(3, 2, 0.5), e(4, 5, 0.9)];
    expect([...wisdom(edges)]).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
      [4, 0],
      [5, 0.9],
    ]);
    expect(rankValues(edges, { by: 'wisdom' }).values.map((v) => v.id)).toEqual([2, 5, 1, 3, 4]);
  });
});

describe('on the study graph', () => {
  const graph = studyToTenet(parseStudySummary(readJsonFile(join(STUDY_DIR, 'dft-moral-graph-all-participants.json')).data));

  it('the study’s own PageRank leaks mass through sinks: scores sum to 0.419 (§3)', () => {
    expect(total(studyPageRank(rankingEdges(graph)))).toBeCloseTo(0.419, 3);
  });

  it('ours sums to 1 and is the study’s PageRank renormalised (same order)', () => {
    const ours = pageRank(rankingEdges(graph)).scores;
    const theirs = studyPageRank(rankingEdges(graph));
    const sum = total(theirs);
    expect(total(ours)).toBeCloseTo(1, 12);
    for (const [id, s] of ours) expect(Math.abs(s - (theirs.get(id) as number) / sum)).toBeLessThan(1e-7);
  });

  it('top by PageRank is "Information Empowerment"; top by wisdom is "Informed Autonomy" (3.31)', () => {
    const titles = new Map(graph.values.map((v) => [v.id, v.title]));
    const byPr = rankValues(rankingEdges(graph)).values;
    const byWisdom = rankValues(rankingEdges(graph), { by: 'wisdom' }).values;
    expect(titles.get(byPr[0]?.id as number)).toBe('Information Empowerment');
    expect(titles.get(byWisdom[0]?.id as number)).toBe('Informed Autonomy');
    expect(byWisdom[0]?.wisdom).toBeCloseTo(3.31, 2);
  });
});
