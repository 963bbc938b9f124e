/**
 * `tenet view --export DIR`: the same app as static files with the data of chosen runs, openable from
 * file:// with no network request. DIR gets index.html, app.js, app.css and data.js (one script that sets
 * `window.__TENET_VIEW_DATA__`; a script, not JSON, because browsers refuse fetch() on file://). The app
 * sees the data and answers every page from it; flagging is off (nothing to write to), the disputes already
 * stored are shown and counted.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_RUN_KIND } from '../bench/index.ts';
import { TenetError } from '../errors.ts';
import { CSP_DIRECTIVES, cspOf } from '../server/security.ts';
import type { Store } from '../store/index.ts';
import { SamplesQuerySchema, type RunItem, type SampleRow, type StaticViewData } from './api.ts';
import { loadViewAssets, viewShell, type ViewAssets } from './app.ts';
import { compareView, graphResponse, leaderboardView, listGraphs, runReport, runSummary } from './data.ts';
import { getRunItem, iterateRows, listRunItems } from './queries.ts';
import { DEFAULT_EXPORT_MAX_SAMPLES } from './defaults.ts';

export interface ExportViewOptions {
  store: Store;
  dir: string;
  /** Runs to include (default: the 20 newest). */
  runs?: readonly string[];
  graphs?: readonly string[];
  /** Samples per run at most (default 20,000); the rest is counted in `truncated`. */
  maxSamples?: number;
  assets?: ViewAssets;
}

/**
 * The server's CSP (only our own scripts, styles and images, no inline script) with no fetch, no form, no
 * frame and no worker on top: the exported page cannot reach a network even if asked to. `frame-ancestors`
 * is left out: a <meta> CSP cannot carry it (browsers ignore it there, with a console error).
 */
export const EXPORT_CSP = cspOf(
  Object.fromEntries(
    Object.entries({ ...CSP_DIRECTIVES, 'connect-src': "'none'", 'form-action': "'none'", 'frame-src': "'none'", 'worker-src': "'none'" }).filter(([k]) => k !== 'frame-ancestors'),
  ),
);

export async function buildStaticData(options: ExportViewOptions): Promise<StaticViewData> {
  const { store } = options;
  const max = options.maxSamples ?? DEFAULT_EXPORT_MAX_SAMPLES;
  const runs: RunItem[] = options.runs && options.runs.length > 0 ? await Promise.all(options.runs.map(async (id) => (await getRunItem(store, id)).item)) : (await listRunItems(store, 20));
  const data: StaticViewData = { generatedAt: new Date().toISOString(), store: store.describe().location, runs, summaries: {}, reports: {}, samples: {}, truncated: {}, compare: {}, leaderboard: null, graphs: [], graph: {} };
  const all = SamplesQuerySchema.parse({});
  for (const item of runs) {
    data.summaries[item.id] = await runSummary(store, item.id);
    data.reports[item.id] = await runReport(store, item.id);
    const run = (await store.runs.get(item.id))!;
    const rows: SampleRow[] = [];
    for await (const page of iterateRows(store, run, all, { max })) rows.push(...page);
    data.samples[item.id] = rows;
    if (item.samples > rows.length) data.truncated[item.id] = item.samples - rows.length;
  }
  const bench = runs.filter((r) => r.kind === BENCH_RUN_KIND).map((r) => r.id);
  for (let i = 0; i < bench.length; i++) {
    for (let j = i + 1; j < bench.length; j++) data.compare[`${bench[i]},${bench[j]}`] = await compareView(store, [bench[i]!, bench[j]!]);
  }
  if (bench.length > 2) data.compare[bench.join(',')] = await compareView(store, bench);
  if (bench.length > 0) data.leaderboard = await leaderboardView(store, bench);
  const sources = { store, files: options.graphs ?? [] };
  data.graphs = await listGraphs(sources);
  for (const g of data.graphs) data.graph[g.id] = await graphResponse(sources, g.id);
  return data;
}

/** Write the static viewer into `dir`; returns what it wrote. */
export async function exportView(options: ExportViewOptions): Promise<{ dir: string; files: string[]; runs: number; samples: number; truncated: Record<string, number> }> {
  const assets = options.assets ?? loadViewAssets();
  const data = await buildStaticData(options);
  const files: [string, string][] = [
    ['index.html', viewShell({ base: './', dataScript: 'data.js', csp: EXPORT_CSP, title: 'tenet view (export)' })],
    ['app.js', assets.js],
    ['app.css', assets.css],
    ['data.js', `window.__TENET_VIEW_DATA__ = ${JSON.stringify(data)};\n`],
  ];
  try {
    mkdirSync(options.dir, { recursive: true });
    for (const [name, body] of files) writeFileSync(join(options.dir, name), body);
  } catch (error) {
    throw new TenetError('BAD_INPUT', `cannot write the export to ${options.dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { hint: 'choose a writable folder', location: { file: options.dir }, cause: error });
  }
  return { dir: options.dir, files: files.map(([n]) => n), runs: data.runs.length, samples: Object.values(data.samples).reduce((s, r) => s + r.length, 0), truncated: data.truncated };
}
