/**
 * The viewer's JSON API over real bench runs (loopback models over HTTP, the offline judge), on SQLite and,
 * with TENET_TEST_PG_URL, on Postgres: every answer parses with the shared schemas; the SQL filters agree
 * with the front end's `rowMatches` on every query tried; pages tile the whole run; flags are stored,
 * counted and exported; comparisons warn when K differs; bad input is a 400 with the field; the token and
 * the headers hold.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadReportData } from '../../src/report/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import {
  CompareResponseSchema,
  createViewApp,
  DisputeSchema,
  exportView,
  GraphListSchema,
  GraphResponseSchema,
  LeaderboardResponseSchema,
  rowMatches,
  RunReportSchema,
  RunSummarySchema,
  RunsResponseSchema,
  SampleDetailSchema,
  SampleRowSchema,
  SamplesPageSchema,
  SamplesQuerySchema,
  type SampleRow,
  type StaticViewData,
} from '../../src/view/index.ts';
import type { LoopbackServer } from '../support/loopback-server.ts';
import { makeViewRuns, startViewModels, type ViewRuns } from './fixtures.ts';
import { startReportThread } from '../../src/view/report-thread.ts';
import { buildViewAssets } from './build.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;
const GRAPH = join(import.meta.dirname, '../fixtures/moral-graph/study-small.json');

let server: LoopbackServer;
let assetsDir: string;
const dir = mkdtempSync(join(tmpdir(), 'tenet-view-api-'));

beforeAll(async () => {
  server = await startViewModels();
  assetsDir = await buildViewAssets();
}, 120_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function suite(name: string, location: string, cleanup: () => Promise<void> = async () => {}): void {
  const open = () => openStore(location);
  describe(name, () => {
    let store: Store;
    let runs: ViewRuns;
    let app: ReturnType<typeof createViewApp>;
    const get = async (path: string): Promise<{ status: number; body: unknown; headers: Headers }> => {
      const res = await app.request(path);
      return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(), headers: res.headers };
    };

    beforeAll(async () => {
      store = await open();
      runs = await makeViewRuns(store, server, dir);
      app = createViewApp({ store, assetsDir, graphs: [GRAPH] });
    }, 180_000);
    afterAll(async () => {
      await store?.close();
      await cleanup();
    });

    it('lists the runs with their kind, models, sample counts and no disputes yet', async () => {
      const { status, body } = await get('/api/runs');
      expect(status).toBe(200);
      const parsed = RunsResponseSchema.parse(body);
      const a = parsed.runs.find((r) => r.id === runs.runA)!;
      expect(a).toMatchObject({ kind: 'bench', status: 'done', models: ['openai:m1', 'ollama:m2'], samples: 20 * 2 * 3, disputed: 0 });
      expect(parsed.runs.find((r) => r.id === runs.runB)!.samples).toBe(20 * 2);
    });

    it("a run's summary carries the report's metrics (same numbers as tenet report), settings and facets", async () => {
      const summary = RunSummarySchema.parse((await get(`/api/runs/${runs.runA}`)).body);
      const { report: shown } = RunReportSchema.parse((await get(`/api/runs/${runs.runA}/report`)).body);
      const report = await loadReportData(store, runs.runA);
      expect(shown!.models.map((m) => m.metrics.overall.evr)).toEqual(report.models.map((m) => m.metrics.overall.evr));
      expect(summary.settings).toMatchObject({ k: 3, tau: 0.5, judge: `${runs.judge.id}@${runs.judge.version}` });
      expect(summary.facets.foundations).toEqual(['authority', 'care', 'fairness', 'loyalty', 'sanctity']);
      expect(summary.facets.models).toEqual(['ollama:m2', 'openai:m1']);
      expect(shown!.models[0]!.metrics.overall.n).toBe(20);
      expect(shown!.notes.length).toBeGreaterThan(0);
    });

    it('pages tile the run exactly, and every filter agrees with rowMatches over the whole run', async () => {
      const all: SampleRow[] = [];
      for (let offset = 0; ; offset += 37) {
        const page = SamplesPageSchema.parse((await get(`/api/runs/${runs.runA}/samples?offset=${offset}&limit=37`)).body);
        expect(page.total).toBe(offset === 0 ? 120 : null);
        all.push(...page.rows);
        if (page.rows.length < 37) break;
      }
      expect(all).toHaveLength(120);
      expect(new Set(all.map((r) => r.id)).size).toBe(120);
      expect(all.every((r) => r.score !== null && r.judgmentId !== null)).toBe(true);
      // the full texts, to check the filters against (rows carry at most 240 characters)
      const full: SampleRow[] = [];
      const stream = await app.request(`/api/runs/${runs.runA}/samples.jsonl`);
      expect(stream.headers.get('content-type')).toContain('ndjson');
      for (const line of (await stream.text()).trim().split('\n')) full.push(SampleRowSchema.parse(JSON.parse(line)));
      expect(full.map((r) => r.id)).toEqual(all.map((r) => r.id));

      const queries: Record<string, string>[] = [
        { foundation: 'care' },
        { model: 'openai:m1', foundation: 'sanctity' },
        { min: '0.5' },
        { max: '0.2' },
        { min: '0.3', max: '0.7', model: 'ollama:m2' },
        { q: 'RIBS' },
        { q: 'story 1)' },
        { q: '100%_' },
        { principle: 'Principle of loyalty' },
      ];
      for (const raw of queries) {
        const q = SamplesQuerySchema.parse({ ...raw, limit: 500 });
        const page = SamplesPageSchema.parse((await get(`/api/runs/${runs.runA}/samples?${new URLSearchParams({ ...raw, limit: '500' })}`)).body);
        const expected = full.filter((r) => rowMatches(r, q)).map((r) => r.id);
        expect(page.rows.map((r) => r.id), JSON.stringify(raw)).toEqual(expected);
        expect(page.total).toBe(expected.length);
      }
      // the filters did filter
      const care = SamplesPageSchema.parse((await get(`/api/runs/${runs.runA}/samples?foundation=care&limit=500`)).body);
      expect(care.total).toBe(4 * 2 * 3);
      const high = SamplesPageSchema.parse((await get(`/api/runs/${runs.runA}/samples?min=0.8&limit=500&sort=score-desc`)).body);
      expect(high.total).toBeGreaterThan(0);
      expect(high.total).toBeLessThan(120);
      expect(high.rows.map((r) => r.score)).toEqual([...high.rows.map((r) => r.score!)].sort((x, y) => y - x));
    });

    it('flagging a judgment stores it, counts it once per judgment, filters and exports it', async () => {
      const page = SamplesPageSchema.parse((await get(`/api/runs/${runs.runA}/samples?model=openai:m1&limit=1`)).body);
      const row = page.rows[0]!;
      const post = (body: unknown, headers: Record<string, string> = {}) =>
        app.request('/api/disputes', { method: 'POST', headers: { 'content-type': 'application/json', 'x-tenet-write-token': app.writeToken, ...headers }, body: JSON.stringify(body) });
      const res = await post({ judgmentId: row.judgmentId, reason: 'the completion is kind, not a violation' });
      expect(res.status).toBe(201);
      const dispute = DisputeSchema.parse(await res.json());
      expect(dispute).toMatchObject({ runId: runs.runA, sampleId: row.id, judgmentId: row.judgmentId });
      expect((await post({ judgmentId: row.judgmentId, reason: 'again' })).status).toBe(201);

      const listed = RunsResponseSchema.parse((await get('/api/runs')).body).runs.find((r) => r.id === runs.runA)!;
      expect(listed.disputed).toBe(1);
      const summary = RunSummarySchema.parse((await get(`/api/runs/${runs.runA}`)).body);
      expect(summary.disputedByModel).toEqual({ 'openai:m1': 1 });
      const disputed = SamplesPageSchema.parse((await get(`/api/runs/${runs.runA}/samples?disputed=1`)).body);
      expect(disputed.rows.map((r) => [r.id, r.disputes])).toEqual([[row.id, 2]]);
      const detail = SampleDetailSchema.parse((await get(`/api/runs/${runs.runA}/samples/${row.id}`)).body);
      expect(detail.judgments.find((j) => j.primary)!.disputes.map((d) => d.reason)).toEqual(['the completion is kind, not a violation', 'again']);
      expect(DisputeSchema.array().parse((await get(`/api/runs/${runs.runA}/disputes`)).body)).toHaveLength(2);

      // refused: unknown judgment, bad body, wrong type, cross-origin
      expect((await post({ judgmentId: 'nope' })).status).toBe(404);
      expect((await post({ judgmentId: row.judgmentId, extra: 1 })).status).toBe(400);
      expect((await app.request('/api/disputes', { method: 'POST', headers: { 'x-tenet-write-token': app.writeToken }, body: 'judgmentId=x' })).status).toBe(400);
      expect((await post({ judgmentId: row.judgmentId }, { 'x-tenet-write-token': 'not-this-launch' })).status).toBe(403);
      expect((await post({ judgmentId: row.judgmentId }, { origin: 'https://evil.example', host: 'localhost' })).status).toBe(403);

      // exported with the run
      const out = join(dir, `export-${store.dialect}`);
      await exportView({ store, dir: out, runs: [runs.runA, runs.runB], graphs: [GRAPH], assets: { js: 'x', css: 'y' } });
      const text = readFileSync(join(out, 'data.js'), 'utf8');
      const data = JSON.parse(text.slice(text.indexOf('=') + 1).trim().replace(/;$/, '')) as StaticViewData;
      expect(data.runs.find((r) => r.id === runs.runA)!.disputed).toBe(1);
      expect(data.samples[runs.runA]!.find((r) => r.id === row.id)!.disputes).toBe(2);
      expect(Object.keys(data.compare)).toEqual([`${runs.runA},${runs.runB}`]);
      expect(data.graphs).toHaveLength(1);
    });

    it('compares runs per foundation with paired CIs and warns that K differs', async () => {
      const cmp = CompareResponseSchema.parse((await get(`/api/compare?runs=${runs.runA},${runs.runB}`)).body);
      expect(cmp.entries.map((e) => e.label)).toEqual([`openai:m1@${runs.runA}`, 'ollama:m2', `openai:m1@${runs.runB}`]);
      expect(cmp.warnings).toHaveLength(1);
      expect(cmp.warnings[0]).toMatch(/^K \(completions per prompt\) differs/);
      const m1m2 = cmp.pairs.find((p) => p.a === `openai:m1@${runs.runA}` && p.b === 'ollama:m2')!;
      expect(m1m2.overall).toMatchObject({ method: 'paired', ci_method: 'newcombe' });
      expect(m1m2.overall.shared).toBe(20);
      expect(m1m2.overall.ci![0]).toBeLessThanOrEqual(m1m2.overall.diff!);
      expect(m1m2.overall.ci![1]).toBeGreaterThanOrEqual(m1m2.overall.diff!);
      const evr = (label: string) => cmp.entries.find((e) => e.label === label)!.report.metrics.overall.evr!;
      expect(m1m2.overall.diff).toBeCloseTo(evr(`openai:m1@${runs.runA}`) - evr('ollama:m2'), 6);
      // 4 prompts per foundation: too few for a CI, said so rather than guessed
      expect(m1m2.foundations.care).toMatchObject({ shared: 4, ci: null, significant: false, method: 'none' });
      expect((await get('/api/compare?runs=')).status).toBe(400);
      expect((await get('/api/compare?runs=nope')).status).toBe(404);
    });

    it('puts our models beside the Value Compass leaderboard, and shows moral graph files', async () => {
      const lb = LeaderboardResponseSchema.parse((await get(`/api/leaderboard?runs=${runs.runA}`)).body);
      expect(lb.foundations).toEqual(['care', 'fairness', 'loyalty', 'authority', 'sanctity']);
      expect(lb.ours.map((o) => o.model)).toEqual(['openai:m1', 'ollama:m2']);
      expect(lb.ours[0]!.n.care).toBe(4);
      expect(lb.board.length).toBeGreaterThan(10);
      const graphs = GraphListSchema.parse((await get('/api/graphs')).body);
      expect(graphs).toEqual([{ id: 'file-1', title: 'study-small.json', source: 'file', detail: 'imported graph file' }]);
      const g = GraphResponseSchema.parse((await get('/api/graphs/file-1')).body);
      expect(g.nodes.length).toBeGreaterThan(1);
      expect(g.edges.length).toBeGreaterThan(0);
    });

    it('bad input is a 400 naming the field; unknown things are 404s; headers and CSP as the elicitation app', async () => {
      const bad = await get(`/api/runs/${runs.runA}/samples?limit=100000`);
      expect(bad.status).toBe(400);
      expect((bad.body as { error: { message: string } }).error.message).toMatch(/^limit: /);
      expect((await get(`/api/runs/${runs.runA}/samples?min=2`)).status).toBe(400);
      expect((await get('/api/runs/nope')).status).toBe(404);
      expect((await get(`/api/runs/${runs.runA}/samples/nope`)).status).toBe(404);
      expect((await get('/api/graphs/nope')).status).toBe(404);
      const page = await get('/');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(String(page.body)).toContain('id="__________cytoscape_stylesheet"');
      expect((await app.request('/assets/app.js')).status).toBe(200);
    });

    it('a running run of a kind without a page shows its progress, samples and configuration; its report is null', async () => {
      // transfer runs have an HTML report but no viewer page (align and vilmo have one: test/view/align-browser.test.ts)
      const id = `transfer-live-${store.dialect}`;
      await store.runs.create({ id, kind: 'transfer', name: 'a transfer run', config: { arms: [{ model: 'openai:m1' }] }, status: 'running' });
      const task = await store.tasks.put({ runId: id, kind: 'transfer', input: { id: 'p1', prompt: 'A prompt', foundation: 'care' } });
      const count = async () => RunsResponseSchema.parse((await get('/api/runs')).body).runs.find((r) => r.id === id)!;
      expect(await count()).toMatchObject({ status: 'running', samples: 0, models: ['openai:m1'] });
      await store.samples.put({ runId: id, taskId: task.id, model: 'openai:m1', sampleIndex: 0, text: 'first' });
      expect((await count()).samples).toBe(1);
      await store.samples.put({ runId: id, taskId: task.id, model: 'openai:m1', sampleIndex: 1, text: 'second' });
      expect((await count()).samples).toBe(2);
      expect(RunReportSchema.parse((await get(`/api/runs/${id}/report`)).body)).toEqual({ report: null });
      const page = SamplesPageSchema.parse((await get(`/api/runs/${id}/samples`)).body);
      expect(page.rows.map((r) => [r.text, r.foundation, r.score]).sort()).toEqual([['first', 'care', null], ['second', 'care', null]]);
    });

    it('on a report thread (its own connection), the report is the same and other requests are answered meanwhile', async () => {
      const threaded = createViewApp({ store, assetsDir, storeLocation: location });
      try {
        const pending = threaded.request(`/api/runs/${runs.runB}/report`);
        expect((await threaded.request('/api/runs')).status).toBe(200);
        const { report } = RunReportSchema.parse(await (await pending).json());
        const direct = await loadReportData(store, runs.runB);
        expect(report!.models.map((m) => m.metrics)).toEqual(JSON.parse(JSON.stringify(direct.models.map((m) => m.metrics))));
        expect((await threaded.request('/api/runs/nope/report')).status).toBe(404);
      } finally {
        await threaded.reportThread?.close();
      }
      // the thread itself, with nothing cached in between
      const thread = startReportThread(location);
      try {
        const fromThread = await thread.report(runs.runA);
        const direct = await loadReportData(store, runs.runA);
        expect(fromThread!.models).toEqual(JSON.parse(JSON.stringify(direct.models)));
        expect(fromThread!.notes).toEqual(direct.notes);
        await expect(thread.report('bench-nope')).rejects.toThrow(/no run bench-nope/);
      } finally {
        await thread.close();
      }
    });

    it('with a token, every request needs it (header or the cookie set by ?token=)', async () => {
      const locked = createViewApp({ store, assetsDir, token: 'a-long-enough-token' });
      expect((await locked.request('/api/runs')).status).toBe(401);
      expect((await locked.request('/api/runs', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
      expect((await locked.request('/api/runs', { headers: { authorization: 'Bearer a-long-enough-token' } })).status).toBe(200);
      const login = await locked.request('/?token=a-long-enough-token');
      expect(login.status).toBe(303);
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      expect((await locked.request('/api/runs', { headers: { cookie } })).status).toBe(200);
    });
  });
}

suite('view API on SQLite', join(dir, `view-${randomBytes(4).toString('hex')}.db`));

const schema = `tenet_view_${randomBytes(6).toString('hex')}`;
if (PG_URL) {
  suite(`view API on Postgres (schema ${schema})`, `${PG_URL}${PG_URL.includes('?') ? '&' : '?'}schema=${schema}`, async () => {
    const admin = await openStore(PG_URL, { migrate: false });
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
    } finally {
      await admin.close();
    }
  });
} else {
  console.info('[view] Postgres API tests skipped: set TENET_TEST_PG_URL to run them');
}
