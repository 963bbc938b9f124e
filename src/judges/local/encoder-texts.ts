/**
 * Which texts the encoder judge's training embeds, in the order they are embedded (so an interrupted fill
 * has the most useful ones first): the principle texts, the MFT continuations and stories, FULCRA responses
 * and prompts, then the ETHICS scenarios.
 */
import type { ReferenceData } from './data.ts';
import { allTrainingPrinciples } from './principles.ts';

export function encoderTrainingTexts(data: ReferenceData): string[] {
  return [
    ...allTrainingPrinciples(),
    ...data.mft.map((r) => r.response),
    ...data.mftOpenings.map((r) => r.response),
    ...data.fulcra.map((r) => r.response),
    ...data.fulcra.map((r) => r.prompt),
    ...data.ethics.map((r) => r.response),
  ];
}
