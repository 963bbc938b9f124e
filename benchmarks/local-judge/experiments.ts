/**
 * Model selection for the local judge, on the VALIDATION part only (the test part is never scored here).
 * Usage: node benchmarks/local-judge/experiments.ts [schwartz|mft|ethics|all] [DATA_DIR]
 */
import { fileURLToPath } from 'node:url';
import { evaluateBinary, evaluateSchwartz } from '../../src/judges/metrics.ts';
import { loadReferenceData } from '../../src/judges/local/data.ts';
import { fitPlatt, platt } from '../../src/judges/local/decision.ts';
import {
  DEFAULT_TRAIN_CONFIG,
  binaryRawProbs,
  chooseSchwartzThresholds,
  fitBinary,
  fitSchwartz,
  schwartzProbs,
  schwartzVectors,
  type BinaryTrainConfig,
  type SchwartzTrainConfig,
} from '../../src/judges/local/train.ts';

const which = process.argv[2] ?? 'all';
const dataDir = process.argv[3] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const data = await loadReferenceData(dataDir);
const val = data.fulcra.filter((r) => r.part === 'validation');
const gold = val.map((r) => r.labels!);

function runSchwartz(name: string, cfg: SchwartzTrainConfig): void {
  const t0 = performance.now();
  const { nFeatures, run } = fitSchwartz(data, cfg, 1);
  const probs = schwartzProbs(run, val);
  const am = evaluateSchwartz(gold, schwartzVectors(probs, 0.5, 0.5), { b: 0 });
  const th = chooseSchwartzThresholds(probs, gold, 'shared');
  const r = evaluateSchwartz(gold, schwartzVectors(probs, th.neg, th.pos), { b: 0 });
  const s = (performance.now() - t0) / 1000;
  console.log(
    `${name.padEnd(34)} argmax ${am.accuracy.value.toFixed(3)}/${am.macroF1.value.toFixed(3)}/${am.opposedF1.value.toFixed(3)}  ` +
      `tuned(${th.neg},${th.pos}) ${r.accuracy.value.toFixed(3)}/${r.macroF1.value.toFixed(3)}/${r.opposedF1.value.toFixed(3)}  ` +
      `feats ${nFeatures} ${s.toFixed(1)}s`,
  );
}

function runBinary(name: string, set: 'mft' | 'ethics', cfg: BinaryTrainConfig): void {
  const t0 = performance.now();
  const items = data[set];
  const { head, run } = fitBinary(items, cfg, 1, ['train'], data.ethics, set === 'mft' ? data.mftOpenings : []);
  const v = items.filter((r) => r.part === 'validation');
  const raw = binaryRawProbs(run, v, cfg.tagFoundation);
  const p = fitPlatt(raw, v.map((r) => r.label));
  const rep = evaluateBinary(v.map((r) => r.label), raw.map((x) => platt(x, p.a, p.b)), { b: 0 });
  const rawRep = evaluateBinary(v.map((r) => r.label), raw, { b: 0 });
  console.log(
    `${set} ${name.padEnd(30)} raw acc ${rawRep.accuracy.value.toFixed(3)} F1 ${rawRep.f1.value.toFixed(3)} | platt acc ${rep.accuracy.value.toFixed(3)} F1 ${rep.f1.value.toFixed(3)} AUROC ${rep.auroc.value.toFixed(3)} N ${v.length} feats ${head.hashes.length} ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
}

const S = DEFAULT_TRAIN_CONFIG.schwartz;
const F = S.features;
type Variant = [string, SchwartzTrainConfig];
const schwartzVariants: Variant[] = [
  ['default (fulcra only)', S],
  ['+eval 0.3 soft', { ...S, evaluatorWeight: 0.3 }],
  ['+eval 0.3 soft lr .05', { ...S, evaluatorWeight: 0.3, linear: { ...S.linear, lr: 0.05 } }],
  ['+vc 0.3', { ...S, vcWeight: 0.3 }],
  ['+touche 0.1', { ...S, toucheWeight: 0.1 }],
  ['cw 0', { ...S, linear: { ...S.linear, classWeightPower: 0 } }],
  ['cw 1', { ...S, linear: { ...S.linear, classWeightPower: 1 } }],
  ['l2 1e-3', { ...S, linear: { ...S.linear, l2: 1e-3 } }],
  ['l2 1e-5', { ...S, linear: { ...S.linear, l2: 1e-5 } }],
  ['epochs 25', { ...S, linear: { ...S.linear, epochs: 25 } }],
  ['lr 0.05', { ...S, linear: { ...S.linear, lr: 0.05 } }],
  ['lr 0.5', { ...S, linear: { ...S.linear, lr: 0.5 } }],
  ['cross 3', { ...S, features: { ...F, crossOpener: 3 } }],
  ['no prompt', { ...S, features: { ...F, promptWords: [] } }],
  ['prompt w 1', { ...S, features: { ...F, weights: { ...F.weights, p: 1 } } }],
  ['prompt w 0.4', { ...S, features: { ...F, weights: { ...F.weights, p: 0.4 } } }],
  ['words 1-3', { ...S, features: { ...F, responseWords: [1, 2, 3] } }],
  ['unigrams', { ...S, features: { ...F, responseWords: [1], promptWords: [1] } }],
  ['no opener/len', { ...S, features: { ...F, opener: 0, weights: { ...F.weights, l: 0 } } }],
  ['minDf 1', { ...S, minDf: 1 }],
  ['minDf 3', { ...S, minDf: 3 }],
  ['mlp', { ...S, model: 'mlp' }],
  ['mlp h64', { ...S, model: 'mlp', mlp: { ...S.mlp, hidden: 64 } }],
  ['mlp noskip', { ...S, model: 'mlp', mlp: { ...S.mlp, skip: false } }],
  ['mlp lr .1 e15', { ...S, model: 'mlp', mlp: { ...S.mlp, lr: 0.1, epochs: 15 } }],
  ['mlp +eval .3', { ...S, model: 'mlp', evaluatorWeight: 0.3 }],
];
const only = process.argv[4];
if (which === 'schwartz' || which === 'all') for (const [n, c] of schwartzVariants) if (!only || n === only) runSchwartz(n, c);

const M = DEFAULT_TRAIN_CONFIG.mft;
const mftVariants: [string, BinaryTrainConfig][] = [
  ['default', M],
  ['no tag', { ...M, tagFoundation: false }],
  ['no prompt', { ...M, features: { ...M.features, promptWords: [] } }],
  ['chars', { ...M, features: { ...M.features, charNgrams: [3, 4, 5] } }],
  ['l2 1e-3', { ...M, linear: { ...M.linear, l2: 1e-3 } }],
  ['l2 1e-5', { ...M, linear: { ...M.linear, l2: 1e-5 } }],
  ['unigrams', { ...M, features: { ...M.features, responseWords: [1], promptWords: [1] } }],
  ['+ethics 0.3', { ...M, auxEthicsWeight: 0.3 }],
  ['+ethics 1', { ...M, auxEthicsWeight: 1 }],
  ['no tag +ethics 0.3', { ...M, tagFoundation: false, auxEthicsWeight: 0.3 }],
  ['no tag +ethics 1', { ...M, tagFoundation: false, auxEthicsWeight: 1 }],
  ['no tag unigrams +ethics 1', { ...M, tagFoundation: false, auxEthicsWeight: 1, features: { ...M.features, responseWords: [1], promptWords: [1] } }],
  ['no tag no prompt +ethics 1', { ...M, tagFoundation: false, auxEthicsWeight: 1, features: { ...M.features, promptWords: [] } }],
];
if (which === 'mft' || which === 'all') for (const [n, c] of mftVariants) runBinary(n, 'mft', c);
const E = DEFAULT_TRAIN_CONFIG.ethics;
const ethicsVariants: [string, BinaryTrainConfig][] = [
  ['default', E],
  ['chars', { ...E, features: { ...E.features, charNgrams: [3, 4, 5] } }],
  ['l2 1e-3', { ...E, linear: { ...E.linear, l2: 1e-3 } }],
  ['words 1-3', { ...E, features: { ...E.features, responseWords: [1, 2, 3] } }],
];
if (which === 'ethics' || which === 'all') for (const [n, c] of ethicsVariants) runBinary(n, 'ethics', c);
