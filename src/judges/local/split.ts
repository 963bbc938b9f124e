/**
 * The train / validation / test assignment. Fixed, not a training option: changing the training seed
 * must never move a test row into training.
 *
 * Rule (FULCRA trustworthy-dev and Value Compass cases): key = the prompt (the Human turn) lower-cased,
 * every run of characters other than letters and digits replaced by one space, trimmed;
 * u = FNV-1a-32(`${SPLIT_SALT}|${dataset}|${key}`) mod 1000; u < 600 → train, u < 800 → validation,
 * else test. Every row that shares a prompt (after that normalisation) lands in the same part.
 *
 * ETHICS commonsense-test has no train file, so it is split in blocks of 10 consecutive rows (its
 * minimal pairs sit next to each other): key = `block:${floor(rowIndex / 10)}`, same hash and cut-offs.
 */
import { fnv1a } from './features.ts';

export const SPLIT_SALT = 'tenet-local-judge-split-v1';
export const SPLIT_CUTS = { train: 600, validation: 800, modulus: 1000 } as const;
export const ETHICS_BLOCK = 10;

export type Part = 'train' | 'validation' | 'test';

export function promptKey(prompt: string): string {
  return prompt
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function partOfKey(dataset: string, key: string): Part {
  const u = fnv1a(`${SPLIT_SALT}|${dataset}|${key}`) % SPLIT_CUTS.modulus;
  return u < SPLIT_CUTS.train ? 'train' : u < SPLIT_CUTS.validation ? 'validation' : 'test';
}

/** Part of a row identified by its prompt (FULCRA, Value Compass). */
export function partOfPrompt(dataset: string, prompt: string): Part {
  return partOfKey(dataset, promptKey(prompt));
}

/** Part of an ETHICS row by its 0-based data-row index. */
export function partOfEthicsRow(rowIndex: number): Part {
  return partOfKey('ethics-commonsense', `block:${Math.floor(rowIndex / ETHICS_BLOCK)}`);
}

export const SPLIT_RULE =
  `key = prompt lower-cased, runs of non-letters/digits → one space, trimmed; ` +
  `u = FNV-1a-32("${SPLIT_SALT}|<dataset>|<key>") mod 1000; u < 600 train, u < 800 validation, else test. ` +
  `Datasets: "fulcra-trustworthy" (key = the Human turn), "valuecompass-mft" (key = the story prompt). ` +
  `ETHICS commonsense-test: key = "block:" + floor(rowIndex / ${ETHICS_BLOCK}) with dataset "ethics-commonsense" (0-based data rows).`;
