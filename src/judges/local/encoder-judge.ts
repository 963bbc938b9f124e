/**
 * The encoder judge at run time (`tenet-local@2`, `--judge local`): the committed heads
 * (data/judge/local-encoder-judge.json) over all-MiniLM-L6-v2 vectors from the fetched GGUF encoder.
 *
 * Every distinct text (prompts, responses, principles) is embedded once per process (vector-memo.ts, a
 * bounded LRU), quantised exactly as in training (embed-cache.ts), and the heads run in TypeScript. The encoder runs in llama.cpp's native
 * threads, so the event loop stays free while it works.
 * - `values`: the Schwartz vector (thresholded classes read back into [−1, 1], decision.ts);
 * - `violation` (when the item gives a `principle` or a `foundation`): the probability that the response
 *   violates that principle — the head reads the principle text (or, given only a foundation, the
 *   foundation's definition), the prompt and the response; Platt-calibrated on validation;
 * - `lowConfidence`: the violation is within `abstainBand` of 0.5 (docs/judges.md).
 * When node-llama-cpp or the encoder file is missing, loading fails with a clear error: the n-gram judge
 * is never substituted silently (`--judge local-fast` selects it explicitly).
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TenetError } from '../../errors.ts';
import { createEncoder, type Encoder } from '../../models/encoder.ts';
import { localModelPath } from '../../models/local-files.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../labels.ts';
import type { Judge, JudgeResult } from '../types.ts';
import { platt, schwartzValues, withViolation } from './decision.ts';
import { encoderFileHash } from './embed-cache.ts';
import { generalFeatures, schwartzFeatures } from './encoder-features.ts';
import { ENCODER_WEIGHTS_FORMAT, violationContextTexts, violationFeaturesFor, type EncoderWeightsFile, type Prototypes } from './encoder-train.ts';
import { RunHead } from './heads.ts';
import type { JudgeItem } from './judge.ts';
import { itemPrinciple, requireItemTexts } from './principles.ts';
import { VectorMemo } from './vector-memo.ts';

export const DEFAULT_ENCODER_WEIGHTS_FILE = fileURLToPath(new URL('../../../data/judge/local-encoder-judge.json', import.meta.url));

export type EncoderJudgeOutput = JudgeResult & { values: Record<SchwartzValueId, number>; lowConfidence?: boolean };

export interface EncoderJudge extends Judge {
  readonly id: string;
  readonly version: string;
  readonly meta: Omit<EncoderWeightsFile, 'schwartz' | 'violation'>;
  judge(items: readonly JudgeItem[], options?: { signal?: AbortSignal }): Promise<EncoderJudgeOutput[]>;
}

const V = SCHWARTZ_VALUE_IDS.length;
const HINT = 'run `npm run fetch-models` (installs node-llama-cpp and fetches all-MiniLM-L6-v2), or use the n-gram judge explicitly with --judge local-fast';

/** The fetched encoder, or a clear error naming what is missing and what to do. */
export function requireJudgeEncoder(w: Pick<EncoderWeightsFile, 'encoder'>, env: Record<string, string | undefined> = process.env): Encoder {
  const name = w.encoder.spec.slice('local-encoder:'.length);
  const path = localModelPath(name, env);
  const llama = existsSync(fileURLToPath(new URL('../../../node_modules/node-llama-cpp/package.json', import.meta.url)));
  if (!llama || !existsSync(path)) {
    throw new TenetError('MISSING_DEPENDENCY', `the offline judge (local) needs the sentence encoder ${name}: ${!llama ? 'node-llama-cpp is not installed' : `${path} does not exist`}`, { hint: HINT });
  }
  const hash = encoderFileHash(path);
  if (hash !== w.encoder.sha256) {
    throw new TenetError('BAD_INPUT', `the encoder file ${path} (sha256 ${hash}…) is not the one the judge was trained on (${w.encoder.sha256}…)`, {
      hint: 'run `npm run fetch-models` to restore it, or retrain with `tenet judge train`',
    });
  }
  return createEncoder(w.encoder.spec, { env });
}

/** The foundation prototypes stored in a weights file (exactly the numbers training used), if any. */
export function storedPrototypes(w: EncoderWeightsFile): Prototypes | undefined {
  const fromSteps = (m: number[]): Float64Array => Float64Array.from(m, (x) => x * w.encoder.step);
  const stored = w.violation.prototypes;
  return stored ? { v: stored.v.map(fromSteps), n: stored.n.map(fromSteps) } : undefined;
}

export function encoderJudgeFromWeights(w: EncoderWeightsFile, encoder: Encoder, file = '<memory>'): EncoderJudge {
  if (w.format !== ENCODER_WEIGHTS_FORMAT) {
    throw new TenetError('BAD_INPUT', `${file} is not an encoder judge weights file (format ${JSON.stringify(w.format)})`, {
      hint: `expected format ${ENCODER_WEIGHTS_FORMAT}; retrain with tenet judge train`,
      location: { file },
    });
  }
  const sch = RunHead.fromStored(w.schwartz.head);
  const vio = RunHead.fromStored(w.violation.head);
  const gen = w.general ? RunHead.fromStored(w.general.head) : undefined;
  const gf = w.config.general?.features;
  const protos = storedPrototypes(w);
  const { neg, pos } = w.schwartz.thresholds;
  const sf = w.config.schwartz.features;
  const vf = w.config.violation.features;
  const { schwartz: _s, violation: _v, ...meta } = w;
  const memo = new VectorMemo(encoder);

  // A free-text principle with no foundation goes to the general-wrongness head (ETHICS-trained) when the
  // weights have one; a foundation (with or without a principle text) to the principle-reading head.
  const generalRoute = (item: JudgeItem): boolean => Boolean(gen) && (item.foundation === undefined || item.foundation === '');

  return {
    id: w.id,
    version: w.version,
    meta,
    async judge(items, options = {}) {
      const principles = items.map((item, i) => {
        requireItemTexts(item, i);
        return itemPrinciple(item, i);
      });
      const principled = items.some((it, i) => principles[i] !== undefined && !generalRoute(it));
      const vec = await memo.vectors([
        ...items.flatMap((it, i) => [it.prompt, it.response, ...(principles[i] !== undefined && !generalRoute(it) ? [principles[i]] : [])]),
        ...(principled ? violationContextTexts(vf) : []),
      ], options);
      const lookup = (t: string): Float64Array => vec.get(t)!;
      return items.map((item, i) => {
        const pv = vec.get(item.prompt)!;
        const rv = vec.get(item.response)!;
        const p = sch.softmax(schwartzFeatures(item, { prompt: pv, response: rv }, sf), V, 3);
        const { values, confidenceSum } = schwartzValues(p, neg, pos);
        const q = principles[i];
        if (q === undefined) return { values, confidence: confidenceSum / V };
        const violation = gen && gf && w.general && generalRoute(item)
          ? platt(gen.sigmoid(generalFeatures(item, rv, gf)), w.general.platt.a, w.general.platt.b)
          : platt(vio.sigmoid(violationFeaturesFor(lookup, { principle: q, prompt: item.prompt, response: item.response }, vf, protos)), w.violation.platt.a, w.violation.platt.b);
        return withViolation(values, confidenceSum, violation, w.violation.abstainBand);
      });
    },
  };
}

export function readEncoderWeights(file: string = DEFAULT_ENCODER_WEIGHTS_FILE): EncoderWeightsFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TenetError('NOT_FOUND', `cannot read encoder judge weights ${file}`, { hint: 'train them with `tenet judge train`', location: { file }, cause: e });
  }
  try {
    return JSON.parse(text) as EncoderWeightsFile;
  } catch (e) {
    throw new TenetError('BAD_INPUT', `encoder judge weights ${file} are not valid JSON`, { location: { file }, cause: e });
  }
}

/** Load the encoder judge (default: the committed weights and the fetched encoder). */
export async function loadEncoderJudge(file: string = DEFAULT_ENCODER_WEIGHTS_FILE, options: { encoder?: Encoder; env?: Record<string, string | undefined> } = {}): Promise<EncoderJudge> {
  const w = readEncoderWeights(file);
  return encoderJudgeFromWeights(w, options.encoder ?? requireJudgeEncoder(w, options.env), file);
}
