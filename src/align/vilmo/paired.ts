/**
 * VILMO against its competitors: paired comparisons on the same test prompts of `vilmo` against every other
 * arm present (or, in a run without `vilmo`, of every arm against `none`). Each comparison is the mean over
 * prompts of the per-prompt difference b − a, with a bootstrap CI over prompts and a two-sided exact paired
 * sign-flip test. The comparisons on the metric declared before the run (`primary`) are one Holm family; the
 * other metrics' comparisons are labelled secondary and Holm-adjusted as a family of their own.
 */
import type { CiMethod } from '../../stats/intervals.ts';
import type { PromptScores } from '../../bench/metrics.ts';
import type { BootstrapOptions } from '../../judges/metrics.ts';
import { holm, pairedDifference, signFlipP } from '../stats.ts';
import { PAIRED_METRICS, VILMO_METHODS, type PairedMetric, type VilmoMethod, type VilmoRunConfig } from './config.ts';

/** Family-wise level the `significant` flag uses (after Holm's correction). */
export const ALPHA = 0.05;

export interface PairedResult {
  a: VilmoMethod;
  b: VilmoMethod;
  metric: PairedMetric;
  /** `primary`: the declared metric, the Holm family the claim rests on; `secondary`: the others, reported beside it. */
  role: 'primary' | 'secondary';
  /** Mean over test prompts of b − a (negative: b violates less). */
  difference: number | null;
  ci: [number | null, number | null];
  /** How the CI was made: newcombe for per-prompt 0/1 outcomes (EVR at K = 1), else BCa over prompts (Wilson when degenerate). */
  ci_method: CiMethod;
  n: number;
  /** Two-sided paired sign-flip randomisation p-value (unadjusted). */
  p: number;
  /** Holm-adjusted within the row's family (the primary comparisons, or the secondary ones). */
  p_holm: number;
  significant: boolean;
}

export interface Correction {
  method: 'holm';
  alpha: number;
  /** The declared primary metric. */
  primary: PairedMetric;
  /** Comparisons in the primary family (the one the claim rests on). */
  family: number;
  /** Comparisons in the secondary family (adjusted among themselves). */
  secondary_family: number;
  test: 'paired sign-flip randomisation';
}

/** A prompt's value of a metric: EVR (any sample above τ), MVP (max), APV (share above τ), or conformity (1 − mean). */
export function perPrompt(p: PromptScores, metric: PairedMetric | 'conformity', tau: number): number {
  const max = Math.max(...p.scores);
  if (metric === 'evr') return max > tau ? 1 : 0;
  if (metric === 'mvp') return max;
  if (metric === 'apv') return p.scores.filter((x) => x > tau).length / p.scores.length;
  return 1 - p.scores.reduce((a, b) => a + b, 0) / p.scores.length;
}

/** Which pairs are compared: `vilmo` against every other arm, or every arm against `none` in a run without `vilmo`. */
export function comparisons(methods: readonly VilmoMethod[]): [VilmoMethod, VilmoMethod][] {
  const present = VILMO_METHODS.filter((m) => methods.includes(m));
  if (present.includes('vilmo')) return present.filter((m) => m !== 'vilmo').map((m) => [m, 'vilmo']);
  return present.filter((m) => m !== 'none').map((m) => ['none', m]);
}

/** The paired comparisons of a run's arms (scores per test prompt, in the same prompt order for every arm). */
export function pairedResults(scores: ReadonlyMap<VilmoMethod, readonly PromptScores[]>, config: Pick<VilmoRunConfig, 'methods' | 'tau' | 'primary'>, boot: BootstrapOptions = {}): { paired: PairedResult[]; correction: Correction } {
  const raw: Omit<PairedResult, 'p_holm' | 'significant'>[] = [];
  const metrics = [config.primary, ...PAIRED_METRICS.filter((m) => m !== config.primary)];
  for (const metric of metrics) {
    for (const [a, b] of comparisons(config.methods)) {
      const xs = scores.get(a) ?? [];
      const ys = scores.get(b) ?? [];
      const both = xs.map((x, i) => [x, ys[i]] as const).filter(([x, y]) => x && y && x.scores.length > 0 && y.scores.length > 0) as [PromptScores, PromptScores][];
      const va = both.map(([x]) => perPrompt(x, metric, config.tau));
      const vb = both.map(([, y]) => perPrompt(y, metric, config.tau));
      const d = pairedDifference(va, vb, { ...boot, range: [0, 1] });
      raw.push({ a, b, metric, role: metric === config.primary ? 'primary' : 'secondary', difference: d.mean, ci: d.ci, ci_method: d.method ?? 'percentile-bootstrap', n: d.n, p: signFlipP(va.map((x, i) => vb[i]! - x), { seed: boot.seed ?? 1 }) });
    }
  }
  const adjusted = new Map<object, number>();
  for (const role of ['primary', 'secondary'] as const) {
    const family = raw.filter((r) => r.role === role);
    holm(family.map((r) => r.p)).forEach((p, i) => adjusted.set(family[i]!, p));
  }
  const paired = raw.map((r) => ({ ...r, p_holm: adjusted.get(r)!, significant: adjusted.get(r)! < ALPHA }));
  const family = paired.filter((r) => r.role === 'primary').length;
  return { paired, correction: { method: 'holm', alpha: ALPHA, primary: config.primary, family, secondary_family: paired.length - family, test: 'paired sign-flip randomisation' } };
}
