/**
 * Counting raw votes per ordered pair, the way the 2023 study did: a first pass over all votes credits
 * the shown direction (from → to), a second pass credits the reverse pair (to → from) with an impression
 * and, for "yes", a `markedLessWise`. Map insertion order is therefore the study's edge order.
 */
import type { EdgeCounts, EdgeVote, ValueId } from './types.ts';

export interface PairTally {
  from: ValueId;
  to: ValueId;
  /** Contexts in first-seen order (forward pass, then reverse pass), without repeats. */
  contexts: string[];
  counts: EdgeCounts;
  /** Hypothesis runs of the votes on this pair, either direction, first-seen order. */
  runIds: string[];
}

export function pairKey(from: ValueId, to: ValueId): string {
  return `${from},${to}`;
}

export function emptyCounts(): EdgeCounts {
  return { markedWiser: 0, markedNotWiser: 0, markedLessWise: 0, markedUnsure: 0, impressions: 0 };
}

interface Building {
  from: ValueId;
  to: ValueId;
  contexts: Set<string>;
  counts: EdgeCounts;
  runIds: Set<string>;
}

/** Tally every ordered pair that occurs in `votes`, in either direction. */
export function tallyPairs(votes: readonly EdgeVote[]): Map<string, PairTally> {
  const pairs = new Map<string, Building>();
  const get = (from: ValueId, to: ValueId): Building => {
    const key = pairKey(from, to);
    let pair = pairs.get(key);
    if (!pair) {
      pair = { from, to, contexts: new Set(), counts: emptyCounts(), runIds: new Set() };
      pairs.set(key, pair);
    }
    return pair;
  };
  for (const vote of votes) {
    const pair = get(vote.fromId, vote.toId);
    pair.contexts.add(vote.contextId);
    pair.runIds.add(vote.runId);
    pair.counts.impressions++;
    if (vote.relationship === 'upgrade') pair.counts.markedWiser++;
    else if (vote.relationship === 'no_upgrade') pair.counts.markedNotWiser++;
    else pair.counts.markedUnsure++;
  }
  for (const vote of votes) {
    const pair = get(vote.toId, vote.fromId);
    pair.contexts.add(vote.contextId);
    pair.runIds.add(vote.runId);
    pair.counts.impressions++;
    if (vote.relationship === 'upgrade') pair.counts.markedLessWise++;
  }
  const out = new Map<string, PairTally>();
  for (const [key, p] of pairs) {
    out.set(key, { from: p.from, to: p.to, contexts: [...p.contexts], counts: p.counts, runIds: [...p.runIds] });
  }
  return out;
}

/** The same tally done separately inside each context: context → pair key → tally. */
export function tallyByContext(votes: readonly EdgeVote[]): Map<string, Map<string, PairTally>> {
  const groups = new Map<string, EdgeVote[]>();
  for (const vote of votes) {
    const group = groups.get(vote.contextId);
    if (group) group.push(vote);
    else groups.set(vote.contextId, [vote]);
  }
  const out = new Map<string, Map<string, PairTally>>();
  for (const [context, group] of groups) out.set(context, tallyPairs(group));
  return out;
}

/** Facts about a vote set for provenance: counts only, never ids or text. */
export function voteFacts(votes: readonly EdgeVote[]): {
  voteCount: number;
  voterCount: number;
  firstVoteAt?: string;
  lastVoteAt?: string;
  runIds: string[];
} {
  let first: EdgeVote | undefined;
  let last: EdgeVote | undefined;
  for (const v of votes) {
    if (!first || Date.parse(v.createdAt) < Date.parse(first.createdAt)) first = v;
    if (!last || Date.parse(v.createdAt) > Date.parse(last.createdAt)) last = v;
  }
  const runIds = [...new Set(votes.map((v) => v.runId))].sort();
  return {
    voteCount: votes.length,
    voterCount: new Set(votes.map((v) => String(v.userId))).size,
    ...(first ? { firstVoteAt: first.createdAt } : {}),
    ...(last ? { lastVoteAt: last.createdAt } : {}),
    runIds,
  };
}
