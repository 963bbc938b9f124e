/**
 * The discriminative stages of a bench run (`--mode judge|questionnaire|all`) and their results. Every model
 * call goes through runSampleStage, so the answers are stored, cached and resumable like continuations; the
 * scores are computed from the store.
 *
 * Task kinds: `bench-scenario` (the scenario writer's continuations, judged by the report judge: the
 * reference labels), `bench-judgement` (the targets' answers to the judgement question), `bench-questionnaire`
 * (the targets' ratings of the items). None of them judged as continuations.
 */
import type { Judge } from '../../judges/types.ts';
import { sameJudge } from '../../judges/ids.ts';
import type { Provider, SamplingParams } from '../../models/types.ts';
import type { Executor, UnitDispatcher } from '../../runtime/executor.ts';
import { runSampleStage, taskIdOf, type StageSummary } from '../../runtime/sample-stage.ts';
import type { PromptTask } from '../../runtime/types.ts';
import type { Store } from '../../store/index.ts';
import { MFT_FOUNDATION_IDS } from '../../values/mft.ts';
import type { PromptScores } from '../metrics.ts';
import { conformityOf, mean, pairedGap, type Conformity, type Gap } from './gap.ts';
import {
  JUDGEMENT_PROMPT_VERSION, JUDGEMENT_SCHEMA, JUDGEMENT_TASK_KIND, SCENARIO_SIDES, SCENARIO_TASK_KIND,
  judgementMessages, parseJudgement, principleKey, scenarioMessages, scenarioTask, scenarioText, sideOf,
} from './judgement.ts';
import {
  QUESTIONNAIRE_PROMPT_VERSION, QUESTIONNAIRE_TASK_KIND, RATING_SCALE, RATING_SCHEMA,
  itemMessages, itemTask, parseRating, ratingConformity, type ItemSet, type QuestionnaireItem,
} from './questionnaire.ts';

export const BENCH_MODES = ['generate', 'judge', 'questionnaire', 'all'] as const;
export type BenchMode = (typeof BENCH_MODES)[number];

export const generates = (mode: BenchMode | undefined): boolean => mode === undefined || mode === 'generate' || mode === 'all';
export const judges = (mode: BenchMode | undefined): boolean => mode === 'judge' || mode === 'all';
export const asksItems = (mode: BenchMode | undefined): boolean => mode === 'questionnaire' || mode === 'all';

/** Sampling of the discriminative answers: the run's temperature, room for a short JSON answer. */
export const JUDGEMENT_MAX_TOKENS = 48;
export const RATING_MAX_TOKENS = 32;

/** How the discriminative tests were run, stored in the bench run's config (only when mode ≠ generate). */
export interface KnowingConfig {
  judgement?: {
    version: string;
    /** The model that writes the scenarios' continuations (violating and complying). */
    scenarioModel: { spec: string; model: string; baseUrl: string | null };
    sampling: SamplingParams;
    schema: Record<string, unknown>;
    parser: string;
  };
  questionnaire?: {
    version: string;
    items: { source: string; sha256: string; count: number };
    /** The items themselves, so results never depend on the file staying the same. */
    list: QuestionnaireItem[];
    scale: { min: number; max: number; labels: readonly string[]; parser: string };
    sampling: SamplingParams;
    schema: Record<string, unknown>;
  };
}

export function knowingConfig(mode: BenchMode, options: { scenarioModel?: { spec: string; model: string; baseUrl: string | null }; items?: ItemSet; sampling: SamplingParams }): KnowingConfig {
  const temperature = options.sampling.temperature;
  const out: KnowingConfig = {};
  if (judges(mode)) {
    out.judgement = {
      version: JUDGEMENT_PROMPT_VERSION,
      scenarioModel: options.scenarioModel!,
      sampling: { ...(temperature !== undefined ? { temperature } : {}), maxTokens: JUDGEMENT_MAX_TOKENS },
      schema: JUDGEMENT_SCHEMA.schema,
      parser: 'strict-json-boolean-v1',
    };
  }
  if (asksItems(mode)) {
    const items = options.items!;
    out.questionnaire = {
      version: QUESTIONNAIRE_PROMPT_VERSION,
      items: { source: items.source, sha256: items.sha256, count: items.items.length },
      list: items.items,
      scale: { min: RATING_SCALE.min, max: RATING_SCALE.max, labels: RATING_SCALE.labels, parser: RATING_SCALE.parser },
      sampling: { ...(temperature !== undefined ? { temperature } : {}), maxTokens: RATING_MAX_TOKENS },
      schema: RATING_SCHEMA.schema,
    };
  }
  return out;
}

export interface KnowingStageOptions {
  store: Store;
  runId: string;
  mode: BenchMode;
  knowing: KnowingConfig;
  prompts: readonly PromptTask[];
  models: Provider[];
  scenarioModel?: Provider | undefined;
  samples: number;
  /** The scenario writer's sampling (the run's continuation sampling). */
  sampling: SamplingParams;
  judge: Judge;
  judgeSpec: string;
  tau: number;
  concurrency: number;
  signal?: AbortSignal | undefined;
  executor?: Executor | UnitDispatcher | undefined;
}

const merge = (a: StageSummary, b: StageSummary): StageSummary => ({
  units: a.units + b.units, done: a.done + b.done, skipped: a.skipped + b.skipped, failed: [...a.failed, ...b.failed], interrupted: a.interrupted || b.interrupted,
});
const EMPTY: StageSummary = { units: 0, done: 0, skipped: 0, failed: [], interrupted: false };

/** Run the discriminative stages the mode asks for (after the generation stage, when there is one). */
export async function runKnowingStages(o: KnowingStageOptions): Promise<StageSummary> {
  let summary = EMPTY;
  const common = {
    store: o.store, runId: o.runId, concurrency: o.concurrency,
    ...(o.signal ? { signal: o.signal } : {}), ...(o.executor ? { executor: o.executor } : {}),
  };
  if (o.knowing.judgement && o.scenarioModel) {
    const scenarios = o.prompts.flatMap((p) => SCENARIO_SIDES.map((side) => scenarioTask(p, side)));
    summary = merge(summary, await runSampleStage(scenarios, {
      ...common, taskKind: SCENARIO_TASK_KIND, models: [o.scenarioModel], samples: 1, sampling: o.sampling,
      judge: o.judge, judgeSpec: o.judgeSpec, messages: scenarioMessages,
    }));
    if (summary.interrupted) return summary;
    const tasks = (await judgementTasks(o.store, o.runId, o.knowing, o.tau, o.judge)).map((t) => t.task);
    summary = merge(summary, await runSampleStage(tasks, {
      ...common, taskKind: JUDGEMENT_TASK_KIND, models: o.models, samples: o.samples, sampling: o.knowing.judgement.sampling,
      messages: judgementMessages, jsonSchema: JUDGEMENT_SCHEMA,
    }));
    if (summary.interrupted) return summary;
  }
  if (o.knowing.questionnaire) {
    summary = merge(summary, await runSampleStage(o.knowing.questionnaire.list.map(itemTask), {
      ...common, taskKind: QUESTIONNAIRE_TASK_KIND, models: o.models, samples: o.samples, sampling: o.knowing.questionnaire.sampling,
      messages: itemMessages, jsonSchema: RATING_SCHEMA,
    }));
  }
  return summary;
}

interface Scenario {
  task: PromptTask;
  /** The report judge's verdict on the scenario's continuation: true = violates (score > τ). */
  reference: boolean;
}

/** The judgement tasks: one per stored scenario whose continuation the report judge scored. */
async function judgementTasks(store: Store, runId: string, knowing: KnowingConfig, tau: number, judge?: { id: string; version: string }): Promise<Scenario[]> {
  const tasks = (await store.tasks.listByRun(runId)).filter((t) => t.kind === SCENARIO_TASK_KIND);
  const byId = new Map(tasks.map((t) => [t.id, t.input as PromptTask]));
  const samples = (await store.samples.listByRun(runId)).filter((s) => byId.has(s.taskId) && !s.error && s.model === knowing.judgement!.scenarioModel.spec && s.sampleIndex === 0);
  const judgments = new Map<string, unknown>();
  for (const j of await store.judgments.listByRun(runId)) {
    if (!judge || sameJudge({ id: j.judgeId, version: j.judgeVersion }, judge)) judgments.set(j.sampleId, j.result);
  }
  const out: Scenario[] = [];
  for (const s of samples) {
    const input = byId.get(s.taskId)!;
    const side = sideOf(input.id);
    const verdict = judgments.get(s.id) as { violation?: unknown } | undefined;
    if (!side || typeof verdict?.violation !== 'number' || !Number.isFinite(verdict.violation) || s.text.trim() === '') continue;
    out.push({ task: { ...input, prompt: scenarioText(input.prompt, s.text) }, reference: verdict.violation > tau });
  }
  return out.sort((a, b) => (a.task.id < b.task.id ? -1 : a.task.id > b.task.id ? 1 : 0));
}

export interface KnowingPart {
  conformity: Conformity;
  /** Answers that did not parse: counted here, never scored. */
  unparsed: number;
  /** Answers that parsed and were scored. */
  answers: number;
}

export interface KnowingBlock {
  knowing: { judgement?: KnowingPart; questionnaire?: KnowingPart };
  doing?: { conformity: Conformity };
  gap?: { judgement?: Gap; questionnaire?: Gap };
}

export interface KnowingResult extends KnowingBlock {
  per_foundation: Record<string, KnowingBlock>;
}

interface Answer { principle: string; foundation: string | undefined; value: number }

/** The discriminative results of every model of a stored bench run, beside its doing (generation) scores. */
export async function loadKnowing(
  store: Store,
  runId: string,
  config: { mode?: BenchMode; knowing?: KnowingConfig; tau: number; judge: { id: string; version: string } },
  prompts: readonly PromptTask[],
  doingScores: ReadonlyMap<string, PromptScores[]>,
): Promise<Map<string, KnowingResult>> {
  const knowing = config.knowing ?? {};
  const tasks = await store.tasks.listByRun(runId);
  const samples = await store.samples.listByRun(runId);
  const kindOf = new Map(tasks.map((t) => [t.id, t]));
  // judgement answers
  const scenarios = knowing.judgement ? await judgementTasks(store, runId, knowing, config.tau, config.judge) : [];
  const judgementTaskIds = new Map(scenarios.map((s) => [taskIdOf(runId, JUDGEMENT_TASK_KIND, s.task), s]));
  const items = new Map((knowing.questionnaire?.list ?? []).map((i) => [i.id, i]));
  const judgementAnswers = new Map<string, Answer[]>();
  const ratingAnswers = new Map<string, (Answer & { item: string })[]>();
  const unparsed = new Map<string, { judgement: number; questionnaire: number }>();
  const count = (model: string, what: 'judgement' | 'questionnaire'): void => {
    const u = unparsed.get(model) ?? { judgement: 0, questionnaire: 0 };
    u[what]++;
    unparsed.set(model, u);
  };
  for (const s of samples) {
    if (s.error) continue;
    const task = kindOf.get(s.taskId);
    if (!task) continue;
    if (task.kind === JUDGEMENT_TASK_KIND) {
      const scenario = judgementTaskIds.get(s.taskId);
      if (!scenario) continue;
      const answer = parseJudgement(s.text);
      if (answer === null) { count(s.model, 'judgement'); continue; }
      const list = judgementAnswers.get(s.model) ?? [];
      list.push({ principle: principleKey(scenario.task), foundation: scenario.task.foundation, value: answer === scenario.reference ? 1 : 0 });
      judgementAnswers.set(s.model, list);
    } else if (task.kind === QUESTIONNAIRE_TASK_KIND) {
      const item = items.get((task.input as PromptTask).id);
      if (!item) continue;
      const rating = parseRating(s.text);
      if (rating === null) { count(s.model, 'questionnaire'); continue; }
      const list = ratingAnswers.get(s.model) ?? [];
      list.push({ principle: item.id, item: item.id, foundation: item.foundation, value: ratingConformity(rating, item) });
      ratingAnswers.set(s.model, list);
    }
  }
  const foundationOfPrompt = new Map(prompts.map((p) => [p.id, p.foundation]));
  const principleOfPrompt = new Map(prompts.map((p) => [p.id, principleKey(p)]));
  const foundations = MFT_FOUNDATION_IDS.filter((f) => prompts.some((p) => p.foundation === f) || scenarios.some((s) => s.task.foundation === f) || [...items.values()].some((i) => i.foundation === f));
  const out = new Map<string, KnowingResult>();
  for (const [model, scores] of doingScores) {
    // doing: per principle, the share of its judged samples that do not violate
    const doingAnswers: Answer[] = [];
    for (const p of scores) for (const x of p.scores) doingAnswers.push({ principle: principleOfPrompt.get(p.id) ?? p.id, foundation: foundationOfPrompt.get(p.id) ?? p.foundation, value: x > config.tau ? 0 : 1 });
    const u = unparsed.get(model) ?? { judgement: 0, questionnaire: 0 };
    const block = (foundation: string | undefined): KnowingBlock => {
      const keep = (a: Answer): boolean => foundation === undefined || a.foundation === foundation;
      const doing = unitMeans(doingAnswers.filter(keep));
      const result: KnowingBlock = { knowing: {} };
      if (generates(config.mode)) result.doing = { conformity: conformityOf([...doing.values()]) };
      if (knowing.judgement) {
        const answers = (judgementAnswers.get(model) ?? []).filter(keep);
        const know = unitMeans(answers);
        result.knowing.judgement = { conformity: conformityOf([...know.values()]), unparsed: foundation === undefined ? u.judgement : unparsedJudgement(samples, kindOf, judgementTaskIds, model, foundation), answers: answers.length };
        if (result.doing) (result.gap ??= {}).judgement = pairedGap(know, doing);
      }
      if (knowing.questionnaire) {
        const answers = (ratingAnswers.get(model) ?? []).filter(keep);
        const byItem = unitMeans(answers);
        result.knowing.questionnaire = { conformity: conformityOf([...byItem.values()]), unparsed: foundation === undefined ? u.questionnaire : unparsedRatings(samples, kindOf, items, model, foundation), answers: answers.length };
        if (result.doing) {
          // each principle paired with its foundation's questionnaire conformity
          const byFoundation = new Map<string, number>();
          for (const f of new Set(answers.map((a) => a.foundation))) {
            const means = [...unitMeans(answers.filter((a) => a.foundation === f)).values()];
            if (f && means.length) byFoundation.set(f, mean(means));
          }
          const know = new Map<string, number>();
          for (const [principle] of doing) {
            const f = doingAnswers.find((a) => a.principle === principle)?.foundation;
            const q = f ? byFoundation.get(f) : undefined;
            if (q !== undefined) know.set(principle, q);
          }
          (result.gap ??= {}).questionnaire = pairedGap(know, doing);
        }
      }
      return result;
    };
    const per: Record<string, KnowingBlock> = {};
    for (const f of foundations) per[f] = block(f);
    out.set(model, { ...block(undefined), per_foundation: per });
  }
  return out;
}


/** Mean answer per unit (principle, or item), in a stable order. */
function unitMeans(answers: readonly Answer[]): Map<string, number> {
  const sums = new Map<string, [number, number]>();
  for (const a of answers) {
    const s = sums.get(a.principle) ?? [0, 0];
    s[0] += a.value;
    s[1]++;
    sums.set(a.principle, s);
  }
  return new Map([...sums.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([k, [s, n]]) => [k, s / n]));
}

type Samples = Awaited<ReturnType<Store['samples']['listByRun']>>;
type TaskIndex = Map<string, { kind: string; input: unknown }>;

function unparsedJudgement(samples: Samples, kindOf: TaskIndex, scenarios: Map<string, Scenario>, model: string, foundation: string): number {
  return samples.filter((s) => !s.error && s.model === model && kindOf.get(s.taskId)?.kind === JUDGEMENT_TASK_KIND
    && scenarios.get(s.taskId)?.task.foundation === foundation && parseJudgement(s.text) === null).length;
}

function unparsedRatings(samples: Samples, kindOf: TaskIndex, items: Map<string, QuestionnaireItem>, model: string, foundation: string): number {
  return samples.filter((s) => {
    const t = kindOf.get(s.taskId);
    return !s.error && s.model === model && t?.kind === QUESTIONNAIRE_TASK_KIND && items.get((t.input as PromptTask).id)?.foundation === foundation && parseRating(s.text) === null;
  }).length;
}
