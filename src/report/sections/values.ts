/** The value-profiles section: each model's Schwartz profile as radars (one per model and an overlay) and a table. */
import { SCHWARTZ_CIRCUMPLEX_ORDER, type SchwartzValueId } from '../../values/schwartz.ts';
import { niceExtent, radarChart, seriesColor } from '../charts.ts';
import type { ReportData, ValueProfile } from '../data.ts';
import { attrs, esc, modelName, signed } from '../html.ts';
import { VALUE_NAMES, finite } from './common.ts';

/** One value of a profile as the radar and table read it. */
function valueAt(profile: ValueProfile | undefined, id: string): { mean: number | null; ci: readonly [number | null, number | null]; n?: number } | undefined {
  if (!profile) return undefined;
  const mean = profile.mean[id as SchwartzValueId];
  if (mean === undefined) return undefined;
  const ci = profile.ci[id as SchwartzValueId] ?? [null, null];
  return { mean, ci, ...(finite(profile.samples) ? { n: profile.samples } : {}) };
}

export function valuesSection(data: ReportData): string {
  const withValues = data.models
    .map((m, i) => ({ m, i }))
    .filter(({ m }) => m.values && SCHWARTZ_CIRCUMPLEX_ORDER.some((id) => finite(m.values?.mean[id])));
  if (withValues.length === 0) return '';
  const axes = SCHWARTZ_CIRCUMPLEX_ORDER.map((id) => ({ id, label: VALUE_NAMES.get(id) ?? id }));
  const all: (number | null | undefined)[] = [];
  for (const { m } of withValues) {
    for (const id of SCHWARTZ_CIRCUMPLEX_ORDER) {
      const v = valueAt(m.values, id);
      if (v) all.push(v.mean, v.ci[0], v.ci[1]);
    }
  }
  const extent = niceExtent(all);
  const describe = (profile: ValueProfile | undefined): string =>
    SCHWARTZ_CIRCUMPLEX_ORDER.map((id) => `${VALUE_NAMES.get(id) ?? id} ${signed(valueAt(profile, id)?.mean)}`).join(', ');
  const scale = `from ${signed(-extent)} at the centre to ${signed(extent)} at the rim; the dashed ring is 0 (unrelated)`;
  const figures = withValues.map(({ m, i }) => {
    const n = m.values && finite(m.values.samples) ? m.values.samples : undefined;
    const svg = radarChart({
      title: `Schwartz value profile of ${m.model}`,
      description: `Mean judged support for each of the 10 Schwartz values in circumplex order, ${scale}: ${describe(m.values)}.`,
      axes,
      series: [{ id: m.model, color: seriesColor(i), value: (id) => valueAt(m.values, id) }],
      extent,
    });
    return (
      `<figure${attrs({ class: 'radar-figure', 'data-model': m.model })}><figcaption><span class="dot" style="background:${esc(seriesColor(i))}"></span>` +
      `<span class="name">${esc(m.model)}</span>${n !== undefined ? `<span class="muted">N = ${esc(n)}</span>` : ''}</figcaption>${svg}</figure>`
    );
  });
  if (withValues.length > 1) {
    const svg = radarChart({
      title: 'Schwartz value profiles of all models, overlaid',
      description: `Mean judged support per Schwartz value for ${withValues.length} models, ${scale}. ${withValues.map(({ m }) => `${m.model}: ${describe(m.values)}`).join('. ')}.`,
      axes,
      series: withValues.map(({ m, i }) => ({ id: m.model, label: m.model, color: seriesColor(i), band: false, value: (id: string) => valueAt(m.values, id) })),
      extent,
    });
    figures.unshift(`<figure class="radar-figure overlay"><figcaption><span class="name">All models</span><span class="muted">means only</span></figcaption>${svg}</figure>`);
  }
  let rows = '';
  for (const axis of axes) {
    rows +=
      `<tr><th scope="row">${esc(axis.label)}</th>` +
      withValues
        .map(({ m }) => {
          const v = valueAt(m.values, axis.id);
          const ci = v && finite(v.ci[0]) && finite(v.ci[1]) ? ` <span class="ci">[${esc(signed(v.ci[0]))}, ${esc(signed(v.ci[1]))}]</span>` : '';
          return `<td${attrs({ 'data-model': m.model })}>${esc(signed(v?.mean))}${ci}</td>`;
        })
        .join('') +
      '</tr>';
  }
  const table =
    '<details class="data-table"><summary>The numbers behind these charts</summary><div class="table-wrap"><table>' +
    '<caption>Mean judged support per Schwartz value (−1 opposed, 0 unrelated, +1 supported) with 95% confidence intervals.</caption>' +
    `<thead><tr><th scope="col">Value</th>${withValues.map(({ m }) => `<th scope="col"${attrs({ 'data-model': m.model, class: 'model-cell' })}>${modelName(m.model)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows}</tbody></table></div></details>`;
  return (
    '<section id="values"><h2>Value profiles</h2>' +
    `<p class="lede">What the completions support, by the judge's Schwartz value vectors, in circumplex order (neighbours are compatible values, opposite sides conflict). Centre ${esc(signed(-extent))}, rim ${esc(signed(extent))}; the dashed ring is 0. The shaded band is the 95% confidence interval.</p>` +
    `<div class="radars">${figures.join('')}</div>${table}</section>`
  );
}
