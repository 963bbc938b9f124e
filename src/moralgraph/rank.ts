/**
 * Ranking values on a weighted "wiser than" graph. Edges point from the less-wise value to the wiser one,
 * so PageRank mass flows toward wisdom.
 *
 * `pageRank` (default): r'(v) = ((1 − d) + d·D)/n + d·Σ_{x→v} r(x)·w(x,v)/W(x), where W(x) is x's total
 * out-weight and D the mass on sinks (nodes with no out-weight: the wisest values), spread uniformly, so
 * scores always sum to 1. Iterates until the L1 change is below `tolerance` or `maxIterations`; each
 * iteration is O(V + E). Nodes and edges are visited in sorted id order, so results are deterministic.
 *
 * `dangling: 'leak', order: 'input', maxIterations: 100, tolerance: 0` reproduces the study's PageRank
 * (sinks leak mass; 100 fixed iterations; edge order as given) — see `studyPageRank`.
 *
 * `wisdom`: the study's "wisest values" score, the sum of a value's incoming edge weights.
 */
import { TenetError } from '../errors.ts';
import type { ValueId } from './types.ts';

export interface WeightedEdge {
  /** The less-wise value. */
  from: ValueId;
  /** The wiser value. */
  to: ValueId;
  /** Positive strength of the judgement (edges with weight ≤ 0, non-finite, or self-loops are ignored). */
  weight: number;
}

export interface PageRankOptions {
  /** Damping factor d in [0, 1). Default 0.85. */
  damping?: number;
  /** Stop when the L1 change between iterations is below this. Default 1e-12 (0: never stop early). */
  tolerance?: number;
  /** Default 1000. */
  maxIterations?: number;
  /** 'uniform' (default): sinks' mass is spread over all nodes. 'leak': dropped, as in the study. */
  dangling?: 'uniform' | 'leak';
  /** 'sorted' (default): nodes by id, edges by (from, to). 'input': nodes by first appearance, edges as given. */
  order?: 'sorted' | 'input';
}

export interface PageRankResult {
  scores: Map<ValueId, number>;
  iterations: number;
  converged: boolean;
  /** L1 change of the last iteration. */
  residual: number;
}

function checkOptions(o: PageRankOptions): Required<PageRankOptions> {
  const damping = o.damping ?? 0.85;
  const tolerance = o.tolerance ?? 1e-12;
  const maxIterations = o.maxIterations ?? 1000;
  if (!(damping >= 0 && damping < 1)) throw new TenetError('BAD_USAGE', `damping must be in [0, 1), got ${damping}`);
  if (!(tolerance >= 0)) throw new TenetError('BAD_USAGE', `tolerance must be ≥ 0, got ${tolerance}`);
  if (!Number.isInteger(maxIterations) || maxIterations < 1) {
    throw new TenetError('BAD_USAGE', `maxIterations must be a positive integer, got ${maxIterations}`);
  }
  return { damping, tolerance, maxIterations, dangling: o.dangling ?? 'uniform', order: o.order ?? 'sorted' };
}

/** Usable edges, duplicates merged (weights summed), in the requested order. */
function compileEdges(edges: readonly WeightedEdge[], order: 'sorted' | 'input'): WeightedEdge[] {
  const merged = new Map<string, WeightedEdge>();
  for (const e of edges) {
    if (!(Number.isFinite(e.weight) && e.weight > 0) || e.from === e.to) continue;
    const key = `${e.from},${e.to}`;
    const seen = merged.get(key);
    if (seen) seen.weight += e.weight;
    else merged.set(key, { from: e.from, to: e.to, weight: e.weight });
  }
  const list = [...merged.values()];
  if (order === 'sorted') list.sort((a, b) => a.from - b.from || a.to - b.to);
  return list;
}

function nodesOf(edges: readonly WeightedEdge[], order: 'sorted' | 'input'): ValueId[] {
  const seen = new Set<ValueId>();
  for (const e of edges) {
    seen.add(e.from);
    seen.add(e.to);
  }
  const nodes = [...seen];
  if (order === 'sorted') nodes.sort((a, b) => a - b);
  return nodes;
}

export function pageRank(edges: readonly WeightedEdge[], options: PageRankOptions = {}): PageRankResult {
  const o = checkOptions(options);
  const list = compileEdges(edges, o.order);
  const nodes = nodesOf(list, o.order);
  const n = nodes.length;
  if (n === 0) return { scores: new Map(), iterations: 0, converged: true, residual: 0 };
  const index = new Map(nodes.map((id, i) => [id, i]));
  const src = list.map((e) => index.get(e.from) as number);
  const dst = list.map((e) => index.get(e.to) as number);
  const outWeight = new Float64Array(n);
  list.forEach((e, k) => {
    outWeight[src[k] as number] = (outWeight[src[k] as number] as number) + e.weight;
  });
  const sinks: number[] = [];
  for (let i = 0; i < n; i++) if (outWeight[i] === 0) sinks.push(i);

  let rank = new Float64Array(n).fill(1 / n);
  let next = new Float64Array(n);
  const d = o.damping;
  let iterations = 0;
  let residual = Infinity;
  let converged = false;
  while (iterations < o.maxIterations) {
    let base = (1 - d) / n;
    if (o.dangling === 'uniform') {
      let sinkMass = 0;
      for (const i of sinks) sinkMass += rank[i] as number;
      base = (1 - d + d * sinkMass) / n;
    }
    next.fill(base);
    for (let k = 0; k < list.length; k++) {
      const s = src[k] as number;
      const t = dst[k] as number;
      next[t] = (next[t] as number) + (d * (rank[s] as number) * (list[k] as WeightedEdge).weight) / (outWeight[s] as number);
    }
    residual = 0;
    for (let i = 0; i < n; i++) residual += Math.abs((next[i] as number) - (rank[i] as number));
    [rank, next] = [next, rank];
    iterations++;
    if (residual < o.tolerance) {
      converged = true;
      break;
    }
  }
  const scores = new Map<ValueId, number>();
  nodes.forEach((id, i) => scores.set(id, rank[i] as number));
  return { scores, iterations, converged, residual };
}

/** The study's PageRank: no dangling redistribution, 100 iterations, edge order as given (compat only). */
export function studyPageRank(edges: readonly WeightedEdge[]): Map<ValueId, number> {
  return pageRank(edges, { dangling: 'leak', order: 'input', maxIterations: 100, tolerance: 0 }).scores;
}

/** The study's wisdom score: the sum of incoming weights (0 for a value with no incoming edge). */
export function wisdom(edges: readonly WeightedEdge[]): Map<ValueId, number> {
  const list = compileEdges(edges, 'sorted');
  const scores = new Map<ValueId, number>(nodesOf(list, 'sorted').map((id) => [id, 0]));
  for (const e of list) scores.set(e.to, (scores.get(e.to) as number) + e.weight);
  return scores;
}

export interface RankedValue {
  id: ValueId;
  /** 1-based; equal scores (to 1e-12) share a rank ("1224" ranking). */
  rank: number;
  pageRank: number;
  wisdom: number;
}

export interface RankOptions extends PageRankOptions {
  /** Which score orders the list. Default 'pagerank'. */
  by?: 'pagerank' | 'wisdom';
}

export interface Ranking {
  values: RankedValue[];
  iterations: number;
  converged: boolean;
}

/** Scores compared to 1e-12 so that float noise cannot reorder ties; ties then go by id. */
function scoreKey(x: number): number {
  return Math.round(x * 1e12);
}

/** PageRank and wisdom for every value on the graph, best first, deterministic. */
export function rankValues(edges: readonly WeightedEdge[], options: RankOptions = {}): Ranking {
  const pr = pageRank(edges, options);
  const wise = wisdom(edges);
  const by = options.by ?? 'pagerank';
  const values: RankedValue[] = [...pr.scores].map(([id, score]) => ({
    id,
    rank: 0,
    pageRank: score,
    wisdom: wise.get(id) ?? 0,
  }));
  const key = (v: RankedValue): number => scoreKey(by === 'wisdom' ? v.wisdom : v.pageRank);
  values.sort((a, b) => key(b) - key(a) || a.id - b.id);
  values.forEach((v, i) => {
    const prev = values[i - 1];
    v.rank = prev && key(prev) === key(v) ? prev.rank : i + 1;
  });
  return { values, iterations: pr.iterations, converged: pr.converged };
}
