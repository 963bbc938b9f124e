/**
 * Training the local judge: `trainLocalJudge({dataDir, outFile, seed})` reads the reference data, fits
 * every head on the TRAIN part, chooses thresholds and calibration on the VALIDATION part, and writes the
 * weights file. The TEST part is never read here except to be excluded. Deterministic: the same data,
 * config and seed give the same file byte for byte.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SCHWARTZ_VALUE_IDS, type Polarity } from '../labels.ts';
import { evaluateBinary, evaluateSchwartz } from '../metrics.ts';
import { loadReferenceData, type BinaryItem, type ReferenceData, type SchwartzItem } from './data.ts';
import { fitPlatt, platt, schwartzValue } from './decision.ts';
import { DEFAULT_FEATURES, featurize, fnv1a, type FeatureConfig, type HashedFeatures } from './features.ts';
import { RunHead, quantiseBinary, quantiseSoftmax, storeHead, type QuantHead, type StoredHead } from './heads.ts';
import { Vocab, trainLinear, type Example, type LinearOptions } from './linear.ts';
import { RunMlp, storeMlp, trainMlp, type MlpOptions, type StoredMlp } from './mlp.ts';
import { SPLIT_CUTS, SPLIT_RULE, SPLIT_SALT, ETHICS_BLOCK, type Part } from './split.ts';

import { LOCAL_FAST_JUDGE_ID, LOCAL_JUDGE_ID } from '../ids.ts';

export { LOCAL_FAST_JUDGE_ID, LOCAL_JUDGE_ID };
export const LOCAL_JUDGE_VERSION = '1.1.0';
export const WEIGHTS_FORMAT = 'tenet-local-judge/1';

export interface SchwartzTrainConfig {
  features: FeatureConfig;
  minDf: number;
  linear: Omit<LinearOptions, 'seed'>;
  /** Sample weight of FULCRA evaluator-vector rows (soft labels); 0 to leave them out. */
  evaluatorWeight: number;
  /** Soft targets (p+ = max(v,0), p− = max(−v,0), p0 = 1 − |v|) or hard (v read as a class). */
  evaluatorTargets: 'soft' | 'hard';
  /** Sample weight of Value Compass Schwartz cases (one value labelled: low → −1, high → +1). */
  vcWeight: number;
  /** Sample weight of Touché23 arguments (a value present → +1, absent → 0). */
  toucheWeight: number;
  /** Threshold choice on validation: one (t−, t+) pair for all values, or the argmax rule. */
  thresholds: 'shared' | 'argmax';
  /** 'linear': softmax regression per value; 'mlp': one shared ReLU hidden layer + linear skip. */
  model: 'linear' | 'mlp';
  mlp: Omit<MlpOptions, 'seed'>;
}

/** Anything that turns an item into per-value class probabilities. */
export interface SoftmaxRunner {
  featurize(prompt: string, response: string): HashedFeatures;
  softmax(f: HashedFeatures, nHeads: number, nClasses: number): Float64Array;
}

export interface BinaryTrainConfig {
  features: FeatureConfig;
  minDf: number;
  linear: Omit<LinearOptions, 'seed'>;
  /** Duplicate features under the foundation id (MFT head). */
  tagFoundation: boolean;
  /** Sample weight of ETHICS commonsense TRAIN-part rows added as auxiliary training (MFT head); 0 = none. */
  auxEthicsWeight: number;
  /** Sample weight of the MFT story openings (TRAIN part) added as non-violating examples (MFT head); 0 = none. */
  openingWeight?: number;
  /** Platt calibration on the validation continuations only, or on the continuations and the openings. */
  calibrateOn?: 'continuations' | 'continuations+openings';
  /** Weight of the Schwartz head's P(−1) and P(+1) per value as 20 extra features (MFT head); 0 = none. */
  schwartzFeatures?: number;
}

export interface TrainConfig {
  schwartz: SchwartzTrainConfig;
  mft: BinaryTrainConfig;
  ethics: BinaryTrainConfig;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  schwartz: {
    features: DEFAULT_FEATURES,
    minDf: 2,
    linear: { epochs: 12, lr: 0.2, l2: 1e-4, classWeightPower: 0.5, maxClassWeight: 10 },
    evaluatorWeight: 0,
    evaluatorTargets: 'soft',
    vcWeight: 0,
    toucheWeight: 0,
    thresholds: 'shared',
    model: 'linear',
    mlp: { hidden: 32, epochs: 10, lr: 0.05, l2: 1e-5, classWeightPower: 0.5, maxClassWeight: 10, initScale: 0.5, skip: true },
  },
  mft: {
    // The continuation only (no prompt features: the story must not decide the score), its opener, no
    // length bucket; the story openings of the train part as non-violating text (docs/judges.md).
    features: { ...DEFAULT_FEATURES, promptWords: [], opener: 4, weights: { ...DEFAULT_FEATURES.weights, p: 0, l: 0 } },
    minDf: 1,
    linear: { epochs: 20, lr: 0.2, l2: 1e-4, classWeightPower: 0, maxClassWeight: 10 },
    tagFoundation: false,
    auxEthicsWeight: 0,
    openingWeight: 1,
    calibrateOn: 'continuations',
    schwartzFeatures: 0,
  },
  ethics: {
    features: { ...DEFAULT_FEATURES, promptWords: [], opener: 0 },
    minDf: 2,
    linear: { epochs: 15, lr: 0.2, l2: 1e-4, classWeightPower: 0, maxClassWeight: 10 },
    tagFoundation: false,
    auxEthicsWeight: 0,
  },
};

const V = SCHWARTZ_VALUE_IDS.length;

// ---------------------------------------------------------------- Schwartz head

function oneHot(label: Polarity): [number, number, number] {
  return label === -1 ? [1, 0, 0] : label === 1 ? [0, 0, 1] : [0, 1, 0];
}

function schwartzTarget(item: SchwartzItem, cfg: SchwartzTrainConfig): Float64Array {
  const t = new Float64Array(V * 3).fill(Number.NaN);
  const set = (v: number, d: readonly number[]): void => {
    t[v * 3] = d[0]!;
    t[v * 3 + 1] = d[1]!;
    t[v * 3 + 2] = d[2]!;
  };
  if (item.labels) item.labels.forEach((l, v) => set(v, oneHot(l)));
  else if (item.soft) {
    item.soft.forEach((x, v) => {
      if (cfg.evaluatorTargets === 'hard') set(v, oneHot(x > 0.5 ? 1 : x < -0.5 ? -1 : 0));
      else set(v, [Math.max(-x, 0), 1 - Math.abs(x), Math.max(x, 0)]);
    });
  } else if (item.single) set(SCHWARTZ_VALUE_IDS.indexOf(item.single.value), oneHot(item.single.label));
  else if (item.presence) item.presence.forEach((x, v) => set(v, oneHot(x === 1 ? 1 : 0)));
  return t;
}

export interface SchwartzFit {
  stored: StoredHead | StoredMlp;
  run: SoftmaxRunner;
  nFeatures: number;
}

/** Fit the Schwartz head on FULCRA rows in `parts` plus the configured extra sets. */
export function fitSchwartz(data: ReferenceData, cfg: SchwartzTrainConfig, seed: number, parts: Part[] = ['train']): SchwartzFit {
  const items: [SchwartzItem, number][] = [];
  for (const r of data.fulcra) if (parts.includes(r.part)) items.push([r, 1]);
  if (cfg.evaluatorWeight > 0) for (const r of data.evaluator) items.push([r, cfg.evaluatorWeight]);
  if (cfg.vcWeight > 0) for (const r of data.vcSchwartz) items.push([r, cfg.vcWeight]);
  if (cfg.toucheWeight > 0) for (const r of data.touche) items.push([r, cfg.toucheWeight]);
  const feats = items.map(([r]) => featurize(r, cfg.features));
  const vocab = Vocab.build(feats, cfg.minDf);
  const examples: Example[] = items.map(([r, w], i) => ({ x: vocab.sparse(feats[i]!), target: schwartzTarget(r, cfg), weight: w }));
  if (cfg.model === 'mlp') {
    const m = trainMlp(examples, V, 3, vocab.size, { ...cfg.mlp, seed });
    const stored = storeMlp(m, vocab, cfg.features);
    return { stored, run: new RunMlp(stored), nFeatures: vocab.size };
  }
  const model = trainLinear(examples, V, 3, vocab.size, { ...cfg.linear, seed });
  const head = quantiseSoftmax(model, vocab, cfg.features);
  return { stored: storeHead(head), run: new RunHead(head), nFeatures: head.hashes.length };
}

/** Class probabilities per item: rows of 30 (value-major, classes −1, 0, +1). */
export function schwartzProbs(run: SoftmaxRunner, items: readonly { prompt: string; response: string }[]): Float64Array[] {
  return items.map((r) => run.softmax(run.featurize(r.prompt, r.response), V, 3));
}

export function schwartzVectors(probs: readonly Float64Array[], tNeg: number, tPos: number): number[][] {
  return probs.map((p) => Array.from({ length: V }, (_, v) => schwartzValue(p[v * 3]!, p[v * 3 + 2]!, tNeg, tPos)));
}

/** The validation objective thresholds are chosen by: 3-class accuracy + macro-F1 + opposed-F1 (the three targets). */
export function schwartzObjective(gold: Polarity[][], pred: number[][]): number {
  const r = evaluateSchwartz(gold, pred, { b: 0 });
  return r.accuracy.value + r.macroF1.value + r.opposedF1.value;
}

export const THRESHOLD_GRID = Array.from({ length: 39 }, (_, i) => Math.round((0.025 + i * 0.025) * 1000) / 1000);

/** Choose one (t−, t+) for all values by grid search on validation. 'argmax' returns the rule's equivalent. */
export function chooseSchwartzThresholds(
  probs: readonly Float64Array[],
  gold: Polarity[][],
  mode: SchwartzTrainConfig['thresholds'],
): { neg: number; pos: number; objective: number } {
  if (mode === 'argmax') {
    return { neg: 0.5, pos: 0.5, objective: schwartzObjective(gold, schwartzVectors(probs, 0.5, 0.5)) };
  }
  let best = { neg: 0.5, pos: 0.5, objective: -Infinity };
  for (const neg of THRESHOLD_GRID) {
    for (const pos of THRESHOLD_GRID) {
      const obj = schwartzObjective(gold, schwartzVectors(probs, neg, pos));
      if (obj > best.objective + 1e-12) best = { neg, pos, objective: obj };
    }
  }
  return best;
}

// ---------------------------------------------------------------- binary heads

/** The Schwartz head's P(−1) and P(+1) of every value as features (namespace `s`, not normalised). */
export function addSchwartzFeatures(f: HashedFeatures, probs: Float64Array, weight: number): HashedFeatures {
  if (weight === 0) return f;
  for (let v = 0; v < V; v++) {
    f.set(fnv1a(`s:${v}:-1`), probs[v * 3]! * weight);
    f.set(fnv1a(`s:${v}:+1`), probs[v * 3 + 2]! * weight);
  }
  return f;
}

function binaryFeatures(item: BinaryItem, cfg: BinaryTrainConfig, sch?: SoftmaxRunner): HashedFeatures {
  const tag = cfg.tagFoundation && item.foundation ? item.foundation : undefined;
  const base = featurize({ prompt: item.prompt, response: item.response }, cfg.features);
  if (tag !== undefined) {
    const tagged = featurize({ prompt: item.prompt, response: item.response, tag }, cfg.features);
    for (const [k, v] of tagged) base.set(k, (base.get(k) ?? 0) + v);
  }
  const sw = cfg.schwartzFeatures ?? 0;
  if (sw > 0 && sch) addSchwartzFeatures(base, sch.softmax(sch.featurize(item.prompt, item.response), V, 3), sw);
  return base;
}

/**
 * Features of an item for a binary head at run time. `schwartz`: the Schwartz head's class probabilities
 * of the same item and the weight they enter with (heads trained with `schwartzFeatures`).
 */
export function binaryItemFeatures(
  run: RunHead,
  item: { prompt: string; response: string; foundation?: string },
  tagFoundation: boolean,
  schwartz?: { probs: Float64Array; weight: number },
): HashedFeatures {
  const base = run.featurize(item.prompt, item.response);
  if (tagFoundation && item.foundation !== undefined) {
    for (const [k, v] of run.featurize(item.prompt, item.response, item.foundation)) base.set(k, (base.get(k) ?? 0) + v);
  }
  if (schwartz && schwartz.weight > 0) addSchwartzFeatures(base, schwartz.probs, schwartz.weight);
  return base;
}

export function fitBinary(
  items: readonly BinaryItem[],
  cfg: BinaryTrainConfig,
  seed: number,
  parts: Part[] = ['train'],
  aux: readonly BinaryItem[] = [],
  openings: readonly BinaryItem[] = [],
  sch?: SoftmaxRunner,
): { head: QuantHead; run: RunHead } {
  const use: [BinaryItem, number][] = items.filter((r) => parts.includes(r.part)).map((r) => [r, 1]);
  const ow = cfg.openingWeight ?? 0;
  if (ow > 0) for (const r of openings) if (parts.includes(r.part)) use.push([r, ow]);
  if (cfg.auxEthicsWeight > 0) for (const r of aux) if (r.part === 'train') use.push([r, cfg.auxEthicsWeight]);
  const feats = use.map(([r]) => binaryFeatures(r, cfg, sch));
  const vocab = Vocab.build(feats, cfg.minDf);
  const examples: Example[] = use.map(([r, w], i) => ({
    x: vocab.sparse(feats[i]!),
    target: Float64Array.from(r.label === 1 ? [0, 1] : [1, 0]),
    weight: w,
  }));
  const model = trainLinear(examples, 1, 2, vocab.size, { ...cfg.linear, seed });
  const head = quantiseBinary(model, vocab, cfg.features);
  return { head, run: new RunHead(head) };
}

export function binaryRawProbs(run: RunHead, items: readonly BinaryItem[], tagFoundation: boolean, sch?: SoftmaxRunner, schWeight = 0): number[] {
  return items.map((r) =>
    run.sigmoid(
      binaryItemFeatures(run, r, tagFoundation, sch && schWeight > 0 ? { probs: sch.softmax(sch.featurize(r.prompt, r.response), V, 3), weight: schWeight } : undefined),
    ),
  );
}

// ---------------------------------------------------------------- the weights file

export interface WeightsFile {
  format: typeof WEIGHTS_FORMAT;
  id: string;
  version: string;
  seed: number;
  split: { rule: string; salt: string; cuts: typeof SPLIT_CUTS; ethicsBlock: number };
  data: { file: string; sha256: string; rows: number; skipped: number; usedFor: string[] }[];
  config: TrainConfig;
  counts: Record<string, Record<string, number>>;
  validation: Record<string, unknown>;
  schwartz: { values: readonly string[]; classes: [-1, 0, 1]; thresholds: { neg: number; pos: number }; head: StoredHead | StoredMlp };
  /** `schwartzFeatures`: weight of the Schwartz head's class probabilities as features (absent = 0). */
  mft: { tagFoundation: boolean; schwartzFeatures?: number; platt: { a: number; b: number }; head: StoredHead };
  ethics: { platt: { a: number; b: number }; head: StoredHead };
}

export interface TrainOptions {
  /** Directory laid out as shared/data (fulcra/, valuecompass/, ethics/, touche23/). */
  dataDir: string;
  /** Where to write the weights JSON; omit to only return it. */
  outFile?: string;
  /** Training seed (example order). Does not affect the split. Default 1. */
  seed?: number;
  config?: TrainConfig;
  /** Already-loaded data (tests reuse it). */
  data?: ReferenceData;
  log?: (line: string) => void;
}

export interface TrainResult {
  weights: WeightsFile;
  json: string;
  bytes: number;
  seconds: number;
}

/** Which heads a data file trained or calibrated, under this config. */
function usesOf(file: string, cfg: TrainConfig): string[] {
  const u: string[] = [];
  if (file.startsWith('fulcra/trustworthy')) u.push('schwartz (train part; thresholds on validation part)');
  if (file.startsWith('fulcra/evaluator-vectors') && cfg.schwartz.evaluatorWeight > 0) u.push('schwartz (soft labels)');
  if (file.startsWith('valuecompass/schwartz') && cfg.schwartz.vcWeight > 0) u.push('schwartz');
  if (file.startsWith('touche23') && cfg.schwartz.toucheWeight > 0) u.push('schwartz');
  if (file.startsWith('valuecompass/mft')) {
    u.push('mft (train part; calibration on validation part)');
    if ((cfg.mft.openingWeight ?? 0) > 0) u.push('mft (story openings of the train part as non-violating text)');
  }
  if (file.startsWith('ethics/')) {
    u.push('ethics (train part; calibration on validation part)');
    if (cfg.mft.auxEthicsWeight > 0) u.push('mft (auxiliary, train part)');
  }
  return u;
}

function countParts(items: readonly { part: Part }[]): Record<string, number> {
  const c: Record<string, number> = { train: 0, validation: 0, test: 0 };
  for (const r of items) c[r.part]!++;
  return c;
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** Train every head, choose thresholds/calibration on validation, and (optionally) write the file. */
export async function trainLocalJudge(options: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const seed = options.seed ?? 1;
  const cfg = options.config ?? DEFAULT_TRAIN_CONFIG;
  const log = options.log ?? (() => {});
  const data = options.data ?? (await loadReferenceData(options.dataDir));

  // Schwartz
  const sch = fitSchwartz(data, cfg.schwartz, seed);
  const val = data.fulcra.filter((r) => r.part === 'validation');
  const valGold = val.map((r) => r.labels!);
  const valProbs = schwartzProbs(sch.run, val);
  const th = chooseSchwartzThresholds(valProbs, valGold, cfg.schwartz.thresholds);
  const schVal = evaluateSchwartz(valGold, schwartzVectors(valProbs, th.neg, th.pos), { b: 1000, seed: 7 });
  log(`schwartz: ${sch.nFeatures} features, thresholds ${th.neg}/${th.pos}, validation acc ${schVal.accuracy.value.toFixed(4)} macroF1 ${schVal.macroF1.value.toFixed(4)} opposedF1 ${schVal.opposedF1.value.toFixed(4)}`);

  // MFT violation: continuations (+ the story openings as non-violating text), calibrated on validation.
  const mftSw = cfg.mft.schwartzFeatures ?? 0;
  const mft = fitBinary(data.mft, cfg.mft, seed, ['train'], data.ethics, data.mftOpenings, sch.run);
  const mftVal = data.mft.filter((r) => r.part === 'validation');
  const openVal = data.mftOpenings.filter((r) => r.part === 'validation');
  const mftRaw = binaryRawProbs(mft.run, mftVal, cfg.mft.tagFoundation, sch.run, mftSw);
  const openRaw = binaryRawProbs(mft.run, openVal, cfg.mft.tagFoundation, sch.run, mftSw);
  const mftPlatt =
    cfg.mft.calibrateOn === 'continuations+openings'
      ? fitPlatt([...mftRaw, ...openRaw], [...mftVal.map((r) => r.label), ...openVal.map((r) => r.label)])
      : fitPlatt(mftRaw, mftVal.map((r) => r.label));
  const mftPlattR = { a: Math.fround(mftPlatt.a), b: Math.fround(mftPlatt.b) };
  const mftCal = mftRaw.map((p) => platt(p, mftPlattR.a, mftPlattR.b));
  const openCal = openRaw.map((p) => platt(p, mftPlattR.a, mftPlattR.b));
  const mftValRep = evaluateBinary(mftVal.map((r) => r.label), mftCal, { b: 1000, seed: 7 });
  const meanOf = (xs: number[]): number => round4(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
  const mftMeans = {
    openings: meanOf(openCal),
    openingsAboveHalf: openCal.filter((p) => p > 0.5).length,
    nOpenings: openCal.length,
    violating: meanOf(mftCal.filter((_, i) => mftVal[i]!.label === 1)),
    nonViolating: meanOf(mftCal.filter((_, i) => mftVal[i]!.label === 0)),
  };
  log(`mft: ${mft.head.hashes.length} features, validation acc ${mftValRep.accuracy.value.toFixed(4)} F1 ${mftValRep.f1.value.toFixed(4)} AUROC ${mftValRep.auroc.value.toFixed(4)}; mean score openings ${mftMeans.openings} (${mftMeans.openingsAboveHalf}/${mftMeans.nOpenings} > 0.5), violating ${mftMeans.violating}, non-violating ${mftMeans.nonViolating}`);

  // ETHICS commonsense
  const eth = fitBinary(data.ethics, cfg.ethics, seed);
  const ethVal = data.ethics.filter((r) => r.part === 'validation');
  const ethRaw = binaryRawProbs(eth.run, ethVal, false);
  const ethPlatt = fitPlatt(ethRaw, ethVal.map((r) => r.label));
  const ethPlattR = { a: Math.fround(ethPlatt.a), b: Math.fround(ethPlatt.b) };
  const ethValRep = evaluateBinary(ethVal.map((r) => r.label), ethRaw.map((p) => platt(p, ethPlattR.a, ethPlattR.b)), { b: 1000, seed: 7 });
  log(`ethics: ${eth.head.hashes.length} features, validation acc ${ethValRep.accuracy.value.toFixed(4)} F1 ${ethValRep.f1.value.toFixed(4)}`);

  const ci = (m: { value: number; ci: [number, number]; n: number }): { value: number; ci: [number, number]; n: number } => ({
    value: round4(m.value),
    ci: [round4(m.ci[0]), round4(m.ci[1])],
    n: m.n,
  });
  const weights: WeightsFile = {
    format: WEIGHTS_FORMAT,
    id: LOCAL_FAST_JUDGE_ID,
    version: LOCAL_JUDGE_VERSION,
    seed,
    split: { rule: SPLIT_RULE, salt: SPLIT_SALT, cuts: SPLIT_CUTS, ethicsBlock: ETHICS_BLOCK },
    data: data.files.map((f) => ({ ...f, usedFor: usesOf(f.file, cfg) })),
    config: cfg,
    counts: {
      fulcra: countParts(data.fulcra),
      mft: countParts(data.mft),
      mftOpenings: countParts(data.mftOpenings),
      ethics: countParts(data.ethics),
      extraTraining: { evaluator: data.evaluator.length, valueCompassSchwartz: data.vcSchwartz.length, touche: data.touche.length },
    },
    validation: {
      fulcra: { accuracy: ci(schVal.accuracy), macroF1: ci(schVal.macroF1), opposedF1: ci(schVal.opposedF1), objective: round4(th.objective) },
      mft: { accuracy: ci(mftValRep.accuracy), f1: ci(mftValRep.f1), auroc: ci(mftValRep.auroc), meanScore: mftMeans },
      ethics: { accuracy: ci(ethValRep.accuracy), f1: ci(ethValRep.f1), auroc: ci(ethValRep.auroc) },
    },
    schwartz: { values: SCHWARTZ_VALUE_IDS, classes: [-1, 0, 1], thresholds: { neg: th.neg, pos: th.pos }, head: sch.stored },
    mft: { tagFoundation: cfg.mft.tagFoundation, schwartzFeatures: mftSw, platt: mftPlattR, head: storeHead(mft.head) },
    ethics: { platt: ethPlattR, head: storeHead(eth.head) },
  };
  const json = `${JSON.stringify(weights)}\n`;
  if (options.outFile) {
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, json);
  }
  return { weights, json, bytes: Buffer.byteLength(json), seconds: (performance.now() - t0) / 1000 };
}
