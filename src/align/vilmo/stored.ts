/**
 * A VILMO run as stored: every stage's tasks with their samples and their violation scores, read in one pass:
 * the test arms' (`vilmo-eval`) by the report judge, every other stage's (training, validation, APE) by the
 * select judge, the one training optimises. Training, selection and the results are all computed from this view, so an interrupted run
 * that is resumed decides exactly what an uninterrupted one would from the same stored samples.
 */
import type { PromptTask } from '../../runtime/sample-stage.ts';
import type { Store } from '../../store/index.ts';
import type { VilmoMethod, VilmoRunConfig } from './config.ts';
import { canonicalJudgeId } from '../../judges/ids.ts';

/** Task kinds of a VILMO run: one per stage. */
export const VILMO_TASKS = {
  /** The generator's instructions for validation prompts (1 per prompt and round). */
  genVal: 'vilmo-gen-val',
  /** The target on validation prompts with those instructions (K samples, judged). */
  val: 'vilmo-val',
  /** The generator's M candidate instructions per training prompt and round. */
  genTrain: 'vilmo-gen-train',
  /** The target on a training prompt with one candidate (K samples, judged). */
  train: 'vilmo-train',
  /** The generator's instruction for each test prompt, from the selected round's meta-prompt. */
  genTest: 'vilmo-gen-test',
  /** APE's M task-level candidates (one task). */
  genApe: 'vilmo-gen-ape',
  /** APE's candidates on the training prompts (K samples, judged). */
  ape: 'vilmo-ape',
  /** Self-critique's critiques of the `none` arm's drafts (1 per draft). */
  critique: 'vilmo-critique',
  /** Every arm on the test prompts (K samples, judged; self-critique: one revision per draft). */
  eval: 'vilmo-eval',
  /** The split (training, validation and test prompts), stored once when the run opens (no samples). */
  split: 'vilmo-split',
  /** The generator's meta-prompt of each round (examples and summary), stored as an artefact (no samples). */
  meta: 'vilmo-meta',
} as const;

/** A task of a VILMO stage: a prompt of the set, with a stage-unique id and what the stage adds. */
export interface VilmoTask extends PromptTask {
  /** The prompt's own id (`id` is unique within the stage: `r1:p7:c2`, `vilmo:p7`, …). */
  base: string;
  method?: VilmoMethod;
  round?: number;
  candidate?: number;
  /** Self-critique: which `none` sample is the draft. */
  sample?: number;
  /** The value instruction in the template's slot ('' for none). */
  instruction?: string;
  draft?: string;
  critique?: string;
}

export interface StoredSample {
  id: string;
  index: number;
  text: string;
  /** The violation score (report judge for the test arms, select judge elsewhere); null when the sample is not judged or the verdict has none. */
  violation: number | null;
}

export interface StoredTask {
  taskId: string;
  task: VilmoTask;
  samples: StoredSample[];
}

export interface StoredRun {
  /** By task kind, then by the task's stage id. */
  byKind: Map<string, Map<string, StoredTask>>;
  get(kind: string, id: string): StoredTask | undefined;
  list(kind: string): StoredTask[];
}

/** Which judge's verdicts a stage's samples are read with: the report judge for the test arms, else the select judge. */
export function judgeOfKind(kind: string, config: Pick<VilmoRunConfig, 'judge' | 'selectJudge'>): { id: string; version: string } {
  return kind === VILMO_TASKS.eval ? config.judge : config.selectJudge;
}

/**
 * The run's tasks with their samples and verdicts, by kind. With `kinds`, only those kinds are read (a
 * decision during the run needs a few of them, and reading the whole run each time grows with it); asking the
 * result for another kind is an error, so that a decision never reads a kind as empty that it did not load.
 */
export async function readStoredRun(store: Store, runId: string, config: Pick<VilmoRunConfig, 'judge' | 'selectJudge'>, kinds?: readonly string[]): Promise<StoredRun> {
  const filter = kinds ? { kinds } : undefined;
  const key = (j: { id: string; version: string }, sampleId: string): string => `${canonicalJudgeId(j.id, j.version)}\u0000${j.version}\u0000${sampleId}`; // a judge's old id is the same judge
  const violation = new Map<string, number | null>();
  for (const j of await store.judgments.listByRun(runId, filter)) {
    const v = (j.result as { violation?: unknown } | null)?.violation;
    violation.set(key({ id: j.judgeId, version: j.judgeVersion }, j.sampleId), typeof v === 'number' && Number.isFinite(v) ? v : null);
  }
  const kindOf = new Map<string, string>();
  const byTaskId = new Map<string, StoredTask>();
  const byKind = new Map<string, Map<string, StoredTask>>();
  for (const t of await store.tasks.listByRun(runId, filter)) {
    const entry: StoredTask = { taskId: t.id, task: t.input as VilmoTask, samples: [] };
    byTaskId.set(t.id, entry);
    kindOf.set(t.id, t.kind);
    let m = byKind.get(t.kind);
    if (!m) byKind.set(t.kind, (m = new Map()));
    m.set(entry.task.id, entry);
  }
  for (const s of await store.samples.listByRun(runId, filter)) {
    if (s.error) continue;
    const kind = kindOf.get(s.taskId);
    if (kind === undefined) continue;
    byTaskId.get(s.taskId)!.samples.push({ id: s.id, index: s.sampleIndex, text: s.text, violation: violation.get(key(judgeOfKind(kind, config), s.id)) ?? null });
  }
  for (const t of byTaskId.values()) t.samples.sort((a, b) => a.index - b.index);
  const read = (kind: string): Map<string, StoredTask> | undefined => {
    if (kinds && !kinds.includes(kind)) throw new Error(`readStoredRun: the ${kind} tasks were not read (kinds: ${kinds.join(', ')})`);
    return byKind.get(kind);
  };
  return {
    byKind,
    get: (kind, id) => read(kind)?.get(id),
    list: (kind) => [...(read(kind)?.values() ?? [])],
  };
}

/** Mean conformity (1 − violation) over a task's judged samples; null when none is judged. */
export function conformity(samples: readonly StoredSample[]): number | null {
  const v = samples.filter((s) => s.violation !== null);
  if (v.length === 0) return null;
  return v.reduce((s, x) => s + (1 - x.violation!), 0) / v.length;
}

export interface Split {
  train: PromptTask[];
  val: PromptTask[];
  test: PromptTask[];
}

/** The split a run stored when it opened (empty when it stored none). */
export function storedSplit(stored: StoredRun): Split {
  const t = stored.get(VILMO_TASKS.split, 'split')?.task as unknown as Partial<Split> | undefined;
  return { train: t?.train ?? [], val: t?.val ?? [], test: t?.test ?? [] };
}
