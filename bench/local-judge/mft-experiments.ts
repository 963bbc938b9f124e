/**
 * Model selection for the local judge's violation (MFT) head, on the VALIDATION part only (the test part
 * is never scored here).
 *
 *   node bench/local-judge/mft-experiments.ts [DATA_DIR] [VARIANT]
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
import { DEFAULT_TRAIN_CONFIG, binaryRawProbs, fitBinary, type BinaryTrainConfig } from '../../src/judges/local/train.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const only = process.argv[3];
const data = await loadReferenceData(dataDir);
const vc = data.mft.filter((r) => r.part === 'validation');
const vo = data.mftOpenings.filter((r) => r.part === 'validation');
const gold = vc.map((r) => r.label);
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
  const { head, run } = fitBinary(data.mft, cfg, 1, ['train'], data.ethics, data.mftOpenings);
  const rc = binaryRawProbs(run, vc, cfg.tagFoundation);
  const ro = binaryRawProbs(run, vo, cfg.tagFoundation);
  const rs = binaryRawProbs(run, sanity, cfg.tagFoundation);
  const parts: string[] = [];
  for (const [tag, p] of [
    ['c', fitPlatt(rc, gold)],
    ['c+o', fitPlatt([...rc, ...ro], [...gold, ...vo.map(() => 0)])],
  ] as const) {
    const pc = rc.map((x) => platt(x, p.a, p.b));
    const po = ro.map((x) => platt(x, p.a, p.b));
    const ps = rs.map((x) => platt(x, p.a, p.b));
    const rep = evaluateBinary(gold, pc, { b: 0 });
    parts.push(
      `${tag}: F1 ${rep.f1.value.toFixed(3)} acc ${rep.accuracy.value.toFixed(3)} | open ${mean(po).toFixed(2)} (>.5 ${po.filter((x) => x > 0.5).length}) viol ${mean(pc.filter((_, i) => gold[i])).toFixed(2)} ok ${mean(pc.filter((_, i) => !gold[i])).toFixed(2)} | wallet ${ps[0]!.toFixed(2)} groceries ${ps[1]!.toFixed(2)}`,
    );
  }
  const auc = evaluateBinary(gold, rc, { b: 0 }).auroc.value;
  const aucO = evaluateBinary([...gold.filter((g) => g), ...vo.map(() => 0)], [...rc.filter((_, i) => gold[i]), ...ro], { b: 0 }).auroc.value;
  console.log(`${name.padEnd(30)} AUROC ${auc.toFixed(3)} (viol vs openings ${aucO.toFixed(3)}) feats ${head.hashes.length} ${((performance.now() - t0) / 1000).toFixed(1)}s\n    ${parts.join('\n    ')}`);
}

const M = DEFAULT_TRAIN_CONFIG.mft;
const F = M.features;
const noP = { ...F, promptWords: [] };
const noPL = { ...noP, weights: { ...F.weights, l: 0 } };
const variants: [string, BinaryTrainConfig][] = [];
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
for (const [n, c] of variants) run(n, c);
