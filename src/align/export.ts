/**
 * Hand-off to trainers: turn a best-of-N run into training files in TRL's dataset formats (a VILMO run gives
 * its (prompt, best instruction) pairs instead: vilmo/export.ts).
 *
 *   dpo  {prompt, chosen, rejected}          best vs worst sample of a prompt by reward
 *   sft  {prompt, completion}                the best sample of each prompt
 *   kto  {prompt, completion, label}         the best (label true) and the worst (label false)
 *
 * With `chat`, the conversational variants: prompt as [{role: user}], completions as [{role: assistant}]
 * (sft: {messages: [user, assistant]}). A pair (dpo, kto) is kept only when best − worst ≥ minMargin and > 0;
 * rows are de-duplicated. Best and worst are by the select judge's reward; the report judge checks the pairs held
 * out (`heldout`). The target, both judges, the reward and counts go to a sidecar FILE.meta.json.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TenetError } from '../errors.ts';
import type { Store } from '../store/index.ts';
import { oneJudgeWarning } from '../judges/goodhart.ts';
import { bonPicks, type PickOptions } from './bon.ts';
import { VILMO_RUN_KIND } from './vilmo/config.ts';
import { vilmoExportRows } from './vilmo/export.ts';

export const EXPORT_FORMATS = ['dpo', 'sft', 'kto'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  format: ExportFormat;
  chat?: boolean;
  /** Smallest reward margin best − worst for a pair (dpo, kto); default 0 (but a pair needs some margin). */
  minMargin?: number;
  /** VILMO runs: smallest conformity of an exported instruction (default 0.5). */
  minConformity?: number;
  /** Best-of-N runs: the judges that pick chosen/rejected (select) and check them (report), and the reward; default the run's. */
  picks?: Omit<PickOptions, 'target'>;
}

export interface ExportSummary {
  run: string;
  format: ExportFormat;
  chat: boolean;
  output: string;
  meta: string;
  rows: number;
  prompts: number;
  skipped: { no_margin: number; duplicate: number };
  /** Best-of-N runs: the judge that picked, the one that checked, and how often the checking judge agrees. */
  select_judge?: { id: string; version: string };
  judge?: { id: string; version: string };
  heldout?: HeldoutCheck;
  warnings: string[];
}

/** How the report judge sees the select judge's pairs: the share it orders the same way, and its mean margin. */
export interface HeldoutCheck {
  pairs: number;
  agree: number | null;
  mean_margin: number | null;
}

const user = (content: string) => [{ role: 'user', content }];
const assistant = (content: string) => [{ role: 'assistant', content }];

/** Build the rows of an export from a stored run. */
export async function exportRows(store: Store, runId: string, options: ExportOptions): Promise<{ rows: Record<string, unknown>[]; prompts: number; skipped: ExportSummary['skipped']; meta: Record<string, unknown>; summary?: Pick<ExportSummary, 'select_judge' | 'judge' | 'heldout' | 'warnings'> }> {
  if (!(EXPORT_FORMATS as readonly string[]).includes(options.format)) throw new TenetError('BAD_USAGE', `unknown format "${options.format}"`, { hint: `use ${EXPORT_FORMATS.join(', ')}` });
  const minMargin = options.minMargin ?? 0;
  if (!Number.isFinite(minMargin) || minMargin < 0) throw new TenetError('BAD_USAGE', `--min-margin must be a non-negative number, got ${minMargin}`);
  const chat = Boolean(options.chat);
  if ((await store.runs.get(runId))?.kind === VILMO_RUN_KIND) {
    const v = await vilmoExportRows(store, runId, { format: options.format, chat, minMargin, ...(options.minConformity !== undefined ? { minConformity: options.minConformity } : {}) });
    return { ...v, skipped: { no_margin: v.skipped.no_margin, duplicate: v.skipped.duplicate } };
  }
  const { run, config, picks, select, report, reward } = await bonPicks(store, runId, options.picks ?? {});
  const margins: number[] = [];
  const seen = new Set<string>();
  const rows: Record<string, unknown>[] = [];
  const skipped = { no_margin: 0, duplicate: 0 };
  const add = (key: unknown[], row: Record<string, unknown>): void => {
    const h = createHash('sha256').update(JSON.stringify(key)).digest('hex');
    if (seen.has(h)) {
      skipped.duplicate++;
      return;
    }
    seen.add(h);
    rows.push(row);
  };
  for (const p of picks) {
    const prompt = p.task.prompt;
    if (options.format === 'sft') {
      add([prompt, p.best.text], chat ? { messages: [...user(prompt), ...assistant(p.best.text)] } : { prompt, completion: p.best.text });
      continue;
    }
    const margin = p.best.proxy.reward - p.worst.proxy.reward;
    if (!(margin > 0) || margin < minMargin || p.best.text === p.worst.text) {
      skipped.no_margin++;
      continue;
    }
    margins.push(p.best.heldout.reward - p.worst.heldout.reward);
    if (options.format === 'dpo') {
      add([prompt, p.best.text, p.worst.text], chat
        ? { prompt: user(prompt), chosen: assistant(p.best.text), rejected: assistant(p.worst.text) }
        : { prompt, chosen: p.best.text, rejected: p.worst.text });
    } else {
      add([prompt, p.best.text, true], chat ? { prompt: user(prompt), completion: assistant(p.best.text), label: true } : { prompt, completion: p.best.text, label: true });
      add([prompt, p.worst.text, false], chat ? { prompt: user(prompt), completion: assistant(p.worst.text), label: false } : { prompt, completion: p.worst.text, label: false });
    }
  }
  const heldout: HeldoutCheck = options.format === 'sft'
    ? { pairs: 0, agree: null, mean_margin: null }
    : { pairs: margins.length, agree: margins.length ? margins.filter((m) => m > 0).length / margins.length : null, mean_margin: margins.length ? margins.reduce((a, b) => a + b, 0) / margins.length : null };
  const warning = oneJudgeWarning(select, report, 'picks chosen and rejected');
  const summary = { select_judge: select, judge: report, heldout, warnings: warning ? [warning] : [] };
  const meta = {
    run: run.id,
    method: config.method,
    format: options.format,
    chat,
    trl: options.format === 'dpo' ? 'DPOTrainer (preference)' : options.format === 'sft' ? 'SFTTrainer' : 'KTOTrainer (unpaired preference)',
    model: config.model.spec,
    n: config.n,
    target: config.target,
    select_judge: select,
    judge: report,
    reward: reward.kind,
    heldout,
    warnings: summary.warnings,
    min_margin: minMargin,
    prompts: picks.length,
    rows: rows.length,
    skipped,
    pairing: `${options.format === 'sft' ? 'the highest-reward sample of each prompt' : 'the highest- vs the lowest-reward sample of each prompt'} by the select judge (${reward.kind} reward against the target); heldout: how the report judge orders the same pairs`,
  };
  return { rows, prompts: picks.length, skipped, meta, summary };
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(tmp, text);
    renameSync(tmp, file);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw new TenetError('BAD_INPUT', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { location: { file }, hint: 'check that the folder is writable, or choose another path with -o' });
  }
}

/** Write an export (JSONL) and its sidecar FILE.meta.json. */
export async function exportRun(store: Store, runId: string, output: string, options: ExportOptions): Promise<ExportSummary> {
  const { rows, prompts, skipped, meta, summary } = await exportRows(store, runId, options);
  writeAtomic(output, rows.map((r) => `${JSON.stringify(r)}\n`).join(''));
  const metaFile = `${output}.meta.json`;
  writeAtomic(metaFile, `${JSON.stringify({ ...meta, output, created: new Date().toISOString() }, null, 2)}\n`);
  return { run: runId, format: options.format, chat: Boolean(options.chat), output, meta: metaFile, rows: rows.length, prompts, skipped, warnings: [], ...summary };
}
