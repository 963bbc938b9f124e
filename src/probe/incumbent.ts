/**
 * The incumbent's defence (issue 19, item 5). The current prompt's selection score was the maximum of noisy
 * means when it was accepted (the winner's curse), so a candidate compared with it must beat a lucky draw and
 * real improvements are rejected. Each iteration the incumbent is therefore re-sampled: K new completions
 * (the same K as a candidate gets), judged by the select judge, and the best candidate must beat that fresh
 * estimate, so acceptance compares like with like.
 *
 * The new completions get new sample indices, so neither the store nor the response cache replays old ones:
 * a prompt task holds its K selection samples at 0 … K−1 and its K′ fresh (report) samples at K … K+K′−1;
 * its d-th defence (d = 1 for the first iteration after it was accepted) draws K+K′+(d−1)K … K+K′+dK−1. The
 * indices below are all stored by then, so the stage draws exactly the new range, and a resumed run draws
 * nothing it stored.
 */
import { measureMessages, sampleStage, scoresOf, summarise, type Ctx, type Work } from './context.ts';
import { promptTask } from './trajectory.ts';
import { PROBE_PROMPT_TASK, type DefendedScore } from './types.ts';

/** How many times in a row the incumbent has been defended, this iteration included (the records since it was accepted). */
export function defenceNumber(work: Pick<Work, 'state' | 'previous'>): number {
  const records = work.state.records;
  let d = 0;
  for (let i = records.length - 1; i >= 0 && records[i]!.promptTaskId === work.previous!.promptTaskId; i--) d++;
  return d;
}

/** The sample indices [from, to) of the d-th defence. */
export function defenceRange(config: { samples: number; evalSamples: number }, d: number): { from: number; to: number } {
  const from = config.samples + config.evalSamples + (d - 1) * config.samples;
  return { from, to: from + config.samples };
}

/**
 * Re-sample the incumbent of every work that has a candidate to compare with it; its score by work. A work
 * whose defence could not be drawn or judged gets an error. Null when interrupted.
 */
export async function defendIncumbents(ctx: Ctx, works: readonly Work[], roundNo: number): Promise<Map<Work, DefendedScore> | null> {
  const { config } = ctx;
  const defended = new Map<Work, DefendedScore>();
  const byRange = new Map<number, Work[]>();
  for (const work of works) {
    if (!work.previous || work.toSample.length === 0 || work.state.error) continue;
    const d = defenceNumber(work);
    byRange.set(d, [...(byRange.get(d) ?? []), work]);
  }
  for (const [d, group] of byRange) {
    const { from, to } = defenceRange(config, d);
    const tasks = group.map((w) => ({ work: w, task: promptTask(w.state.p, w.previous!.prompt, config.promptVersion), taskId: w.previous!.promptTaskId }));
    const failed = await sampleStage(ctx, tasks.map((t) => t.task), { kind: PROBE_PROMPT_TASK, model: ctx.target, samples: to, judge: ctx.selectJudge, messages: measureMessages, label: `probe defend ${roundNo}` });
    if (failed === null) return null;
    let scored: Awaited<ReturnType<typeof scoresOf>>;
    try {
      scored = await scoresOf(ctx, tasks.filter((t) => !failed.has(t.taskId)), { judge: ctx.selectJudge, model: ctx.target.spec, from, to });
    } catch (error) {
      if (ctx.signal.aborted) return null;
      throw error;
    }
    for (const { work, taskId } of tasks) {
      const error = failed.get(taskId);
      const samples = scored.scores.get(taskId) ?? [];
      if (error !== undefined) work.state.error = `sampling ${ctx.target.spec} (re-sampling the current prompt): ${error}`;
      else if (samples.length === 0) work.state.error = `judge ${ctx.selectJudge.id} gave no violation score for any re-sample of the current prompt`;
      else {
        const s = summarise(samples, config.tau);
        defended.set(work, { violation: s.violation, violationRate: s.violationRate, n: samples.length, from, to });
      }
    }
  }
  return defended;
}
