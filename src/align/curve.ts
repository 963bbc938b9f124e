/**
 * The best-of-n curve from N samples per prompt, with no new calls: for n = 1, 2, 4, …, N, the exact
 * expectation over the n-subsets of a prompt's N samples (drawn without replacement) of the score of the
 * subset's proxy-argmax. Rank the samples by proxy score ascending (ties: a lower index ranks higher, as the
 * best-of-N pick keeps the lowest index); the argmax of a random n-subset is the i-th ranked sample with
 * probability C(i−1, n−1) / C(N, n), so
 *
 *   E[score of the best of n] = Σ_i C(i−1, n−1) / C(N, n) · score_(i)
 *
 * for any score (the proxy itself, or a held-out judge's). n = 1 is the mean of the N samples; n = N is the
 * best-of-N pick. Proxy values rise with n by construction; the held-out values show whether that gain is real.
 */

/** The n of the curve: 1, 2, 4, … below N, and N itself. */
export function curveSizes(n: number): number[] {
  const sizes: number[] = [];
  for (let k = 1; k < n; k *= 2) sizes.push(k);
  if (n >= 1) sizes.push(n);
  return sizes;
}

/** Weights w_i = C(i−1, n−1) / C(m, n), i = 1…m (ascending rank), computed without large binomials. */
export function bestOfWeights(m: number, n: number): number[] {
  if (!Number.isInteger(n) || n < 1 || n > m) throw new RangeError(`best of ${n} needs 1 ≤ n ≤ ${m}`);
  const w = new Array<number>(m).fill(0);
  // the top-ranked sample is in the subset with probability n/m; w_{i−1} = w_i · (i − n)/(i − 1)
  w[m - 1] = n / m;
  for (let i = m; i > n; i--) w[i - 2] = w[i - 1]! * (i - n) / (i - 1);
  return w;
}

/** A sample's proxy score, its index (for ties) and the scores to average (e.g. proxy and held-out reward). */
export interface CurveSample {
  index: number;
  proxy: number;
  scores: readonly number[];
}

/**
 * The expected scores of the proxy-argmax of a random n-subset of `samples` (one value per entry of `scores`).
 * Null when the prompt has fewer than n samples.
 */
export function expectedBestOf(samples: readonly CurveSample[], n: number): number[] | null {
  const m = samples.length;
  if (m < n || m === 0) return null;
  const ranked = [...samples].sort((a, b) => a.proxy - b.proxy || b.index - a.index);
  const w = bestOfWeights(m, n);
  const out = new Array<number>(ranked[0]!.scores.length).fill(0);
  ranked.forEach((s, i) => s.scores.forEach((x, k) => { out[k]! += w[i]! * x; }));
  return out;
}
