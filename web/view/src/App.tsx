/** The viewer's shell: navigation, light/dark, and the page the URL names. */
import { useEffect, useState, type ReactNode } from 'react';
import { ComparePage } from './ComparePage.tsx';
import { GraphsPage } from './GraphsPage.tsx';
import { LeaderboardPage } from './LeaderboardPage.tsx';
import { href, useRoute } from './route.ts';
import { RunPage } from './RunPage.tsx';
import { RunsPage } from './RunsPage.tsx';
import type { Source } from './source.ts';
import { ThemeContext, type Theme } from './ui.tsx';

const THEME_KEY = 'tenet-view-theme';

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem(THEME_KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // storage may be off (file://, private mode): follow the system
  }
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function App({ source }: { source: Source }): ReactNode {
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem(THEME_KEY, theme);
    } catch {
      // not kept: fine
    }
  }, [theme]);
  const [page = 'runs', arg] = route.path;
  useEffect(() => {
    document.title = `tenet view · ${page}${arg ? ` ${arg}` : ''}`;
  }, [page, arg]);
  const nav = [
    ['runs', 'Runs'],
    ['compare', 'Compare'],
    ['leaderboard', 'Leaderboard'],
    ['graphs', 'Moral graphs'],
  ] as const;
  const active = page === 'run' ? 'runs' : page === 'graph' ? 'graphs' : page;
  let body: ReactNode;
  if (page === 'run' && arg) body = <RunPage key={arg} source={source} id={arg} />;
  else if (page === 'compare') body = <ComparePage source={source} />;
  else if (page === 'leaderboard') body = <LeaderboardPage source={source} />;
  else if (page === 'graphs' || page === 'graph') body = <GraphsPage source={source} {...(page === 'graph' && arg ? { id: arg } : {})} />;
  else body = <RunsPage source={source} />;
  return (
    <>
      <header className="top">
        <a className="brand" href={href(['runs'])}>tenet view</a>
        <nav aria-label="Pages">
          {nav.map(([id, label]) => <a key={id} href={href([id])} className={active === id ? 'active' : ''} aria-current={active === id ? 'page' : undefined}>{label}</a>)}
        </nav>
        {!source.live ? <span className="tag">static export</span> : null}
        <button type="button" className="theme" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} mode`}>{theme === 'dark' ? '☀ light' : '☾ dark'}</button>
      </header>
      <ThemeContext.Provider value={theme}><main>{body}</main></ThemeContext.Provider>
    </>
  );
}
