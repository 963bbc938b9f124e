/**
 * The statistics alignment results are reported with: means, paired differences and value profiles, each
 * with N and a 95% percentile bootstrap CI from the project's one bootstrap (judges/metrics.ts). The unit
 * resampled is the prompt: the samples of one prompt are not independent.
 */
import { bootstrap, type BootstrapOptions } from '../stats/bootstrap.ts';
import { boundedMeanInterval, newcombePaired, type CiMethod } from '../stats/intervals.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../values/schwartz.ts';

export interface Estimate {
  /** null when N = 0. */
  mean: number | null;
  ci: [number | null, number | null];
  n: number;
  /** How the CI was made, where it is not the percentile bootstrap. */
  method?: CiMethod;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/**
 * The mean of `xs` with a CI over its elements: the percentile bootstrap, or, given `range` (the values' bounds,
 * e.g. [0, 1] for a conformity), the BCa bootstrap with a Wilson fallback when every element is the same, so the
 * interval never collapses to a point; `method` names which.
 */
export function meanEstimate(xs: readonly number[], options: BootstrapOptions & { range?: [number, number] } = {}): Estimate {
  if (xs.length === 0) return { mean: null, ci: [null, null], n: 0 };
  const { range, ...boot } = options;
  const mean = (idx: Int32Array): number => {
    let s = 0;
    for (let i = 0; i < idx.length; i++) s += xs[idx[i]!]!;
    return s / idx.length;
  };
  if (range) {
    const r = boundedMeanInterval(xs.length, mean, { ...boot, range });
    return { mean: r.value, ci: [finiteOrNull(r.ci[0]), finiteOrNull(r.ci[1])], n: xs.length, method: r.method };
  }
  const r = bootstrap(xs.length, mean, boot);
  return { mean: r.value, ci: [finiteOrNull(r.ci[0]), finiteOrNull(r.ci[1])], n: xs.length };
}

/**
 * The mean paired difference b − a (same prompts) and how its CI was made: Newcombe's paired interval when both
 * are 0/1 outcomes (it never collapses to a point, even when every pair agrees), else a percentile bootstrap
 * resampling pairs; `range` (the values' bounds, e.g. [0, 1] for rates) turns the latter into the BCa bootstrap
 * with a Wilson fallback when every pair differs by the same amount.
 */
export function pairedDifference(a: readonly number[], b: readonly number[], options: BootstrapOptions & { range?: [number, number] } = {}): Estimate {
  const n = a.length;
  if (n > 0 && [...a, ...b].every((x) => x === 0 || x === 1)) {
    const r = newcombePaired(b, a, options.level);
    return { mean: r.value, ci: r.ci, n, method: r.method };
  }
  const { range, ...boot } = options;
  const d = a.map((x, i) => b[i]! - x);
  if (range) return meanEstimate(d, { ...boot, range: [range[0] - range[1], range[1] - range[0]] });
  return { ...meanEstimate(d, boot), method: 'percentile-bootstrap' };
}

export interface ProfileEstimate {
  samples: number;
  mean: Record<SchwartzValueId, number | null>;
  ci: Record<SchwartzValueId, [number | null, number | null]>;
}

/** Mean of each value over vectors (one per prompt), each with a CI over prompts. */
export function profileEstimate(vectors: readonly (readonly number[])[], options: BootstrapOptions = {}): ProfileEstimate {
  const mean = {} as ProfileEstimate['mean'];
  const ci = {} as ProfileEstimate['ci'];
  SCHWARTZ_VALUE_IDS.forEach((id, k) => {
    const e = meanEstimate(vectors.map((v) => v[k]!), options);
    mean[id] = e.mean;
    ci[id] = e.ci;
  });
  return { samples: vectors.length, mean, ci };
}

// the paired sign-flip test and Holm's correction live in src/stats (bench compare uses them too)
export { holm, signFlipP } from '../stats/pvalues.ts';
