/**
 * Offline judges' speed: load time and throughput of the encoder judge (tenet-local@2, `--judge local`)
 * beside the n-gram judge (tenet-local@1.1.0, `--judge local-fast`) on the same real rows, plus the
 * encoder's own cost (tokens/s, estimated GFLOP/s) that bounds the encoder judge.
 *
 *   node benchmarks/local-judge/run-encoder.ts [DATA_DIR] [N]      (LOAD_ONLY=1: stop after the load times)
 *
 * Items: the first N (default 128) Value Compass MFT cases (prompt + continuation + foundation: Schwartz
 * head and violation head) and the first N FULCRA rows (values only), sent in batches of 64 as `tenet bench`
 * / `judge eval` send them. Passes:
 *  - cold: every prompt and response is new to the process (each distinct text embedded once; principle /
 *    foundation vectors are remembered per process, so only the first batch embeds them);
 *  - warm: the same items again: every vector is remembered, so this is the heads alone — the upper bound
 *    for workloads that re-judge texts (e.g. one prompt answered by many models).
 * The encoder runs on llama.cpp's native threads (settings: half the cores, i.e. 1 on a 2-vCPU machine).
 */
import { fileURLToPath } from 'node:url';
import { collect, loadFulcra, loadValueCompassCases } from '../../src/judges/datasets.ts';
import { loadEncoderJudge } from '../../src/judges/local/encoder-judge.ts';
import { loadLocalJudgeSync, type JudgeItem } from '../../src/judges/local/judge.ts';
import { loadLlamaModel } from '../../src/models/llama-runtime.ts';
import { localModelPath } from '../../src/models/local-files.ts';
import { createEncoder } from '../../src/models/encoder.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const n = Number(process.argv[3] ?? 128);

const t0 = performance.now();
const judge = await loadEncoderJudge();
const loadWeightsMs = performance.now() - t0;
const t1 = performance.now();
await judge.judge([{ prompt: 'warm', response: 'up', foundation: 'care' }]); // loads the GGUF encoder
const firstCallMs = performance.now() - t1;
const t2 = performance.now();
const fast = loadLocalJudgeSync();
const loadFastMs = performance.now() - t2;

const mft: JudgeItem[] = (await collect(loadValueCompassCases(`${dataDir}/valuecompass/mft-cases-dev.jsonl`, 'mft'))).slice(0, n).map((r) => ({ prompt: r.prompt, response: r.response, foundation: r.foundation! }));
const fulcra: JudgeItem[] = (await collect(loadFulcra(`${dataDir}/fulcra/trustworthy-dev.jsonl`))).slice(0, n).map((r) => ({ prompt: r.prompt, response: r.response }));

// tokens the encoder sees per item (distinct prompt + response; the principle is remembered after the first batch)
const { model } = await loadLlamaModel(localModelPath('all-minilm-l6-v2'), 'auto');
const tokens = (t: string): number => Math.min(509, model.tokenize(t).length) + 2;
const tokensPerItem = (items: JudgeItem[]): number => {
  const texts = new Set(items.flatMap((r) => [r.prompt, r.response]));
  return [...texts].reduce((a, t) => a + tokens(t), 0) / items.length;
};

/** FLOPs of one all-MiniLM-L6-v2 token in a sequence of L tokens: 6 layers × (2 × 1.77M weights + 4·L·384 attention). */
const flopsPerToken = (L: number): number => 6 * (2 * (4 * 384 * 384 + 2 * 384 * 1536) + 4 * L * 384);

async function measure(name: string, items: JudgeItem[]): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < items.length; i += 64) await judge.judge(items.slice(i, i + 64));
  const s = (performance.now() - t) / 1000;
  console.log(`  ${name.padEnd(44)} ${items.length} items in ${s.toFixed(2)} s = ${(items.length / s).toFixed(1)} items/s`);
  return items.length / s;
}

function measureFast(name: string, items: JudgeItem[]): void {
  const many: JudgeItem[] = [];
  while (many.length < 5000) many.push(...items);
  fast.judgeSync(many.slice(0, 200));
  const t = performance.now();
  fast.judgeSync(many);
  const s = (performance.now() - t) / 1000;
  console.log(`  ${name.padEnd(44)} ${many.length} items in ${s.toFixed(2)} s = ${Math.round(many.length / s)} items/s`);
}

console.log(`node ${process.version}; ${judge.id}@${judge.version} (local) and ${fast.id}@${fast.version} (local-fast); N = ${n} items per set`);
console.log(`load: local ${loadWeightsMs.toFixed(0)} ms weights + ${firstCallMs.toFixed(0)} ms first call (loads the encoder); local-fast ${loadFastMs.toFixed(0)} ms`);
if (process.env.LOAD_ONLY) process.exit(0);

// the encoder alone: short texts show the per-call overhead, long ones the per-token cost
const enc = createEncoder('local-encoder:all-minilm-l6-v2');
await enc.embed(['warm up']);
for (const [label, texts] of [
  ['short (64 distinct 5-word texts)', Array.from({ length: 64 }, (_, i) => `text number ${i} is short`)],
  ['MFT continuations', mft.slice(0, 48).map((r) => r.response)],
] as [string, string[]][]) {
  const tok = texts.reduce((a, t) => a + tokens(t), 0);
  const t = performance.now();
  await enc.embed(texts);
  const s = (performance.now() - t) / 1000;
  const L = tok / texts.length;
  console.log(`encoder, ${label}: ${texts.length} texts, mean ${L.toFixed(0)} tokens: ${(texts.length / s).toFixed(1)} texts/s, ${(tok / s).toFixed(0)} tokens/s, ≈ ${((tok * flopsPerToken(L)) / s / 1e9).toFixed(1)} GFLOP/s`);
}

for (const [label, items] of [['MFT cases (values + violation)', mft], ['FULCRA rows (values)', fulcra]] as [string, JudgeItem[]][]) {
  const tpi = tokensPerItem(items);
  console.log(`${label}: ${tpi.toFixed(0)} encoder tokens per item ≈ ${((tpi * flopsPerToken(tpi / 2)) / 1e9).toFixed(2)} GFLOP per item`);
  await measure('local, cold (new texts)', items);
  await measure('local, warm (vectors remembered: heads only)', items);
  measureFast('local-fast', items);
}
process.exit(0);
