/** Every run in the store: filter by kind, status, model and date; pick runs to compare; live progress. */
import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { RunItem } from '../../../src/view/api.ts';
import { href, useRoute } from './route.ts';
import type { Source } from './source.ts';
import { ErrorBox, Loading, shortDate, useAsync, useRowKeys } from './ui.tsx';

const POLL_MS = 3000;

export function RunsPage({ source }: { source: Source }): ReactNode {
  const route = useRoute();
  const runs = useAsync(() => source.runs(), 'runs');
  const [picked, setPicked] = useState<string[]>([]);
  const p = route.params;
  const kind = p.get('kind') ?? '';
  const status = p.get('status') ?? '';
  const model = p.get('model') ?? '';
  const since = p.get('since') ?? '';

  const anyRunning = runs.data?.runs.some((r) => r.status === 'running') ?? false;
  useEffect(() => {
    if (!source.live || !anyRunning) return;
    const t = setInterval(runs.reload, POLL_MS);
    return () => clearInterval(t);
  }, [source.live, anyRunning, runs.reload]);

  const all = runs.data?.runs ?? [];
  const shown = useMemo(
    () => all.filter((r) => (!kind || r.kind === kind) && (!status || r.status === status) && (!model || r.models.some((m) => m.toLowerCase().includes(model.toLowerCase()))) && (!since || r.createdAt >= since)),
    [all, kind, status, model, since],
  );
  const keys = useRowKeys(shown.length, (i) => route.go(['run', shown[i]!.id]));
  if (runs.error) return <ErrorBox error={runs.error} />;
  if (!runs.data) return <Loading what="runs" />;
  const kinds = [...new Set(all.map((r) => r.kind))].sort();
  const toggle = (id: string): void => setPicked((xs) => (xs.includes(id) ? xs.filter((x) => x !== id) : [...xs, id]));

  return (
    <section>
      <h1>Runs</h1>
      <p className="muted">{all.length} {all.length === 1 ? 'run' : 'runs'} in <code>{runs.data.store}</code>{runs.data.live ? (anyRunning ? ' · running runs refresh every 3 s' : '') : ' · static export'}</p>
      {runs.data.notes?.length ? <div className="notice">{runs.data.notes.map((n) => <p key={n}>{n}</p>)}</div> : null}
      <div className="filters" role="search">
        <label>Kind <select value={kind} onChange={(e) => route.set({ kind: e.target.value })}><option value="">all</option>{kinds.map((k) => <option key={k}>{k}</option>)}</select></label>
        <label>Status <select value={status} onChange={(e) => route.set({ status: e.target.value })}><option value="">all</option>{['running', 'done', 'failed', 'interrupted'].map((k) => <option key={k}>{k}</option>)}</select></label>
        <label>Model <input type="search" value={model} placeholder="any" onChange={(e) => route.set({ model: e.target.value })} /></label>
        <label>Since <input type="date" value={since} onChange={(e) => route.set({ since: e.target.value })} /></label>
        <a className={`button${picked.length < 2 ? ' disabled' : ''}`} aria-disabled={picked.length < 2} href={picked.length >= 2 ? href(['compare'], { runs: picked.join(',') }) : undefined} id="compare-picked">Compare {picked.length || ''} selected</a>
      </div>
      {shown.length === 0 ? (
        <p className="notice">{all.length === 0 ? 'This store has no runs yet: run `tenet bench` or `tenet probe`, or point --db at the store that has them.' : 'No run matches these filters.'}</p>
      ) : (
        <div className="table-wrap" tabIndex={0} onKeyDown={keys.onKeyDown} aria-label="Runs (arrow keys move, Enter opens)">
          <table className="runs">
            <thead><tr><th><span className="sr-only">Compare</span></th><th>Run</th><th>Kind</th><th>Models</th><th>Status</th><th className="num">Samples</th><th className="num">Disputed</th><th>Created</th></tr></thead>
            <tbody>
              {shown.map((r: RunItem, i) => (
                <tr key={r.id} className={i === keys.selected ? 'selected' : ''} onClick={() => keys.setSelected(i)} data-run={r.id}>
                  <td><input type="checkbox" aria-label={`compare ${r.id}`} checked={picked.includes(r.id)} onChange={() => toggle(r.id)} disabled={r.kind !== 'bench'} title={r.kind === 'bench' ? 'pick to compare' : 'compare covers bench runs'} /></td>
                  <td><a href={href(['run', r.id])}>{r.name || r.id}</a>{r.name ? <div className="muted small">{r.id}</div> : null}</td>
                  <td><span className={`tag kind-${r.kind}`}>{r.kind}</span></td>
                  <td className="models">{r.models.join(', ') || '—'}</td>
                  <td><span className={`status status-${r.status}`}>{r.status}</span>{r.status === 'running' ? <div className="muted small">{r.totals.calls ?? 0} calls</div> : null}</td>
                  <td className="num">{r.samples.toLocaleString('en')}</td>
                  <td className="num">{r.disputed}</td>
                  <td className="nowrap">{shortDate(r.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
