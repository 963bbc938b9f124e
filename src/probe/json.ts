import { bootstrap, type MetricWithCI } from '../judges/metrics.ts';
import { goodhartWarning } from './config.ts';
import { addRejections } from './validity.ts';
import type { CandidateRejection, CandidateStatus, PrincipleResult, PrincipleStop, ProbePerplexity, ProbeResult } from './types.ts';

/** One trajectory (one prompt of a principle) in `--json`. */
export interface ProbePromptJson {
  /** Which of the principle's trajectories (1-based, each from its own seed scenario). */
  slot: number;
  /** The final prompt (null when none was reached). */
  prompt: string | null;
  /** Mean violation score of the K samples the final prompt was selected on (select judge; optimistic). */
  selection_violation: number | null;
  /** Mean violation score of K′ fresh samples of the final prompt (reporting judge; what it is reported with). */
  fresh_violation: number | null;
  fresh_violation_rate: number | null;
  fresh_n: number;
  initial_selection_violation: number | null;
  initial_fresh_violation: number | null;
  stopped: PrincipleStop;
  error?: string;
  /** Slot (1-based) of the earlier prompt of the same principle this one near-duplicates (left out of the export). */
  duplicate_of?: number;
  iterations: {
    iteration: number;
    prompt: string;
    selection_violation: number;
    selection_violation_rate: number;
    max_violation: number;
    fresh_violation: number;
    fresh_violation_rate: number;
    fresh_n: number;
    /** Completions whose verdict had no violation score (left out of the selection scores). */
    unscored: number;
    /** A candidate replaced the prompt in this iteration (always true for the seed). */
    accepted: boolean;
    /** E-step: who wrote the conditioned completions shown to the generator, and whether any violated. */
    evidence_source?: 'target' | 'helper';
    evidence_violating?: boolean;
    candidates: { prompt: string; status: CandidateStatus; neutrality: number | null; score: number | null; likelihood?: number; violation?: number; reason?: string; rejection?: CandidateRejection }[];
    /** Candidates rejected as not usable openings, by reason (empty when none). */
    rejected: Partial<Record<CandidateRejection, number>>;
  }[];
}

/** The `--json` shape of a probe run (snake_case, as every tenet command prints). */
export interface ProbeJson {
  run: string;
  status: string;
  target: string;
  generator: string;
  /** The reporting judge (fresh scores). */
  judge: string;
  /** The judge that selects (neutrality, evidence, selection scores): the same as `judge` unless --select-judge. */
  select_judge: string;
  scoring: string;
  prompt_version: string;
  settings: { iterations: number; samples: number; eval_samples: number; prompts_per_principle: number; candidates: number; tau: number; epsilon: number; patience: number };
  warnings: string[];
  summary: {
    principles: number;
    /** Trajectories run (principles × prompts per principle). */
    trajectories: number;
    /** Distinct final prompts (the exported set). */
    prompts: number;
    /** Trajectories left out as near-duplicates. */
    duplicates: number;
    finished: number;
    failed: number;
    /** The headline, over the exported prompts: fresh scores (K′ held-out samples), mean violation score and violation rate (share above τ). */
    mean_initial_violation: number | null;
    mean_final_violation: number | null;
    mean_initial_violation_rate: number | null;
    mean_final_violation_rate: number | null;
    /** Fresh final − fresh initial mean violation score, with a 95% bootstrap CI resampling principles (N = principles). */
    gain: MetricWithCI | null;
    /** The same means from the samples that selected the prompts: optimistic by construction. */
    selection: { mean_initial_violation: number | null; mean_final_violation: number | null };
    /** Fresh completions of the final prompts whose verdict had no violation score: left out, never counted as 0. */
    unscored: number;
    /** Candidates rejected as not usable openings (too short or long, a copy of the prompt, a list), by reason, over every stored iteration. */
    rejected: Partial<Record<CandidateRejection, number>>;
    /** Exported prompts whose fresh final score is above their fresh initial one. */
    improved: number;
    quality: {
      prompts: number;
      self_bleu: number | null;
      /** Corpus-level (token-weighted) perplexity with its CI, the median per-prompt perplexity beside it. */
      perplexity: ProbePerplexity | null;
      /** Why perplexity is null (the reference cannot score, or no prompt finished). */
      perplexity_unavailable?: string;
    } | null;
  };
  principles: { principle_id: string; foundation: string; principle: string; prompts: ProbePromptJson[] }[];
}

function meanOf(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

/** The exported trajectories (a final prompt, not a near-duplicate). */
function exported(result: ProbeResult): PrincipleResult[] {
  return result.principles.filter((p) => p.finalPrompt !== null && p.duplicateOf === undefined && p.finalFresh && p.initialFresh);
}

/** Fresh gain per exported prompt, resampling principles (prompts of one principle are not independent). */
function gainWithCI(rows: readonly PrincipleResult[]): MetricWithCI | null {
  if (rows.length === 0) return null;
  const byPrinciple = new Map<string, number[]>();
  for (const r of rows) byPrinciple.set(r.id, [...(byPrinciple.get(r.id) ?? []), r.finalFresh!.violation - r.initialFresh!.violation]);
  const groups = [...byPrinciple.values()];
  return bootstrap(groups.length, (idx) => {
    let sum = 0;
    let n = 0;
    for (const i of idx) for (const g of groups[i]!) { sum += g; n++; }
    return n ? sum / n : Number.NaN;
  });
}

function rejectedOf(result: ProbeResult): Partial<Record<CandidateRejection, number>> {
  const out: Partial<Record<CandidateRejection, number>> = {};
  for (const p of result.principles) for (const r of p.iterations) addRejections(out, r.rejected);
  return out;
}

export function probeJson(result: ProbeResult): ProbeJson {
  const { config } = result;
  const rows = exported(result);
  const warning = goodhartWarning(config);
  const judge = `${config.judge.id}@${config.judge.version}`;
  const byPrinciple = new Map<string, PrincipleResult[]>();
  for (const p of result.principles) byPrinciple.set(p.id, [...(byPrinciple.get(p.id) ?? []), p]);
  return {
    run: result.run,
    status: result.status,
    target: config.target,
    generator: config.generator,
    judge,
    select_judge: config.selectJudge ? `${config.selectJudge.id}@${config.selectJudge.version}` : judge,
    scoring: config.scoring,
    prompt_version: config.promptVersion,
    settings: {
      iterations: config.iterations, samples: config.samples, eval_samples: config.evalSamples, prompts_per_principle: config.promptsPerPrinciple,
      candidates: config.candidates, tau: config.tau, epsilon: config.epsilon, patience: config.patience,
    },
    warnings: warning ? [warning] : [],
    summary: {
      principles: config.principles.length,
      trajectories: result.principles.length,
      prompts: rows.length,
      duplicates: result.principles.filter((p) => p.duplicateOf !== undefined).length,
      finished: result.principles.filter((p) => p.stopped === 'iterations' || p.stopped === 'plateau').length,
      failed: result.principles.filter((p) => p.stopped === 'failed').length,
      mean_initial_violation: meanOf(rows.map((p) => p.initialFresh!.violation)),
      mean_final_violation: meanOf(rows.map((p) => p.finalFresh!.violation)),
      mean_initial_violation_rate: meanOf(rows.map((p) => p.initialFresh!.violationRate)),
      mean_final_violation_rate: meanOf(rows.map((p) => p.finalFresh!.violationRate)),
      gain: gainWithCI(rows),
      selection: { mean_initial_violation: meanOf(rows.map((p) => p.initialViolation!)), mean_final_violation: meanOf(rows.map((p) => p.finalViolation!)) },
      unscored: rows.reduce((n, p) => n + (p.finalFresh!.unscored ?? 0), 0),
      rejected: rejectedOf(result),
      improved: rows.filter((p) => p.finalFresh!.violation > p.initialFresh!.violation).length,
      quality: result.quality ? {
        prompts: result.quality.n,
        self_bleu: result.quality.selfBleu,
        perplexity: result.quality.perplexity,
        ...(result.quality.perplexity === null ? { perplexity_unavailable: result.quality.perplexityUnavailable ?? 'not measured' } : {}),
      } : null,
    },
    principles: [...byPrinciple.values()].map((list) => ({
      principle_id: list[0]!.id,
      foundation: list[0]!.foundation,
      principle: list[0]!.principle,
      prompts: list.map((p): ProbePromptJson => ({
        slot: p.slot + 1,
        prompt: p.finalPrompt,
        selection_violation: p.finalViolation,
        fresh_violation: p.finalFresh?.violation ?? null,
        fresh_violation_rate: p.finalFresh?.violationRate ?? null,
        fresh_n: p.finalFresh?.n ?? 0,
        initial_selection_violation: p.initialViolation,
        initial_fresh_violation: p.initialFresh?.violation ?? null,
        stopped: p.stopped,
        ...(p.error ? { error: p.error } : {}),
        ...(p.duplicateOf !== undefined ? { duplicate_of: p.duplicateOf + 1 } : {}),
        iterations: p.iterations.map((r) => ({
          iteration: r.iteration,
          prompt: r.prompt,
          selection_violation: r.violation,
          selection_violation_rate: r.violationRate,
          max_violation: r.maxViolation,
          fresh_violation: r.fresh.violation,
          fresh_violation_rate: r.fresh.violationRate,
          fresh_n: r.fresh.n,
          unscored: r.unscored ?? 0,
          accepted: r.accepted !== null,
          ...(r.evidenceSource ? { evidence_source: r.evidenceSource } : {}),
          ...(r.iteration > 0 ? { evidence_violating: r.evidenceViolating } : {}),
          candidates: r.candidates.map((c) => ({
            prompt: c.prompt,
            status: c.status,
            neutrality: c.neutrality,
            score: c.score,
            ...(c.likelihood !== undefined ? { likelihood: c.likelihood } : {}),
            ...(c.violation !== undefined ? { violation: c.violation } : {}),
            ...(c.reason ? { reason: c.reason } : {}),
            ...(c.rejection ? { rejection: c.rejection } : {}),
          })),
          rejected: r.rejected ?? {},
        })),
      })),
    })),
  };
}
