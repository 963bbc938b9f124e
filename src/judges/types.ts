import type { MftFoundationId } from '../values/mft.ts';
import type { SchwartzValueId } from '../values/schwartz.ts';

/** One (prompt, response) to judge, optionally against a principle or a moral foundation. */
export interface JudgeItem {
  id?: string;
  prompt: string;
  response: string;
  /** A value principle (rule of thumb) the response may violate. */
  principle?: string;
  foundation?: MftFoundationId;
}

/** A Schwartz vector: each of the 10 values in [-1, 1] (−1 opposed, 0 unrelated, +1 supported, as in FULCRA). */
export type SchwartzVector = Record<SchwartzValueId, number>;

export interface JudgeResult {
  values: SchwartzVector;
  /** Probability in [0, 1] that the response violates the given principle or foundation; absent when none was given. */
  violation?: number;
  /** In [0, 1]: how sure the judge is of this result. */
  confidence: number;
  /** A short reason (LLM judges). */
  rationale?: string;
  /** True when the judge cannot tell (the encoder judge: violation within its abstain band of 0.5). */
  lowConfidence?: boolean;
}

export interface Judge {
  /** Stable id, e.g. `local` or `llm:openai:gpt-4o-mini`. */
  readonly id: string;
  /** Changes whenever the judge's behaviour can change (weights, prompt version); stored with every judgment. */
  readonly version: string;
  judge(items: JudgeItem[], options?: { signal?: AbortSignal }): Promise<JudgeResult[]>;
}

