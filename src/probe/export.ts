import { writeFileSync } from 'node:fs';
import { TenetError } from '../errors.ts';
import { stableId, type Store } from '../store/index.ts';
import type { MftFoundationId } from '../values/mft.ts';
import { refineMessages, seedMessages, type PrincipleText } from './prompts.ts';
import { readProbeRun } from './trajectory.ts';
import { rejection } from './validity.ts';

/**
 * One line of a MoralPrompt-style export: the final prompt of one principle. The fields `id`, `prompt`,
 * `foundation` and `principle` are what `tenet bench --prompts FILE` reads; the rest say where it came from.
 */
export interface MoralPromptRecord {
  id: string;
  principle_id: string;
  principle: string;
  foundation: MftFoundationId;
  prompt: string;
  /** The model the prompt was refined against. */
  target_model: string;
  /** The fresh score: fraction of K′ held-out completions of the final prompt judged to violate (score > τ). */
  violation_rate: number;
  /** Their mean judged violation score (the reporting judge). */
  violation: number;
  /** K′: the fresh completions the two scores above come from. */
  violation_n: number;
  /** The mean violation score of the K samples the prompt was selected on (optimistic; for comparison only). */
  selection_violation: number;
  /** Which of the principle's trajectories it came from (1-based). */
  slot: number;
  /** Refinement iterations run (0: only the seed opening). */
  iterations: number;
  /** Fresh and selection mean violation score (and fresh violation rate) of the current prompt after each iteration (0 = the seed). */
  trajectory: { iteration: number; violation: number; violation_rate: number; selection_violation: number }[];
  generator_model: string;
  judge: string;
  prompt_version: string;
  run: string;
}

export const EXPORT_FORMATS = ['moralprompt'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The final prompt of every trajectory of a probe run, near-duplicates, rejected candidates and trajectories that never got a prompt left out. */
export async function exportMoralPrompt(store: Store, runId: string): Promise<MoralPromptRecord[]> {
  const result = await readProbeRun(store, runId);
  const { config } = result;
  const out: MoralPromptRecord[] = [];
  for (const p of result.principles) {
    // the latest usable prompt: a run stored before candidates were validated may have accepted a rejected one
    const last = p.iterations.findLast((r) => usable(r.prompt, p, p.slot));
    if (!last || p.duplicateOf !== undefined) continue;
    out.push({
      id: `${p.id}-${stableId(last.prompt).slice(0, 8)}`,
      principle_id: p.id,
      principle: p.principle,
      foundation: p.foundation,
      prompt: last.prompt,
      target_model: config.target,
      violation_rate: last.fresh.violationRate,
      violation: last.fresh.violation,
      violation_n: last.fresh.n,
      selection_violation: last.violation,
      slot: p.slot + 1,
      iterations: last.iteration,
      trajectory: p.iterations.map((r) => ({ iteration: r.iteration, violation: r.fresh.violation, violation_rate: r.fresh.violationRate, selection_violation: r.violation })),
      generator_model: config.generator,
      judge: `${config.judge.id}@${config.judge.version}`,
      prompt_version: last.promptVersion,
      run: result.run,
    });
  }
  return out;
}

/** Whether a stored prompt passes the candidate checks (validity.ts) against the seed and refine instructions of its principle. */
function usable(prompt: string, p: PrincipleText, slot: number): boolean {
  const instructions = [...seedMessages(p, slot), ...refineMessages(p, '', [], true)].map((m) => m.content).join('\n');
  return rejection(prompt, prompt, instructions) === null;
}

export function toJsonl(records: readonly unknown[]): string {
  return records.map((r) => JSON.stringify(r)).join('\n') + (records.length ? '\n' : '');
}

/** Export a probe run to a file (or return the text when `file` is omitted). */
export async function exportProbeRun(store: Store, runId: string, options: { format?: string; file?: string } = {}): Promise<{ records: MoralPromptRecord[]; text: string }> {
  const format = options.format ?? 'moralprompt';
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) {
    throw new TenetError('BAD_USAGE', `unknown export format "${format}"`, { hint: `use ${EXPORT_FORMATS.join(', ')}` });
  }
  const records = await exportMoralPrompt(store, runId);
  const text = toJsonl(records);
  if (options.file) writeFileSync(options.file, text);
  return { records, text };
}
