/**
 * Model selection for the encoder judge (tenet-local@2), on VALIDATION only: train on the train part with
 * a config variant, print validation scores. Reads cached encoder vectors (run `tenet judge train` once, or
 * any script that fills the cache, first). Usage: node benchmarks/local-judge/encoder-experiments.ts schwartz|violation|general (ONLY=i,j picks violation variants)
 */
import { loadReferenceData } from '../../src/judges/local/data.ts';
import { EmbeddingCache, encoderFileHash } from '../../src/judges/local/embed-cache.ts';
import {
  DEFAULT_ENCODER_CONFIG as D,
  encoderSchwartzProbs,
  fitEncoderSchwartz,
  fitEncoderGeneral,
  fitEncoderViolation,
  generalValidation,
  GENERIC_PRINCIPLE,
  trainingVectors,
  violationRaw,
  violationValidation,
  type EncoderTrainConfig,
} from '../../src/judges/local/encoder-train.ts';
import { chooseSchwartzThresholds, schwartzVectors } from '../../src/judges/local/train.ts';
import { evaluateBinary, evaluateSchwartz } from '../../src/judges/metrics.ts';
import { encoderTrainingTexts } from '../../src/judges/local/encoder-texts.ts';
import { createEncoder } from '../../src/models/encoder.ts';
import type { MftCoreId } from '../../src/values/mft.ts';
import { localModelPath } from '../../src/models/local-files.ts';

const which = process.argv[2] ?? 'violation';
/** Rewordings for VALIDATION only (written for selection; neither trained on nor the test file's rewordings). */
const VAL_REWORDED: Record<MftCoreId, string> = {
  care: 'Show mercy; do nothing that wounds or frightens the weak.',
  fairness: 'Deal squarely with others and never gain by trickery.',
  loyalty: 'Do not let down the people who rely on you to have their back.',
  authority: 'Defer to proper leadership and carry out the obligations of your position.',
  sanctity: 'Honour what is pure and holy; shun what is vile.',
};
const data = await loadReferenceData(process.env.TENET_DATA ?? '../shared/data');
const hash = encoderFileHash(localModelPath('all-minilm-l6-v2'));
const cache = await EmbeddingCache.open(hash);
if (which === 'violation') {
  // only the texts this head needs must be cached
  data.fulcra = [];
  if (!process.env.ETHICS) data.ethics = [];
}
if (which === 'general') data.fulcra = [];
if (which === 'schwartz') {
  data.mft = [];
  data.mftOpenings = [];
  data.ethics = [];
}
const vs = await trainingVectors([...encoderTrainingTexts(data, { ethics: Boolean(process.env.ETHICS) || which === 'general' }), ...Object.values(VAL_REWORDED)], cache, hash, createEncoder('local-encoder:all-minilm-l6-v2'));
const f = (x: number) => x.toFixed(3);

if (which === 'schwartz') {
  const S = D.schwartz;
  const variants: [string, EncoderTrainConfig['schwartz']][] = [
    ['default P.7 R1 PR.5', S],
    ['no PR', { ...S, features: { ...S.features, PR: 0 } }],
    ['+ ngrams 1', { ...S, features: { ...S.features, ngrams: 1 } }],
    ['+ ngrams 0.5', { ...S, features: { ...S.features, ngrams: 0.5 } }],
    ['epochs 60', { ...S, linear: { ...S.linear, epochs: 60 } }],
    ['lr 0.5', { ...S, linear: { ...S.linear, lr: 0.5 } }],
    ['l2 1e-5', { ...S, linear: { ...S.linear, l2: 1e-5 } }],
  ];
  const only = process.env.ONLY ? Number(process.env.ONLY) : undefined;
  for (const [name, cfg] of variants.filter((_, i) => only === undefined || i === only)) {
    const fit = fitEncoderSchwartz(data, vs, cfg, 1);
    const val = data.fulcra.filter((r) => r.part === 'validation');
    const gold = val.map((r) => r.labels!);
    const probs = encoderSchwartzProbs(fit.run, vs, val, cfg.features);
    const am = evaluateSchwartz(gold, schwartzVectors(probs, 0.5, 0.5), { b: 0 });
    const th = chooseSchwartzThresholds(probs, gold, 'shared');
    const tu = evaluateSchwartz(gold, schwartzVectors(probs, th.neg, th.pos), { b: 0 });
    console.log(`${name.padEnd(28)} argmax ${f(am.accuracy.value)} ${f(am.macroF1.value)} ${f(am.opposedF1.value)} | tuned(${th.neg}/${th.pos}) ${f(tu.accuracy.value)} ${f(tu.macroF1.value)} ${f(tu.opposedF1.value)} | ${fit.head.hashes.length} feats`);
  }
} else if (which === 'general') {
  // ETHICS validation: the 2.0.0 route (free-text principle through the MFT-trained violation head) vs an
  // ETHICS-trained general-wrongness head
  const G = D.general!;
  const base = fitEncoderViolation(data, vs, D.violation, 1);
  const ethVal = data.ethics.filter((r) => r.part === 'validation');
  const raw = violationRaw(base.run, vs, ethVal.map((r) => ({ principle: GENERIC_PRINCIPLE, prompt: '', response: r.response })), D.violation.features, base.protos);
  const rep = evaluateBinary(ethVal.map((r) => r.label), raw, { b: 0 });
  console.log(`${'violation head (MFT only), generic principle'.padEnd(40)} AUROC ${f(rep.auroc.value)} (N ${ethVal.length})`);
  const variants: [string, NonNullable<EncoderTrainConfig['general']>][] = [
    ['R 1 + ngrams 1 (default)', G],
    ['R only', { ...G, features: { ...G.features, ngrams: 0 } }],
    ['ngrams only', { ...G, features: { ...G.features, R: 0 } }],
    ['R 2 + ngrams 1', { ...G, features: { ...G.features, R: 2 } }],
    ['R 0.5 + ngrams 1', { ...G, features: { ...G.features, R: 0.5 } }],
    ['R 1 + ngrams 1, epochs 30', { ...G, linear: { ...G.linear, epochs: 30 } }],
    ['R 1 + ngrams 1, l2 1e-3', { ...G, linear: { ...G.linear, l2: 1e-3 } }],
  ];
  for (const [name, cfg] of variants) {
    const out: string[] = [];
    for (const seed of [1, 2, 3]) {
      const fit = fitEncoderGeneral(data, vs, cfg, seed);
      const v = generalValidation(fit.run, vs, data, cfg.features);
      out.push(seed === 1 ? `acc ${f(v.report.accuracy.value)} [${f(v.report.accuracy.ci[0])}, ${f(v.report.accuracy.ci[1])}] AUROC ${f(v.report.auroc.value)} F1 ${f(v.report.f1.value)}` : `s${seed} ${f(v.report.accuracy.value)}/${f(v.report.auroc.value)}`);
    }
    console.log(`${name.padEnd(40)} ${out.join(' | ')}`);
  }
} else {
  const V = D.violation;
  const F = V.features;
  const variants: [string, EncoderTrainConfig['violation']][] = [
    ['default (2.0.0)', V],
    ['phrasings 5', { ...V, phrasings: 5 }],
    ['pairs 1', { ...V, pairWeight: 1 }],
    ['pairs 3', { ...V, pairWeight: 3 }],
    ['proto 10', { ...V, features: { ...F, proto: 10 } }],
    ['proto 30', { ...V, features: { ...F, proto: 30 } }],
    ['proto 10, phrasings 5', { ...V, phrasings: 5, features: { ...F, proto: 10, protoWordings: 5 } }],
    ['proto 10, pairs 1', { ...V, pairWeight: 1, features: { ...F, proto: 10 } }],
    ['proto 10, pairs 1, phrasings 5', { ...V, phrasings: 5, pairWeight: 1, features: { ...F, proto: 10, protoWordings: 5 } }],
    ['pairs 1, phrasings 5', { ...V, phrasings: 5, pairWeight: 1 }],
    ['contrast 10', { ...V, features: { ...F, protoContrast: 10 } }],
    ['proto 10 + contrast 10', { ...V, features: { ...F, proto: 10, protoContrast: 10 } }],
    ['proto 10 + contrast 30', { ...V, features: { ...F, proto: 10, protoContrast: 30 } }],
    ['contrast 30', { ...V, features: { ...F, protoContrast: 30 } }],
    ['proto 10 + contrast 10, temp 50', { ...V, features: { ...F, proto: 10, protoContrast: 10, protoTemp: 50 } }],
    ['proto 10 + contrast 10, pairs 1', { ...V, pairWeight: 1, features: { ...F, proto: 10, protoContrast: 10 } }],
    ['proto 10 + contrast 10, openings 2', { ...V, openingWeight: 2, features: { ...F, proto: 10, protoContrast: 10 } }],
    ['proto 5 + contrast 10', { ...V, features: { ...F, proto: 5, protoContrast: 10 } }],
  ];
  const only = process.env.ONLY ? process.env.ONLY.split(',').map(Number) : undefined;
  for (const [name, cfg] of variants.filter((_, i) => only === undefined || only.includes(i))) {
    const out: string[] = [];
    for (const seed of [1, 2, 3]) {
      const fit = fitEncoderViolation(data, vs, cfg, seed);
      const v = violationValidation(fit.run, vs, data, cfg.features, Boolean(process.env.ETHICS), fit.protos, VAL_REWORDED);
      out.push(seed === 1
        ? `AUROC ${f(v.report.auroc.value)} [${f(v.report.auroc.ci[0])}, ${f(v.report.auroc.ci[1])}] F1 ${f(v.report.f1.value)} margin ${f(v.margin)} (own ${f(v.ownMean)} mis ${f(v.mismatchedMean)}) reword ${f(v.rewordedDelta!)} open ${f(v.openingsMean)} (${v.openingsAboveHalf}/${v.nOpenings})${v.ethicsAuroc !== undefined ? ` ethics AUROC ${f(v.ethicsAuroc)}` : ''}`
        : `s${seed} ${f(v.report.auroc.value)}/${f(v.margin)}`);
    }
    console.log(`${name.padEnd(34)} ${out.join(' | ')}`);
  }
}
