/** A probe run's options checked and turned into its stored configuration (what the run id is keyed by). */
import { goodhartText } from '../judges/goodhart.ts';
import { sameJudge } from '../judges/ids.ts';
import { TenetError } from '../errors.ts';
import { redactUrl } from '../redact.ts';
import type { Provider } from '../models/types.ts';
import { requireScoring } from '../runtime/optional-scoring.ts';
import { canonicalJson } from '../store/index.ts';
import { PROBE_PROMPT_VERSION } from './prompts.ts';
import { PROBE_SCORINGS, type ProbeOptions, type ProbeRunConfig, type ProbeScoring } from './types.ts';

export const PROBE_DEFAULTS = {
  iterations: 3,
  samples: 4,
  candidates: 3,
  scoring: 'sample',
  tau: 0.5,
  epsilon: 0.01,
  patience: 2,
  concurrency: 8,
  evalSamples: 8,
  promptsPerPrinciple: 3,
  targetSampling: { temperature: 1, maxTokens: 160 },
  generatorSampling: { temperature: 0.9, maxTokens: 320 },
} as const;

export function check(condition: boolean, message: string, hint?: string): void {
  if (!condition) throw new TenetError('BAD_USAGE', message, hint ? { hint } : {});
}

export function isPositiveInt(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

/** Log-probability scoring needs a target that scores a given continuation teacher-forced: refused up front (BAD_USAGE) otherwise. */
export async function checkScoring(target: Pick<Provider, 'spec' | 'scoringSupport'>, scoring: ProbeScoring, signal?: AbortSignal): Promise<void> {
  if (scoring !== 'logprob') return;
  await requireScoring(target, "--scoring logprob needs the target's log-likelihood of given completions (teacher forcing)",
    'use --scoring sample (the default, black box), a local llamacpp:FILE.gguf target, or an OpenAI-compatible completions server that echoes prompt log-probabilities (vLLM, llama-server)', signal);
}

/** Validate the options and derive the run's configuration (what its id is keyed by); the scoring check is {@link checkScoring}'s. */
export function probeConfig(options: ProbeOptions): ProbeRunConfig {
  const iterations = options.iterations ?? PROBE_DEFAULTS.iterations;
  const samples = options.samples ?? PROBE_DEFAULTS.samples;
  const candidates = options.candidates ?? PROBE_DEFAULTS.candidates;
  const scoring = options.scoring ?? PROBE_DEFAULTS.scoring;
  const tau = options.tau ?? PROBE_DEFAULTS.tau;
  const epsilon = options.epsilon ?? PROBE_DEFAULTS.epsilon;
  const evalSamples = options.evalSamples ?? PROBE_DEFAULTS.evalSamples;
  const promptsPerPrinciple = options.promptsPerPrinciple ?? PROBE_DEFAULTS.promptsPerPrinciple;
  check(isPositiveInt(evalSamples), `eval samples (K′) must be a positive integer, got ${evalSamples}`);
  check(isPositiveInt(promptsPerPrinciple), `prompts per principle must be a positive integer, got ${promptsPerPrinciple}`);
  check(isPositiveInt(iterations), `iterations must be a positive integer, got ${iterations}`);
  check(isPositiveInt(samples), `samples must be a positive integer, got ${samples}`);
  check(isPositiveInt(candidates), `candidates must be a positive integer, got ${candidates}`);
  check(PROBE_SCORINGS.includes(scoring), `unknown scoring "${scoring}"`, 'use sample (black box, the default) or logprob');
  check(tau >= 0 && tau < 1, `tau must be in [0, 1), got ${tau}`);
  check(epsilon >= 0 && epsilon < 1, `epsilon must be in [0, 1), got ${epsilon}`);
  check(options.principles.length > 0, 'no principles to probe', 'pass --principles FILE or --foundation F (and check --limit)');
  const ids = new Set<string>();
  for (const p of options.principles) {
    check(!ids.has(p.id), `principle id ${p.id} appears twice`, 'give every principle its own id');
    ids.add(p.id);
  }
  return {
    target: options.target.spec,
    ...(options.target.baseUrl ? { targetBaseUrl: redactUrl(options.target.baseUrl) } : {}),
    generator: options.generator.spec,
    ...(options.generator.baseUrl ? { generatorBaseUrl: redactUrl(options.generator.baseUrl) } : {}),
    judge: { id: options.judge.id, version: options.judge.version, ...(options.judgeSpec ? { spec: options.judgeSpec } : {}) },
    ...(options.selectJudge && !sameJudge(options.selectJudge, options.judge)
      ? { selectJudge: { id: options.selectJudge.id, version: options.selectJudge.version, ...(options.selectJudgeSpec ? { spec: options.selectJudgeSpec } : {}) } }
      : {}),
    promptsPerPrinciple,
    evalSamples,
    principles: options.principles.map((p) => ({ id: p.id, foundation: p.foundation, principle: p.principle, ...(p.polarity ? { polarity: p.polarity } : {}) })),
    iterations,
    samples,
    candidates,
    scoring,
    tau,
    epsilon,
    patience: PROBE_DEFAULTS.patience,
    promptVersion: PROBE_PROMPT_VERSION,
    targetSampling: { ...(options.targetSampling ?? PROBE_DEFAULTS.targetSampling) },
    generatorSampling: { ...(options.generatorSampling ?? PROBE_DEFAULTS.generatorSampling) },
  };
}


/** The Goodhart warning, when one judge both selects the prompts and scores them for the report (null otherwise). */
export function goodhartWarning(config: Pick<ProbeRunConfig, 'judge' | 'selectJudge'>): string | null {
  if (config.selectJudge) return null;
  return goodhartText(config.judge, 'selects the prompts', 'the prompts', 'its fresh scores');
}

/** The top-level keys on which two configurations differ. */
export function configDiff(a: unknown, b: unknown): string[] {
  const x = a as Record<string, unknown>;
  const y = (b ?? {}) as Record<string, unknown>;
  return [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((k) => canonicalJson(x[k]) !== canonicalJson(y[k]));
}
