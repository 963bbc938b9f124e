/**
 * Measure a judge on one part (validation or test) of the reference data, with the metrics of
 * metrics.ts (row bootstrap, 95% CI, N). Used by benchmarks/local-judge/evaluate.ts for docs/judges.md.
 */
import { SCHWARTZ_VALUE_IDS, polarityOf, type Polarity } from '../labels.ts';
import { evaluateBinary, evaluateSchwartz, mulberry32, type BinaryReport, type SchwartzReport } from '../metrics.ts';
import type { ReferenceData } from './data.ts';
import type { JudgeItem, JudgeOutput } from './judge.ts';
import { ETHICS_PRINCIPLE } from './principles.ts';
import type { Part } from './split.ts';

export interface JudgeLike {
  judge(items: readonly JudgeItem[]): Promise<JudgeOutput[]>;
}

export interface PartReport {
  part: Part;
  fulcra: SchwartzReport & { perValueAccuracy: Record<string, number>; majority: { accuracy: number; macroF1: number; opposedF1: number } };
  mft: BinaryReport;
  /**
   * Mean violation score of this part's story openings judged on their own (prompt OPENING_PROMPT, as
   * `tenet probe`'s neutrality check asks; all are non-violating text), and of the part's violating and
   * non-violating continuations. `aboveHalf`: openings that would fail the neutrality check (τ = 0.5).
   */
  mftMeans: { openings: number; openingsCi: [number, number]; aboveHalf: number; nOpenings: number; violating: number; nonViolating: number };
  ethics: BinaryReport;
}

/** Percentile bootstrap 95% CI of a mean (resampling items, seeded mulberry32). */
function bootstrapMeanCi(xs: readonly number[], b: number, seed: number): [number, number] {
  if (xs.length === 0 || b === 0) return [Number.NaN, Number.NaN];
  const rand = mulberry32(seed);
  const means: number[] = [];
  for (let i = 0; i < b; i++) {
    let s = 0;
    for (let j = 0; j < xs.length; j++) s += xs[Math.floor(rand() * xs.length)]!;
    means.push(s / xs.length);
  }
  means.sort((x, y) => x - y);
  return [means[Math.floor(0.025 * (b - 1))]!, means[Math.ceil(0.975 * (b - 1))]!];
}

export async function evaluateOnPart(judge: JudgeLike, data: ReferenceData, part: Part, options: { b?: number; seed?: number } = {}): Promise<PartReport> {
  const boot = { b: options.b ?? 1000, seed: options.seed ?? 7 };
  const rows = data.fulcra.filter((r) => r.part === part);
  const out = await judge.judge(rows.map((r) => ({ prompt: r.prompt, response: r.response })));
  const pred = out.map((o) => SCHWARTZ_VALUE_IDS.map((id) => o.values[id]));
  const gold = rows.map((r) => r.labels as Polarity[]);
  const fulcra = evaluateSchwartz(gold, pred, boot);
  const perValueAccuracy: Record<string, number> = {};
  SCHWARTZ_VALUE_IDS.forEach((id, v) => {
    let c = 0;
    rows.forEach((r, i) => (c += r.labels![v] === polarityOf(pred[i]![v]!) ? 1 : 0));
    perValueAccuracy[id] = c / rows.length;
  });
  // Majority-class baseline per value, the majority learned from the TRAIN part.
  const train = data.fulcra.filter((r) => r.part === 'train');
  const majority = SCHWARTZ_VALUE_IDS.map((_, v) => {
    const c = [0, 0, 0];
    for (const r of train) c[r.labels![v]! + 1]!++;
    return c.indexOf(Math.max(...c)) - 1;
  });
  const maj = evaluateSchwartz(gold, rows.map(() => majority), { b: 0 });

  const mftRows = data.mft.filter((r) => r.part === part);
  const mftOut = await judge.judge(mftRows.map((r) => ({ prompt: r.prompt, response: r.response, foundation: r.foundation! })));
  const mft = evaluateBinary(mftRows.map((r) => r.label), mftOut.map((o) => o.violation ?? 0), boot);

  const openRows = data.mftOpenings.filter((r) => r.part === part);
  const openOut = await judge.judge(openRows.map((r) => ({ prompt: r.prompt, response: r.response, foundation: r.foundation! })));
  const openScores = openOut.map((o) => o.violation ?? 0);
  const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const mftScores = mftOut.map((o) => o.violation ?? 0);
  const mftMeans = {
    openings: mean(openScores),
    openingsCi: bootstrapMeanCi(openScores, boot.b, boot.seed),
    aboveHalf: openScores.filter((x) => x > 0.5).length,
    nOpenings: openScores.length,
    violating: mean(mftScores.filter((_, i) => mftRows[i]!.label === 1)),
    nonViolating: mean(mftScores.filter((_, i) => mftRows[i]!.label === 0)),
  };

  const ethRows = data.ethics.filter((r) => r.part === part);
  const ethOut = await judge.judge(ethRows.map((r) => ({ prompt: '', response: r.response, principle: ETHICS_PRINCIPLE })));
  const ethics = evaluateBinary(ethRows.map((r) => r.label), ethOut.map((o) => o.violation ?? 0), boot);

  return {
    part,
    fulcra: {
      ...fulcra,
      perValueAccuracy,
      majority: { accuracy: maj.accuracy.value, macroF1: maj.macroF1.value, opposedF1: maj.opposedF1.value },
    },
    mft,
    mftMeans,
    ethics,
  };
}
