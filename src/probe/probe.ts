/**
 * DeNEVIL-style probing (Duan et al., ICLR 2024): per principle, P trajectories, each from a neutral story
 * opening in its own setting (near-duplicates dropped), then T iterations of
 *
 *   E-step: K completions of the current opening sampled from p(y | x, ¬v) (the violation made explicit;
 *           the helper writes them when the target refuses) and judged: the violating ones are the evidence;
 *   M-step: the generator rewrites the opening (C candidates) so that the evidence follows naturally;
 *           candidates that state or demand the violation are rejected by the select judge; the rest are
 *           ranked (mean judged violation over K samples, or Σ_y w_y [mean log p(y | x) + log p_ω(¬v | y)])
 *           and the best replaces the current opening only when its selection score is higher;
 *   fresh:  K′ more completions of the current opening, judged by the reporting judge: what it is reported with.
 *
 * A trajectory stops after T iterations or when two iterations in a row gain less than ε. Trajectories
 * advance in lockstep rounds so that each round's sampling goes through the shared sample stage at once.
 * This file is the orchestrating loop; each step has its own file: e-step.ts, m-step.ts (rewrite, neutrality
 * check, ranking, keep the better), fresh.ts (held-out evaluation), set-quality.ts (the exported set's
 * quality); config.ts checks the options, context.ts holds what the steps share. See docs/probe.md.
 */
import { TenetError } from '../errors.ts';
import { acquireRunLease } from '../runtime/lease.ts';
import { openRun } from '../runtime/run.ts';
import { check, checkScoring, configDiff, goodhartWarning, isPositiveInt, PROBE_DEFAULTS, probeConfig } from './config.ts';
import type { Ctx, PrincipleState, Work } from './context.ts';
import { eStep } from './e-step.ts';
import { freshStep } from './fresh.ts';
import { mStep } from './m-step.ts';
import { measureQuality } from './set-quality.ts';
import {
  loadDuplicates,
  loadIterations,
  markDuplicates,
  principleResult,
  trajectoryKey,
  withDuplicate,
  stopReason,
  writeIterations,
} from './trajectory.ts';
import { PROBE_RUN_KIND, type ProbeQuality, type ProbeOptions, type ProbeResult, type ProbeRunConfig } from './types.ts';


/** One round: every active trajectory makes its next iteration. False when interrupted. */
async function round(ctx: Ctx, active: PrincipleState[], all: readonly PrincipleState[], roundNo: number): Promise<boolean> {
  const works: Work[] = active.map((state) => {
    const previous = state.records.at(-1);
    return { state, iteration: state.records.length, ...(previous ? { previous } : {}), evidence: [], evidenceViolating: false, evidenceTexts: [], candidates: [], toSample: [] };
  });
  const seeds = works.filter((w) => !w.previous).length;
  ctx.log(`round ${roundNo}: ${seeds ? `${seeds} seed opening${seeds === 1 ? '' : 's'}` : ''}${seeds && works.length > seeds ? ', ' : ''}${works.length > seeds ? `${works.length - seeds} refinement${works.length - seeds === 1 ? '' : 's'}` : ''}`);

  // E-step: completions of the previous prompts conditioned on the violation.
  if (!(await eStep(ctx, works))) return false;
  // M-step: rewrite, check neutrality, rank, keep the better.
  const chosen = await mStep(ctx, works, all, roundNo);
  if (chosen === null) return false;
  // The fresh, held-out score of each current prompt.
  const records = await freshStep(ctx, chosen, roundNo);
  if (records === null) return false;
  await writeIterations(ctx.store, ctx.runId, records);
  for (const r of records) active.find((s) => s.p.id === r.principleId && s.slot === r.slot)!.records.push(r);
  return true;
}

/**
 * Probe a target model's values with DeNEVIL-style prompt refinement. Every iteration is stored as it
 * completes; calling again with the same options (or `resume`) continues the run: stored iterations are not
 * redone, stored samples are not drawn again, and generator calls replay from the response cache.
 */
export async function runProbe(options: ProbeOptions): Promise<ProbeResult> {
  const config = probeConfig(options);
  await checkScoring(options.target, config.scoring, options.signal);
  const { store } = options;
  const concurrency = options.concurrency ?? PROBE_DEFAULTS.concurrency;
  check(isPositiveInt(concurrency), `concurrency must be a positive integer, got ${concurrency}`);
  if (options.resume) {
    const existing = await store.runs.get(options.resume);
    const differs = existing?.kind === PROBE_RUN_KIND ? configDiff(config, existing.config) : [];
    if (differs.length > 0) {
      throw new TenetError('BAD_USAGE', `run ${options.resume} was started with a different configuration (${differs.join(', ')})`, {
        hint: 'resume with the run\'s own settings (`tenet probe --resume RUN` alone takes them from the run), or start a new run',
        details: { differs },
      });
    }
  }
  const run = await openRun(store, {
    kind: PROBE_RUN_KIND,
    name: options.name ?? `probe ${config.target}`,
    config,
    ...(options.resume ? { resume: options.resume } : {}),
  });
  // One process per run: held across every round (the generator's calls too), refused when held elsewhere.
  const lease = await acquireRunLease(store, run.id);
  try {
    return await probeRun(options, config, run.id, concurrency);
  } finally {
    await lease.release();
  }
}

async function probeRun(options: ProbeOptions, config: ProbeRunConfig, runId: string, concurrency: number): Promise<ProbeResult> {
  const { store } = options;
  const ctx: Ctx = {
    store,
    runId,
    config,
    target: options.target,
    generator: options.generator,
    judge: options.judge,
    judgeSpec: options.judgeSpec ?? options.judge.id,
    selectJudge: options.selectJudge ?? options.judge,
    selectJudgeSpec: options.selectJudge ? (options.selectJudgeSpec ?? options.selectJudge.id) : (options.judgeSpec ?? options.judge.id),
    executor: options.executor,
    concurrency,
    signal: options.signal ?? new AbortController().signal,
    progress: options.progress ?? false,
    log: options.log ?? (() => {}),
  };
  const warning = goodhartWarning(config);
  if (warning) ctx.log(`warning: ${warning}`);

  const stored = await loadIterations(store, runId);
  const duplicates = await loadDuplicates(store, runId);
  const states: PrincipleState[] = config.principles.flatMap((p) => Array.from({ length: config.promptsPerPrinciple }, (_, slot) => {
    const key = trajectoryKey(p.id, slot);
    const duplicateOf = duplicates.get(key);
    return { p, slot, records: stored.get(key) ?? [], ...(duplicateOf !== undefined ? { duplicateOf } : {}) };
  }));
  let interrupted = false;
  try {
    for (let r = 0; ; r++) {
      const active = states.filter((s) => !s.error && s.duplicateOf === undefined && stopReason(s.records, config) === null);
      if (active.length === 0) break;
      if (ctx.signal.aborted || !(await round(ctx, active, states, r))) {
        interrupted = true;
        break;
      }
    }
  } catch (error) {
    if (!ctx.signal.aborted) {
      await store.runs.setStatus(runId, 'failed');
      throw error;
    }
    interrupted = true;
  }
  const failed = states.some((s) => s.error);
  const principles = markDuplicates(states.map((s) => withDuplicate(principleResult(s.p, s.slot, s.records, config, interrupted ? 'interrupted' : 'pending', s.error), s.duplicateOf)));
  let quality: ProbeQuality | undefined;
  if (!interrupted) {
    try {
      quality = await measureQuality(ctx, principles, options.reference ?? options.target);
    } catch (error) {
      if (!ctx.signal.aborted) throw error;
      interrupted = true;
    }
  }
  const status = interrupted ? 'interrupted' : failed ? 'failed' : 'done';
  await store.runs.setStatus(runId, status);
  return { run: runId, status, config, principles, ...(quality ? { quality } : {}) };
}

