/**
 * The results of a stored VILMO run: every arm on the same test prompts (EVR, MVP, APV per the bench's
 * definitions, overall and per foundation, each with N and a 95% bootstrap CI over prompts), the paired
 * differences of every arm against `none` (CI over prompts, a sign-flip randomisation p-value, Holm's
 * correction over the whole family of comparisons), the training curve and the APE choice.
 */
import { benchMetrics, type MetricSet, type PromptScores } from '../../bench/metrics.ts';
import type { BootstrapOptions } from '../../judges/metrics.ts';
import type { RunStatus, Store } from '../../store/index.ts';
import { holm, meanEstimate, pairedDifference, signFlipP, type Estimate } from '../stats.ts';
import { vilmoRunConfigOf, type VilmoMethod, type VilmoRunConfig } from './config.ts';
import { readStoredRun, storedSplit, VILMO_TASKS, type StoredRun } from './stored.ts';
import { apeScores, bestApe, selectRound, validationCurve, type ApeScore, type ValidationPoint } from './train.ts';
import type { PromptTask } from '../../runtime/sample-stage.ts';
import { qualityResults, type QualityResults } from './quality.ts';

/** Family-wise level the `significant` flag uses (after Holm's correction). */
export const ALPHA = 0.05;
export const PAIRED_METRICS = ['evr', 'mvp', 'apv'] as const;
export type PairedMetric = (typeof PAIRED_METRICS)[number];

export interface VilmoArm extends MetricSet {
  per_foundation: Record<string, MetricSet>;
  /** Mean conformity (1 − violation) over prompts, each the mean over its samples. */
  conformity: Estimate;
}

export interface PairedResult {
  a: VilmoMethod;
  b: VilmoMethod;
  metric: PairedMetric;
  /** Mean over test prompts of b − a (negative: b violates less). */
  difference: number | null;
  ci: [number | null, number | null];
  n: number;
  /** Two-sided sign-flip randomisation p-value (uncorrected). */
  p: number;
  /** Holm-adjusted over every (method, metric) comparison in this run. */
  p_holm: number;
  significant: boolean;
}

export interface VilmoResults {
  run: string;
  status: RunStatus;
  target: string;
  generator: string;
  judge: { id: string; version: string };
  prompts: { source: string; count: number };
  split: { train: number; val: number; test: number; fractions: [number, number, number] };
  samples: number;
  candidates: number;
  rounds: number;
  tau: number;
  methods: Partial<Record<VilmoMethod, VilmoArm>>;
  paired: PairedResult[];
  correction: { method: 'holm'; alpha: number; family: number; test: 'paired sign-flip randomisation' };
  training?: { curve: ValidationPoint[]; selected_round: number | null };
  ape?: { chosen: ApeScore | null; candidates: ApeScore[] };
  /** Quality cost: Self-BLEU always; perplexity and ratings when measured (`--reference`, `--quality-judge`). */
  quality: QualityResults;
  totals: { calls: number; cached_calls: number; input_tokens: number; output_tokens: number; cost_usd: number };
}

/** Each arm's scores per test prompt (ordered by prompt id), from the `vilmo-eval` tasks. */
export function armScores(stored: StoredRun, config: Pick<VilmoRunConfig, 'methods'>, test: readonly PromptTask[]): Map<VilmoMethod, PromptScores[]> {
  const byArm = new Map<VilmoMethod, Map<string, PromptScores>>();
  for (const m of config.methods) {
    byArm.set(m, new Map(test.map((p) => [p.id, { id: p.id, ...(p.foundation ? { foundation: p.foundation } : {}), scores: [], unscored: 0 } satisfies PromptScores])));
  }
  for (const t of stored.list(VILMO_TASKS.eval)) {
    const entry = t.task.method ? byArm.get(t.task.method)?.get(t.task.base) : undefined;
    if (!entry) continue;
    for (const s of t.samples) {
      if (s.violation === null) entry.unscored = (entry.unscored ?? 0) + 1;
      else entry.scores.push(s.violation);
    }
  }
  return new Map([...byArm].map(([m, scores]) => [m, [...scores.values()]]));
}

function perPrompt(p: PromptScores, metric: PairedMetric | 'conformity', tau: number): number {
  const max = Math.max(...p.scores);
  if (metric === 'evr') return max > tau ? 1 : 0;
  if (metric === 'mvp') return max;
  if (metric === 'apv') return p.scores.filter((x) => x > tau).length / p.scores.length;
  return 1 - p.scores.reduce((a, b) => a + b, 0) / p.scores.length;
}

export async function loadVilmoResults(store: Store, runId: string, options: BootstrapOptions & { reference?: string; rater?: string } = {}): Promise<VilmoResults> {
  const { run, config } = await vilmoRunConfigOf(store, runId);
  const latest = (await store.runs.get(runId)) ?? run;
  const boot: BootstrapOptions = { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const stored = await readStoredRun(store, runId, config);
  const split = storedSplit(stored);
  const scores = armScores(stored, config, split.test);
  const methods: Partial<Record<VilmoMethod, VilmoArm>> = {};
  for (const [m, s] of scores) {
    const metrics = benchMetrics(s, { k: config.samples, tau: config.tau, ...boot }).metrics;
    const scored = s.filter((p) => p.scores.length > 0);
    methods[m] = { ...metrics.overall, per_foundation: metrics.per_foundation, conformity: meanEstimate(scored.map((p) => perPrompt(p, 'conformity', config.tau)), boot) };
  }
  const base = scores.get('none') ?? [];
  const raw: Omit<PairedResult, 'p_holm' | 'significant'>[] = [];
  for (const [m, s] of scores) {
    if (m === 'none') continue;
    const both = s.map((p, i) => [base[i]!, p] as const).filter(([a, b]) => a && a.scores.length > 0 && b.scores.length > 0);
    for (const metric of PAIRED_METRICS) {
      const a = both.map(([x]) => perPrompt(x, metric, config.tau));
      const b = both.map(([, y]) => perPrompt(y, metric, config.tau));
      const d = pairedDifference(a, b, boot);
      raw.push({ a: 'none', b: m, metric, difference: d.mean, ci: d.ci, n: d.n, p: signFlipP(a.map((x, i) => b[i]! - x), { seed: boot.seed ?? 1 }) });
    }
  }
  const adjusted = holm(raw.map((r) => r.p));
  const paired = raw.map((r, i) => ({ ...r, p_holm: adjusted[i]!, significant: adjusted[i]! < ALPHA }));
  let training: VilmoResults['training'];
  if (config.methods.includes('vilmo')) {
    const curve = validationCurve(stored, split.val, split.train, { rounds: config.rounds, candidates: config.candidates, ...boot });
    training = { curve, selected_round: curve.length === config.rounds + 1 ? selectRound(curve) : null };
  }
  let ape: VilmoResults['ape'];
  if (config.methods.includes('ape')) ape = { chosen: bestApe(stored, split.train) ?? null, candidates: apeScores(stored, split.train) };
  const t = latest.totals;
  return {
    run: run.id,
    status: latest.status,
    target: config.target.spec,
    generator: config.generator.spec,
    judge: { id: config.judge.id, version: config.judge.version },
    prompts: { source: config.prompts.source, count: config.prompts.count },
    split: { train: split.train.length, val: split.val.length, test: split.test.length, fractions: config.split },
    samples: config.samples,
    candidates: config.candidates,
    rounds: config.rounds,
    tau: config.tau,
    methods,
    paired,
    correction: { method: 'holm', alpha: ALPHA, family: paired.length, test: 'paired sign-flip randomisation' },
    ...(training ? { training } : {}),
    ...(ape ? { ape } : {}),
    quality: await qualityResults(store, runId, stored, config, { ...boot, ...(options.reference ? { reference: options.reference } : {}), ...(options.rater ? { rater: options.rater } : {}) }),
    totals: { calls: t.calls, cached_calls: t.cachedCalls, input_tokens: t.inputTokens, output_tokens: t.outputTokens, cost_usd: t.costUsd },
  };
}

