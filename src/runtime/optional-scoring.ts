/**
 * Teacher-forced scoring for measurements that need it. Optional ones (the probe's perplexity, VILMO's
 * quality cost) ask Provider.scoringSupport() first and, when the endpoint cannot score, record "not
 * available: REASON" instead of failing the run; an endpoint found unable mid-way (score() throws
 * SCORING_UNAVAILABLE) is treated the same.
 * Required ones (an explicitly requested reference, `--scoring logprob`) are refused up front.
 */
import { TenetError } from '../errors.ts';
import type { Provider } from '../models/types.ts';

/** What is recorded when an optional measurement cannot be made. */
export function notAvailable(reason: string): string {
  return `not available: ${reason}`;
}

/**
 * Why an error thrown by `score()` means the endpoint cannot score (the reason), or null for any other
 * failure (which still fails the run).
 */
export function scoringUnavailableReason(error: unknown): string | null {
  if (!(error instanceof TenetError)) return null;
  return error.code === 'SCORING_UNAVAILABLE' ? error.message : null;
}

/** Refuse up front (BAD_USAGE) when a measurement that cannot do without scoring is asked of a model that cannot score. */
export async function requireScoring(model: Pick<Provider, 'spec' | 'scoringSupport'>, what: string, hint: string, signal?: AbortSignal): Promise<void> {
  const support = await model.scoringSupport(signal ? { signal } : {});
  if (!support.available) throw new TenetError('BAD_USAGE', `${what}, and ${model.spec} cannot score a given text teacher-forced (${support.reason})`, { hint });
}
