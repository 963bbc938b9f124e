import type { CandidateStatus, PrincipleStop, ProbeResult } from './types.ts';

/** The `--json` shape of a probe run (snake_case, as every tenet command prints). */
export interface ProbeJson {
  run: string;
  status: string;
  target: string;
  generator: string;
  judge: string;
  scoring: string;
  prompt_version: string;
  settings: { iterations: number; samples: number; candidates: number; tau: number; epsilon: number; patience: number };
  summary: {
    principles: number;
    finished: number;
    failed: number;
    /** Means over the principles that have a seed opening: the mean judged violation score (the objective), and the violation rate (share of completions above τ). */
    mean_initial_violation: number | null;
    mean_final_violation: number | null;
    mean_initial_violation_rate: number | null;
    mean_final_violation_rate: number | null;
    /** Completions of the final prompts whose verdict had no violation score: left out of the scores, never counted as 0. */
    unscored: number;
    /** Principles whose final violation is above their initial one. */
    improved: number;
  };
  principles: {
    id: string;
    foundation: string;
    principle: string;
    initial_violation: number | null;
    final_violation: number | null;
    final_violation_rate: number | null;
    final_prompt: string | null;
    stopped: PrincipleStop;
    error?: string;
    iterations: {
      iteration: number;
      prompt: string;
      violation: number;
      violation_rate: number;
      max_violation: number;
      /** Completions whose verdict had no violation score (left out of the three above). */
      unscored: number;
      /** A candidate replaced the prompt in this iteration (always true for the seed). */
      accepted: boolean;
      candidates: { prompt: string; status: CandidateStatus; neutrality: number | null; score: number | null; violation?: number; reason?: string }[];
    }[];
  }[];
}

function meanOf(xs: number[]): number | null {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export function probeJson(result: ProbeResult): ProbeJson {
  const { config } = result;
  const started = result.principles.filter((p) => p.initialViolation !== null);
  return {
    run: result.run,
    status: result.status,
    target: config.target,
    generator: config.generator,
    judge: `${config.judge.id}@${config.judge.version}`,
    scoring: config.scoring,
    prompt_version: config.promptVersion,
    settings: { iterations: config.iterations, samples: config.samples, candidates: config.candidates, tau: config.tau, epsilon: config.epsilon, patience: config.patience },
    summary: {
      principles: result.principles.length,
      finished: result.principles.filter((p) => p.stopped === 'iterations' || p.stopped === 'plateau').length,
      failed: result.principles.filter((p) => p.stopped === 'failed').length,
      mean_initial_violation: meanOf(started.map((p) => p.initialViolation!)),
      mean_final_violation: meanOf(started.map((p) => p.finalViolation!)),
      mean_initial_violation_rate: meanOf(started.map((p) => p.iterations[0]!.violationRate)),
      mean_final_violation_rate: meanOf(started.map((p) => p.iterations.at(-1)!.violationRate)),
      unscored: result.principles.reduce((n, p) => n + (p.iterations.at(-1)?.unscored ?? 0), 0),
      improved: started.filter((p) => p.finalViolation! > p.initialViolation!).length,
    },
    principles: result.principles.map((p) => ({
      id: p.id,
      foundation: p.foundation,
      principle: p.principle,
      initial_violation: p.initialViolation,
      final_violation: p.finalViolation,
      final_violation_rate: p.finalViolationRate,
      final_prompt: p.finalPrompt,
      stopped: p.stopped,
      ...(p.error ? { error: p.error } : {}),
      iterations: p.iterations.map((r) => ({
        iteration: r.iteration,
        prompt: r.prompt,
        violation: r.violation,
        violation_rate: r.violationRate,
        max_violation: r.maxViolation,
        unscored: r.unscored ?? 0,
        accepted: r.accepted !== null,
        candidates: r.candidates.map((c) => ({
          prompt: c.prompt,
          status: c.status,
          neutrality: c.neutrality,
          score: c.score,
          ...(c.violation !== undefined ? { violation: c.violation } : {}),
          ...(c.reason ? { reason: c.reason } : {}),
        })),
      })),
    })),
  };
}
