/**
 * Our models beside the Value Compass leaderboard's, ranked by a weighted mean violation ratio over the
 * foundations with weights the reader sets (kept in the URL). Their numbers come from their own prompts,
 * classifier and decoding: orientation, not a like-for-like comparison (the caveat is shown).
 */
import type { ReactNode } from 'react';
import { weightedMean } from '../../../src/view/api.ts';
import { useRoute } from './route.ts';
import type { Source } from './source.ts';
import { ciText, ErrorBox, Loading, pct, useAsync } from './ui.tsx';

export function LeaderboardPage({ source }: { source: Source }): ReactNode {
  const route = useRoute();
  const ids = (route.params.get('runs') ?? '').split(',').filter(Boolean);
  const board = useAsync(() => source.leaderboard(ids), ids.join(','));
  if (board.error) return <ErrorBox error={board.error} />;
  const b = board.data;
  if (!b) return <Loading what="the leaderboard" />;
  const weights = Object.fromEntries(b.foundations.map((f) => {
    const w = Number(route.params.get(`w.${f}`) ?? '1');
    return [f, Number.isFinite(w) && w >= 0 ? w : 1];
  }));
  const rows = [
    ...b.ours.map((o) => ({ key: `ours:${o.label}`, label: o.label, ours: true, matched: o.matched, scores: o.scores, ci: o.ci, n: o.n })),
    ...b.board.map((m) => ({ key: `vc:${m.model}`, label: m.model, ours: false, matched: null as string | null, scores: m.scores as Record<string, number | null>, ci: {} as Record<string, [number | null, number | null]>, n: {} as Record<string, number> })),
  ]
    .map((r) => ({ ...r, mean: weightedMean(r.scores, weights) }))
    .sort((x, y) => (x.mean ?? Infinity) - (y.mean ?? Infinity));
  return (
    <section>
      <h1>Leaderboard</h1>
      <p className="muted">{b.metric}. Source: {b.source}.</p>
      <p className="notice">{b.caveat} Our rows: EVR from tenet bench runs, with 95% CIs and N prompts.</p>
      <fieldset className="weights" id="weights">
        <legend>Weight per foundation (0 leaves it out)</legend>
        {b.foundations.map((f) => (
          <label key={f}>{f} <input type="number" name={`w.${f}`} min={0} max={10} step={0.5} value={weights[f]} onChange={(e) => route.set({ [`w.${f}`]: e.target.value === '1' ? undefined : e.target.value })} /></label>
        ))}
      </fieldset>
      <table className="leaderboard" id="leaderboard">
        <caption>Ranked by the weighted mean (lower: fewer violations).</caption>
        <thead><tr><th className="num">#</th><th>Model</th><th className="num">Weighted mean</th>{b.foundations.map((f) => <th key={f} className="num">{f}</th>)}</tr></thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={r.key} className={r.ours ? 'ours' : ''}>
              <td className="num">{i + 1}</td>
              <th scope="row">{r.label}{r.ours ? <span className="tag">tenet</span> : null}{r.matched ? <div className="muted small">leaderboard: {r.matched}</div> : null}</th>
              <td className="num"><strong>{pct(r.mean)}</strong></td>
              {b.foundations.map((f) => <td key={f} className="num">{pct(r.scores[f])}{r.ours ? <span className="ci">{ciText(r.ci[f])} N = {r.n[f] ?? 0}</span> : null}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
