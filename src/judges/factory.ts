import { TenetError } from '../errors.ts';
import type { ModelContext } from '../models/spec.ts';
import { createModel } from '../models/spec.ts';
import { createLlmJudge } from './llm.ts';
import { loadCrossJudge } from './local/cross-judge.ts';
import { loadEncoderJudge, readEncoderWeights } from './local/encoder-judge.ts';
import { ENCODER_WEIGHTS_FORMAT } from './local/encoder-train.ts';
import { loadThreadedLocalJudge } from './local/threaded.ts';
import { isLocalJudge } from './ids.ts';
import type { Judge } from './types.ts';

export interface JudgeSpecOptions extends ModelContext {
  /** LLM judges: self-consistency samples. */
  samples?: number;
}

/**
 * A judge from its spec: `local` (the offline encoder judge, data/judge/local-encoder-judge.json over the fetched
 * all-MiniLM-L6-v2; fails with a clear error when the encoder is missing), `local-fast` (the n-gram judge,
 * data/judge/local-judge.json, on its own thread), `local-cross` (the fine-tuned cross-encoder,
 * data/judge/cross-encoder/, on ONNX Runtime), `local:FILE` / `local-fast:FILE` / `local-cross:DIR` (other weights),
 * or `llm:MODEL_SPEC` (an LLM judge on any provider, e.g. `llm:openai:gpt-4o-mini`).
 */
export async function createJudge(spec: string, options: JudgeSpecOptions = {}): Promise<Judge> {
  if (spec === 'local-fast' || spec.startsWith('local-fast:')) {
    const file = spec === 'local-fast' ? undefined : spec.slice('local-fast:'.length);
    return loadThreadedLocalJudge(file);
  }
  if (spec === 'local-cross' || spec.startsWith('local-cross:')) {
    return loadCrossJudge(spec === 'local-cross' ? undefined : spec.slice('local-cross:'.length));
  }
  if (spec === 'local' || spec.startsWith('local:')) {
    const file = spec === 'local' ? undefined : spec.slice('local:'.length);
    // local:FILE with n-gram weights (format tenet-local-judge/1) stays the n-gram judge
    if (file !== undefined && readEncoderWeights(file).format !== ENCODER_WEIGHTS_FORMAT) return loadThreadedLocalJudge(file);
    return loadEncoderJudge(file, { env: options.env ?? process.env });
  }
  if (spec.startsWith('llm:')) {
    const { samples, ...context } = options;
    return createLlmJudge(createModel(spec.slice('llm:'.length), { role: 'judge', ...context }), { ...(samples ? { samples } : {}) });
  }
  throw new TenetError('BAD_USAGE', `unknown judge "${spec}"`, {
    hint: 'use --judge local (offline encoder judge, the default), --judge local-fast (offline n-grams), --judge local-cross (offline cross-encoder) or --judge llm:MODEL_SPEC, e.g. llm:openai:gpt-4o-mini',
  });
}

/**
 * What a user should know before trusting this judge's violation scores, or undefined. The offline judge's
 * violation head is measured in docs/judges.md and is only a little better than calling everything a violation.
 */
export function violationCaveat(judge: Pick<Judge, 'id' | 'version'>): string | undefined {
  return isLocalJudge(judge.id)
    ? `the offline judge (${judge.id}@${judge.version}) gives weak violation scores on held-out data (docs/judges.md); for violation rates you can rely on, use --judge llm:MODEL_SPEC`
    : undefined;
}
