/**
 * Where the pages get their data: the live server's JSON API (every answer parsed with the shared zod
 * schemas of src/view/api.ts), or the data a static export carries in `window.__TENET_VIEW_DATA__`.
 * Both answer the same questions, so no page knows which one it talks to.
 */
import type { z } from 'zod';
import {
  ApiErrorSchema,
  ConversationSchema,
  DiscoverViewSchema,
  type ConversationView,
  type DiscoverView,
  CompareResponseSchema,
  DisputeSchema,
  GraphListSchema,
  GraphResponseSchema,
  LabelAnswerSchema,
  LabelItemsSchema,
  LabelSampleInfoSchema,
  LabelSampleListSchema,
  LeaderboardResponseSchema,
  rowMatches,
  RunReportSchema,
  RunSummarySchema,
  RunsResponseSchema,
  SampleDetailSchema,
  SamplesPageSchema,
  type CompareResponse,
  type Dispute,
  type GraphList,
  type GraphResponse,
  type LabelAnswer,
  type LabelItems,
  type LabelSampleInfo,
  type LeaderboardResponse,
  type RunReport,
  type RunSummary,
  type RunsResponse,
  type SampleDetail,
  type SamplesPage,
  type SamplesQuery,
  type SampleRow,
  type StaticViewData,
} from '../../../src/view/api.ts';


export interface Source {
  /** False for a static export: nothing can be written and nothing changes. */
  live: boolean;
  runs(): Promise<RunsResponse>;
  run(id: string): Promise<RunSummary>;
  report(id: string): Promise<RunReport>;
  samples(id: string, q: SamplesQuery): Promise<SamplesPage>;
  sample(id: string, sampleId: string): Promise<SampleDetail>;
  flag(judgmentId: string, reason: string): Promise<Dispute>;
  compare(ids: string[]): Promise<CompareResponse>;
  leaderboard(ids: string[]): Promise<LeaderboardResponse>;
  graphs(): Promise<GraphList>;
  graph(id: string): Promise<GraphResponse>;
  /** The Label page (live viewer only). */
  labelSamples(id: string): Promise<LabelSampleInfo[]>;
  drawLabelSample(id: string, size: number, seed: number): Promise<LabelSampleInfo>;
  labelItems(id: string, seed: number, labeller: string): Promise<LabelItems>;
  label(itemId: string, label: LabelAnswer['label'], labeller: string): Promise<LabelAnswer>;
  /** The Discover page (live viewer only). */
  discover(id: string): Promise<DiscoverView>;
  conversation(id: string, conversationId: string): Promise<ConversationView>;
}

export class ApiError extends Error {}

async function call<S extends z.ZodType>(schema: S, path: string, init?: RequestInit): Promise<z.output<S>> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, ...init });
  const body: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const err = ApiErrorSchema.safeParse(body);
    throw new ApiError(err.success ? err.data.error.message : `the server answered ${res.status}`);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new ApiError(`unexpected answer from ${path.split('?')[0]}: ${parsed.error.issues[0]?.path.join('.')} ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

function queryString(q: Record<string, unknown>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '' && v !== null) p.set(k, String(v));
  return p.toString();
}

const enc = encodeURIComponent;

/** The per-launch write token the server put into the page (src/view/app.ts); every write sends it back. */
function writeToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="tenet-write-token"]')?.content ?? '';
}

function postJson(body: unknown): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-tenet-write-token': writeToken() }, body: JSON.stringify(body) };
}

export function liveSource(): Source {
  return {
    live: true,
    runs: () => call(RunsResponseSchema, 'api/runs'),
    run: (id) => call(RunSummarySchema, `api/runs/${enc(id)}`),
    report: (id) => call(RunReportSchema, `api/runs/${enc(id)}/report`),
    discover: (id) => call(DiscoverViewSchema, `api/runs/${enc(id)}/discover`),
    conversation: (id, cid) => call(ConversationSchema, `api/runs/${enc(id)}/conversations/${enc(cid)}`),
    samples: (id, q) => call(SamplesPageSchema, `api/runs/${enc(id)}/samples?${queryString(q)}`),
    sample: (id, sampleId) => call(SampleDetailSchema, `api/runs/${enc(id)}/samples/${enc(sampleId)}`),
    flag: (judgmentId, reason) => call(DisputeSchema, 'api/disputes', postJson({ judgmentId, reason })),
    labelSamples: (id) => call(LabelSampleListSchema, `api/runs/${enc(id)}/label-samples`),
    drawLabelSample: (id, size, seed) => call(LabelSampleInfoSchema, `api/runs/${enc(id)}/label-samples`, postJson({ size, seed })),
    labelItems: (id, seed, labeller) => call(LabelItemsSchema, `api/runs/${enc(id)}/label-samples/${seed}?${queryString({ labeller })}`),
    label: (itemId, label, labeller) => call(LabelAnswerSchema, 'api/labels', postJson({ itemId, label, labeller })),
    compare: (ids) => call(CompareResponseSchema, `api/compare?runs=${ids.map(enc).join(',')}`),
    leaderboard: (ids) => call(LeaderboardResponseSchema, `api/leaderboard?runs=${ids.map(enc).join(',')}`),
    graphs: () => call(GraphListSchema, 'api/graphs'),
    graph: (id) => call(GraphResponseSchema, `api/graphs/${enc(id)}`),
  };
}

function sortRows(rows: SampleRow[], sort: SamplesQuery['sort']): SampleRow[] {
  if (sort === 'order') return rows;
  const sign = sort === 'score-desc' ? -1 : 1;
  const missing = sort === 'score-desc' ? -1 : 2;
  return [...rows].sort((a, b) => sign * ((a.score ?? missing) - (b.score ?? missing)));
}

export function staticSource(data: StaticViewData): Source {
  const need = <T>(value: T | undefined, what: string): Promise<T> => (value === undefined ? Promise.reject(new ApiError(`${what} is not in this export`)) : Promise.resolve(value));
  return {
    live: false,
    runs: () =>
      Promise.resolve({
        store: data.store,
        runs: data.runs,
        live: false,
        notes: Object.entries(data.truncated).map(([run, n]) => `${run}: ${n.toLocaleString('en')} samples are not in this export (its --max-samples limit); its metrics cover all of them.`),
      }),
    run: (id) => need(data.summaries[id], `run ${id}`),
    report: (id) => need(data.reports[id], `run ${id}`),
    async samples(id, q) {
      const all = await need(data.samples[id], `run ${id}`);
      const rows = sortRows(all.filter((r) => rowMatches(r, q)), q.sort);
      return { total: rows.length, offset: q.offset, rows: rows.slice(q.offset, q.offset + q.limit) };
    },
    async sample(id, sampleId) {
      const row = (await need(data.samples[id], `run ${id}`)).find((r) => r.id === sampleId);
      const r = await need(row, `sample ${sampleId}`);
      return {
        sample: { ...r, cached: false, latencyMs: 0 },
        judgments: r.judgmentId ? [{ id: r.judgmentId, judgeId: data.summaries[id]?.settings.judge ?? 'judge', judgeVersion: '', primary: true, violation: r.score, values: null, rationale: null, disputes: [] }] : [],
      };
    },
    flag: () => Promise.reject(new ApiError('this is a static export: flag judgments in the live viewer (tenet view)')),
    labelSamples: () => Promise.reject(new ApiError('this is a static export: label samples in the live viewer (tenet view)')),
    drawLabelSample: () => Promise.reject(new ApiError('this is a static export: label samples in the live viewer (tenet view)')),
    labelItems: () => Promise.reject(new ApiError('this is a static export: label samples in the live viewer (tenet view)')),
    label: () => Promise.reject(new ApiError('this is a static export: label samples in the live viewer (tenet view)')),
    discover: () => Promise.reject(new ApiError('this is a static export: open discover runs in the live viewer (tenet view) or with tenet report')),
    conversation: () => Promise.reject(new ApiError('this is a static export: open discover runs in the live viewer (tenet view)')),
    compare: (ids) => need(data.compare[ids.join(',')] ?? data.compare[[...ids].reverse().join(',')], `a comparison of ${ids.join(' and ')}`),
    leaderboard: () => need(data.leaderboard ?? undefined, 'the leaderboard (no bench run)'),
    graphs: () => Promise.resolve(data.graphs),
    graph: (id) => need(data.graph[id], `graph ${id}`),
  };
}

declare global {
  interface Window {
    __TENET_VIEW_DATA__?: StaticViewData;
  }
}

export function pickSource(): Source {
  return window.__TENET_VIEW_DATA__ ? staticSource(window.__TENET_VIEW_DATA__) : liveSource();
}
