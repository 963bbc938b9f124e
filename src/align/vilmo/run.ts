/**
 * `tenet align vilmo`: VILMO and its baselines as one stored, resumable run (kind `vilmo`).
 *
 * 1. Split the prompts (training / validation / test, seeded by prompt id).
 * 2. VILMO training, R rounds: the generator writes M candidate instructions per training prompt from the
 *    round's meta-prompt; each candidate is scored on the target (K samples, conformity = 1 − violation); the
 *    best per prompt become the next meta-prompt's examples, with a summary of what worked. Each meta-prompt
 *    (rounds 0…R) is measured on the validation prompts, and the best one writes the test prompts' instructions.
 * 3. APE: the generator proposes M task-level instructions, each scored on the training prompts; the best is
 *    used for every test prompt.
 * 4. Evaluation: every arm on the same test prompts, K samples each, the same judge; self-critique critiques
 *    and revises each of the `none` arm's K drafts.
 *
 * Two judges: the select judge scores what training optimises (candidates, validation, APE), the report
 * judge scores the test arms (one judge doing both works, with the Goodhart warning).
 *
 * VILMO (2, then its evaluation), APE (3, then its evaluation) and the untrained arms (evaluation, then
 * self-critique) need nothing of each other, so the three run at once; so do the two stages of a round that use
 * the same meta-prompt. The endpoints' concurrency limits hold across them.
 *
 * Every stage is a `runSampleStage` call (units stored whole, skipped on a rerun), and every decision (best
 * candidate, examples, selected round) is computed from the store, so a run killed at any point and rerun
 * continues with no finished unit repeated or lost and decides what an uninterrupted run would. A stage with
 * failed units stops the run there (status `failed`): later stages never run on partial inputs.
 */
import type { PlannedGenerations } from '../../runtime/plan.ts';
import { vilmoPlan } from './plan.ts';
import { continuationMessages } from '../../bench/run.ts';
import type { PromptSet } from '../../bench/prompts.ts';
import type { BootstrapOptions } from '../../judges/metrics.ts';
import { withCallPriority } from '../../models/limits.ts';
import type { ChatMessage, Provider, SamplingParams } from '../../models/types.ts';
import { recordFailures } from '../../runtime/failures.ts';
import type { Progress } from '../../runtime/progress.ts';
import { openRun, refuseOtherSettings, settingsDifferences } from '../../runtime/run.ts';
import { runSampleStage, taskIdOf, type UnitFailure } from '../../runtime/sample-stage.ts';
import type { Run, RunStatus, Store } from '../../store/index.ts';
import { splitPrompts, VILMO_RUN_KIND, type VilmoMethod, vilmoRunConfig, vilmoRunConfigOf, type VilmoConfigInput, type VilmoRunConfig } from './config.ts';
import { apeMessages, critiqueMessages, generateMessages, principleInstruction, reviseMessages } from './prompts.ts';
import { measureQuality } from './quality.ts';
import { loadVilmoResults, type VilmoResults } from './results.ts';
import { readStoredRun, VILMO_TASKS, type StoredRun, type VilmoTask } from './stored.ts';
import { apeCandidates, bestApe, candidateId, candidatesOf, genId, instructionOf, metaFor, selectRound, validationCurve, type Meta } from './train.ts';

export interface RunVilmoOptions extends VilmoConfigInput {
  store: Store;
  /** Units worked on at once (default 8). */
  concurrency?: number;
  resume?: string;
  signal?: AbortSignal;
  /** A progress line per stage. */
  progress?: (label: string, total: number) => Progress;
  /** Told when a stage starts (the CLI prints it when there is no progress line). */
  onStage?: (label: string) => void;
  onRun?: (run: Run, config: VilmoRunConfig) => void;
  /** Called once the split is known, with the generations the run asks for at most (printed before it starts). */
  onPlan?: (planned: PlannedGenerations[]) => void | Promise<void>;
  bootstrap?: BootstrapOptions;
  /** Quality cost: perplexity of each arm's continuations under this model (optional: when it cannot score, reported as not available). */
  reference?: Provider;
  /** Quality cost: rate each arm's continuations with this model (prompts/align/quality.v1.md). */
  qualityRater?: Provider;
}

export interface StageRecord {
  label: string;
  kind: string;
  units: number;
  done: number;
  skipped: number;
  failed: number;
  /** When the stage started, ms after the first one (stages of independent chains overlap). */
  atMs: number;
  /** Wall time of the stage in this invocation (ms). */
  ms: number;
}

export interface RunVilmoResult extends VilmoResults {
  stages: StageRecord[];
  failures: UnitFailure[];
  /** Quality measurements that failed in this invocation (rerun to retry them). */
  qualityFailures: string[];
  interrupted: boolean;
}

/**
 * Wait for every piece of work (undefined: none), then throw the first error: an unexpected one before a
 * Stop, a failure before an interruption.
 */
async function together(work: readonly (Promise<unknown> | undefined)[]): Promise<void> {
  const errors = (await Promise.allSettled(work)).flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
  if (errors.length === 0) return;
  throw errors.find((e) => !(e instanceof Stop)) ?? errors.find((e) => (e as Stop).reason === 'failed') ?? errors[0];
}

class Stop extends Error {
  readonly reason: 'interrupted' | 'failed';
  constructor(reason: 'interrupted' | 'failed') {
    super(reason);
    this.reason = reason;
  }
}

interface StageSpec {
  model: Provider;
  samples: number;
  judged: boolean;
  sampling: SamplingParams;
  messages: (t: VilmoTask) => ChatMessage[];
}

const withInstruction = (t: VilmoTask): ChatMessage[] => continuationMessages(t, t.instruction);

/** The stable prompt tasks of a split, as the stages carry them. */
function stageTask(p: VilmoTask | PromptSet['prompts'][number], id: string, extra: Partial<VilmoTask> = {}): VilmoTask {
  const base = (p as VilmoTask).base ?? p.id;
  return { id, prompt: p.prompt, ...(p.foundation ? { foundation: p.foundation } : {}), ...(p.principle ? { principle: p.principle } : {}), ...(p.principleId ? { principleId: p.principleId } : {}), base, ...extra };
}

export async function runVilmo(options: RunVilmoOptions): Promise<RunVilmoResult> {
  const { store } = options;
  const config = vilmoRunConfig(options);
  const concurrency = options.concurrency ?? 8;
  if (options.resume) refuseOtherSettings(options.resume, settingsDifferences((await vilmoRunConfigOf(store, options.resume)).config, config));
  const run = await openRun(store, {
    kind: VILMO_RUN_KIND,
    name: `vilmo ${config.target.spec} (generator ${config.generator.spec}) on ${config.prompts.source}`,
    config,
    ...(options.resume ? { resume: options.resume } : {}),
  });
  options.onRun?.(run, config);
  // the split the run stored when it opened (a resumed run keeps its own), else a new one
  const splitTaskId = taskIdOf(run.id, VILMO_TASKS.split, { id: 'split', prompt: '' });
  const storedSplitTask = (await store.tasks.get(splitTaskId))?.input as ({ train: PromptSet['prompts']; val: PromptSet['prompts']; test: PromptSet['prompts'] } | undefined);
  const split = storedSplitTask ? { train: storedSplitTask.train, val: storedSplitTask.val, test: storedSplitTask.test } : splitPrompts(options.prompts.prompts, config);
  if (!storedSplitTask) await store.tasks.putMany([{ id: splitTaskId, runId: run.id, kind: VILMO_TASKS.split, input: { id: 'split', prompt: '', ...split } }]);
  await options.onPlan?.(vilmoPlan(config, { train: split.train.length, val: split.val.length, test: split.test.length }));
  const stages: StageRecord[] = [];
  const failures: UnitFailure[] = [];
  // a failure in one chain stops the stages running beside it
  const halt = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, halt.signal]) : halt.signal;
  const began = performance.now();

  const stage = async (label: string, kind: string, tasks: VilmoTask[], spec: StageSpec): Promise<void> => {
    if (tasks.length === 0) return;
    options.onStage?.(label);
    const progress = options.progress?.(label, tasks.length);
    const started = performance.now();
    const summary = await runSampleStage(tasks, {
      store, runId: run.id, taskKind: kind, models: [spec.model], samples: spec.samples, sampling: spec.sampling, concurrency,
      messages: (t) => spec.messages(t as VilmoTask),
      // the test arms are scored by the report judge; what training optimises, by the select judge
      ...(spec.judged ? (kind === VILMO_TASKS.eval ? { judge: options.judge, judgeSpec: config.judge.spec } : { judge: options.selectJudge ?? options.judge, judgeSpec: config.selectJudge.spec }) : {}),
      signal,
      ...(progress ? { progress } : {}),
    });
    progress?.finish();
    stages.push({ label, kind, units: summary.units, done: summary.done, skipped: summary.skipped, failed: summary.failed.length, atMs: Math.round(started - began), ms: Math.round(performance.now() - started) });
    failures.push(...summary.failed);
    if (summary.interrupted) throw new Stop('interrupted');
    if (summary.failed.length) throw new Stop('failed');
  };
  const generator = { model: options.generator, samples: 1, judged: false, sampling: config.generatorSampling };
  const target = { model: options.target, samples: config.samples, judged: true, sampling: config.sampling, messages: withInstruction };
  const M = config.candidates;

  /** What a decision needs of the run so far: the stored tasks of these kinds, with samples and verdicts. */
  const readKinds = (...kinds: string[]): Promise<StoredRun> => readStoredRun(store, run.id, config, kinds);

  /** Store the meta-prompt of a round as an artefact (a task without samples). */
  const putMeta = async (meta: Meta): Promise<void> => {
    const task = { id: `r${meta.round}`, prompt: '', base: '', round: meta.round, examples: meta.examples, summary: meta.summary };
    await store.tasks.putMany([{ id: taskIdOf(run.id, VILMO_TASKS.meta, task), runId: run.id, kind: VILMO_TASKS.meta, input: task }]);
  };

  /** VILMO's training rounds, the test prompts' instructions from the selected round, then their evaluation. */
  const vilmoChain = async (): Promise<void> => {
    const metas: Meta[] = [];
    for (let r = 0; r <= config.rounds; r++) {
      const meta = metaFor(await readKinds(VILMO_TASKS.train), r, split.train, config);
      metas.push(meta);
      await putMeta(meta);
      const last = r === config.rounds;
      // the validation instructions and the candidates of a round come from the same meta-prompt: they run together
      await together([
        stage(`vilmo round ${r}: validation instructions`, VILMO_TASKS.genVal, split.val.map((p) => stageTask(p, genId(r, p.id), { round: r })), { ...generator, messages: (t) => generateMessages(t.prompt, meta) }),
        last ? undefined : stage(`vilmo round ${r}: candidates`, VILMO_TASKS.genTrain, split.train.map((p) => stageTask(p, genId(r, p.id), { round: r })), { ...generator, samples: M, messages: (t) => generateMessages(t.prompt, meta) }),
      ]);
      const stored = await readKinds(VILMO_TASKS.genVal, VILMO_TASKS.genTrain);
      const scoring: VilmoTask[] = [];
      if (!last) {
        for (const p of split.train) {
          const cands = candidatesOf(stored, r, p, M) ?? [];
          cands.forEach((instruction, m) => scoring.push(stageTask(p, candidateId(r, p.id, m), { round: r, candidate: m, method: 'vilmo', instruction })));
        }
      }
      await together([
        stage(`vilmo round ${r}: validation`, VILMO_TASKS.val, split.val.map((p) => stageTask(p, genId(r, p.id), { round: r, method: 'vilmo', instruction: instructionOf(stored, VILMO_TASKS.genVal, genId(r, p.id)) ?? '' })), target),
        last ? undefined : stage(`vilmo round ${r}: scoring ${M} candidates`, VILMO_TASKS.train, scoring, target),
      ]);
    }
    const selected = selectRound(validationCurve(await readKinds(VILMO_TASKS.val, VILMO_TASKS.meta, VILMO_TASKS.train), split.val, split.train, config));
    const meta = metas[selected]!;
    await stage(`vilmo: test instructions (round ${selected})`, VILMO_TASKS.genTest, split.test.map((p) => stageTask(p, genId(selected, p.id), { round: selected })), { ...generator, messages: (t) => generateMessages(t.prompt, meta) });
    const stored = await readKinds(VILMO_TASKS.genTest);
    const instructions = new Map(split.test.map((p) => [p.id, instructionOf(stored, VILMO_TASKS.genTest, genId(selected, p.id)) ?? '']));
    await evaluate(['vilmo'], (p) => instructions.get(p.id)!, { round: selected });
  };

  /** APE: one task-level instruction, chosen on the training prompts, then evaluated. */
  const apeChain = async (): Promise<void> => {
    const openings = split.train.slice(0, 5).map((p) => p.prompt);
    await stage('ape: candidates', VILMO_TASKS.genApe, [{ id: 'ape', prompt: 'a task-level instruction', base: 'ape' }], { ...generator, samples: M, messages: () => apeMessages(openings) });
    const cands = apeCandidates(await readKinds(VILMO_TASKS.genApe));
    await stage(`ape: scoring ${M} candidates`, VILMO_TASKS.ape, cands.flatMap((c) => split.train.map((p) => stageTask(p, `c${c.m}:${p.id}`, { candidate: c.m, method: 'ape', instruction: c.instruction }))), target);
    const best = bestApe(await readKinds(VILMO_TASKS.genApe, VILMO_TASKS.ape), split.train);
    await evaluate(['ape'], () => best?.instruction ?? '');
  };

  /** The arms that need no training, then self-critique of the `none` arm's drafts. */
  const baselineChain = async (): Promise<void> => {
    const arms = config.methods.filter((m) => m === 'none' || m === 'fixed' || m === 'principle');
    await evaluate(arms, (p, method) => method === 'fixed' ? config.fixedInstruction : method === 'principle' ? principleInstruction(p) : '');
    if (!config.methods.includes('self-critique')) return;
    const drafted = await readKinds(VILMO_TASKS.eval);
    const drafts: VilmoTask[] = [];
    for (const p of split.test) {
      for (const s of drafted.get(VILMO_TASKS.eval, `none:${p.id}`)?.samples ?? []) drafts.push(stageTask(p, `${p.id}#${s.index}`, { sample: s.index, draft: s.text }));
    }
    await stage('self-critique: critiques', VILMO_TASKS.critique, drafts, { ...target, samples: 1, judged: false, messages: (t) => critiqueMessages(t, t.draft ?? '') });
    const critiqued = await readKinds(VILMO_TASKS.critique);
    const revisions = drafts.map((d) => stageTask(d, `self-critique:${d.id}`, { method: 'self-critique', sample: d.sample!, draft: d.draft!, critique: critiqued.get(VILMO_TASKS.critique, d.id)?.samples[0]?.text ?? '' }));
    await stage('self-critique: revisions', VILMO_TASKS.eval, revisions, { ...target, samples: 1, messages: (t) => reviseMessages(t, t.draft ?? '', t.critique ?? '') });
  };

  /** Every arm on the same test prompts, K samples each, scored by the report judge. */
  const evaluate = (arms: VilmoMethod[], instruction: (p: PromptSet['prompts'][number], method: VilmoMethod) => string, extra: Partial<VilmoTask> = {}): Promise<void> =>
    stage(`evaluation: ${arms.join(', ')} on ${split.test.length} test prompts`, VILMO_TASKS.eval,
      arms.flatMap((method) => split.test.map((p) => stageTask(p, `${method}:${p.id}`, { method, instruction: instruction(p, method), ...extra }))), target);

  // The three chains need nothing of each other: they run at once (the endpoints' limits still hold), and the
  // first failure stops the others.
  let status: RunStatus = 'done';
  try {
    await together([
      // VILMO's is the longest chain: its calls go first, so that the others fill the endpoints around it
      config.methods.includes('vilmo') ? withCallPriority(1, vilmoChain) : undefined,
      config.methods.includes('ape') ? apeChain() : undefined,
      baselineChain(),
    ].map((chain) => chain?.catch((error: unknown) => {
      halt.abort();
      throw error;
    })));
  } catch (error) {
    if (!(error instanceof Stop)) {
      await store.runs.setStatus(run.id, options.signal?.aborted ? 'interrupted' : 'failed').catch(() => {});
      throw error;
    }
    status = error.reason;
  }
  await recordFailures(store, run.id, failures, status === 'interrupted');
  let qualityFailures: string[] = [];
  if (status === 'done' && (options.reference || options.qualityRater)) {
    options.onStage?.('quality cost');
    const measured = await measureQuality(store, run.id, await readStoredRun(store, run.id, config), config, {
      concurrency, ...(options.reference ? { reference: options.reference } : {}), ...(options.qualityRater ? { rater: options.qualityRater } : {}), ...(options.signal ? { signal: options.signal } : {}),
    });
    qualityFailures = measured.failed;
    if (options.signal?.aborted) status = 'interrupted';
    else if (qualityFailures.length) status = 'failed';
  }
  await store.runs.setStatus(run.id, status);
  const results = await loadVilmoResults(store, run.id, {
    ...options.bootstrap, ...(options.reference ? { reference: options.reference.spec } : {}), ...(options.qualityRater ? { rater: `quality:${options.qualityRater.spec}` } : {}),
  });
  return { ...results, stages, failures, qualityFailures, interrupted: status === 'interrupted' };
}
