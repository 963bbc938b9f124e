/**
 * `tenet view`: a live web viewer over the store (runs, metrics with CIs, samples, disputes, comparisons,
 * the leaderboard, moral graphs) and its static export.
 *
 *   const server = await serveView({ store, port: 0 });   // then open server.url
 *   await exportView({ store, dir: 'view-export' });       // open view-export/index.html from disk
 */
export * from './api.ts';
export { createViewApp, loadViewAssets, VIEW_ASSETS_DIR, viewShell, WRITE_TOKEN_HEADER, type ViewAppOptions, type ViewAssets } from './app.ts';
export { compareView, graphResponse, leaderboardView, listGraphs, pairedEvrDiff, RUN_KIND_LOADERS, runReport, runSummary, settingsWarnings, validatedLeaderboard, type KindLoader } from './data.ts';
export { DEFAULT_EXPORT_MAX_SAMPLES, DEFAULT_VIEW_PORT, isLoopback } from './defaults.ts';
export { buildStaticData, EXPORT_CSP, exportView, type ExportViewOptions } from './export.ts';
export { addDispute, listDisputes, listRunItems, samplesPage } from './queries.ts';
export { serveView, type ServeViewOptions, type ViewServer } from './serve.ts';
