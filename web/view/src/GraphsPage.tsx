/** Moral graphs (an elicitation's from the store, or imported files): Cytoscape, values cards, edges with votes, ranking. */
import cytoscape from 'cytoscape';
import { useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import type { GraphResponse } from '../../../src/view/api.ts';
import { href } from './route.ts';
import type { Source } from './source.ts';
import { ErrorBox, Loading, ThemeContext, useAsync } from './ui.tsx';

type Node = GraphResponse['nodes'][number]['data'];
type Edge = GraphResponse['edges'][number]['data'];

function GraphCanvas({ graph, onNode, onEdge }: { graph: GraphResponse; onNode(n: Node): void; onEdge(e: Edge): void }): ReactNode {
  const box = useRef<HTMLDivElement>(null);
  const isDark = useContext(ThemeContext) === 'dark';
  useEffect(() => {
    if (!box.current) return;
    const fg = isDark ? '#e6e9ef' : '#1d2330';
    const cy = cytoscape({
      container: box.current,
      elements: [
        ...graph.nodes.map((n) => ({ group: 'nodes' as const, data: { ...n.data } })),
        ...graph.edges.map((e) => ({ group: 'edges' as const, data: { ...e.data, w: e.data.kept ? 1.5 + 4 * Math.min(1, e.data.weight) : 1.2 }, classes: e.data.kept ? 'kept' : 'voted' })),
      ],
      boxSelectionEnabled: false,
      minZoom: 0.3,
      maxZoom: 2.5,
      style: [
        { selector: 'node', style: { shape: 'round-rectangle', width: 150, height: 48, 'background-color': isDark ? '#26314f' : '#e9eefc', 'border-color': '#3a56c5', 'border-width': 1.5, label: 'data(label)', 'text-wrap': 'wrap', 'text-max-width': '138px', 'text-valign': 'center', 'text-halign': 'center', 'font-size': 11, color: fg } },
        { selector: 'node:selected', style: { 'border-width': 3, 'border-color': fg } },
        { selector: 'edge', style: { 'curve-style': 'bezier', 'target-arrow-shape': 'triangle', width: 'data(w)', 'line-color': '#3a56c5', 'target-arrow-color': '#3a56c5', opacity: 0.85 } },
        { selector: 'edge.voted', style: { 'line-style': 'dashed', 'line-color': '#9aa3b5', 'target-arrow-color': '#9aa3b5' } },
        { selector: 'edge:selected', style: { 'line-color': '#D55E00', 'target-arrow-color': '#D55E00' } },
      ],
      layout: { name: 'breadthfirst', directed: true, spacingFactor: 1.15, padding: 24, avoidOverlap: true, nodeDimensionsIncludeLabels: true },
    });
    cy.on('tap', 'node', (evt) => onNode(evt.target.data() as Node));
    cy.on('tap', 'edge', (evt) => onEdge(evt.target.data() as Edge));
    (box.current as HTMLDivElement & { cy?: unknown }).cy = cy;
    return () => cy.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [graph, isDark]);
  return <div className="graph-canvas" ref={box} role="img" aria-label={`Moral graph: ${graph.nodes.length} values, ${graph.edges.length} edges (arrows point to the wiser value)`} id="graph-canvas" />;
}

function GraphView({ source, id }: { source: Source; id: string }): ReactNode {
  const graph = useAsync(() => source.graph(id), id);
  const [node, setNode] = useState<Node | undefined>();
  const [edge, setEdge] = useState<Edge | undefined>();
  if (graph.error) return <ErrorBox error={graph.error} />;
  const g = graph.data;
  if (!g) return <Loading what="the graph" />;
  const title = (nodeId: string): string => g.nodes.find((n) => n.data.id === nodeId)?.data.label ?? nodeId;
  const ranked = [...g.nodes].sort((a, b) => (a.data.rank ?? 1e9) - (b.data.rank ?? 1e9));
  return (
    <>
      <h1>{g.title}</h1>
      <p className="muted">{g.nodes.length} values · {g.edges.length} edges · {g.voteCount > 0 ? `${g.voteCount} votes by ${g.voterCount} voters · ` : ''}{g.mode} aggregation{g.contexts.length ? ` · ${g.contexts.length} contexts` : ''}. Solid arrows: kept edges (to the wiser value); dashed: voted, not kept.</p>
      <div className="graph-layout">
        <GraphCanvas graph={g} onNode={(n) => { setNode(n); setEdge(undefined); }} onEdge={(e) => { setEdge(e); setNode(undefined); }} />
        <aside className="graph-side" id="graph-detail">
          {node ? (
            <div className="card">
              <h2>{node.label}</h2>
              <p>{node.description}</p>
              {node.policies.length ? <><h3>Attends to</h3><ul>{node.policies.map((p, i) => <li key={i}>{p}</li>)}</ul></> : null}
              <p className="muted">Rank {node.rank ?? '—'} · PageRank {node.pageRank.toFixed(3)} · wisdom {node.wisdom.toFixed(3)}</p>
            </div>
          ) : edge ? (
            <div className="card">
              <h2>{title(edge.source)} → {title(edge.target)}</h2>
              <p>{edge.kept ? `Kept, weight ${edge.weight.toFixed(2)}` : 'Voted, not kept'}</p>
              <table className="compact"><tbody>
                <tr><th>wiser</th><td className="num">{edge.wiser}</td></tr>
                <tr><th>not wiser</th><td className="num">{edge.notWiser}</td></tr>
                <tr><th>less wise</th><td className="num">{edge.lessWise}</td></tr>
                <tr><th>unsure</th><td className="num">{edge.unsure}</td></tr>
              </tbody></table>
              {edge.contexts.length ? <><h3>Contexts</h3><ul>{edge.contexts.map((c) => <li key={c}>{c}</li>)}</ul></> : null}
            </div>
          ) : <p className="muted">Select a value or an edge.</p>}
          <h2>Ranking</h2>
          <ol className="ranking" id="graph-ranking">
            {ranked.map((n) => <li key={n.data.id}><button type="button" className="link" onClick={() => { setNode(n.data); setEdge(undefined); }}>{n.data.label}</button> <span className="muted small">{n.data.pageRank.toFixed(3)}</span></li>)}
          </ol>
        </aside>
      </div>
    </>
  );
}

export function GraphsPage({ source, id }: { source: Source; id?: string }): ReactNode {
  const list = useAsync(() => source.graphs(), 'graphs');
  if (id) return <section><p className="crumbs"><a href={href(['graphs'])}>Moral graphs</a> ›</p><GraphView source={source} id={id} /></section>;
  if (list.error) return <ErrorBox error={list.error} />;
  if (!list.data) return <Loading what="moral graphs" />;
  return (
    <section>
      <h1>Moral graphs</h1>
      {list.data.length === 0 ? <p className="notice">No moral graphs: run an elicitation (tenet elicit) or pass a graph file with --graph FILE.</p> : (
        <ul className="graph-list">{list.data.map((g) => <li key={g.id}><a href={href(['graph', g.id])}>{g.title}</a> <span className="muted">{g.detail}</span></li>)}</ul>
      )}
    </section>
  );
}
