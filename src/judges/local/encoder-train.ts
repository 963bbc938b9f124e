/**
 * Training the encoder judge (`tenet-local@2`): the Schwartz head and the principle-reading violation head
 * on sentence-encoder features (encoder-features.ts), with the same trainer (linear.ts), quantised heads
 * (heads.ts), split (split.ts), threshold search and Platt calibration as the n-gram judge (train.ts).
 * Fits on the TRAIN part, chooses thresholds / calibration on VALIDATION, never reads TEST. Deterministic:
 * the same data, cached vectors (quantised to 1e-4), config and seed give the same file byte for byte.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TenetError } from '../../errors.ts';
import { createEncoder, type Encoder } from '../../models/encoder.ts';
import { localModelPath } from '../../models/local-files.ts';
import { MFT_CORE_IDS, isMftCoreId, type MftCoreId } from '../../values/mft.ts';
import { SCHWARTZ_VALUE_IDS } from '../labels.ts';
import { evaluateBinary, evaluateSchwartz } from '../metrics.ts';
import { loadReferenceData, OPENING_PROMPT, type BinaryItem, type ReferenceData } from './data.ts';
import { fitPlatt, platt } from './decision.ts';
import { defaultFeaturesDir, dequantise, EMBED_STEP, EmbeddingCache, encoderFileHash } from './embed-cache.ts';
import { encoderTrainingTexts } from './encoder-texts.ts';
import { DIMS, generalFeatures, schwartzFeatures, violationFeatures, type GeneralEncoderFeatures, type SchwartzEncoderFeatures, type ViolationEncoderFeatures } from './encoder-features.ts';
import { DEFAULT_FEATURES, type HashedFeatures } from './features.ts';
import { RunHead, quantiseBinary, quantiseSoftmax, storeHead, type StoredHead } from './heads.ts';
import { Vocab, trainLinear, type Example, type LinearOptions } from './linear.ts';
import { foundationPrinciple, trainingPrinciples } from './principles.ts';
import { ETHICS_BLOCK, promptKey, SPLIT_CUTS, SPLIT_RULE, SPLIT_SALT } from './split.ts';
import { chooseSchwartzThresholds, schwartzVectors, LOCAL_JUDGE_ID } from './train.ts';

export const ENCODER_JUDGE_VERSION = '2.1.0';
export const ENCODER_WEIGHTS_FORMAT = 'tenet-encoder-judge/1';
export const ENCODER_JUDGE_ENCODER = 'local-encoder:all-minilm-l6-v2';
/** The principle an item is judged against when it gives neither a principle nor a foundation but asks for ETHICS-style wrongness (training only). */
export const GENERIC_PRINCIPLE = 'Do not do anything that is clearly morally wrong.';

export interface EncoderTrainConfig {
  schwartz: {
    features: SchwartzEncoderFeatures;
    linear: Omit<LinearOptions, 'seed'>;
    thresholds: 'shared' | 'argmax';
  };
  violation: {
    features: ViolationEncoderFeatures;
    linear: Omit<LinearOptions, 'seed'>;
    /** Total weight of a continuation paired with the other four foundations' principles (label 0). */
    mismatchWeight: number;
    /** Weight of a story opening (label 0, own foundation). */
    openingWeight: number;
    /** Weight of ETHICS train rows under GENERIC_PRINCIPLE; 0 = none. */
    ethicsWeight: number;
    /** Phrasings per foundation besides its definition (principles.ts; 2 = 2.0.0's, up to 5). */
    phrasings?: number;
    /** Total weight of the contrastive (own − other foundation) pairs per violating continuation; 0/absent = none. */
    pairWeight?: number;
  };
  /**
   * The general-wrongness head, used for an item with a free-text principle and no foundation: trained on
   * the ETHICS commonsense TRAIN part, calibrated on its VALIDATION part; null = none (2.0.0: such items
   * went through the violation head, which saw only MFT stories).
   */
  general: null | {
    features: GeneralEncoderFeatures;
    minDf: number;
    linear: Omit<LinearOptions, 'seed'>;
  };
  /** Violation in [0.5 − band, 0.5 + band] is flagged low-confidence. */
  abstainBand: number;
}

/** The n-gram features of 1.x's ETHICS head: response word 1–2-grams, no opener, no prompt. */
export const NGRAM_ETHICS = { ...DEFAULT_FEATURES, promptWords: [], opener: 0 };
const NGRAM_RESPONSE = { ...DEFAULT_FEATURES, promptWords: [], opener: 4, weights: { ...DEFAULT_FEATURES.weights, p: 0, l: 0 } };

export const DEFAULT_ENCODER_CONFIG: EncoderTrainConfig = {
  schwartz: {
    features: { P: 0.7, R: 1, PR: 0.5, ngrams: 1, ngramFeatures: DEFAULT_FEATURES },
    linear: { epochs: 30, lr: 0.2, l2: 1e-4, classWeightPower: 0.5, maxClassWeight: 10 },
    thresholds: 'shared',
  },
  violation: {
    // 2.1.0 (selected on validation, docs/judges.md): + prototype relevance 10 and contrast 10, + contrastive pairs 1
    features: { relR: 10, relP: 0, proto: 10, protoContrast: 10, protoTemp: 20, protoWordings: 2, R: 1, QR: 1, QP: 0, Q: 0.3, ngrams: 1, ngramFeatures: NGRAM_RESPONSE },
    linear: { epochs: 30, lr: 0.2, l2: 1e-4, classWeightPower: 0, maxClassWeight: 10 },
    mismatchWeight: 1,
    openingWeight: 1,
    ethicsWeight: 0,
    phrasings: 2,
    pairWeight: 1,
  },
  general: {
    features: { R: 2, ngrams: 1, ngramFeatures: NGRAM_ETHICS },
    minDf: 2,
    linear: { epochs: 15, lr: 0.2, l2: 1e-4, classWeightPower: 0, maxClassWeight: 10 },
  },
  abstainBand: 0.15,
};

/** Whether training reads the ETHICS rows (so their texts must be embedded). */
export function usesEthics(cfg: EncoderTrainConfig): boolean {
  return cfg.violation.ethicsWeight > 0 || cfg.general !== null;
}

export interface EncoderWeightsFile {
  format: typeof ENCODER_WEIGHTS_FORMAT;
  id: string;
  version: string;
  encoder: { spec: string; sha256: string; step: number };
  seed: number;
  split: { rule: string; salt: string; cuts: typeof SPLIT_CUTS; ethicsBlock: number };
  data: { file: string; sha256: string; rows: number; skipped: number }[];
  config: EncoderTrainConfig;
  validation: Record<string, unknown>;
  schwartz: { values: readonly string[]; classes: [-1, 0, 1]; thresholds: { neg: number; pos: number }; head: StoredHead };
  violation: {
    platt: { a: number; b: number };
    abstainBand: number;
    head: StoredHead;
    /** Prototypes (proto features only): int16 steps of `encoder.step`, MFT_CORE_IDS order; v violating, n not. */
    prototypes?: { v: number[][]; n: number[][] };
  };
  /** The general-wrongness head (free-text principle, no foundation); absent in 2.0.0. */
  general?: { platt: { a: number; b: number }; head: StoredHead };
}

/** Quantised encoder vectors of the training texts, read from the cache (filled with `encoder` when given). */
export interface VectorSource {
  vec(text: string): Float64Array;
  encoderHash: string;
}

export async function trainingVectors(texts: readonly string[], cache: EmbeddingCache, encoderHash: string, encoder?: Encoder, log: (l: string) => void = () => {}): Promise<VectorSource> {
  const missing = texts.filter((t) => !cache.has(t)).length;
  if (missing > 0) {
    if (!encoder) {
      throw new TenetError('MISSING_DEPENDENCY', `${missing} training texts have no cached encoder vector in ${cache.file}`, {
        hint: 'run `npm run fetch-models` so tenet judge train can embed them (about 15 texts/s per core)',
      });
    }
    log(`embedding ${missing} texts not in ${cache.file} …`);
    await cache.fill(texts, encoder, { onProgress: (d, t) => (d % 320 === 0 || d === t) && log(`  ${d}/${t}`) });
  }
  const memo = new Map<string, Float64Array>();
  return {
    encoderHash,
    vec(text) {
      let v = memo.get(text);
      if (!v) {
        const q = cache.get(text);
        if (!q) throw new TenetError('INTERNAL', `no cached vector for a training text`);
        v = dequantise(q);
        memo.set(text, v);
      }
      return v;
    },
  };
}

// ---------------------------------------------------------------- heads

export function fitEncoderSchwartz(data: ReferenceData, vs: VectorSource, cfg: EncoderTrainConfig['schwartz'], seed: number) {
  const items = data.fulcra.filter((r) => r.part === 'train');
  const feats = items.map((r) => schwartzFeatures(r, { prompt: vs.vec(r.prompt), response: vs.vec(r.response) }, cfg.features));
  const vocab = Vocab.build(feats, 2); // n-grams seen in ≥ 2 training rows (every encoder feature is in all of them)
  const examples: Example[] = items.map((r, i) => {
    const t = new Float64Array(30);
    r.labels!.forEach((l, v) => (t[v * 3 + (l + 1)] = 1));
    return { x: vocab.sparse(feats[i]!), target: t, weight: 1 };
  });
  const model = trainLinear(examples, 10, 3, vocab.size, { ...cfg.linear, seed });
  const head = quantiseSoftmax(model, vocab, cfg.features.ngramFeatures);
  return { head, run: new RunHead(head) };
}

export function encoderSchwartzProbs(run: RunHead, vs: VectorSource, items: readonly { prompt: string; response: string }[], cfg: SchwartzEncoderFeatures): Float64Array[] {
  return items.map((r) => run.softmax(schwartzFeatures(r, { prompt: vs.vec(r.prompt), response: vs.vec(r.response) }, cfg), 10, 3));
}

interface ViolationExample {
  principle: string;
  prompt: string;
  response: string;
  label: 0 | 1;
  weight: number;
}

/** The violation head's training pairs from the TRAIN part (see EncoderTrainConfig['violation']). */
export function violationExamples(data: ReferenceData, cfg: EncoderTrainConfig['violation']): ViolationExample[] {
  const out: ViolationExample[] = [];
  const core = (r: BinaryItem): MftCoreId | undefined => (r.foundation && isMftCoreId(r.foundation) ? r.foundation : undefined);
  for (const r of data.mft) {
    const f = core(r);
    if (r.part !== 'train' || !f) continue;
    const own = trainingPrinciples(f, cfg.phrasings ?? 2);
    for (const q of own) out.push({ principle: q, prompt: r.prompt, response: r.response, label: r.label, weight: 1 / own.length });
    if (cfg.mismatchWeight > 0) {
      const others = MFT_CORE_IDS.filter((g) => g !== f).flatMap((g) => trainingPrinciples(g, cfg.phrasings ?? 2));
      for (const q of others) out.push({ principle: q, prompt: r.prompt, response: r.response, label: 0, weight: cfg.mismatchWeight / others.length });
    }
  }
  if (cfg.openingWeight > 0) {
    for (const r of data.mftOpenings) {
      const f = core(r);
      if (r.part !== 'train' || !f) continue;
      const own = trainingPrinciples(f, cfg.phrasings ?? 2);
      for (const q of own) out.push({ principle: q, prompt: OPENING_PROMPT, response: r.response, label: 0, weight: cfg.openingWeight / own.length });
    }
  }
  if (cfg.ethicsWeight > 0) {
    for (const r of data.ethics) if (r.part === 'train') out.push({ principle: GENERIC_PRINCIPLE, prompt: '', response: r.response, label: r.label, weight: cfg.ethicsWeight });
  }
  return out;
}

/** The five core foundations' definitions: the reference set principle relevance is measured against. */
export function referencePrinciples(): string[] {
  return MFT_CORE_IDS.map((id) => foundationPrinciple(id));
}

/** Per foundation (MFT_CORE_IDS order), the training wordings the prototype feature maps a principle onto. */
export function prototypeWordings(cfg: ViolationEncoderFeatures): string[][] {
  return cfg.proto || cfg.protoContrast ? MFT_CORE_IDS.map((g) => trainingPrinciples(g, cfg.protoWordings ?? 2)) : [];
}

/** The texts besides the item's own whose vectors the violation features read (reference principles, prototype wordings). */
export function violationContextTexts(cfg: ViolationEncoderFeatures): string[] {
  return [...(cfg.relR || cfg.relP ? referencePrinciples() : []), ...prototypeWordings(cfg).flat()];
}

/**
 * The violation head's features of one (principle, prompt, response), given a text → vector lookup and the
 * stored prototypes: the ONE function training and the run-time judge both call, so the two cannot compute
 * different features.
 */
export function violationFeaturesFor(
  vec: (text: string) => ArrayLike<number>,
  e: { principle: string; prompt: string; response: string },
  cfg: ViolationEncoderFeatures,
  protos?: Prototypes,
): HashedFeatures {
  const needPrompt = Boolean(e.prompt && (cfg.QP || cfg.relP));
  const refs = cfg.relR || cfg.relP ? referencePrinciples().map(vec) : [];
  const wordings = protos ? prototypeWordings(cfg).map((ws) => ws.map(vec)) : [];
  return violationFeatures(
    e,
    {
      principle: vec(e.principle),
      ...(needPrompt ? { prompt: vec(e.prompt) } : {}),
      response: vec(e.response),
      ...(refs.length ? { refs } : {}),
      ...(protos && wordings.length ? { wordings, protos: protos.v, nonProtos: protos.n } : {}),
    },
    cfg,
  );
}

/** Quantised prototypes (1e-4 steps, like the vectors), so the stored file and training use the same numbers. */
function quantisedUnit(sum: Float64Array): Float64Array {
  let n = 0;
  for (const x of sum) n += x * x;
  n = Math.sqrt(n) || 1;
  return Float64Array.from(sum, (x) => Math.round((x / n) / EMBED_STEP) * EMBED_STEP);
}

/** The foundations' prototypes (MFT_CORE_IDS order): `v` of the violating, `n` of the non-violating train continuations. */
export interface Prototypes {
  v: Float64Array[];
  n: Float64Array[];
}

/**
 * The foundations' prototypes: the normalised mean vector of the TRAIN continuations of each foundation,
 * violating (`v`) and not (`n`); `leaveOut` gives, for a training continuation, the prototypes without it
 * (so training never sees its own vector inside its prototype).
 */
export function violationPrototypes(data: ReferenceData, vs: VectorSource): { protos: Prototypes; leaveOut(response: string): Prototypes } {
  const sums = [0, 1].map(() => MFT_CORE_IDS.map(() => new Float64Array(DIMS)));
  const member = new Map<string, [number, number]>();
  for (const r of data.mft) {
    if (r.part !== 'train' || !r.foundation || !isMftCoreId(r.foundation) || member.has(r.response)) continue;
    const g = MFT_CORE_IDS.indexOf(r.foundation);
    member.set(r.response, [r.label, g]);
    const v = vs.vec(r.response);
    for (let i = 0; i < DIMS; i++) sums[r.label]![g]![i]! += v[i]!;
  }
  const protos: Prototypes = { v: sums[1]!.map(quantisedUnit), n: sums[0]!.map(quantisedUnit) };
  const memo = new Map<string, Prototypes>();
  return {
    protos,
    leaveOut(response) {
      const m = member.get(response);
      if (m === undefined) return protos;
      let p = memo.get(response);
      if (!p) {
        const [label, g] = m;
        const v = vs.vec(response);
        const without = quantisedUnit(Float64Array.from(sums[label]![g]!, (x, i) => x - v[i]!));
        const swap = (list: Float64Array[]) => list.map((x, h) => (h === g ? without : x));
        p = label === 1 ? { v: swap(protos.v), n: protos.n } : { v: protos.v, n: swap(protos.n) };
        memo.set(response, p);
      }
      return p;
    },
  };
}

function vfeat(vs: VectorSource, e: { principle: string; prompt: string; response: string }, cfg: ViolationEncoderFeatures, protos?: Prototypes): HashedFeatures {
  return violationFeaturesFor((t) => vs.vec(t), e, cfg, protos);
}

function subtract(a: HashedFeatures, b: HashedFeatures): HashedFeatures {
  const out: HashedFeatures = new Map(a);
  for (const [k, v] of b) out.set(k, (out.get(k) ?? 0) - v);
  for (const [k, v] of out) if (Math.abs(v) < 1e-12) out.delete(k);
  return out;
}

export function fitEncoderViolation(data: ReferenceData, vs: VectorSource, cfg: EncoderTrainConfig['violation'], seed: number) {
  const ex = violationExamples(data, cfg);
  const pro = cfg.features.proto || cfg.features.protoContrast ? violationPrototypes(data, vs) : undefined;
  const feats = ex.map((e) => vfeat(vs, e, cfg.features, pro?.leaveOut(e.response)));
  const vocab = Vocab.build(feats, 1);
  const examples: Example[] = ex.map((e, i) => ({ x: vocab.sparse(feats[i]!), target: Float64Array.from(e.label === 1 ? [0, 1] : [1, 0]), weight: e.weight }));
  // Contrastive pairs: a violating continuation under its own foundation's k-th wording minus under each
  // other foundation's k-th wording (label 1), and the mirror (label 0): only principle-dependent features
  // survive the subtraction, so these pairs train exactly the part that tells foundations apart.
  if (cfg.pairWeight) {
    const k = (cfg.phrasings ?? 2) + 1;
    for (const r of data.mft) {
      if (r.part !== 'train' || r.label !== 1 || !r.foundation || !isMftCoreId(r.foundation)) continue;
      const own = trainingPrinciples(r.foundation, cfg.phrasings ?? 2);
      const others = MFT_CORE_IDS.filter((g) => g !== r.foundation).map((g) => trainingPrinciples(g, cfg.phrasings ?? 2));
      const protos = pro?.leaveOut(r.response);
      const w = cfg.pairWeight / (k * others.length);
      for (let j = 0; j < k; j++) {
        const fo = vfeat(vs, { principle: own[j]!, prompt: r.prompt, response: r.response }, cfg.features, protos);
        for (const o of others) {
          const d = subtract(fo, vfeat(vs, { principle: o[j]!, prompt: r.prompt, response: r.response }, cfg.features, protos));
          const neg: HashedFeatures = new Map([...d].map(([h, v]) => [h, -v]));
          examples.push({ x: vocab.sparse(d), target: Float64Array.from([0, 1]), weight: w });
          examples.push({ x: vocab.sparse(neg), target: Float64Array.from([1, 0]), weight: w });
        }
      }
    }
  }
  const model = trainLinear(examples, 1, 2, vocab.size, { ...cfg.linear, seed });
  const head = quantiseBinary(model, vocab, cfg.features.ngramFeatures);
  return { head, run: new RunHead(head), examples: examples.length, protos: pro?.protos };
}

export function violationRaw(run: RunHead, vs: VectorSource, items: readonly { principle: string; prompt: string; response: string }[], cfg: ViolationEncoderFeatures, protos?: Prototypes): number[] {
  return items.map((e) => run.sigmoid(vfeat(vs, e, cfg, protos)));
}

/** The general-wrongness head on the ETHICS commonsense TRAIN part. */
export function fitEncoderGeneral(data: ReferenceData, vs: VectorSource, cfg: NonNullable<EncoderTrainConfig['general']>, seed: number) {
  const items = data.ethics.filter((r) => r.part === 'train');
  const feats = items.map((r) => generalFeatures(r, vs.vec(r.response), cfg.features));
  const vocab = Vocab.build(feats, cfg.minDf);
  const examples: Example[] = items.map((r, i) => ({ x: vocab.sparse(feats[i]!), target: Float64Array.from(r.label === 1 ? [0, 1] : [1, 0]), weight: 1 }));
  const model = trainLinear(examples, 1, 2, vocab.size, { ...cfg.linear, seed });
  const head = quantiseBinary(model, vocab, cfg.features.ngramFeatures);
  return { head, run: new RunHead(head) };
}

/** Validation measures of the general-wrongness head (Platt fitted on the ETHICS validation part). */
export function generalValidation(run: RunHead, vs: VectorSource, data: ReferenceData, cfg: GeneralEncoderFeatures) {
  const idx = data.ethics.flatMap((r, i) => (r.part === 'validation' ? [i] : []));
  const val = idx.map((i) => data.ethics[i]!);
  const raw = val.map((r) => run.sigmoid(generalFeatures(r, vs.vec(r.response), cfg)));
  const p = fitPlatt(raw, val.map((r) => r.label));
  const pr = { a: Math.fround(p.a), b: Math.fround(p.b) };
  // CIs resample the 10-row blocks the split keeps together
  const report = evaluateBinary(val.map((r) => r.label), raw.map((x) => platt(x, pr.a, pr.b)), { b: 1000, seed: 7, clusters: idx.map((i) => Math.floor(i / ETHICS_BLOCK)) });
  return { platt: pr, report };
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
const toSteps = (m: Float64Array): number[] => Array.from(m, (x) => Math.round(x / EMBED_STEP));
const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

/** Validation measures of a fitted violation head (calibration fitted here, on the validation continuations). */
export function violationValidation(
  run: RunHead,
  vs: VectorSource,
  data: ReferenceData,
  cfg: ViolationEncoderFeatures,
  withEthics = false,
  protos?: Prototypes,
  /** Held-out rewordings of each foundation (never trained on): mean |Δ calibrated violation| vs the definition. */
  rewordings?: Record<MftCoreId, string>,
) {
  const val = data.mft.filter((r) => r.part === 'validation' && r.foundation && isMftCoreId(r.foundation));
  const own = (r: BinaryItem) => ({ principle: foundationPrinciple(r.foundation!), prompt: r.prompt, response: r.response });
  const raw = violationRaw(run, vs, val.map(own), cfg, protos);
  const p = fitPlatt(raw, val.map((r) => r.label));
  const pr = { a: Math.fround(p.a), b: Math.fround(p.b) };
  const cal = raw.map((x) => platt(x, pr.a, pr.b));
  const keys = new Map<string, number>();
  const clusters = val.map((r) => keys.get(promptKey(r.prompt)) ?? (keys.set(promptKey(r.prompt), keys.size), keys.size - 1));
  const rep = evaluateBinary(val.map((r) => r.label), cal, { b: 1000, seed: 7, clusters });
  // Principle awareness: violating continuations against their own foundation vs each mismatched one.
  const viol = val.filter((r) => r.label === 1);
  const ownScore = viol.map((r) => platt(violationRaw(run, vs, [own(r)], cfg, protos)[0]!, pr.a, pr.b));
  const misScore = viol.map((r) =>
    mean(MFT_CORE_IDS.filter((g) => g !== r.foundation).map((g) => platt(violationRaw(run, vs, [{ principle: foundationPrinciple(g), prompt: r.prompt, response: r.response }], cfg, protos)[0]!, pr.a, pr.b))),
  );
  const reworded = rewordings
    ? viol.map((r, i) => Math.abs(platt(violationRaw(run, vs, [{ principle: rewordings[r.foundation as MftCoreId], prompt: r.prompt, response: r.response }], cfg, protos)[0]!, pr.a, pr.b) - ownScore[i]!))
    : [];
  const openings = data.mftOpenings.filter((r) => r.part === 'validation' && r.foundation && isMftCoreId(r.foundation));
  const openCal = violationRaw(run, vs, openings.map((r) => ({ principle: foundationPrinciple(r.foundation!), prompt: OPENING_PROMPT, response: r.response })), cfg, protos).map((x) => platt(x, pr.a, pr.b));
  const eth = withEthics ? data.ethics.filter((r) => r.part === 'validation') : [];
  const ethCal = eth.length ? violationRaw(run, vs, eth.map((r) => ({ principle: GENERIC_PRINCIPLE, prompt: '', response: r.response })), cfg, protos) : [];
  const ethRep = ethCal.length ? evaluateBinary(eth.map((r) => r.label), ethCal, { b: 0 }) : undefined;
  return {
    platt: pr,
    report: rep,
    margin: round4(mean(ownScore) - mean(misScore)),
    ownMean: round4(mean(ownScore)),
    mismatchedMean: round4(mean(misScore)),
    openingsMean: round4(mean(openCal)),
    openingsAboveHalf: openCal.filter((x) => x > 0.5).length,
    nOpenings: openCal.length,
    nViolating: viol.length,
    rewordedDelta: rewordings ? round4(mean(reworded)) : undefined,
    ethicsAuroc: ethRep ? round4(ethRep.auroc.value) : undefined,
  };
}

/**
 * What `tenet judge train` runs for the encoder judge: load the data, read the cached vectors (embedding the
 * missing texts with the fetched encoder, which must then be present), train, and write or return the file.
 */
export async function trainEncoderJudgeFromData(options: { dataDir: string; outFile?: string; seed?: number; log?: (l: string) => void; env?: Record<string, string | undefined> }) {
  const cfg = DEFAULT_ENCODER_CONFIG;
  const data = await loadReferenceData(options.dataDir);
  const env = options.env ?? process.env;
  const path = localModelPath(ENCODER_JUDGE_ENCODER.slice('local-encoder:'.length), env);
  if (!existsSync(path)) {
    throw new TenetError('MISSING_DEPENDENCY', `training the encoder judge needs the encoder file ${path}`, {
      hint: 'run `npm run fetch-models`, or train the n-gram judge with `tenet judge train --judge local-fast`',
    });
  }
  const hash = encoderFileHash(path);
  const cache = await EmbeddingCache.open(hash, defaultFeaturesDir(env));
  const texts = encoderTrainingTexts(data, { ethics: usesEthics(cfg) });
  const needsEncoder = texts.some((t) => !cache.has(t));
  const vectors = await trainingVectors(texts, cache, hash, needsEncoder ? createEncoder(ENCODER_JUDGE_ENCODER, { env }) : undefined, options.log);
  return trainEncoderJudge({ dataDir: options.dataDir, data, vectors, config: cfg, ...(options.seed !== undefined ? { seed: options.seed } : {}), ...(options.outFile ? { outFile: options.outFile } : {}), ...(options.log ? { log: options.log } : {}) });
}

export interface EncoderTrainOptions {
  dataDir: string;
  outFile?: string;
  seed?: number;
  config?: EncoderTrainConfig;
  data?: ReferenceData;
  vectors: VectorSource;
  log?: (line: string) => void;
}

export async function trainEncoderJudge(options: EncoderTrainOptions): Promise<{ weights: EncoderWeightsFile; json: string; bytes: number; seconds: number }> {
  const t0 = performance.now();
  const seed = options.seed ?? 1;
  const cfg = options.config ?? DEFAULT_ENCODER_CONFIG;
  const log = options.log ?? (() => {});
  const data = options.data ?? (await loadReferenceData(options.dataDir));
  const vs = options.vectors;

  const sch = fitEncoderSchwartz(data, vs, cfg.schwartz, seed);
  const val = data.fulcra.filter((r) => r.part === 'validation');
  const gold = val.map((r) => r.labels!);
  const probs = encoderSchwartzProbs(sch.run, vs, val, cfg.schwartz.features);
  const th = chooseSchwartzThresholds(probs, gold, cfg.schwartz.thresholds);
  const schVal = evaluateSchwartz(gold, schwartzVectors(probs, th.neg, th.pos), { b: 1000, seed: 7 });
  log(`schwartz: ${sch.head.hashes.length} features, thresholds ${th.neg}/${th.pos}, validation acc ${schVal.accuracy.value.toFixed(4)} macroF1 ${schVal.macroF1.value.toFixed(4)} opposedF1 ${schVal.opposedF1.value.toFixed(4)}`);

  const vio = fitEncoderViolation(data, vs, cfg.violation, seed);
  const vv = violationValidation(vio.run, vs, data, cfg.violation.features, cfg.violation.ethicsWeight > 0, vio.protos);
  log(`violation: ${vio.head.hashes.length} features, ${vio.examples} training pairs; validation F1 ${vv.report.f1.value.toFixed(4)} AUROC ${vv.report.auroc.value.toFixed(4)}; own − mismatched ${vv.margin}; openings ${vv.openingsMean} (${vv.openingsAboveHalf}/${vv.nOpenings} > 0.5)`);

  const gen = cfg.general ? fitEncoderGeneral(data, vs, cfg.general, seed) : undefined;
  const gv = gen && cfg.general ? generalValidation(gen.run, vs, data, cfg.general.features) : undefined;
  if (gen && gv) log(`general (ETHICS): ${gen.head.hashes.length} features; validation accuracy ${gv.report.accuracy.value.toFixed(4)} AUROC ${gv.report.auroc.value.toFixed(4)}`);

  const ci = (m: { value: number; ci: [number, number]; n: number }) => ({ value: round4(m.value), ci: [round4(m.ci[0]), round4(m.ci[1])] as [number, number], n: m.n });
  const weights: EncoderWeightsFile = {
    format: ENCODER_WEIGHTS_FORMAT,
    id: LOCAL_JUDGE_ID,
    version: ENCODER_JUDGE_VERSION,
    encoder: { spec: ENCODER_JUDGE_ENCODER, sha256: vs.encoderHash, step: EMBED_STEP },
    seed,
    split: { rule: SPLIT_RULE, salt: SPLIT_SALT, cuts: SPLIT_CUTS, ethicsBlock: ETHICS_BLOCK },
    data: data.files.filter((f) => f.file.startsWith('fulcra/trustworthy') || f.file.startsWith('valuecompass/mft') || ((cfg.violation.ethicsWeight > 0 || cfg.general !== null) && f.file.startsWith('ethics/'))),
    config: cfg,
    validation: {
      fulcra: { accuracy: ci(schVal.accuracy), macroF1: ci(schVal.macroF1), opposedF1: ci(schVal.opposedF1) },
      mft: {
        f1: ci(vv.report.f1),
        auroc: ci(vv.report.auroc),
        ownMinusMismatched: vv.margin,
        openingsMean: vv.openingsMean,
        openingsAboveHalf: vv.openingsAboveHalf,
        nOpenings: vv.nOpenings,
      },
      ...(gv ? { ethics: { accuracy: ci(gv.report.accuracy), f1: ci(gv.report.f1), auroc: ci(gv.report.auroc) } } : {}),
    },
    schwartz: { values: SCHWARTZ_VALUE_IDS, classes: [-1, 0, 1], thresholds: { neg: th.neg, pos: th.pos }, head: storeHead(sch.head) },
    violation: {
      platt: vv.platt,
      abstainBand: cfg.abstainBand,
      head: storeHead(vio.head),
      ...(vio.protos ? { prototypes: { v: vio.protos.v.map(toSteps), n: vio.protos.n.map(toSteps) } } : {}),
    },
    ...(gen && gv ? { general: { platt: gv.platt, head: storeHead(gen.head) } } : {}),
  };
  const json = `${JSON.stringify(weights)}\n`;
  if (options.outFile) {
    await mkdir(dirname(options.outFile), { recursive: true });
    await writeFile(options.outFile, json);
  }
  return { weights, json, bytes: Buffer.byteLength(json), seconds: (performance.now() - t0) / 1000 };
}
