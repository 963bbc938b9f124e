/**
 * Two judges wherever something is optimised: one that selects (the proxy) and one that reports (held out).
 * When one judge does both, what it picked is optimised against it and its scores overstate what another judge
 * would find (Goodhart). The probe and alignment (best-of-N, exports, the reward server) print this warning.
 */
import { sameJudge } from './ids.ts';
import type { Judge } from './types.ts';

type JudgeRef = Pick<Judge, 'id' | 'version'>;


/**
 * The Goodhart warning for one judge that both selects and reports, e.g. `goodhartText(judge, 'selects the
 * prompts', 'the prompts')`; `scores` names what overstates (default "its scores").
 */
export function goodhartText(judge: JudgeRef, selects: string, picked: string, scores = 'its scores'): string {
  return `one judge (${judge.id}@${judge.version}) both ${selects} and scores them: ${picked} are optimised against it, so ${scores} can overstate what another judge would find (Goodhart); pass --select-judge with a different judge to separate them`;
}

/** The warning where one judge both selects and reports (null with two judges): held-out equals proxy. */
export function oneJudgeWarning(select: JudgeRef, report: JudgeRef, selects: string): string | null {
  if (!sameJudge(select, report)) return null;
  return `${goodhartText(report, selects, 'its picks')}; held-out equals proxy here`;
}
