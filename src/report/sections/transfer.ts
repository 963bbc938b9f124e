/** Transfer runs (`tenet probe transfer`): refined vs seed EVR per source × target model, and the paired difference. */
import type { TransferResults } from '../../probe/transfer.ts';
import { groupedBarChart, seriesColor } from '../charts.ts';
import type { ReportData } from '../data.ts';
import { esc, modelName } from '../html.ts';

const f3 = (x: number | null): string => (x === null ? '–' : x.toFixed(3));
const cell = (v: { value: number | null; ci: [number, number] | null }): string =>
  v.value === null || !v.ci ? '<td class="none">–</td>' : `<td class="num">${f3(v.value)} <span class="ci">[${f3(v.ci[0])}, ${f3(v.ci[1])}]</span></td>`;

export function transferSection(data: ReportData): string {
  const t: TransferResults | undefined = data.transfer;
  if (!t) return '';
  const parts = t.sources.map((s) => {
    const svg = groupedBarChart({
      width: 900, height: 240,
      title: `EVR of the prompts refined on ${s.source.model}, per target model`,
      description: `For each target model, the EVR on the probe's refined prompts and on its unrefined seed openings, with 95% Wilson intervals.`,
      measure: 'EVR',
      groups: s.rows.map((r) => ({ id: r.model, label: r.model })),
      series: [{ id: 'refined', label: 'refined prompts', color: seriesColor(0) }, { id: 'seed', label: 'seed openings', color: seriesColor(1) }],
      value: (g, series) => {
        const row = s.rows.find((r) => r.model === g);
        const v = row ? (series === 'refined' ? row.refined.evr : row.seed.evr) : undefined;
        return v && v.value !== null && v.ci ? { value: v.value, ci: v.ci, n: row!.n } : undefined;
      },
    });
    const rows = s.rows.map((r) => `<tr><th scope="row">${modelName(r.model)}</th>${cell(r.refined.evr)}${cell(r.seed.evr)}${cell(r.difference)}<td class="num">${f3(r.difference.p)}</td><td class="num">${r.n}</td></tr>`).join('');
    return `<h3>Source: ${modelName(s.source.model)} <span class="muted">(probe run ${esc(s.source.run)})</span></h3><figure class="chart-figure wide">${svg}</figure>` +
      '<div class="table-wrap"><table class="transfer"><thead><tr><th scope="col">Target model</th><th scope="col">EVR refined</th><th scope="col">EVR seed</th><th scope="col">Refined − seed</th><th scope="col">p (sign-flip)</th><th scope="col">N</th></tr></thead>' +
      `<tbody>${rows}</tbody></table></div>`;
  });
  return `<section id="transfer"><h2>Transfer</h2><p>Do prompts refined against one model make other models violate? EVR = share of trajectories with at least one of K continuations judged violating (Wilson 95% CI over trajectories); the difference is paired over trajectories (Newcombe's interval, exact sign-flip p).</p>${parts.join('')}</section>`;
}
