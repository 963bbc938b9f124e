/** The quality of a probe run's exported set (Self-BLEU, perplexity under a reference model), measured once and stored. */
import type { Provider } from '../models/types.ts';
import { stableId } from '../store/index.ts';
import type { Ctx } from './context.ts';
import { perplexity, selfBleu } from './quality.ts';
import { exportedPrompts } from './trajectory.ts';
import { PROBE_QUALITY_TASK, type PrincipleResult, type ProbeQuality } from './types.ts';

/**
 * Self-BLEU and perplexity of the exported set (the distinct final prompts), stored once per set and
 * reference model so that a rerun reads them back instead of scoring again.
 */
export async function measureQuality(ctx: Ctx, principles: readonly PrincipleResult[], reference: Provider | undefined): Promise<ProbeQuality> {
  const texts = exportedPrompts(principles);
  const setHash = stableId(...texts, reference?.spec ?? '');
  const taskId = stableId('task', ctx.runId, PROBE_QUALITY_TASK, setHash);
  const existing = await ctx.store.tasks.get(taskId);
  if (existing) return existing.input as ProbeQuality;
  const ppl = reference && texts.length > 0 ? await perplexity(reference, texts, ctx.signal) : null;
  if (ppl) await ctx.store.runs.addTotals(ctx.runId, { calls: texts.length, scoringCalls: texts.length });
  const quality: ProbeQuality = {
    n: texts.length,
    selfBleu: selfBleu(texts),
    perplexity: ppl ? { value: ppl.value, ci: ppl.ci, n: ppl.n, model: ppl.model } : null,
    setHash,
  };
  await ctx.store.tasks.putMany([{ id: taskId, runId: ctx.runId, kind: PROBE_QUALITY_TASK, input: quality }]);
  return quality;
}
