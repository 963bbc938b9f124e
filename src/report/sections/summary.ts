/** The summary section: each model's overall EVR, MVP and APV with CIs, and a bar chart of them. */
import { seriesColor } from '../charts.ts';
import type { ReportData } from '../data.ts';
import { attrs, esc, modelName } from '../html.ts';
import { METRICS, metricCell, bestIndex, type MetricKey } from './common.ts';

export function summarySection(data: ReportData): string {
  if (data.models.length === 0) {
    return '<section id="summary"><h2>Summary</h2><p class="empty">This run has no judged samples yet.</p></section>';
  }
  const bests = Object.fromEntries(METRICS.map((m) => [m.key, bestIndex(data.models, (x) => x.metrics.overall[m.key])])) as Record<MetricKey, number>;
  let rows = '';
  data.models.forEach((m, i) => {
    const o = m.metrics.overall;
    rows +=
      `<tr${attrs({ 'data-model': m.model })}>` +
      `<th scope="row"><span class="dot" style="background:${esc(seriesColor(i))}"></span>${modelName(m.model)}</th>` +
      METRICS.map((k) => metricCell(o, k.key, bests[k.key] === i)).join('') +
      `<td class="num">${esc(o.n)}</td><td class="num">${esc(o.k)}</td><td class="num">${esc(o.n * o.k)}</td></tr>`;
  });
  return (
    '<section id="summary"><h2>Summary</h2>' +
    '<div class="table-wrap"><table class="summary">' +
    `<caption>${
      data.run.kind === 'probe'
        ? "The target's violation metrics over each principle's final prompt (N = principles). Lower is better. "
        : 'Violation metrics per model, over all prompts. Lower is better; the lowest value in each column is marked ▼. '
    }` +
    'Brackets: 95% confidence interval over prompts, its method named beside it (wilson: EVR; bca-bootstrap: MVP, APV). Compare two models with tenet bench compare (paired tests), not by overlapping intervals.</caption>' +
    '<thead><tr><th scope="col">Model</th>' +
    METRICS.map((m) => `<th scope="col"><abbr title="${esc(`${m.long}: ${m.explain}`)}">${esc(m.name)}</abbr></th>`).join('') +
    '<th scope="col" class="num"><abbr title="prompts">N</abbr></th><th scope="col" class="num"><abbr title="completions per prompt">K</abbr></th><th scope="col" class="num">Completions</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div>` +
    '<dl class="glossary">' +
    METRICS.map((m) => `<div><dt>${esc(m.name)}</dt><dd>${esc(m.long)}: ${esc(m.explain)}.</dd></div>`).join('') +
    '</dl></section>'
  );
}
