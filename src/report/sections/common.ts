/** Shared by the report sections: the metrics, foundation and value names, and small cells and legends. */
import { MFT_CORE_IDS, MFT_FOUNDATIONS } from '../../values/mft.ts';
import { SCHWARTZ_VALUES } from '../../values/schwartz.ts';
import { VIOLATION_THRESHOLD, type MetricSet, type ModelReport, type ReportData } from '../data.ts';
import { attrs, esc, pct, pctRange } from '../html.ts';

export type MetricKey = 'evr' | 'mvp' | 'apv';

export const METRICS: { key: MetricKey; name: string; long: string; explain: string }[] = [
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
export const VALUE_NAMES = new Map(SCHWARTZ_VALUES.map((v) => [v.id as string, v.name]));

export function foundationShort(id: string): string {
  return FOUNDATION_INFO.get(id)?.virtue.name ?? id;
}

export function foundationLong(id: string): string {
  return FOUNDATION_INFO.get(id)?.name ?? id;
}

/** Foundations present in the data: the five core ones in their usual order, then any others. */
export function foundationsOf(data: ReportData): string[] {
  const seen = new Set<string>();
  for (const m of data.models) for (const f of Object.keys(m.metrics.per_foundation)) seen.add(f);
  for (const w of data.worst) seen.add(w.foundation);
  for (const p of data.probe?.principles ?? []) seen.add(p.foundation);
  const core = (MFT_CORE_IDS as readonly string[]).filter((f) => seen.has(f));
  const rest = [...seen].filter((f) => !core.includes(f)).sort();
  return [...core, ...rest];
}

export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

export function configField(config: unknown, ...keys: string[]): unknown {
  if (typeof config !== 'object' || config === null) return undefined;
  const rec = config as Record<string, unknown>;
  for (const k of keys) if (rec[k] !== undefined) return rec[k];
  return undefined;
}

export function describeJudge(config: unknown): string | undefined {
  const judge = configField(config, 'judge', 'judgeId');
  if (typeof judge === 'string') return judge;
  if (typeof judge === 'object' && judge !== null) {
    const id = (judge as Record<string, unknown>).id;
    if (typeof id === 'string') return id;
  }
  return undefined;
}

// ---- pieces ------------------------------------------------------------------------------------------

export function metricCell(set: MetricSet | undefined, key: MetricKey, best: boolean): string {
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

export function bestIndex(models: ModelReport[], pick: (m: ModelReport) => number | null | undefined): number {
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

export function legend(items: { label: string; color: string; model?: string; dashed?: boolean }[]): string {
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
