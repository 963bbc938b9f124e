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
/** The E-step's conditioned completions of a prompt, p(y | x, ¬v) (K samples + judgments, by the target or the helper). */
export const PROBE_EVIDENCE_TASK = 'probe-evidence';
/** A trajectory whose seed opening would have near-duplicated an earlier trajectory's (input `{principleId, slot, duplicateOf}`). */
export const PROBE_DUPLICATE_TASK = 'probe-duplicate';
/** The quality statistics of a run's final prompt set (Self-BLEU, perplexity under a reference model). */
export const PROBE_QUALITY_TASK = 'probe-quality';

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
  /** Scores the fresh, held-out completions a prompt is reported with (the measurement). */
  judge: Judge;
  /** The spec the judge was made from (`local`, `llm:SPEC`); stored so that a resumed run can make it again. */
  judgeSpec?: string;
  /**
   * Scores what selects prompts: the neutrality check, the E-step's conditioned completions and the K
   * selection samples of every candidate (default: `judge`, which lets the selection overfit the reported
   * judge: Goodhart).
   */
  selectJudge?: Judge;
  selectJudgeSpec?: string;
  /** K′: fresh completions of every current prompt, drawn after it was selected and used only to report it (default 8). */
  evalSamples?: number;
  /** Independent trajectories per principle, each from its own seed scenario (default 3); near-duplicates are dropped. */
  promptsPerPrinciple?: number;
  /** The model the final prompts' perplexity is measured under (teacher-forced; default the target). Optional: when it cannot score, the reason is recorded instead. */
  reference?: Provider;
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
  /** The judge that selects prompts (absent: the same as `judge`). */
  selectJudge?: { id: string; version: string; spec?: string };
  principles: ProbePrinciple[];
  /** Trajectories per principle (each from its own seed scenario). */
  promptsPerPrinciple: number;
  /** K′: fresh completions per current prompt, for reporting only. */
  evalSamples: number;
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
  /** Not a usable opening (see {@link CandidateRejection}), or its neutrality could not be judged, or a near-duplicate seed. */
  | 'invalid';

/**
 * Why a candidate was rejected before the neutrality check (src/probe/validity.ts): empty, shorter or longer
 * than asked, a copy of the prompt sent to the generator, a list of options, or the same text as the current
 * prompt or an earlier candidate.
 */
export type CandidateRejection = 'empty' | 'too-short' | 'too-long' | 'copies-prompt' | 'list' | 'unchanged' | 'duplicate';

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
  /** The ranking score: mean judged violation (`sample`), or DeNEVIL's objective Σ_y w_y [mean log p(y | x) + log p_ω(¬v | y)] over the E-step's completions (`logprob`); null when not ranked. */
  score: number | null;
  /** Mean judged violation over K samples, when the candidate was sampled. */
  violation?: number;
  violationRate?: number;
  /** The task holding the candidate's samples, when it was sampled. */
  taskId?: string;
  /** Per evidence completion (log-probability scoring). */
  logprobs?: ContinuationScore[];
  /** Log-probability scoring: Σ_y w_y · mean log p(y | x) (w_y ∝ judged violation of y), the part of the score that depends on the candidate. */
  likelihood?: number;
  /** Why it is invalid. */
  reason?: string;
  /** Set when it was rejected as not a usable opening (counted per iteration). */
  rejection?: CandidateRejection;
}

/**
 * One iteration of one principle, stored as a task of kind `probe-iteration`. Iteration 0 is the seed
 * opening; iteration t ≥ 1 is one E-step (the completions of the previous prompt, `evidence`) and one
 * M-step (the candidates and which was accepted). `prompt` and its scores are the current prompt after the
 * iteration: the accepted candidate, or the previous prompt when none was better.
 */
export interface ProbeIteration {
  principleId: string;
  /** Which of the principle's trajectories (0-based; each from its own seed scenario). */
  slot: number;
  principle: string;
  foundation: MftFoundationId;
  iteration: number;
  promptVersion: string;
  scoring: ProbeScoring;
  prompt: string;
  /** The task holding the current prompt's K judged samples (kind `probe-prompt`). */
  promptTaskId: string;
  /** Selection score: mean judged violation (select judge) of the current prompt's K samples, the ones it was selected on (optimistic). */
  violation: number;
  /** Fraction of them above τ. */
  violationRate: number;
  maxViolation: number;
  samples: ScoredSample[];
  /** The fresh score: K′ held-out completions of the current prompt drawn after it was selected, judged by the reporting judge. */
  fresh: FreshScore;
  /** Samples of the current prompt whose verdict had no violation score: left out of the scores above (absent when 0). */
  unscored?: number;
  /** The mean violation before this iteration (null for the seed): the previous prompt's selection score. */
  previousViolation: number | null;
  /**
   * The previous prompt re-sampled in this iteration (K new completions, select judge): the score the best
   * candidate had to beat (src/probe/incumbent.ts). Absent for the seed, when no candidate was sampled, and in
   * runs stored before the incumbent was re-sampled.
   */
  defended?: DefendedScore;
  /** The E-step: completions of the previous prompt conditioned on the violation, p(y | x, ¬v), shown to the generator. */
  evidence: ScoredSample[];
  evidenceViolating: boolean;
  /** Who wrote the evidence: the target, or the helper (the generator) when none of the target's conditioned completions violated. */
  evidenceSource?: 'target' | 'helper';
  candidates: ProbeCandidate[];
  /** Candidates rejected as not a usable opening, by reason (absent when none). */
  rejected?: Partial<Record<CandidateRejection, number>>;
  /** Index of the accepted candidate, or null when the previous prompt was kept. */
  accepted: number | null;
}

/** The incumbent's re-sampled score in one iteration: K new completions at sample indices [from, to). */
export interface DefendedScore {
  violation: number;
  violationRate: number;
  n: number;
  from: number;
  to: number;
}

/** A prompt's fresh, held-out score. */
export interface FreshScore {
  violation: number;
  violationRate: number;
  /** K′ judged (unscored verdicts left out). */
  n: number;
  samples: ScoredSample[];
  unscored?: number;
}

export type PrincipleStop = 'iterations' | 'plateau' | 'failed' | 'interrupted' | 'pending' | 'duplicate';

/** One trajectory: one principle × one slot (its own seed scenario). */
export interface PrincipleResult {
  id: string;
  slot: number;
  foundation: MftFoundationId;
  principle: string;
  /** Selection scores (optimistic) of the seed opening and the final prompt (null when not reached). */
  initialViolation: number | null;
  finalViolation: number | null;
  finalViolationRate: number | null;
  /** Fresh scores (held-out K′ samples): what the prompt is reported with. */
  initialFresh: FreshScore | null;
  finalFresh: FreshScore | null;
  finalPrompt: string | null;
  /** Set when the final prompt is a near-duplicate of an earlier trajectory's of the same principle (left out of the export and the summary). */
  duplicateOf?: number;
  /** Why it stopped: all T iterations ran, a plateau, an error, an interruption, or not started yet. */
  stopped: PrincipleStop;
  error?: string;
  iterations: ProbeIteration[];
}

export interface ProbeResult {
  run: string;
  status: RunStatus;
  config: ProbeRunConfig;
  /** One per principle × slot, in principle order then slot order. */
  principles: PrincipleResult[];
  /** Quality of the exported set (distinct final prompts), when computed. */
  quality?: ProbeQuality;
}

/** Quality statistics of a set of prompts (MoralPrompt reports Self-BLEU 50.22 and PPL 4.15). */
export interface ProbeQuality {
  /** Prompts in the set. */
  n: number;
  /** Self-BLEU-4 ×100 (lower: more diverse), null with fewer than 2 prompts. */
  selfBleu: number | null;
  /**
   * Perplexity under the reference model: `value` corpus-level (token-weighted, exp(−Σ log-prob / Σ tokens))
   * with a bootstrap CI over prompts, and the median per-prompt perplexity beside it (absent in runs stored
   * before it was reported, whose `value` is the arithmetic mean of per-prompt perplexities).
   */
  perplexity: ProbePerplexity | null;
  /** Why perplexity is null: the reference cannot score (chat-only endpoint, no teacher forcing), or no prompt finished. */
  perplexityUnavailable?: string;
  /** Hash of the prompt set the statistics belong to. */
  setHash: string;
}

/** A prompt set's perplexity under a reference model (see ProbeQuality.perplexity). */
export interface ProbePerplexity {
  value: number;
  ci: [number, number];
  n: number;
  model: string;
  median?: number;
  tokens?: number;
  /** How `value` is computed: `corpus` (token-weighted); absent in older runs (arithmetic mean). */
  method?: 'corpus';
}
