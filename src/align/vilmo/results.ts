/**
 * The results of a stored VILMO run: every arm on the same test prompts, scored by the report judge (EVR,
 * MVP, APV per the bench's definitions, overall and per foundation, each with N and a 95% CI (its method named: Wilson for EVR, BCa for MVP and APV) over
 * prompts), the paired comparisons of `vilmo` against every other arm (paired.ts: the declared primary
 * metric's comparisons one Holm family, the others secondary), the training curve and the APE choice (both
 * by the select judge).
 */
import { benchMetrics, type MetricSet, type PromptScores } from '../../bench/metrics.ts';
import type { BootstrapOptions } from '../../judges/metrics.ts';
import type { RunStatus, Store } from '../../store/index.ts';
import { goodhartText } from '../../judges/goodhart.ts';
import { sameJudge } from '../../judges/ids.ts';
import { meanEstimate, type Estimate } from '../stats.ts';
import { splitPrinciples, vilmoRunConfigOf, type PairedMetric, type VilmoMethod, type VilmoRunConfig } from './config.ts';
import { pairedResults, perPrompt, type Correction, type PairedResult } from './paired.ts';
import { readStoredRun, storedSplit, VILMO_TASKS, type StoredRun } from './stored.ts';
import { apeScores, bestApe, selectRound, validationCurve, type ApeScore, type ValidationPoint } from './train.ts';
import type { PromptTask } from '../../runtime/sample-stage.ts';
import { qualityResults, type QualityResults } from './quality.ts';

export { ALPHA, type PairedResult } from './paired.ts';

export interface VilmoArm extends MetricSet {
  per_foundation: Record<string, MetricSet>;
  /** Mean conformity (1 − violation) over prompts, each the mean over its samples. */
  conformity: Estimate;
}

export interface VilmoResults {
  run: string;
  status: RunStatus;
  target: string;
  generator: string;
  /** The report judge: scores every arm on the test prompts. */
  judge: { id: string; version: string };
  /** The select judge: what training optimised (candidates, validation, APE). */
  select_judge: { id: string; version: string };
  /** The metric declared before the run: its comparisons are the Holm family. */
  primary: PairedMetric;
  prompts: { source: string; count: number };
  /** Part sizes, and the principle ids in each part (a principle is never in two). */
  split: { train: number; val: number; test: number; fractions: [number, number, number]; principles: { train: string[]; validation: string[]; test: string[] } };
  samples: number;
  candidates: number;
  rounds: number;
  tau: number;
  methods: Partial<Record<VilmoMethod, VilmoArm>>;
  paired: PairedResult[];
  correction: Correction;
  /** E.g. the Goodhart warning when one judge both trained VILMO and APE and scored the arms. */
  warnings: string[];
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
    methods[m] = { ...metrics.overall, per_foundation: metrics.per_foundation, conformity: meanEstimate(scored.map((p) => perPrompt(p, 'conformity', config.tau)), { ...boot, range: [0, 1] }) };
  }
  const { paired, correction } = pairedResults(scores, config, boot);
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
    select_judge: { id: config.selectJudge.id, version: config.selectJudge.version },
    primary: config.primary,
    prompts: { source: config.prompts.source, count: config.prompts.count },
    split: { train: split.train.length, val: split.val.length, test: split.test.length, fractions: config.split, principles: splitPrinciples(split) },
    samples: config.samples,
    candidates: config.candidates,
    rounds: config.rounds,
    tau: config.tau,
    methods,
    paired,
    correction,
    warnings: vilmoWarnings(config),
    ...(training ? { training } : {}),
    ...(ape ? { ape } : {}),
    quality: await qualityResults(store, runId, stored, config, { ...boot, ...(options.reference ? { reference: options.reference } : {}), ...(options.rater ? { rater: options.rater } : {}) }),
    totals: { calls: t.calls, cached_calls: t.cachedCalls, input_tokens: t.inputTokens, output_tokens: t.outputTokens, cost_usd: t.costUsd },
  };
}


/** The Goodhart warning when one judge both selected (trained VILMO and APE) and scored the test arms. */
export function vilmoWarnings(config: Pick<VilmoRunConfig, 'judge' | 'selectJudge' | 'methods'>): string[] {
  if (!sameJudge(config.judge, config.selectJudge) || !config.methods.some((m) => m === 'vilmo' || m === 'ape')) return [];
  return [goodhartText(config.judge, 'trains VILMO and APE', 'their instructions', 'its test scores of those arms')];
}
