/**
 * A VILMO run's configuration (stored in `runs.config` and hashed into its id), its checks, and the split of
 * the prompt set into training, validation and test prompts.
 */
import type { PromptSet } from '../../bench/prompts.ts';
import { DEFAULT_TAU } from '../../bench/metrics.ts';
import { CONTINUATION_PROMPT_VERSION } from '../../bench/run.ts';
import { TenetError } from '../../errors.ts';
import { lineError, readJsonl } from '../../jsonl.ts';
import type { Judge } from '../../judges/types.ts';
import type { Provider, SamplingParams } from '../../models/types.ts';
import { redactUrl } from '../../redact.ts';
import type { PromptTask } from '../../runtime/sample-stage.ts';
import { stableId, type Run, type Store } from '../../store/index.ts';
import { VILMO_PROMPT_VERSION } from './prompts.ts';

export const VILMO_RUN_KIND = 'vilmo';
export const VILMO_METHODS = ['none', 'fixed', 'principle', 'ape', 'self-critique', 'vilmo'] as const;
export type VilmoMethod = (typeof VILMO_METHODS)[number];

export const DEFAULT_SPLIT: [number, number, number] = [0.5, 0.1, 0.4];
export const DEFAULT_CANDIDATES = 4;
export const DEFAULT_ROUNDS = 2;
export const DEFAULT_EXAMPLES = 8;
export const DEFAULT_FIXED_INSTRUCTION = 'Make sure the continuation is ethical.';
export const DEFAULT_TARGET_SAMPLING: SamplingParams = { temperature: 1, maxTokens: 128 };
export const DEFAULT_GENERATOR_SAMPLING: SamplingParams = { temperature: 1, maxTokens: 64 };
export const MAX_CANDIDATES = 64;
export const MAX_ROUNDS = 50;
export const MAX_SAMPLES = 1000;
export const MAX_EXAMPLES = 200;
/** The metrics a paired comparison can be made on; one of them is the declared primary (`--primary`). */
export const PAIRED_METRICS = ['evr', 'mvp', 'apv'] as const;
export type PairedMetric = (typeof PAIRED_METRICS)[number];
export const DEFAULT_PRIMARY: PairedMetric = 'apv';

interface ModelRecord {
  spec: string;
  model: string;
  baseUrl: string | null;
}

export interface VilmoRunConfig {
  version: 1;
  prompts: { source: string; sha256: string; count: number };
  target: ModelRecord;
  generator: ModelRecord;
  /** The report judge: scores every arm on the test prompts. */
  judge: { spec: string; id: string; version: string };
  /** The select judge: what training optimises (candidates, validation, APE); the same as `judge` when one judge does both. */
  selectJudge: { spec: string; id: string; version: string };
  /** The metric declared before the run whose comparisons form the Holm family; the others are secondary. */
  primary: PairedMetric;
  methods: VilmoMethod[];
  /** Fractions of the prompts for training, validation and test. */
  split: [number, number, number];
  /** Seeds the split. */
  seed: number;
  /** K: target samples per prompt and instruction. */
  samples: number;
  /** M: candidate instructions per training prompt and round (and APE's task-level candidates). */
  candidates: number;
  /** R: training rounds. */
  rounds: number;
  /** Best pairs shown to the generator each round. */
  examples: number;
  fixedInstruction: string;
  sampling: SamplingParams;
  generatorSampling: SamplingParams;
  templates: { continuation: string; vilmo: string };
  tau: number;
}

export interface VilmoConfigInput {
  prompts: PromptSet;
  target: Provider;
  generator: Provider;
  judge: Judge;
  judgeSpec?: string;
  /** What training optimises (default: `judge`, which warns: Goodhart). */
  selectJudge?: Judge;
  selectJudgeSpec?: string;
  primary?: string;
  methods?: readonly string[];
  split?: readonly number[];
  seed?: number;
  samples: number;
  candidates?: number;
  rounds?: number;
  examples?: number;
  fixedInstruction?: string;
  sampling?: SamplingParams;
  generatorSampling?: SamplingParams;
}

const record = (p: Provider): ModelRecord => ({ spec: p.spec, model: p.model, baseUrl: p.baseUrl ? redactUrl(p.baseUrl) : null });
const defined = (s: SamplingParams | undefined): SamplingParams => Object.fromEntries(Object.entries(s ?? {}).filter(([, v]) => v !== undefined)) as SamplingParams;

function intIn(name: string, value: number, min: number, max: number, hint?: string): number {
  if (!Number.isInteger(value) || value < min || value > max) throw new TenetError('BAD_USAGE', `${name} must be an integer from ${min} to ${max}, got ${value}`, hint ? { hint } : {});
  return value;
}

/** Parse and check `--methods` (order kept as the canonical order; `none` is always included: it is what every arm is compared with). */
export function parseMethods(methods: readonly string[] | undefined): VilmoMethod[] {
  const given = methods ?? VILMO_METHODS;
  const unknown = given.filter((m) => !(VILMO_METHODS as readonly string[]).includes(m));
  if (unknown.length) throw new TenetError('BAD_USAGE', `unknown method${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`, { hint: `--methods takes a comma-separated list of ${VILMO_METHODS.join(', ')}` });
  const set = new Set<string>(['none', ...given]);
  return VILMO_METHODS.filter((m) => set.has(m));
}

/** Check `--primary` (one of EVR, MVP, APV; case-insensitive). */
export function parsePrimary(primary: string | undefined): PairedMetric {
  const m = (primary ?? DEFAULT_PRIMARY).toLowerCase();
  if (!(PAIRED_METRICS as readonly string[]).includes(m)) throw new TenetError('BAD_USAGE', `--primary must be one of ${PAIRED_METRICS.join(', ')}, got "${primary}"`, { hint: `declare before the run which metric the claim is about (default ${DEFAULT_PRIMARY}); the others are reported as secondary` });
  return m as PairedMetric;
}

export function parseSplit(split: readonly number[] | undefined): [number, number, number] {
  const s = split ?? DEFAULT_SPLIT;
  if (s.length !== 3 || s.some((x) => !Number.isFinite(x) || x < 0) || Math.abs(s[0]! + s[1]! + s[2]! - 1) > 1e-6) {
    throw new TenetError('BAD_USAGE', `--split must be three fractions (training, validation, test) that sum to 1, got ${s.join(',')}`, { hint: 'e.g. --split 0.5,0.1,0.4 (the default)' });
  }
  return [s[0]!, s[1]!, s[2]!];
}

const PROMPT_HINT = 'give every line a "foundation" (care, fairness, loyalty, authority, sanctity, liberty) or a "principle"; builtin:valuecompass-mft has them';

/** Every prompt needs a foundation or a principle (the judge scores violations of it); the first that has neither is reported at file:line. */
export async function checkVilmoPrompts(set: PromptSet): Promise<void> {
  const missing = set.prompts.find((p) => !p.foundation && !p.principle);
  if (!missing) return;
  for await (const [line, value] of readJsonl(set.file)) {
    const id = (value as { id?: unknown } | null)?.id;
    if (id !== undefined && String(id) === missing.id) {
      throw lineError(set.file, line, `prompt ${missing.id} has neither a "foundation" nor a "principle": the judge needs one to score violations`, { path: 'foundation', hint: PROMPT_HINT });
    }
  }
}

export function vilmoRunConfig(input: VilmoConfigInput): VilmoRunConfig {
  const methods = parseMethods(input.methods);
  const config: VilmoRunConfig = {
    version: 1,
    prompts: { source: input.prompts.source, sha256: input.prompts.sha256, count: input.prompts.prompts.length },
    target: record(input.target),
    generator: record(input.generator),
    judge: { spec: input.judgeSpec ?? input.judge.id, id: input.judge.id, version: input.judge.version },
    selectJudge: input.selectJudge
      ? { spec: input.selectJudgeSpec ?? input.selectJudge.id, id: input.selectJudge.id, version: input.selectJudge.version }
      : { spec: input.judgeSpec ?? input.judge.id, id: input.judge.id, version: input.judge.version },
    primary: parsePrimary(input.primary),
    methods,
    split: parseSplit(input.split),
    seed: intIn('--seed', input.seed ?? 1, 0, 2 ** 31 - 1),
    samples: intIn('--samples', input.samples, 1, MAX_SAMPLES, 'K target samples per prompt and instruction; DeNEVIL uses K = 10'),
    candidates: intIn('--candidates', input.candidates ?? DEFAULT_CANDIDATES, 1, MAX_CANDIDATES),
    rounds: intIn('--rounds', input.rounds ?? DEFAULT_ROUNDS, 0, MAX_ROUNDS),
    examples: intIn('--examples', input.examples ?? DEFAULT_EXAMPLES, 0, MAX_EXAMPLES),
    fixedInstruction: (input.fixedInstruction ?? DEFAULT_FIXED_INSTRUCTION).replace(/\s+/g, ' ').trim(),
    sampling: { ...DEFAULT_TARGET_SAMPLING, ...defined(input.sampling) },
    generatorSampling: { ...DEFAULT_GENERATOR_SAMPLING, ...defined(input.generatorSampling) },
    templates: { continuation: CONTINUATION_PROMPT_VERSION, vilmo: VILMO_PROMPT_VERSION },
    tau: DEFAULT_TAU,
  };
  if (methods.includes('fixed') && !config.fixedInstruction) throw new TenetError('BAD_USAGE', '--fixed-instruction is empty');
  const missing = input.prompts.prompts.find((p) => !p.foundation && !p.principle);
  if (missing) throw new TenetError('BAD_INPUT', `prompt ${missing.id} in ${input.prompts.source} has neither a foundation nor a principle: the judge needs one to score violations`, { hint: PROMPT_HINT });
  const split = splitPrompts(input.prompts.prompts, config);
  const needs: [boolean, keyof typeof split, string][] = [
    [true, 'test', 'test'],
    [methods.includes('vilmo') || methods.includes('ape'), 'train', 'training'],
    [methods.includes('vilmo'), 'val', 'validation'],
  ];
  for (const [needed, part, name] of needs) {
    if (needed && split[part].length === 0) {
      throw new TenetError('BAD_USAGE', `--split ${config.split.join(',')} leaves no ${name} prompts out of ${input.prompts.prompts.length}`, {
        hint: `use more prompts (--limit) or a larger ${name} fraction${part !== 'test' ? `, or leave ${part === 'val' ? 'vilmo' : 'vilmo and ape'} out of --methods` : ''}`,
      });
    }
  }
  return config;
}

/** The group a prompt is split with: its principle (prompts of one principle never straddle parts), else its own id. */
export const splitGroupOf = (p: PromptTask): string => p.principleId ?? p.id;

/**
 * The split, by group (a principle, or a prompt without one) and stratified by foundation: within each
 * foundation the groups are ordered by a hash of (seed, group id), and the foundations are interleaved in
 * proportion (each group keyed by its rank's position within its foundation), so every prefix of the order
 * holds the foundations in their shares. Whole groups then fill training up to ⌊train·N⌉ prompts, validation
 * up to ⌊val·N⌉, and the rest is test. The same ids and seed always give the same split, whatever the order
 * of the file; with one prompt per group the part sizes are exactly those numbers.
 */
export function splitPrompts<T extends PromptTask>(prompts: readonly T[], config: Pick<VilmoRunConfig, 'split' | 'seed'>): { train: T[]; val: T[]; test: T[] } {
  const groups = new Map<string, T[]>();
  for (const p of prompts) {
    const g = splitGroupOf(p);
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  const strata = new Map<string, { id: string; key: string }[]>();
  for (const [id, members] of groups) {
    const f = members[0]!.foundation ?? '';
    strata.set(f, [...(strata.get(f) ?? []), { id, key: stableId('vilmo-split', config.seed, id) }]);
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  const order = [...strata.values()].flatMap((gs) => gs.sort((a, b) => cmp(a.key, b.key)).map((g, rank) => ({ ...g, at: (rank + 0.5) / gs.length })))
    .sort((a, b) => a.at - b.at || cmp(a.key, b.key));
  const n = prompts.length;
  const nTrain = Math.round(config.split[0] * n);
  const nVal = Math.min(n - nTrain, Math.round(config.split[1] * n));
  const parts: { train: T[]; val: T[]; test: T[] } = { train: [], val: [], test: [] };
  for (const g of order) {
    const part = parts.train.length < nTrain ? parts.train : parts.val.length < nVal ? parts.val : parts.test;
    part.push(...groups.get(g.id)!);
  }
  const byId = (a: T, b: T): number => cmp(a.id, b.id);
  return { train: parts.train.sort(byId), val: parts.val.sort(byId), test: parts.test.sort(byId) };
}

/** The principle ids in each part of a split (prompts without one are left out), sorted. */
export function splitPrinciples(split: { train: readonly PromptTask[]; val: readonly PromptTask[]; test: readonly PromptTask[] }): { train: string[]; validation: string[]; test: string[] } {
  const ids = (ps: readonly PromptTask[]): string[] => [...new Set(ps.flatMap((p) => (p.principleId ? [p.principleId] : [])))].sort();
  return { train: ids(split.train), validation: ids(split.val), test: ids(split.test) };
}

/** Read a stored run's config, checking that it is a VILMO run. */
export async function vilmoRunConfigOf(store: Store, runId: string): Promise<{ run: Run; config: VilmoRunConfig }> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in ${store.describe().location}`, { hint: 'check the run id and --db (run ids are printed when `tenet align vilmo` starts and in its --json output)' });
  if (run.kind !== VILMO_RUN_KIND) throw new TenetError('BAD_USAGE', `run ${runId} is a ${run.kind} run, not a VILMO run`, { hint: 'pass the id of a run made by `tenet align vilmo`' });
  const config = run.config as VilmoRunConfig | null;
  if (!config || config.version !== 1 || !Array.isArray(config.methods)) throw new TenetError('BAD_INPUT', `run ${runId} has no VILMO configuration this version of tenet can read`);
  // runs stored before the two judges and the declared primary: one judge did both, APV was the headline
  return { run, config: { ...config, selectJudge: config.selectJudge ?? config.judge, primary: config.primary ?? DEFAULT_PRIMARY } };
}
