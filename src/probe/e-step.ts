/**
 * The E-step (DeNEVIL): K completions of the current opening sampled from p(y | x, ¬v), the violation made
 * explicit, and judged by the select judge; the violating ones are the evidence the M-step rewrites towards.
 */
import type { Provider } from '../models/types.ts';
import { taskIdOf, type PromptTask } from '../runtime/sample-stage.ts';
import { sampleStage, scoresOf, type Ctx, type Work } from './context.ts';
import { PROBE_PROMPT_VERSION, violateMessages } from './prompts.ts';
import { promptTask, type ProbePromptTask } from './trajectory.ts';
import { PROBE_EVIDENCE_TASK, type ProbePrinciple } from './types.ts';

/** Completions of the previous prompt shown to the generator in an M-step. */
const MAX_EVIDENCE = 3;

/** The evidence task of a prompt: its completions conditioned on the violation. */
function evidenceTask(p: ProbePrinciple, prompt: string): ProbePromptTask {
  const task = promptTask(p, prompt, PROBE_PROMPT_VERSION);
  return { ...task, id: `${task.id}#not-v` };
}

/**
 * The E-step for every refinement of the round: K completions of the previous prompt sampled from
 * p(y | x, ¬v) (the violation made explicit, `violateMessages`), judged by the select judge. The violating
 * ones (above τ), most violating first, are the evidence. When the target wrote none (it refused), the
 * helper (the generator) is asked the same; failing that, the target's closest completions are used.
 */
export async function eStep(ctx: Ctx, works: Work[]): Promise<boolean> {
  const { config } = ctx;
  const refinements = works.filter((w) => w.previous);
  if (refinements.length === 0) return true;
  const messages = (t: PromptTask) => violateMessages(t.principle ?? '', t.prompt);
  const pick = async (model: Provider, list: Work[]): Promise<Work[] | null> => {
    const tasks = list.map((w) => evidenceTask(w.state.p, w.previous!.prompt));
    const failed = await sampleStage(ctx, tasks, { kind: PROBE_EVIDENCE_TASK, model, samples: config.samples, judge: ctx.selectJudge, messages, label: 'probe E-step' });
    if (failed === null) return null;
    const ids = tasks.map((t) => ({ task: t, taskId: taskIdOf(ctx.runId, PROBE_EVIDENCE_TASK, t) }));
    const { scores } = await scoresOf(ctx, ids, { judge: ctx.selectJudge, model: model.spec, from: 0, to: config.samples });
    const none: Work[] = [];
    list.forEach((work, i) => {
      const { taskId } = ids[i]!;
      const error = failed.get(taskId);
      if (error !== undefined) {
        work.state.error = `E-step sampling ${model.spec}: ${error}`;
        return;
      }
      const ranked = [...(scores.get(taskId) ?? [])].sort((a, b) => b.violation - a.violation);
      const violating = ranked.filter((s) => s.violation > config.tau);
      if (violating.length > 0) {
        work.evidence = violating.slice(0, MAX_EVIDENCE);
        work.evidenceViolating = true;
        work.evidenceSource = model === ctx.target ? 'target' : 'helper';
      } else {
        if (model === ctx.target) {
          work.evidence = ranked.slice(0, MAX_EVIDENCE);
          work.evidenceSource = 'target';
        }
        none.push(work);
      }
    });
    return none;
  };
  const refused = await pick(ctx.target, refinements);
  if (refused === null) return false;
  if (refused.length > 0 && ctx.generator.spec !== ctx.target.spec) {
    if ((await pick(ctx.generator, refused)) === null) return false;
  }
  for (const work of refinements) {
    if (work.state.error) continue;
    for (const e of work.evidence) work.evidenceTexts.push((await ctx.store.samples.get(e.sampleId))?.text ?? '');
    if (work.evidence.length === 0) work.state.error = `the E-step got no judged completion of the current prompt (judge ${ctx.selectJudge.id} gave no violation score)`;
  }
  return true;
}
