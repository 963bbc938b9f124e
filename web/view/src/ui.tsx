/** Small shared pieces: loading data, numbers with CIs, SVG charts from src/report/charts.ts, keyboard tables. */
import { createContext, useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export type Theme = 'light' | 'dark';
/** The current theme, for what CSS cannot restyle (Cytoscape's canvas). */
export const ThemeContext = createContext<Theme>('light');

export interface Async<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/** Runs `load` when `key` changes (and on reload); the last answer wins. */
export function useAsync<T>(load: () => Promise<T>, key: string): Async<T> {
  const [state, setState] = useState<{ data?: T; error?: string; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const id = ++latest.current;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => id === latest.current && setState({ data, loading: false }),
      (e: unknown) => id === latest.current && setState({ error: e instanceof Error ? e.message : String(e), loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.data, error: state.error, loading: state.loading, reload };
}

export function Loading({ what }: { what: string }): ReactNode {
  return <p className="muted" role="status">Loading {what}…</p>;
}

export function ErrorBox({ error }: { error: string }): ReactNode {
  return <p className="error" role="alert">{error}</p>;
}

export function pct(x: number | null | undefined, digits = 1): string {
  return typeof x === 'number' && Number.isFinite(x) ? `${(x * 100).toFixed(digits)}%` : '—';
}

export function ciText(ci: readonly [number | null, number | null] | null | undefined, scale: 'pct' | 'signed' = 'pct'): string {
  if (!ci || ci[0] === null || ci[1] === null) return '';
  const f = scale === 'pct' ? (x: number) => pct(x) : (x: number) => signed(x);
  return `[${f(ci[0])}, ${f(ci[1])}]`;
}

export function signed(x: number | null | undefined, digits = 2): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  return `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;
}

/** A rate with its 95% CI underneath. */
const CI_METHOD_NAMES: Record<string, string> = { wilson: 'Wilson score interval', newcombe: "Newcombe's paired interval", 'bca-bootstrap': 'BCa bootstrap', 'percentile-bootstrap': 'percentile bootstrap' };

/** A rate with its CI and, when known, the CI's method named beside it. */
export function Rate({ value, ci, method }: { value: number | null | undefined; ci?: readonly [number | null, number | null] | null; method?: string | undefined }): ReactNode {
  return (
    <>
      <span className="value">{pct(value)}</span>
      {ci ? <span className="ci" title={method ? `95% CI: ${CI_METHOD_NAMES[method] ?? method}` : undefined}>{ciText(ci)}{method ? <span className="ci-method"> {method}</span> : null}</span> : null}
    </>
  );
}

/** An SVG string made by src/report/charts.ts (the report's own chart code; all text escaped there). */
export function Svg({ svg, className }: { svg: string; className?: string }): ReactNode {
  return <div className={`svg ${className ?? ''}`} dangerouslySetInnerHTML={{ __html: svg }} />;
}

/**
 * Keyboard navigation for a table's rows: ↑/↓ or j/k move, Home/End jump, Enter opens. Returns the
 * selected index and the key handler for the table's container (which is focusable).
 */
export function useRowKeys(count: number, open: (index: number) => void, initial = 0): { selected: number; setSelected(i: number): void; onKeyDown(e: KeyboardEvent): void } {
  const [selected, setSelected] = useState(initial);
  const onKeyDown = (e: KeyboardEvent): void => {
    if ((e.target as HTMLElement).closest('input, select, textarea, button')) return;
    const move = (i: number): void => {
      e.preventDefault();
      setSelected(Math.max(0, Math.min(count - 1, i)));
    };
    if (e.key === 'ArrowDown' || e.key === 'j') move(selected + 1);
    else if (e.key === 'ArrowUp' || e.key === 'k') move(selected - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(count - 1);
    else if (e.key === 'PageDown') move(selected + 10);
    else if (e.key === 'PageUp') move(selected - 10);
    else if (e.key === 'Enter' && count > 0) {
      e.preventDefault();
      open(selected);
    }
  };
  return { selected: Math.min(selected, Math.max(0, count - 1)), setSelected, onKeyDown };
}

export function shortDate(iso: string): string {
  return iso.replace('T', ' ').slice(0, 16);
}
