/**
 * The cross-encoder judge's speed (tenet-local-cross@3, `--judge local-cross`, ONNX Runtime, int8) beside the
 * llama.cpp path of the encoder judge (tenet-local@2, all-MiniLM-L6-v2 F32 GGUF, one sequence per call).
 *
 *   node benchmarks/local-judge/run-cross.ts [DATA_DIR]          (the llama.cpp rows need npm run fetch-models)
 *
 * Inputs are real text: Value Compass MFT continuations with their foundation's definition, cut or joined to
 * exactly 128 or 256 tokens. For each thread count (1, 2): the cross-encoder's items/s one at a time and in
 * batches of 32 (one item = one forward pass = both outputs), and the llama.cpp encoder's sequences/s at the same length (an
 * encoder-judge item needs at least one such sequence for its response, plus its prompt). Also: load time
 * (card + hash check + session), the process's RSS after the runs.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { collect, loadValueCompassCases } from '../../src/judges/datasets.ts';
import { loadCrossJudge } from '../../src/judges/local/cross-judge.ts';
import { foundationPrinciple } from '../../src/judges/local/principles.ts';
import { localEncoder } from '../../src/models/encoder.ts';
import { localModelPath } from '../../src/models/local-files.ts';

const dataDir = process.argv[2] || fileURLToPath(new URL('../../../shared/data/', import.meta.url));
const rows = await collect(loadValueCompassCases(`${dataDir}/valuecompass/mft-cases-dev.jsonl`, 'mft'));
const ITEMS = 96;
const long = rows.map((r, i) => ({ principle: foundationPrinciple(r.foundation!), text: [0, 1, 2, 3, 4, 5].map((k) => rows[(i + k) % rows.length]!.response).join(" ") }));

console.log(`node ${process.version}; ${ITEMS} items per measurement; one run each`);
const t0 = performance.now();
const probe = await loadCrossJudge(undefined, { threads: 1 });
console.log(`load (card, sha-256 check, tokenizer, ONNX session): ${(performance.now() - t0).toFixed(0)} ms`);

const rowsOut: Record<string, unknown>[] = [];
for (const threads of [1, 2]) {
  for (const batchSize of [1, 32]) {
    const judge = await loadCrossJudge(undefined, { threads, batchSize });
    for (const length of [128, 256]) {
      const inputs = long.slice(0, ITEMS).map((x) => judge.encode(x.principle, '', x.text, length));
      if (inputs.some((x) => x.ids.length !== length)) throw new Error(`an input is not ${length} tokens`);
      await judge.logits(inputs.slice(0, 32)); // warm up
      const t = performance.now();
      await judge.logits(inputs);
      const s = (performance.now() - t) / 1000;
      rowsOut.push({ path: 'cross-encoder int8 (ONNX Runtime)', threads, batchSize, tokens: length, itemsPerSecond: Number((ITEMS / s).toFixed(1)) });
      console.log(`  cross-encoder int8, ${threads} thread${threads > 1 ? 's' : ''}, batch ${batchSize}, ${length} tokens: ${(ITEMS / s).toFixed(1)} items/s`);
    }
    await judge.close();
  }
}
console.log(`RSS with only the cross-encoder loaded so far: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
/** The longest word prefix of `text` with at most n word pieces (the same WordPiece vocabulary as the GGUF encoder's). */
const cutToTokens = (text: string, n: number): string => {
  const words = text.split(/\s+/);
  let lo = 1;
  let hi = words.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (probe.encode('', '', words.slice(0, mid).join(' '), 100_000).ids.length - 4 <= n) lo = mid;
    else hi = mid - 1;
  }
  return words.slice(0, lo).join(' ');
};

try {
  for (const threads of [1, 2]) {
    const encoder = localEncoder(localModelPath('all-minilm-l6-v2'), { threads });
    await encoder.embed(['warm up']);
    for (const length of [128, 256]) {
      // each text cut to `length` − 2 word pieces (the encoder adds [CLS] and [SEP])
      const texts = long.slice(0, 48).map((x) => cutToTokens(x.text, length - 2));
      const t = performance.now();
      await encoder.embed(texts);
      const s = (performance.now() - t) / 1000;
      rowsOut.push({ path: 'llama.cpp encoder F32 (one sequence per call)', threads, batchSize: 1, tokens: length, itemsPerSecond: Number((texts.length / s).toFixed(1)) });
      console.log(`  llama.cpp encoder F32, ${threads} thread${threads > 1 ? 's' : ''}, ~${length} tokens: ${(texts.length / s).toFixed(1)} sequences/s`);
    }
  }
} catch (e) {
  console.log(`  llama.cpp encoder: not measured (${(e as Error).message})`);
}
await probe.close();
console.log(`RSS after the llama.cpp runs too: ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB`);
console.log(JSON.stringify({ date: new Date().toISOString(), node: process.version, load1m: loadavg()[0], rows: rowsOut }));
