/** A run's metrics: EVR/MVP/APV per model with N, K and CIs; per foundation as bars; Schwartz radars. */
import type { ReactNode } from 'react';
import { foundationColor, groupedBarChart, lineChart, niceExtent, radarChart, seriesColor } from '../../../src/report/charts.ts';
import type { Report, RunSummary } from '../../../src/view/api.ts';
import { SCHWARTZ_CIRCUMPLEX_ORDER, SCHWARTZ_VALUES } from '../../../src/values/schwartz.ts';
import { pct, Rate, signed, Svg } from './ui.tsx';

type ModelReport = Report['models'][number];

const VALUE_NAME = new Map(SCHWARTZ_VALUES.map((v) => [v.id as string, v.name]));
export const VALUE_AXES = SCHWARTZ_CIRCUMPLEX_ORDER.map((id) => ({ id: id as string, label: VALUE_NAME.get(id) ?? id }));

export function foundationsOf(models: readonly ModelReport[]): string[] {
  const order = ['care', 'fairness', 'loyalty', 'authority', 'sanctity', 'liberty'];
  const found = new Set(models.flatMap((m) => Object.keys(m.metrics.per_foundation)));
  return [...order.filter((f) => found.has(f)), ...[...found].filter((f) => !order.includes(f)).sort()];
}

export function MetricsTable({ summary, report }: { summary: RunSummary; report: Report }): ReactNode {
  return (
    <table className="metrics" id="metrics">
      <caption>Overall, per model. 95% CIs over prompts, each with its method: wilson = Wilson score interval (EVR, and MVP/APV when every prompt has the same value), bca-bootstrap = BCa bootstrap. Lower is better.</caption>
      <thead><tr><th>Model</th><th className="num">EVR</th><th className="num">MVP</th><th className="num">APV</th><th className="num">N</th><th className="num">K</th><th className="num">Disputed</th></tr></thead>
      <tbody>
        {report.models.map((m) => {
          const o = m.metrics.overall;
          return (
            <tr key={m.model} data-model={m.model}>
              <th scope="row">{m.model}</th>
              <td className="num evr"><Rate value={o.evr} ci={o.ci.evr} method={o.ci_method?.evr} /></td>
              <td className="num"><Rate value={o.mvp} ci={o.ci.mvp} method={o.ci_method?.mvp} /></td>
              <td className="num"><Rate value={o.apv} ci={o.ci.apv} method={o.ci_method?.apv} /></td>
              <td className="num">{o.n}{o.missing ? <span className="ci">{o.missing} missing</span> : null}</td>
              <td className="num">{o.k}{o.k_min !== undefined && o.k_min < o.k ? <span className="ci">min {o.k_min}</span> : null}</td>
              <td className="num disputed">{summary.disputedByModel[m.model] ?? 0}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** EVR and APV corrected for the judge's error, in their own table beside the raw ones (only when the run's data has them). */
export function CorrectedTable({ report }: { report: Report }): ReactNode {
  const models = report.models.filter((m) => m.evr_corrected && m.apv_corrected);
  if (models.length === 0) return null;
  const cell = (c: NonNullable<ModelReport['evr_corrected']>): ReactNode =>
    c.value === null || c.ci === null ? <span className="muted" title={c.reason}>none: {c.reason}</span> : <Rate value={c.value} ci={c.ci} />;
  return (
    <table className="metrics corrected" id="corrected">
      <caption>Corrected for the judge's error (calibration {models[0]!.evr_corrected!.calibration_id}; Rogan–Gladen). 95% intervals carry the prompts' and the calibration's uncertainty.</caption>
      <thead><tr><th>Model</th><th className="num">EVR (raw)</th><th className="num">EVR corrected</th><th className="num">APV (raw)</th><th className="num">APV corrected</th></tr></thead>
      <tbody>
        {models.map((m) => (
          <tr key={m.model} data-model={m.model}>
            <th scope="row">{m.model}</th>
            <td className="num">{m.evr_corrected!.raw === null ? '—' : <Rate value={m.evr_corrected!.raw} ci={m.evr_corrected!.raw_ci} />}</td>
            <td className="num">{cell(m.evr_corrected!)}</td>
            <td className="num">{m.apv_corrected!.raw === null ? '—' : <Rate value={m.apv_corrected!.raw} ci={m.apv_corrected!.raw_ci} />}</td>
            <td className="num">{cell(m.apv_corrected!)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

type KnowingBlock = Omit<NonNullable<ModelReport['knowing']>, 'per_foundation'>;

/** Knowing versus doing (bench --mode): per model and foundation, each test's conformity side by side, the gaps and the unparsed answers. */
export function KnowingTable({ report }: { report: Report }): ReactNode {
  const models = report.models.filter((m) => m.knowing);
  if (models.length === 0) return null;
  const conf = (c: { value: number | null; ci: [number | null, number | null] | null; n: number } | undefined): ReactNode =>
    c && c.value !== null && c.ci ? <><Rate value={c.value} ci={c.ci} /> <span className="muted">N={c.n}</span></> : '—';
  const gap = (g: { value: number | null; ci: [number | null, number | null] | null; p: number | null } | undefined): ReactNode =>
    g && g.value !== null && g.ci ? <>{signed(g.value)} <span className="muted">[{g.ci[0]?.toFixed(3)}, {g.ci[1]?.toFixed(3)}] p={g.p?.toFixed(3)}</span></> : '—';
  return (
    <table className="metrics knowing" id="knowing">
      <caption>Knowing versus doing: conformity (higher conforms more; 95% CI) of moral judgement and the questionnaire (the project's own MFQ-style items unless the run used others) beside generation; gap = knowing − doing, paired over principles, exact sign-flip p. Unparsed answers are counted, never scored.</caption>
      <thead><tr><th>Model</th><th>Foundation</th><th className="num">Judgement</th><th className="num">Questionnaire</th><th className="num">Doing</th><th className="num">Gap (judgement)</th><th className="num">Gap (questionnaire)</th><th className="num">Unparsed</th></tr></thead>
      <tbody>
        {models.flatMap((m) => {
          const k = m.knowing!;
          const rows: [string, KnowingBlock][] = [['overall', k], ...Object.entries(k.per_foundation)];
          return rows.map(([f, b]) => (
            <tr key={`${m.model}/${f}`} data-model={m.model}>
              <th scope="row">{m.model}</th><td>{f}</td>
              <td className="num">{conf(b.knowing.judgement?.conformity)}</td>
              <td className="num">{conf(b.knowing.questionnaire?.conformity)}</td>
              <td className="num">{conf(b.doing?.conformity)}</td>
              <td className="num">{gap(b.gap?.judgement)}</td>
              <td className="num">{gap(b.gap?.questionnaire)}</td>
              <td className="num">{(b.knowing.judgement?.unparsed ?? 0) + (b.knowing.questionnaire?.unparsed ?? 0)}</td>
            </tr>
          ));
        })}
      </tbody>
    </table>
  );
}

export function FoundationTable({ models }: { models: readonly ModelReport[] }): ReactNode {
  const foundations = foundationsOf(models);
  if (foundations.length === 0) return null;
  return (
    <table className="per-foundation" id="per-foundation">
      <caption>EVR per foundation (95% CI; N prompts).</caption>
      <thead><tr><th>Foundation</th>{models.map((m) => <th key={m.model} className="num">{m.model}</th>)}</tr></thead>
      <tbody>
        {foundations.map((f) => (
          <tr key={f} data-foundation={f}>
            <th scope="row">{f}</th>
            {models.map((m) => {
              const s = m.metrics.per_foundation[f];
              return <td key={m.model} className="num">{s ? <><Rate value={s.evr} ci={s.ci.evr} method={s.ci_method?.evr} /><span className="ci">N = {s.n}</span></> : '—'}</td>;
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function FoundationBars({ models, label }: { models: readonly { id: string; report: ModelReport }[]; label?: string }): ReactNode {
  const foundations = foundationsOf(models.map((m) => m.report));
  if (foundations.length === 0) return null;
  const svg = groupedBarChart({
    title: label ?? 'EVR per moral foundation',
    description: `EVR for ${foundations.length} foundations, one bar per model, with 95% CIs as whiskers. Lower is better.`,
    measure: 'EVR',
    groups: foundations.map((f) => ({ id: f, label: f })),
    series: models.map((m, i) => ({ id: m.id, label: m.id, color: seriesColor(i) })),
    value(g, s) {
      const set = models.find((m) => m.id === s)?.report.metrics.per_foundation[g];
      return set ? { value: set.evr, ci: set.ci.evr, n: set.n } : undefined;
    },
    width: 860,
    height: 280,
  });
  return <figure className="chart-figure"><figcaption><strong>EVR</strong> by foundation (lower is better; whiskers: 95% CI)</figcaption><Svg svg={svg} /></figure>;
}

export function Radars({ models }: { models: readonly ModelReport[] }): ReactNode {
  const withValues = models.map((m, i) => ({ m, i })).filter(({ m }) => m.values && Object.values(m.values.mean).some((v) => typeof v === 'number'));
  if (withValues.length === 0) return <p className="muted">The run's judge gave no Schwartz value vectors, so there is no value profile.</p>;
  const all: (number | null | undefined)[] = [];
  for (const { m } of withValues) for (const a of VALUE_AXES) all.push(m.values!.mean[a.id], m.values!.ci[a.id]?.[0], m.values!.ci[a.id]?.[1]);
  const extent = niceExtent(all);
  return (
    <div className="radars" id="radars">
      {withValues.map(({ m, i }) => (
        <figure key={m.model} className="radar-figure" data-model={m.model}>
          <figcaption><span className="name">{m.model}</span> <span className="muted">N = {m.values!.samples} completions · band: 95% CI</span></figcaption>
          <Svg
            svg={radarChart({
              title: `Schwartz value profile of ${m.model}`,
              description: `Mean judged support per Schwartz value in circumplex order: ${VALUE_AXES.map((a) => `${a.label} ${signed(m.values!.mean[a.id])}`).join(', ')}.`,
              axes: VALUE_AXES,
              series: [{ id: m.model, color: seriesColor(i), value: (id) => ({ mean: m.values!.mean[id] ?? null, ci: m.values!.ci[id] ?? [null, null] }) }],
              extent,
            })}
          />
        </figure>
      ))}
    </div>
  );
}

export function Notes({ notes }: { notes: readonly string[] }): ReactNode {
  return notes.length ? <ul className="notes">{notes.map((n, i) => <li key={i}>{n}</li>)}</ul> : null;
}

/** A probe's violation rate per iteration (one line per principle, the mean in black) and each prompt's history. */
export function Iterations({ report }: { report: Report }): ReactNode {
  const principles = report.probe?.principles ?? [];
  if (principles.length === 0) return <p className="muted">No iterations stored yet.</p>;
  const maxIt = Math.max(...principles.flatMap((p) => p.iterations.map((it) => it.iteration)));
  const meanAt = (x: number): number | null => {
    const ys = principles.map((p) => p.iterations.find((it) => it.iteration === x)?.violationRate).filter((y): y is number => typeof y === 'number');
    return ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : null;
  };
  const svg = lineChart({
    title: 'Violation rate per DeNEVIL iteration',
    description: `Share of completions judged violating at each iteration, one line per principle (${principles.length}) and the mean in black.`,
    xLabel: 'Iteration',
    yLabel: 'Violation rate',
    series: [
      ...principles.map((p) => ({ id: p.id, label: p.principle, color: foundationColor(p.foundation), width: 1.4, opacity: 0.55, points: p.iterations.map((it) => ({ x: it.iteration, y: it.violationRate, ...(it.n !== undefined ? { n: it.n } : {}) })) })),
      { id: 'mean', label: 'mean over principles', color: '#1b1f24', width: 3, points: Array.from({ length: maxIt + 1 }, (_, x) => ({ x, y: meanAt(x) })) },
    ],
  });
  return (
    <section id="iterations">
      <figure className="chart-figure"><Svg svg={svg} /></figure>
      <table className="principles">
        <caption>Per principle: how the violation rate moved, and the prompt at each iteration (open a row).</caption>
        <thead><tr><th>Principle</th><th>Foundation</th><th className="num">Start</th><th className="num">End</th><th>Stopped</th></tr></thead>
        <tbody>
          {principles.map((p) => {
            const its = [...p.iterations].sort((a, b) => a.iteration - b.iteration);
            return (
              <tr key={p.id}>
                <td>
                  <details>
                    <summary>{p.principle}</summary>
                    <ol className="history">
                      {its.map((it) => (
                        <li key={it.iteration}><span className="muted">iteration {it.iteration} · violation rate {pct(it.violationRate)}{it.n !== undefined ? ` · K = ${it.n}` : ''}{it.accepted === false ? ' · rewrite rejected' : ''}</span><div className="text">{it.prompt}</div></li>
                      ))}
                    </ol>
                  </details>
                </td>
                <td>{p.foundation}</td>
                <td className="num">{pct(its[0]?.violationRate)}</td>
                <td className="num">{pct(its.at(-1)?.violationRate)}</td>
                <td>{p.stopped ?? '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
