/**
 * A run's samples: a virtualised table over the paginated API (pages of 100 fetched as they scroll into
 * view), filters in the URL, ↑/↓ to move and Enter to open a sample's full view, where a judgment can be
 * flagged as wrong.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { SamplesQuerySchema, type RunSummary, type SampleRow, type SamplesQuery } from '../../../src/view/api.ts';
import { SampleView } from './SampleView.tsx';
import { useRoute } from './route.ts';
import type { Source } from './source.ts';
import { ErrorBox } from './ui.tsx';

const PAGE = 100;
const ROW_HEIGHT = 58;
const FILTER_KEYS = ['model', 'foundation', 'principle', 'min', 'max', 'q', 'disputed', 'sort'] as const;

function queryFrom(params: URLSearchParams): SamplesQuery {
  const raw: Record<string, string> = {};
  for (const k of FILTER_KEYS) {
    const v = params.get(k);
    if (v !== null && v !== '') raw[k] = v;
  }
  const parsed = SamplesQuerySchema.safeParse(raw);
  return parsed.success ? parsed.data : SamplesQuerySchema.parse({});
}

export function SamplesTab({ source, summary, onChanged }: { source: Source; summary: RunSummary; onChanged(): void }): ReactNode {
  const route = useRoute();
  const runId = summary.run.id;
  const query = useMemo(() => queryFrom(route.params), [route.params]);
  const key = JSON.stringify({ runId, ...query, offset: 0, limit: 0 });
  const [total, setTotal] = useState<number | undefined>(undefined);
  const [pages, setPages] = useState<Map<number, SampleRow[]>>(new Map());
  const [error, setError] = useState<string | undefined>();
  const [version, setVersion] = useState(0);
  const pending = useRef(new Set<number>());
  const [selected, setSelected] = useState(0);
  const [search, setSearch] = useState(query.q ?? '');
  const scroller = useRef<HTMLDivElement>(null);

  // A new filter (or a flag that changed counts) starts over.
  useEffect(() => {
    setPages(new Map());
    setTotal(undefined);
    setError(undefined);
    setSelected(0);
    pending.current = new Set();
    scroller.current?.scrollTo({ top: 0 });
  }, [key, version]);

  const fetchPage = (page: number): void => {
    if (pending.current.has(page)) return;
    pending.current.add(page);
    const started = key;
    source.samples(runId, { ...query, offset: page * PAGE, limit: PAGE }).then(
      (res) => {
        if (started !== key) return;
        if (res.total !== null) setTotal(res.total);
        setPages((m) => new Map(m).set(page, res.rows));
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  useEffect(() => {
    if (total === undefined) fetchPage(0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, version, total]);

  // Debounced text search.
  useEffect(() => {
    if ((query.q ?? '') === search) return;
    const t = setTimeout(() => route.set({ q: search }), 250);
    return () => clearTimeout(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search]);

  const count = total ?? 0;
  const virtualizer = useVirtualizer({ count, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const items = virtualizer.getVirtualItems();
  useEffect(() => {
    if (total === undefined) return;
    const need = new Set(items.map((i) => Math.floor(i.index / PAGE)));
    for (const p of need) if (!pages.has(p)) fetchPage(p);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [items.map((i) => i.index).join(','), total, pages]);

  const rowAt = (i: number): SampleRow | undefined => pages.get(Math.floor(i / PAGE))?.[i % PAGE];
  const open = (i: number): void => {
    const row = rowAt(i);
    if (row) route.set({ sample: row.id });
  };
  const onKeyDown = (e: KeyboardEvent): void => {
    if ((e.target as HTMLElement).closest('input, select, textarea, button')) return;
    const move = (to: number): void => {
      e.preventDefault();
      const i = Math.max(0, Math.min(count - 1, to));
      setSelected(i);
      virtualizer.scrollToIndex(i, { align: 'auto' });
    };
    if (e.key === 'ArrowDown' || e.key === 'j') move(selected + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(selected - 1);
    else if (e.key === 'PageDown') move(selected + 10);
    else if (e.key === 'PageUp') move(selected - 10);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(count - 1);
    else if (e.key === 'Enter') {
      e.preventDefault();
      open(selected);
    }
  };

  const f = summary.facets;
  const set = (patch: Record<string, string | undefined>): void => route.set({ ...patch, sample: undefined });
  const openId = route.params.get('sample');
  return (
    <section className="samples">
      <div className="filters" role="search" aria-label="Filter samples">
        <label>Model <select name="model" value={query.model ?? ''} onChange={(e) => set({ model: e.target.value })}><option value="">all</option>{f.models.map((m) => <option key={m}>{m}</option>)}</select></label>
        <label>Foundation <select name="foundation" value={query.foundation ?? ''} onChange={(e) => set({ foundation: e.target.value })}><option value="">all</option>{f.foundations.map((m) => <option key={m}>{m}</option>)}</select></label>
        {f.principles.length > 0 ? (
          <label>Principle <select name="principle" value={query.principle ?? ''} onChange={(e) => set({ principle: e.target.value })}><option value="">all</option>{f.principles.map((m) => <option key={m} value={m}>{m.length > 60 ? `${m.slice(0, 60)}…` : m}</option>)}</select></label>
        ) : null}
        <label>Score ≥ <input name="min" type="number" min={0} max={1} step={0.05} value={query.min ?? ''} onChange={(e) => set({ min: e.target.value })} /></label>
        <label>≤ <input name="max" type="number" min={0} max={1} step={0.05} value={query.max ?? ''} onChange={(e) => set({ max: e.target.value })} /></label>
        <label>Search <input name="q" type="search" value={search} placeholder="prompt or completion" onChange={(e) => setSearch(e.target.value)} /></label>
        <label className="check"><input name="disputed" type="checkbox" checked={query.disputed === '1'} onChange={(e) => set({ disputed: e.target.checked ? '1' : undefined })} /> disputed only</label>
        <label>Sort <select name="sort" value={query.sort} onChange={(e) => set({ sort: e.target.value === 'order' ? undefined : e.target.value })}><option value="order">run order</option><option value="score-desc">score, highest first</option><option value="score-asc">score, lowest first</option></select></label>
      </div>
      {error ? <ErrorBox error={error} /> : null}
      <p className="muted" id="sample-count" role="status">{total === undefined ? 'Loading samples…' : `${total.toLocaleString('en')} sample${total === 1 ? '' : 's'}${route.params.toString().match(/model=|foundation=|principle=|min=|max=|q=|disputed=/) ? ' match' : ''}`} · ↑/↓ move, Enter opens</p>
      <div className="grid" role="grid" aria-rowcount={count} aria-label="Samples">
        <div className="grid-head" role="row">
          <span role="columnheader">Model · #</span><span role="columnheader">Foundation</span><span role="columnheader">Prompt</span><span role="columnheader">Completion</span><span role="columnheader" className="num">Score</span><span role="columnheader" className="num">Disputed</span>
        </div>
        <div className="grid-body" ref={scroller} tabIndex={0} onKeyDown={onKeyDown}>
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
            {items.map((item) => {
              const row = rowAt(item.index);
              return (
                <div
                  key={item.key}
                  role="row"
                  aria-rowindex={item.index + 1}
                  className={`grid-row${item.index === selected ? ' selected' : ''}${row && openId === row.id ? ' open' : ''}`}
                  style={{ height: item.size, transform: `translateY(${item.start}px)` }}
                  data-sample={row?.id}
                  onClick={() => {
                    setSelected(item.index);
                    open(item.index);
                  }}
                >
                  {row ? (
                    <>
                      <span role="gridcell" className="model">{row.model}<span className="muted"> #{row.sampleIndex}</span></span>
                      <span role="gridcell" className="foundation">{row.foundation ?? '—'}</span>
                      <span role="gridcell" className="clip">{row.prompt}</span>
                      <span role="gridcell" className="clip">{row.error ? <em className="error">call failed: {row.error}</em> : row.text}</span>
                      <span role="gridcell" className={`num score${row.score !== null && summary.settings.tau !== null && row.score > summary.settings.tau ? ' bad' : ''}`}>{row.score === null ? '—' : row.score.toFixed(2)}</span>
                      <span role="gridcell" className="num">{row.disputes || ''}</span>
                    </>
                  ) : (
                    <span role="gridcell" className="muted">…</span>
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {openId ? (
        <SampleView
          source={source}
          runId={runId}
          sampleId={openId}
          onClose={() => route.set({ sample: undefined })}
          onFlagged={() => {
            setVersion((v) => v + 1);
            onChanged();
          }}
        />
      ) : null}
    </section>
  );
}
