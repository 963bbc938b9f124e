/**
 * Score the committed local judge on the validation and TEST parts of the reference data.
 *
 *   node benchmarks/local-judge/evaluate.ts [WEIGHTS] [DATA_DIR] > benchmarks/local-judge/EVAL.json
 *
 * Run once per released weights file; the test numbers go to docs/judges.md. Nothing here feeds back
 * into training (train.ts never reads the test part).
 */
import { fileURLToPath } from 'node:url';
import { loadReferenceData } from '../../src/judges/local/data.ts';
import { evaluateOnPart } from '../../src/judges/local/evaluate.ts';
import { loadLocalJudge } from '../../src/judges/local/judge.ts';

const weights = process.argv[2] || undefined;
const dataDir = process.argv[3] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const judge = await loadLocalJudge(weights);
const data = await loadReferenceData(dataDir);
const fmt = (m: { value: number; ci: [number, number]; n: number }): string =>
  `${m.value.toFixed(3)} [${m.ci[0].toFixed(3)}, ${m.ci[1].toFixed(3)}] N=${m.n}`;
const reports = [];
for (const part of ['validation', 'test'] as const) {
  const r = await evaluateOnPart(judge, data, part);
  reports.push(r);
  process.stderr.write(
    `${part}: FULCRA acc ${fmt(r.fulcra.accuracy)} (pairs ${r.fulcra.nPairs}) | macroF1 ${fmt(r.fulcra.macroF1)} | opposedF1 ${fmt(r.fulcra.opposedF1)}\n` +
      `  majority ${JSON.stringify(r.fulcra.majority)} perClassF1 ${JSON.stringify(r.fulcra.perClassF1)} oppP/R ${r.fulcra.opposedPrecision.toFixed(3)}/${r.fulcra.opposedRecall.toFixed(3)}\n` +
      `  MFT F1 ${fmt(r.mft.f1)} acc ${fmt(r.mft.accuracy)} AUROC ${fmt(r.mft.auroc)} positives ${r.mft.nPositive}\n` +
      `  MFT mean violation: openings ${r.mftMeans.openings.toFixed(3)} [${r.mftMeans.openingsCi.map((x) => x.toFixed(3)).join(', ')}] N=${r.mftMeans.nOpenings} (${r.mftMeans.aboveHalf} > 0.5), violating continuations ${r.mftMeans.violating.toFixed(3)}, non-violating ${r.mftMeans.nonViolating.toFixed(3)}\n` +
      `  ETHICS acc ${fmt(r.ethics.accuracy)} F1 ${fmt(r.ethics.f1)} AUROC ${fmt(r.ethics.auroc)} positives ${r.ethics.nPositive}\n`,
  );
}
process.stdout.write(`${JSON.stringify({ judge: `${judge.id}@${judge.version}`, reports }, null, 2)}\n`);
