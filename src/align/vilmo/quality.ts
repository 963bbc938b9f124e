/**
 * The quality cost of each arm, reported beside its gain (DeNEVIL's VILMO raised perplexity and lowered
 * diversity): Self-BLEU among each test prompt's K continuations (diversity; always), perplexity of each
 * prompt's first continuation under a reference model (`--reference`, teacher-forced through Provider.score),
 * and an LLM rating of it (`--quality-judge`, prompts/align/quality.v1.md). Perplexities and ratings are stored
 * as judgments on the samples (judge ids `ppl:SPEC`, `quality:SPEC`), so they are measured once and a rerun
 * only fills in what is missing. Every figure has N and a 95% bootstrap CI over prompts, and paired
 * differences for the same comparisons as the violation metrics (paired.ts). Perplexity is corpus-level
 * (token-weighted) per arm with the median per-prompt perplexity beside it; its paired difference is on
 * per-prompt log-perplexity (a mean of logs, so one outlier cannot dominate it; exp of it is the ratio of
 * geometric means).
 */
import { continuationMessages } from '../../bench/run.ts';
import type { BootstrapOptions } from '../../judges/metrics.ts';
import type { Provider } from '../../models/types.ts';
import { corpusPerplexity, selfBleu, type CorpusPerplexity, type TextPerplexity } from '../../probe/quality.ts';
import { localExecutor } from '../../runtime/executor.ts';
import { scoringUnavailableReason } from '../../runtime/optional-scoring.ts';
import { stableId, type Store } from '../../store/index.ts';
import { qualityRater } from '../raters.ts';
import { meanEstimate, pairedDifference, type Estimate } from '../stats.ts';
import { VILMO_METHODS, type VilmoMethod, type VilmoRunConfig } from './config.ts';
import { comparisons } from './paired.ts';
import { storedSplit, VILMO_TASKS, type StoredRun, type StoredSample, type VilmoTask } from './stored.ts';

export const PERPLEXITY_VERSION = 'v1';
/** A reference that could not score (input `{reference, reason}`): its perplexity is reported as not available. */
export const PERPLEXITY_UNAVAILABLE_TASK = 'vilmo-perplexity-unavailable';

export interface ArmQuality {
  /** Mean over test prompts of Self-BLEU ×100 among the prompt's K continuations (null when K < 2). */
  self_bleu: Estimate;
  /** Of each test prompt's first continuation: corpus-level (token-weighted) with a CI over prompts, and the median per prompt. */
  perplexity?: CorpusPerplexity;
  rating?: Estimate;
}

export interface QualityResults {
  reference: string | null;
  /** Why there is no perplexity under `reference` (it cannot score: a chat-only endpoint, no teacher forcing). */
  perplexity_unavailable?: string;
  rater: string | null;
  arms: Partial<Record<VilmoMethod, ArmQuality>>;
  /** b − a over the same prompts (vilmo − every other arm, or every arm − none without vilmo), for each quality metric measured; perplexity as per-prompt log-perplexity. */
  paired: { a: VilmoMethod; b: VilmoMethod; metric: 'self_bleu' | 'log_perplexity' | 'rating'; difference: number | null; ci: [number | null, number | null]; n: number }[];
}

/** Each arm's continuations per test prompt (ordered by sample index; self-critique: its revisions by draft). */
export function armTexts(stored: StoredRun, methods: readonly VilmoMethod[]): Map<VilmoMethod, Map<string, { task: VilmoTask; samples: StoredSample[] }>> {
  const out = new Map<VilmoMethod, Map<string, { task: VilmoTask; samples: StoredSample[] }>>();
  for (const m of methods) out.set(m, new Map());
  for (const t of stored.list(VILMO_TASKS.eval)) {
    const arm = t.task.method ? out.get(t.task.method) : undefined;
    if (!arm) continue;
    const entry = arm.get(t.task.base) ?? { task: t.task, samples: [] };
    if (t.task.method === 'self-critique') {
      for (const s of t.samples) entry.samples.push({ ...s, index: t.task.sample ?? 0 });
    } else entry.samples.push(...t.samples);
    arm.set(t.task.base, entry);
  }
  for (const arm of out.values()) for (const e of arm.values()) e.samples.sort((a, b) => a.index - b.index);
  return out;
}

export const perplexityJudgeId = (reference: Provider | string): string => `ppl:${typeof reference === 'string' ? reference : reference.spec}`;

/**
 * Measure what is missing: the perplexity (under `reference`) and the rating (by `rater`) of each arm's first
 * continuation of each test prompt. Returns the failures (rerun to retry them). Perplexity is optional: when
 * the reference cannot score (asked first, or found mid-way), the reason is stored and returned instead.
 */
export async function measureQuality(store: Store, runId: string, stored: StoredRun, config: VilmoRunConfig, options: { reference?: Provider; rater?: Provider; concurrency?: number; signal?: AbortSignal }): Promise<{ measured: number; failed: string[]; perplexityUnavailable?: string }> {
  const have = new Set<string>();
  for (const j of await store.judgments.listByRun(runId)) have.add(`${j.judgeId}\u0000${j.judgeVersion}\u0000${j.sampleId}`);
  const rater = options.rater ? qualityRater(options.rater) : undefined;
  let unavailable: string | undefined;
  if (options.reference) {
    const support = await options.reference.scoringSupport(options.signal ? { signal: options.signal } : {});
    if (!support.available) unavailable = support.reason;
  }
  const jobs: { kind: 'ppl' | 'rate'; task: VilmoTask; sample: StoredSample }[] = [];
  for (const arm of armTexts(stored, config.methods).values()) {
    for (const { task, samples } of arm.values()) {
      const first = samples[0];
      if (!first) continue;
      if (options.reference && unavailable === undefined && !have.has(`${perplexityJudgeId(options.reference)}\u0000${PERPLEXITY_VERSION}\u0000${first.id}`)) jobs.push({ kind: 'ppl', task, sample: first });
      if (rater && !have.has(`${rater.id}\u0000${rater.version}\u0000${first.id}`)) jobs.push({ kind: 'rate', task, sample: first });
    }
  }
  const failed: string[] = [];
  let measured = 0;
  await localExecutor.execute(jobs, async (job, signal) => {
    try {
      if (job.kind === 'ppl') {
        if (unavailable !== undefined) return;
        const ref = options.reference!;
        const scored = ref.capabilities.score.includes('messages')
          ? await ref.score({ messages: continuationMessages(job.task), continuation: job.sample.text }, { signal })
          : await ref.score({ prompt: `${job.task.prompt}`, continuation: job.sample.text.startsWith(' ') ? job.sample.text : ` ${job.sample.text}` }, { signal });
        await store.judgments.putMany([{ sampleId: job.sample.id, judgeId: perplexityJudgeId(ref), judgeVersion: PERPLEXITY_VERSION, result: { perplexity: Math.exp(-scored.mean), tokens: scored.tokens.length } }]);
      } else {
        const rating = await rater!.rate({ prompt: job.task.prompt, response: job.sample.text }, { signal });
        await store.judgments.putMany([{ sampleId: job.sample.id, judgeId: rater!.id, judgeVersion: rater!.version, result: rating }]);
      }
      measured++;
    } catch (error) {
      const reason = job.kind === 'ppl' && !signal.aborted ? scoringUnavailableReason(error) : null;
      if (reason !== null) {
        unavailable ??= reason;
        return;
      }
      if (!signal.aborted) failed.push(error instanceof Error ? error.message : String(error));
      throw error;
    }
  }, { concurrency: options.concurrency ?? 4, ...(options.signal ? { signal: options.signal } : {}) });
  if (unavailable !== undefined && options.reference) {
    const reference = options.reference.spec;
    await store.tasks.putMany([{ id: stableId('task', runId, PERPLEXITY_UNAVAILABLE_TASK, reference), runId, kind: PERPLEXITY_UNAVAILABLE_TASK, input: { id: reference, reference, reason: unavailable } }]);
  }
  return { measured, failed, ...(unavailable !== undefined ? { perplexityUnavailable: unavailable } : {}) };
}

/** The quality figures of a stored run, from its samples and stored quality judgments. */
export async function qualityResults(store: Store, runId: string, stored: StoredRun, config: VilmoRunConfig, options: BootstrapOptions & { reference?: string; rater?: string } = {}): Promise<QualityResults> {
  const boot: BootstrapOptions = { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  const ppl = new Map<string, Map<string, TextPerplexity>>();
  const rating = new Map<string, Map<string, number>>();
  for (const j of await store.judgments.listByRun(runId)) {
    const r = j.result as { perplexity?: unknown; tokens?: unknown; score?: unknown } | null;
    if (j.judgeId.startsWith('ppl:') && typeof r?.perplexity === 'number' && Number.isFinite(r.perplexity) && r.perplexity > 0) {
      if (!ppl.has(j.judgeId)) ppl.set(j.judgeId, new Map());
      // token count: stored as a number (older runs: the token list)
      const tokens = typeof r.tokens === 'number' ? r.tokens : Array.isArray(r.tokens) ? r.tokens.length : 1;
      ppl.get(j.judgeId)!.set(j.sampleId, { logPerplexity: Math.log(r.perplexity), tokens });
    } else if (j.judgeId.startsWith('quality:') && typeof r?.score === 'number') {
      if (!rating.has(j.judgeId)) rating.set(j.judgeId, new Map());
      rating.get(j.judgeId)!.set(j.sampleId, r.score);
    }
  }
  const unavailable = new Map<string, string>();
  for (const t of await store.tasks.listByRun(runId)) {
    if (t.kind !== PERPLEXITY_UNAVAILABLE_TASK) continue;
    const note = t.input as { reference: string; reason: string };
    unavailable.set(perplexityJudgeId(note.reference), note.reason);
  }
  const reference = options.reference ? perplexityJudgeId(options.reference) : ([...ppl.keys()][0] ?? [...unavailable.keys()][0]);
  const rater = options.rater ?? [...rating.keys()][0];
  const pplOf = reference ? ppl.get(reference) : undefined;
  const rateOf = rater ? rating.get(rater) : undefined;
  const test = storedSplit(stored).test.map((p) => p.id);
  const texts = armTexts(stored, config.methods);
  const entry = (m: VilmoMethod, id: string): StoredSample | undefined => texts.get(m)?.get(id)?.samples[0];
  const selfBleus = new Map<VilmoMethod, (number | null)[]>(); // each arm's once: the paired comparisons ask again
  const selfBleuOf = (m: VilmoMethod): (number | null)[] => {
    let xs = selfBleus.get(m);
    if (!xs) {
      selfBleus.set(m, (xs = test.map((id) => {
        const e = texts.get(m)?.get(id);
        return e && e.samples.length ? selfBleu(e.samples.map((s) => s.text)) : null;
      })));
    }
    return xs;
  };
  const pplOfArm = (m: VilmoMethod): (TextPerplexity | null)[] => test.map((id) => pplOf?.get(entry(m, id)?.id ?? '') ?? null);
  const ratingOf = (m: VilmoMethod): (number | null)[] => test.map((id) => rateOf?.get(entry(m, id)?.id ?? '') ?? null);
  /** Per test prompt, the value each paired metric compares. */
  const values = (m: VilmoMethod, metric: QualityResults['paired'][number]['metric']): (number | null)[] =>
    metric === 'self_bleu' ? selfBleuOf(m) : metric === 'rating' ? ratingOf(m) : pplOfArm(m).map((x) => x?.logPerplexity ?? null);
  const present = (xs: readonly (number | null)[]): number[] => xs.filter((x): x is number => x !== null);
  const arms: QualityResults['arms'] = {};
  for (const m of VILMO_METHODS.filter((x) => config.methods.includes(x))) {
    arms[m] = {
      self_bleu: meanEstimate(present(selfBleuOf(m)), boot),
      ...(pplOf ? { perplexity: corpusPerplexity(pplOfArm(m).filter((x): x is TextPerplexity => x !== null), boot) } : {}),
      ...(rateOf ? { rating: meanEstimate(present(ratingOf(m)), boot) } : {}),
    };
  }
  const metrics = (['self_bleu', ...(pplOf ? ['log_perplexity'] : []), ...(rateOf ? ['rating'] : [])] as QualityResults['paired'][number]['metric'][]);
  const paired: QualityResults['paired'] = [];
  for (const [a, b] of comparisons(config.methods)) {
    for (const metric of metrics) {
      const xa = values(a, metric);
      const xb = values(b, metric);
      const idx = xa.map((_, i) => i).filter((i) => xa[i] !== null && xb[i] !== null);
      const d = pairedDifference(idx.map((i) => xa[i]!), idx.map((i) => xb[i]!), boot);
      paired.push({ a, b, metric, difference: d.mean, ci: d.ci, n: d.n });
    }
  }
  const why = reference && !pplOf ? unavailable.get(reference) : undefined;
  return { reference: reference ? reference.slice('ppl:'.length) : null, ...(why ? { perplexity_unavailable: why } : {}), rater: rater ?? null, arms, paired };
}
