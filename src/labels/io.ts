/**
 * Labels as JSONL, for teams that label elsewhere: the blind sample out (`tenet labels export`), labels in
 * (`tenet labels import`, and `tenet judge calibrate --labels`).
 *
 *   export row: {item_id, run, sample_id, judgment_id, model, prompt, principle, foundation, completion, weight}
 *   import row: {item_id, label: "violates" | "does_not" | "unsure", labeller, created_at?}
 */
import { lineError, readJsonl } from '../jsonl.ts';
import { TenetError } from '../errors.ts';
import { isLabelValue, LABEL_VALUES, stableId, type LabelItem, type NewLabel, type Store } from '../store/index.ts';
import { blindTexts } from './sample.ts';

export interface ExportRow {
  item_id: string;
  run: string;
  sample_id: string;
  judgment_id: string;
  model: string;
  prompt: string;
  principle: string | null;
  foundation: string | null;
  completion: string;
  weight: number;
}

/** The blind export rows of these items, in their order (no score, verdict or stratum). */
export async function exportRows(store: Store, items: readonly LabelItem[]): Promise<ExportRow[]> {
  const texts = await blindTexts(store, items.map((i) => i.sampleId));
  return items.map((i) => {
    const t = texts.get(i.sampleId) ?? { prompt: '', principle: null, foundation: null, completion: '' };
    return { item_id: i.id, run: i.runId, sample_id: i.sampleId, judgment_id: i.judgmentId, model: i.model, prompt: t.prompt, principle: t.principle, foundation: t.foundation, completion: t.completion, weight: i.weight };
  });
}

const IMPORT_HINT = `each line: {"item_id": "...", "label": "${LABEL_VALUES.join('" | "')}", "labeller": "name"} (item_id from \`tenet labels export\`)`;

/**
 * The labels of a JSONL file, every row checked (a known item of this store, a valid label, a labeller):
 * the first bad row is BAD_INPUT at file:line and nothing is returned. A row's id is derived from its
 * content, so importing a file twice stores its labels once.
 */
export async function readLabelsFile(store: Store, file: string): Promise<NewLabel[]> {
  const rows: { line: number; label: NewLabel }[] = [];
  for await (const [line, row] of readJsonl(file, { hint: IMPORT_HINT })) {
    const bad = (path: string, message: string): TenetError => lineError(file, line, message, { path, hint: IMPORT_HINT });
    if (typeof row.item_id !== 'string' || row.item_id === '') throw bad('item_id', 'item_id must be a non-empty string');
    if (!isLabelValue(row.label)) throw bad('label', `label must be one of ${LABEL_VALUES.join(', ')}, got ${JSON.stringify(row.label)}`);
    if (typeof row.labeller !== 'string' || row.labeller.trim() === '' || row.labeller.length > 200) throw bad('labeller', 'labeller must be a name of 1 to 200 characters');
    if (row.created_at !== undefined && (typeof row.created_at !== 'string' || Number.isNaN(Date.parse(row.created_at)))) throw bad('created_at', 'created_at, when given, must be an ISO-8601 time');
    const createdAt = typeof row.created_at === 'string' ? new Date(row.created_at).toISOString() : undefined;
    const labeller = row.labeller.trim();
    rows.push({ line, label: { id: `label-${stableId('label-import', row.item_id, labeller, row.label, createdAt ?? null)}`, itemId: row.item_id, label: row.label, labeller, ...(createdAt ? { createdAt } : {}) } });
  }
  for (let i = 0; i < rows.length; i += 500) {
    const part = rows.slice(i, i + 500);
    const known = new Set((await store.kysely.selectFrom('label_samples').select('id').where('id', 'in', part.map((r) => r.label.itemId)).execute()).map((r) => r.id));
    const missing = part.find((r) => !known.has(r.label.itemId));
    if (missing) throw lineError(file, missing.line, `no label-sample item ${missing.label.itemId} in this store`, { path: 'item_id', hint: 'import into the store the sample was exported from (same --db)' });
  }
  return rows.map((r) => r.label);
}

/** `tenet labels import`: store the file's labels; how many rows were read and how many were new. */
export async function importLabels(store: Store, file: string): Promise<{ file: string; rows: number; stored: number }> {
  const labels = await readLabelsFile(store, file);
  const { inserted } = await store.labels.add(labels);
  return { file, rows: labels.length, stored: inserted };
}
