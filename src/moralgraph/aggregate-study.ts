/**
 * The 2023 study's aggregation rule, bit for bit (research/moral-graph.md §3). Counts are pooled over
 * contexts; an ordered pair x → y is kept when markedWiser ≥ 2, wiserLikelihood ≥ 0.33 and entropy ≤ 1.69.
 * Every sum below runs in the study's order so that floats match its released graph exactly.
 */
import type { EdgeCounts, EdgeVote, GraphValue, StudyEdge, StudyEdgeSummary, StudyParams, StudySummary } from './types.ts';
import { tallyPairs } from './tally.ts';

export const STUDY_PARAMS: Readonly<StudyParams> = Object.freeze({ minWiser: 2, minWiserLikelihood: 0.33, maxEntropy: 1.69 });

/**
 * Shannon entropy in bits of the five counts taken as one distribution — impressions included, so a
 * unanimous edge scores 1. Order: markedWiser, markedNotWiser, markedLessWise, markedUnsure, impressions.
 */
export function studyEntropy(c: EdgeCounts): number {
  const parts = [c.markedWiser, c.markedNotWiser, c.markedLessWise, c.markedUnsure, c.impressions];
  const total = parts.reduce((acc, n) => acc + n, 0);
  let entropy = 0;
  for (const n of parts) {
    const p = n / total;
    if (p > 0) entropy -= p * Math.log2(p);
  }
  return entropy;
}

/** (W − L) / (W + N + U + L), summed in that order; NaN when no votes (as in 2023). */
export function studyWiserLikelihood(c: EdgeCounts): number {
  const total = c.markedWiser + c.markedNotWiser + c.markedUnsure + c.markedLessWise;
  return (c.markedWiser - c.markedLessWise) / total;
}

export function studySummaryOf(c: EdgeCounts): StudyEdgeSummary {
  return { wiserLikelihood: studyWiserLikelihood(c), entropy: studyEntropy(c) };
}

/** The study's filter, checks in its order. */
export function keptByStudyRule(edge: StudyEdge, params: StudyParams = STUDY_PARAMS): boolean {
  if (!edge.counts.markedWiser) return false;
  if (edge.summary.wiserLikelihood < params.minWiserLikelihood) return false;
  if (edge.summary.entropy > params.maxEntropy) return false;
  if (edge.counts.markedWiser < params.minWiser) return false;
  return true;
}

export interface StudyAggregation {
  /** Every ordered pair seen, in the study's order, with its summary. */
  all: StudyEdge[];
  /** The pairs that pass the keep rule, same order. */
  kept: StudyEdge[];
  /** Hypothesis runs per ordered pair key (`from,to`), for provenance. */
  runIds: Map<string, string[]>;
}

export function aggregateStudy(votes: readonly EdgeVote[], params: StudyParams = STUDY_PARAMS): StudyAggregation {
  const tallies = tallyPairs(votes);
  const all: StudyEdge[] = [];
  const runIds = new Map<string, string[]>();
  for (const [key, t] of tallies) {
    all.push({
      sourceValueId: t.from,
      wiserValueId: t.to,
      contexts: t.contexts,
      counts: t.counts,
      summary: studySummaryOf(t.counts),
    });
    runIds.set(key, t.runIds);
  }
  return { all, kept: all.filter((e) => keptByStudyRule(e, params)), runIds };
}

/** The cards referenced by `edges`, in the cards' own order (the study filtered its card table). */
export function referencedValues(cards: readonly GraphValue[], edges: readonly { from: number; to: number }[]): GraphValue[] {
  const ids = new Set<number>();
  for (const e of edges) {
    ids.add(e.from);
    ids.add(e.to);
  }
  return cards.filter((c) => ids.has(c.id));
}

/** The study's `MoralGraphSummary` from raw votes and the canonical cards. */
export function buildStudySummary(
  votes: readonly EdgeVote[],
  cards: readonly GraphValue[],
  params: StudyParams = STUDY_PARAMS,
): StudySummary {
  const { kept } = aggregateStudy(votes, params);
  const values = referencedValues(
    cards,
    kept.map((e) => ({ from: e.sourceValueId, to: e.wiserValueId })),
  );
  return { values, edges: kept };
}
