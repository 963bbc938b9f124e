/**
 * The local judge at run time: `loadLocalJudge(file?)` reads the committed weights
 * (data/judge/local-judge.json) and returns a judge that scores items on the CPU, in pure TypeScript.
 *
 * Per item:
 * - `values`: the Schwartz vector in [−1,1]^10 (decision.ts: the thresholded class read back as > 0.5 /
 *   < −0.5, continuous and monotone inside each class);
 * - `violation` (only when the item names a `foundation` or a `principle`): with a moral foundation
 *   (care, fairness, loyalty, authority, sanctity; "Care/Harm" etc. accepted) the probability that the
 *   response violates it (MFT head, Platt-calibrated on validation); with only a free-text principle, the
 *   probability that the response describes a clearly morally wrong first-person action (ETHICS head) —
 *   the principle text itself is not read by the local judge;
 * - `confidence`: the mean over the 10 values of the winning class probability (and of max(p, 1 − p) for
 *   the violation when there is one).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TenetError } from '../../errors.ts';
import { parseMftFoundation } from '../../values/mft.ts';
import { SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../labels.ts';
import { platt, schwartzValues } from './decision.ts';
import type { Judge, JudgeItem as BaseJudgeItem, JudgeResult } from '../types.ts';
import { RunHead, type StoredHead } from './heads.ts';
import { RunMlp } from './mlp.ts';
import { requireItemTexts } from './principles.ts';
import { WEIGHTS_FORMAT, binaryItemFeatures, type SoftmaxRunner, type WeightsFile } from './train.ts';
import { canonicalJudgeId } from '../ids.ts';

export const DEFAULT_WEIGHTS_FILE = fileURLToPath(new URL('../../../data/judge/local-judge.json', import.meta.url));

/** An item as the Judge contract (../types.ts) has it; `foundation` also accepts names like "Care/Harm". */
export type JudgeItem = Omit<BaseJudgeItem, 'foundation'> & { foundation?: string };

export type JudgeOutput = JudgeResult & { values: Record<SchwartzValueId, number> };

export interface LocalJudge extends Judge {
  readonly id: string;
  readonly version: string;
  /** Weights metadata (split rule, data hashes, validation scores). */
  readonly meta: Omit<WeightsFile, 'schwartz' | 'mft' | 'ethics'>;
  judge(items: readonly JudgeItem[]): Promise<JudgeOutput[]>;
  /** Same as judge(), synchronously. */
  judgeSync(items: readonly JudgeItem[]): JudgeOutput[];
}

const V = SCHWARTZ_VALUE_IDS.length;

export function localJudgeFromWeights(w: WeightsFile, file = '<memory>'): LocalJudge {
  if (w.format !== WEIGHTS_FORMAT) {
    throw new TenetError('BAD_INPUT', `${file} is not a local judge weights file (format ${JSON.stringify(w.format)})`, {
      hint: `expected format ${WEIGHTS_FORMAT}; retrain with trainLocalJudge`,
      location: { file },
    });
  }
  const sh = w.schwartz.head;
  const sch: SoftmaxRunner = 'kind' in sh && sh.kind === 'mlp' ? new RunMlp(sh) : RunHead.fromStored(sh as StoredHead);
  const mft = RunHead.fromStored(w.mft.head);
  const eth = RunHead.fromStored(w.ethics.head);
  const { neg, pos } = w.schwartz.thresholds;
  const { schwartz: _s, mft: _m, ethics: _e, ...meta } = w;

  const one = (item: JudgeItem, i: number): JudgeOutput => {
    requireItemTexts(item, i);
    const p = sch.softmax(sch.featurize(item.prompt, item.response), V, 3);
    const { values, confidenceSum } = schwartzValues(p, neg, pos);
    let conf = confidenceSum;
    let terms = V;
    let violation: number | undefined;
    if (item.foundation !== undefined && item.foundation !== '') {
      const f = parseMftFoundation(item.foundation);
      if (!f) {
        throw new TenetError('BAD_INPUT', `item ${i}: unknown moral foundation ${JSON.stringify(item.foundation)}`, {
          hint: 'use care, fairness, loyalty, authority, sanctity or liberty',
          location: { path: `[${i}].foundation` },
        });
      }
      const sw = w.mft.schwartzFeatures ?? 0;
      const raw = mft.sigmoid(
        binaryItemFeatures(mft, { prompt: item.prompt, response: item.response, foundation: f }, w.mft.tagFoundation, sw > 0 ? { probs: p, weight: sw } : undefined),
      );
      violation = platt(raw, w.mft.platt.a, w.mft.platt.b);
    } else if (item.principle !== undefined && item.principle !== '') {
      violation = platt(eth.sigmoid(eth.featurize('', item.response)), w.ethics.platt.a, w.ethics.platt.b);
    }
    if (violation !== undefined) {
      conf += Math.max(violation, 1 - violation);
      terms++;
    }
    return { values, ...(violation !== undefined ? { violation } : {}), confidence: conf / terms };
  };

  const judgeSync = (items: readonly JudgeItem[]): JudgeOutput[] => items.map(one);
  return {
    // n-gram weights written before the rename carry the old id
    id: canonicalJudgeId(w.id, w.version),
    version: w.version,
    meta,
    judgeSync,
    judge: async (items) => judgeSync(items),
  };
}

/** Load the local judge from a weights file (default: the committed data/judge/local-judge.json). */
export function loadLocalJudge(file: string = DEFAULT_WEIGHTS_FILE): Promise<LocalJudge> {
  return Promise.resolve(loadLocalJudgeSync(file));
}

export function loadLocalJudgeSync(file: string = DEFAULT_WEIGHTS_FILE): LocalJudge {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TenetError('NOT_FOUND', `cannot read local judge weights ${file}`, {
      hint: 'train them with `tenet judge train` (trainLocalJudge)',
      location: { file },
      cause: e,
    });
  }
  let w: WeightsFile;
  try {
    w = JSON.parse(text) as WeightsFile;
  } catch (e) {
    throw new TenetError('BAD_INPUT', `local judge weights ${file} are not valid JSON`, { location: { file }, cause: e });
  }
  return localJudgeFromWeights(w, file);
}
