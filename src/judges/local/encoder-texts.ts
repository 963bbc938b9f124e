/**
 * Which texts the encoder judge's training embeds, in the order they are embedded (so an interrupted fill
 * has the most useful ones first): the principle texts, the MFT continuations and stories, FULCRA responses
 * and prompts, then the ETHICS scenarios of the train and validation parts.
 */
import { OPENING_PROMPT, type ReferenceData } from './data.ts';
import { GENERIC_PRINCIPLE } from './encoder-train.ts';
import { allTrainingPrinciples } from './principles.ts';

export function encoderTrainingTexts(data: ReferenceData, options: { ethics?: boolean } = {}): string[] {
  return [
    ...allTrainingPrinciples(),
    OPENING_PROMPT,
    ...(options.ethics ? [GENERIC_PRINCIPLE] : []),
    ...data.mft.map((r) => r.response),
    ...data.mftOpenings.map((r) => r.response),
    ...data.fulcra.map((r) => r.response),
    ...data.fulcra.map((r) => r.prompt),
    // ETHICS: the train part (training) and the validation part (calibration); training never reads the test part
    ...(options.ethics ? data.ethics.filter((r) => r.part !== 'test').map((r) => r.response) : []),
  ];
}
