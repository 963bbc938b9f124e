/**
 * The Discover page of a discover run: the value hierarchy to browse, each value's prevalence with its
 * Wilson interval (overall and per group), the distinguishing values, and the conversations behind a value
 * (open one to read it, with the quotes that showed the value).
 */
import { useState, type ReactNode } from 'react';
import type { DiscoverView } from '../../../src/view/api.ts';
import type { Source } from './source.ts';
import { ErrorBox, pct, useAsync } from './ui.tsx';

type Value = NonNullable<DiscoverView['result']>['values'][number];

function Bar({ value, ci }: { value: number; ci: readonly [number, number] }): ReactNode {
  const w = (x: number): string => `${Math.max(0, Math.min(100, x * 100)).toFixed(1)}%`;
  return (
    <span className="dbar" role="img" aria-label={`${pct(value)} (95% CI ${pct(ci[0])} to ${pct(ci[1])})`}>
      <span className="dfill" style={{ width: w(value) }} />
      <span className="dci" style={{ left: w(ci[0]), width: w(ci[1] - ci[0]) }} />
    </span>
  );
}

function Conversation({ source, run, id }: { source: Source; run: string; id: string }): ReactNode {
  const c = useAsync(() => source.conversation(run, id), `${run}/${id}`);
  if (c.error) return <ErrorBox error={c.error} />;
  if (!c.data) return <p className="muted">Loading {id}…</p>;
  return (
    <article className="discover-conversation" aria-label={`conversation ${id}`}>
      <h3>{id}</h3>
      {Object.keys(c.data.meta).length ? <p className="muted">{JSON.stringify(c.data.meta)}</p> : null}
      {c.data.messages.map((m, i) => <div key={i} className={`turn ${m.role}`}><b>{m.role}:</b> {m.content}</div>)}
    </article>
  );
}

export function DiscoverPage({ source, run }: { source: Source; run: string }): ReactNode {
  const view = useAsync(() => source.discover(run), run);
  const [selected, setSelected] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  if (view.error) return <ErrorBox error={view.error} />;
  if (!view.data) return <p className="muted" role="status">Loading the discovered values…</p>;
  const r = view.data.result;
  if (!r) return <p className="muted">This run has no stored result yet: rerun the same tenet discover command to finish it.</p>;
  const byName = new Map(r.values.map((v) => [v.name, v]));
  const value = selected ? byName.get(selected) : undefined;
  const node = (v: Value): ReactNode => (
    <li key={v.key}>
      <button type="button" className={`linklike${selected === v.name ? ' selected' : ''}`} onClick={() => { setSelected(v.name); setOpen(null); }}>{v.name}</button>{' '}
      <span className="muted">{pct(v.prevalence.overall.value)}</span> <Bar value={v.prevalence.overall.value} ci={v.prevalence.overall.ci} />
      {v.children.length ? <ul>{v.children.map((c) => byName.get(c)).filter((c): c is Value => Boolean(c)).map(node)}</ul> : null}
    </li>
  );
  return (
    <div className="discover">
      <p className="muted">{r.n_conversations} conversations, {r.unparsed} unparsed; extractor {r.extractor}, encoder {r.encoder}{r.by ? `; by ${r.by}` : ''}.</p>
      <div className="discover-grid">
        <nav aria-label="value hierarchy" className="discover-tree"><h2>Values</h2><ul>{r.values.filter((v) => !v.parent).map(node)}</ul></nav>
        <section aria-label="value detail">
          {!value ? <p className="muted">Choose a value to see its prevalence and the conversations behind it.</p> : (
            <>
              <h2>{value.name}</h2>
              <table className="table">
                <tbody>
                  <tr><td>all</td><td>{pct(value.prevalence.overall.value)} [{pct(value.prevalence.overall.ci[0])}, {pct(value.prevalence.overall.ci[1])}] of {value.prevalence.overall.n}</td><td><Bar value={value.prevalence.overall.value} ci={value.prevalence.overall.ci} /></td></tr>
                  {Object.entries(value.prevalence.by).map(([g, p]) => <tr key={g}><td>{r.by} = {g}</td><td>{pct(p.value)} [{pct(p.ci[0])}, {pct(p.ci[1])}] of {p.n}</td><td><Bar value={p.value} ci={p.ci} /></td></tr>)}
                </tbody>
              </table>
              {value.framework_match ? <p className="muted">nearest: {value.framework_match.framework}:{value.framework_match.id} ({value.framework_match.similarity.toFixed(2)})</p> : null}
              {value.examples.map((e, i) => <blockquote key={i}>“{e.quote}” — {e.conversation}</blockquote>)}
              <h3>Conversations ({value.conversations.length})</h3>
              <ul className="discover-conversations">
                {value.conversations.slice(0, 200).map((id) => <li key={id}><button type="button" className="linklike" onClick={() => setOpen(id)}>{id}</button></li>)}
              </ul>
              {open ? <Conversation source={source} run={run} id={open} /> : null}
            </>
          )}
        </section>
      </div>
      {r.by ? (
        <>
          <h2>Distinguishing values</h2>
          {r.distinguishing.length ? (
            <table className="table"><thead><tr><th>value</th><th>a</th><th>b</th><th>a − b</th><th>p (Holm)</th></tr></thead>
              <tbody>{r.distinguishing.map((d, i) => <tr key={i}><td>{d.value}</td><td>{d.a}</td><td>{d.b}</td><td>{(d.difference * 100).toFixed(1)} pts [{(d.ci[0] * 100).toFixed(1)}, {(d.ci[1] * 100).toFixed(1)}]</td><td>{d.p_adj.toPrecision(2)}</td></tr>)}</tbody></table>
          ) : <p className="muted">None significant after Holm's correction.</p>}
        </>
      ) : null}
      {r.notes.length ? <ul className="muted">{r.notes.map((n, i) => <li key={i}>{n}</li>)}</ul> : null}
    </div>
  );
}
