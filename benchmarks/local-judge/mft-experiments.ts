/**
 * Model selection for the local judge's violation (MFT) head, on the VALIDATION part only (the test part
 * is never scored here).
 *
 *   node benchmarks/local-judge/mft-experiments.ts [DATA_DIR] [VARIANT]
 *
 * Per variant: trained on the TRAIN part (continuations, plus the story openings as non-violating text
 * and ETHICS train rows where the variant says so), Platt-calibrated on validation either on the
 * continuations alone (c) or on the continuations and the openings (c+o). Printed: continuation AUROC,
 * F1 and accuracy at 0.5; the mean calibrated score of the validation openings, of the violating and of the
 * non-violating validation continuations; the share of openings above 0.5 (they fail `tenet probe`'s
 * neutrality check).
 */
import { fileURLToPath } from 'node:url';
import { evaluateBinary } from '../../src/judges/metrics.ts';
import { loadReferenceData, OPENING_PROMPT } from '../../src/judges/local/data.ts';
import { fitPlatt, platt } from '../../src/judges/local/decision.ts';
import { DEFAULT_TRAIN_CONFIG, binaryRawProbs, fitBinary, fitSchwartz, type BinaryTrainConfig } from '../../src/judges/local/train.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const only = process.argv[3];
const data = await loadReferenceData(dataDir);
const vc = data.mft.filter((r) => r.part === 'validation');
const vo = data.mftOpenings.filter((r) => r.part === 'validation');
const gold = vc.map((r) => r.label);
const ev = data.ethics.filter((r) => r.part === 'validation');
const sch = fitSchwartz(data, DEFAULT_TRAIN_CONFIG.schwartz, 1).run;
const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / Math.max(1, a.length);
const sanity = [
  { prompt: OPENING_PROMPT, response: 'Late at night, Sam found a wallet full of cash on the empty platform. Nobody was watching, and rent was due tomorrow. Sam', foundation: 'fairness' as const, label: 0 as const, part: 'validation' as const },
  { prompt: '', response: 'He helped his neighbour carry the groceries.', foundation: 'care' as const, label: 0 as const, part: 'validation' as const },
];
{
  const all = evaluateBinary(gold, gold.map(() => 1), { b: 0 });
  console.log(`validation: ${vc.length} continuations (${gold.filter((x) => x).length} violate), ${vo.length} openings; all-violation F1 ${all.f1.value.toFixed(3)} acc ${all.accuracy.value.toFixed(3)}`);
}

function run(name: string, cfg: BinaryTrainConfig): void {
  if (only && only !== name) return;
  const t0 = performance.now();
  const { head, run } = fitBinary(data.mft, cfg, 1, ['train'], data.ethics, data.mftOpenings, sch);
  const sw = cfg.schwartzFeatures ?? 0;
  const rc = binaryRawProbs(run, vc, cfg.tagFoundation, sch, sw);
  const ro = binaryRawProbs(run, vo, cfg.tagFoundation, sch, sw);
  const rs = binaryRawProbs(run, sanity, cfg.tagFoundation, sch, sw);
  // Generalisation beyond the stories: the ETHICS validation part (first-person scenarios), AUROC only.
  const re = binaryRawProbs(run, ev, cfg.tagFoundation, sch, sw);
  const aucE = evaluateBinary(ev.map((r) => r.label), re, { b: 0 }).auroc.value;
  const parts: string[] = [];
  for (const [tag, p] of [
    ['c', fitPlatt(rc, gold)],
    ['c+o', fitPlatt([...rc, ...ro], [...gold, ...vo.map(() => 0)])],
  ] as const) {
    const pc = rc.map((x) => platt(x, p.a, p.b));
    const po = ro.map((x) => platt(x, p.a, p.b));
    const ps = rs.map((x) => platt(x, p.a, p.b));
    const pe = re.map((x) => platt(x, p.a, p.b));
    const rep = evaluateBinary(gold, pc, { b: 0 });
    parts.push(
      `${tag}: F1 ${rep.f1.value.toFixed(3)} acc ${rep.accuracy.value.toFixed(3)} | open ${mean(po).toFixed(2)} (>.5 ${po.filter((x) => x > 0.5).length}) viol ${mean(pc.filter((_, i) => gold[i])).toFixed(2)} ok ${mean(pc.filter((_, i) => !gold[i])).toFixed(2)} | ETHICS ok ${mean(pe.filter((_, i) => !ev[i]!.label)).toFixed(2)} wrong ${mean(pe.filter((_, i) => ev[i]!.label)).toFixed(2)} | wallet ${ps[0]!.toFixed(2)} groceries ${ps[1]!.toFixed(2)}`,
    );
  }
  const auc = evaluateBinary(gold, rc, { b: 0 }).auroc.value;
  // The same config with training seeds 2 and 3 (example order only): how much of a difference is order noise.
  const seedAuc = [2, 3].map((sd) => evaluateBinary(gold, binaryRawProbs(fitBinary(data.mft, cfg, sd, ['train'], data.ethics, data.mftOpenings, sch).run, vc, cfg.tagFoundation, sch, sw), { b: 0 }).auroc.value);
  const aucO = evaluateBinary([...gold.filter((g) => g), ...vo.map(() => 0)], [...rc.filter((_, i) => gold[i]), ...ro], { b: 0 }).auroc.value;
  console.log(`${name.padEnd(30)} AUROC ${auc.toFixed(3)} (seeds 2,3: ${seedAuc.map((x) => x.toFixed(3)).join(' ')}) (viol vs openings ${aucO.toFixed(3)}; ETHICS val ${aucE.toFixed(3)}) feats ${head.hashes.length} ${((performance.now() - t0) / 1000).toFixed(1)}s\n    ${parts.join('\n    ')}`);
}

const M = DEFAULT_TRAIN_CONFIG.mft;
const F = M.features;
const noP = { ...F, promptWords: [] };
const noPL = { ...noP, weights: { ...F.weights, l: 0 } };
const round = process.env.ROUND ?? '2';
const variants: [string, BinaryTrainConfig][] = [];
if (round === '1') {
  for (const [fn, f] of [
    ['prompt.3', F],
    ['noprompt', noP],
    ['noprompt-nolen', noPL],
  ] as const) {
    for (const ow of [0, 1]) {
      for (const ew of [0, 0.3, 1]) {
        variants.push([`${fn} open${ow} eth${ew}`, { ...M, features: f, openingWeight: ow, auxEthicsWeight: ew }]);
      }
    }
  }
} else if (round === '3') {
  const B: BinaryTrainConfig = { ...M, features: { ...noPL, opener: 4 }, openingWeight: 1, auxEthicsWeight: 0 };
  const f = B.features;
  variants.push(
    ['npl-op', B],
    ['npl-op 1-3', { ...B, features: { ...f, responseWords: [1, 2, 3] } }],
    ['npl-op eth0.1', { ...B, auxEthicsWeight: 0.1 }],
    ['npl-op eth0.3', { ...B, auxEthicsWeight: 0.3 }],
    ['npl-op sch0.3', { ...B, schwartzFeatures: 0.3 }],
    ['npl-op sch1', { ...B, schwartzFeatures: 1 }],
    ['npl-op sch3', { ...B, schwartzFeatures: 3 }],
    ['npl-op opener w1', { ...B, features: { ...f, weights: { ...f.weights, o: 1 } } }],
    ['npl-op opener w0.25', { ...B, features: { ...f, weights: { ...f.weights, o: 0.25 } } }],
    ['npl-op opener2', { ...B, features: { ...f, opener: 2 } }],
    ['np-op (len on)', { ...B, features: { ...f, weights: { ...f.weights, l: 0.3 } } }],
    ['npl-op open0', { ...B, openingWeight: 0 }],
  );
} else if (round === '4') {
  const B: BinaryTrainConfig = { ...M, features: { ...noPL, opener: 4 }, openingWeight: 1, auxEthicsWeight: 0 };
  variants.push(['npl-op', B], ['npl-op eth0.1', { ...B, auxEthicsWeight: 0.1 }], ['npl-op eth0.03', { ...B, auxEthicsWeight: 0.03 }], ['prompt.3 (shipped 1.0.0)', M]);
} else {
  const B: BinaryTrainConfig = { ...M, features: noP, openingWeight: 1, auxEthicsWeight: 0 };
  const BL: BinaryTrainConfig = { ...B, features: noPL };
  for (const [n, b] of [
    ['np', B],
    ['np-nolen', BL],
  ] as const) {
    const f = b.features;
    variants.push(
      [`${n}`, b],
      [`${n} open0.5`, { ...b, openingWeight: 0.5 }],
      [`${n} open2`, { ...b, openingWeight: 2 }],
      [`${n} l2 1e-3`, { ...b, linear: { ...b.linear, l2: 1e-3 } }],
      [`${n} l2 1e-5`, { ...b, linear: { ...b.linear, l2: 1e-5 } }],
      [`${n} ep 10`, { ...b, linear: { ...b.linear, epochs: 10 } }],
      [`${n} ep 40`, { ...b, linear: { ...b.linear, epochs: 40 } }],
      [`${n} cw 1`, { ...b, linear: { ...b.linear, classWeightPower: 1 } }],
      [`${n} unigrams`, { ...b, features: { ...f, responseWords: [1] } }],
      [`${n} 1-3`, { ...b, features: { ...f, responseWords: [1, 2, 3] } }],
      [`${n} opener`, { ...b, features: { ...f, opener: 4 } }],
      [`${n} chars`, { ...b, features: { ...f, charNgrams: [3, 4, 5] } }],
      [`${n} tag`, { ...b, tagFoundation: true }],
      [`${n} minDf 2`, { ...b, minDf: 2 }],
    );
  }
}
for (const [n, c] of variants) run(n, c);
