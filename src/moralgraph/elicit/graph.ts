/**
 * From the elicitation store to the moral graph: a deliberation's votes become EdgeVote records (canonical
 * cards numbered by their `seq`, contexts by their text), aggregated with src/moralgraph (study or improved
 * mode), ranked, exported (study or tenet shape, with no personal data) and laid out for Cytoscape.
 */
import { TenetError } from '../../errors.ts';
import type { CanonicalCard, ElicitRepos, Vote } from '../../store/elicit-repos.ts';
import { buildTenetGraph, tenetToStudy } from '../export.ts';
import { rankGraph, type GraphRanking } from '../rank-graph.ts';
import type { EdgeVote, GraphValue, StudySummary, TenetEdge, TenetGraph } from '../types.ts';

export type GraphMode = 'study' | 'improved';

export function graphValueOf(c: CanonicalCard): GraphValue {
  return {
    id: c.seq,
    title: c.card.title,
    instructionsShort: c.card.description,
    instructionsDetailed: c.card.description,
    evaluationCriteria: [...c.card.policies],
    createdAt: c.createdAt,
  };
}

export interface DeliberationData {
  canonical: CanonicalCard[];
  values: GraphValue[];
  votes: EdgeVote[];
  /** Context id → text. */
  contexts: Map<string, string>;
}

/** A deliberation's canonical cards and votes in src/moralgraph's shapes. */
export async function deliberationData(repos: ElicitRepos, deliberationId: string): Promise<DeliberationData> {
  const [canonical, votes, contexts, hypotheses] = await Promise.all([
    repos.canonical.list(deliberationId),
    repos.votes.list(deliberationId),
    repos.contexts.list(deliberationId),
    repos.hypotheses.list(deliberationId),
  ]);
  const seq = new Map(canonical.map((c) => [c.id, c.seq]));
  const contextText = new Map(contexts.map((c) => [c.id, c.text]));
  const runOf = new Map(hypotheses.map((h) => [h.id, h.runId]));
  const edgeVotes: EdgeVote[] = [];
  for (const v of votes) {
    const edge = toEdgeVote(v, seq, contextText, runOf);
    if (edge) edgeVotes.push(edge);
  }
  return { canonical, values: canonical.map(graphValueOf), votes: edgeVotes, contexts: contextText };
}

function toEdgeVote(v: Vote, seq: Map<string, number>, contexts: Map<string, string>, runOf: Map<string, string>): EdgeVote | undefined {
  const fromId = seq.get(v.fromId);
  const toId = seq.get(v.toId);
  const contextId = contexts.get(v.contextId);
  if (fromId === undefined || toId === undefined || contextId === undefined) return undefined;
  return {
    userId: v.participantId,
    fromId,
    toId,
    contextId,
    relationship: v.relationship,
    story: v.storyShown,
    runId: runOf.get(v.hypothesisId) ?? 'unknown',
    createdAt: v.updatedAt,
  };
}

/** The deliberation's moral graph (tenet's format; `allEdges` holds every voted pair). */
export async function deliberationGraph(repos: ElicitRepos, deliberationId: string, mode: GraphMode = 'improved'): Promise<{ graph: TenetGraph; data: DeliberationData }> {
  const data = await deliberationData(repos, deliberationId);
  const graph = buildTenetGraph(data.votes, { mode, values: data.values, includeAll: true });
  return { graph, data };
}

/**
 * An export: tenet's format or the study's MoralGraphSummary. Neither carries participant ids, stories or
 * comments (buildTenetGraph only counts voters); `allEdges` is dropped unless asked for.
 */
export async function exportDeliberationGraph(
  repos: ElicitRepos,
  deliberationId: string,
  options: { mode?: GraphMode; format?: 'tenet' | 'study'; includeAll?: boolean } = {},
): Promise<TenetGraph | StudySummary> {
  const d = await repos.deliberations.get(deliberationId);
  if (!d) throw new TenetError('NOT_FOUND', `no deliberation ${deliberationId}`);
  const { graph } = await deliberationGraph(repos, deliberationId, options.mode ?? 'improved');
  if (!options.includeAll) delete graph.allEdges;
  graph.provenance.inputs = [{ role: 'votes', name: `deliberation-${deliberationId}` }];
  return options.format === 'study' ? tenetToStudy(graph) : graph;
}

export interface CyNode {
  data: { id: string; seq: number; label: string; description: string; policies: string[]; pageRank: number; wisdom: number; rank: number | null; mine?: boolean };
}

export interface CyEdge {
  data: {
    id: string;
    source: string;
    target: string;
    kept: boolean;
    weight: number;
    contexts: string[];
    wiser: number;
    notWiser: number;
    lessWise: number;
    unsure: number;
  };
}

export interface GraphView {
  mode: GraphMode;
  context: string | null;
  contexts: string[];
  nodes: CyNode[];
  edges: CyEdge[];
  ranking: GraphRanking;
  voteCount: number;
  voterCount: number;
}

function edgeInContext(e: TenetEdge, context: string | null): boolean {
  if (context === null) return true;
  if (e.byContext) return e.byContext.some((s) => s.context === context);
  return e.contexts.includes(context);
}

/**
 * Nodes (every canonical card, with PageRank over the kept edges) and edges for Cytoscape. `show: 'all'`
 * also draws voted pairs that were not kept (dashed in the UI), so a young deliberation shows something.
 */
export function graphView(
  graph: TenetGraph,
  canonical: readonly CanonicalCard[],
  options: { context?: string | null; show?: 'kept' | 'all'; mine?: ReadonlySet<number> } = {},
): GraphView {
  const context = options.context ?? null;
  const allContexts = [...new Set((graph.allEdges ?? graph.edges).flatMap((e) => (e.byContext ? e.byContext.map((s) => s.context) : e.contexts)))].sort();
  const ranking = rankGraph(graph, context !== null && graph.contexts.includes(context) ? { context } : {});
  const rankOf = new Map(ranking.values.map((v) => [v.id, v]));
  const keptKeys = new Set(graph.edges.map((e) => `${e.from}>${e.to}`));
  const source = options.show === 'all' ? (graph.allEdges ?? graph.edges) : graph.edges;
  const edges: CyEdge[] = [];
  for (const e of source) {
    if (!edgeInContext(e, context)) continue;
    const kept = keptKeys.has(`${e.from}>${e.to}`);
    // An evaluated pair appears once per direction in allEdges; draw the direction with more "wiser" votes.
    if (!kept && e.counts.markedWiser < e.counts.markedLessWise) continue;
    if (!kept && e.counts.markedWiser === e.counts.markedLessWise && e.from > e.to) continue;
    const counts = context !== null ? (e.byContext?.find((s) => s.context === context)?.counts ?? e.counts) : e.counts;
    edges.push({
      data: {
        id: `e${e.from}-${e.to}`,
        source: `v${e.from}`,
        target: `v${e.to}`,
        kept,
        weight: kept ? e.weight : 0,
        contexts: e.byContext ? e.byContext.map((s) => s.context) : [...e.contexts],
        wiser: counts.markedWiser,
        notWiser: counts.markedNotWiser,
        lessWise: counts.markedLessWise,
        unsure: counts.markedUnsure,
      },
    });
  }
  const nodes: CyNode[] = canonical.map((c) => {
    const r = rankOf.get(c.seq);
    return {
      data: {
        id: `v${c.seq}`,
        seq: c.seq,
        label: c.card.title,
        description: c.card.description,
        policies: [...c.card.policies],
        pageRank: r?.pageRank ?? 0,
        wisdom: r?.wisdom ?? 0,
        rank: r?.rank ?? null,
        ...(options.mine?.has(c.seq) ? { mine: true } : {}),
      },
    };
  });
  return {
    mode: graph.aggregation.mode,
    context,
    contexts: allContexts,
    nodes,
    edges,
    ranking,
    voteCount: graph.provenance.voteCount ?? 0,
    voterCount: graph.provenance.voterCount ?? 0,
  };
}
