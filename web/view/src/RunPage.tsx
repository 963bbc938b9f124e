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
  return (
    <section>
      <p className="crumbs"><a href={href(['runs'])}>Runs</a> ›</p>
      <h1>{s.run.name || s.run.id}</h1>
      <dl className="facts run-facts">
        <dt>Run</dt><dd>{s.run.id}</dd>
        <dt>Kind</dt><dd>{s.run.kind}</dd>
        <dt>Status</dt><dd className={`status status-${s.run.status}`}>{s.run.status}</dd>
        <dt>Created</dt><dd>{shortDate(s.run.createdAt)}</dd>
        <dt>Samples</dt><dd id="run-samples">{s.run.samples.toLocaleString('en')}</dd>
        <dt>K</dt><dd>{st.k ?? '—'}</dd>
        <dt>τ</dt><dd>{st.tau ?? '—'}</dd>
        <dt>Judge</dt><dd>{st.judge ?? '—'}</dd>
        {st.template ? <><dt>Template</dt><dd>{st.template}</dd></> : null}
        <dt>Disputed</dt><dd id="run-disputed">{s.run.disputed}</dd>
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
