/**
 * Reads the reference data the local judge is trained and measured on, and assigns each row its part
 * (split.ts). Files are named relative to a data directory laid out as ../shared/data.
 */
import type { MftFoundationId } from '../../values/mft.ts';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TenetError } from '../../errors.ts';
import {
  collect,
  loadEthicsCommonsense,
  loadEvaluatorVectors,
  loadFulcra,
  loadTouche,
  loadValueCompassCases,

} from '../datasets.ts';
import type { Polarity, SchwartzValueId } from '../labels.ts';
import { partOfEthicsRow, partOfPrompt, promptKey, type Part } from './split.ts';

export const DATA_FILES = {
  fulcra: 'fulcra/trustworthy-dev.jsonl',
  evaluator: [
    'fulcra/evaluator-vectors/harmless_test_openai_gpt-4.jsonl',
    'fulcra/evaluator-vectors/harmless_test_openai_gpt-35-turbo.jsonl',
    'fulcra/evaluator-vectors/harmless_test_mistral_mistral-large-latest.jsonl',
  ],
  mft: 'valuecompass/mft-cases-dev.jsonl',
  vcSchwartz: 'valuecompass/schwartz-cases-dev.jsonl',
  ethics: 'ethics/commonsense-test.csv',
  touche: [
    ['touche23/arguments-training.tsv', 'touche23/labels-training.tsv'],
    ['touche23/arguments-validation.tsv', 'touche23/labels-validation.tsv'],
  ],
} as const;

/** The prompt an opening is judged under (the same text `tenet probe`'s neutrality check sends). */
export const OPENING_PROMPT = 'Write the opening of a short story.';

export interface SchwartzItem {
  prompt: string;
  response: string;
  /** Hard labels (FULCRA) in {−1,0,1}. */
  labels?: Polarity[];
  /** Soft labels in [−1,1] (FULCRA evaluator vectors). */
  soft?: number[];
  /** One labelled value (Value Compass Schwartz cases). */
  single?: { value: SchwartzValueId; label: Polarity };
  /** Presence labels in {0,1} (Touché). */
  presence?: (0 | 1)[];
  part: Part;
}

export interface BinaryItem {
  prompt: string;
  response: string;
  foundation?: MftFoundationId;
  /** 1 = violates / morally wrong. */
  label: 0 | 1;
  part: Part;
}

export interface DataFileInfo {
  file: string;
  sha256: string;
  rows: number;
  skipped: number;
}

export interface ReferenceData {
  fulcra: SchwartzItem[];
  evaluator: SchwartzItem[];
  vcSchwartz: SchwartzItem[];
  touche: SchwartzItem[];
  mft: BinaryItem[];
  /**
   * The MFT story openings on their own (no continuation), one per distinct (prompt key, foundation), as
   * non-violating text (label 0) for their foundation, in the part of their prompt key. They are judged
   * the way `tenet probe`'s neutrality check judges an opening: prompt OPENING_PROMPT, response the opening.
   */
  mftOpenings: BinaryItem[];
  ethics: BinaryItem[];
  files: DataFileInfo[];
}

async function sha256(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/** Load every reference set the local judge uses, with parts assigned and file hashes. */
export async function loadReferenceData(dataDir: string): Promise<ReferenceData> {
  const files: DataFileInfo[] = [];
  const note = async (rel: string, rows: number, skipped = 0): Promise<void> => {
    files.push({ file: rel, sha256: await sha256(join(dataDir, rel)), rows, skipped });
  };

  const fulcraRows = await collect(loadFulcra(join(dataDir, DATA_FILES.fulcra)));
  await note(DATA_FILES.fulcra, fulcraRows.length);
  const fulcra: SchwartzItem[] = fulcraRows.map((r) => ({
    prompt: r.prompt,
    response: r.response,
    labels: r.labels,
    part: partOfPrompt('fulcra-trustworthy', r.prompt),
  }));
  // Extra training sets must not share a prompt with FULCRA's validation or test part.
  const heldOut = new Set(fulcra.filter((r) => r.part !== 'train').map((r) => promptKey(r.prompt)));

  const evaluator: SchwartzItem[] = [];
  for (const rel of DATA_FILES.evaluator) {
    const rows = await collect(loadEvaluatorVectors(join(dataDir, rel)));
    await note(rel, rows.length);
    for (const r of rows) {
      if (heldOut.has(promptKey(r.prompt))) continue;
      evaluator.push({ prompt: r.prompt, response: r.response, soft: r.soft, part: 'train' });
    }
  }

  let skipped = 0;
  const onError = (_e: TenetError): void => {
    skipped++;
  };
  const vcRows = await collect(loadValueCompassCases(join(dataDir, DATA_FILES.vcSchwartz), 'schwartz', { onError }));
  await note(DATA_FILES.vcSchwartz, vcRows.length, skipped);
  const vcSchwartz: SchwartzItem[] = vcRows
    .filter((r) => !heldOut.has(promptKey(r.prompt)))
    .map((r) => ({
      prompt: r.prompt,
      response: r.response,
      single: { value: r.valueId!, label: r.label === 'low' ? -1 : 1 },
      part: 'train',
    }));

  const touche: SchwartzItem[] = [];
  for (const [args, labels] of DATA_FILES.touche) {
    const rows = await collect(loadTouche(join(dataDir, args), join(dataDir, labels)));
    await note(args, rows.length);
    await note(labels, rows.length);
    for (const r of rows) touche.push({ prompt: `${r.conclusion} (${r.stance})`, response: r.premise, presence: r.values, part: 'train' });
  }

  const mftRows = await collect(loadValueCompassCases(join(dataDir, DATA_FILES.mft), 'mft'));
  await note(DATA_FILES.mft, mftRows.length);
  const mft: BinaryItem[] = mftRows.map((r) => ({
    prompt: r.prompt,
    response: r.response,
    foundation: r.foundation!,
    label: r.violates ? 1 : 0,
    part: partOfPrompt('valuecompass-mft', r.prompt),
  }));

  const seenOpening = new Set<string>();
  const mftOpenings: BinaryItem[] = [];
  for (const r of mft) {
    const k = `${r.foundation}|${promptKey(r.prompt)}`;
    if (seenOpening.has(k)) continue;
    seenOpening.add(k);
    mftOpenings.push({ prompt: OPENING_PROMPT, response: r.prompt, foundation: r.foundation!, label: 0, part: r.part });
  }

  const ethicsRows = await collect(loadEthicsCommonsense(join(dataDir, DATA_FILES.ethics)));
  await note(DATA_FILES.ethics, ethicsRows.length);
  const ethics: BinaryItem[] = ethicsRows.map((r, i) => ({ prompt: '', response: r.input, label: r.label, part: partOfEthicsRow(i) }));

  return { fulcra, evaluator, vcSchwartz, touche, mft, mftOpenings, ethics, files };
}
