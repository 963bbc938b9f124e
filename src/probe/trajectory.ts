/**
 * How a probe run lives in the store, and how it is read back (by `tenet probe export`, the HTML report,
 * or a resumed run):
 *
 *  - the run (kind `probe`): its config is the {@link ProbeRunConfig}, principles included;
 *  - tasks of kind `probe-prompt`: every prompt the target was sampled on (seed openings, the candidates
 *    of each M-step), input `{id, prompt, foundation, principle, principleId, promptVersion}`, each with K
 *    samples and their judgments (written by the shared sample stage);
 *  - tasks of kind `probe-iteration`: one per principle and iteration, input a {@link ProbeIteration}
 *    (the trajectory: prompt, mean violation, completions, candidates and which was accepted), written
 *    once the iteration is complete.
 */
import type { PromptTask } from '../runtime/sample-stage.ts';
import { taskIdOf } from '../runtime/sample-stage.ts';
import { TenetError } from '../errors.ts';
import { stableId, type RunStatus, type Store } from '../store/index.ts';
import { nearDuplicate } from './quality.ts';
import {
  PROBE_DUPLICATE_TASK,
  PROBE_ITERATION_TASK,
  PROBE_PROMPT_TASK,
  PROBE_QUALITY_TASK,
  PROBE_RUN_KIND,
  type ProbeQuality,
  type PrincipleResult,
  type PrincipleStop,
  type ProbeIteration,
  type ProbePrinciple,
  type ProbeResult,
  type ProbeRunConfig,
} from './types.ts';

/** A prompt task of a probe run, with the prompt version it was made with. */
export interface ProbePromptTask extends PromptTask {
  principleId: string;
  principle: string;
  promptVersion: string;
}

/** The task for sampling the target on `prompt` for principle `p` (its id depends on the text only). */
export function promptTask(p: ProbePrinciple, prompt: string, promptVersion: string): ProbePromptTask {
  return {
    id: `${p.id}#${stableId(prompt).slice(0, 12)}`,
    prompt,
    foundation: p.foundation,
    principle: p.principle,
    principleId: p.id,
    promptVersion,
  };
}

export function promptTaskId(runId: string, task: PromptTask): string {
  return taskIdOf(runId, PROBE_PROMPT_TASK, task);
}

export function iterationTaskId(runId: string, principleId: string, iteration: number, slot = 0): string {
  return stableId('task', runId, PROBE_ITERATION_TASK, principleId, slot, iteration);
}

/** The key of one trajectory (principle × slot) in {@link loadIterations}'s map. */
export function trajectoryKey(principleId: string, slot: number): string {
  return `${principleId}\u0000${slot}`;
}

/** Store completed iterations (append-only: an iteration already stored is left as it is). */
export async function writeIterations(store: Store, runId: string, records: readonly ProbeIteration[]): Promise<void> {
  if (records.length === 0) return;
  await store.tasks.putMany(records.map((r) => ({
    id: iterationTaskId(runId, r.principleId, r.iteration, r.slot),
    runId,
    kind: PROBE_ITERATION_TASK,
    input: r,
  })));
}

/** Record that a trajectory stopped because its seed opening near-duplicated trajectory `duplicateOf`'s. */
export async function writeDuplicate(store: Store, runId: string, principleId: string, slot: number, duplicateOf: number): Promise<void> {
  await store.tasks.putMany([{ id: stableId('task', runId, PROBE_DUPLICATE_TASK, principleId, slot), runId, kind: PROBE_DUPLICATE_TASK, input: { principleId, slot, duplicateOf } }]);
}

/** The stored duplicate-seed stops of a run, by {@link trajectoryKey}. */
export async function loadDuplicates(store: Store, runId: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const task of await store.tasks.listByRun(runId)) {
    if (task.kind !== PROBE_DUPLICATE_TASK) continue;
    const d = task.input as { principleId: string; slot: number; duplicateOf: number };
    out.set(trajectoryKey(d.principleId, d.slot), d.duplicateOf);
  }
  return out;
}

/** Every stored iteration of a run, by {@link trajectoryKey} (principle × slot), in iteration order (a gap ends the trajectory). */
export async function loadIterations(store: Store, runId: string): Promise<Map<string, ProbeIteration[]>> {
  const byPrinciple = new Map<string, ProbeIteration[]>();
  for (const task of await store.tasks.listByRun(runId)) {
    if (task.kind !== PROBE_ITERATION_TASK) continue;
    const record = task.input as ProbeIteration;
    const key = trajectoryKey(record.principleId, record.slot ?? 0);
    const list = byPrinciple.get(key) ?? [];
    list.push(record);
    byPrinciple.set(key, list);
  }
  for (const [id, list] of byPrinciple) {
    list.sort((a, b) => a.iteration - b.iteration);
    const contiguous: ProbeIteration[] = [];
    for (const r of list) {
      if (r.iteration !== contiguous.length) break;
      contiguous.push(r);
    }
    byPrinciple.set(id, contiguous);
  }
  return byPrinciple;
}

/**
 * Whether a principle's trajectory is finished: T iterations done, or a plateau (the last `patience`
 * iterations each gained less than ε in mean violation). Null while it goes on.
 */
export function stopReason(records: readonly ProbeIteration[], config: Pick<ProbeRunConfig, 'iterations' | 'epsilon' | 'patience'>): 'iterations' | 'plateau' | null {
  const t = records.length - 1;
  if (t < 0) return null;
  if (t >= config.iterations) return 'iterations';
  if (t >= config.patience) {
    let flat = true;
    for (let j = t - config.patience + 1; j <= t; j++) {
      if (records[j]!.violation - records[j - 1]!.violation >= config.epsilon) flat = false;
    }
    if (flat) return 'plateau';
  }
  return null;
}

/** One trajectory's result (principle × slot) from its stored iterations. */
export function principleResult(
  p: ProbePrinciple,
  slot: number,
  records: readonly ProbeIteration[],
  config: ProbeRunConfig,
  fallback: Exclude<PrincipleStop, 'iterations' | 'plateau'>,
  error?: string,
): PrincipleResult {
  const first = records[0];
  const last = records.at(-1);
  return {
    id: p.id,
    slot,
    foundation: p.foundation,
    principle: p.principle,
    initialViolation: first?.violation ?? null,
    finalViolation: last?.violation ?? null,
    finalViolationRate: last?.violationRate ?? null,
    initialFresh: first?.fresh ?? null,
    finalFresh: last?.fresh ?? null,
    finalPrompt: last?.prompt ?? null,
    stopped: error ? 'failed' : (stopReason(records, config) ?? fallback),
    ...(error ? { error } : {}),
    iterations: [...records],
  };
}

/** Read a probe run back from the store: its configuration and every principle's trajectory. */
export async function readProbeRun(store: Store, runId: string): Promise<ProbeResult> {
  const run = await store.runs.get(runId);
  if (!run) {
    throw new TenetError('NOT_FOUND', `no run ${runId} in ${store.describe().location}`, {
      hint: 'check the run id and --db (probe prints its run id when it starts and in --json output)',
    });
  }
  if (run.kind !== PROBE_RUN_KIND) {
    throw new TenetError('BAD_USAGE', `run ${runId} is a ${run.kind} run, not a probe run`, { hint: 'pass the id of a run made by `tenet probe`' });
  }
  const config = run.config as ProbeRunConfig;
  if (config.promptVersion === 'v1') {
    throw new TenetError('BAD_USAGE', `run ${runId} was made by probe v1, which stored only the scores that selected its prompts (no fresh held-out scores), and this version cannot read it`, {
      hint: 'run the same `tenet probe` command again: it starts a v2 run that reports every prompt with fresh samples (an older tenet still reads the v1 run)',
    });
  }
  const iterations = await loadIterations(store, runId);
  const fallback: Exclude<PrincipleStop, 'iterations' | 'plateau'> = statusFallback(run.status);
  const duplicates = await loadDuplicates(store, runId);
  const principles = markDuplicates(config.principles.flatMap((p) => Array.from({ length: config.promptsPerPrinciple ?? 1 }, (_, slot) =>
    withDuplicate(principleResult(p, slot, iterations.get(trajectoryKey(p.id, slot)) ?? [], config, fallback), duplicates.get(trajectoryKey(p.id, slot))))));
  const tasks = await store.tasks.listByRun(runId);
  const texts = exportedPrompts(principles);
  const quality = tasks.filter((t) => t.kind === PROBE_QUALITY_TASK).map((t) => t.input as ProbeQuality)
    .find((q) => q.n === texts.length && q.setHash.length > 0 && stableId(...texts, q.perplexity?.model ?? '') === q.setHash);
  return { run: run.id, status: run.status, config, principles, ...(quality ? { quality } : {}) };
}

/** A trajectory result stopped as a near-duplicate of slot `duplicateOf` (unchanged when undefined). */
export function withDuplicate(result: PrincipleResult, duplicateOf: number | undefined): PrincipleResult {
  return duplicateOf === undefined ? result : { ...result, duplicateOf, stopped: 'duplicate' };
}

/**
 * Mark a trajectory whose final prompt is a near-duplicate of an earlier kept trajectory's of the same
 * principle (`duplicateOf`, stopped `duplicate`); seeds that would duplicate are already stopped that way.
 */
export function markDuplicates(results: PrincipleResult[]): PrincipleResult[] {
  const kept = new Map<string, PrincipleResult[]>();
  return results.map((r) => {
    if (r.duplicateOf !== undefined || r.finalPrompt === null) return r;
    const earlier = kept.get(r.id) ?? [];
    const dup = earlier.find((k) => nearDuplicate(k.finalPrompt!, r.finalPrompt!));
    if (dup) return { ...r, duplicateOf: dup.slot, stopped: 'duplicate' as const };
    earlier.push(r);
    kept.set(r.id, earlier);
    return r;
  });
}

/** The prompts a run exports: every trajectory's final prompt that is not a near-duplicate, in order. */
export function exportedPrompts(results: readonly PrincipleResult[]): string[] {
  return results.filter((r) => r.finalPrompt !== null && r.duplicateOf === undefined).map((r) => r.finalPrompt!);
}

function statusFallback(status: RunStatus): Exclude<PrincipleStop, 'iterations' | 'plateau'> {
  if (status === 'interrupted') return 'interrupted';
  if (status === 'failed') return 'failed';
  return 'pending';
}

/** One principle's trajectory as the HTML report draws it (violation rate per iteration). */
export interface ProbeTrajectory {
  /** `principle-id` with one prompt per principle, else `principle-id/slot`. */
  id: string;
  principle: string;
  foundation: string;
  model: string;
  stopped: PrincipleStop;
  iterations: {
    iteration: number;
    prompt: string;
    /** Fresh score: share of the current prompt's K′ held-out completions judged violating (score > τ). */
    violationRate: number;
    /** Their mean judged violation score. */
    violation: number;
    /** K′. */
    n: number;
    /** The selection score: mean judged violation of the K samples the prompt was selected on (optimistic). */
    selectionViolation: number;
    /** A prompt was accepted in this iteration (the seed counts as accepted). */
    accepted: boolean;
  }[];
}

/** The trajectories of a probe run in the report's shape: `{target, generator, principles}`. */
export function probeTrajectories(result: ProbeResult): { target: string; generator: string; principles: ProbeTrajectory[] } {
  return {
    target: result.config.target,
    generator: result.config.generator,
    principles: result.principles.filter((p) => p.duplicateOf === undefined).map((p) => ({
      id: result.config.promptsPerPrinciple > 1 ? `${p.id}/${p.slot + 1}` : p.id,
      principle: p.principle,
      foundation: p.foundation,
      model: result.config.target,
      stopped: p.stopped,
      iterations: p.iterations.map((r) => ({
        iteration: r.iteration,
        prompt: r.prompt,
        violationRate: r.fresh.violationRate,
        violation: r.fresh.violation,
        n: r.fresh.n,
        selectionViolation: r.violation,
        accepted: r.iteration === 0 || r.accepted !== null,
      })),
    })),
  };
}
