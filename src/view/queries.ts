/**
 * The viewer's reads over the store, in SQL so that memory stays flat in the size of a run: the runs list
 * with per-run counts, one page of a run's samples (filtered, sorted, text truncated), a sample's full view,
 * and the disputes (the one table the viewer writes). The task's prompt, foundation and principle and the
 * judgment's violation score live in JSON columns; `jsonText`/`jsonNumber` read them on either dialect.
 */
import { judgeIdsOf } from '../judges/ids.ts';
import { sql, type RawBuilder } from 'kysely';
import { randomUUID } from 'node:crypto';
import { TenetError } from '../errors.ts';
import type { Run, Store } from '../store/index.ts';
import { ROW_TEXT_CHARS, SamplesQuerySchema, type Dispute, type RunItem, type RunSettings, type SampleDetail, type SampleRow, type SamplesPage, type SamplesQuery } from './api.ts';

type Dialect = Store['dialect'];

function jsonText(dialect: Dialect, column: RawBuilder<unknown>, key: string): RawBuilder<string | null> {
  return dialect === 'postgres' ? sql<string | null>`(${column}::jsonb ->> ${sql.lit(key)})` : sql<string | null>`json_extract(${column}, ${sql.lit(`$.${key}`)})`;
}

function jsonNumber(dialect: Dialect, column: RawBuilder<unknown>, key: string): RawBuilder<number | null> {
  return dialect === 'postgres'
    ? sql<number | null>`(case when jsonb_typeof(${column}::jsonb -> ${sql.lit(key)}) = 'number' then (${column}::jsonb ->> ${sql.lit(key)})::double precision end)`
    : sql<number | null>`(case when json_type(${column}, ${sql.lit(`$.${key}`)}) in ('real', 'integer') then json_extract(${column}, ${sql.lit(`$.${key}`)}) end)`;
}

const asNumber = (x: unknown): number => (typeof x === 'number' ? x : Number(x ?? 0));

/** The model specs a run's configuration names (bench: models[].spec; probe: target; others: model/models). */
export function runModels(config: unknown): string[] {
  const c = (config ?? {}) as Record<string, unknown>;
  const out: string[] = [];
  const add = (x: unknown): void => {
    if (typeof x === 'string' && !out.includes(x)) out.push(x);
    else if (x && typeof x === 'object' && typeof (x as { spec?: unknown }).spec === 'string') add((x as { spec: string }).spec);
  };
  if (Array.isArray(c.models)) c.models.forEach(add);
  add(c.target);
  add(c.model);
  if (Array.isArray(c.arms)) for (const arm of c.arms) add((arm as { model?: unknown })?.model);
  return out;
}

/** K, τ, judge and template from a run's configuration, where it names them. */
export function runSettings(config: unknown): RunSettings {
  const c = (config ?? {}) as Record<string, unknown>;
  const judge = c.judge as { id?: unknown; version?: unknown } | undefined;
  return {
    k: typeof c.samples === 'number' ? c.samples : null,
    tau: typeof c.tau === 'number' ? c.tau : null,
    judge: judge && typeof judge.id === 'string' ? `${judge.id}@${String(judge.version ?? '?')}` : null,
    template: typeof c.template === 'string' ? c.template : null,
  };
}

/** The judge whose judgments a run's metrics use, when its configuration names one. */
export function runJudge(run: Run): { id: string; version: string } | undefined {
  const judge = (run.config as { judge?: { id?: unknown; version?: unknown } } | null)?.judge;
  return judge && typeof judge.id === 'string' && typeof judge.version === 'string' ? { id: judge.id, version: judge.version } : undefined;
}

/** Newest first, at most `limit`, with each run's stored samples and disputed judgments counted in SQL. */
export async function listRunItems(store: Store, limit = 500): Promise<RunItem[]> {
  const runs = await store.runs.list({ limit });
  if (runs.length === 0) return [];
  const ids = runs.map((r) => r.id);
  const db = store.kysely;
  const samples = await db.selectFrom('samples').select(['run_id', (eb) => eb.fn.countAll().as('n')]).where('run_id', 'in', ids).groupBy('run_id').execute();
  const disputes = await db.selectFrom('disputes').select(['run_id', (eb) => eb.fn.count('judgment_id').distinct().as('n')]).where('run_id', 'in', ids).groupBy('run_id').execute();
  const sampleCount = new Map(samples.map((r) => [r.run_id, asNumber(r.n)]));
  const disputeCount = new Map(disputes.map((r) => [r.run_id, asNumber(r.n)]));
  return runs.map((r) => runItem(r, sampleCount.get(r.id) ?? 0, disputeCount.get(r.id) ?? 0));
}

export function runItem(r: Run, samples: number, disputed: number): RunItem {
  return { id: r.id, kind: r.kind, name: r.name, status: r.status, createdAt: r.createdAt, updatedAt: r.updatedAt, models: runModels(r.config), samples, disputed, totals: { ...r.totals } };
}

export async function getRunItem(store: Store, id: string): Promise<{ run: Run; item: RunItem }> {
  const run = await store.runs.get(id);
  if (!run) throw new TenetError('NOT_FOUND', `no run ${id} in this store`);
  const [samples, disputed] = await Promise.all([store.samples.countByRun(id), countDisputed(store, id)]);
  return { run, item: runItem(run, samples, disputed) };
}

async function countDisputed(store: Store, runId: string): Promise<number> {
  const row = await store.kysely.selectFrom('disputes').select((eb) => eb.fn.count('judgment_id').distinct().as('n')).where('run_id', '=', runId).executeTakeFirst();
  return asNumber(row?.n);
}

/** Disputed judgments of a run per model. */
export async function disputedByModel(store: Store, runId: string): Promise<Record<string, number>> {
  const rows = await store.kysely
    .selectFrom('disputes as d')
    .innerJoin('samples as s', 's.id', 'd.sample_id')
    .select(['s.model', (eb) => eb.fn.count('d.judgment_id').distinct().as('n')])
    .where('d.run_id', '=', runId)
    .groupBy('s.model')
    .execute();
  return Object.fromEntries(rows.map((r) => [r.model, asNumber(r.n)]));
}

/** The distinct models, foundations and principles of a run's samples and tasks (the filter menus). */
export async function runFacets(store: Store, runId: string): Promise<{ models: string[]; foundations: string[]; principles: string[] }> {
  const db = store.kysely;
  const input = sql`t.input_json`;
  const models = await db.selectFrom('samples').select('model').distinct().where('run_id', '=', runId).orderBy('model').execute();
  const facet = async (key: string): Promise<string[]> => {
    const value = jsonText(store.dialect, input, key);
    const rows = await db.selectFrom('tasks as t').select(value.as('v')).distinct().where('t.run_id', '=', runId).where(value, 'is not', null).orderBy('v').limit(2000).execute();
    return rows.map((r) => String(r.v));
  };
  return { models: models.map((r) => r.model), foundations: await facet('foundation'), principles: await facet('principle') };
}

function baseQuery(store: Store, run: Run, q: SamplesQuery) {
  const d = store.dialect;
  const judge = runJudge(run);
  const input = sql`t.input_json`;
  const score = jsonNumber(d, sql`j.result_json`, 'violation');
  let query = store.kysely
    .selectFrom('samples as s')
    .innerJoin('tasks as t', 't.id', 's.task_id')
    .leftJoin('judgments as j', (join) => {
      let on = join.onRef('j.sample_id', '=', 's.id');
      if (judge) on = on.on('j.judge_id', 'in', judgeIdsOf(judge.id, judge.version)).on('j.judge_version', '=', judge.version);
      return on;
    })
    .where('s.run_id', '=', run.id);
  if (q.model) query = query.where('s.model', '=', q.model);
  if (q.foundation) query = query.where(jsonText(d, input, 'foundation'), '=', q.foundation);
  if (q.principle) query = query.where(jsonText(d, input, 'principle'), '=', q.principle);
  if (q.min !== undefined) query = query.where(score, '>=', q.min);
  if (q.max !== undefined) query = query.where(score, '<=', q.max);
  if (q.disputed) query = query.where((eb) => eb.exists(eb.selectFrom('disputes as dd').select('dd.id').whereRef('dd.judgment_id', '=', 'j.id')));
  if (q.q) {
    const needle = `%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const prompt = jsonText(d, input, 'prompt');
    query = query.where((eb) => eb.or([eb(sql`lower(s.text)`, 'like', sql`${needle} escape '\\'`), eb(sql`lower(${prompt})`, 'like', sql`${needle} escape '\\'`)]));
  }
  return { query, score, input };
}

/** One page of a run's samples with their judgment by the run's judge; texts cut to ROW_TEXT_CHARS. */
export async function samplesPage(store: Store, run: Run, q: SamplesQuery): Promise<SamplesPage> {
  let total: number | null = null;
  if (q.offset === 0) {
    const filtered = Boolean(q.model || q.foundation || q.principle || q.q || q.disputed || q.min !== undefined || q.max !== undefined);
    if (!filtered) total = await store.samples.countByRun(run.id);
    else {
      const { query } = baseQuery(store, run, q);
      total = asNumber((await query.select((eb) => eb.fn.countAll().as('n')).executeTakeFirst())?.n);
    }
  }
  const rows = await pageRows(store, run, q, q.offset, q.limit, ROW_TEXT_CHARS);
  return { total, offset: q.offset, rows };
}

/**
 * Two steps, so a deep page stays cheap: the ids of the page (filters and order only; "run order" is
 * (created_at, id), which the samples_run_idx index serves), then those rows' columns.
 */
async function pageRows(store: Store, run: Run, q: SamplesQuery, offset: number, limit: number, chars: number): Promise<SampleRow[]> {
  const d = store.dialect;
  const { query, score } = baseQuery(store, run, q);
  let ordered = query.select('s.id');
  if (q.sort === 'score-desc') ordered = ordered.orderBy(sql`coalesce(${score}, -1)`, 'desc');
  if (q.sort === 'score-asc') ordered = ordered.orderBy(sql`coalesce(${score}, 2)`, 'asc');
  const ids = (await ordered.orderBy('s.created_at').orderBy('s.id').limit(limit).offset(offset).execute()).map((r) => r.id);
  if (ids.length === 0) return [];
  const { query: byId, input } = baseQuery(store, run, SamplesQuerySchema.parse({}));
  const rows = await byId
    .where('s.id', 'in', ids)
    .select([
      's.id',
      's.task_id',
      's.model',
      's.sample_index',
      's.error',
      'j.id as judgment_id',
      sql<string>`substr(s.text, 1, ${chars})`.as('text'),
      sql<string | null>`substr(${jsonText(d, input, 'prompt')}, 1, ${chars})`.as('prompt'),
      jsonText(d, input, 'id').as('prompt_id'),
      jsonText(d, input, 'foundation').as('foundation'),
      jsonText(d, input, 'principle').as('principle'),
      score.as('score'),
      (eb) => eb.selectFrom('disputes as dd').select((e) => e.fn.countAll().as('n')).whereRef('dd.judgment_id', '=', 'j.id').as('disputes'),
    ])
    .execute();
  const byIdMap = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byIdMap.get(id)!).filter(Boolean).map((r) => ({
    id: r.id,
    taskId: r.task_id,
    promptId: r.prompt_id ?? null,
    model: r.model,
    sampleIndex: asNumber(r.sample_index),
    foundation: r.foundation ?? null,
    principle: r.principle ?? null,
    prompt: r.prompt ?? '',
    text: r.text ?? '',
    error: r.error,
    judgmentId: r.judgment_id ?? null,
    score: r.score === null || r.score === undefined ? null : asNumber(r.score),
    disputes: asNumber(r.disputes),
  }));
}

/**
 * Every row that passes the filters, a page at a time (the JSONL stream and the static export use this);
 * texts cut at `chars` characters (default: whole, up to 1,000,000).
 */
export async function* iterateRows(store: Store, run: Run, q: SamplesQuery, options: { pageSize?: number; chars?: number; max?: number } = {}): AsyncGenerator<SampleRow[]> {
  const pageSize = options.pageSize ?? 1000;
  const max = options.max ?? Number.POSITIVE_INFINITY;
  for (let offset = 0; offset < max; offset += pageSize) {
    const rows = await pageRows(store, run, q, offset, Math.min(pageSize, max - offset), options.chars ?? 1_000_000);
    if (rows.length > 0) yield rows;
    if (rows.length < Math.min(pageSize, max - offset)) return;
  }
}

export async function sampleDetail(store: Store, run: Run, sampleId: string): Promise<SampleDetail> {
  const sample = await store.samples.get(sampleId);
  if (!sample || sample.runId !== run.id) throw new TenetError('NOT_FOUND', `no sample ${sampleId} in run ${run.id}`);
  const task = await store.tasks.get(sample.taskId);
  const input = (task?.input ?? {}) as Record<string, unknown>;
  const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
  const judge = runJudge(run);
  const judgments = await store.judgments.listBySample(sampleId);
  const disputes = judgments.length ? await listDisputes(store, { judgmentIds: judgments.map((j) => j.id) }) : [];
  const details = judgments.map((j) => {
    const r = (j.result ?? {}) as Record<string, unknown>;
    const values = r.values && typeof r.values === 'object' ? Object.fromEntries(Object.entries(r.values as Record<string, unknown>).filter(([, v]) => typeof v === 'number')) as Record<string, number> : null;
    return {
      id: j.id,
      judgeId: j.judgeId,
      judgeVersion: j.judgeVersion,
      primary: judge ? judge.id === j.judgeId && judge.version === j.judgeVersion : true,
      violation: typeof r.violation === 'number' ? r.violation : null,
      values,
      rationale: typeof r.rationale === 'string' ? r.rationale : null,
      disputes: disputes.filter((d) => d.judgmentId === j.id),
    };
  });
  const primary = details.find((j) => j.primary);
  return {
    sample: {
      id: sample.id,
      taskId: sample.taskId,
      promptId: str(input.id),
      model: sample.model,
      sampleIndex: sample.sampleIndex,
      foundation: str(input.foundation),
      principle: str(input.principle),
      prompt: str(input.prompt) ?? '',
      text: sample.text,
      error: sample.error,
      judgmentId: primary?.id ?? null,
      score: primary?.violation ?? null,
      disputes: primary?.disputes.length ?? 0,
      cached: sample.cached,
      latencyMs: sample.latencyMs,
    },
    judgments: details,
  };
}

export async function listDisputes(store: Store, where: { runId?: string; judgmentIds?: string[] }): Promise<Dispute[]> {
  let q = store.kysely.selectFrom('disputes').selectAll();
  if (where.runId) q = q.where('run_id', '=', where.runId);
  if (where.judgmentIds) q = q.where('judgment_id', 'in', where.judgmentIds);
  const rows = await q.orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ id: r.id, runId: r.run_id, sampleId: r.sample_id, judgmentId: r.judgment_id, reason: r.reason, createdAt: r.created_at }));
}

/** Flag a judgment as wrong. Append-only: a second flag of the same judgment is another row, counted once. */
export async function addDispute(store: Store, judgmentId: string, reason: string): Promise<Dispute> {
  const row = await store.kysely
    .selectFrom('judgments as j')
    .innerJoin('samples as s', 's.id', 'j.sample_id')
    .select(['j.id', 'j.sample_id', 's.run_id'])
    .where('j.id', '=', judgmentId)
    .executeTakeFirst();
  if (!row) throw new TenetError('NOT_FOUND', `no judgment ${judgmentId} in this store`);
  const dispute: Dispute = { id: `dispute-${randomUUID()}`, runId: row.run_id, sampleId: row.sample_id, judgmentId, reason, createdAt: new Date().toISOString() };
  // One statement, atomic on its own; the viewer opens no transaction that it could wait on.
  await store.kysely
    .insertInto('disputes')
    .values({ id: dispute.id, run_id: dispute.runId, sample_id: dispute.sampleId, judgment_id: judgmentId, reason, created_at: dispute.createdAt })
    .execute();
  return dispute;
}
