/**
 * The repositories: one implementation for SQLite and Postgres. Every query here must compile to SQL both
 * accept (Kysely's builder, ON CONFLICT, RETURNING, octet_length), so there is no dialect branch.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { sql } from 'kysely';
import { TenetError } from '../errors.ts';
import { canonicalJson, judgmentIdFor, sampleIdFor, taskIdFor } from './ids.ts';
import type { CacheTable, JudgmentsTable, RunLeasesTable, RunsTable, SamplesTable, TasksTable } from './schema.ts';
import {
  RUN_STATUSES,
  type CacheEntry,
  type CacheFilter,
  type CacheModelStats,
  type CacheRepo,
  type CacheStats,
  type Judgment,
  type JudgmentsRepo,
  type LeasesRepo,
  type NewCacheEntry,
  type NewJudgment,
  type NewSample,
  type NewTask,
  type Run,
  type RunLeaseHolder,
  type RunStatus,
  type RunTotals,
  type RunsRepo,
  type Sample,
  type SampleUsage,
  type SamplesRepo,
  type StoreRepos,
  type Task,
  type TasksRepo,
} from './types.ts';
import { redactDeep, redactSecrets, redactUrl } from '../redact.ts';
import { rowMapper } from './rows.ts';
import { chunk, guardRepo, nowIso, plainJson, requireId, toNumber } from './util.ts';
import { runFailuresRepo } from './run-failures.ts';
import { calibrationsRepo, labelsRepo } from './labels.ts';
import type { RepoContext } from './types.ts';

export type { RepoContext };


/** How the repositories reach the database: the transaction in progress, if any, else the root. */
/** Rows per multi-row INSERT, and keys per IN list (well under SQLite's and Postgres' parameter limits). */
const ROWS_PER_INSERT = 200;
const KEYS_PER_QUERY = 500;

function isRunStatus(value: unknown): value is RunStatus {
  return typeof value === 'string' && (RUN_STATUSES as readonly string[]).includes(value);
}

function checkStatus(status: unknown): RunStatus {
  if (!isRunStatus(status)) {
    throw new TenetError('BAD_INPUT', `store: run status must be one of ${RUN_STATUSES.join(', ')} (got ${JSON.stringify(status)})`);
  }
  return status;
}

function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new TenetError('BAD_INPUT', `store: ${what} must be a non-negative integer (got ${JSON.stringify(value)})`);
  }
  return value;
}

function checkFinite(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TenetError('BAD_INPUT', `store: ${what} must be a finite number (got ${JSON.stringify(value) ?? String(value)})`);
  }
  return value;
}

function dedupeBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const item of items) {
    const k = key(item);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(item);
    }
  }
  return out;
}

function byKey<T>(key: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  };
}

/**
 * Inserts rows in one transaction, skipping those already present. Rows go in sorted by key so that two
 * workers writing overlapping batches take their locks in the same order (no Postgres deadlock); a
 * deadlock that happens anyway is retried, which is safe because every insert is ON CONFLICT DO NOTHING.
 */
async function insertBatch<R>(
  ctx: RepoContext,
  rows: R[],
  key: (row: R) => string,
  insertChunk: (part: R[]) => Promise<number>,
): Promise<number> {
  const ordered = dedupeBy(rows, key).sort(byKey(key));
  if (ordered.length === 0) return 0;
  return ctx.inTransaction(
    async () => {
      let inserted = 0;
      for (const part of chunk(ordered, ROWS_PER_INSERT)) inserted += await insertChunk(part);
      return inserted;
    },
    { retries: 3 },
  );
}

// ---- row mappers -------------------------------------------------------------------------------------

function emptyTotals(): RunTotals {
  return { calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 };
}

const runRow = rowMapper<Selectable<RunsTable>>()('runs', { json: ['config_json'] });
const toTask: (row: Selectable<TasksTable>) => Task = rowMapper<Selectable<TasksTable>>()('tasks', { json: ['input_json'] });
const sampleMapper = rowMapper<Selectable<SamplesTable>>()('samples', {
  json: ['logprobs_json', 'usage_json'],
  numbers: ['sample_index', 'cost_usd', 'latency_ms'],
  flags: ['cached'],
});
const toJudgment: (row: Selectable<JudgmentsTable>) => Judgment = rowMapper<Selectable<JudgmentsTable>>()('judgments', { json: ['result_json'] });
const toCacheEntry: (row: Selectable<CacheTable>) => CacheEntry = rowMapper<Selectable<CacheTable>>()('cache', {
  json: ['response_json'],
  numbers: ['sample_index', 'hits'],
  key: 'key',
});

function toRun(row: Selectable<RunsTable>, totals: RunTotals): Run {
  const run = runRow(row);
  return { ...run, status: run.status as RunStatus, totals };
}

function toSample(row: Selectable<SamplesTable>): Sample {
  const sample = sampleMapper(row);
  return { ...sample, usage: sample.usage as SampleUsage };
}

// ---- row builders ------------------------------------------------------------------------------------

function taskRow(task: NewTask, now: string): Selectable<TasksTable> {
  const runId = requireId(task.runId, 'task.runId');
  const kind = requireId(task.kind, 'task.kind');
  const id = task.id === undefined ? taskIdFor(runId, kind, task.input) : requireId(task.id, 'task.id');
  return { id, run_id: runId, kind, input_json: canonicalJson(task.input), created_at: task.createdAt ?? now };
}

function sampleRow(sample: NewSample, now: string): Selectable<SamplesTable> {
  const runId = requireId(sample.runId, 'sample.runId');
  const taskId = requireId(sample.taskId, 'sample.taskId');
  const model = requireId(sample.model, 'sample.model');
  const sampleIndex = checkCount(sample.sampleIndex, 'sample.sampleIndex');
  const id = sample.id === undefined ? sampleIdFor(runId, taskId, model, sampleIndex) : requireId(sample.id, 'sample.id');
  if (typeof sample.text !== 'string') {
    throw new TenetError('BAD_INPUT', `store: sample.text must be a string (sample ${id})`);
  }
  const costUsd = sample.costUsd ?? null;
  return {
    id,
    run_id: runId,
    task_id: taskId,
    model,
    sample_index: sampleIndex,
    text: sample.text,
    logprobs_json: sample.logprobs === undefined || sample.logprobs === null ? null : plainJson(sample.logprobs),
    usage_json: canonicalJson(sample.usage ?? { inputTokens: 0, outputTokens: 0 }),
    cost_usd: costUsd === null ? null : checkFinite(costUsd, 'sample.costUsd'),
    latency_ms: checkFinite(sample.latencyMs ?? 0, 'sample.latencyMs'),
    cached: sample.cached ? 1 : 0,
    error: sample.error === undefined || sample.error === null ? null : redactSecrets(sample.error),
    created_at: sample.createdAt ?? now,
  };
}

function judgmentRow(judgment: NewJudgment, now: string): Selectable<JudgmentsTable> {
  const sampleId = requireId(judgment.sampleId, 'judgment.sampleId');
  const judgeId = requireId(judgment.judgeId, 'judgment.judgeId');
  const judgeVersion = requireId(judgment.judgeVersion, 'judgment.judgeVersion');
  const id = judgment.id === undefined ? judgmentIdFor(sampleId, judgeId, judgeVersion) : requireId(judgment.id, 'judgment.id');
  return {
    id,
    sample_id: sampleId,
    judge_id: judgeId,
    judge_version: judgeVersion,
    result_json: canonicalJson(judgment.result),
    created_at: judgment.createdAt ?? now,
  };
}

function cacheRow(entry: NewCacheEntry, now: string): Selectable<CacheTable> {
  return {
    key: requireId(entry.key, 'cache entry key'),
    provider: requireId(entry.provider, 'cache entry provider'),
    base_url: entry.baseUrl === undefined || entry.baseUrl === null ? null : redactUrl(entry.baseUrl),
    model: requireId(entry.model, 'cache entry model'),
    sample_index: checkCount(entry.sampleIndex, 'cache entry sampleIndex'),
    response_json: plainJson(entry.response),
    created_at: entry.createdAt ?? now,
    hits: 0,
    last_hit_at: null,
  };
}

// ---- repositories ------------------------------------------------------------------------------------

function runsRepo(ctx: RepoContext): RunsRepo {
  /**
   * Each run's totals (the sums of its entries) and when an entry was last added: a run changes when its
   * totals do, so its updatedAt is the later of the row's own and that.
   */
  async function totalsFor(runIds: string[]): Promise<Map<string, { totals: RunTotals; lastAt: string }>> {
    const out = new Map<string, { totals: RunTotals; lastAt: string }>();
    for (const id of runIds) out.set(id, { totals: emptyTotals(), lastAt: '' });
    for (const ids of chunk(runIds, KEYS_PER_QUERY)) {
      const rows = await ctx
        .db()
        .selectFrom('run_total_entries')
        .select((eb) => ['run_id', 'key', eb.fn.sum<number>('value').as('value'), eb.fn.max('created_at').as('last_at')])
        .where('run_id', 'in', ids)
        .groupBy(['run_id', 'key'])
        .execute();
      for (const row of rows) {
        const entry = out.get(row.run_id);
        if (!entry) continue;
        entry.totals[row.key] = toNumber(row.value);
        if (row.last_at > entry.lastAt) entry.lastAt = row.last_at;
      }
    }
    return out;
  }

  function withTotals(row: Selectable<RunsTable>, found: { totals: RunTotals; lastAt: string } | undefined): Run {
    const lastAt = found?.lastAt ?? '';
    return toRun(lastAt > row.updated_at ? { ...row, updated_at: lastAt } : row, found?.totals ?? emptyTotals());
  }

  async function get(id: string): Promise<Run | undefined> {
    const row = await ctx.db().selectFrom('runs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    return withTotals(row, (await totalsFor([id])).get(id));
  }

  return {
    async create(run) {
      const id = requireId(run.id, 'run.id');
      const kind = requireId(run.kind, 'run.kind');
      const now = nowIso();
      await ctx
        .db()
        .insertInto('runs')
        .values({
          id,
          kind,
          name: run.name ?? '',
          // Credentials (e.g. in a base URL) are never stored.
          config_json: canonicalJson(redactDeep(run.config ?? null)),
          status: checkStatus(run.status ?? 'running'),
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      const stored = await get(id);
      if (!stored) throw new TenetError('STORE', `store: run ${id} vanished right after it was created`);
      return stored;
    },

    get,

    async list(filter = {}) {
      let query = ctx.db().selectFrom('runs').selectAll();
      if (filter.kind !== undefined) query = query.where('kind', '=', filter.kind);
      if (filter.status !== undefined) query = query.where('status', '=', checkStatus(filter.status));
      query = query.orderBy('created_at', 'desc').orderBy('id', 'desc');
      if (filter.limit !== undefined) query = query.limit(checkCount(filter.limit, 'limit'));
      const rows = await query.execute();
      const totals = await totalsFor(rows.map((r) => r.id));
      return rows.map((row) => withTotals(row, totals.get(row.id)));
    },

    async setStatus(id, status) {
      const result = await ctx
        .db()
        .updateTable('runs')
        .set({ status: checkStatus(status), updated_at: nowIso() })
        .where('id', '=', id)
        .executeTakeFirst();
      if (toNumber(result.numUpdatedRows) === 0) throw new TenetError('NOT_FOUND', `store: no run with id ${id}`);
    },

    async addTotals(id, delta) {
      const entries = Object.entries(delta)
        .filter((e): e is [string, number] => e[1] !== undefined)
        .map(([key, value]): [string, number] => [key, checkFinite(value, `totals.${key}`)]);
      // A plain read: nothing here locks the run's row, which every writer of the run would share.
      const run = await ctx.db().selectFrom('runs').select('id').where('id', '=', id).executeTakeFirst();
      if (!run) throw new TenetError('NOT_FOUND', `store: no run with id ${id}`);
      // Rows of this addition only (append-only, summed on read): concurrent writers never wait on each other.
      const entryId = randomUUID();
      const now = nowIso();
      if (entries.length > 0) {
        await ctx
          .db()
          .insertInto('run_total_entries')
          .values(entries.map(([key, value]) => ({ run_id: id, entry_id: entryId, key, value, created_at: now })))
          .execute();
      }
    },
  };
}

function tasksRepo(ctx: RepoContext): TasksRepo {
  async function insertRows(rows: Selectable<TasksTable>[]): Promise<number> {
    const res = await ctx.db().insertInto('tasks').values(rows).onConflict((oc) => oc.doNothing()).returning('id').execute();
    return res.length;
  }
  return {
    async put(task) {
      const row = taskRow(task, nowIso());
      return { inserted: (await insertRows([row])) === 1, id: row.id };
    },
    async putMany(tasks) {
      const now = nowIso();
      const rows = tasks.map((t) => taskRow(t, now));
      return { inserted: await insertBatch(ctx, rows, (r) => r.id, insertRows) };
    },
    async get(id) {
      const row = await ctx.db().selectFrom('tasks').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toTask(row) : undefined;
    },
    async listByRun(runId, filter) {
      if (filter?.kinds?.length === 0) return []; // SQL's `in ()` cannot say "none"
      const rows = await ctx.db().selectFrom('tasks').selectAll().where('run_id', '=', runId)
        .$if(filter?.kinds !== undefined, (q) => q.where('kind', 'in', [...filter!.kinds!]))
        .orderBy('created_at').orderBy('id').execute();
      return rows.map(toTask);
    },
  };
}

/** The ids of a run's tasks of some kinds, as the subquery of a read narrowed to task kinds. */
function taskIdsOfKinds(ctx: RepoContext, runId: string, kinds: readonly string[]) {
  return ctx.db().selectFrom('tasks').select('id').where('run_id', '=', runId).where('kind', 'in', [...kinds]);
}

function samplesRepo(ctx: RepoContext): SamplesRepo {
  async function insertRows(rows: Selectable<SamplesTable>[]): Promise<number> {
    const res = await ctx.db().insertInto('samples').values(rows).onConflict((oc) => oc.doNothing()).returning('id').execute();
    return res.length;
  }
  return {
    async put(sample) {
      const row = sampleRow(sample, nowIso());
      return { inserted: (await insertRows([row])) === 1, id: row.id };
    },
    async putMany(samples) {
      const now = nowIso();
      const rows = samples.map((s) => sampleRow(s, now));
      return { inserted: await insertBatch(ctx, rows, (r) => r.id, insertRows) };
    },
    async get(id) {
      const row = await ctx.db().selectFrom('samples').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toSample(row) : undefined;
    },
    async listByRun(runId, filter) {
      if (filter?.kinds?.length === 0) return []; // SQL's `in ()` cannot say "none"
      const rows = await ctx
        .db()
        .selectFrom('samples')
        .selectAll()
        .where('run_id', '=', runId)
        .$if(filter?.kinds !== undefined, (q) => q.where('task_id', 'in', taskIdsOfKinds(ctx, runId, filter!.kinds!)))
        .orderBy('created_at')
        .orderBy('task_id')
        .orderBy('model')
        .orderBy('sample_index')
        .orderBy('id')
        .execute();
      return rows.map(toSample);
    },
    async existingIds(runId) {
      const rows = await ctx.db().selectFrom('samples').select('id').where('run_id', '=', runId).execute();
      return new Set(rows.map((r) => r.id));
    },
    async countByRun(runId) {
      const row = await ctx
        .db()
        .selectFrom('samples')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('run_id', '=', runId)
        .executeTakeFirst();
      return toNumber(row?.n);
    },
  };
}

function judgmentsRepo(ctx: RepoContext): JudgmentsRepo {
  async function insertRows(rows: Selectable<JudgmentsTable>[]): Promise<number> {
    // No conflict target: a clash on the id or on (sample_id, judge_id, judge_version) is a no-op.
    const res = await ctx.db().insertInto('judgments').values(rows).onConflict((oc) => oc.doNothing()).returning('id').execute();
    return res.length;
  }
  return {
    async put(judgment) {
      const row = judgmentRow(judgment, nowIso());
      return { inserted: (await insertRows([row])) === 1, id: row.id };
    },
    async putMany(judgments) {
      const now = nowIso();
      const rows = dedupeBy(
        judgments.map((j) => judgmentRow(j, now)),
        (r) => canonicalJson([r.sample_id, r.judge_id, r.judge_version]),
      );
      return { inserted: await insertBatch(ctx, rows, (r) => r.id, insertRows) };
    },
    async listBySample(sampleId) {
      const rows = await ctx
        .db()
        .selectFrom('judgments')
        .selectAll()
        .where('sample_id', '=', sampleId)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toJudgment);
    },
    async listByRun(runId, filter) {
      if (filter?.kinds?.length === 0) return []; // SQL's `in ()` cannot say "none"
      const rows = await ctx
        .db()
        .selectFrom('judgments as j')
        .innerJoin('samples as s', 's.id', 'j.sample_id')
        .selectAll('j')
        .where('s.run_id', '=', runId)
        .$if(filter?.kinds !== undefined, (q) => q.where('s.task_id', 'in', taskIdsOfKinds(ctx, runId, filter!.kinds!)))
        .orderBy('j.created_at')
        .orderBy('j.id')
        .execute();
      return rows.map(toJudgment);
    },
    async judgedSampleIds(runId, judgeId, judgeVersion) {
      const rows = await ctx
        .db()
        .selectFrom('judgments as j')
        .innerJoin('samples as s', 's.id', 'j.sample_id')
        .select('j.sample_id')
        .where('s.run_id', '=', runId)
        .where('j.judge_id', '=', judgeId)
        .where('j.judge_version', '=', judgeVersion)
        .execute();
      return new Set(rows.map((r) => r.sample_id));
    },
  };
}

function cacheRepo(ctx: RepoContext): CacheRepo {
  return {
    async getMany(keys, options = {}) {
      const out = new Map<string, CacheEntry>();
      const unique = [...new Set(keys)];
      const countHits = options.countHits ?? true;
      for (const part of chunk(unique, KEYS_PER_QUERY)) {
        const rows = countHits
          ? await ctx
              .db()
              .updateTable('cache')
              .set((eb) => ({ hits: eb('hits', '+', 1), last_hit_at: nowIso() }))
              .where('key', 'in', part)
              .returningAll()
              .execute()
          : await ctx.db().selectFrom('cache').selectAll().where('key', 'in', part).execute();
        for (const row of rows) out.set(row.key, toCacheEntry(row));
      }
      return out;
    },

    async putMany(entries) {
      const now = nowIso();
      const rows = entries.map((e) => cacheRow(e, now));
      const inserted = await insertBatch(ctx, rows, (r) => r.key, async (part) => {
        const res = await ctx.db().insertInto('cache').values(part).onConflict((oc) => oc.column('key').doNothing()).returning('key').execute();
        return res.length;
      });
      return { inserted };
    },

    async stats() {
      const rows = await ctx
        .db()
        .selectFrom('cache')
        .select((eb) => [
          'provider',
          'model',
          eb.fn.countAll().as('entries'),
          eb.fn.sum('hits').as('hits'),
          eb.fn.sum(sql<number>`octet_length(response_json)`).as('bytes'),
        ])
        .groupBy(['provider', 'model'])
        .orderBy('provider')
        .orderBy('model')
        .execute();
      const byModel: CacheModelStats[] = rows.map((r) => ({
        provider: r.provider,
        model: r.model,
        entries: toNumber(r.entries),
        hits: toNumber(r.hits),
        bytes: toNumber(r.bytes),
      }));
      const stats: CacheStats = { entries: 0, hits: 0, bytes: 0, byModel };
      for (const m of byModel) {
        stats.entries += m.entries;
        stats.hits += m.hits;
        stats.bytes += m.bytes;
      }
      return stats;
    },

    async clear(filter: CacheFilter = {}) {
      let query = ctx.db().deleteFrom('cache');
      if (filter.provider !== undefined) query = query.where('provider', '=', filter.provider);
      if (filter.model !== undefined) query = query.where('model', '=', filter.model);
      const result = await query.executeTakeFirst();
      return toNumber(result.numDeletedRows);
    },
  };
}

const toLeaseHolder: (row: Selectable<RunLeasesTable>) => RunLeaseHolder = rowMapper<Selectable<RunLeasesTable>>()('run_leases', { key: 'run_id' });

function leasesRepo(ctx: RepoContext): LeasesRepo {
  const expiry = (ttlMs: number): string => new Date(Date.now() + checkFinite(ttlMs, 'lease ttlMs')).toISOString();
  async function get(runId: string): Promise<RunLeaseHolder | undefined> {
    const row = await ctx.db().selectFrom('run_leases').selectAll().where('run_id', '=', runId).executeTakeFirst();
    return row ? toLeaseHolder(row) : undefined;
  }
  return {
    async acquire(runId, owner, ttlMs) {
      requireId(runId, 'lease runId');
      requireId(owner, 'lease owner');
      const now = nowIso();
      const expiresAt = expiry(ttlMs);
      // Taken when free; taken over when expired; renewed when already ours: one statement, so two
      // processes racing for it cannot both win.
      const won = await ctx
        .db()
        .insertInto('run_leases')
        .values({ run_id: runId, owner, acquired_at: now, heartbeat_at: now, expires_at: expiresAt })
        .onConflict((oc) =>
          oc
            .column('run_id')
            .doUpdateSet({ owner, acquired_at: now, heartbeat_at: now, expires_at: expiresAt })
            .where((eb) => eb.or([eb('run_leases.expires_at', '<=', now), eb('run_leases.owner', '=', owner)])),
        )
        .returningAll()
        .executeTakeFirst();
      if (won) return { acquired: true, holder: toLeaseHolder(won) };
      const holder = await get(runId);
      if (!holder) throw new TenetError('STORE', `store: the lease of run ${runId} vanished while it was being taken; retry`);
      return { acquired: holder.owner === owner, holder };
    },
    async heartbeat(runId, owner, ttlMs) {
      const now = nowIso();
      const res = await ctx
        .db()
        .updateTable('run_leases')
        .set({ heartbeat_at: now, expires_at: expiry(ttlMs) })
        .where('run_id', '=', runId)
        .where('owner', '=', owner)
        .executeTakeFirst();
      return toNumber(res.numUpdatedRows) > 0;
    },
    async release(runId, owner) {
      await ctx.db().deleteFrom('run_leases').where('run_id', '=', runId).where('owner', '=', owner).execute();
    },
    async takeOver(runId, from, owner, ttlMs) {
      requireId(owner, 'lease owner');
      const now = nowIso();
      const res = await ctx
        .db()
        .updateTable('run_leases')
        .set({ owner, acquired_at: now, heartbeat_at: now, expires_at: expiry(ttlMs) })
        .where('run_id', '=', runId)
        .where('owner', '=', from)
        .executeTakeFirst();
      return toNumber(res.numUpdatedRows) > 0;
    },
    get,
  };
}

/** The repositories over one context, each turning database errors into TenetError('STORE'). */
export function createRepos(ctx: RepoContext): StoreRepos {
  return {
    runs: guardRepo('runs', runsRepo(ctx)),
    leases: guardRepo('leases', leasesRepo(ctx)),
    runFailures: guardRepo('run failures', runFailuresRepo(ctx)),
    tasks: guardRepo('tasks', tasksRepo(ctx)),
    samples: guardRepo('samples', samplesRepo(ctx)),
    judgments: guardRepo('judgments', judgmentsRepo(ctx)),
    cache: guardRepo('cache', cacheRepo(ctx)),
    labels: guardRepo('labels', labelsRepo(ctx)),
    calibrations: guardRepo('calibrations', calibrationsRepo(ctx)),
  };
}
