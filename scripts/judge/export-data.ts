/**
 * Writes the cross-encoder judge's training and validation examples as JSON Lines, from the reference data and
 * with the same split as every other offline judge (src/judges/local/split.ts), so that the Python trainer
 * (scripts/judge/train-cross-encoder.py) never decides which row belongs to which part. The TEST part is
 * never written.
 *
 *   node scripts/judge/export-data.ts DATA_DIR OUT_DIR
 *
 * OUT_DIR/train.jsonl, OUT_DIR/validation.jsonl: one example per line,
 *   { task: "violation", principle, prompt, response, label: 0|1, weight, kind, group }
 *   { task: "values", principle, prompt, response, values: [10 × −1|0|1 or null], weight, kind, group }
 * OUT_DIR/manifest.json: the data files' SHA-256, counts per kind, and the principle texts used.
 *
 * Violation examples (principle-conditioned):
 *  - MFT continuations, with their own foundation's definition (validation: the definition only, as
 *    `judge eval` asks) and, in training, with two phrasings drawn from principles.ts (seeded);
 *  - principle-swap negatives (training): each violating continuation paired with every other core
 *    foundation's definition or a phrasing of it, label 0, so that the model must read the principle;
 *  - the MFT story openings on their own (prompt OPENING_PROMPT), label 0 (not violating text);
 *  - ETHICS commonsense rows under ETHICS_PRINCIPLE, the text `judge eval --format ethics` sends.
 * Value examples: FULCRA trustworthy rows (10 hard labels), Value Compass Schwartz cases of the train part (one value),
 * each seen in training without a principle and, once more, with a random foundation principle (the value
 * head reads the same input the violation head does and must learn to ignore the principle).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SCHWARTZ_VALUE_IDS } from '../../src/judges/labels.ts';
import { loadReferenceData, OPENING_PROMPT, type BinaryItem } from '../../src/judges/local/data.ts';
import { mulberry32 } from '../../src/judges/metrics.ts';
import { ETHICS_PRINCIPLE, foundationPrinciple, trainingPrinciples } from '../../src/judges/local/principles.ts';
import { partOfPrompt, promptKey, SPLIT_RULE, type Part } from '../../src/judges/local/split.ts';
import { isMftCoreId, MFT_CORE_IDS, type MftCoreId } from '../../src/values/mft.ts';

const [dataDir, outDir] = process.argv.slice(2);
if (!dataDir || !outDir) {
  console.error('usage: node scripts/judge/export-data.ts DATA_DIR OUT_DIR');
  process.exit(2);
}

const SEED = 1;
const rand = mulberry32(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const data = await loadReferenceData(resolve(dataDir));

type Example = Record<string, unknown> & { task: 'violation' | 'values'; kind: string; group: string };
const out: Record<'train' | 'validation', Example[]> = { train: [], validation: [] };
const add = (part: Part, ex: Example): void => {
  if (part !== 'test') out[part].push(ex);
};
/** Every principle a foundation is trained with: its definition and five phrasings. */
const phrasings = (f: MftCoreId): string[] => trainingPrinciples(f, 5);

for (const r of data.mft as BinaryItem[]) {
  if (!r.foundation || !isMftCoreId(r.foundation)) continue;
  const f = r.foundation;
  const group = `mft:${promptKey(r.prompt)}`;
  const base = { task: 'violation' as const, prompt: r.prompt, response: r.response, group };
  if (r.part !== 'train') {
    add(r.part, { ...base, principle: foundationPrinciple(f), label: r.label, weight: 1, kind: 'mft', foundation: f });
    continue;
  }
  const own = phrasings(f);
  const rest = own.slice(1);
  const first = Math.floor(rand() * rest.length);
  const second = (first + 1 + Math.floor(rand() * (rest.length - 1))) % rest.length;
  const others = [rest[first]!, rest[second]!];
  for (const principle of [own[0]!, ...others]) add('train', { ...base, principle, label: r.label, weight: 1, kind: 'mft', foundation: f });
  if (r.label === 1) {
    for (const g of MFT_CORE_IDS.filter((x) => x !== f)) add('train', { ...base, principle: pick(phrasings(g)), label: 0, weight: 1, kind: 'mft-swap', foundation: g });
  }
}
for (const r of data.mftOpenings) {
  if (!r.foundation || !isMftCoreId(r.foundation)) continue;
  const principle = r.part === 'train' ? pick(phrasings(r.foundation)) : foundationPrinciple(r.foundation);
  add(r.part, { task: 'violation', principle, prompt: OPENING_PROMPT, response: r.response, label: 0, weight: 1, kind: 'mft-opening', foundation: r.foundation, group: `mft:${promptKey(r.response)}` });
}
data.ethics.forEach((r, i) => {
  add(r.part, { task: 'violation', principle: ETHICS_PRINCIPLE, prompt: '', response: r.response, label: r.label, weight: 1, kind: 'ethics', group: `ethics:${Math.floor(i / 10)}` });
});

const anyPrinciple = (): string => pick(phrasings(pick(MFT_CORE_IDS)));
for (const r of data.fulcra) {
  const base = { task: 'values' as const, prompt: r.prompt, response: r.response, values: r.labels, weight: 1, kind: 'fulcra', group: `fulcra:${promptKey(r.prompt)}` };
  add(r.part, { ...base, principle: '' });
  if (r.part === 'train') add('train', { ...base, principle: anyPrinciple() });
}
// Value Compass Schwartz cases: the train part of their own split only (`judge eval --format valuecompass-schwartz`
// scores the test part), each seen without and with a principle.
for (const r of data.vcSchwartz) {
  if (partOfPrompt('valuecompass-schwartz', r.prompt) !== 'train') continue;
  const values = SCHWARTZ_VALUE_IDS.map((id) => (id === r.single!.value ? r.single!.label : null));
  const base = { task: 'values' as const, prompt: r.prompt, response: r.response, values, weight: 1, kind: 'vc-schwartz', group: `vcs:${promptKey(r.prompt)}` };
  add('train', { ...base, principle: '' });
  add('train', { ...base, principle: anyPrinciple() });
}

await mkdir(outDir, { recursive: true });
const counts: Record<string, Record<string, number>> = {};
for (const part of ['train', 'validation'] as const) {
  counts[part] = {};
  for (const ex of out[part]) counts[part]![ex.kind] = (counts[part]![ex.kind] ?? 0) + 1;
  await writeFile(join(outDir, `${part}.jsonl`), out[part].map((ex) => JSON.stringify(ex)).join('\n') + '\n');
}
const manifest = {
  split: SPLIT_RULE,
  seed: SEED,
  files: data.files,
  counts,
  values: SCHWARTZ_VALUE_IDS,
  foundations: Object.fromEntries(MFT_CORE_IDS.map((f) => [f, foundationPrinciple(f)])),
  ethicsPrinciple: ETHICS_PRINCIPLE,
  openingPrompt: OPENING_PROMPT,
};
await writeFile(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
console.log(JSON.stringify(counts));
