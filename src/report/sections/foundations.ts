/** The per-foundation section: each metric per foundation and model, as a table and a grouped bar chart. */
import { groupedBarChart, seriesColor } from '../charts.ts';
import type { ReportData } from '../data.ts';
import { attrs, esc, modelName } from '../html.ts';
import { METRICS, foundationShort, foundationLong, metricCell, legend } from './common.ts';

export function foundationSection(data: ReportData, foundations: string[]): string {
  const withFoundations = data.models.filter((m) => Object.keys(m.metrics.per_foundation).length > 0);
  if (withFoundations.length === 0 || foundations.length === 0) return '';
  const series = data.models.map((m, i) => ({ id: m.model, label: m.model, color: seriesColor(i) }));
  const groups = foundations.filter((f) => data.models.some((m) => m.metrics.per_foundation[f])).map((f) => ({ id: f, label: foundationShort(f) }));
  const byModel = new Map(data.models.map((m) => [m.model, m]));
  const charts = METRICS.map((metric, mi) => {
    const svg = groupedBarChart({
      ...(mi === 0 ? { width: 900, height: 260 } : { width: 500, height: 270 }),
      title: `${metric.name} per moral foundation and model`,
      description: `${metric.long} (${metric.explain}) for each of ${groups.length} foundations, one bar per model (${data.models.map((m) => m.model).join(', ')}), with 95% confidence intervals as whiskers. Lower is better.`,
      measure: metric.name,
      groups,
      series,
      value(g, s) {
        const set = byModel.get(s)?.metrics.per_foundation[g];
        return set ? { value: set[metric.key], ci: set.ci[metric.key], n: set.n } : undefined;
      },
    });
    return `<figure class="chart-figure${mi === 0 ? ' wide' : ''}"><figcaption><strong>${esc(metric.name)}</strong> — ${esc(metric.long)} by foundation (lower is better; whiskers: 95% CI)</figcaption>${svg}</figure>`;
  });
  let rows = '';
  for (const g of groups) {
    data.models.forEach((m) => {
      const set = m.metrics.per_foundation[g.id];
      if (!set) return;
      rows +=
        `<tr${attrs({ 'data-model': m.model })}><th scope="row">${esc(foundationLong(g.id))}</th><td class="model-cell">${modelName(m.model)}</td>` +
        METRICS.map((k) => metricCell(set, k.key, false)).join('') +
        `<td class="num">${esc(set.n)}</td><td class="num">${esc(set.k)}</td></tr>`;
    });
  }
  const table =
    '<details class="data-table"><summary>The numbers behind these charts</summary><div class="table-wrap"><table>' +
    '<caption>Per-foundation metrics with 95% confidence intervals over prompts; each cell names its method (wilson for EVR, bca-bootstrap for MVP and APV).</caption>' +
    '<thead><tr><th scope="col">Foundation</th><th scope="col">Model</th>' +
    METRICS.map((m) => `<th scope="col">${esc(m.name)}</th>`).join('') +
    '<th scope="col" class="num">N</th><th scope="col" class="num">K</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div></details>`;
  return (
    '<section id="foundations"><h2>By moral foundation</h2>' +
    legend(series.map((s) => ({ label: s.label, color: s.color, model: s.id }))) +
    `<div class="charts">${charts.join('')}</div>${table}</section>`
  );
}
