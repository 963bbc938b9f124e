/**
 * The stratified label sample of a run: which of its judged samples people label, so that the judge's
 * sensitivity AND specificity can both be estimated from a few hundred labels.
 *
 * Population: the run's samples that the run's judge gave a violation score (errors and unscored verdicts
 * left out). Strata: model × judge-score band, the bands cut at τ (the run's threshold; a sample violates
 * when its score is > τ, as in bench and probe):
 *   b0 = [0, τ/2), b1 = [τ/2, τ], b2 = (τ, (1+τ)/2), b3 = [(1+τ)/2, 1]
 * so half the bands lie on each side of τ. Allocation: equal across the non-empty strata, capped by each
 * stratum's size, what a small stratum cannot take spread over the others (water-filling): the rare side of
 * τ is over-sampled, and every item carries its design weight N_h / n_h (the inverse of its inclusion
 * probability) so that estimates can be re-weighted to the run. Within a stratum the draw is a seeded
 * shuffle of the units in id order; the whole sample is then shown in a seeded random order (`position`), so
 * a labeller cannot tell a stratum from the order. Same run, seed and size → the same sample; it is stored
 * (table label_samples) on first draw.
 */
import { TenetError } from '../errors.ts';
import { sameJudge } from '../judges/ids.ts';
import { mulberry32 } from '../judges/metrics.ts';
import { stableId, type LabelItem, type NewLabelItem, type Run, type Store } from '../store/index.ts';

/** The bands, low to high; the first two are at or below τ (judged not violating). */
export const SCORE_BANDS = ['b0', 'b1', 'b2', 'b3'] as const;

export const DEFAULT_LABEL_SEED = 1;

/** The band of a violation score at threshold τ. */
export function scoreBand(score: number, tau: number): (typeof SCORE_BANDS)[number] {
  if (score < tau / 2) return 'b0';
  if (score <= tau) return 'b1';
  if (score < (1 + tau) / 2) return 'b2';
  return 'b3';
}

/** A judged sample of the run: the unit the label sample draws. */
export interface LabelUnit {
  sampleId: string;
  judgmentId: string;
  model: string;
  score: number;
}

/** What a calibration needs from a run: its judge and its threshold. */
export interface RunJudgeSetting {
  judge: { id: string; version: string };
  tau: number;
}

/** The run's judge and τ from its stored configuration (bench and probe store both), or BAD_USAGE. */
export function runJudgeSetting(run: Run): RunJudgeSetting {
  const c = (run.config ?? {}) as { judge?: { id?: unknown; version?: unknown }; tau?: unknown };
  if (!c.judge || typeof c.judge.id !== 'string' || typeof c.judge.version !== 'string' || typeof c.tau !== 'number') {
    throw new TenetError('BAD_USAGE', `run ${run.id} (${run.kind}) names no judge and threshold τ in its configuration`, { hint: 'label samples are drawn from bench and probe runs' });
  }
  return { judge: { id: c.judge.id, version: c.judge.version }, tau: c.tau };
}

/** Equal allocation of n over strata of these sizes, each capped at its size (water-filling; deterministic). */
export function allocate(sizes: readonly number[], n: number): number[] {
  const out = sizes.map(() => 0);
  let left = Math.min(n, sizes.reduce((a, b) => a + b, 0));
  while (left > 0) {
    const open = sizes.map((s, i) => i).filter((i) => out[i]! < sizes[i]!);
    const share = Math.floor(left / open.length);
    if (share === 0) {
      // fewer left than open strata: one more each, smallest strata first (they are the rare ones), then by index
      for (const i of [...open].sort((a, b) => sizes[a]! - sizes[b]! || a - b).slice(0, left)) out[i]!++;
      break;
    }
    for (const i of open) {
      const take = Math.min(share, sizes[i]! - out[i]!);
      out[i]! += take;
      left -= take;
    }
  }
  return out;
}

function seededShuffle<T>(items: T[], seed: string): T[] {
  const rand = mulberry32(Number.parseInt(stableId(seed).slice(0, 8), 16));
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** The stratified sample of `size` units (pure; see the module comment). */
export function drawLabelSample(runId: string, units: readonly LabelUnit[], options: { size: number; seed: number; tau: number }): NewLabelItem[] {
  const strata = new Map<string, LabelUnit[]>();
  for (const u of [...units].sort((a, b) => (a.sampleId < b.sampleId ? -1 : a.sampleId > b.sampleId ? 1 : 0))) {
    const key = `${u.model}|${scoreBand(u.score, options.tau)}`;
    let list = strata.get(key);
    if (!list) strata.set(key, (list = []));
    list.push(u);
  }
  const keys = [...strata.keys()].sort();
  const sizes = keys.map((k) => strata.get(k)!.length);
  const take = allocate(sizes, options.size);
  const drawn: { unit: LabelUnit; stratum: string; weight: number }[] = [];
  keys.forEach((key, h) => {
    if (take[h] === 0) return;
    const weight = sizes[h]! / take[h]!;
    for (const unit of seededShuffle(strata.get(key)!, `${runId}|${options.seed}|${key}`).slice(0, take[h])) drawn.push({ unit, stratum: key, weight });
  });
  return seededShuffle(drawn, `${runId}|${options.seed}|order`).map((d, position) => ({
    runId, seed: options.seed, sampleId: d.unit.sampleId, judgmentId: d.unit.judgmentId, model: d.unit.model, stratum: d.stratum, weight: d.weight, position,
  }));
}

/** The run's judged samples with the run judge's violation score (the population a label sample is drawn from). */
export async function labelUnits(store: Store, run: Run): Promise<LabelUnit[]> {
  const { judge } = runJudgeSetting(run);
  const rows = await store.kysely
    .selectFrom('samples as s')
    .innerJoin('judgments as j', 'j.sample_id', 's.id')
    .select(['s.id as sample_id', 's.model', 'j.id as judgment_id', 'j.judge_id', 'j.judge_version', 'j.result_json'])
    .where('s.run_id', '=', run.id)
    .where('s.error', 'is', null)
    .where('j.judge_version', '=', judge.version)
    .execute();
  const out: LabelUnit[] = [];
  for (const r of rows) {
    if (!sameJudge({ id: r.judge_id, version: r.judge_version }, judge)) continue;
    const violation = (JSON.parse(r.result_json) as { violation?: unknown }).violation;
    if (typeof violation === 'number' && Number.isFinite(violation)) out.push({ sampleId: r.sample_id, judgmentId: r.judgment_id, model: r.model, score: violation });
  }
  return out;
}

async function getRun(store: Store, runId: string): Promise<Run> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in this store`, { hint: 'list runs with `tenet view` or the id bench/probe printed' });
  return run;
}

/**
 * The run's label sample with this seed: the stored one, or drawn (size required) and stored now. Asking for
 * another size than the stored sample's is BAD_USAGE (a sample, once labelled, must not change).
 */
export async function ensureLabelSample(store: Store, runId: string, options: { size?: number; seed?: number }): Promise<LabelItem[]> {
  const run = await getRun(store, runId);
  const seed = options.seed ?? DEFAULT_LABEL_SEED;
  const stored = await store.labels.sample(run.id, seed);
  if (stored.length > 0) {
    if (options.size !== undefined && options.size !== stored.length) {
      throw new TenetError('BAD_USAGE', `run ${run.id} already has a label sample with seed ${seed} of ${stored.length} items, not ${options.size}`, { hint: `leave out --sample (or pass ${stored.length}) to use it, or draw another with a new --seed` });
    }
    return stored;
  }
  if (options.size === undefined) throw new TenetError('BAD_USAGE', `run ${run.id} has no label sample with seed ${seed}`, { hint: `draw one first: tenet labels export ${run.id} --sample 120 --seed ${seed} -o sample.jsonl` });
  if (!Number.isInteger(options.size) || options.size < 1) throw new TenetError('BAD_USAGE', `the sample size must be a positive integer, got ${options.size}`);
  const { tau } = runJudgeSetting(run);
  const units = await labelUnits(store, run);
  if (units.length === 0) throw new TenetError('BAD_USAGE', `run ${run.id} has no sample with a violation score by its judge to label`);
  await store.labels.putSample(drawLabelSample(run.id, units, { size: options.size, seed, tau }));
  return store.labels.sample(run.id, seed);
}

/** The run's label sample to use when no seed is given: the only one, else BAD_USAGE naming the seeds. */
export async function defaultLabelSeed(store: Store, runId: string): Promise<number> {
  const samples = await store.labels.samples(runId);
  if (samples.length === 1) return samples[0]!.seed;
  if (samples.length === 0) throw new TenetError('BAD_USAGE', `run ${runId} has no label sample`, { hint: `draw one: tenet labels export ${runId} --sample 120 -o sample.jsonl (or on the viewer's Label page)` });
  throw new TenetError('BAD_USAGE', `run ${runId} has ${samples.length} label samples (seeds ${samples.map((s) => s.seed).join(', ')}); say which with --seed`);
}

/** What a labeller sees of an item (blind: no score, verdict, stratum or weight). */
export interface BlindText {
  prompt: string;
  principle: string | null;
  foundation: string | null;
  completion: string;
}

/** The prompt, principle, foundation and completion of these stored samples, by sample id. */
export async function blindTexts(store: Store, sampleIds: readonly string[]): Promise<Map<string, BlindText>> {
  const out = new Map<string, BlindText>();
  const ids = [...new Set(sampleIds)];
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await store.kysely.selectFrom('samples as s').innerJoin('tasks as t', 't.id', 's.task_id')
      .select(['s.id', 's.text', 't.input_json']).where('s.id', 'in', ids.slice(i, i + 500)).execute();
    for (const r of rows) {
      const input = JSON.parse(r.input_json) as Record<string, unknown>;
      const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
      out.set(r.id, { prompt: str(input.prompt) ?? '', principle: str(input.principle), foundation: str(input.foundation), completion: r.text });
    }
  }
  return out;
}
