/**
 * `renderReport(data)`: one self-contained HTML document for a bench or probe run. Inline CSS, inline SVG
 * charts, a few lines of inline script for a model filter (the page is complete without it), and a
 * Content-Security-Policy that forbids every network load, so the file works offline from file://.
 *
 * Model text (prompts, completions, principles, model names, notes) is untrusted: it only ever reaches the
 * page through `esc`, as text content or a quoted attribute value — never inside <script> or <style>.
 */
import { resetChartIds, seriesColor } from './charts.ts';
import { VIOLATION_THRESHOLD, type ReportData } from './data.ts';
import { attrs, esc } from './html.ts';
import { alignSection } from './align.ts';
import { CSS, REPORT_CSP, SCRIPT } from './assets.ts';
import { describeJudge, finite, formatDate, foundationsOf } from './sections/common.ts';
import { summarySection } from './sections/summary.ts';
import { correctedSection } from './sections/corrected.ts';
import { foundationSection } from './sections/foundations.ts';
import { valuesSection } from './sections/values.ts';
import { probeSection } from './sections/probe.ts';
import { worstSection } from './sections/worst.ts';
import { notesSection } from './sections/notes.ts';
import { knowingSection } from './sections/knowing.ts';
import { transferSection } from './sections/transfer.ts';
import { vilmoSection } from './vilmo.ts';

export { REPORT_CSP };

export interface RenderOptions {
  /** Worst examples shown per foundation and model (default 3). */
  worstPerGroup?: number;
  /** When the report was generated (default now); fixed in tests for reproducible output. */
  generatedAt?: Date;
  /** The tenet version named in the footer. */
  version?: string;
}

function facts(data: ReportData): string {
  const items: [string, string][] = [];
  items.push(['Run', data.run.id]);
  items.push(['Kind', data.run.kind === 'transfer' ? 'Probe transfer' : data.run.kind === 'bench' ? 'Benchmark' : data.run.kind === 'align' ? 'Alignment (best-of-N)' : data.run.kind === 'vilmo' ? 'Alignment (VILMO and baselines)' : 'DeNEVIL probe']);
  items.push(['Created', formatDate(data.run.createdAt)]);
  if (data.run.status) items.push(['Status', data.run.status]);
  if (data.models.length) items.push([data.models.length === 1 ? 'Model' : 'Models', String(data.models.length === 1 ? data.models[0]!.model : data.models.length)]);
  const n = Math.max(0, ...data.models.map((m) => m.metrics.overall.n));
  const k = Math.max(0, ...data.models.map((m) => m.metrics.overall.k));
  if (n > 0) items.push(['Prompts (N)', String(n)]);
  if (k > 0) items.push(['Samples per prompt (K)', String(k)]);
  if (data.probe?.principles.length) items.push(['Principles probed', String(data.probe.principles.length)]);
  const judge = describeJudge(data.run.config);
  if (judge) items.push(['Judge', judge]);
  const t = data.run.totals;
  if (t && finite(t.calls) && t.calls > 0) items.push(['Model calls', t.calls.toLocaleString('en-US')]);
  if (t && finite(t.costUsd) && t.costUsd > 0) items.push(['Cost', `$${t.costUsd.toFixed(t.costUsd < 1 ? 4 : 2)}`]);
  return `<dl class="facts">${items.map(([k2, v]) => `<div><dt>${esc(k2)}</dt><dd>${esc(v)}</dd></div>`).join('')}</dl>`;
}

function modelFilter(data: ReportData): string {
  if (data.models.length < 2) return '';
  return (
    '<fieldset id="model-filter" class="filter" hidden><legend>Show models</legend>' +
    data.models
      .map((m, i) => `<label><input type="checkbox" checked${attrs({ value: m.model })}><span class="dot" style="background:${esc(seriesColor(i))}"></span>${esc(m.model)}</label>`)
      .join('') +
    '</fieldset>'
  );
}

// ---- the document ------------------------------------------------------------------------------------

const TOC_LABELS: Record<string, string> = {
  summary: 'Summary',
  align: 'Best-of-N',
  vilmo: 'VILMO',
  knowing: 'Knowing vs doing',
  transfer: 'Transfer',
  foundations: 'By foundation',
  values: 'Value profiles',
  probe: 'Probe trajectory',
  worst: 'Worst examples',
  notes: 'Notes',
};

/** Render a report as one complete, self-contained HTML document. */
export function renderReport(data: ReportData, options: RenderOptions = {}): string {
  resetChartIds();
  const foundations = foundationsOf(data);
  const perGroup = options.worstPerGroup ?? 3;
  const generated = (options.generatedAt ?? new Date()).toISOString();
  const kindLabel = data.run.kind === 'transfer' ? 'Probe transfer report' : data.run.kind === 'bench' ? 'Benchmark report' : data.run.kind === 'align' || data.run.kind === 'vilmo' ? 'Alignment report' : 'DeNEVIL probe report';
  const sections = data.transfer ? [transferSection(data), notesSection(data)] : data.vilmo ? [vilmoSection(data), notesSection(data)] : data.align ? [alignSection(data), notesSection(data)] : [
    summarySection(data),
    correctedSection(data),
    knowingSection(data),
    foundationSection(data, foundations),
    valuesSection(data),
    probeSection(data, foundations),
    worstSection(data, foundations, perGroup),
    notesSection(data),
  ].filter((s) => s !== '');
  const toc = sections
    .map((s) => /^<section id="([a-z]+)">/.exec(s)?.[1])
    .filter((id): id is string => id !== undefined && TOC_LABELS[id] !== undefined)
    .map((id) => `<li><a href="#${id}">${esc(TOC_LABELS[id])}</a></li>`)
    .join('');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(REPORT_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="generator" content="tenet${options.version ? ` ${esc(options.version)}` : ''}">
<title>${esc(data.title)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="wrap">
<h1>${esc(data.title)}</h1>
<p class="sub">${esc(kindLabel)} · generated ${esc(formatDate(generated))}</p>
${facts(data)}
${(data.caveats ?? []).map((c) => `<p class="caveat" role="note"><strong>Caveat:</strong> ${esc(c)}</p>`).join('\n')}
</div></header>
<nav class="toc" aria-label="Sections"><ul>${toc}</ul></nav>
<main class="wrap">
${modelFilter(data)}
${sections.join('\n')}
</main>
<footer class="wrap">Made by tenet${options.version ? ` ${esc(options.version)}` : ''} from run ${esc(data.run.id)}. Metrics after DeNEVIL (Duan et al.), τ = ${VIOLATION_THRESHOLD}. This file is self-contained and loads nothing from the network.</footer>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
