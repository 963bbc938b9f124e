/**
 * The cross-encoder judge (`tenet-local-cross@3`, `--judge local-cross`): all-MiniLM-L6-v2 fine-tuned end to end
 * on (principle, prompt, response) by scripts/judge/train-cross-encoder.py, quantised to int8 and run by ONNX
 * Runtime (onnxruntime-node) with the model's own WordPiece tokenizer (@huggingface/tokenizers, from the
 * committed tokenizer.json; nothing is fetched). Files: data/judge/cross-encoder/{model.onnx, tokenizer.json,
 * card.json}; the card records the training data, hyper-parameters, validation curve and calibration.
 *
 * One forward pass per item gives both outputs:
 * - `values`: per Schwartz value, the softmax over (−1, 0, +1) read into [−1, 1] with the thresholds chosen on
 *   validation (decision.ts's schwartzValue, as the encoder judge does);
 * - `violation` (when the item gives a `principle` or a `foundation`): σ(a·logit + b), Platt-calibrated on
 *   validation, one map for items with a foundation (fitted on the MFT continuations and openings) and one for
 *   a free-text principle alone (fitted on ETHICS); a foundation alone is judged against its definition
 *   (principles.ts).
 * Items go one per forward pass by default (`batchSize`; larger batches are sorted by length so that padding
 * stays small); ONNX Runtime works on its own threads (`threads`, default half the cores), so the event loop
 * stays free.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseJson } from '../../datafile.ts';
import { TenetError } from '../../errors.ts';
import { LruMap } from '../../lru.ts';
import { defaultThreads } from '../../models/llama-runtime.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../labels.ts';
import type { Judge, JudgeItem, JudgeResult } from '../types.ts';
import { buildInput, type ModelInput } from './cross-input.ts';
import { schwartzValues, withViolation } from './decision.ts';
import { softmaxHeads } from './linear.ts';
import { itemPrinciple, requireItemTexts } from './principles.ts';

export const CROSS_CARD_FORMAT = 'tenet-cross-encoder/1';
export const DEFAULT_CROSS_DIR = fileURLToPath(new URL('../../../data/judge/cross-encoder/', import.meta.url));

export interface CrossCard {
  format: string;
  id: string;
  version: string;
  maxLength: number;
  values: string[];
  /** Platt maps fitted on validation: items judged against a moral foundation, and items with a free-text principle. */
  platt: { foundation: { a: number; b: number }; general: { a: number; b: number } };
  thresholds: { neg: number; pos: number };
  abstainBand: number;
  onnx: { file: string; sha256: string };
  reference: { principle: string; prompt: string; response: string; ids: number[]; pytorch: number[]; onnxInt8: number[] }[];
  [key: string]: unknown;
}

export interface CrossJudgeOptions {
  /** ONNX Runtime intra-op threads (default: `defaultThreads()`, as for the llama.cpp models). */
  threads?: number;
  /**
   * Items per forward pass (default 1). On the 2-core CPU measured, batches of 32 equal-length items ran at
   * 0.84–0.98× the speed of one at a time (benchmarks/local-judge/run-cross.ts), and dynamic int8 quantisation
   * scales activations by the range of the whole batch, so a batched item's score also depends on its companions.
   */
  batchSize?: number;
}

export interface CrossJudge extends Judge {
  readonly card: CrossCard;
  judge(items: readonly JudgeItem[], options?: { signal?: AbortSignal }): Promise<(JudgeResult & { values: Record<SchwartzValueId, number> })[]>;
  /** The raw output logits of each input (tests and the export check). */
  logits(inputs: readonly ModelInput[]): Promise<Float32Array[]>;
  /** The model input of an item's three texts (at most `maxLength` tokens, default the card's). */
  encode(principle: string, prompt: string, response: string, maxLength?: number): ModelInput;
  close(): Promise<void>;
}

type Ort = typeof import('onnxruntime-node');
type TokenizerClass = typeof import('@huggingface/tokenizers').Tokenizer;

async function importRuntime(): Promise<{ ort: Ort; Tokenizer: TokenizerClass }> {
  try {
    const [ort, tk] = await Promise.all([import('onnxruntime-node'), import('@huggingface/tokenizers')]);
    return { ort, Tokenizer: tk.Tokenizer };
  } catch (e) {
    throw new TenetError('MISSING_DEPENDENCY', `the cross-encoder judge needs onnxruntime-node and @huggingface/tokenizers: ${(e as Error).message}`, {
      hint: 'run `npm ci` in the tenet checkout (both are dependencies), or use --judge local-fast',
      cause: e,
    });
  }
}

function readJson(file: string, what: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TenetError('NOT_FOUND', `cannot read the cross-encoder judge's ${what} ${file}`, { hint: 'rebuild it with scripts/judge/train, or use --judge local-fast', location: { file }, cause: e });
  }
  return parseJson(text, { file, hint: 'restore data/judge/cross-encoder/ from git, or rebuild it with scripts/judge/train' });
}

export function readCrossCard(dir: string = DEFAULT_CROSS_DIR): CrossCard {
  const file = join(dir, 'card.json');
  const card = readJson(file, 'model card') as CrossCard;
  if (card?.format !== CROSS_CARD_FORMAT || typeof card.platt?.foundation?.a !== 'number' || typeof card.platt?.general?.a !== 'number') {
    throw new TenetError('BAD_INPUT', `${file} is not a cross-encoder judge card (format ${JSON.stringify(card?.format)})`, { hint: `expected format ${CROSS_CARD_FORMAT}`, location: { file } });
  }
  return card;
}

/** Load the cross-encoder judge from a directory holding model.onnx, tokenizer.json and card.json (default: the committed one). */
export async function loadCrossJudge(dir: string = DEFAULT_CROSS_DIR, options: CrossJudgeOptions = {}): Promise<CrossJudge> {
  const card = readCrossCard(dir);
  const modelFile = join(dir, card.onnx.file);
  let bytes: Buffer;
  try {
    bytes = readFileSync(modelFile);
  } catch (e) {
    throw new TenetError('NOT_FOUND', `cannot read the cross-encoder model ${modelFile}`, { hint: 'rebuild it with scripts/judge/train, or use --judge local-fast', location: { file: modelFile }, cause: e });
  }
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== card.onnx.sha256) {
    throw new TenetError('BAD_INPUT', `${modelFile} (sha256 ${sha.slice(0, 16)}…) is not the model its card describes (${card.onnx.sha256.slice(0, 16)}…)`, {
      hint: 'restore data/judge/cross-encoder/ from git, or rebuild it with scripts/judge/train',
      location: { file: modelFile },
    });
  }
  const { ort, Tokenizer } = await importRuntime();
  const tokenizer = new Tokenizer(readJson(join(dir, 'tokenizer.json'), 'tokenizer') as object, {});
  const special = { cls: tokenizer.encode('[CLS]', { add_special_tokens: false }).ids[0]!, sep: tokenizer.encode('[SEP]', { add_special_tokens: false }).ids[0]! };
  const threads = options.threads ?? defaultThreads();
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  const batchSize = options.batchSize ?? 1;
  const V = SCHWARTZ_VALUE_IDS.length;
  if (card.values.join() !== SCHWARTZ_VALUE_IDS.join()) {
    throw new TenetError('BAD_INPUT', `${join(dir, 'card.json')}: values ${card.values.join(', ')} are not tenet's Schwartz values in order`, { location: { file: join(dir, 'card.json'), path: 'values' } });
  }

  // token ids of each distinct text, remembered per judge (principles and shared prompts recur)
  const memo = new LruMap<string, number[]>(8192);
  const tokens = (text: string): number[] => {
    if (text === '') return [];
    let ids = memo.get(text);
    if (!ids) memo.set(text, (ids = tokenizer.encode(text, { add_special_tokens: false }).ids as number[]));
    return ids;
  };
  const encode = (principle: string, prompt: string, response: string, maxLength = card.maxLength): ModelInput =>
    buildInput(tokens(principle), tokens(prompt), tokens(response), maxLength, special);

  async function runBatch(batch: readonly ModelInput[]): Promise<Float32Array[]> {
    const n = Math.max(...batch.map((x) => x.ids.length));
    const ids = new BigInt64Array(batch.length * n);
    const mask = new BigInt64Array(batch.length * n);
    const types = new BigInt64Array(batch.length * n);
    batch.forEach((x, b) => {
      for (let t = 0; t < x.ids.length; t++) {
        ids[b * n + t] = BigInt(x.ids[t]!);
        mask[b * n + t] = 1n;
        types[b * n + t] = BigInt(x.types[t]!);
      }
    });
    const dims = [batch.length, n];
    const out = await session.run({
      input_ids: new ort.Tensor('int64', ids, dims),
      attention_mask: new ort.Tensor('int64', mask, dims),
      token_type_ids: new ort.Tensor('int64', types, dims),
    });
    const logits = out.logits!.data as Float32Array;
    const width = logits.length / batch.length;
    return batch.map((_, b) => logits.slice(b * width, (b + 1) * width));
  }

  async function logits(inputs: readonly ModelInput[], signal?: AbortSignal): Promise<Float32Array[]> {
    const order = inputs.map((_, i) => i).sort((a, b) => inputs[a]!.ids.length - inputs[b]!.ids.length);
    const result: Float32Array[] = new Array(inputs.length);
    for (let s = 0; s < order.length; s += batchSize) {
      signal?.throwIfAborted();
      const idx = order.slice(s, s + batchSize);
      const rows = await runBatch(idx.map((i) => inputs[i]!));
      idx.forEach((i, k) => (result[i] = rows[k]!));
    }
    return result;
  }

  const principleOf = (item: JudgeItem, i: number): string | undefined => {
    requireItemTexts(item, i);
    return itemPrinciple(item, i);
  };
  const { neg, pos } = card.thresholds;

  return {
    id: card.id,
    version: card.version,
    card,
    encode,
    logits: (inputs) => logits(inputs),
    close: () => session.release(),
    async judge(items, options = {}) {
      const principles = items.map(principleOf);
      const out = await logits(items.map((item, i) => encode(principles[i] ?? '', item.prompt, item.response)), options.signal);
      return items.map((_, i) => {
        const z = out[i]!;
        // logit 0 is the violation; then (−1, 0, +1) per Schwartz value
        const p = Float64Array.from(z.subarray(1, 1 + 3 * V));
        softmaxHeads(p, V, 3);
        const { values, confidenceSum } = schwartzValues(p, neg, pos);
        if (principles[i] === undefined) return { values, confidence: confidenceSum / V };
        const { a, b } = items[i]!.foundation ? card.platt.foundation : card.platt.general;
        return withViolation(values, confidenceSum, 1 / (1 + Math.exp(-(a * z[0]! + b))), card.abstainBand);
      });
    },
  };
}
