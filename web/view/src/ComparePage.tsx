/**
 * Two or more bench runs side by side: per-model metrics, per-foundation EVR differences with Newcombe's
 * paired CIs over the shared prompts, warnings when K, judge, τ or template differ, and a per-value
 * difference heatmap.
 */
import { useState, type ReactNode } from 'react';
import type { CompareResponse, PairDiff } from '../../../src/view/api.ts';
import { FoundationBars, foundationsOf, VALUE_AXES } from './metrics.tsx';
import { href, useRoute } from './route.ts';
import type { Source } from './source.ts';
import { ciText, ErrorBox, Loading, Rate, signed, useAsync } from './ui.tsx';

function Diff({ d }: { d: PairDiff | undefined }): ReactNode {
  if (!d || d.diff === null) return <span className="muted">—</span>;
  const pp = (x: number): string => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x * 100).toFixed(1)} pp`;
  return (
    <span className={d.significant ? 'sig' : 'nonsig'} title={d.method === 'paired' ? `paired over ${d.shared} shared prompts; 95% CI: ${d.ci_method ?? 'unknown'}` : `${d.shared} shared prompts: too few for a CI`}>
      {pp(d.diff)}
      <span className="ci">{d.ci ? `[${pp(d.ci[0])}, ${pp(d.ci[1])}]` : `n = ${d.shared}, no CI`}{d.significant ? ' *' : ''}{d.ci && d.ci_method ? <span className="ci-method"> {d.ci_method}</span> : null}</span>
    </span>
  );
}

function heat(x: number | null | undefined): { backgroundColor: string } | undefined {
  if (typeof x !== 'number' || !Number.isFinite(x)) return undefined;
  const a = Math.min(1, Math.abs(x) / 0.5) * 0.75;
  return { backgroundColor: x > 0 ? `rgba(0, 114, 178, ${a})` : `rgba(213, 94, 0, ${a})` };
}

function Picker({ source }: { source: Source }): ReactNode {
  const runs = useAsync(() => source.runs(), 'runs');
  const [picked, setPicked] = useState<string[]>([]);
  if (runs.error) return <ErrorBox error={runs.error} />;
  if (!runs.data) return <Loading what="runs" />;
  const bench = runs.data.runs.filter((r) => r.kind === 'bench');
  return (
    <>
      <p>Pick two or more bench runs (or one with several models).</p>
      <ul className="picker">
        {bench.map((r) => (
          <li key={r.id}><label><input type="checkbox" checked={picked.includes(r.id)} onChange={() => setPicked((xs) => (xs.includes(r.id) ? xs.filter((x) => x !== r.id) : [...xs, r.id]))} /> {r.name || r.id} <span className="muted">{r.models.join(', ')}</span></label></li>
        ))}
      </ul>
      <a className={`button${picked.length < 1 ? ' disabled' : ''}`} href={picked.length ? href(['compare'], { runs: picked.join(',') }) : undefined}>Compare</a>
    </>
  );
}

function Result({ data }: { data: CompareResponse }): ReactNode {
  const foundations = foundationsOf(data.entries.map((e) => e.report));
  return (
    <>
      {data.warnings.length ? <div className="warnings" role="alert" id="compare-warnings">{data.warnings.map((w, i) => <p key={i}>⚠ {w}</p>)}</div> : null}
      <table className="metrics" id="compare-entries">
        <caption>Each model of each run: overall EVR with its 95% CI over prompts (wilson: Wilson score interval).</caption>
        <thead><tr><th>Model</th><th>Run</th><th className="num">EVR</th><th className="num">N</th><th className="num">K</th><th>Judge</th><th className="num">τ</th></tr></thead>
        <tbody>
          {data.entries.map((e) => (
            <tr key={e.label}><th scope="row">{e.label}</th><td><a href={href(['run', e.run])}>{e.run}</a></td><td className="num"><Rate value={e.report.metrics.overall.evr} ci={e.report.metrics.overall.ci.evr} method={e.report.metrics.overall.ci_method?.evr} /></td><td className="num">{e.report.metrics.overall.n}</td><td className="num">{e.settings.k ?? '—'}</td><td>{e.settings.judge ?? '—'}</td><td className="num">{e.settings.tau ?? '—'}</td></tr>
          ))}
        </tbody>
      </table>
      <FoundationBars models={data.entries.map((e) => ({ id: e.label, report: e.report }))} label="EVR per foundation, per model and run" />
      <h2>Differences</h2>
      <table className="diffs" id="compare-diffs">
        <caption>EVR(A) − EVR(B) in percentage points; 95% CI by Newcombe's paired interval (newcombe) over the prompts both were scored on (≥ 10 shared); * the CI excludes 0. No correction for multiple comparisons.</caption>
        <thead><tr><th>A − B</th><th className="num">Overall</th>{foundations.map((f) => <th key={f} className="num">{f}</th>)}</tr></thead>
        <tbody>
          {data.pairs.map((p) => (
            <tr key={`${p.a}|${p.b}`}><th scope="row">{p.a} − {p.b}</th><td className="num"><Diff d={p.overall} /></td>{foundations.map((f) => <td key={f} className="num"><Diff d={p.foundations[f]} /></td>)}</tr>
          ))}
        </tbody>
      </table>
      <h2>Value profile differences</h2>
      <table className="heatmap" id="compare-heatmap">
        <caption>Mean judged support per Schwartz value, A − B (blue: A supports it more; orange: less). Each mean's own 95% CI is on its run's page.</caption>
        <thead><tr><th>A − B</th>{VALUE_AXES.map((a) => <th key={a.id} className="num">{a.label}</th>)}</tr></thead>
        <tbody>
          {data.pairs.map((p) => {
            const a = data.entries.find((e) => e.label === p.a)?.report.values;
            const b = data.entries.find((e) => e.label === p.b)?.report.values;
            return (
              <tr key={`${p.a}|${p.b}`}>
                <th scope="row">{p.a} − {p.b}</th>
                {VALUE_AXES.map((ax) => {
                  const x = a && b && typeof a.mean[ax.id] === 'number' && typeof b.mean[ax.id] === 'number' ? a.mean[ax.id]! - b.mean[ax.id]! : null;
                  return <td key={ax.id} className="num" style={heat(x)} title={a && b ? `${p.a}: ${signed(a.mean[ax.id])} ${ciText(a.ci[ax.id], 'signed')}; ${p.b}: ${signed(b.mean[ax.id])} ${ciText(b.ci[ax.id], 'signed')}` : undefined}>{signed(x)}</td>;
                })}
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}

export function ComparePage({ source }: { source: Source }): ReactNode {
  const route = useRoute();
  const ids = (route.params.get('runs') ?? '').split(',').filter(Boolean);
  const result = useAsync(() => (ids.length ? source.compare(ids) : Promise.resolve(undefined)), ids.join(','));
  return (
    <section>
      <h1>Compare</h1>
      {ids.length === 0 ? <Picker source={source} /> : result.error ? <ErrorBox error={result.error} /> : !result.data ? <Loading what="the comparison" /> : <Result data={result.data} />}
    </section>
  );
}
