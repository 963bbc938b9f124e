/**
 * Model selection for the encoder judge (tenet-local@2), on VALIDATION only: train on the train part with
 * a config variant, print validation scores. Reads cached encoder vectors (run `tenet judge train` once, or
 * any script that fills the cache, first). Usage: node benchmarks/local-judge/encoder-experiments.ts schwartz|violation
 */
import { loadReferenceData } from '../../src/judges/local/data.ts';
import { EmbeddingCache, encoderFileHash } from '../../src/judges/local/embed-cache.ts';
import {
  DEFAULT_ENCODER_CONFIG as D,
  encoderSchwartzProbs,
  fitEncoderSchwartz,
  fitEncoderViolation,
  trainingVectors,
  violationValidation,
  type EncoderTrainConfig,
} from '../../src/judges/local/encoder-train.ts';
import { chooseSchwartzThresholds, schwartzVectors } from '../../src/judges/local/train.ts';
import { evaluateSchwartz } from '../../src/judges/metrics.ts';
import { encoderTrainingTexts } from '../../src/judges/local/encoder-texts.ts';
import { createEncoder } from '../../src/models/encoder.ts';
import { localModelPath } from '../../src/models/local-files.ts';

const which = process.argv[2] ?? 'violation';
const data = await loadReferenceData(process.env.TENET_DATA ?? '../shared/data');
const hash = encoderFileHash(localModelPath('all-minilm-l6-v2'));
const cache = await EmbeddingCache.open(hash);
if (which === 'violation') {
  // only the texts this head needs must be cached
  data.fulcra = [];
  if (!process.env.ETHICS) data.ethics = [];
}
if (which === 'schwartz') {
  data.mft = [];
  data.mftOpenings = [];
  data.ethics = [];
}
const vs = await trainingVectors(encoderTrainingTexts(data, { ethics: Boolean(process.env.ETHICS) }), cache, hash, createEncoder('local-encoder:all-minilm-l6-v2'));
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
} else {
  const V = D.violation;
  const variants: [string, EncoderTrainConfig['violation']][] = [
    ['default', V],
    ['rel 10/10 + ngrams 1', { ...V, features: { ...V.features, relR: 10, relP: 10, ngrams: 1 } }],
    ['rel 10/10 + ngrams 1 lr .05', { ...V, features: { ...V.features, relR: 10, relP: 10, ngrams: 1 }, linear: { ...V.linear, lr: 0.05 } }],
    ['rel 30/30 + ngrams 1', { ...V, features: { ...V.features, relR: 30, relP: 30, ngrams: 1 } }],
    ['rel 10/0 + ngrams 1', { ...V, features: { ...V.features, relR: 10, relP: 0, ngrams: 1 } }],
    ['rel 10/10 + ngrams 1, QR 0', { ...V, features: { ...V.features, relR: 10, relP: 10, ngrams: 1, QR: 0 } }],
    ['rel 10/10 ngrams1 QR0 Q0', { ...V, features: { ...V.features, relR: 10, relP: 10, ngrams: 1, QR: 0, Q: 0 } }],
    ['rel 10/10 ngrams1 R0 QR0 Q0', { ...V, features: { ...V.features, relR: 10, relP: 10, ngrams: 1, QR: 0, Q: 0, R: 0 } }],
    ['no mismatch pairs', { ...V, mismatchWeight: 0 }],
    ['mismatch 0.5', { ...V, mismatchWeight: 0.5 }],
    ['mismatch 2', { ...V, mismatchWeight: 2 }],
    ['QR 2', { ...V, features: { ...V.features, QR: 2 } }],
    ['+ QP 0.5', { ...V, features: { ...V.features, QP: 0.5 } }],
    ['+ ngrams 1', { ...V, features: { ...V.features, ngrams: 1 } }],
    ['+ ngrams 0.5', { ...V, features: { ...V.features, ngrams: 0.5 } }],
    ['epochs 60', { ...V, linear: { ...V.linear, epochs: 60 } }],
    ...(process.env.ETHICS ? ([['+ ethics 0.1', { ...V, ethicsWeight: 0.1 }], ['+ ethics 0.3', { ...V, ethicsWeight: 0.3 }]] as [string, EncoderTrainConfig['violation']][]) : []),
  ];
  const only = process.env.ONLY ? Number(process.env.ONLY) : undefined;
  for (const [name, cfg] of variants.filter((_, i) => only === undefined || i === only)) {
    const out: string[] = [];
    for (const seed of [1, 2, 3]) {
      const fit = fitEncoderViolation(data, vs, cfg, seed);
      const v = violationValidation(fit.run, vs, data, cfg.features, Boolean(process.env.ETHICS));
      out.push(seed === 1
        ? `AUROC ${f(v.report.auroc.value)} F1 ${f(v.report.f1.value)} margin ${f(v.margin)} (own ${f(v.ownMean)} mis ${f(v.mismatchedMean)}) open ${f(v.openingsMean)} (${v.openingsAboveHalf}/${v.nOpenings})${v.ethicsAuroc !== undefined ? ` ethics AUROC ${f(v.ethicsAuroc)}` : ''}`
        : `s${seed} ${f(v.report.auroc.value)}/${f(v.margin)}`);
    }
    console.log(`${name.padEnd(30)} ${out.join(' | ')}`);
  }
}
