/**
 * What a run's page shows, by run kind. A kind lists its tabs; every kind gets the samples table and the
 * configuration. To add a kind, give it a loader in src/view/data.ts (RUN_KIND_LOADERS) and its tabs here
 * (align and vilmo: web/view/src/align.tsx).
 */
import type { ReactNode } from 'react';
import type { Report, RunSummary } from '../../../src/view/api.ts';
import { AlignOverview, VilmoOverview } from './align.tsx';
import { DiscoverPage } from './DiscoverPage.tsx';
import { LabelTab } from './LabelTab.tsx';
import { CorrectedTable, KnowingTable, FoundationBars, FoundationTable, Iterations, MetricsTable, Notes, Radars } from './metrics.tsx';
import type { Source } from './source.ts';
import { ErrorBox, useAsync } from './ui.tsx';

export interface KindTab {
  id: string;
  label: string;
  render(props: { source: Source; summary: RunSummary }): ReactNode;
}

/** Loads the run's metrics (computed once per run version on the server) and renders them. */
function WithReport({ source, summary, children }: { source: Source; summary: RunSummary; children(report: Report | null): ReactNode }): ReactNode {
  const report = useAsync(() => source.report(summary.run.id), `${summary.run.id}/${summary.run.updatedAt}`);
  if (report.error) return <ErrorBox error={report.error} />;
  if (!report.data) return <p className="muted" role="status">Computing the metrics with bootstrap CIs over {summary.run.samples.toLocaleString('en')} samples…</p>;
  return children(report.data.report);
}

function Overview({ summary, report }: { summary: RunSummary; report: Report | null }): ReactNode {
  if (!report) return <p className="muted">This kind of run has no summary page yet; its samples and configuration are in the other tabs.</p>;
  return (
    <>
      {report.models.length ? <MetricsTable summary={summary} report={report} /> : <p className="muted">No judged samples yet.</p>}
      <CorrectedTable report={report} />
      <KnowingTable report={report} />
      <FoundationBars models={report.models.map((m) => ({ id: m.model, report: m }))} />
      <FoundationTable models={report.models} />
      <h2>Schwartz value profiles</h2>
      <Radars models={report.models} />
      <h2>Notes</h2>
      <Notes notes={report.notes} />
    </>
  );
}

const overview: KindTab = { id: 'overview', label: 'Overview', render: (p) => <WithReport {...p}>{(report) => <Overview summary={p.summary} report={report} />}</WithReport> };

/** Human labels of the run's stratified label sample, blind (judge calibration; docs/viewer.md). */
const label: KindTab = { id: 'label', label: 'Label', render: (p) => <LabelTab source={p.source} summary={p.summary} /> };

/** Alignment runs: the report's best-of-N or VILMO section (proxy beside held out), then the report's notes. */
function alignTab(kind: 'align' | 'vilmo'): KindTab {
  return {
    id: 'overview',
    label: 'Overview',
    render: (p) => (
      <WithReport {...p}>
        {(report) => {
          if (kind === 'align' && report?.align) return <><AlignOverview align={report.align} /><h2>Notes</h2><Notes notes={report.notes} /></>;
          if (kind === 'vilmo' && report?.vilmo) return <><VilmoOverview results={report.vilmo.results} /><h2>Notes</h2><Notes notes={report.notes} /></>;
          return <p className="muted">No results stored yet.</p>;
        }}
      </WithReport>
    ),
  };
}

export const KIND_TABS: Record<string, KindTab[]> = {
  align: [alignTab('align')],
  bench: [overview, label],
  discover: [{ id: 'discover', label: 'Discover', render: (p) => <DiscoverPage source={p.source} run={p.summary.run.id} /> }],
  probe: [overview, { id: 'iterations', label: 'Iterations', render: (p) => <WithReport {...p}>{(report) => (report ? <Iterations report={report} /> : null)}</WithReport> }, label],
  vilmo: [alignTab('vilmo')],
};

/** The tabs a kind has before the common ones (samples, configuration). */
export function kindTabs(kind: string): KindTab[] {
  return KIND_TABS[kind] ?? [overview];
}
