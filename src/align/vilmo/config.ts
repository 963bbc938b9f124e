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
  judge: { spec: string; id: string; version: string };
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

/**
 * The split: prompts ordered by a hash of (seed, prompt id), the first ⌊train·N⌉ for training, the next
 * ⌊val·N⌉ for validation, the rest for test. The same ids and seed always give the same split, whatever the
 * order of the file.
 */
export function splitPrompts<T extends PromptTask>(prompts: readonly T[], config: Pick<VilmoRunConfig, 'split' | 'seed'>): { train: T[]; val: T[]; test: T[] } {
  const keyed = prompts.map((p) => ({ p, key: stableId('vilmo-split', config.seed, p.id) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((x) => x.p);
  const n = keyed.length;
  const nTrain = Math.round(config.split[0] * n);
  const nVal = Math.min(n - nTrain, Math.round(config.split[1] * n));
  const byId = (a: T, b: T): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return { train: keyed.slice(0, nTrain).sort(byId), val: keyed.slice(nTrain, nTrain + nVal).sort(byId), test: keyed.slice(nTrain + nVal).sort(byId) };
}

/** Read a stored run's config, checking that it is a VILMO run. */
export async function vilmoRunConfigOf(store: Store, runId: string): Promise<{ run: Run; config: VilmoRunConfig }> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in ${store.describe().location}`, { hint: 'check the run id and --db (run ids are printed when `tenet align vilmo` starts and in its --json output)' });
  if (run.kind !== VILMO_RUN_KIND) throw new TenetError('BAD_USAGE', `run ${runId} is a ${run.kind} run, not a VILMO run`, { hint: 'pass the id of a run made by `tenet align vilmo`' });
  const config = run.config as VilmoRunConfig | null;
  if (!config || config.version !== 1 || !Array.isArray(config.methods)) throw new TenetError('BAD_INPUT', `run ${runId} has no VILMO configuration this version of tenet can read`);
  return { run, config };
}
