/**
 * One line on how far to trust a judge's value profile, printed under `tenet evaluate`'s table: the offline
 * judges' held-out measurement (docs/judges.md), or how to measure any other judge.
 */
import { canonicalJudgeId } from './ids.ts';

/** Schwartz-head macro-F1 (3 classes per value) on FULCRA's test part, 256 dialogues, CIs over prompts (docs/judges.md). */
const FULCRA_TEST: Record<string, string> = {
  'tenet-local-fast@1.1.0': '0.739 [0.686, 0.788]',
  'tenet-local@2.1.0': '0.758 [0.714, 0.801]',
};

export function trustNote(judge: { id: string; version: string }): string {
  const measured = FULCRA_TEST[`${canonicalJudgeId(judge.id, judge.version)}@${judge.version}`];
  const how = measured
    ? `how far to trust it: ${judge.id}@${judge.version} scores macro-F1 ${measured} per value on FULCRA's held-out test dialogues (labels by people working with GPT-4; docs/judges.md); the profile is this judge's reading, not ground truth`
    : `how far to trust it: unmeasured here; measure ${judge.id} on labelled data with \`tenet judge eval --judge SPEC\` (docs/judges.md)`;
  return `${how}\nnext: \`tenet evaluate FILE --judge local\` (the encoder judge, after npm run fetch-models), or \`tenet bench --help\` to test a model on story prompts`;
}
