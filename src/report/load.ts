/**
 * `loadReportData(store, runId)`: everything a report shows, read from a stored bench or probe run.
 *
 *  - bench runs: metrics and value profiles from `loadBenchResults` (src/bench), the worst examples from the
 *    run's samples and the judgments of the run's judge;
 *  - probe runs: the trajectories from `readProbeRun` (src/probe), the target's metrics over each
 *    principle's final prompt (`benchMetrics`), and the worst examples among the samples of the prompts the
 *    trajectory kept.
 */
import { violationCaveat } from '../judges/factory.ts';
import { formatFailureCounts } from '../runtime/failures.ts';
import { BENCH_RUN_KIND, BENCH_TASK_KIND, benchMetrics, DEFAULT_TAU, loadBenchResults, type BenchRunConfig, type PromptScores } from '../bench/index.ts';
import { TenetError } from '../errors.ts';
import type { SchwartzVector } from '../judges/types.ts';
import { ALIGN_RUN_KIND, loadAlignResults, type AlignRunConfig } from '../align/bon.ts';
import { alignReport } from './align.ts';
import { PROBE_RUN_KIND, probeTrajectories, readProbeRun, type ProbeRunConfig } from '../probe/index.ts';
import type { PromptTask } from '../runtime/sample-stage.ts';
import type { Judgment, Run, Sample, Store } from '../store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import type { ModelReport, ProbePrinciple, ReportData, WorstExample } from './data.ts';

export interface LoadReportOptions {
  /** Worst examples kept per foundation and model (default 3). */
  worstPerGroup?: number;
  /** Bootstrap resamples for the CIs (default 1000) and its seed. */
  b?: number;
  seed?: number;
  /** Replaces the default title. */
  title?: string;
}

/** The run kinds a report can be made of. */
export const REPORT_RUN_KINDS = [BENCH_RUN_KIND, PROBE_RUN_KIND, ALIGN_RUN_KIND] as const;

/** Read a run for its report, or fail with NOT_FOUND naming some runs that do exist. */
export async function findReportRun(store: Store, runId: string): Promise<Run> {
  const run = await store.runs.get(runId);
  if (run) {
    if (!(REPORT_RUN_KINDS as readonly string[]).includes(run.kind)) {
      throw new TenetError('BAD_USAGE', `run ${runId} is a ${run.kind} run; reports cover ${REPORT_RUN_KINDS.join(' and ')} runs`, {
        hint: 'pass the id of a run made by `tenet bench`, `tenet probe` or `tenet align bon`',
      });
    }
    return run;
  }
  const recent = (await store.runs.list({ limit: 20 })).filter((r) => (REPORT_RUN_KINDS as readonly string[]).includes(r.kind)).slice(0, 5);
  const where = store.describe().location;
  throw new TenetError('NOT_FOUND', `no run ${runId} in ${where}`, {
    hint:
      recent.length > 0
        ? `recent bench and probe runs here: ${recent.map((r) => `${r.id} (${r.kind}, ${r.createdAt.slice(0, 10)})`).join(', ')}; or check --db`
        : 'this store has no bench or probe runs: run `tenet bench` or `tenet probe` first, or point --db (or TENET_DB) at the store that has them',
  });
}

/** Build a report's data from a stored run. */
export async function loadReportData(store: Store, runId: string, options: LoadReportOptions = {}): Promise<ReportData> {
  const run = await findReportRun(store, runId);
  if (run.kind === ALIGN_RUN_KIND) return loadAlign(store, run, options);
  return run.kind === PROBE_RUN_KIND ? loadProbe(store, run, options) : loadBench(store, run, options);
}

// ---- shared ------------------------------------------------------------------------------------------

function isVector(x: unknown): x is SchwartzVector {
  if (typeof x !== 'object' || x === null) return false;
  return SCHWARTZ_VALUE_IDS.every((id) => typeof (x as Record<string, unknown>)[id] === 'number');
}

interface JudgedResult {
  violation?: number;
  values?: SchwartzVector;
  rationale?: string;
}

/** The judgments of one judge version, by sample id. */
function judgmentsBySample(judgments: readonly Judgment[], judge: { id: string; version: string } | undefined): Map<string, JudgedResult> {
  const out = new Map<string, JudgedResult>();
  for (const j of judgments) {
    if (judge && (j.judgeId !== judge.id || j.judgeVersion !== judge.version)) continue;
    const r = j.result as Record<string, unknown> | null;
    if (!r || typeof r !== 'object') continue;
    out.set(j.sampleId, {
      ...(typeof r.violation === 'number' && Number.isFinite(r.violation) ? { violation: r.violation } : {}),
      ...(isVector(r.values) ? { values: r.values } : {}),
      ...(typeof r.rationale === 'string' && r.rationale.trim() !== '' ? { rationale: r.rationale } : {}),
    });
  }
  return out;
}

/** A worst-example candidate: `key` names its prompt (one example per prompt, foundation and model). */
export interface WorstCandidate extends WorstExample {
  key: string;
}

/** The highest-scored violating examples: per foundation and model, at most `perGroup`, one per prompt. */
export function pickWorst(candidates: readonly WorstCandidate[], tau: number, perGroup: number): WorstExample[] {
  const groups = new Map<string, WorstCandidate[]>();
  for (const c of candidates) {
    if (!(c.score > tau)) continue;
    const g = `${c.foundation}\u0000${c.model}`;
    const list = groups.get(g) ?? [];
    list.push(c);
    groups.set(g, list);
  }
  const out: WorstExample[] = [];
  for (const list of groups.values()) {
    list.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key));
    const seen = new Set<string>();
    for (const c of list) {
      if (seen.has(c.key)) continue;
      seen.add(c.key);
      const { key: _key, ...example } = c;
      out.push(example);
      if (seen.size >= perGroup) break;
    }
  }
  return out;
}

function mean(xs: readonly number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

// ---- bench -------------------------------------------------------------------------------------------

async function loadBench(store: Store, run: Run, options: LoadReportOptions): Promise<ReportData> {
  const results = await loadBenchResults(store, run.id, { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const config = run.config as BenchRunConfig;
  const tau = results.tau ?? DEFAULT_TAU;
  const tasks = (await store.tasks.listByRun(run.id)).filter((t) => t.kind === BENCH_TASK_KIND);
  const taskById = new Map(tasks.map((t) => [t.id, t.input as PromptTask]));
  const judged = judgmentsBySample(await store.judgments.listByRun(run.id), results.judge);
  const samples = await store.samples.listByRun(run.id);
  const candidates: WorstCandidate[] = [];
  let failed = 0;
  for (const s of samples) {
    if (s.error) {
      failed++;
      continue;
    }
    const task = taskById.get(s.taskId);
    const score = judged.get(s.id)?.violation;
    if (!task || score === undefined) continue;
    candidates.push(candidate(s, task, score, judged.get(s.id)?.rationale));
  }
  const models: ModelReport[] = results.models.map((m) => ({ model: m.model, metrics: m.metrics, ...(m.values ? { values: m.values } : {}) }));
  const notes = [
    `Judge: ${results.judge.id} (version ${results.judge.version}); a completion counts as violating when its score is above τ = ${tau}.`,
    `Prompts: ${results.prompts.source} (${results.prompts.count} prompts), K = ${results.samples} completions per prompt and model.`,
    '95% confidence intervals: percentile bootstrap over prompts (the unit the K completions hang on).',
  ];
  if (run.status !== 'done') notes.push(`The run is ${run.status}: these numbers cover the samples stored so far (rerun the same bench command, or --resume ${run.id}, to complete it).`);
  const missing = Math.max(0, ...models.map((m) => m.metrics.overall.missing ?? 0));
  if (missing > 0) notes.push(`${missing} prompt${missing === 1 ? ' has' : 's have'} no judged completion for at least one model and ${missing === 1 ? 'is' : 'are'} left out of that model's N.`);
  const short = models.filter((m) => m.metrics.overall.k_min !== undefined && m.metrics.overall.n > 0 && m.metrics.overall.k_min < m.metrics.overall.k);
  if (short.length > 0) notes.push(`Some prompts have fewer than K judged completions (${short.map((m) => `${m.model}: at least ${m.metrics.overall.k_min}`).join('; ')}), so EVR and MVP had fewer chances to catch a violation there.`);
  if (failed > 0) notes.push(`${failed} model call${failed === 1 ? '' : 's'} failed and ${failed === 1 ? 'is' : 'are'} not counted.`);
  const unscored = models.map((m) => [m.model, m.metrics.overall.unscored ?? 0] as const).filter(([, n]) => n > 0);
  if (unscored.length > 0) notes.push(`The judge gave no violation score for some samples (${unscored.map(([m, n]) => `${m}: ${n}`).join('; ')}); they are left out of every metric, not counted as 0.`);
  const failedUnits = results.failureCauses.reduce((n, c) => n + c.units, 0);
  if (failedUnits > 0) {
    notes.push(`${failedUnits} prompt × model unit${failedUnits === 1 ? '' : 's'} failed after retries in the run's last invocation and ${failedUnits === 1 ? 'is' : 'are'} missing from the metrics. Causes:`);
    for (const line of formatFailureCounts(results.failureCauses)) notes.push(line);
  }
  return {
    title: options.title ?? (run.name.trim() !== '' ? `Benchmark: ${run.name}` : `Benchmark run ${run.id}`),
    run: { id: run.id, kind: 'bench', createdAt: run.createdAt, status: run.status, config: config ?? null, totals: { ...run.totals } },
    models,
    worst: pickWorst(candidates, tau, options.worstPerGroup ?? 3),
    notes,
    ...judgeCaveats(results.judge),
  };
}

/** The caveat the CLI prints about the run's judge, for the report's top (the same words). */
function judgeCaveats(judge: { id: string; version: string }): { caveats?: string[] } {
  const caveat = violationCaveat(judge);
  return caveat ? { caveats: [caveat.charAt(0).toUpperCase() + caveat.slice(1)] } : {};
}

function candidate(s: Sample, task: PromptTask, score: number, rationale: string | undefined): WorstCandidate {
  return {
    key: s.taskId,
    foundation: task.foundation ?? 'unlabelled',
    model: s.model,
    prompt: task.prompt,
    completion: s.text,
    score,
    ...(task.principle ? { principle: task.principle } : {}),
    promptId: task.id,
    sampleIndex: s.sampleIndex,
    ...(rationale ? { rationale } : {}),
  };
}

// ---- align (best-of-N) ------------------------------------------------------------------------------

async function loadAlign(store: Store, run: Run, options: LoadReportOptions): Promise<ReportData> {
  const r = await loadAlignResults(store, run.id, { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const config = run.config as AlignRunConfig;
  const notes = [
    `Best-of-${r.n}: ${r.model} sampled ${r.n} times per prompt (${r.prompts.source}); judge ${r.judge.id} (version ${r.judge.version}); target ${r.target.id} (${r.target.source}).`,
    'Reward = −BaseAlign distance: Σ_k |E_k − T_k| · 1[|E_k| > 0.3] · |T_k| (0 is best). 95% CIs: percentile bootstrap over prompts; the difference is paired.',
    `N = ${r.n_prompts} prompts with a judged first sample.`,
  ];
  if (r.n_prompts < r.prompts.count) notes.push(`${r.prompts.count - r.n_prompts} prompts have no judged first sample and are left out.`);
  if (run.status !== 'done') notes.push(`The run is ${run.status}: these numbers cover the samples stored so far (rerun the same align bon command, or --resume ${run.id}).`);
  return {
    title: options.title ?? (run.name.trim() !== '' ? `Alignment: ${run.name}` : `Alignment run ${run.id}`),
    run: { id: run.id, kind: 'align', createdAt: run.createdAt, status: run.status, config: config ?? null, totals: { ...run.totals } },
    models: [],
    worst: [],
    align: alignReport(r),
    notes,
  };
}

// ---- probe -------------------------------------------------------------------------------------------

async function loadProbe(store: Store, run: Run, options: LoadReportOptions): Promise<ReportData> {
  const result = await readProbeRun(store, run.id);
  const config: ProbeRunConfig = result.config;
  const tau = config.tau ?? DEFAULT_TAU;
  const judged = judgmentsBySample(await store.judgments.listByRun(run.id), config.judge);
  const sampleById = new Map((await store.samples.listByRun(run.id)).map((s) => [s.id, s]));

  const trajectories = probeTrajectories(result);
  const principles: ProbePrinciple[] = trajectories.principles.map((p) => ({
    ...p,
    iterations: p.iterations.map((it) => ({
      ...it,
      violationRate: Number.isFinite(it.violationRate) ? it.violationRate : null,
      violation: Number.isFinite(it.violation) ? it.violation : null,
    })),
  }));

  // The target's metrics over each principle's final prompt: N = principles reached, K = the samples there.
  const finals: PromptScores[] = [];
  const candidates: WorstCandidate[] = [];
  for (const p of result.principles) {
    const last = p.iterations.at(-1);
    if (last) {
      const values = last.samples.map((s) => judged.get(s.sampleId)?.values).filter(isVector);
      finals.push({ id: p.id, foundation: p.foundation, scores: last.samples.map((s) => s.violation), ...(values.length ? { values } : {}), ...(last.unscored ? { unscored: last.unscored } : {}) });
    }
    for (const r of p.iterations) {
      for (const scored of r.samples) {
        const s = sampleById.get(scored.sampleId);
        if (!s || s.error) continue;
        candidates.push({
          key: r.promptTaskId,
          foundation: p.foundation,
          model: config.target,
          prompt: r.prompt,
          completion: s.text,
          score: scored.violation,
          principle: p.principle,
          promptId: `${p.id} · iteration ${r.iteration}`,
          sampleIndex: s.sampleIndex,
          ...(judged.get(s.id)?.rationale ? { rationale: judged.get(s.id)!.rationale! } : {}),
        });
      }
    }
  }
  const models: ModelReport[] = [];
  if (finals.length > 0) {
    const scores = benchMetrics(finals, { k: config.samples, tau, ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
    models.push({ model: config.target, metrics: scores.metrics, ...(scores.values ? { values: scores.values } : {}) });
  }

  const stopped = new Map<string, number>();
  for (const p of result.principles) stopped.set(p.stopped, (stopped.get(p.stopped) ?? 0) + 1);
  const initial = mean(result.principles.map((p) => p.iterations[0]?.violationRate).filter((x): x is number => typeof x === 'number'));
  const final = mean(result.principles.map((p) => p.iterations.at(-1)?.violationRate).filter((x): x is number => typeof x === 'number'));
  const initialScore = mean(result.principles.map((p) => p.iterations[0]?.violation).filter((x): x is number => typeof x === 'number'));
  const finalScore = mean(result.principles.map((p) => p.iterations.at(-1)?.violation).filter((x): x is number => typeof x === 'number'));
  const unscored = result.principles.reduce((n, p) => n + (p.iterations.at(-1)?.unscored ?? 0), 0);
  const notes = [
    `Target ${config.target}; prompts written and rewritten by ${config.generator}; judge ${config.judge.id} (version ${config.judge.version}); candidates ranked by ${config.scoring === 'logprob' ? "the target's log-likelihood of the violating completions" : 'mean judged violation'}.`,
    `Up to T = ${config.iterations} iterations per principle, K = ${config.samples} completions per prompt, ${config.candidates} candidate rewrites per iteration; a completion violates when its score is above τ = ${tau}.`,
    `The summary metrics are the target's over each principle's final prompt (N = principles, a MoralPrompt-style set), with 95% bootstrap CIs over principles.`,
    `Trajectories: ${[...stopped].map(([k, v]) => `${v} ${k}`).join(', ')}.${initial !== null && final !== null && initialScore !== null && finalScore !== null ? ` Mean violation score (the judge's score averaged over K completions, the objective the probe raises) ${initialScore.toFixed(2)} at the seed, ${finalScore.toFixed(2)} at the end; violation rate (share of completions above τ) ${(initial * 100).toFixed(0)}% → ${(final * 100).toFixed(0)}%.` : ''}`,
  ];
  if (unscored > 0) notes.push(`${unscored} completion${unscored === 1 ? '' : 's'} of the final prompts got no violation score from the judge: left out of the scores, not counted as 0.`);
  if (run.status !== 'done') notes.push(`The run is ${run.status}: the trajectories cover the iterations stored so far.`);
  const { principles: listed, ...shownConfig } = config;
  return {
    title: options.title ?? `DeNEVIL probe of ${config.target}`,
    run: {
      id: run.id,
      kind: 'probe',
      createdAt: run.createdAt,
      status: run.status,
      config: { ...shownConfig, principles: `${listed.length} principles (listed in the trajectories)` },
      totals: { ...run.totals },
    },
    models,
    worst: pickWorst(candidates, tau, options.worstPerGroup ?? 3),
    probe: { target: trajectories.target, generator: trajectories.generator, principles },
    notes,
    ...judgeCaveats(config.judge),
  };
}
