/**
 * The improved aggregation (research/moral-graph.md §7b): one Beta-binomial judgement per ordered pair
 * and context, instead of the study's pooled counts and magic thresholds.
 *
 * For the ordered pair a → b in context c, θ is the chance that a voter who takes a side says b is wiser:
 * - successes: "yes, wiser" on a → b;
 * - failures: "no" on a → b, plus "yes, wiser" on the reverse story b → a;
 * - abstentions: "not sure" on the pair, either direction — they take no side, so they do not move θ;
 *   they are reported so a reader sees how contested a pair is;
 * - "no" on b → a says a is not wiser than b, which is not the same as b being wiser (the two may be
 *   incomparable), so it counts only against b → a.
 * Posterior Beta(α₀ + successes, β₀ + failures); equal-tailed credible interval of mass `credibleMass`.
 * Verdict "wiser" (edge kept) when the interval's lower end is above `threshold`, "not_wiser" when its
 * upper end is below, else "uncertain". With Beta(1,1), 95 % and 0.5 a kept edge needs at least five
 * unanimous decisive votes; a tie (successes = failures) is never kept either way.
 * Each voter counts once per unordered pair and context (their latest vote).
 */
import { betaQuantile } from './beta.ts';
import { pairKey, tallyByContext, tallyPairs } from './tally.ts';
import type { ContextStats, EdgeCounts, EdgeVote, ImprovedParams, Posterior, TenetEdge, Verdict } from './types.ts';

export const IMPROVED_PARAMS: Readonly<ImprovedParams> = Object.freeze({
  priorAlpha: 1,
  priorBeta: 1,
  credibleMass: 0.95,
  threshold: 0.5,
});

export function posteriorOf(successes: number, failures: number, params: ImprovedParams = IMPROVED_PARAMS): Posterior {
  const alpha = params.priorAlpha + successes;
  const beta = params.priorBeta + failures;
  const tail = (1 - params.credibleMass) / 2;
  return {
    alpha,
    beta,
    mean: alpha / (alpha + beta),
    lower: betaQuantile(tail, alpha, beta),
    upper: betaQuantile(1 - tail, alpha, beta),
  };
}

export function verdictOf(posterior: Posterior, threshold: number): Verdict {
  if (posterior.lower > threshold) return 'wiser';
  if (posterior.upper < threshold) return 'not_wiser';
  return 'uncertain';
}

/** Judge a → b in one context from its counts and the reverse pair's "not sure" count. */
export function judgeContext(
  context: string,
  counts: EdgeCounts,
  reverseUnsure: number,
  params: ImprovedParams = IMPROVED_PARAMS,
): ContextStats {
  const successes = counts.markedWiser;
  const failures = counts.markedNotWiser + counts.markedLessWise;
  const posterior = posteriorOf(successes, failures, params);
  const verdict = verdictOf(posterior, params.threshold);
  return {
    context,
    counts,
    successes,
    failures,
    abstentions: counts.markedUnsure + reverseUnsure,
    posterior,
    verdict,
    weight: verdict === 'wiser' ? 2 * posterior.mean - 1 : 0,
  };
}

/** Keep each voter's latest vote per unordered pair and context (ties: the later one in the input). */
export function dedupeVotes(votes: readonly EdgeVote[]): { votes: EdgeVote[]; dropped: number } {
  const latest = new Map<string, number>();
  votes.forEach((v, i) => {
    const [lo, hi] = v.fromId < v.toId ? [v.fromId, v.toId] : [v.toId, v.fromId];
    const key = JSON.stringify([String(v.userId), lo, hi, v.contextId]);
    const seen = latest.get(key);
    if (seen === undefined || Date.parse(v.createdAt) >= Date.parse((votes[seen] as EdgeVote).createdAt)) latest.set(key, i);
  });
  const keep = new Set(latest.values());
  return { votes: votes.filter((_, i) => keep.has(i)), dropped: votes.length - keep.size };
}

export interface ImprovedAggregation {
  /** Ordered pairs judged "wiser" in at least one context, sorted by (from, to). */
  kept: TenetEdge[];
  /** Every ordered pair seen, sorted by (from, to). */
  all: TenetEdge[];
  duplicatesDropped: number;
}

function compareIds(a: TenetEdge, b: TenetEdge): number {
  return a.from - b.from || a.to - b.to;
}

export function aggregateImproved(votes: readonly EdgeVote[], params: ImprovedParams = IMPROVED_PARAMS): ImprovedAggregation {
  const { votes: unique, dropped } = dedupeVotes(votes);
  const pooled = tallyPairs(unique);
  const perContext = new Map<string, ContextStats[]>();
  for (const [context, tallies] of tallyByContext(unique)) {
    for (const [key, t] of tallies) {
      const reverse = tallies.get(pairKey(t.to, t.from));
      const stats = judgeContext(context, t.counts, reverse ? reverse.counts.markedUnsure : 0, params);
      const list = perContext.get(key);
      if (list) list.push(stats);
      else perContext.set(key, [stats]);
    }
  }
  const all: TenetEdge[] = [];
  for (const [key, t] of pooled) {
    const byContext = (perContext.get(key) ?? []).sort((a, b) => (a.context < b.context ? -1 : a.context > b.context ? 1 : 0));
    const keptHere = byContext.filter((s) => s.verdict === 'wiser');
    all.push({
      from: t.from,
      to: t.to,
      weight: keptHere.reduce((sum, s) => sum + (s.weight ?? 0), 0),
      contexts: keptHere.map((s) => s.context),
      counts: t.counts,
      byContext,
      runIds: t.runIds,
    });
  }
  all.sort(compareIds);
  return { kept: all.filter((e) => e.contexts.length > 0), all, duplicatesDropped: dropped };
}
