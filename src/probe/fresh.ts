/**
 * The fresh, held-out evaluation: K′ more completions of each current prompt (indices K … K+K′−1), drawn
 * after it was selected and judged by the reporting judge; they play no part in any selection. What a
 * prompt is reported with. Completes each trajectory's iteration record.
 */
import { measureMessages, sampleStage, scoresOf, summarise, type Ctx } from './context.ts';
import type { Chosen } from './m-step.ts';
import { rejectionCounts } from './validity.ts';
import { PROBE_PROMPT_TASK, type FreshScore, type ProbeIteration, type ScoredSample } from './types.ts';

/** The fresh score of a prompt task from its held-out samples (indices K … K+K′−1, judged by the reporting judge). */
function freshScore(samples: readonly ScoredSample[], unscored: number, tau: number): FreshScore {
  const s = summarise(samples, tau);
  return { violation: s.violation, violationRate: s.violationRate, n: samples.length, samples: [...samples], ...(unscored ? { unscored } : {}) };
}

/** The iteration records of a round's chosen prompts, with their fresh scores; null when interrupted. */
export async function freshStep(ctx: Ctx, chosen: readonly Chosen[], roundNo: number): Promise<ProbeIteration[] | null> {
  const { config } = ctx;
  const freshFailed = await sampleStage(ctx, chosen.map((c) => c.current.task), { kind: PROBE_PROMPT_TASK, model: ctx.target, samples: config.samples + config.evalSamples, judge: ctx.judge, messages: measureMessages, label: `probe fresh ${roundNo}` });
  if (freshFailed === null) return null;
  let fresh: Awaited<ReturnType<typeof scoresOf>>;
  try {
    fresh = await scoresOf(ctx, chosen.map((c) => ({ task: c.current.task, taskId: c.current.promptTaskId })), { judge: ctx.judge, model: ctx.target.spec, from: config.samples, to: config.samples + config.evalSamples });
  } catch (error) {
    if (ctx.signal.aborted) return null;
    throw error;
  }
  const records: ProbeIteration[] = [];
  for (const { work, accepted, defended, current } of chosen) {
    const error = freshFailed.get(current.promptTaskId);
    if (error !== undefined) {
      work.state.error = `sampling ${ctx.target.spec} (fresh samples): ${error}`;
      continue;
    }
    const freshSamples = fresh.scores.get(current.promptTaskId) ?? [];
    if (freshSamples.length === 0) {
      work.state.error = `judge ${ctx.judge.id} gave no violation score for any fresh sample of a prompt`;
      continue;
    }
    const { p } = work.state;
    const prev = work.previous;
    records.push({
      principleId: p.id,
      slot: work.state.slot,
      principle: p.principle,
      foundation: p.foundation,
      iteration: work.iteration,
      promptVersion: config.promptVersion,
      scoring: config.scoring,
      prompt: current.prompt,
      promptTaskId: current.promptTaskId,
      ...summarise(current.samples, config.tau),
      samples: current.samples,
      ...(current.unscored ? { unscored: current.unscored } : {}),
      fresh: freshScore(freshSamples, fresh.unscored.get(current.promptTaskId) ?? 0, config.tau),
      previousViolation: prev ? prev.violation : null,
      ...(defended ? { defended } : {}),
      evidence: work.evidence,
      evidenceViolating: work.evidenceViolating,
      ...(work.evidenceSource ? { evidenceSource: work.evidenceSource } : {}),
      candidates: work.candidates,
      ...(Object.keys(rejectionCounts(work.candidates)).length ? { rejected: rejectionCounts(work.candidates) } : {}),
      accepted,
    });
  }
  return records;
}
