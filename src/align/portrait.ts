/**
 * Scoring portrait questionnaires (the ESS Human Values Scale, PVQ-style items, tenet's own questionnaire)
 * the standard Schwartz way: each person's ratings are centred on that person's own mean over all items
 * answered (removing how much someone agrees with everything), then averaged per value.
 *
 *   centred_v(person) = mean(rating of v's items) − mean(rating of all items answered)
 *
 * Ratings are oriented so that higher means "more like me". On a scale of width w = max − min, a centred
 * score lies in (−w, w), so dividing by w maps it into [−1, 1]: the "range" rescaling.
 */
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../values/schwartz.ts';

export interface PortraitItem {
  /** Stable id (an ESS variable name such as ipcrtiv, or q01). */
  id: string;
  value: SchwartzValueId;
  text: string;
}

/** One person's centred per-value scores (null: no item of that value answered), or undefined when too few items were answered. */
export function centredScores(
  ratings: ReadonlyMap<string, number>,
  items: readonly PortraitItem[],
  options: { maxMissing?: number } = {},
): (number | null)[] | undefined {
  const answered = items.filter((i) => ratings.has(i.id));
  if (answered.length === 0 || items.length - answered.length > (options.maxMissing ?? Number.POSITIVE_INFINITY)) return undefined;
  const personMean = answered.reduce((s, i) => s + ratings.get(i.id)!, 0) / answered.length;
  return SCHWARTZ_VALUE_IDS.map((v) => {
    const own = answered.filter((i) => i.value === v);
    if (own.length === 0) return null;
    return own.reduce((s, i) => s + ratings.get(i.id)!, 0) / own.length - personMean;
  });
}

export type Rescale = 'range' | 'max';

/** Map centred means into [−1, 1]: divide by the scale width (`range`), or by the largest |mean| (`max`, so the strongest value is ±1). */
export function rescale(means: readonly number[], scaleWidth: number, how: Rescale): number[] {
  const by = how === 'range' ? scaleWidth : Math.max(...means.map(Math.abs));
  return means.map((m) => (by > 0 ? Math.max(-1, Math.min(1, m / by)) : 0));
}

/** Weighted mean per value over people (a person without a score for a value is left out of that value's mean). */
export function weightedValueMeans(people: readonly { scores: readonly (number | null)[]; weight: number }[]): { means: number[]; n: number[] } {
  const sum = Array<number>(10).fill(0);
  const wsum = Array<number>(10).fill(0);
  const n = Array<number>(10).fill(0);
  for (const p of people) {
    p.scores.forEach((s, k) => {
      if (s === null) return;
      sum[k]! += p.weight * s;
      wsum[k]! += p.weight;
      n[k]!++;
    });
  }
  return { means: sum.map((s, k) => (wsum[k]! > 0 ? s / wsum[k]! : 0)), n };
}
