/**
 * Inline SVG charts for the report: grouped bars with CI whiskers, radar charts on the Schwartz
 * circumplex, and a line chart of violation rate per iteration. No library and no script: every chart is
 * a string of SVG with a <title> and <desc> (read by screen readers) and a <title> on every mark (shown as
 * a tooltip). All text passes through `esc`.
 */
import { attrs, esc, num, pct, pctRange, signed } from './html.ts';

/** Okabe–Ito colours (distinguishable with colour-vision deficiencies), yellow left out (poor on white). */
export const SERIES_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#D55E00', '#56B4E9', '#7F6A00', '#4D4D4D'];

export function seriesColor(index: number): string {
  return SERIES_COLORS[index % SERIES_COLORS.length]!;
}

/** A colour per moral foundation, for lines grouped by foundation. */
export const FOUNDATION_COLORS: Record<string, string> = {
  care: '#C62828',
  fairness: '#0072B2',
  loyalty: '#009E73',
  authority: '#CC79A7',
  sanctity: '#E69F00',
  liberty: '#56B4E9',
};

export function foundationColor(id: string): string {
  return FOUNDATION_COLORS[id] ?? '#777777';
}

/** A "nice" top for a 0-based rate axis and its tick step, covering `max` (capped at 1). */
export function niceRateAxis(max: number): { top: number; step: number } {
  const options: [number, number][] = [
    [0.05, 0.01],
    [0.1, 0.02],
    [0.2, 0.05],
    [0.25, 0.05],
    [0.4, 0.1],
    [0.5, 0.1],
    [0.6, 0.1],
    [0.8, 0.2],
    [1, 0.2],
  ];
  const m = Number.isFinite(max) ? max : 1;
  for (const [top, step] of options) if (m <= top + 1e-9) return { top, step };
  return { top: 1, step: 0.2 };
}

function ticks(top: number, step: number): number[] {
  const out: number[] = [];
  for (let i = 0; i * step <= top + 1e-9; i++) out.push(Math.round(i * step * 1000) / 1000);
  return out;
}

function finite(value: number | null | undefined): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}

let chartCounter = 0;

/** A unique id prefix for one chart's <title>/<desc> (unique within a document). */
function chartId(prefix: string): string {
  chartCounter = (chartCounter + 1) % 1_000_000;
  return `${prefix}-${chartCounter}`;
}

/** Restart chart ids (renderReport calls this so the same data renders to the same HTML). */
export function resetChartIds(): void {
  chartCounter = 0;
}

function svgOpen(id: string, width: number, height: number, title: string, desc: string, className: string): string {
  return (
    `<svg${attrs({
      class: `chart ${className}`,
      viewBox: `0 0 ${width} ${height}`,
      width: '100%',
      role: 'img',
      'aria-labelledby': `${id}-t ${id}-d`,
      preserveAspectRatio: 'xMidYMid meet',
    })}>` + `<title id="${id}-t">${esc(title)}</title><desc id="${id}-d">${esc(desc)}</desc>`
  );
}

// ---- grouped bars ------------------------------------------------------------------------------------

export interface BarValue {
  value: number | null;
  ci: readonly [number | null, number | null];
  n: number;
}

export interface GroupedBarChart {
  title: string;
  /** A sentence for screen readers saying what the chart shows. */
  description: string;
  /** Name of the measure in tooltips, e.g. "EVR". */
  measure: string;
  /** x-axis groups, e.g. foundations. */
  groups: { id: string; label: string }[];
  /** One bar per series in every group, e.g. models. */
  series: { id: string; label: string; color: string }[];
  value(groupId: string, seriesId: string): BarValue | undefined;
  width?: number;
  height?: number;
}

/** Bars for rates in [0, 1], grouped on the x axis, one colour per series, each with its 95% CI whisker. */
export function groupedBarChart(chart: GroupedBarChart): string {
  const width = chart.width ?? 860;
  const height = chart.height ?? 300;
  const m = { left: 56, right: 12, top: 14, bottom: 44 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  let max = 0;
  for (const g of chart.groups) {
    for (const s of chart.series) {
      const v = chart.value(g.id, s.id);
      if (!v) continue;
      for (const x of [v.value, v.ci[1]]) if (finite(x)) max = Math.max(max, x);
    }
  }
  const { top, step } = niceRateAxis(max);
  const y = (v: number): number => m.top + plotH * (1 - clamp01(v) / top);
  const id = chartId('bars');
  let out = svgOpen(id, width, height, chart.title, chart.description, 'bars');

  // grid and y axis
  out += '<g class="axis" aria-hidden="true">';
  for (const t of ticks(top, step)) {
    const ty = y(t);
    out += `<line class="grid${t === 0 ? ' base' : ''}" x1="${m.left}" x2="${width - m.right}" y1="${num(ty)}" y2="${num(ty)}"/>`;
    out += `<text class="tick" x="${m.left - 8}" y="${num(ty + 4)}" text-anchor="end">${esc(pct(t, 0))}</text>`;
  }
  out += `<text class="axis-label" transform="translate(14 ${num(m.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${esc(chart.measure)}</text>`;
  out += '</g>';

  const groupW = plotW / Math.max(1, chart.groups.length);
  const nSeries = Math.max(1, chart.series.length);
  const barW = Math.min(34, (groupW * 0.78) / nSeries);
  const cap = Math.min(8, barW * 0.5);

  chart.groups.forEach((g, gi) => {
    const gx = m.left + gi * groupW;
    const start = gx + (groupW - barW * nSeries) / 2;
    out += `<text class="group-label" x="${num(gx + groupW / 2)}" y="${num(height - m.bottom + 20)}" text-anchor="middle">${esc(g.label)}</text>`;
    chart.series.forEach((s, si) => {
      const v = chart.value(g.id, s.id);
      const x = start + si * barW;
      const cx = x + barW / 2;
      const n = v?.n ?? 0;
      const ciText = v ? pctRange(v.ci) : '';
      const tip = `${s.label} — ${g.label}: ${chart.measure} ${pct(v?.value)}${ciText ? ` (95% CI ${ciText})` : ''}, N = ${n}`;
      out += `<g${attrs({ class: 'bar', 'data-model': s.id })}><title>${esc(tip)}</title>`;
      if (!v || !finite(v.value)) {
        out += `<text class="na" x="${num(cx)}" y="${num(y(0) - 4)}" text-anchor="middle">n/a</text></g>`;
        return;
      }
      const by = y(v.value);
      const bh = Math.max(0, y(0) - by);
      out += `<rect x="${num(x + 1)}" y="${num(by)}" width="${num(Math.max(1, barW - 2))}" height="${num(Math.max(bh, 0.75))}" fill="${esc(s.color)}" rx="1.5"/>`;
      const [lo, hi] = v.ci;
      if (finite(lo) && finite(hi)) {
        const y1 = y(lo);
        const y2 = y(hi);
        out += `<g class="whisker"><line x1="${num(cx)}" x2="${num(cx)}" y1="${num(y1)}" y2="${num(y2)}"/>`;
        out += `<line x1="${num(cx - cap / 2)}" x2="${num(cx + cap / 2)}" y1="${num(y1)}" y2="${num(y1)}"/>`;
        out += `<line x1="${num(cx - cap / 2)}" x2="${num(cx + cap / 2)}" y1="${num(y2)}" y2="${num(y2)}"/></g>`;
      }
      out += '</g>';
    });
  });
  return `${out}</svg>`;
}

// ---- radar -------------------------------------------------------------------------------------------

export interface RadarSeries {
  id: string;
  color: string;
  value(axisId: string): { mean: number | null; ci: readonly [number | null, number | null]; n?: number } | undefined;
  /** Shade the 95% CI band (default true). */
  band?: boolean;
  /** Named in tooltips when several series share a chart. */
  label?: string;
}

export interface RadarChart {
  title: string;
  description: string;
  /** Axes clockwise from the top. */
  axes: { id: string; label: string }[];
  series: RadarSeries[];
  /** The scale runs from −extent (centre) to +extent (rim); 0 is drawn as a dashed ring. */
  extent: number;
  size?: number;
}

/** A symmetric extent for value scores in [−1, 1] that covers every mean and CI bound given. */
export function niceExtent(values: Iterable<number | null | undefined>): number {
  let max = 0;
  for (const v of values) if (finite(v)) max = Math.max(max, Math.abs(v));
  for (const e of [0.25, 0.5, 0.75, 1]) if (max <= e + 1e-9) return e;
  return 1;
}

/** Value profiles on the Schwartz circumplex: each mean as a polygon, its 95% CI as a shaded band. */
export function radarChart(chart: RadarChart): string {
  const size = chart.size ?? 360;
  const padX = 56;
  const width = size + 2 * padX;
  const height = size;
  const cx = width / 2;
  const cy = height / 2;
  const radius = size / 2 - 34;
  const n = Math.max(3, chart.axes.length);
  const e = chart.extent > 0 ? chart.extent : 1;
  const r = (v: number): number => (radius * (Math.max(-e, Math.min(e, v)) + e)) / (2 * e);
  const angle = (i: number): number => -Math.PI / 2 + (2 * Math.PI * i) / n;
  const at = (i: number, rr: number): [number, number] => [cx + rr * Math.cos(angle(i)), cy + rr * Math.sin(angle(i))];
  const id = chartId('radar');
  let out = svgOpen(id, width, height, chart.title, chart.description, 'radar');

  out += '<g class="axis" aria-hidden="true">';
  for (const level of [-e, -e / 2, 0, e / 2, e]) {
    const pts = chart.axes.map((_, i) => at(i, r(level)).map(num).join(',')).join(' ');
    out += `<polygon class="ring${level === 0 ? ' zero' : ''}" points="${pts}"/>`;
  }
  chart.axes.forEach((axis, i) => {
    const [x2, y2] = at(i, radius);
    out += `<line class="spoke" x1="${num(cx)}" y1="${num(cy)}" x2="${num(x2)}" y2="${num(y2)}"/>`;
    const [lx, ly] = at(i, radius + 10);
    const cos = Math.cos(angle(i));
    const anchor = Math.abs(cos) < 0.2 ? 'middle' : cos > 0 ? 'start' : 'end';
    const sin = Math.sin(angle(i));
    const dy = sin > 0.5 ? 11 : sin < -0.5 ? -3 : 4;
    out += `<text class="radar-label" x="${num(lx)}" y="${num(ly + dy)}" text-anchor="${anchor}">${esc(axis.label)}</text>`;
  });
  // scale labels just right of the first (top) spoke
  for (const level of [-e, 0, e]) {
    const [x, yy] = at(0, r(level));
    out += `<text class="tick radar-tick" x="${num(x + 4)}" y="${num(yy + (level === -e ? 12 : level === e ? 11 : -3))}">${esc(signed(level, 2))}</text>`;
  }
  out += '</g>';

  for (const s of chart.series) {
    const vals = chart.axes.map((a) => s.value(a.id));
    const complete = vals.every((v) => v && finite(v.mean));
    const band = (s.band ?? true) && vals.every((v) => v && finite(v.ci[0]) && finite(v.ci[1]));
    out += `<g${attrs({ class: 'series', 'data-model': s.id })}>`;
    if (band) {
      const outer = vals.map((v, i) => at(i, r(v!.ci[1] as number)).map(num).join(',')).join(' L');
      const inner = vals.map((v, i) => at(i, r(v!.ci[0] as number)).map(num).join(',')).join(' L');
      out += `<path class="band" d="M${outer} Z M${inner} Z" fill="${esc(s.color)}" fill-rule="evenodd"><title>95% CI band</title></path>`;
    }
    if (complete) {
      const pts = vals.map((v, i) => at(i, r(v!.mean as number)).map(num).join(',')).join(' ');
      out += `<polygon class="profile${chart.series.length > 1 ? ' overlay' : ''}" points="${pts}" stroke="${esc(s.color)}" fill="${esc(s.color)}"/>`;
    }
    vals.forEach((v, i) => {
      if (!v || !finite(v.mean)) return;
      const [x, yy] = at(i, r(v.mean));
      const ci = finite(v.ci[0]) && finite(v.ci[1]) ? ` (95% CI ${signed(v.ci[0])} to ${signed(v.ci[1])})` : '';
      const who = s.label ? `${s.label} — ` : '';
      const tip = `${who}${chart.axes[i]!.label}: ${signed(v.mean)}${ci}${v.n !== undefined ? `, N = ${v.n}` : ''}`;
      out += `<circle cx="${num(x)}" cy="${num(yy)}" r="3.2" fill="${esc(s.color)}"><title>${esc(tip)}</title></circle>`;
    });
    out += '</g>';
  }
  return `${out}</svg>`;
}

// ---- lines -------------------------------------------------------------------------------------------

export interface LineSeries {
  id: string;
  label: string;
  color: string;
  /** Stroke width; the emphasised series (the mean) is drawn last and thicker. */
  width: number;
  opacity?: number;
  dashed?: boolean;
  /** `note` is added to the point's tooltip. */
  points: { x: number; y: number | null | undefined; n?: number; note?: string }[];
  /** Extra attributes on the series' <g> (e.g. data-model for the model filter). */
  data?: Record<string, string>;
}

export interface LineChart {
  title: string;
  description: string;
  xLabel: string;
  yLabel: string;
  series: LineSeries[];
  width?: number;
  height?: number;
}

/** Rates in [0, 1] against an integer x (iterations), one polyline per series, a gap where y is null. */
export function lineChart(chart: LineChart): string {
  const width = chart.width ?? 860;
  const height = chart.height ?? 320;
  const m = { left: 56, right: 16, top: 14, bottom: 46 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  let xMin = Number.POSITIVE_INFINITY;
  let xMax = Number.NEGATIVE_INFINITY;
  let yMax = 0;
  for (const s of chart.series) {
    for (const p of s.points) {
      xMin = Math.min(xMin, p.x);
      xMax = Math.max(xMax, p.x);
      if (finite(p.y)) yMax = Math.max(yMax, p.y);
    }
  }
  if (!Number.isFinite(xMin)) {
    xMin = 0;
    xMax = 1;
  }
  if (xMax === xMin) xMax = xMin + 1;
  const { top, step } = niceRateAxis(yMax);
  const x = (v: number): number => m.left + (plotW * (v - xMin)) / (xMax - xMin);
  const y = (v: number): number => m.top + plotH * (1 - clamp01(v) / top);
  const id = chartId('lines');
  let out = svgOpen(id, width, height, chart.title, chart.description, 'lines');

  out += '<g class="axis" aria-hidden="true">';
  for (const t of ticks(top, step)) {
    const ty = y(t);
    out += `<line class="grid${t === 0 ? ' base' : ''}" x1="${m.left}" x2="${width - m.right}" y1="${num(ty)}" y2="${num(ty)}"/>`;
    out += `<text class="tick" x="${m.left - 8}" y="${num(ty + 4)}" text-anchor="end">${esc(pct(t, 0))}</text>`;
  }
  const span = xMax - xMin;
  const xStep = Math.max(1, Math.ceil(span / 12));
  for (let v = Math.ceil(xMin); v <= xMax; v += xStep) {
    out += `<line class="xtick" x1="${num(x(v))}" x2="${num(x(v))}" y1="${num(y(0))}" y2="${num(y(0) + 5)}"/>`;
    out += `<text class="tick" x="${num(x(v))}" y="${num(y(0) + 18)}" text-anchor="middle">${esc(v)}</text>`;
  }
  out += `<text class="axis-label" x="${num(m.left + plotW / 2)}" y="${height - 6}" text-anchor="middle">${esc(chart.xLabel)}</text>`;
  out += `<text class="axis-label" transform="translate(14 ${num(m.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`;
  out += '</g>';

  for (const s of chart.series) {
    const segments: string[][] = [[]];
    for (const p of [...s.points].sort((a, b) => a.x - b.x)) {
      if (finite(p.y)) segments.at(-1)!.push(`${num(x(p.x))},${num(y(p.y))}`);
      else if (segments.at(-1)!.length > 0) segments.push([]);
    }
    out += `<g${attrs({ class: 'line', ...(s.data ?? {}) })}><title>${esc(s.label)}</title>`;
    for (const seg of segments) {
      if (seg.length === 0) continue;
      out += `<polyline points="${seg.join(' ')}" fill="none" stroke="${esc(s.color)}" stroke-width="${num(s.width)}"${s.opacity !== undefined ? ` stroke-opacity="${num(s.opacity)}"` : ''}${s.dashed ? ' stroke-dasharray="5 4"' : ''} stroke-linejoin="round" stroke-linecap="round"/>`;
    }
    for (const p of s.points) {
      if (!finite(p.y)) continue;
      const tip = `${s.label} — iteration ${p.x}: ${pct(p.y)}${p.n !== undefined ? `, N = ${p.n}` : ''}${p.note ? `; ${p.note}` : ''}`;
      out += `<circle cx="${num(x(p.x))}" cy="${num(y(p.y))}" r="${num(Math.max(2, s.width * 0.9))}" fill="${esc(s.color)}"${s.opacity !== undefined ? ` fill-opacity="${num(Math.min(1, s.opacity + 0.2))}"` : ''}><title>${esc(tip)}</title></circle>`;
    }
    out += '</g>';
  }
  return `${out}</svg>`;
}

// ---- values against n (e.g. the best-of-n curve) ------------------------------------------------------

export interface ValueLineChart {
  title: string;
  description: string;
  xLabel: string;
  yLabel: string;
  /** Each point with its 95% CI (drawn as a whisker); x on a log2 axis when `log2`. */
  series: { id: string; label: string; color: string; dashed?: boolean; points: { x: number; y: number | null; ci: readonly [number | null, number | null]; n: number }[] }[];
  log2?: boolean;
  width?: number;
  height?: number;
}

/** Real-valued y (any sign) against x, one polyline per series with CI whiskers. */
export function valueLineChart(chart: ValueLineChart): string {
  const width = chart.width ?? 560;
  const height = chart.height ?? 300;
  const m = { left: 64, right: 16, top: 14, bottom: 46 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const tx = (v: number): number => (chart.log2 ? Math.log2(v) : v);
  const xs = chart.series.flatMap((s) => s.points.map((p) => tx(p.x)));
  const ys = chart.series.flatMap((s) => s.points.flatMap((p) => [p.y, p.ci[0], p.ci[1]])).filter(finite);
  const xMin = xs.length ? Math.min(...xs) : 0;
  const xMax = xs.length && Math.max(...xs) > xMin ? Math.max(...xs) : xMin + 1;
  let yMin = ys.length ? Math.min(...ys) : 0;
  let yMax = ys.length ? Math.max(...ys) : 1;
  if (yMax - yMin < 1e-9) { yMin -= 0.5; yMax += 0.5; }
  const pad = (yMax - yMin) * 0.08;
  yMin -= pad;
  yMax += pad;
  const x = (v: number): number => m.left + (plotW * (tx(v) - xMin)) / (xMax - xMin);
  const y = (v: number): number => m.top + plotH * (1 - (v - yMin) / (yMax - yMin));
  const id = chartId('values');
  let out = svgOpen(id, width, height, chart.title, chart.description, 'lines values');
  out += '<g class="axis" aria-hidden="true">';
  for (let k = 0; k <= 4; k++) {
    const v = yMin + ((yMax - yMin) * k) / 4;
    out += `<line class="grid" x1="${m.left}" x2="${width - m.right}" y1="${num(y(v))}" y2="${num(y(v))}"/>`;
    out += `<text class="tick" x="${m.left - 8}" y="${num(y(v) + 4)}" text-anchor="end">${esc(v.toFixed(2))}</text>`;
  }
  for (const v of [...new Set(chart.series.flatMap((s) => s.points.map((p) => p.x)))]) {
    out += `<text class="tick" x="${num(x(v))}" y="${num(height - m.bottom + 18)}" text-anchor="middle">${esc(v)}</text>`;
  }
  out += `<text class="axis-label" x="${num(m.left + plotW / 2)}" y="${height - 6}" text-anchor="middle">${esc(chart.xLabel)}</text>`;
  out += `<text class="axis-label" transform="translate(14 ${num(m.top + plotH / 2)}) rotate(-90)" text-anchor="middle">${esc(chart.yLabel)}</text>`;
  out += '</g>';
  for (const s of chart.series) {
    const pts = s.points.filter((p) => finite(p.y));
    out += `<g${attrs({ class: 'line', 'data-series': s.id })}><title>${esc(s.label)}</title>`;
    out += `<polyline points="${pts.map((p) => `${num(x(p.x))},${num(y(p.y!))}`).join(' ')}" fill="none" stroke="${esc(s.color)}" stroke-width="2"${s.dashed ? ' stroke-dasharray="5 4"' : ''} stroke-linejoin="round"/>`;
    for (const p of pts) {
      if (finite(p.ci[0]) && finite(p.ci[1])) out += `<line class="whisker" x1="${num(x(p.x))}" x2="${num(x(p.x))}" y1="${num(y(p.ci[0]))}" y2="${num(y(p.ci[1]))}" stroke="${esc(s.color)}"/>`;
      const ci = finite(p.ci[0]) && finite(p.ci[1]) ? ` [${p.ci[0].toFixed(3)}, ${p.ci[1].toFixed(3)}]` : '';
      out += `<circle cx="${num(x(p.x))}" cy="${num(y(p.y!))}" r="3" fill="${esc(s.color)}"><title>${esc(`${s.label} — n = ${p.x}: ${p.y!.toFixed(3)}${ci}, N = ${p.n}`)}</title></circle>`;
    }
    out += '</g>';
  }
  return `${out}</svg>`;
}
