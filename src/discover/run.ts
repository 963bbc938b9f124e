/**
 * `discover` as a stored, resumable run (kind `discover`): every conversation is a task of the shared sample
 * stage (one extraction sample per conversation, structured output), so an interrupted run continues with no
 * extraction call repeated; then the stored replies are parsed, organised (organise.ts) and counted
 * (stats.ts). The analysis is a function of the stored replies, the encoder and the (cached) namer, and is
 * stored beside the run (a task of kind `discover-result`) for the report and the viewer.
 */
import { TenetError } from '../errors.ts';
import type { Encoder } from '../models/encoder.ts';
import type { Provider, SamplingParams } from '../models/types.ts';
import type { Executor, UnitDispatcher } from '../runtime/executor.ts';
import { settleRun } from '../runtime/failures.ts';
import type { Progress } from '../runtime/progress.ts';
import { openRun, refuseOtherSettings, settingsDifferences } from '../runtime/run.ts';
import { runSampleStage, type StageSummary } from '../runtime/sample-stage.ts';
import type { PromptTask } from '../runtime/types.ts';
import { stableId, type Run, type RunStatus, type Store } from '../store/index.ts';
import { EXTRACT_PROMPT_VERSION, MAX_VALUES_PER_REPLY, extractionJsonSchema, extractionMessages, NAME_PROMPT_VERSION, parseExtraction, type ExpressedValue } from './extract.ts';
import { groupOf, renderTranscript, type Conversation, type ConversationTurn } from './input.ts';
import { DEFAULT_THRESHOLDS, organise, type FrameworkName, type ValueNode } from './organise.ts';
import { distinguishingValues, prevalence, type Distinguishing, type Prevalence } from './stats.ts';

export const DISCOVER_RUN_KIND = 'discover';
export const DISCOVER_TASK_KIND = 'discover';
export const DISCOVER_RESULT_TASK_KIND = 'discover-result';
export const DEFAULT_EXTRACT_SAMPLING: SamplingParams = { temperature: 0, maxTokens: 512 };

export interface DiscoverRunConfig {
  source: { file: string; count: number; map: Record<string, string> };
  extractor: { spec: string };
  namer: { spec: string } | null;
  encoder: string;
  frameworks: FrameworkName[];
  prompts: { extract: string; name: string };
  sampling: SamplingParams;
  thresholds: { leaf: number; group: number; top: number };
  seed: number;
  maxValues: number;
}

/** A conversation as stored in its task's input. */
export interface DiscoverTaskInput extends PromptTask {
  messages: ConversationTurn[];
  meta: Record<string, unknown>;
}

export interface DiscoverValue extends ValueNode {
  prevalence: { overall: Prevalence; by: Record<string, Prevalence> };
  /** Conversations in which the assistant keeps to this value while the user pushes against it. */
  under_pressure: { n: number; share: number };
  stated: number;
  enacted: number;
  /** Up to 5 quotes, each with its conversation. */
  examples: { conversation: string; quote: string; phrase: string; mode: string }[];
  /** Every conversation expressing it (ids, in order). */
  conversations: string[];
}

export interface DiscoverResult {
  run: string;
  status: RunStatus;
  n_conversations: number;
  /** Conversations whose extraction reply did not parse (counted, listed in `unparsed_examples`). */
  unparsed: number;
  unparsed_examples: { conversation: string; why: string; reply: string }[];
  /** Conversations whose extraction call failed after retries. */
  failed: number;
  by: string | null;
  groups: Record<string, number>;
  extractor: string;
  encoder: string;
  frameworks: FrameworkName[];
  values: DiscoverValue[];
  distinguishing: Distinguishing[];
  tests: number;
  values_under_pressure: { value: string; n: number; share: number }[];
  user_values: { phrase: string; n: number }[];
  naming_errors: number;
  notes: string[];
}

export interface DiscoverOptions {
  store: Store;
  conversations: readonly Conversation[];
  source: { file: string; map: Record<string, string> };
  extractor: Provider;
  namer?: Provider;
  encoder: Encoder;
  frameworks: FrameworkName[];
  by?: string;
  seed?: number;
  sampling?: SamplingParams;
  /** Values per side the extraction schema allows (default 8). */
  maxValues?: number;
  concurrency: number;
  signal?: AbortSignal;
  progress?: Progress;
  executor?: Executor | UnitDispatcher;
  resume?: string;
  onRun?: (run: Run, config: DiscoverRunConfig) => void;
}

export function discoverTask(c: Conversation): DiscoverTaskInput {
  return { id: c.id, prompt: renderTranscript(c), messages: c.messages, meta: c.meta };
}

export async function runDiscover(options: DiscoverOptions): Promise<{ result: DiscoverResult; stage: StageSummary }> {
  const { store } = options;
  if (options.conversations.length === 0) throw new TenetError('BAD_INPUT', `${options.source.file} holds no conversations`);
  const config: DiscoverRunConfig = {
    source: { file: options.source.file, count: options.conversations.length, map: options.source.map },
    extractor: { spec: options.extractor.spec },
    namer: options.namer ? { spec: options.namer.spec } : null,
    encoder: options.encoder.model,
    frameworks: options.frameworks,
    prompts: { extract: EXTRACT_PROMPT_VERSION, name: NAME_PROMPT_VERSION },
    sampling: { ...DEFAULT_EXTRACT_SAMPLING, ...options.sampling, seed: options.seed ?? 0 },
    thresholds: { ...DEFAULT_THRESHOLDS },
    seed: options.seed ?? 0,
    maxValues: options.maxValues ?? MAX_VALUES_PER_REPLY,
  };
  if (options.resume) {
    const stored = await store.runs.get(options.resume);
    if (stored) refuseOtherSettings(options.resume, settingsDifferences(stored.config as object, config));
  }
  const run = await openRun(store, {
    kind: DISCOVER_RUN_KIND,
    name: `discover ${options.source.file} × ${options.extractor.spec}`,
    config,
    ...(options.resume ? { resume: options.resume } : {}),
  });
  options.onRun?.(run, config);
  const tasks = options.conversations.map(discoverTask);
  let stage: StageSummary;
  try {
    stage = await runSampleStage(tasks, {
      store, runId: run.id, taskKind: DISCOVER_TASK_KIND, models: [options.extractor], samples: 1, sampling: config.sampling,
      concurrency: options.concurrency, jsonSchema: extractionJsonSchema(config.maxValues),
      messages: (t) => extractionMessages(t as DiscoverTaskInput),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.progress ? { progress: options.progress } : {}),
      ...(options.executor ? { executor: options.executor } : {}),
    });
  } catch (error) {
    options.progress?.finish();
    await store.runs.setStatus(run.id, options.signal?.aborted ? 'interrupted' : 'failed').catch(() => {});
    throw error;
  }
  options.progress?.finish();
  const status: RunStatus = await settleRun(store, run.id, stage);
  const result = await analyseDiscoverRun(store, run.id, {
    encoder: options.encoder, frameworks: config.frameworks, status, failed: stage.failed.length,
    ...(options.namer ? { namer: options.namer } : {}),
    ...(options.by ? { by: options.by } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (!stage.interrupted) await storeDiscoverResult(store, result);
  return { result, stage };
}

/** The stored result, the latest analysis of the run (the report and the viewer read it). */
export async function storeDiscoverResult(store: Store, result: DiscoverResult): Promise<void> {
  await store.tasks.put({ id: `${result.run}:result:${stableId('discover-result', result).slice(0, 12)}`, runId: result.run, kind: DISCOVER_RESULT_TASK_KIND, input: result });
}

export async function loadDiscoverResult(store: Store, runId: string): Promise<{ result: DiscoverResult; conversations: Map<string, DiscoverTaskInput> } | undefined> {
  const tasks = await store.tasks.listByRun(runId);
  const results = tasks.filter((t) => t.kind === DISCOVER_RESULT_TASK_KIND).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  const latest = results.at(-1);
  if (!latest) return undefined;
  const conversations = new Map<string, DiscoverTaskInput>();
  for (const t of tasks) if (t.kind === DISCOVER_TASK_KIND) conversations.set((t.input as DiscoverTaskInput).id, t.input as DiscoverTaskInput);
  return { result: latest.input as DiscoverResult, conversations };
}

interface Analysed {
  id: string;
  group: string;
  assistant: ExpressedValue[];
}

/** Parse the run's stored replies, organise the values, and count them. */
export async function analyseDiscoverRun(store: Store, runId: string, options: {
  encoder: Encoder; namer?: Provider; frameworks: FrameworkName[]; by?: string; status: RunStatus; failed?: number; signal?: AbortSignal;
}): Promise<DiscoverResult> {
  const run = await store.runs.get(runId);
  const config = run?.config as DiscoverRunConfig | undefined;
  const tasks = (await store.tasks.listByRun(runId)).filter((t) => t.kind === DISCOVER_TASK_KIND);
  const samples = new Map((await store.samples.listByRun(runId)).map((s) => [s.taskId, s]));
  const analysed: Analysed[] = [];
  const unparsed: DiscoverResult['unparsed_examples'] = [];
  let missing = 0;
  const userCounts = new Map<string, number>();
  // tasks in input order (their ids are hashes): sort by conversation id for a stable order
  const ordered = tasks.map((t) => ({ task: t, input: t.input as DiscoverTaskInput })).sort((a, b) => (a.input.id < b.input.id ? -1 : a.input.id > b.input.id ? 1 : 0));
  for (const { task, input } of ordered) {
    const sample = samples.get(task.id);
    if (!sample || sample.error) { missing++; continue; }
    const parsed = parseExtraction(sample.text);
    if (!parsed.ok) {
      unparsed.push({ conversation: input.id, why: parsed.why, reply: sample.text.slice(0, 300) });
      continue;
    }
    analysed.push({ id: input.id, group: options.by ? groupOf(input, options.by) : '(all)', assistant: parsed.assistant });
    for (const u of parsed.user) userCounts.set(u.phrase, (userCounts.get(u.phrase) ?? 0) + 1);
  }
  // phrase → conversations expressing it
  const phraseCounts = new Map<string, number>();
  for (const a of analysed) for (const v of a.assistant) phraseCounts.set(v.phrase, (phraseCounts.get(v.phrase) ?? 0) + 1);
  let namingErrors = 0;
  const hierarchy = await organise(phraseCounts, {
    encoder: options.encoder, frameworks: options.frameworks,
    ...(config?.thresholds ? { thresholds: config.thresholds } : {}),
    ...(options.namer ? { namer: options.namer } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    onNamingError: () => { namingErrors++; },
  });
  const byKey = new Map(hierarchy.nodes.map((n) => [n.key, n]));
  const ancestors = (leaf: string): string[] => {
    const out = [leaf];
    for (let k = byKey.get(leaf)?.parent; k; k = byKey.get(k)?.parent) out.push(k);
    return out;
  };
  const groupSizes = new Map<string, number>();
  for (const a of analysed) groupSizes.set(a.group, (groupSizes.get(a.group) ?? 0) + 1);
  // per node: conversations expressing it (once each), per group, under pressure, modes, examples
  const tally = new Map<string, { all: number; by: Map<string, number>; pressure: number; stated: number; enacted: number; examples: DiscoverValue['examples']; ids: string[] }>();
  for (const n of hierarchy.nodes) tally.set(n.key, { all: 0, by: new Map(), pressure: 0, stated: 0, enacted: 0, examples: [], ids: [] });
  for (const a of analysed) {
    const hit = new Map<string, ExpressedValue>();
    for (const v of a.assistant) {
      const leaf = hierarchy.leafOf.get(v.phrase);
      if (!leaf) continue;
      for (const k of ancestors(leaf)) {
        const was = hit.get(k);
        if (!was || (!was.underPressure && v.underPressure)) hit.set(k, v);
      }
    }
    for (const [k, v] of hit) {
      const t = tally.get(k)!;
      t.all++;
      t.ids.push(a.id);
      t.by.set(a.group, (t.by.get(a.group) ?? 0) + 1);
      if (v.underPressure) t.pressure++;
      if (v.mode === 'enacted') t.enacted++;
      else t.stated++;
      if (t.examples.length < 5 && v.quote) t.examples.push({ conversation: a.id, quote: v.quote, phrase: v.phrase, mode: v.mode });
    }
  }
  const n = analysed.length;
  const groups = [...groupSizes.keys()].sort();
  const values: DiscoverValue[] = hierarchy.nodes.map((node) => {
    const t = tally.get(node.key)!;
    return {
      key: node.key, name: node.name, level: node.level,
      ...(node.parent ? { parent: byKey.get(node.parent)!.name } : {}),
      phrases: node.phrases, children: node.children.map((k) => byKey.get(k)!.name), framework_match: node.framework_match,
      prevalence: { overall: prevalence(t.all, n), by: Object.fromEntries(options.by ? groups.map((g) => [g, prevalence(t.by.get(g) ?? 0, groupSizes.get(g)!)]) : []) },
      under_pressure: { n: t.pressure, share: t.all ? t.pressure / t.all : 0 },
      stated: t.stated, enacted: t.enacted, examples: t.examples, conversations: t.ids,
    };
  }).sort((x, y) => x.level - y.level || y.prevalence.overall.value - x.prevalence.overall.value || x.name.localeCompare(y.name));
  // distinguishing: the values (level 1) only; groups of values are unions of them
  const leaves = values.filter((v) => v.level === 1);
  const dist = options.by && groups.length > 1
    ? distinguishingValues(leaves.map((v) => ({ value: v.name, byGroup: tally.get(v.key)!.by })), groupSizes)
    : { tests: 0, significant: [] };
  const notes: string[] = [];
  if (unparsed.length) notes.push(`${unparsed.length} of ${tasks.length} extraction replies did not parse; prevalences are over the ${n} that did.`);
  if (missing) notes.push(`${missing} conversations have no stored extraction (failed or not run yet); rerun the same command to retry them.`);
  if (namingErrors) notes.push(`${namingErrors} cluster names fell back to the cluster's most frequent phrase (the namer's reply did not parse).`);
  if (options.encoder.model.startsWith('hashed')) notes.push('the hashed encoder knows no synonyms: only phrases that share words cluster together.');
  return {
    run: runId,
    status: options.status,
    n_conversations: tasks.length,
    unparsed: unparsed.length,
    unparsed_examples: unparsed.slice(0, 20),
    failed: options.failed ?? 0,
    by: options.by ?? null,
    groups: Object.fromEntries(groups.map((g) => [g, groupSizes.get(g)!])),
    extractor: config?.extractor.spec ?? '',
    encoder: options.encoder.model,
    frameworks: options.frameworks,
    values,
    distinguishing: dist.significant,
    tests: dist.tests,
    values_under_pressure: leaves.filter((v) => v.under_pressure.n > 0).sort((a, b) => b.under_pressure.n - a.under_pressure.n || a.name.localeCompare(b.name))
      .map((v) => ({ value: v.name, n: v.under_pressure.n, share: v.under_pressure.share })),
    user_values: [...userCounts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).slice(0, 30).map(([phrase, k]) => ({ phrase, n: k })),
    naming_errors: namingErrors,
    notes,
  };
}
