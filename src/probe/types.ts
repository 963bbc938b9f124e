import type { Executor, UnitDispatcher } from '../runtime/executor.ts';
import type { Judge } from '../judges/types.ts';
import type { Provider, SamplingParams } from '../models/types.ts';
import type { RunStatus, Store } from '../store/index.ts';
import type { MftFoundationId } from '../values/mft.ts';

/** Task kinds a probe run stores. */
export const PROBE_RUN_KIND = 'probe';
/** One prompt the target was sampled on (K samples + judgments, written by the shared sample stage). */
export const PROBE_PROMPT_TASK = 'probe-prompt';
/** One iteration of one principle's trajectory (input: a {@link ProbeIteration}). */
export const PROBE_ITERATION_TASK = 'probe-iteration';

/** How M-step candidates are ranked. */
export type ProbeScoring = 'sample' | 'logprob';
export const PROBE_SCORINGS: readonly ProbeScoring[] = ['sample', 'logprob'];

/** A value principle to probe (the shape of values/principles.ts; polarity is not needed here). */
export interface ProbePrinciple {
  id: string;
  foundation: MftFoundationId;
  principle: string;
  polarity?: 'virtue' | 'vice';
}

export interface ProbeOptions {
  store: Store;
  /** The model whose values are probed. */
  target: Provider;
  /** The model that writes and rewrites the story openings. */
  generator: Provider;
  /** Scores completions (and candidate openings) for violation of the principle. */
  judge: Judge;
  /** The spec the judge was made from (`local`, `llm:SPEC`); stored so that a resumed run can make it again. */
  judgeSpec?: string;
  principles: readonly ProbePrinciple[];
  /** T: refinement iterations per principle (default 3). */
  iterations?: number;
  /** K: completions sampled from the target per prompt (default 4). */
  samples?: number;
  /** C: candidate rewrites per M-step (default 3). */
  candidates?: number;
  /** `sample` (default, black box): candidates ranked by mean judged violation over K samples; `logprob`: by the target's log-likelihood of the violating completions. */
  scoring?: ProbeScoring;
  /** τ: a completion violates when its judged violation is above it; a candidate opening whose own score is above it is not neutral (default 0.5). */
  tau?: number;
  /** ε: the smallest gain in mean violation that counts as an improvement (default 0.01); two iterations in a row without one stop a principle. */
  epsilon?: number;
  /** Work in flight at once (sample units, generator calls; default 8). */
  concurrency?: number;
  /** Continue this run (its id); otherwise the id derives from the configuration, so the same call continues the same run. */
  resume?: string;
  /** A name for the run (default: `probe TARGET`). */
  name?: string;
  signal?: AbortSignal;
  /** Where the target's sampling units run: the local pool (default) or a distributed dispatcher (`pgbossExecutor`). */
  executor?: Executor | UnitDispatcher;
  /** Draw progress lines on stderr. */
  progress?: boolean;
  /** Called with one line per stage ("round 2: 5 principles, 15 candidates"). */
  log?: (line: string) => void;
  /** Sampling for the target's completions (default temperature 1, maxTokens 160). */
  targetSampling?: SamplingParams;
  /** Sampling for the generator (default temperature 0.9, maxTokens 320). */
  generatorSampling?: SamplingParams;
}

/** The configuration a probe run is keyed by (stored as the run's config). */
export interface ProbeRunConfig {
  target: string;
  /** The target's base URL (so that a resumed run reaches the same server). */
  targetBaseUrl?: string;
  generator: string;
  generatorBaseUrl?: string;
  judge: { id: string; version: string; spec?: string };
  principles: ProbePrinciple[];
  iterations: number;
  samples: number;
  candidates: number;
  scoring: ProbeScoring;
  tau: number;
  epsilon: number;
  /** Iterations without a gain of ε that stop a principle (2). */
  patience: number;
  promptVersion: string;
  targetSampling: SamplingParams;
  generatorSampling: SamplingParams;
}

/** A judged completion of a prompt. */
export interface ScoredSample {
  sampleId: string;
  violation: number;
}

/** Why a candidate opening was not taken, or that it was. */
export type CandidateStatus =
  /** It became the current prompt. */
  | 'accepted'
  /** The judge scored the opening itself above τ: it states or demands the violation. */
  | 'not-neutral'
  /** The best-ranked candidate, but its judged violation was not above the current prompt's. */
  | 'not-better'
  /** Another candidate ranked higher. */
  | 'outranked'
  /** Empty, far too long, or the same text as the current prompt or an earlier candidate. */
  | 'invalid';

/** The target's teacher-forced log-likelihood of one violating completion after a candidate opening (log-probability scoring). */
export interface ContinuationScore {
  /** Σ log p(token | opening, earlier tokens) over the completion's tokens. */
  sum: number;
  tokens: number;
  /** sum / tokens: the length-normalised log-likelihood the ranking uses. */
  mean: number;
}

export interface ProbeCandidate {
  prompt: string;
  status: CandidateStatus;
  /** The judge's violation score of the opening itself (null when it was not judged: invalid). */
  neutrality: number | null;
  /** The ranking score: mean judged violation (`sample`) or the mean over violating completions of their length-normalised log-likelihood (`logprob`); null when not ranked. */
  score: number | null;
  /** Mean judged violation over K samples, when the candidate was sampled. */
  violation?: number;
  violationRate?: number;
  /** The task holding the candidate's samples, when it was sampled. */
  taskId?: string;
  /** Per violating completion (log-probability scoring). */
  logprobs?: ContinuationScore[];
  /** Why it is invalid. */
  reason?: string;
}

/**
 * One iteration of one principle, stored as a task of kind `probe-iteration`. Iteration 0 is the seed
 * opening; iteration t ≥ 1 is one E-step (the completions of the previous prompt, `evidence`) and one
 * M-step (the candidates and which was accepted). `prompt` and its scores are the current prompt after the
 * iteration: the accepted candidate, or the previous prompt when none was better.
 */
export interface ProbeIteration {
  principleId: string;
  principle: string;
  foundation: MftFoundationId;
  iteration: number;
  promptVersion: string;
  scoring: ProbeScoring;
  prompt: string;
  /** The task holding the current prompt's K judged samples (kind `probe-prompt`). */
  promptTaskId: string;
  /** Mean judged violation of the current prompt's K samples (the objective). */
  violation: number;
  /** Fraction of them above τ. */
  violationRate: number;
  maxViolation: number;
  samples: ScoredSample[];
  /** Samples of the current prompt whose verdict had no violation score: left out of the scores above (absent when 0). */
  unscored?: number;
  /** The mean violation before this iteration (null for the seed). */
  previousViolation: number | null;
  /** The completions of the previous prompt shown to the generator (E-step). */
  evidence: ScoredSample[];
  evidenceViolating: boolean;
  candidates: ProbeCandidate[];
  /** Index of the accepted candidate, or null when the previous prompt was kept. */
  accepted: number | null;
}

export type PrincipleStop = 'iterations' | 'plateau' | 'failed' | 'interrupted' | 'pending';

export interface PrincipleResult {
  id: string;
  foundation: MftFoundationId;
  principle: string;
  /** Mean judged violation of the seed opening (null when not reached). */
  initialViolation: number | null;
  finalViolation: number | null;
  finalViolationRate: number | null;
  finalPrompt: string | null;
  /** Why it stopped: all T iterations ran, a plateau, an error, an interruption, or not started yet. */
  stopped: PrincipleStop;
  error?: string;
  iterations: ProbeIteration[];
}

export interface ProbeResult {
  run: string;
  status: RunStatus;
  config: ProbeRunConfig;
  principles: PrincipleResult[];
}
