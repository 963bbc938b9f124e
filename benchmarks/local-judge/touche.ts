/**
 * Touché23 (ValueEval'23) validation part, the 20 refined values folded to the 10 Schwartz values
 * (TOUCHE_TO_SCHWARTZ): macro-F1 of value presence for both offline judges. Neither judge was trained or
 * tuned on Touché, so this is a measurement on data both never saw.
 *
 *   node benchmarks/local-judge/touche.ts [DATA_DIR] > benchmarks/local-judge/TOUCHE-v2.1.json
 *
 * Items: prompt = "<conclusion> (<stance>)", response = the premise (as the trainer reads Touché). A value is
 * predicted present when the judge's class for it is −1 or +1 (|value| > 0.5: the argument draws on it,
 * for or against); "+1 only" counts only support. Per value F1, then the mean over the 10 values; the 95%
 * CI resamples conclusions (arguments sharing a conclusion are not independent), B = 1000.
 */
import { fileURLToPath } from 'node:url';
import { collect, loadTouche } from '../../src/judges/datasets.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/judges/labels.ts';
import { loadEncoderJudge } from '../../src/judges/local/encoder-judge.ts';
import { loadLocalJudgeSync, type JudgeItem } from '../../src/judges/local/judge.ts';
import { mulberry32 } from '../../src/judges/metrics.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const rows = await collect(loadTouche(`${dataDir}/touche23/arguments-validation.tsv`, `${dataDir}/touche23/labels-validation.tsv`));
const items: JudgeItem[] = rows.map((r) => ({ prompt: `${r.conclusion} (${r.stance})`, response: r.premise }));
const gold = rows.map((r) => r.values);
const keys = new Map<string, number>();
const cluster = rows.map((r) => keys.get(r.conclusion) ?? (keys.set(r.conclusion, keys.size), keys.size - 1));
const V = SCHWARTZ_VALUE_IDS.length;

function macroF1(pred: (0 | 1)[][], idx: ArrayLike<number>): { macro: number; perValue: number[] } {
  const perValue: number[] = [];
  for (let v = 0; v < V; v++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let k = 0; k < idx.length; k++) {
      const i = idx[k]!;
      const g = gold[i]![v]!;
      const p = pred[i]![v]!;
      if (p && g) tp++;
      else if (p) fp++;
      else if (g) fn++;
    }
    perValue.push(tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));
  }
  return { macro: perValue.reduce((a, b) => a + b, 0) / V, perValue };
}

function withCi(pred: (0 | 1)[][]) {
  const all = Array.from(rows, (_, i) => i);
  const point = macroF1(pred, all);
  const byCluster: number[][] = Array.from({ length: keys.size }, () => []);
  cluster.forEach((c, i) => byCluster[c]!.push(i));
  const rand = mulberry32(7);
  const stats: number[] = [];
  for (let b = 0; b < 1000; b++) {
    const idx: number[] = [];
    for (let c = 0; c < byCluster.length; c++) idx.push(...byCluster[Math.floor(rand() * byCluster.length)]!);
    stats.push(macroF1(pred, idx).macro);
  }
  stats.sort((a, b) => a - b);
  const r4 = (x: number) => Math.round(x * 1e4) / 1e4;
  return { macroF1: r4(point.macro), ci: [r4(stats[24]!), r4(stats[974]!)], perValue: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id, v) => [id, r4(point.perValue[v]!)])) };
}

const present = (values: Record<string, number>[], plusOnly: boolean): (0 | 1)[][] =>
  values.map((vals) => SCHWARTZ_VALUE_IDS.map((id) => ((plusOnly ? vals[id]! > 0.5 : Math.abs(vals[id]!) > 0.5) ? 1 : 0)));

const fast = loadLocalJudgeSync();
const fastValues = fast.judgeSync(items).map((r) => r.values as Record<string, number>);
const enc = await loadEncoderJudge();
const encValues: Record<string, number>[] = [];
for (let i = 0; i < items.length; i += 64) {
  for (const r of await enc.judge(items.slice(i, i + 64))) encValues.push(r.values);
  if (i % 640 === 0) process.stderr.write(`${i}/${items.length}\n`);
}
const allPresent = rows.map(() => SCHWARTZ_VALUE_IDS.map(() => 1 as const));
console.log(JSON.stringify({
  data: 'touche23 validation (arguments-validation.tsv), 20 values folded to 10',
  n: rows.length,
  clusters: keys.size,
  prevalence: Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id, v) => [id, Math.round((gold.filter((g) => g[v]).length / rows.length) * 1e4) / 1e4])),
  [`${enc.id}@${enc.version} (local)`]: { present: withCi(present(encValues, false)), plusOnly: withCi(present(encValues, true)) },
  [`${fast.id}@${fast.version} (local-fast)`]: { present: withCi(present(fastValues, false)), plusOnly: withCi(present(fastValues, true)) },
  'all present (1-baseline)': withCi(allPresent),
}, null, 2));
process.exit(0);
