/**
 * Reports: one self-contained HTML file per bench or probe run (works offline, loads nothing).
 *
 *   const data = await loadReportData(store, 'bench-1a2b3c4d5e6f');
 *   writeFileSync('report.html', renderReport(data));
 */
export { VIOLATION_THRESHOLD, type Interval, type MetricSet, type ModelReport, type ProbeIteration, type ProbePrinciple, type ReportData, type ValueProfile, type WorstExample } from './data.ts';
export { REPORT_CSP, renderReport, type RenderOptions } from './render.ts';
export { findReportRun, loadReportData, pickWorst, REPORT_RUN_KINDS, type LoadReportOptions, type WorstCandidate } from './load.ts';
export { esc } from './html.ts';
