/**
 * Local judge benchmark: load time of the committed weights and throughput on real rows, one core.
 *
 *   node benchmarks/local-judge/run.ts [DATA_DIR]
 *
 * Items: every FULCRA trustworthy-dev row (prompt + response, Schwartz vector only) and every Value
 * Compass MFT case (prompt + continuation + foundation, adds the violation head), repeated to ≥ 10,000
 * items. Node runs JavaScript on one thread, so this is a one-core measurement.
 */
import { fileURLToPath } from 'node:url';
import { collect, loadFulcra, loadValueCompassCases } from '../../src/judges/datasets.ts';
import { loadLocalJudgeSync, type JudgeItem } from '../../src/judges/local/judge.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const t0 = performance.now();
const judge = loadLocalJudgeSync();
const loadMs = performance.now() - t0;

const fulcra: JudgeItem[] = (await collect(loadFulcra(`${dataDir}/fulcra/trustworthy-dev.jsonl`))).map((r) => ({ prompt: r.prompt, response: r.response }));
const mft: JudgeItem[] = (await collect(loadValueCompassCases(`${dataDir}/valuecompass/mft-cases-dev.jsonl`, 'mft'))).map((r) => ({
  prompt: r.prompt,
  response: r.response,
  foundation: r.foundation!,
}));

function measure(name: string, base: JudgeItem[]): void {
  const items: JudgeItem[] = [];
  while (items.length < 10_000) items.push(...base);
  judge.judgeSync(items.slice(0, 500)); // warm-up
  const t = performance.now();
  const out = judge.judgeSync(items);
  const s = (performance.now() - t) / 1000;
  const chars = items.reduce((a, r) => a + r.prompt.length + r.response.length, 0) / items.length;
  console.log(`${name.padEnd(28)} ${items.length} items in ${s.toFixed(2)} s = ${Math.round(items.length / s)} items/s (mean ${Math.round(chars)} chars/item, ${out.length} outputs)`);
}

console.log(`node ${process.version}, ${judge.id}@${judge.version}`);
console.log(`load (read + parse + dequantise): ${loadMs.toFixed(0)} ms`);
measure('FULCRA rows (values)', fulcra);
measure('MFT cases (values+violation)', mft);
