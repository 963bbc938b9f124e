/**
 * Alignment run pages: best-of-N (kind `align`) and VILMO (kind `vilmo`). The data is the HTML report's
 * (src/report/align.ts, src/report/vilmo.ts, loaded by report/load.ts); every number shows the proxy (the
 * select judge, which picked or trained) beside the held-out score (the report judge), with 95% CIs and N.
 */
import type { ReactNode } from 'react';
import { seriesColor, valueLineChart } from '../../../src/report/charts.ts';
import type { AlignReportView, VilmoResultsView } from '../../../src/view/api.ts';
import { Rate, Svg } from './ui.tsx';

type Estimate = AlignReportView['rows'][number]['proxy'];
type Interval = readonly [number | null, number | null];

const f3 = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—');
const sf3 = (x: number | null | undefined): string => (typeof x === 'number' && Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(3)}` : '—');
const ciOf = (ci: Interval | null | undefined, f: (x: number | null) => string = f3): string => (ci && ci[0] !== null && ci[1] !== null ? `[${f(ci[0])}, ${f(ci[1])}]` : 'no CI');
const pv = (p: number): string => (p < 0.0001 ? '<0.0001' : p.toFixed(4));

/** A mean with its CI (and the CI's method) underneath, and N. */
function Est({ e, signed = false, method }: { e: Estimate | undefined; signed?: boolean; method?: string }): ReactNode {
  if (!e || e.mean === null) return <span className="muted">n/a</span>;
  const m = method ?? e.method;
  return (
    <>
      <span className="value">{signed ? sf3(e.mean) : f3(e.mean)}</span>
      <span className="ci">{ciOf(e.ci, signed ? sf3 : f3)}{m ? <span className="ci-method"> {m}</span> : null}</span>
    </>
  );
}

function Warnings({ warnings, id }: { warnings: readonly string[]; id: string }): ReactNode {
  return warnings.length ? <div className="warnings" role="alert" id={id}>{warnings.map((w, i) => <p key={i}>⚠ {w}</p>)}</div> : null;
}

/** Best-of-N: both judges named; proxy and held-out reward for baseline, first sample, best-of-N and the paired difference; the best-of-n curve on both. */
export function AlignOverview({ align: a }: { align: AlignReportView }): ReactNode {
  const two = a.select_judge !== a.judge;
  const curve = valueLineChart({
    title: 'Best-of-n: the proxy against the held-out judge',
    description: `Expected reward of the select judge's pick among n of the ${a.n} samples of each prompt, as the select judge (proxy, ${a.select_judge}) and the report judge (held out, ${a.judge}) score it. The proxy rises by construction; a held-out line that flattens or falls is over-optimisation.`,
    xLabel: 'n (samples the pick is made from)',
    yLabel: 'mean reward',
    log2: true,
    series: [
      { id: 'proxy', label: `proxy (${a.select_judge})`, color: seriesColor(0), dashed: true, points: a.curve.map((c) => ({ x: c.n, y: c.proxy.mean, ci: c.proxy.ci, n: c.proxy.n })) },
      ...(two ? [{ id: 'heldout', label: `held out (${a.judge})`, color: seriesColor(1), points: a.curve.map((c) => ({ x: c.n, y: c.heldout.mean, ci: c.heldout.ci, n: c.heldout.n })) }] : []),
    ],
  });
  return (
    <section id="align">
      <Warnings warnings={a.warnings} id="align-warnings" />
      <dl className="facts" id="align-judges">
        <div><dt>Model</dt><dd>{a.model} ({a.n} samples per prompt)</dd></div>
        <div><dt>Target</dt><dd>{a.target.id} ({a.target.name})</dd></div>
        <div><dt>Select judge (proxy)</dt><dd className="select-judge">{a.select_judge}</dd></div>
        <div><dt>Report judge (held out)</dt><dd className="report-judge">{a.judge}</dd></div>
        <div><dt>Reward</dt><dd>{a.reward}; 0 is best</dd></div>
      </dl>
      <table className="metrics" id="align-rewards">
        <caption>Mean reward per arm, the proxy (the select judge, which picked) beside the held-out score (the report judge). Baseline = the mean over the {a.n} samples; the difference is paired on the same prompts. The proxy difference is ≥ 0 by construction: only the held-out one is evidence. 95% percentile-bootstrap CIs over prompts.</caption>
        <thead><tr><th>Arm (mean reward)</th><th className="num">Proxy (select judge)</th><th className="num">Held out (report judge)</th><th className="num">N</th></tr></thead>
        <tbody>
          {a.rows.map((r) => {
            const diff = r.label.startsWith('difference');
            return (
              <tr key={r.label} data-row={r.label}>
                <th scope="row">{r.label}</th>
                <td className="num proxy"><Est e={r.proxy} signed={diff} /></td>
                <td className="num heldout"><Est e={r.heldout} signed={diff} /></td>
                <td className="num">{r.heldout.n}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <figure className="chart-figure" id="align-curve"><figcaption><strong>Best-of-n</strong>: the proxy (dashed) against the held-out judge; whiskers: 95% CI</figcaption><Svg svg={curve} /></figure>
      <table className="metrics" id="align-curve-table">
        <caption>The numbers behind the curve.</caption>
        <thead><tr><th className="num">n</th><th className="num">Proxy</th><th className="num">Held out</th><th className="num">N</th></tr></thead>
        <tbody>{a.curve.map((c) => <tr key={c.n} data-n={c.n}><th scope="row" className="num">{c.n}</th><td className="num"><Est e={c.proxy} /></td><td className="num"><Est e={c.heldout} /></td><td className="num">{c.heldout.n}</td></tr>)}</tbody>
      </table>
      {a.quality ? (
        <p id="align-quality">Quality (1–10, {a.quality.rater}): first sample {f3(a.quality.first_sample.mean)} {ciOf(a.quality.first_sample.ci)}, best-of-{a.n} {f3(a.quality.best_of_n.mean)} {ciOf(a.quality.best_of_n.ci)}, difference {sf3(a.quality.difference.mean)} {ciOf(a.quality.difference.ci, sf3)}; a negative difference is the alignment tax.</p>
      ) : null}
    </section>
  );
}

/** VILMO: both judges and the primary metric; the arms (EVR, MVP, APV, conformity with CIs and their methods); the paired rows of vilmo − arm with p and p (Holm). */
export function VilmoOverview({ results: r }: { results: VilmoResultsView }): ReactNode {
  const order = ['none', 'fixed', 'principle', 'ape', 'self-critique', 'vilmo'];
  const methods = [...order.filter((m) => r.methods[m]), ...Object.keys(r.methods).filter((m) => !order.includes(m))];
  const c = r.correction;
  return (
    <section id="vilmo">
      <Warnings warnings={r.warnings} id="vilmo-warnings" />
      <dl className="facts" id="vilmo-judges">
        <div><dt>Target</dt><dd>{r.target}</dd></div>
        <div><dt>Generator</dt><dd>{r.generator}</dd></div>
        <div><dt>Select judge (training, APE)</dt><dd className="select-judge">{r.select_judge.id}@{r.select_judge.version}</dd></div>
        <div><dt>Report judge (every arm on the test prompts)</dt><dd className="report-judge">{r.judge.id}@{r.judge.version}</dd></div>
        <div><dt>Primary metric</dt><dd className="primary">{r.primary.toUpperCase()} (declared before the run)</dd></div>
        <div><dt>Split</dt><dd>{r.split.train} training, {r.split.val} validation, {r.split.test} test prompts; K = {r.samples}, τ = {r.tau}</dd></div>
      </dl>
      <table className="metrics" id="vilmo-arms">
        <caption>Every arm on the same test prompts, scored by the report judge. EVR, MVP and APV are fractions (lower is better); conformity = 1 − mean violation (higher is better). 95% CIs over prompts, each with its method.</caption>
        <thead><tr><th>Arm</th><th className="num">N</th><th className="num">EVR</th><th className="num">MVP</th><th className="num">APV</th><th className="num">Conformity</th></tr></thead>
        <tbody>
          {methods.map((m) => {
            const a = r.methods[m]!;
            return (
              <tr key={m} data-arm={m}>
                <th scope="row">{m}</th>
                <td className="num">{a.n}</td>
                <td className="num evr"><Rate value={a.evr} ci={a.ci.evr} method={a.ci_method?.evr} /></td>
                <td className="num mvp"><Rate value={a.mvp} ci={a.ci.mvp} method={a.ci_method?.mvp} /></td>
                <td className="num apv"><Rate value={a.apv} ci={a.ci.apv} method={a.ci_method?.apv} /></td>
                <td className="num conformity"><Rate value={a.conformity.mean} ci={a.conformity.ci} method={a.conformity.method ?? 'percentile-bootstrap'} /></td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <table className="metrics" id="vilmo-paired">
        <caption>
          Paired comparisons on the same test prompts: the mean per-prompt difference b − a (negative: b violates less), its 95% CI and method, the two-sided {c.test} p, and p (Holm) adjusted within its family: the {c.family} comparisons on the primary metric {c.primary.toUpperCase()} (the claim rests on these), and separately the {c.secondary_family} secondary ones. Significant when p (Holm) &lt; {c.alpha}.
        </caption>
        <thead><tr><th>Comparison</th><th>Metric</th><th>Role</th><th className="num">Difference</th><th>CI method</th><th className="num">N</th><th className="num">p</th><th className="num">p (Holm)</th><th>Significant</th></tr></thead>
        <tbody>
          {r.paired.map((p) => (
            <tr key={`${p.b}-${p.a}-${p.metric}`} data-pair={`${p.b}-${p.a}`} data-metric={p.metric} data-role={p.role} className={p.significant ? 'significant' : undefined}>
              <th scope="row">{p.b} − {p.a}</th>
              <td>{p.metric.toUpperCase()}</td>
              <td className="role">{p.role}</td>
              <td className="num difference"><span className="value">{sf3(p.difference)}</span><span className="ci">{ciOf(p.ci, sf3)}</span></td>
              <td className="ci-method">{p.ci_method}</td>
              <td className="num">{p.n}</td>
              <td className="num p">{pv(p.p)}</td>
              <td className="num p-holm">{pv(p.p_holm)}</td>
              <td className="significant">{p.significant ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
