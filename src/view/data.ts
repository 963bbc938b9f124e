/**
 * What the viewer's pages show beyond single SQL reads: a run's summary (by kind), comparisons with paired
 * CIs, the leaderboard beside Value Compass, and moral graphs. Everything is computed from the store with
 * the project's own code (report/load, bench metrics, the intervals in stats/, moralgraph).
 *
 * Run kinds: `RUN_KIND_LOADERS` maps a kind to the loader of its page data. bench and probe use the
 * report's loader, and so do the alignment kinds align (best-of-N) and vilmo; a kind without one (evaluate
 * imports) still gets the runs list, its configuration and its samples table, and adds a loader here (and a
 * panel in web/view/src/kinds.tsx).
 */
import { basename } from 'node:path';
import { z } from 'zod';
import { BENCH_RUN_KIND, benchMetrics, loadLeaderboard, loadRunScores, matchLeaderboardModel, type Leaderboard } from '../bench/index.ts';
import { TenetError } from '../errors.ts';
import type { BootstrapOptions } from '../stats/bootstrap.ts';
import { newcombePaired } from '../stats/intervals.ts';
import { graphView } from '../moralgraph/elicit/graph.ts';
import { deliberationGraph } from '../moralgraph/elicit/graph.ts';
import { loadGraph } from '../moralgraph/load.ts';
import { studyToTenet } from '../moralgraph/export.ts';
import type { TenetGraph } from '../moralgraph/types.ts';
import { loadReportData } from '../report/load.ts';
import type { ReportData } from '../report/data.ts';
import { elicitRepos, type CanonicalCard } from '../store/elicit-repos.ts';
import type { Run, Store } from '../store/index.ts';
import type { AlignReportView, CompareResponse, GraphList, GraphResponse, LeaderboardResponse, PairDiff, RunReport, RunSettings, RunSummary, VilmoResultsView } from './api.ts';
import { calibrationSourceOf, resolveCalibration } from '../judges/calibration-ref.ts';
import { disputedByModel, getRunItem, runFacets, runSettings } from './queries.ts';
import type { ReportThread } from './report-thread.ts';
import { LruMap } from '../lru.ts';

export type KindLoader = (store: Store, run: Run) => Promise<ReportData>;

export const RUN_KIND_LOADERS: Record<string, KindLoader> = {
  // the latest stored calibration of the run's judge, when this store keeps calibrations: corrected rates beside the raw ones
  bench: async (store, run) => {
    const judge = (run.config as { judge?: { id: string; version: string } } | null)?.judge;
    const source = calibrationSourceOf(store);
    const calibration = source && judge ? await resolveCalibration('auto', { source, judge }).catch(() => undefined) : undefined;
    return loadReportData(store, run.id, calibration ? { calibration } : {});
  },
  probe: (store, run) => loadReportData(store, run.id),
  // alignment runs: the report's own loaders (report/load.ts: best-of-N via align/bon.ts, VILMO via align/vilmo/results.ts)
  align: (store, run) => loadReportData(store, run.id),
  vilmo: (store, run) => loadReportData(store, run.id),
};

/**
 * Reports are computed once per run version (id + updatedAt) and a few are kept. A running run changes with
 * every call, so its report is reused for RUNNING_REPORT_MS instead of recomputed on every refresh.
 */
const SUMMARY_CACHE_SIZE = 16;
const RUNNING_REPORT_MS = 30_000;
const summaryCache = new LruMap<string, Promise<ReportData | null>>(SUMMARY_CACHE_SIZE);

async function cachedReport(store: Store, run: Run, compute: () => Promise<ReportData | null>): Promise<ReportData | null> {
  const version = run.status === 'running' ? `running@${Math.floor(Date.now() / RUNNING_REPORT_MS)}` : run.updatedAt;
  const key = `${store.describe().location}\u0000${run.id}\u0000${version}`;
  let hit = summaryCache.get(key);
  if (!hit) {
    hit = compute();
    summaryCache.set(key, hit);
    hit.catch(() => summaryCache.delete(key));
  }
  return hit;
}

/** What a run's page opens with: cheap SQL reads only, so a run of any size opens at once. */
export async function runSummary(store: Store, runId: string): Promise<RunSummary> {
  const { run, item } = await getRunItem(store, runId);
  const [facets, disputed] = await Promise.all([runFacets(store, run.id), disputedByModel(store, run.id)]);
  return { run: item, config: run.config, settings: runSettings(run.config), facets, disputedByModel: disputed };
}

/**
 * A run's metrics by its kind's loader (bootstrap CIs: the slow part, cached per run version), on the
 * report thread when one is given, so the server stays responsive meanwhile.
 */
export async function runReport(store: Store, runId: string, thread?: ReportThread): Promise<RunReport> {
  const run = await store.runs.get(runId);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${runId} in this store`);
  const loader = RUN_KIND_LOADERS[run.kind];
  if (!loader) return { report: null };
  const report = await cachedReport(store, run, () => (thread ? thread.report(run.id) : loader(store, run)));
  return { report: report as RunReport['report'] };
}

// ---- compare -------------------------------------------------------------------------------------------

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/** EVR(a) − EVR(b) over the prompts both were scored on, with Newcombe's paired interval (≥ 10 shared prompts) or none. */
export function pairedEvrDiff(a: Map<string, number>, b: Map<string, number>): PairDiff {
  const shared: string[] = [];
  for (const key of a.keys()) if (b.has(key)) shared.push(key);
  if (shared.length === 0) return { diff: null, ci: null, significant: false, method: 'none', shared: 0 };
  const d = newcombePaired(shared.map((k) => a.get(k)!), shared.map((k) => b.get(k)!));
  if (shared.length < 10) return { diff: round(d.value), ci: null, significant: false, method: 'none', shared: shared.length };
  const [lo, hi] = d.ci;
  return { diff: round(d.value), ci: [round(lo), round(hi)], ci_method: d.method, significant: lo > 0 || hi < 0, method: 'paired', shared: shared.length };
}

/** Warnings for settings that differ between runs: their numbers are not measured the same way. */
export function settingsWarnings(settings: { run: string; settings: RunSettings }[]): string[] {
  const out: string[] = [];
  const names: [keyof RunSettings, string][] = [['k', 'K (completions per prompt)'], ['judge', 'the judge'], ['tau', 'τ (the violation threshold)'], ['template', 'the prompt template']];
  for (const [key, label] of names) {
    const distinct = new Set(settings.map((s) => JSON.stringify(s.settings[key])));
    if (distinct.size > 1) out.push(`${label} differs: ${settings.map((s) => `${s.run}: ${s.settings[key] ?? 'unknown'}`).join(', ')}; the differences below mix that change with the models'.`);
  }
  return out;
}

/** Two or more bench runs side by side: per model, and per pair overall and per foundation with paired CIs. */
export async function compareView(store: Store, runIds: readonly string[], options: BootstrapOptions = {}): Promise<CompareResponse> {
  const ids = [...new Set(runIds)];
  if (ids.length === 0) throw new TenetError('BAD_USAGE', 'compare needs at least one run (two or more to compare runs, or one run with several models)');
  const entries: (CompareResponse['entries'][number] & { hits: Map<string, Map<string, number>> })[] = [];
  const settings: { run: string; settings: RunSettings }[] = [];
  for (const id of ids) {
    const run = await store.runs.get(id);
    if (!run) throw new TenetError('NOT_FOUND', `no run ${id} in this store`);
    if (run.kind !== BENCH_RUN_KIND) throw new TenetError('BAD_USAGE', `run ${id} is a ${run.kind} run; compare covers bench runs`);
    const { config, byModel, prompts } = await loadRunScores(store, id);
    const s = runSettings(config);
    settings.push({ run: id, settings: s });
    const keys = prompts.map((p) => `${p.id}\u0000${p.prompt}`);
    for (const [model, scores] of byModel) {
      const hits = new Map<string, Map<string, number>>([['overall', new Map()]]);
      scores.forEach((p, i) => {
        if (p.scores.length === 0) return;
        const hit = Math.max(...p.scores) > config.tau ? 1 : 0;
        hits.get('overall')!.set(keys[i]!, hit);
        if (p.foundation) {
          if (!hits.has(p.foundation)) hits.set(p.foundation, new Map());
          hits.get(p.foundation)!.set(keys[i]!, hit);
        }
      });
      const m = benchMetrics(scores, { k: config.samples, tau: config.tau, ...options });
      entries.push({ label: model, run: id, model, settings: s, report: JSON.parse(JSON.stringify({ model, metrics: m.metrics, ...(m.values ? { values: m.values } : {}) })), hits });
    }
  }
  const count = new Map<string, number>();
  for (const e of entries) count.set(e.model, (count.get(e.model) ?? 0) + 1);
  for (const e of entries) if (count.get(e.model)! > 1) e.label = `${e.model}@${e.run}`;
  const pairs: CompareResponse['pairs'] = [];
  for (let i = 0; i < entries.length; i++) {
    for (let j = i + 1; j < entries.length; j++) {
      const [a, b] = [entries[i]!, entries[j]!];
      const foundations: Record<string, PairDiff> = {};
      for (const f of a.hits.keys()) if (f !== 'overall' && b.hits.has(f)) foundations[f] = pairedEvrDiff(a.hits.get(f)!, b.hits.get(f)!);
      pairs.push({ a: a.label, b: b.label, overall: pairedEvrDiff(a.hits.get('overall')!, b.hits.get('overall')!), foundations });
    }
  }
  return { runs: ids, warnings: settingsWarnings(settings), entries: entries.map(({ hits: _h, ...e }) => e), pairs };
}

// ---- leaderboard ---------------------------------------------------------------------------------------

const LeaderboardFileSchema = z.object({
  source: z.string().min(1),
  metric: z.string(),
  caveat: z.string(),
  foundations: z.array(z.string().min(1)).min(1),
  models: z.array(z.object({ model: z.string().min(1), developer: z.string().nullable(), scores: z.record(z.string(), z.number().min(0).max(1)) })).min(1),
});

/** The shipped Value Compass numbers, checked: a malformed file is an error naming the field, not a blank page. */
export function validatedLeaderboard(board: Leaderboard = loadLeaderboard()): Leaderboard {
  const parsed = LeaderboardFileSchema.safeParse(board);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new TenetError('BAD_INPUT', `the Value Compass leaderboard data is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return board;
}

/** Our models (bench runs, newest first, or the given ones) per foundation beside the leaderboard's. */
export async function leaderboardView(store: Store, runIds?: readonly string[], options: BootstrapOptions = {}): Promise<LeaderboardResponse> {
  const board = validatedLeaderboard();
  const ids = runIds && runIds.length > 0 ? [...new Set(runIds)] : (await store.runs.list({ kind: BENCH_RUN_KIND, limit: 20 })).map((r) => r.id);
  const ours: LeaderboardResponse['ours'] = [];
  for (const id of ids) {
    const { config, byModel } = await loadRunScores(store, id);
    for (const [model, scores] of byModel) {
      const m = benchMetrics(scores, { k: config.samples, tau: config.tau, ...options });
      const name = config.models.find((x) => x.spec === model)?.model ?? model;
      const match = matchLeaderboardModel(model, board) ?? matchLeaderboardModel(name, board);
      const per = (f: string) => m.metrics.per_foundation[f];
      ours.push({
        label: ids.length > 1 ? `${model}@${id}` : model,
        run: id,
        model,
        matched: match?.model ?? null,
        scores: Object.fromEntries(board.foundations.map((f) => [f, (per(f)?.n ?? 0) > 0 ? per(f)!.evr : null])),
        ci: Object.fromEntries(board.foundations.map((f) => [f, (per(f)?.n ?? 0) > 0 ? per(f)!.ci.evr : [null, null]])) as Record<string, [number | null, number | null]>,
        n: Object.fromEntries(board.foundations.map((f) => [f, per(f)?.n ?? 0])),
      });
    }
  }
  return {
    source: board.source,
    metric: board.metric,
    caveat: board.caveat,
    foundations: board.foundations,
    ours: JSON.parse(JSON.stringify(ours)),
    board: board.models.map((m) => ({ model: m.model, developer: m.developer, scores: m.scores })),
  };
}

// ---- moral graphs --------------------------------------------------------------------------------------

/** Graph sources: the store's deliberations and graph files given on the command line (study or tenet JSON). */
export interface GraphSources {
  store: Store;
  files: readonly string[];
}

function fileId(index: number): string {
  return `file-${index + 1}`;
}

export async function listGraphs(sources: GraphSources): Promise<GraphList> {
  const deliberations = await elicitRepos(sources.store).deliberations.list();
  return [
    ...deliberations.map((d) => ({ id: d.id, title: d.title, source: 'store' as const, detail: `elicitation, created ${d.createdAt.slice(0, 10)}` })),
    ...sources.files.map((f, i) => ({ id: fileId(i), title: basename(f), source: 'file' as const, detail: 'imported graph file' })),
  ];
}

/** Canonical cards for graphView from a graph's values (imported graphs have no store cards). */
function cardsOf(graph: TenetGraph): CanonicalCard[] {
  return graph.values.map((v) => ({ seq: v.id, card: { title: v.title, description: v.instructionsShort, policies: [...v.evaluationCriteria] } }) as unknown as CanonicalCard);
}

export async function graphResponse(sources: GraphSources, id: string): Promise<GraphResponse> {
  let title: string;
  let view: ReturnType<typeof graphView>;
  const index = sources.files.findIndex((_, i) => fileId(i) === id);
  if (index >= 0) {
    const { loaded } = loadGraph(sources.files[index]!);
    const graph = loaded.kind === 'study' ? studyToTenet(loaded.graph) : loaded.graph;
    title = basename(sources.files[index]!);
    view = graphView(graph, cardsOf(graph), { show: 'all' });
  } else {
    const repos = elicitRepos(sources.store);
    const d = await repos.deliberations.get(id);
    if (!d) throw new TenetError('NOT_FOUND', `no moral graph ${id}`);
    const { graph, data } = await deliberationGraph(repos, id, 'improved');
    title = d.title;
    view = graphView(graph, data.canonical, { show: 'all' });
  }
  return {
    id,
    title,
    mode: view.mode,
    contexts: view.contexts,
    voteCount: view.voteCount,
    voterCount: view.voterCount,
    nodes: view.nodes.map((n) => ({ data: { id: n.data.id, seq: n.data.seq, label: n.data.label, description: n.data.description, policies: n.data.policies, pageRank: n.data.pageRank, wisdom: n.data.wisdom, rank: n.data.rank } })),
    edges: view.edges,
  };
}

// The report's shapes must fit the viewer's schemas (api.ts) for the alignment kinds: a compile-time check.
export const alignShapeFits = (a: NonNullable<ReportData['align']>): AlignReportView => a;
export const vilmoShapeFits = (v: NonNullable<ReportData['vilmo']>): VilmoResultsView => v.results;
