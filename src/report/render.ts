/**
 * `renderReport(data)`: one self-contained HTML document for a bench or probe run. Inline CSS, inline SVG
 * charts, a few lines of inline script for a model filter (the page is complete without it), and a
 * Content-Security-Policy that forbids every network load, so the file works offline from file://.
 *
 * Model text (prompts, completions, principles, model names, notes) is untrusted: it only ever reaches the
 * page through `esc`, as text content or a quoted attribute value — never inside <script> or <style>.
 */
import { createHash } from 'node:crypto';
import { redactDeep } from '../redact.ts';
import { MFT_CORE_IDS, MFT_FOUNDATIONS } from '../values/mft.ts';
import { SCHWARTZ_CIRCUMPLEX_ORDER, SCHWARTZ_VALUES, type SchwartzValueId } from '../values/schwartz.ts';
import {
  foundationColor,
  groupedBarChart,
  lineChart,
  niceExtent,
  radarChart,
  resetChartIds,
  seriesColor,
  type LineSeries,
} from './charts.ts';
import type { MetricSet, ModelReport, ReportData, ValueProfile, WorstExample } from './data.ts';
import { VIOLATION_THRESHOLD } from './data.ts';
import { attrs, esc, pct, pctRange, signed, slug, truncate } from './html.ts';
import { alignSection } from './align.ts';
import { vilmoSection } from './vilmo.ts';

export interface RenderOptions {
  /** Worst examples shown per foundation and model (default 3). */
  worstPerGroup?: number;
  /** When the report was generated (default now); fixed in tests for reproducible output. */
  generatedAt?: Date;
  /** The tenet version named in the footer. */
  version?: string;
}

type MetricKey = 'evr' | 'mvp' | 'apv';

const METRICS: { key: MetricKey; name: string; long: string; explain: string }[] = [
  {
    key: 'evr',
    name: 'EVR',
    long: 'Empirical violation ratio',
    explain: `share of prompts where at least one of the K completions was judged violating (score > ${VIOLATION_THRESHOLD})`,
  },
  {
    key: 'mvp',
    name: 'MVP',
    long: 'Maximum violation probability',
    explain: 'mean over prompts of the highest violation score among the K completions',
  },
  {
    key: 'apv',
    name: 'APV',
    long: 'Absolute proportion of violation',
    explain: `share of all N·K completions judged violating (score > ${VIOLATION_THRESHOLD})`,
  },
];

const FOUNDATION_INFO = new Map(MFT_FOUNDATIONS.map((f) => [f.id as string, f]));
const VALUE_NAMES = new Map(SCHWARTZ_VALUES.map((v) => [v.id as string, v.name]));

function foundationShort(id: string): string {
  return FOUNDATION_INFO.get(id)?.virtue.name ?? id;
}

function foundationLong(id: string): string {
  return FOUNDATION_INFO.get(id)?.name ?? id;
}

/** Foundations present in the data: the five core ones in their usual order, then any others. */
function foundationsOf(data: ReportData): string[] {
  const seen = new Set<string>();
  for (const m of data.models) for (const f of Object.keys(m.metrics.per_foundation)) seen.add(f);
  for (const w of data.worst) seen.add(w.foundation);
  for (const p of data.probe?.principles ?? []) seen.add(p.foundation);
  const core = (MFT_CORE_IDS as readonly string[]).filter((f) => seen.has(f));
  const rest = [...seen].filter((f) => !core.includes(f)).sort();
  return [...core, ...rest];
}

function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function configField(config: unknown, ...keys: string[]): unknown {
  if (typeof config !== 'object' || config === null) return undefined;
  const rec = config as Record<string, unknown>;
  for (const k of keys) if (rec[k] !== undefined) return rec[k];
  return undefined;
}

function describeJudge(config: unknown): string | undefined {
  const judge = configField(config, 'judge', 'judgeId');
  if (typeof judge === 'string') return judge;
  if (typeof judge === 'object' && judge !== null) {
    const id = (judge as Record<string, unknown>).id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

// ---- pieces ------------------------------------------------------------------------------------------

function metricCell(set: MetricSet | undefined, key: MetricKey, best: boolean): string {
  const value = set?.[key] ?? null;
  const ci = set ? pctRange(set.ci[key]) : '';
  const method = set?.ci_method?.[key];
  const width = finite(value) ? Math.max(0, Math.min(100, value * 100)) : 0;
  return (
    `<td class="metric${best ? ' best' : ''}">` +
    `<span class="v">${esc(pct(value))}</span>` +
    (ci ? ` <span class="ci" title="95% confidence interval${method ? ` (${esc(method)})` : ''}">[${esc(ci)}]</span>${method ? ` <span class="ci-method">${esc(method)}</span>` : ''}` : '') +
    `<span class="meter" aria-hidden="true"><span style="width:${width.toFixed(1)}%"></span></span>` +
    '</td>'
  );
}

function bestIndex(models: ModelReport[], pick: (m: ModelReport) => number | null | undefined): number {
  let best = -1;
  let bestValue = Number.POSITIVE_INFINITY;
  models.forEach((m, i) => {
    const v = pick(m);
    if (finite(v) && v < bestValue) {
      bestValue = v;
      best = i;
    }
  });
  return models.length > 1 ? best : -1;
}

function legend(items: { label: string; color: string; model?: string; dashed?: boolean }[]): string {
  return (
    '<ul class="legend">' +
    items
      .map(
        (it) =>
          `<li${attrs({ 'data-model': it.model })}><span class="swatch${it.dashed ? ' dashed' : ''}" style="background:${esc(it.color)}"></span>${esc(it.label)}</li>`,
      )
      .join('') +
    '</ul>'
  );
}

function summarySection(data: ReportData): string {
  if (data.models.length === 0) {
    return '<section id="summary"><h2>Summary</h2><p class="empty">This run has no judged samples yet.</p></section>';
  }
  const bests = Object.fromEntries(METRICS.map((m) => [m.key, bestIndex(data.models, (x) => x.metrics.overall[m.key])])) as Record<MetricKey, number>;
  let rows = '';
  data.models.forEach((m, i) => {
    const o = m.metrics.overall;
    rows +=
      `<tr${attrs({ 'data-model': m.model })}>` +
      `<th scope="row"><span class="dot" style="background:${esc(seriesColor(i))}"></span>${esc(m.model)}</th>` +
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
    'Brackets: 95% bootstrap confidence interval (resampling prompts). Where two intervals overlap, the difference may be noise.</caption>' +
    '<thead><tr><th scope="col">Model</th>' +
    METRICS.map((m) => `<th scope="col"><abbr title="${esc(`${m.long}: ${m.explain}`)}">${esc(m.name)}</abbr></th>`).join('') +
    '<th scope="col" class="num"><abbr title="prompts">N</abbr></th><th scope="col" class="num"><abbr title="completions per prompt">K</abbr></th><th scope="col" class="num">Completions</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div>` +
    '<dl class="glossary">' +
    METRICS.map((m) => `<div><dt>${esc(m.name)}</dt><dd>${esc(m.long)}: ${esc(m.explain)}.</dd></div>`).join('') +
    '</dl></section>'
  );
}

function foundationSection(data: ReportData, foundations: string[]): string {
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
        `<tr${attrs({ 'data-model': m.model })}><th scope="row">${esc(foundationLong(g.id))}</th><td>${esc(m.model)}</td>` +
        METRICS.map((k) => metricCell(set, k.key, false)).join('') +
        `<td class="num">${esc(set.n)}</td><td class="num">${esc(set.k)}</td></tr>`;
    });
  }
  const table =
    '<details class="data-table"><summary>The numbers behind these charts</summary><div class="table-wrap"><table>' +
    '<caption>Per-foundation metrics with 95% bootstrap confidence intervals.</caption>' +
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

/** One value of a profile as the radar and table read it. */
function valueAt(profile: ValueProfile | undefined, id: string): { mean: number | null; ci: readonly [number | null, number | null]; n?: number } | undefined {
  if (!profile) return undefined;
  const mean = profile.mean[id as SchwartzValueId];
  if (mean === undefined) return undefined;
  const ci = profile.ci[id as SchwartzValueId] ?? [null, null];
  return { mean, ci, ...(finite(profile.samples) ? { n: profile.samples } : {}) };
}

function valuesSection(data: ReportData): string {
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
    `<thead><tr><th scope="col">Value</th>${withValues.map(({ m }) => `<th scope="col"${attrs({ 'data-model': m.model })}>${esc(m.model)}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows}</tbody></table></div></details>`;
  return (
    '<section id="values"><h2>Value profiles</h2>' +
    `<p class="lede">What the completions support, by the judge's Schwartz value vectors, in circumplex order (neighbours are compatible values, opposite sides conflict). Centre ${esc(signed(-extent))}, rim ${esc(signed(extent))}; the dashed ring is 0. The shaded band is the 95% confidence interval.</p>` +
    `<div class="radars">${figures.join('')}</div>${table}</section>`
  );
}

function probeSection(data: ReportData, foundations: string[]): string {
  const principles = data.probe?.principles ?? [];
  if (principles.length === 0) return '';
  const many = principles.length > 12;
  const iters = principles.flatMap((p) => p.iterations.map((it) => it.iteration));
  const maxIter = iters.length ? Math.max(...iters) : 0;
  const minIter = iters.length ? Math.min(...iters) : 0;
  const series: LineSeries[] = principles.map((p) => ({
    id: p.id,
    label: `${p.id}: ${truncate(p.principle, 90)} (${foundationShort(p.foundation)}${p.model ? `, ${p.model}` : ''})`,
    color: foundationColor(p.foundation),
    width: many ? 1.2 : 1.8,
    opacity: many ? 0.35 : 0.7,
    points: p.iterations.map((it) => ({
      x: it.iteration,
      y: it.violationRate,
      ...(it.n !== undefined ? { n: it.n } : {}),
      ...(finite(it.violation) ? { note: `mean violation score ${it.violation.toFixed(2)}` } : {}),
    })),
    ...(p.model ? { data: { 'data-model': p.model } } : {}),
  }));
  const meanPoints: LineSeries['points'] = [];
  for (let it = minIter; it <= maxIter; it++) {
    const ys = principles.map((p) => p.iterations.find((x) => x.iteration === it)?.violationRate).filter(finite);
    meanPoints.push({ x: it, y: ys.length > 0 ? ys.reduce((a, b) => a + b, 0) / ys.length : null, n: ys.length, note: 'N counts principles' });
  }
  series.push({ id: 'mean', label: 'Mean over principles', color: '#111111', width: 3.5, points: meanPoints });
  const usedFoundations = foundations.filter((f) => principles.some((p) => p.foundation === f));
  const first = meanPoints.find((p) => finite(p.y));
  const last = [...meanPoints].reverse().find((p) => finite(p.y));
  const svg = lineChart({
    title: 'Violation rate per DeNEVIL iteration',
    description: `Share of completions judged violating at each iteration, one line per principle (${principles.length}, coloured by foundation) and the mean over principles in black${first && last ? `, from ${pct(first.y)} at iteration ${first.x} to ${pct(last.y)} at iteration ${last.x}` : ''}.`,
    xLabel: 'Iteration',
    yLabel: 'Violation rate',
    series,
  });
  const rows = principles
    .map((p) => {
      const its = [...p.iterations].sort((a, b) => a.iteration - b.iteration);
      const start = its.find((x) => finite(x.violationRate));
      const end = [...its].reverse().find((x) => finite(x.violationRate));
      const change = start && end && finite(start.violationRate) && finite(end.violationRate) ? end.violationRate - start.violationRate : null;
      const prompts = its
        .map((it) => {
          const facts = [
            `Iteration ${it.iteration}`,
            `violation rate ${pct(it.violationRate)}${it.n !== undefined ? ` of ${it.n}` : ''}`,
            ...(finite(it.violation) ? [`mean score ${it.violation.toFixed(2)}`] : []),
            ...(finite(it.selectionViolation) ? [`selection score ${it.selectionViolation.toFixed(2)} (optimistic)`] : []),
            ...(it.accepted === false && it.iteration > 0 ? ['no rewrite accepted: the previous prompt was kept'] : []),
          ];
          return `<li><span class="muted">${esc(facts.join(' · '))}</span><div class="text">${esc(it.prompt)}</div></li>`;
        })
        .join('');
      return (
        `<tr${attrs({ 'data-model': p.model })}><th scope="row"><code>${esc(p.id)}</code></th>` +
        `<td><span class="fdot" style="background:${esc(foundationColor(p.foundation))}"></span>${esc(foundationShort(p.foundation))}</td>` +
        `<td class="principle">${esc(p.principle)}<details class="prompts"><summary>Prompts (${esc(its.length)} iteration${its.length === 1 ? '' : 's'})</summary><ol>${prompts}</ol></details></td>` +
        `<td class="num">${esc(pct(start?.violationRate))}</td><td class="num">${esc(pct(end?.violationRate))}</td>` +
        `<td class="num${change !== null && change > 0 ? ' up' : ''}">${change === null ? '—' : esc(`${change >= 0 ? '+' : '−'}${(Math.abs(change) * 100).toFixed(1)} pt`)}</td>` +
        `<td>${esc(p.stopped ?? '')}</td></tr>`
      );
    })
    .join('');
  const target = data.probe?.target ? ` of <strong>${esc(data.probe.target)}</strong>` : '';
  const generator = data.probe?.generator ? `, prompts rewritten by ${esc(data.probe.generator)}` : '';
  return (
    '<section id="probe"><h2>DeNEVIL probe: violation rate per iteration</h2>' +
    `<p class="lede">The probe${target}${generator}. Each iteration rewrites a principle's story opening so that violating completions follow more naturally while the opening stays neutral. A rising line means the probe found prompts where the target's values give way. ${esc(principles.length)} principle${principles.length === 1 ? '' : 's'}, iterations ${esc(minIter)}–${esc(maxIter)}.</p>` +
    legend([
      ...usedFoundations.map((f) => ({ label: foundationShort(f), color: foundationColor(f) })),
      { label: 'Mean over principles', color: '#111111' },
    ]) +
    `<figure class="chart-figure">${svg}</figure>` +
    '<div class="table-wrap"><table class="principles"><caption>Per principle: the violation rate at the first and the last iteration, the change, and why the trajectory stopped. Open “Prompts” to read how the opening changed.</caption>' +
    '<thead><tr><th scope="col">Id</th><th scope="col">Foundation</th><th scope="col">Principle</th><th scope="col" class="num">First</th><th scope="col" class="num">Last</th><th scope="col" class="num">Change</th><th scope="col">Stopped</th></tr></thead>' +
    `<tbody>${rows}</tbody></table></div></section>`
  );
}

function exampleDetails(w: WorstExample, modelIndex: Map<string, number>): string {
  const color = seriesColor(modelIndex.get(w.model) ?? 0);
  const meta = [
    w.promptId !== undefined ? `prompt ${w.promptId}` : undefined,
    w.sampleIndex !== undefined ? `sample ${w.sampleIndex}` : undefined,
  ].filter((x): x is string => x !== undefined);
  return (
    `<details${attrs({ class: 'example', 'data-model': w.model })}>` +
    `<summary><span class="score" title="judged violation probability">${esc(w.score.toFixed(2))}</span>` +
    `<span class="model"><span class="dot" style="background:${esc(color)}"></span>${esc(w.model)}</span>` +
    `<span class="excerpt">${esc(truncate(w.prompt, 140))}</span></summary>` +
    '<div class="example-body">' +
    (w.principle ? `<p class="principle"><strong>Principle:</strong> ${esc(w.principle)}</p>` : '') +
    `<div class="pair"><div><h4>Prompt</h4><div class="text">${esc(w.prompt)}</div></div>` +
    `<div><h4>Completion</h4><div class="text completion">${esc(w.completion)}</div></div></div>` +
    (w.rationale ? `<p class="rationale"><strong>Judge:</strong> ${esc(w.rationale)}</p>` : '') +
    `<p class="muted">Violation score ${esc(w.score.toFixed(3))}${meta.length ? ` · ${esc(meta.join(' · '))}` : ''}</p>` +
    '</div></details>'
  );
}

function worstSection(data: ReportData, foundations: string[], perGroup: number): string {
  if (data.worst.length === 0) {
    return '<section id="worst"><h2>Worst examples</h2><p class="empty">No completion was judged violating.</p></section>';
  }
  const modelIndex = new Map(data.models.map((m, i) => [m.model, i]));
  const blocks = foundations
    .map((f) => {
      const count = new Map<string, number>();
      const items = data.worst
        .filter((w) => w.foundation === f)
        .sort((a, b) => b.score - a.score || a.model.localeCompare(b.model))
        .filter((w) => {
          const c = (count.get(w.model) ?? 0) + 1;
          count.set(w.model, c);
          return c <= perGroup;
        });
      if (items.length === 0) return '';
      return (
        `<div class="worst-group" id="worst-${esc(slug(f))}"><h3><span class="fdot" style="background:${esc(foundationColor(f))}"></span>${esc(foundationLong(f))}</h3>` +
        items.map((w) => exampleDetails(w, modelIndex)).join('') +
        '</div>'
      );
    })
    .join('');
  return (
    '<section id="worst"><h2>Worst examples</h2>' +
    `<p class="lede">The completions judged most clearly in violation, per foundation (up to ${esc(perGroup)} per model). Open one to read the prompt and the completion. This is model output, shown as plain text.</p>` +
    `${blocks}</section>`
  );
}

function notesSection(data: ReportData): string {
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

function facts(data: ReportData): string {
  const items: [string, string][] = [];
  items.push(['Run', data.run.id]);
  items.push(['Kind', data.run.kind === 'bench' ? 'Benchmark' : data.run.kind === 'align' ? 'Alignment (best-of-N)' : data.run.kind === 'vilmo' ? 'Alignment (VILMO and baselines)' : 'DeNEVIL probe']);
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

const CSS = `
:root{--fg:#1b1f24;--muted:#5b6570;--line:#d8dde3;--bg:#f6f7f9;--card:#fff;--accent:#0b5cad;--bad:#b3261e}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,"Noto Sans",sans-serif}
header.top{background:#14213d;color:#fff;padding:28px 0 18px}
.wrap{max-width:1120px;margin:0 auto;padding:0 24px}
header.top p.caveat{margin:10px 0 0;padding:8px 12px;border-left:4px solid #b45309;background:#fff7ed;color:#7c2d12}
header.top h1{margin:0 0 4px;font-size:26px;font-weight:650;letter-spacing:-.01em}
header.top .sub{color:#c9d3e3;margin:0 0 14px}
.facts{display:flex;flex-wrap:wrap;gap:8px 28px;margin:0}
.facts div{min-width:0}
.facts dt{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:#9fb0c8}
.facts dd{margin:0;font-weight:600;overflow-wrap:anywhere}
nav.toc{background:#fff;border-bottom:1px solid var(--line);position:sticky;top:0;z-index:2}
nav.toc ul{list-style:none;margin:0 auto;padding:8px 24px;display:flex;flex-wrap:wrap;gap:4px 18px;max-width:1120px}
nav.toc a{color:var(--accent);text-decoration:none;font-weight:550;font-size:14px}
nav.toc a:hover,nav.toc a:focus{text-decoration:underline}
main{padding:8px 0 32px}
section{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:18px 22px 20px;margin:18px 0}
h2{font-size:19px;margin:0 0 10px;letter-spacing:-.005em}
h3{font-size:16px;margin:18px 0 8px}
h4{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:0 0 4px}
.lede{color:var(--muted);margin:0 0 12px;max-width:80ch}
.muted{color:var(--muted);font-size:13px}
.empty{color:var(--muted);font-style:italic}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:14px}
caption{caption-side:top;text-align:left;color:var(--muted);font-size:13px;padding:0 0 8px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{font-size:12px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted);border-bottom:2px solid var(--line);white-space:nowrap}
tbody th{font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
abbr[title]{text-decoration:none;border-bottom:1px dotted var(--muted);cursor:help}
td.metric{white-space:nowrap;font-variant-numeric:tabular-nums;min-width:150px}
td.metric .v{font-weight:600}
td.metric.best .v{color:#0a6b3d}
td.metric.best .v::after{content:" ▼";font-size:10px}
.ci{color:var(--muted);font-size:12.5px;font-variant-numeric:tabular-nums}
.meter{display:block;height:4px;background:#e9edf1;border-radius:2px;margin-top:4px;max-width:160px}
.meter span{display:block;height:100%;background:#8aa2bd;border-radius:2px}
.best .meter span{background:#3c9a6b}
.dot,.fdot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:7px;vertical-align:baseline;flex:none}
.fdot{border-radius:2px}
.glossary{display:grid;grid-template-columns:repeat(auto-fit,minmax(240px,1fr));gap:6px 20px;margin:14px 0 0;font-size:13px;color:var(--muted)}
.glossary dt{display:inline;font-weight:700;color:var(--fg)}
.glossary dt::after{content:" "}
.glossary dd{display:inline;margin:0}
.legend{list-style:none;display:flex;flex-wrap:wrap;gap:4px 18px;padding:0;margin:4px 0 8px;font-size:13.5px}
.legend li{display:flex;align-items:center}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:6px}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:6px 28px}
.charts .wide{grid-column:1/-1}
figure{margin:0}
.chart-figure figcaption{font-size:14px;color:var(--muted);margin:10px 0 2px}
.chart-figure figcaption strong{color:var(--fg)}
svg.chart{display:block;height:auto;overflow:visible;font-family:inherit}
svg .grid{stroke:#e6e9ee;stroke-width:1}
svg .grid.base{stroke:#9aa4ae}
svg .tick{font-size:11.5px;fill:#66707a;font-variant-numeric:tabular-nums}
svg .axis-label{font-size:12px;fill:#4a545e;font-weight:600}
svg .group-label{font-size:13px;fill:#1b1f24;font-weight:600}
svg .na{font-size:10px;fill:#8a939c}
svg .whisker line{stroke:#1b1f24;stroke-width:1.4}
svg .bar:hover rect{filter:brightness(.9)}
svg .xtick{stroke:#9aa4ae}
svg .ring{fill:none;stroke:#e1e5ea}
svg .ring.zero{stroke:#8d98a3;stroke-dasharray:4 3}
svg .spoke{stroke:#e1e5ea}
svg .radar-label{font-size:12px;fill:#2b333b;font-weight:550}
svg .radar-tick{font-size:9.5px}
svg .band{fill-opacity:.16;stroke:none}
svg .profile{fill-opacity:.12;stroke-width:2.2;stroke-linejoin:round}
svg .profile.overlay{fill-opacity:.06}
.radars{display:grid;grid-template-columns:repeat(auto-fill,minmax(400px,1fr));gap:14px 18px}
.radar-figure{border:1px solid var(--line);border-radius:8px;padding:10px 6px 6px}
.radar-figure.overlay{background:#fafbfc}
.radar-figure figcaption{font-weight:600;font-size:14px;padding:0 8px;display:flex;align-items:baseline;gap:0 8px;flex-wrap:wrap}
.radar-figure figcaption .name{overflow-wrap:anywhere}
.radar-figure figcaption .dot{align-self:center;margin-right:0}
.radar-figure figcaption .muted{font-weight:400}
.radar-figure svg{max-width:440px;margin:4px auto 0}
details.data-table{margin-top:10px}
details>summary{cursor:pointer;color:var(--accent);font-weight:550}
details.data-table>summary,details.config>summary{font-size:14px}
.worst-group h3{display:flex;align-items:center}
details.example{border:1px solid var(--line);border-radius:8px;margin:6px 0;background:#fcfcfd}
details.example>summary{display:flex;gap:12px;align-items:baseline;padding:8px 12px;color:var(--fg);font-weight:400;list-style-position:outside}
details.example>summary::-webkit-details-marker{color:var(--muted)}
details.example[open]>summary{border-bottom:1px solid var(--line)}
.score{flex:none;font-weight:700;font-variant-numeric:tabular-nums;color:#fff;background:var(--bad);border-radius:4px;padding:0 6px;font-size:13px}
.example .model{flex:none;font-weight:600;font-size:13.5px;display:inline-flex;align-items:center;max-width:30%;overflow-wrap:anywhere}
.excerpt{color:var(--muted);font-size:13.5px;min-width:0}
.example-body{padding:10px 14px 6px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:14px}
.text{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f7;border-radius:6px;padding:8px 10px;font-size:14px;max-height:26em;overflow-y:auto}
.text.completion{background:#fdf1f0;border-left:3px solid var(--bad)}
.principle{margin:0 0 8px}
.rationale{margin:8px 0 0;font-size:14px}
table.principles td.principle{max-width:460px}
details.prompts{margin-top:4px;font-size:13.5px}
details.prompts ol{padding-left:18px;margin:6px 0}
details.prompts li{margin:0 0 8px}
td.up{color:var(--bad);font-weight:600}
ul.notes{margin:0 0 10px;padding-left:20px}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#f3f5f7;border-radius:6px;padding:10px;font-size:12.5px;max-height:30em;overflow:auto}
code{font-size:12.5px}
.filter{border:1px solid var(--line);border-radius:8px;padding:6px 12px 8px;margin:16px 0 0;background:#fff;display:flex;flex-wrap:wrap;gap:4px 18px;font-size:14px}
.filter legend{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);padding:0 4px}
.filter label{display:inline-flex;align-items:center;gap:4px;cursor:pointer}
.filter[hidden]{display:none}
.filtered{display:none!important}
footer{color:var(--muted);font-size:12.5px;padding:0 0 28px}
a:focus-visible,summary:focus-visible,input:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
@media (max-width:860px){.charts{grid-template-columns:1fr}}
@media (max-width:720px){.pair{grid-template-columns:1fr}.wrap{padding:0 12px}section{padding:14px 12px}}
@media print{
  body{background:#fff;font-size:11pt}
  nav.toc,.filter{display:none!important}
  header.top{background:#fff;color:#000;padding:0 0 8px;border-bottom:2px solid #000}
  header.top .sub,.facts dt{color:#444}
  section{border:none;padding:0;margin:14px 0;break-inside:auto}
  figure,.radar-figure,tr,details.example{break-inside:avoid}
  h2,h3{break-after:avoid}
  .text{max-height:none;overflow:visible}
  .filtered{display:revert!important}
  a{color:inherit;text-decoration:none}
}
`;

/**
 * The script: a model filter (hides elements whose data-model is unticked) and opening every <details>
 * for printing. It reads model names from the DOM (already escaped there); it never writes HTML.
 */
const SCRIPT = `
(function () {
  'use strict';
  var filter = document.getElementById('model-filter');
  if (filter) {
    filter.hidden = false;
    var boxes = Array.prototype.slice.call(filter.querySelectorAll('input[type=checkbox]'));
    var apply = function () {
      var hidden = {};
      boxes.forEach(function (b) { if (!b.checked) hidden[b.value] = true; });
      Array.prototype.forEach.call(document.querySelectorAll('[data-model]'), function (el) {
        if (filter.contains(el)) return;
        var on = !Object.prototype.hasOwnProperty.call(hidden, el.getAttribute('data-model'));
        if (el.classList) el.classList.toggle('filtered', !on);
      });
    };
    boxes.forEach(function (b) { b.addEventListener('change', apply); });
  }
  var opened = [];
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details:not([open])'), function (d) { d.open = true; opened.push(d); });
  });
  window.addEventListener('afterprint', function () {
    opened.forEach(function (d) { d.open = false; });
    opened = [];
  });
})();
`;

/**
 * The Content-Security-Policy: nothing may be fetched, and the only script that may run is ours (pinned by
 * its hash), so even markup that slipped past escaping could neither load anything nor run.
 */
export const REPORT_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'; img-src data:; base-uri 'none'; form-action 'none'`;

const TOC_LABELS: Record<string, string> = {
  summary: 'Summary',
  align: 'Best-of-N',
  vilmo: 'VILMO',
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
  const kindLabel = data.run.kind === 'bench' ? 'Benchmark report' : data.run.kind === 'align' || data.run.kind === 'vilmo' ? 'Alignment report' : 'DeNEVIL probe report';
  const sections = data.vilmo ? [vilmoSection(data), notesSection(data)] : data.align ? [alignSection(data), notesSection(data)] : [
    summarySection(data),
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
