/**
 * How the cross-encoder judge (`local-cross`) lays out one item as model input. The trainer
 * (scripts/judge/train-cross-encoder.py, `build_input`) implements the same rule; test/judges/cross-judge.test.ts
 * checks both give the same ids on fixed inputs.
 *
 *   [CLS] principle [SEP] prompt [SEP] response [SEP]      token types 0 … 0 | 1 … 1
 *
 * Each piece is tokenised on its own without special tokens. The principle keeps at most MAX_PRINCIPLE_TOKENS
 * (its first tokens). The rest of the budget goes to the response first (the text being judged): the response
 * keeps its first r tokens and the prompt its LAST p tokens (the part next to the response), where
 *   budget = maxLength − 4 − |principle|,  r = min(|response|, max(budget − |prompt|, budget − ⌊budget / 4⌋)),
 *   p = min(|prompt|, budget − r).
 * An empty piece still has its [SEP], so every input has the same shape.
 */
export const MAX_PRINCIPLE_TOKENS = 48;

export interface SpecialIds {
  cls: number;
  sep: number;
}

export interface ModelInput {
  ids: number[];
  types: number[];
}

export function buildInput(principle: readonly number[], prompt: readonly number[], response: readonly number[], maxLength: number, special: SpecialIds): ModelInput {
  const a = principle.slice(0, MAX_PRINCIPLE_TOKENS);
  const budget = maxLength - 4 - a.length;
  const r = Math.min(response.length, Math.max(budget - prompt.length, budget - Math.floor(budget / 4)));
  const p = Math.min(prompt.length, budget - r);
  const ids = [special.cls, ...a, special.sep, ...prompt.slice(prompt.length - p), special.sep, ...response.slice(0, r), special.sep];
  const types = ids.map((_, i) => (i < a.length + 2 ? 0 : 1));
  return { ids, types };
}
