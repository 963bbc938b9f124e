/**
 * Encoder judge (tenet-local@2, `--judge local`) benchmark: load time (weights + encoder model) and
 * throughput on real rows, batched as `tenet bench` / `judge eval` send them (64 items per call).
 *
 *   node benchmarks/local-judge/run-encoder.ts [DATA_DIR] [N]
 *
 * Items: the first N (default 128) Value Compass MFT cases (prompt + continuation + foundation: the
 * Schwartz head and the violation head) and the first N FULCRA rows (values only). Every distinct text is
 * embedded once per batch by llama.cpp (its own threads: half the cores); the heads run in TypeScript.
 */
import { fileURLToPath } from 'node:url';
import { collect, loadFulcra, loadValueCompassCases } from '../../src/judges/datasets.ts';
import { loadEncoderJudge } from '../../src/judges/local/encoder-judge.ts';
import type { JudgeItem } from '../../src/judges/local/judge.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const n = Number(process.argv[3] ?? 128);
const t0 = performance.now();
const judge = await loadEncoderJudge();
const loadWeightsMs = performance.now() - t0;
const t1 = performance.now();
await judge.judge([{ prompt: 'warm', response: 'up', foundation: 'care' }]); // loads the GGUF encoder
const firstCallMs = performance.now() - t1;

const mft: JudgeItem[] = (await collect(loadValueCompassCases(`${dataDir}/valuecompass/mft-cases-dev.jsonl`, 'mft'))).slice(0, n).map((r) => ({ prompt: r.prompt, response: r.response, foundation: r.foundation! }));
const fulcra: JudgeItem[] = (await collect(loadFulcra(`${dataDir}/fulcra/trustworthy-dev.jsonl`))).slice(0, n).map((r) => ({ prompt: r.prompt, response: r.response }));

async function measure(name: string, items: JudgeItem[]): Promise<void> {
  const t = performance.now();
  for (let i = 0; i < items.length; i += 64) await judge.judge(items.slice(i, i + 64));
  const s = (performance.now() - t) / 1000;
  console.log(`${name.padEnd(28)} ${items.length} items in ${s.toFixed(1)} s = ${(items.length / s).toFixed(1)} items/s`);
}

console.log(`node ${process.version}, ${judge.id}@${judge.version}`);
console.log(`load weights (read + parse + dequantise): ${loadWeightsMs.toFixed(0)} ms; first call (loads the encoder model): ${firstCallMs.toFixed(0)} ms`);
await measure('MFT cases (values+violation)', mft);
await measure('FULCRA rows (values)', fulcra);
process.exit(0);
