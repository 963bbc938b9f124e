/**
 * Ranking a whole graph document, globally or inside one context.
 *
 * Which edges take part:
 * - study mode (and imported study graphs): edges are pooled over contexts, so the graph for context C
 *   is the kept edges whose contexts include C, each with its pooled wiserLikelihood (what the study's
 *   "per case" view did);
 * - improved mode: globally, every kept edge with the sum of its per-context weights (the union of the
 *   per-context graphs); in context C, only the pairs judged "wiser" in C, with C's own weight.
 */
import { TenetError } from '../errors.ts';
import { studyToTenet } from './export.ts';
import { rankValues, type RankOptions, type WeightedEdge } from './rank.ts';
import type { LoadedGraph, TenetGraph, ValueId } from './types.ts';

export function asTenet(loaded: LoadedGraph): TenetGraph {
  return loaded.kind === 'tenet' ? loaded.graph : studyToTenet(loaded.graph);
}

/** The weighted edges to rank, for the whole graph or one context. */
export function rankingEdges(graph: TenetGraph, context?: string): WeightedEdge[] {
  const out: WeightedEdge[] = [];
  for (const e of graph.edges) {
    if (context === undefined) {
      out.push({ from: e.from, to: e.to, weight: e.weight });
    } else if (graph.aggregation.mode === 'improved' && e.byContext) {
      const stats = e.byContext.find((s) => s.context === context && s.verdict === 'wiser');
      if (stats) out.push({ from: e.from, to: e.to, weight: stats.weight ?? 0 });
    } else if (e.contexts.includes(context)) {
      out.push({ from: e.from, to: e.to, weight: e.weight });
    }
  }
  return out;
}

export interface GraphRankOptions extends RankOptions {
  context?: string;
  /** Keep only the first N values. */
  top?: number;
}

export interface RankedGraphValue {
  rank: number;
  id: ValueId;
  title: string;
  pageRank: number;
  wisdom: number;
}

export interface GraphRanking {
  context: string | null;
  by: 'pagerank' | 'wisdom';
  mode: 'study' | 'improved';
  nodes: number;
  edges: number;
  iterations: number;
  converged: boolean;
  values: RankedGraphValue[];
}

export function rankGraph(graph: TenetGraph, options: GraphRankOptions = {}): GraphRanking {
  const { context, top, ...rankOptions } = options;
  if (context !== undefined && !graph.contexts.includes(context)) {
    throw new TenetError('BAD_INPUT', `context "${context}" is not in this graph`, {
      hint: `known contexts: ${graph.contexts.map((c) => JSON.stringify(c)).join(', ') || '(none)'}`,
    });
  }
  const edges = rankingEdges(graph, context);
  const ranking = rankValues(edges, rankOptions);
  const titles = new Map(graph.values.map((v) => [v.id, v.title]));
  const values = ranking.values.map((v) => ({
    rank: v.rank,
    id: v.id,
    title: titles.get(v.id) ?? `value ${v.id}`,
    pageRank: v.pageRank,
    wisdom: v.wisdom,
  }));
  return {
    context: context ?? null,
    by: rankOptions.by ?? 'pagerank',
    mode: graph.aggregation.mode,
    nodes: values.length,
    edges: edges.length,
    iterations: ranking.iterations,
    converged: ranking.converged,
    values: top === undefined ? values : values.slice(0, top),
  };
}
