/** One run: its facts (N, K, τ, judge, template), the tabs its kind has, its samples and configuration. */
import { useEffect, type ReactNode } from 'react';
import { kindTabs, type KindTab } from './kinds.tsx';
import { href, useRoute } from './route.ts';
import { SamplesTab } from './SamplesTab.tsx';
import type { Source } from './source.ts';
import { ErrorBox, Loading, shortDate, useAsync } from './ui.tsx';

export function RunPage({ source, id }: { source: Source; id: string }): ReactNode {
  const route = useRoute();
  const summary = useAsync(() => source.run(id), id);
  const running = summary.data?.run.status === 'running';
  useEffect(() => {
    if (!source.live || !running) return;
    const t = setInterval(summary.reload, 5000);
    return () => clearInterval(t);
  }, [source.live, running, summary.reload]);
  if (summary.error) return <ErrorBox error={summary.error} />;
  const s = summary.data;
  if (!s) return <Loading what={`run ${id}`} />;
  const tabs: (KindTab | { id: string; label: string; render?: undefined })[] = [...kindTabs(s.run.kind), { id: 'samples', label: 'Samples' }, { id: 'config', label: 'Configuration' }];
  const tab = tabs.find((t) => t.id === route.params.get('tab')) ?? tabs[0]!;
  const st = s.settings;
  const facts: [string, ReactNode, string?][] = [
    ['Run', s.run.id],
    ['Kind', s.run.kind],
    ['Status', s.run.status],
    ['Created', shortDate(s.run.createdAt)],
    ['Samples', s.run.samples.toLocaleString('en'), 'run-samples'],
    ['K', st.k ?? '—'],
    ['τ', st.tau ?? '—'],
    ['Judge', st.judge ?? '—'],
    ...(st.template ? [['Template', st.template] as [string, ReactNode]] : []),
    ['Disputed', s.run.disputed, 'run-disputed'],
  ];
  return (
    <section>
      <p className="crumbs"><a href={href(['runs'])}>Runs</a> ›</p>
      <h1>{s.run.name || s.run.id}</h1>
      <dl className="facts run-facts">
        {facts.map(([label, value, id]) => (
          <div key={label}><dt>{label}</dt><dd {...(id ? { id } : {})} className={label === 'Status' ? `status status-${s.run.status}` : undefined}>{value}</dd></div>
        ))}
      </dl>
      <nav className="tabs" role="tablist">
        {tabs.map((t) => (
          <a key={t.id} role="tab" aria-selected={t.id === tab.id} className={t.id === tab.id ? 'active' : ''} href={href(['run', id], { tab: t.id === tabs[0]!.id ? undefined : t.id })}>{t.label}</a>
        ))}
      </nav>
      <div role="tabpanel">
        {tab.id === 'samples' ? <SamplesTab source={source} summary={s} onChanged={summary.reload} />
          : tab.id === 'config' ? <pre className="config">{JSON.stringify(s.config, null, 2)}</pre>
          : tab.render ? tab.render({ source, summary: s }) : null}
      </div>
    </section>
  );
}
