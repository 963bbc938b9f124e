/**
 * Page and filter state live in the URL's hash (`#/run/ID?tab=samples&foundation=care`), so every view is a
 * shareable link and works from file:// too.
 */
import { useCallback, useEffect, useState } from 'react';

export interface Route {
  path: string[];
  params: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [path = '', query = ''] = raw.split('?', 2);
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(query) };
}

export function href(path: string[], params: Record<string, string | undefined> | URLSearchParams = {}): string {
  const p = params instanceof URLSearchParams ? params : new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''));
  const q = p.toString();
  return `#/${path.map(encodeURIComponent).join('/')}${q ? `?${q}` : ''}`;
}

export function useRoute(): Route & { go(path: string[], params?: Record<string, string | undefined>): void; set(patch: Record<string, string | undefined>): void } {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  const go = useCallback((path: string[], params: Record<string, string | undefined> = {}) => {
    window.location.hash = href(path, params);
  }, []);
  const set = useCallback((patch: Record<string, string | undefined>) => {
    const current = parseHash(window.location.hash);
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === '') current.params.delete(k);
      else current.params.set(k, v);
    }
    // replace, not push: typing in a filter should not fill the history
    window.history.replaceState(null, '', href(current.path, current.params));
    setRoute(parseHash(window.location.hash));
  }, []);
  return { ...route, go, set };
}
