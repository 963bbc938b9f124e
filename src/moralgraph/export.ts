/**
 * Building and converting graph documents: raw votes → tenet's format (either aggregation mode), the
 * study's `MoralGraphSummary` ⇄ tenet's format. Nothing personal is copied: no user ids, no stories.
 */
import { aggregateImproved, IMPROVED_PARAMS } from './aggregate-improved.ts';
import { aggregateStudy, referencedValues, STUDY_PARAMS, studySummaryOf } from './aggregate-study.ts';
import { pairKey, tallyByContext, voteFacts } from './tally.ts';
import type {
  ContextStats,
  EdgeCounts,
  EdgeVote,
  GraphValue,
  ImprovedParams,
  InputFile,
  Provenance,
  StudyEdge,
  StudyParams,
  StudySummary,
  TenetEdge,
  TenetGraph,
} from './types.ts';
import { TENET_GRAPH_FORMAT, TENET_GRAPH_VERSION } from './types.ts';

export const CREATED_BY = 'tenet';

/** Counts with the study's key order (the order JSON output and entropy use). */
function copyCounts(c: EdgeCounts): EdgeCounts {
  return {
    markedWiser: c.markedWiser,
    markedNotWiser: c.markedNotWiser,
    markedLessWise: c.markedLessWise,
    markedUnsure: c.markedUnsure,
    impressions: c.impressions,
  };
}

/** A card with only the study's fields, in the study's order. */
function copyValue(v: GraphValue): GraphValue {
  const out: GraphValue = {
    id: v.id,
    title: v.title,
    instructionsShort: v.instructionsShort,
    instructionsDetailed: v.instructionsDetailed,
    evaluationCriteria: [...v.evaluationCriteria],
  };
  if (v.createdAt !== undefined) out.createdAt = v.createdAt;
  if (v.updatedAt !== undefined) out.updatedAt = v.updatedAt;
  if (v.pageRank !== undefined) out.pageRank = v.pageRank;
  if (v.votes !== undefined) out.votes = v.votes;
  return out;
}

function sortedContexts(edges: readonly TenetEdge[]): string[] {
  return [...new Set(edges.flatMap((e) => e.contexts))].sort();
}

export interface BuildOptions {
  mode: 'study' | 'improved';
  /** Canonical values cards; the output keeps those the kept edges reference. */
  values?: readonly GraphValue[];
  studyParams?: StudyParams;
  improvedParams?: ImprovedParams;
  /** Recorded in provenance; the caller filters the votes (see `votesBefore`). */
  votesBefore?: string;
  inputs?: InputFile[];
  /** Also write every evaluated ordered pair under `allEdges`. */
  includeAll?: boolean;
}

/** Aggregate raw votes into tenet's format. */
export function buildTenetGraph(votes: readonly EdgeVote[], options: BuildOptions): TenetGraph {
  const facts = voteFacts(votes);
  let duplicatesDropped: number | undefined;
  let edges: TenetEdge[];
  let allEdges: TenetEdge[];
  let aggregation: TenetGraph['aggregation'];
  if (options.mode === 'study') {
    const params = options.studyParams ?? { ...STUDY_PARAMS };
    const agg = aggregateStudy(votes, params);
    const perContext = tallyByContext(votes);
    const toTenet = (e: StudyEdge): TenetEdge => {
      const key = pairKey(e.sourceValueId, e.wiserValueId);
      const byContext: ContextStats[] = [];
      for (const [context, tallies] of perContext) {
        const t = tallies.get(key);
        if (t) byContext.push({ context, counts: copyCounts(t.counts) });
      }
      byContext.sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0));
      return { ...studyEdgeToTenet(e), byContext, runIds: agg.runIds.get(key) ?? [] };
    };
    edges = agg.kept.map(toTenet);
    allEdges = options.includeAll ? agg.all.map(toTenet) : [];
    aggregation = { mode: 'study', params };
  } else {
    const params = options.improvedParams ?? { ...IMPROVED_PARAMS };
    const agg = aggregateImproved(votes, params);
    duplicatesDropped = agg.duplicatesDropped;
    edges = agg.kept;
    allEdges = agg.all;
    aggregation = { mode: 'improved', params };
  }
  const provenance: Provenance = {
    source: 'votes',
    ...(options.inputs ? { inputs: options.inputs } : {}),
    ...(options.votesBefore ? { votesBefore: options.votesBefore } : {}),
    voteCount: facts.voteCount,
    voterCount: facts.voterCount,
    ...(duplicatesDropped === undefined ? {} : { duplicatesDropped }),
    ...(facts.firstVoteAt ? { firstVoteAt: facts.firstVoteAt } : {}),
    ...(facts.lastVoteAt ? { lastVoteAt: facts.lastVoteAt } : {}),
    runIds: facts.runIds,
    createdBy: CREATED_BY,
  };
  const graph: TenetGraph = {
    format: TENET_GRAPH_FORMAT,
    version: TENET_GRAPH_VERSION,
    aggregation,
    provenance,
    contexts: sortedContexts(edges),
    values: referencedValues(options.values ?? [], edges).map(copyValue),
    edges,
  };
  if (options.includeAll) graph.allEdges = allEdges;
  return graph;
}

function studyEdgeToTenet(e: StudyEdge): TenetEdge {
  // NaN (a pair with only reverse "no"/"not sure" votes; never kept) becomes 0, the later study code's
  // convention, because JSON cannot hold NaN.
  const likelihood = Number.isNaN(e.summary.wiserLikelihood) ? 0 : e.summary.wiserLikelihood;
  return {
    from: e.sourceValueId,
    to: e.wiserValueId,
    weight: likelihood,
    contexts: [...e.contexts],
    counts: copyCounts(e.counts),
    study: { wiserLikelihood: likelihood, entropy: e.summary.entropy },
  };
}

/** Import: the study's `MoralGraphSummary` as a tenet graph (study-mode aggregation, its default rule). */
export function studyToTenet(summary: StudySummary, input?: InputFile): TenetGraph {
  const edges = summary.edges.map(studyEdgeToTenet);
  return {
    format: TENET_GRAPH_FORMAT,
    version: TENET_GRAPH_VERSION,
    aggregation: { mode: 'study', params: { ...STUDY_PARAMS } },
    provenance: {
      source: 'study-summary',
      ...(input ? { inputs: [{ ...input, role: 'study-summary' as const }] } : {}),
      createdBy: CREATED_BY,
    },
    contexts: sortedContexts(edges),
    values: summary.values.map(copyValue),
    edges,
  };
}

/**
 * Export: a tenet graph in the study's shape. Each edge's summary is the one it carries (study mode and
 * imports) or, for an improved-mode graph, the study's formulas applied to its pooled counts.
 */
export function tenetToStudy(graph: TenetGraph): StudySummary {
  return {
    values: graph.values.map(copyValue),
    edges: graph.edges.map((e) => ({
      sourceValueId: e.from,
      wiserValueId: e.to,
      contexts: [...e.contexts],
      counts: copyCounts(e.counts),
      summary: e.study
        ? { wiserLikelihood: e.study.wiserLikelihood, entropy: e.study.entropy }
        : studySummaryOf(e.counts),
    })),
  };
}
