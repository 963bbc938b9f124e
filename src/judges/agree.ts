/**
 * `tenet judge agree`: how far two judges agree on a run's stored samples.
 *
 * Each judge judges the run's samples it has not judged yet; its judgments are stored like any judgment, keyed
 * by sample, judge id and version (so a rerun, or an interrupted one resumed, repeats none of them; LLM judges
 * also go through the response cache). On the samples both judges gave a violation score:
 * - Cohen's κ and Krippendorff's α (nominal, two coders, no missing values) of the verdicts `score > τ`
 *   (the run's τ, default 0.5), each with a 95% percentile bootstrap CI that resamples PROMPTS (the samples of
 *   one prompt are not independent), B = 1000, seeded (judges/metrics.ts `bootstrap`);
 * - the confusion table of the two verdicts;
 * - Pearson's and Spearman's correlation of the scores;
 * - the samples they disagree on most (largest |a − b|), each with the viewer's URL of the sample.
 */
import { TenetError } from '../errors.ts';
import type { Store } from '../store/index.ts';
import type { PromptTask } from '../runtime/types.ts';
import { bootstrap, type BootstrapOptions } from './metrics.ts';
import { sameJudge } from './ids.ts';
import type { Judge, JudgeItem } from './types.ts';

export const DEFAULT_DISAGREEMENTS = 20;
const BATCH = 32;

export interface AgreementResult {
  run: string;
  judges: { a: { id: string; version: string }; b: { id: string; version: string } };
  tau: number;
  /** Samples both judges scored. */
  n: number;
  /** Prompts they hang on (the unit resampled). */
  prompts: number;
  /** Judgments made by this invocation (the rest were stored already). */
  judged: { a: number; b: number };
  kappa: { value: number; ci: [number, number] };
  alpha: { value: number; ci: [number, number] };
  confusion: { both_violate: number; a_only: number; b_only: number; neither: number };
  correlation: { pearson: number; spearman: number };
  disagreements: { sample_id: string; url: string; model: string; prompt_id: string; a: number; b: number }[];
}

/** Cohen's κ of two binary raters over the rows at `idx` (NaN when expected agreement is 1). */
export function cohenKappa(a: ArrayLike<number>, b: ArrayLike<number>, idx: ArrayLike<number>): number {
  const n = idx.length;
  if (n === 0) return Number.NaN;
  let agree = 0;
  let a1 = 0;
  let b1 = 0;
  for (let k = 0; k < n; k++) {
    const i = idx[k]!;
    if (a[i] === b[i]) agree++;
    a1 += a[i]!;
    b1 += b[i]!;
  }
  const po = agree / n;
  const pe = (a1 / n) * (b1 / n) + (1 - a1 / n) * (1 - b1 / n);
  return pe === 1 ? Number.NaN : (po - pe) / (1 - pe);
}

/**
 * Krippendorff's α (nominal) for two coders and binary values, no missing data: with n = 2·units pairable
 * values, n_0 and n_1 the values of each kind and D the units the coders disagree on,
 * α = 1 − (n − 1) · D / (n_0 · n_1) (NaN when every value is the same).
 */
export function krippendorffAlphaBinary(a: ArrayLike<number>, b: ArrayLike<number>, idx: ArrayLike<number>): number {
  let d = 0;
  let ones = 0;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    if (a[i] !== b[i]) d++;
    ones += a[i]! + b[i]!;
  }
  const n = 2 * idx.length;
  const zeros = n - ones;
  return zeros === 0 || ones === 0 ? Number.NaN : 1 - ((n - 1) * d) / (zeros * ones);
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return Number.NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
    syy += (y[i]! - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** Ranks 1..n, ties given their average rank. */
function ranks(x: readonly number[]): number[] {
  const order = x.map((v, i) => [v, i] as const).sort((p, q) => p[0] - q[0]);
  const out = new Array<number>(x.length);
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    for (let k = i; k < j; k++) out[order[k]![1]] = (i + 1 + j) / 2;
    i = j;
  }
  return out;
}

export function spearman(x: readonly number[], y: readonly number[]): number {
  return pearson(ranks(x), ranks(y));
}

export interface AgreementOptions extends BootstrapOptions {
  /** Judge only the first N samples of the run (ordered by sample id). */
  limit?: number;
  /** τ (default: the run's, else 0.5). */
  tau?: number;
  /** How many disagreements to list (default 20). */
  top?: number;
  /** The viewer's address the URLs start with (default http://127.0.0.1:7575/). */
  viewerBase?: string;
  signal?: AbortSignal;
  /** Told after every batch judged. */
  onProgress?: (done: number, total: number) => void;
}

const round = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1e6) / 1e6 : x);

/** The viewer's URL of one sample of a run. */
export function sampleUrl(base: string, runId: string, sampleId: string): string {
  return `${base.endsWith('/') ? base : `${base}/`}#/run/${encodeURIComponent(runId)}?tab=samples&sample=${encodeURIComponent(sampleId)}`;
}

/** Judge the run's samples with both judges where not stored yet, then measure their agreement. */
export async function judgeAgreement(store: Store, runId: string, judges: readonly [Judge, Judge], options: AgreementOptions = {}): Promise<AgreementResult> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in the store`, { hint: 'list runs with `tenet view` or `tenet bench compare`' });
  if (sameJudge(judges[0], judges[1])) throw new TenetError('BAD_USAGE', `--judges names the same judge twice (${judges[0].id}@${judges[0].version})`);
  const configTau = (run.config as { tau?: unknown } | null)?.tau;
  const tau = options.tau ?? (typeof configTau === 'number' ? configTau : 0.5);
  const tasks = new Map((await store.tasks.listByRun(runId)).map((t) => [t.id, t.input as PromptTask]));
  let samples = (await store.samples.listByRun(runId)).filter((s) => !s.error && tasks.has(s.taskId)).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  if (options.limit !== undefined) samples = samples.slice(0, options.limit);
  if (samples.length === 0) throw new TenetError('BAD_INPUT', `run ${runId} has no stored samples with a prompt to judge`);
  const stored = await store.judgments.listByRun(runId);
  const scores: [Map<string, number | null>, Map<string, number | null>] = [new Map(), new Map()];
  const violationOf = (result: unknown): number | null => {
    const v = (result as { violation?: unknown } | null)?.violation;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  };
  const judged = { a: 0, b: 0 };
  for (const [w, judge] of judges.entries()) {
    for (const j of stored) if (sameJudge({ id: j.judgeId, version: j.judgeVersion }, judge)) scores[w]!.set(j.sampleId, violationOf(j.result));
    const todo = samples.filter((s) => !scores[w]!.has(s.id));
    for (let i = 0; i < todo.length; i += BATCH) {
      if (options.signal?.aborted) throw new TenetError('ABORTED', `judge agree interrupted; rerun the same command to continue (stored judgments are kept)`);
      const batch = todo.slice(i, i + BATCH);
      const items: JudgeItem[] = batch.map((s) => {
        const t = tasks.get(s.taskId)!;
        return { prompt: t.prompt, response: s.text, ...(t.principle ? { principle: t.principle } : {}), ...(t.foundation ? { foundation: t.foundation } : {}) };
      });
      const results = await judge.judge(items, options.signal ? { signal: options.signal } : {});
      await store.judgments.putMany(results.map((result, k) => ({ sampleId: batch[k]!.id, judgeId: judge.id, judgeVersion: judge.version, result })));
      results.forEach((result, k) => scores[w]!.set(batch[k]!.id, violationOf(result)));
      judged[w === 0 ? 'a' : 'b'] += batch.length;
      options.onProgress?.(judged.a + judged.b, samples.length * 2);
    }
  }
  const both = samples.filter((s) => typeof scores[0].get(s.id) === 'number' && typeof scores[1].get(s.id) === 'number');
  const sa = both.map((s) => scores[0].get(s.id)!);
  const sb = both.map((s) => scores[1].get(s.id)!);
  const va = Uint8Array.from(sa, (x) => (x > tau ? 1 : 0));
  const vb = Uint8Array.from(sb, (x) => (x > tau ? 1 : 0));
  const promptIndex = new Map<string, number>();
  const clusters = both.map((s) => promptIndex.get(s.taskId) ?? (promptIndex.set(s.taskId, promptIndex.size), promptIndex.size - 1));
  const boot = { ...options, clusters };
  const kappa = bootstrap(both.length, (idx) => cohenKappa(va, vb, idx), boot);
  const alpha = bootstrap(both.length, (idx) => krippendorffAlphaBinary(va, vb, idx), boot);
  const confusion = { both_violate: 0, a_only: 0, b_only: 0, neither: 0 };
  for (let i = 0; i < both.length; i++) {
    if (va[i] && vb[i]) confusion.both_violate++;
    else if (va[i]) confusion.a_only++;
    else if (vb[i]) confusion.b_only++;
    else confusion.neither++;
  }
  const base = options.viewerBase ?? 'http://127.0.0.1:7575/';
  const disagreements = both.map((s, i) => ({ s, i, gap: Math.abs(sa[i]! - sb[i]!) }))
    .filter((d) => d.gap > 0)
    .sort((x, y) => y.gap - x.gap || (x.s.id < y.s.id ? -1 : 1))
    .slice(0, options.top ?? DEFAULT_DISAGREEMENTS)
    .map(({ s, i }) => ({ sample_id: s.id, url: sampleUrl(base, runId, s.id), model: s.model, prompt_id: tasks.get(s.taskId)!.id, a: round(sa[i]!), b: round(sb[i]!) }));
  const ci = (c: [number, number]): [number, number] => [round(c[0]), round(c[1])];
  return {
    run: runId,
    judges: { a: { id: judges[0].id, version: judges[0].version }, b: { id: judges[1].id, version: judges[1].version } },
    tau,
    n: both.length,
    prompts: promptIndex.size,
    judged,
    kappa: { value: round(kappa.value), ci: ci(kappa.ci) },
    alpha: { value: round(alpha.value), ci: ci(alpha.ci) },
    confusion,
    correlation: { pearson: round(pearson(sa, sb)), spearman: round(spearman(sa, sb)) },
    disagreements,
  };
}

const f3 = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : '–');

/** The human rendering of an agreement. */
export function formatAgreement(r: AgreementResult): string {
  const { a, b } = r.judges;
  const lines = [
    `judges A = ${a.id}@${a.version} and B = ${b.id}@${b.version} on run ${r.run}: ${r.n} samples of ${r.prompts} prompts both scored; verdict = score > τ = ${r.tau}` +
      ` (${r.judged.a + r.judged.b} judgments made now, the rest stored already)`,
    `  Cohen's κ          ${f3(r.kappa.value)}  95% CI [${f3(r.kappa.ci[0])}, ${f3(r.kappa.ci[1])}] (bootstrap over prompts)`,
    `  Krippendorff's α   ${f3(r.alpha.value)}  95% CI [${f3(r.alpha.ci[0])}, ${f3(r.alpha.ci[1])}]`,
    `  scores: Pearson ${f3(r.correlation.pearson)}, Spearman ${f3(r.correlation.spearman)}`,
    `  confusion        B violates  B does not`,
    `    A violates     ${String(r.confusion.both_violate).padStart(10)}  ${String(r.confusion.a_only).padStart(10)}`,
    `    A does not     ${String(r.confusion.b_only).padStart(10)}  ${String(r.confusion.neither).padStart(10)}`,
  ];
  if (!Number.isFinite(r.kappa.value)) lines.push('  κ and α are undefined: both judges give every sample the same verdict, so chance agreement is 1');
  if (r.disagreements.length) {
    lines.push('', `where they disagree most (A, B; open in \`tenet view\`):`);
    for (const d of r.disagreements) lines.push(`  ${f3(d.a)} ${f3(d.b)}  ${d.model} ${d.prompt_id}  ${d.url}`);
  } else lines.push('', 'they give every sample the same score');
  return lines.join('\n');
}
