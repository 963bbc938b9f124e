/** The notes section: the run's notes and its stored configuration (secrets redacted). */
import { redactDeep } from '../../redact.ts';
import type { ReportData } from '../data.ts';
import { esc } from '../html.ts';

export function notesSection(data: ReportData): string {
  const notes = data.notes.length ? `<ul class="notes">${data.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  let config = '';
  try {
    config = JSON.stringify(redactDeep(data.run.config ?? null), null, 2) ?? 'null';
  } catch {
    config = String(data.run.config);
  }
  return (
    '<section id="notes"><h2>Notes and configuration</h2>' +
    notes +
    `<details class="config"><summary>Run configuration (as stored)</summary><pre>${esc(config)}</pre></details></section>`
  );
}
