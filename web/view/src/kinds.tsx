/**
 * What a run's page shows, by run kind. A kind lists its tabs; every kind gets the samples table and the
 * configuration. To add a kind (alignment runs: arms side by side, paired differences, quality cost),
 * give it a loader in src/view/data.ts (RUN_KIND_LOADERS) and its tabs here.
 */
import type { ReactNode } from 'react';
import type { RunSummary } from '../../../src/view/api.ts';
import { FoundationBars, FoundationTable, Iterations, MetricsTable, Notes, Radars } from './metrics.tsx';

export interface KindTab {
  id: string;
  label: string;
  render(summary: RunSummary): ReactNode;
}

function Overview({ summary }: { summary: RunSummary }): ReactNode {
  const report = summary.report;
  if (!report) return <p className="muted">This kind of run has no summary page yet; its samples and configuration are in the other tabs.</p>;
  return (
    <>
      {report.models.length ? <MetricsTable summary={summary} /> : <p className="muted">No judged samples yet.</p>}
      <FoundationBars models={report.models.map((m) => ({ id: m.model, report: m }))} />
      <FoundationTable models={report.models} />
      <h2>Schwartz value profiles</h2>
      <Radars models={report.models} />
      <h2>Notes</h2>
      <Notes notes={report.notes} />
    </>
  );
}

const overview: KindTab = { id: 'overview', label: 'Overview', render: (s) => <Overview summary={s} /> };

export const KIND_TABS: Record<string, KindTab[]> = {
  bench: [overview],
  probe: [overview, { id: 'iterations', label: 'Iterations', render: (s) => (s.report ? <Iterations report={s.report} /> : null) }],
};

/** The tabs a kind has before the common ones (samples, configuration). */
export function kindTabs(kind: string): KindTab[] {
  return KIND_TABS[kind] ?? [overview];
}
