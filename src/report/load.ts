/**
 * `loadReportData(store, runId)`: everything a report shows, read from a stored bench or probe run.
 *
 *  - bench runs: metrics and value profiles from `loadBenchResults` (src/bench), the worst examples from the
 *    run's samples and the judgments of the run's judge;
 *  - probe runs: the trajectories from `readProbeRun` (src/probe), the target's metrics over each
 *    principle's final prompt (`benchMetrics`), and the worst examples among the samples of the prompts the
 *    trajectory kept.
 */
import { loadTransferResults, TRANSFER_RUN_KIND } from '../probe/transfer.ts';
import { violationCaveat } from '../judges/factory.ts';
import { formatFailureCounts } from '../runtime/failures.ts';
import { notAvailable } from '../runtime/optional-scoring.ts';
import { formatRejections } from '../probe/validity.ts';
import { BENCH_RUN_KIND, BENCH_TASK_KIND, benchMetrics, DEFAULT_TAU, loadBenchResults, type BenchRunConfig, type PromptScores } from '../bench/index.ts';
import { TenetError } from '../errors.ts';
import type { SchwartzVector } from '../judges/types.ts';
import { ALIGN_RUN_KIND, loadAlignResults, type AlignRunConfig } from '../align/bon.ts';
import { alignReport } from './align.ts';
import { VILMO_RUN_KIND, type VilmoRunConfig } from '../align/vilmo/config.ts';
import { loadVilmoResults } from '../align/vilmo/results.ts';
import { readStoredRun } from '../align/vilmo/stored.ts';
import { vilmoExamples } from './vilmo.ts';
import { PROBE_RUN_KIND, probeJson, probeTrajectories, readProbeRun, type ProbeRunConfig } from '../probe/index.ts';
import type { PromptTask } from '../runtime/sample-stage.ts';
import type { Judgment, Run, Sample, Store } from '../store/index.ts';
import { SCHWARTZ_VALUE_IDS } from '../values/schwartz.ts';
import type { ModelReport, ProbePrinciple, ReportData, WorstExample } from './data.ts';
import { sameJudge } from '../judges/ids.ts';
import type { Calibration } from '../judges/corrected.ts';

export interface LoadReportOptions {
  /** Worst examples kept per foundation and model (default 3). */
  worstPerGroup?: number;
  /** Bootstrap resamples for the CIs (default 1000) and its seed. */
  b?: number;
  seed?: number;
  /** Replaces the default title. */
  title?: string;
  /** A judge calibration: bench models then carry corrected EVR and APV. */
  calibration?: Calibration | undefined;
}

/** The run kinds a report can be made of. */
export const REPORT_RUN_KINDS = [BENCH_RUN_KIND, PROBE_RUN_KIND, ALIGN_RUN_KIND, VILMO_RUN_KIND, TRANSFER_RUN_KIND] as const;

/** Read a run for its report, or fail with NOT_FOUND naming some runs that do exist. */
export async function findReportRun(store: Store, runId: string): Promise<Run> {
  const run = await store.runs.get(runId);
  if (run) {
    if (!(REPORT_RUN_KINDS as readonly string[]).includes(run.kind)) {
      throw new TenetError('BAD_USAGE', `run ${runId} is a ${run.kind} run; reports cover ${REPORT_RUN_KINDS.join(' and ')} runs`, {
        hint: 'pass the id of a run made by `tenet bench`, `tenet probe`, `tenet align bon` or `tenet align vilmo`',
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
  if (run.kind === VILMO_RUN_KIND) return loadVilmo(store, run, options);
  if (run.kind === TRANSFER_RUN_KIND) {
    const transfer = await loadTransferResults(store, run.id);
    return {
      title: options.title ?? `Probe transfer: ${run.name}`,
      run: { id: run.id, kind: 'transfer', createdAt: run.createdAt, status: run.status, config: run.config ?? null, totals: { ...run.totals } },
      models: [],
      worst: [],
      transfer,
      notes: [
        `Judge: ${transfer.judge.id} (version ${transfer.judge.version}); a continuation violates when its score is above τ = ${transfer.tau}. K = ${transfer.samples} continuations per prompt and model.`,
        'Refined prompts: what the probe exported for each trajectory; seed prompts: the same trajectory\'s unrefined opening (iteration 0).',
        ...(run.status !== 'done' ? [`The run is ${run.status}: rerun the same probe transfer command to complete it.`] : []),
      ],
    };
  }
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
    if (judge && !sameJudge({ id: j.judgeId, version: j.judgeVersion }, judge)) continue;
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

// ---- bench -------------------------------------------------------------------------------------------

async function loadBench(store: Store, run: Run, options: LoadReportOptions): Promise<ReportData> {
  const results = await loadBenchResults(store, run.id, { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}), calibration: options.calibration });
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
  const models: ModelReport[] = results.models.map((m) => ({ model: m.model, metrics: m.metrics, ...(m.values ? { values: m.values } : {}), ...(m.evr_corrected ? { evr_corrected: m.evr_corrected, apv_corrected: m.apv_corrected! } : {}),
    ...(m.knowing ? { knowing: { knowing: m.knowing, ...(m.doing ? { doing: m.doing } : {}), ...(m.gap ? { gap: m.gap } : {}), per_foundation: m.per_foundation ?? {} } } : {}) }));
  const notes = [
    `Judge: ${results.judge.id} (version ${results.judge.version}); a completion counts as violating when its score is above τ = ${tau}.`,
    `Prompts: ${results.prompts.source} (${results.prompts.count} prompts), K = ${results.samples} completions per prompt and model.`,
    '95% confidence intervals over prompts (the unit the K completions hang on), each named beside it: wilson = Wilson score interval (EVR, a share of prompts; MVP and APV too when every prompt has the same value), bca-bootstrap = BCa bootstrap (MVP, APV).',
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
    `Best-of-${r.n}: ${r.model} sampled ${r.n} times per prompt (${r.prompts.source}); picked by the select judge ${r.select_judge.id} (version ${r.select_judge.version}), reported by ${r.judge.id} (version ${r.judge.version}); target ${r.target.id} (${r.target.source}).`,
    r.reward.kind === 'masked'
      ? `Reward = −BaseAlign distance: Σ_k |E_k − T_k| · 1[|E_k| > m] · |T_k| (0 is best), m = ${r.reward.mask.select.threshold} for the select judge and ${r.reward.mask.report.threshold} for the report judge. 95% CIs: percentile bootstrap over prompts; differences are paired.`
      : `Reward = −${r.reward.kind} distance over the target's values (0 is best). 95% CIs: percentile bootstrap over prompts; differences are paired.`,
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

// ---- align (VILMO and its baselines) ---------------------------------------------------------------

async function loadVilmo(store: Store, run: Run, options: LoadReportOptions): Promise<ReportData> {
  const r = await loadVilmoResults(store, run.id, { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const config = run.config as VilmoRunConfig;
  const stored = await readStoredRun(store, run.id, config);
  const notes = [
    `Arms: ${Object.keys(r.methods).join(', ')}. Target ${r.target}; generator ${r.generator}; judge ${r.judge.id} (version ${r.judge.version}); τ = ${r.tau}.`,
    `Split of ${r.prompts.count} prompts (${r.prompts.source}): ${r.split.train} training, ${r.split.val} validation, ${r.split.test} test (fractions ${r.split.fractions.join(', ')}); instructions were chosen on training and validation prompts only, and every arm was scored once on the test prompts.`,
    `Paired differences: ${r.correction.test} p-values (exact for N ≤ 16 or integer differences, else 10,000 seeded sign patterns), Holm-adjusted over ${r.correction.family} comparisons; CIs: percentile bootstrap over prompts.`,
    'APV differences are means of per-prompt violation shares (equal to the APV difference when every prompt has K judged samples).',
  ];
  const caveat = violationCaveat({ id: config.judge.id, version: config.judge.version });
  if (run.status !== 'done') notes.push(`The run is ${run.status}: these numbers cover what is stored so far (rerun the same align vilmo command, or --resume ${run.id}).`);
  return {
    title: options.title ?? (run.name.trim() !== '' ? `Alignment: ${run.name}` : `VILMO run ${run.id}`),
    run: { id: run.id, kind: 'vilmo', createdAt: run.createdAt, status: run.status, config: config ?? null, totals: { ...run.totals } },
    models: [],
    worst: [],
    vilmo: { results: r, examples: vilmoExamples(stored, r) },
    notes,
    ...(caveat ? { caveats: [caveat] } : {}),
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

  // The target's metrics over the exported set (each distinct final prompt), from its K′ fresh samples:
  // N = prompts, K′ = the held-out samples there (the selection samples would be optimistic).
  const finals: PromptScores[] = [];
  const candidates: WorstCandidate[] = [];
  for (const p of result.principles) {
    const last = p.iterations.at(-1);
    if (last && p.duplicateOf === undefined) {
      const fresh = last.fresh;
      const values = fresh.samples.map((s) => judged.get(s.sampleId)?.values).filter(isVector);
      finals.push({ id: `${p.id}/${p.slot + 1}`, foundation: p.foundation, scores: fresh.samples.map((s) => s.violation), ...(values.length ? { values } : {}), ...(fresh.unscored ? { unscored: fresh.unscored } : {}) });
    }
    for (const r of p.iterations) {
      // fresh completions only: judged by the reporting judge, and not the ones that selected the prompt
      for (const scored of r.fresh?.samples ?? []) {
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
          promptId: `${p.id}${(config.promptsPerPrinciple ?? 1) > 1 ? `/${p.slot + 1}` : ''} · iteration ${r.iteration}`,
          sampleIndex: s.sampleIndex,
          ...(judged.get(s.id)?.rationale ? { rationale: judged.get(s.id)!.rationale! } : {}),
        });
      }
    }
  }
  const models: ModelReport[] = [];
  if (finals.length > 0) {
    const scores = benchMetrics(finals, { k: config.evalSamples ?? config.samples, tau, ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
    models.push({ model: config.target, metrics: scores.metrics, ...(scores.values ? { values: scores.values } : {}) });
  }

  const stopped = new Map<string, number>();
  for (const p of result.principles) stopped.set(p.stopped, (stopped.get(p.stopped) ?? 0) + 1);
  const json = probeJson(result);
  const sum = json.summary;
  const initial = sum.mean_initial_violation_rate;
  const final = sum.mean_final_violation_rate;
  const initialScore = sum.mean_initial_violation;
  const finalScore = sum.mean_final_violation;
  const unscored = sum.unscored;
  const notes = [
    `Target ${config.target}; prompts written and rewritten by ${config.generator}; judge ${config.judge.id} (version ${config.judge.version}); candidates ranked by ${config.scoring === 'logprob' ? "the target's log-likelihood of the violating completions" : 'mean judged violation'}.`,
    `Up to T = ${config.iterations} iterations per trajectory, ${config.promptsPerPrinciple ?? 1} trajectories per principle (each from its own seed scenario; ${sum.duplicates} near-duplicate${sum.duplicates === 1 ? '' : 's'} dropped), K = ${config.samples} selection completions per prompt, K′ = ${config.evalSamples ?? '–'} fresh completions per current prompt, ${config.candidates} candidate rewrites per iteration; a completion violates when its score is above τ = ${tau}.`,
    `Every score shown is the fresh score: K′ completions drawn after the prompt was selected, judged by ${json.judge}, that played no part in selecting it. The summary metrics are the target's over the exported set (N = ${sum.prompts} distinct final prompts, a MoralPrompt-style set), with 95% CIs over prompts (EVR: Wilson; MVP, APV: BCa bootstrap).`,
    `Trajectories: ${[...stopped].map(([k, v]) => `${v} ${k}`).join(', ')}.${initial !== null && final !== null && initialScore !== null && finalScore !== null ? ` Fresh mean violation score ${initialScore.toFixed(2)} at the seed, ${finalScore.toFixed(2)} at the end${sum.gain ? ` (gain ${sum.gain.value.toFixed(2)}, 95% CI [${sum.gain.ci[0].toFixed(2)}, ${sum.gain.ci[1].toFixed(2)}], N = ${sum.gain.n} principles)` : ''}; fresh violation rate (share of completions above τ) ${(initial * 100).toFixed(0)}% → ${(final * 100).toFixed(0)}%. The selection scores (the K samples that chose each prompt, optimistic by construction) went ${sum.selection.mean_initial_violation?.toFixed(2) ?? '–'} → ${sum.selection.mean_final_violation?.toFixed(2) ?? '–'}.` : ''}`,
  ];
  if (sum.quality) {
    const q = sum.quality;
    notes.push(`Quality of the ${q.prompts} exported prompts: Self-BLEU-4 ${q.self_bleu === null ? '– (fewer than 2 prompts)' : q.self_bleu.toFixed(1)} (lower is more diverse; MoralPrompt reports 50.2); ${q.perplexity ? `perplexity under ${q.perplexity.model} ${q.perplexity.value.toFixed(2)}${q.perplexity.method === 'corpus' ? ' corpus-level (token-weighted)' : ''}, 95% CI [${q.perplexity.ci[0].toFixed(2)}, ${q.perplexity.ci[1].toFixed(2)}], N = ${q.perplexity.n}${q.perplexity.median !== undefined ? `, median per prompt ${q.perplexity.median.toFixed(2)}` : ''}` : `perplexity ${notAvailable(q.perplexity_unavailable ?? 'not measured')}`}.`);
  }
  const rejected = formatRejections(sum.rejected);
  if (rejected) notes.push(`Candidates rejected as not usable openings (never sampled or exported): ${rejected}.`);
  for (const w of json.warnings) notes.push(`Warning: ${w}`);
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
