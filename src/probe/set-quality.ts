/**
 * The quality of a probe run's exported set: Self-BLEU, and perplexity under a reference model when it can
 * score (an optional measurement: when it cannot, the reason is recorded and the run goes on). Measured once
 * per set and reference and stored, so that a rerun reads it back instead of scoring again.
 */
import type { Provider } from '../models/types.ts';
import { notAvailable, scoringUnavailableReason } from '../runtime/optional-scoring.ts';
import { stableId } from '../store/index.ts';
import type { Ctx } from './context.ts';
import { perplexity, selfBleu } from './quality.ts';
import { exportedPrompts } from './trajectory.ts';
import { PROBE_QUALITY_TASK, type PrincipleResult, type ProbeQuality } from './types.ts';

/** Self-BLEU and perplexity (under `reference`) of the exported set (the distinct final prompts). */
export async function measureQuality(ctx: Ctx, principles: readonly PrincipleResult[], reference: Provider): Promise<ProbeQuality> {
  const texts = exportedPrompts(principles);
  const setHash = stableId(...texts, reference.spec);
  const taskId = stableId('task', ctx.runId, PROBE_QUALITY_TASK, setHash);
  const existing = await ctx.store.tasks.get(taskId);
  if (existing) return existing.input as ProbeQuality;
  const ppl = await perplexityOf(ctx, reference, texts);
  if (typeof ppl === 'string') ctx.log(`perplexity ${notAvailable(ppl)}`);
  const quality: ProbeQuality = {
    n: texts.length,
    selfBleu: selfBleu(texts),
    perplexity: typeof ppl === 'string' ? null : ppl,
    ...(typeof ppl === 'string' ? { perplexityUnavailable: ppl } : {}),
    setHash,
  };
  await ctx.store.tasks.putMany([{ id: taskId, runId: ctx.runId, kind: PROBE_QUALITY_TASK, input: quality }]);
  return quality;
}

/** The set's perplexity under `reference`, or why it is not available. */
async function perplexityOf(ctx: Ctx, reference: Provider, texts: readonly string[]): Promise<ProbeQuality['perplexity'] | string> {
  if (texts.length === 0) return 'no prompt finished, so there is no exported prompt to measure';
  const support = await reference.scoringSupport(ctx.signal ? { signal: ctx.signal } : {});
  if (!support.available) return support.reason;
  try {
    const ppl = await perplexity(reference, texts, ctx.signal);
    await ctx.store.runs.addTotals(ctx.runId, { calls: texts.length, scoringCalls: texts.length });
    if (ppl.value === null) return 'no exported prompt had a token to score';
    return { value: ppl.value, ci: [ppl.ci[0] ?? ppl.value, ppl.ci[1] ?? ppl.value], median: ppl.median!, tokens: ppl.tokens, n: ppl.n, model: ppl.model, method: 'corpus' };
  } catch (error) {
    const reason = ctx.signal.aborted ? null : scoringUnavailableReason(error);
    if (reason === null) throw error;
    return reason;
  }
}
