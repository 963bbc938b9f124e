/**
 * The store's behaviour, written once and run against every backend (SQLite file, SQLite :memory:,
 * Postgres). Each backend file calls `storeSuite` with a target that can open the same database again.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import {
  MIGRATION_NAMES,
  sampleIdFor,
  storeCache,
  type NewSample,
  type Store,
  type StoreDialect,
} from '../../src/store/index.ts';

export interface StoreTarget {
  dialect: StoreDialect;
  /** Opens a store on the same database every time it is called. */
  open(): Promise<Store>;
  /** The same, without applying migrations (to repair what a test broke). */
  openRaw(): Promise<Store>;
  /** False for :memory:, where a second open is a different database. */
  reopenable: boolean;
  /** Runs once after the suite (drop the Postgres schema, remove the temp dir). */
  cleanup?(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function uid(prefix: string): string {
  return `${prefix}-${randomUUID()}`;
}

async function expectTenetError(promise: Promise<unknown>, code: string): Promise<TenetError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(TenetError);
    expect((e as TenetError).code).toBe(code);
    return e as TenetError;
  }
  throw new Error(`expected a TenetError(${code}) but the promise resolved`);
}

function sample(runId: string, taskId: string, i: number, extra: Partial<NewSample> = {}): NewSample {
  return {
    runId,
    taskId,
    model: 'openai:gpt-4o-mini',
    sampleIndex: i,
    text: `answer ${i}`,
    usage: { inputTokens: 10, outputTokens: 5 },
    costUsd: 0.001,
    latencyMs: 12.5,
    cached: false,
    ...extra,
  };
}

export function storeSuite(label: string, target: StoreTarget): void {
  describe(label, () => {
    let store: Store;

    beforeAll(async () => {
      store = await target.open();
    });

    afterAll(async () => {
      await store?.close();
      await target.cleanup?.();
    });

    describe('open and migrations', () => {
      it('applies every migration on a fresh database, once', async () => {
        const applied = await store.migrations();
        expect(applied.map((m) => m.name)).toEqual([...MIGRATION_NAMES]);
        for (const m of applied) expect(Number.isNaN(Date.parse(m.executedAt))).toBe(false);
      });

      it('describes itself', () => {
        const d = store.describe();
        expect(d.dialect).toBe(target.dialect);
        expect(store.dialect).toBe(target.dialect);
        expect(d.location.length).toBeGreaterThan(0);
        expect(d.location).not.toMatch(/:[^:@/]+@/); // no password shown
      });

      it.skipIf(!target.reopenable)('is a no-op on reopen and keeps the data', async () => {
        const runId = uid('reopen');
        await store.runs.create({ id: runId, kind: 'test', name: 'kept' });
        const before = await store.migrations();
        const again = await target.open();
        try {
          const after = await again.migrations();
          expect(after).toEqual(before);
          expect(after.filter((m) => m.name === '0001_initial')).toHaveLength(1);
          expect((await again.runs.get(runId))?.name).toBe('kept');
        } finally {
          await again.close();
        }
      });

      it.skipIf(!target.reopenable)('refuses a database migrated by a newer tenet, with a hint', async () => {
        const probe = await target.open();
        await sql`insert into tenet_migration (name, timestamp) values ('9999_from_the_future', '2099-01-01T00:00:00.000Z')`.execute(probe.kysely);
        await probe.close();
        try {
          const err = (await target.open().then(
            (s) => s.close().then(() => undefined),
            (e: unknown) => e,
          )) as TenetError;
          expect(err).toBeInstanceOf(TenetError);
          expect(err.code).toBe('STORE');
          expect(err.hint).toMatch(/newer version of tenet/);
        } finally {
          // The store refuses to open now, so clean up through one that skips migrations.
          const raw = await target.openRaw();
          await sql`delete from tenet_migration where name = '9999_from_the_future'`.execute(raw.kysely);
          await raw.close();
        }
      });

      it('close() can be called twice', async () => {
        const other = await target.open();
        await other.close();
        await other.close();
      });
    });

    describe('runs', () => {
      it('creates a run with defaults', async () => {
        const id = uid('run');
        const run = await store.runs.create({ id, kind: 'bench', name: 'first', config: { models: ['a', 'b'], k: 3 } });
        expect(run).toMatchObject({ id, kind: 'bench', name: 'first', status: 'running', config: { models: ['a', 'b'], k: 3 } });
        expect(run.totals).toEqual({ calls: 0, cachedCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 });
        expect(run.createdAt).toBe(run.updatedAt);
        expect(new Date(run.createdAt).toISOString()).toBe(run.createdAt);
      });

      it('create returns the existing run unchanged when the id is taken', async () => {
        const id = uid('run');
        const first = await store.runs.create({ id, kind: 'bench', name: 'original', config: { a: 1 } });
        await sleep(5);
        const second = await store.runs.create({ id, kind: 'probe', name: 'changed', config: { a: 2 } });
        expect(second).toEqual(first);
        expect((await store.runs.list()).filter((r) => r.id === id)).toHaveLength(1);
      });

      it('get returns undefined for an unknown id', async () => {
        expect(await store.runs.get(uid('nope'))).toBeUndefined();
      });

      it('lists newest first, by kind, with a limit', async () => {
        const kind = uid('kind');
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const id = uid(`list${i}`);
          ids.push(id);
          await store.runs.create({ id, kind, name: `n${i}` });
          await sleep(3);
        }
        const listed = await store.runs.list({ kind });
        expect(listed.map((r) => r.id)).toEqual([...ids].reverse());
        const limited = await store.runs.list({ kind, limit: 2 });
        expect(limited.map((r) => r.id)).toEqual([ids[2], ids[1]]);
        await store.runs.setStatus(ids[0]!, 'done');
        expect((await store.runs.list({ kind, status: 'done' })).map((r) => r.id)).toEqual([ids[0]]);
      });

      it('sets the status and bumps updatedAt', async () => {
        const id = uid('run');
        const run = await store.runs.create({ id, kind: 'bench' });
        await sleep(3);
        await store.runs.setStatus(id, 'interrupted');
        const got = await store.runs.get(id);
        expect(got?.status).toBe('interrupted');
        expect(got!.updatedAt > run.updatedAt).toBe(true);
        expect(got!.createdAt).toBe(run.createdAt);
      });

      it('refuses unknown runs and bad statuses', async () => {
        const e = await expectTenetError(store.runs.setStatus(uid('missing'), 'done'), 'NOT_FOUND');
        expect(e.message).toMatch(/no run/);
        const id = uid('run');
        await store.runs.create({ id, kind: 'bench' });
        await expectTenetError(store.runs.setStatus(id, 'weird' as never), 'BAD_INPUT');
        await expectTenetError(store.runs.addTotals(uid('missing'), { calls: 1 }), 'NOT_FOUND');
        await expectTenetError(store.runs.addTotals(id, { calls: Number.NaN }), 'BAD_INPUT');
      });

      it('addTotals sums exactly under 50 concurrent increments', async () => {
        const id = uid('totals');
        await store.runs.create({ id, kind: 'bench' });
        await Promise.all(
          Array.from({ length: 50 }, (_, i) =>
            store.runs.addTotals(id, {
              calls: 1,
              cachedCalls: i % 2,
              inputTokens: 100,
              outputTokens: 7,
              costUsd: 0.25,
              retries: 2,
            }),
          ),
        );
        const run = await store.runs.get(id);
        expect(run?.totals).toEqual({
          calls: 50,
          cachedCalls: 25,
          inputTokens: 5000,
          outputTokens: 350,
          costUsd: 12.5,
          retries: 100,
        });
      });

      it('addTotals with fractional costs stays close to the exact sum', async () => {
        const id = uid('cost');
        await store.runs.create({ id, kind: 'bench' });
        await Promise.all(Array.from({ length: 30 }, () => store.runs.addTotals(id, { costUsd: 0.000123 })));
        expect((await store.runs.get(id))!.totals.costUsd).toBeCloseTo(30 * 0.000123, 12);
      });
    });

    describe('tasks', () => {
      it('put is idempotent on the id and derives one when missing', async () => {
        const runId = uid('run');
        await store.runs.create({ id: runId, kind: 'bench' });
        const a = await store.tasks.put({ runId, kind: 'prompt', input: { prompt: 'hi', b: [1, 2] } });
        const b = await store.tasks.put({ runId, kind: 'prompt', input: { b: [1, 2], prompt: 'hi' } });
        expect(a.inserted).toBe(true);
        expect(b).toEqual({ inserted: false, id: a.id });
        const listed = await store.tasks.listByRun(runId);
        expect(listed).toHaveLength(1);
        expect(listed[0]).toMatchObject({ id: a.id, runId, kind: 'prompt', input: { prompt: 'hi', b: [1, 2] } });
        expect(await store.tasks.get(a.id)).toEqual(listed[0]);
      });

      it('putMany inserts new tasks only', async () => {
        const runId = uid('run');
        await store.runs.create({ id: runId, kind: 'bench' });
        await store.tasks.put({ id: `${runId}/t0`, runId, kind: 'k', input: 0 });
        const res = await store.tasks.putMany(
          ['t0', 't1', 't1', 't2'].map((t, i) => ({ id: `${runId}/${t}`, runId, kind: 'k', input: i })),
        );
        expect(res.inserted).toBe(2); // t0 existed, t1 is listed twice
        expect((await store.tasks.listByRun(runId)).map((t) => t.id).sort()).toEqual([`${runId}/t0`, `${runId}/t1`, `${runId}/t2`]);
      });

      it('refuses a task whose run does not exist (foreign key)', async () => {
        const e = await expectTenetError(store.tasks.put({ runId: uid('ghost'), kind: 'k', input: null }), 'STORE');
        expect(e.message).toMatch(/tasks\.put/);
        expect(e.hint).toMatch(/run/);
      });
    });

    describe('samples', () => {
      let runId: string;
      beforeAll(async () => {
        runId = uid('samples');
        await store.runs.create({ id: runId, kind: 'bench' });
      });

      it('the same sample twice is one row; the second write is a no-op', async () => {
        const first = await store.samples.put(sample(runId, 'task-a', 0, { logprobs: [{ token: 'x', logprob: -0.5 }] }));
        const second = await store.samples.put(sample(runId, 'task-a', 0, { text: 'different text' }));
        expect(first.inserted).toBe(true);
        expect(second.inserted).toBe(false);
        expect(second.id).toBe(first.id);
        expect(first.id).toBe(sampleIdFor(runId, 'task-a', 'openai:gpt-4o-mini', 0));
        const got = await store.samples.get(first.id);
        expect(got).toMatchObject({
          id: first.id,
          runId,
          taskId: 'task-a',
          model: 'openai:gpt-4o-mini',
          sampleIndex: 0,
          text: 'answer 0',
          logprobs: [{ token: 'x', logprob: -0.5 }],
          usage: { inputTokens: 10, outputTokens: 5 },
          costUsd: 0.001,
          latencyMs: 12.5,
          cached: false,
          error: null,
        });
      });

      it('keeps nulls, errors, cached flags and unicode', async () => {
        const { id } = await store.samples.put({
          runId,
          taskId: 'task-u',
          model: 'anthropic:claude',
          sampleIndex: 3,
          text: '',
          error: 'rate limited — gave up ✗',
          cached: true,
        });
        const got = await store.samples.get(id);
        expect(got).toMatchObject({
          text: '',
          error: 'rate limited — gave up ✗',
          cached: true,
          logprobs: null,
          costUsd: null,
          latencyMs: 0,
          usage: { inputTokens: 0, outputTokens: 0 },
        });
        expect(await store.samples.get(uid('none'))).toBeUndefined();
      });

      it('putMany is one transaction, skips existing and duplicate ids, and crosses batch sizes', async () => {
        const run2 = uid('many');
        await store.runs.create({ id: run2, kind: 'bench' });
        await store.samples.put(sample(run2, 't', 0));
        const batch = Array.from({ length: 450 }, (_, i) => sample(run2, 't', i));
        batch.push(sample(run2, 't', 7)); // duplicate inside the batch
        const res = await store.samples.putMany(batch);
        expect(res.inserted).toBe(449);
        expect(await store.samples.countByRun(run2)).toBe(450);
        const ids = await store.samples.existingIds(run2);
        expect(ids.size).toBe(450);
        expect(ids.has(sampleIdFor(run2, 't', 'openai:gpt-4o-mini', 449))).toBe(true);
        expect((await store.samples.putMany(batch)).inserted).toBe(0);
        expect(await store.samples.putMany([])).toEqual({ inserted: 0 });
      });

      it('putMany rolls back entirely when one sample is invalid', async () => {
        const run3 = uid('rollback');
        await store.runs.create({ id: run3, kind: 'bench' });
        const bad = [sample(run3, 't', 0), { ...sample(run3, 't', 1), sampleIndex: -1 }];
        await expectTenetError(store.samples.putMany(bad), 'BAD_INPUT');
        expect(await store.samples.countByRun(run3)).toBe(0);
      });

      it('listByRun is ordered and scoped to the run', async () => {
        const run4 = uid('order');
        await store.runs.create({ id: run4, kind: 'bench' });
        const t0 = '2025-01-01T00:00:00.000Z';
        const t1 = '2025-01-01T00:00:01.000Z';
        await store.samples.putMany([
          sample(run4, 'b', 1, { createdAt: t0 }),
          sample(run4, 'b', 0, { createdAt: t0 }),
          sample(run4, 'a', 5, { createdAt: t1 }),
          sample(run4, 'a', 2, { createdAt: t0 }),
        ]);
        const listed = await store.samples.listByRun(run4);
        expect(listed.map((s) => `${s.taskId}${s.sampleIndex}`)).toEqual(['a2', 'b0', 'b1', 'a5']);
        // Byte order on both databases (Postgres columns are collate "C"): 'B' < '_' < 'a'.
        const run6 = uid('collation');
        await store.runs.create({ id: run6, kind: 'bench' });
        await store.samples.putMany(['a', 'B', '_x', 'é', 'A'].map((t) => sample(run6, t, 0, { createdAt: t0 })));
        expect((await store.samples.listByRun(run6)).map((s) => s.taskId)).toEqual(['A', 'B', '_x', 'a', 'é']);
        expect(await store.samples.countByRun(uid('empty'))).toBe(0);
        expect((await store.samples.existingIds(uid('empty'))).size).toBe(0);
      });

      it('many concurrent writers never fail (no SQLITE_BUSY) and never duplicate', async () => {
        const run5 = uid('concurrent');
        await store.runs.create({ id: run5, kind: 'bench' });
        const jobs: Promise<unknown>[] = [];
        for (let i = 0; i < 150; i++) {
          jobs.push(store.samples.put(sample(run5, `t${i % 10}`, i)));
          jobs.push(store.samples.put(sample(run5, `t${i % 10}`, i))); // the same unit, twice
          if (i % 25 === 0) {
            jobs.push(store.samples.putMany(Array.from({ length: 20 }, (_, j) => sample(run5, 'batch', i * 100 + j))));
            jobs.push(store.runs.addTotals(run5, { calls: 1 }));
            jobs.push(
              store.transaction(async (tx) => {
                await tx.samples.put(sample(run5, 'tx', i));
                await tx.runs.addTotals(run5, { calls: 1 });
              }),
            );
          }
        }
        const results = await Promise.allSettled(jobs);
        expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
        expect(await store.samples.countByRun(run5)).toBe(150 + 6 * 20 + 6);
        expect((await store.runs.get(run5))!.totals.calls).toBe(12);
      });
    });

    describe('judgments', () => {
      it('are unique per (sample, judge, version) and listed by sample and by run', async () => {
        const runId = uid('judged');
        await store.runs.create({ id: runId, kind: 'bench' });
        const s0 = (await store.samples.put(sample(runId, 't', 0))).id;
        const s1 = (await store.samples.put(sample(runId, 't', 1))).id;

        const a = await store.judgments.put({ sampleId: s0, judgeId: 'mfq-llm', judgeVersion: '1', result: { violation: 0.2, values: [0.1, -0.3] } });
        const again = await store.judgments.put({ sampleId: s0, judgeId: 'mfq-llm', judgeVersion: '1', result: { violation: 0.9 } });
        const otherId = await store.judgments.put({ id: uid('explicit'), sampleId: s0, judgeId: 'mfq-llm', judgeVersion: '1', result: {} });
        expect(a.inserted).toBe(true);
        expect(again).toEqual({ inserted: false, id: a.id });
        expect(otherId.inserted).toBe(false); // unique (sample, judge, version) holds even with another id
        const v2 = await store.judgments.put({ sampleId: s0, judgeId: 'mfq-llm', judgeVersion: '2', result: { violation: 0.1 } });
        expect(v2.inserted).toBe(true);

        const many = await store.judgments.putMany([
          { sampleId: s1, judgeId: 'mfq-llm', judgeVersion: '1', result: { violation: 0.5 } },
          { sampleId: s1, judgeId: 'mfq-llm', judgeVersion: '1', result: { violation: 0.6 } },
          { sampleId: s0, judgeId: 'mfq-llm', judgeVersion: '1', result: { violation: 0.7 } },
        ]);
        expect(many.inserted).toBe(1);

        const bySample = await store.judgments.listBySample(s0);
        expect(bySample).toHaveLength(2);
        expect(bySample.find((j) => j.judgeVersion === '1')?.result).toEqual({ violation: 0.2, values: [0.1, -0.3] });
        const byRun = await store.judgments.listByRun(runId);
        expect(byRun).toHaveLength(3);
        expect(new Set(byRun.map((j) => j.sampleId))).toEqual(new Set([s0, s1]));
        expect(await store.judgments.judgedSampleIds(runId, 'mfq-llm', '1')).toEqual(new Set([s0, s1]));
        expect(await store.judgments.judgedSampleIds(runId, 'mfq-llm', '2')).toEqual(new Set([s0]));
        expect((await store.judgments.listByRun(uid('other'))).length).toBe(0);
      });
    });

    describe('reads narrowed to task kinds', () => {
      it('list only the tasks of those kinds, their samples and their judgments', async () => {
        const runId = uid('kinds');
        await store.runs.create({ id: runId, kind: 'vilmo' });
        await store.tasks.putMany([{ id: `${runId}/a`, runId, kind: 'alpha', input: {} }, { id: `${runId}/b`, runId, kind: 'beta', input: {} }]);
        const sa = (await store.samples.put(sample(runId, `${runId}/a`, 0))).id;
        const sb = (await store.samples.put(sample(runId, `${runId}/b`, 0))).id;
        await store.judgments.putMany([sa, sb].map((sampleId) => ({ sampleId, judgeId: 'j', judgeVersion: '1', result: {} })));
        const beta = { kinds: ['beta'] };
        expect((await store.tasks.listByRun(runId, beta)).map((t) => t.kind)).toEqual(['beta']);
        expect((await store.samples.listByRun(runId, beta)).map((x) => x.id)).toEqual([sb]);
        expect((await store.judgments.listByRun(runId, beta)).map((j) => j.sampleId)).toEqual([sb]);
        expect((await store.samples.listByRun(runId, { kinds: ['alpha', 'beta'] })).map((x) => x.id).sort()).toEqual([sa, sb].sort());
        expect(await store.samples.listByRun(runId, { kinds: [] })).toEqual([]);
        expect(await store.tasks.listByRun(runId, { kinds: ['gamma'] })).toEqual([]);
      });
    });

    describe('cache', () => {
      it('putMany, getMany (counting hits), stats and clear with a filter', async () => {
        await store.cache.clear();
        const p = uid('prov');
        const entries = [
          { key: 'k1', provider: p, baseUrl: 'http://localhost:11434', model: 'm1', sampleIndex: 0, response: { text: 'one', n: 1 } },
          { key: 'k2', provider: p, model: 'm1', sampleIndex: 1, response: { text: 'two' } },
          { key: 'k3', provider: p, model: 'm2', sampleIndex: 0, response: { text: 'three ✓' } },
          { key: 'k4', provider: 'other', model: 'm1', sampleIndex: 0, response: 'plain string' },
        ];
        expect(await store.cache.putMany(entries)).toEqual({ inserted: 4 });
        // An existing key is left alone.
        expect(await store.cache.putMany([{ ...entries[0]!, response: { text: 'overwritten?' } }])).toEqual({ inserted: 0 });

        const got = await store.cache.getMany(['k1', 'k3', 'missing', 'k1']);
        expect([...got.keys()].sort()).toEqual(['k1', 'k3']);
        expect(got.get('k1')).toMatchObject({
          key: 'k1',
          provider: p,
          baseUrl: 'http://localhost:11434',
          model: 'm1',
          sampleIndex: 0,
          response: { text: 'one', n: 1 },
          hits: 1,
        });
        expect(got.get('k1')!.lastHitAt).not.toBeNull();
        expect(got.get('k3')!.response).toEqual({ text: 'three ✓' });
        await store.cache.getMany(['k1']);
        const peek = await store.cache.getMany(['k1', 'k2'], { countHits: false });
        expect(peek.get('k1')!.hits).toBe(2);
        expect(peek.get('k2')).toMatchObject({ hits: 0, lastHitAt: null, baseUrl: null });

        const stats = await store.cache.stats();
        expect(stats.entries).toBe(4);
        expect(stats.hits).toBe(3);
        expect(stats.bytes).toBeGreaterThan(20);
        expect(stats.byModel).toEqual([
          { provider: 'other', model: 'm1', entries: 1, hits: 0, bytes: expect.any(Number) },
          { provider: p, model: 'm1', entries: 2, hits: 2, bytes: expect.any(Number) },
          { provider: p, model: 'm2', entries: 1, hits: 1, bytes: expect.any(Number) },
        ].sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0)));
        // bytes are UTF-8 bytes of the stored JSON: '"three ✓"' style text counts ✓ as 3 bytes.
        const m2 = stats.byModel.find((m) => m.model === 'm2')!;
        expect(m2.bytes).toBe(Buffer.byteLength(JSON.stringify({ text: 'three ✓' })));

        expect(await store.cache.clear({ provider: p, model: 'm1' })).toBe(2);
        expect(await store.cache.clear({ provider: 'nobody' })).toBe(0);
        expect((await store.cache.stats()).entries).toBe(2);
        expect(await store.cache.clear({ model: 'm1' })).toBe(1);
        expect(await store.cache.clear()).toBe(1);
        expect(await store.cache.stats()).toEqual({ entries: 0, hits: 0, bytes: 0, byModel: [] });
      });

      it('getMany handles many keys and an empty list', async () => {
        const keys = Array.from({ length: 1200 }, (_, i) => `bulk-${i}`);
        await store.cache.putMany(keys.map((key, i) => ({ key, provider: 'bulk', model: 'm', sampleIndex: i, response: { i } })));
        const got = await store.cache.getMany(keys);
        expect(got.size).toBe(1200);
        expect(got.get('bulk-1199')!.response).toEqual({ i: 1199 });
        expect((await store.cache.getMany([])).size).toBe(0);
        expect(await store.cache.clear({ provider: 'bulk' })).toBe(1200);
      });

      it('storeCache adapts the table for the provider layer', async () => {
        const cache = storeCache<{ text: string }>(store);
        await cache.putMany([{ key: 'sc1', provider: 'openai', baseUrl: undefined, model: 'gpt', sampleIndex: 0, response: { text: 'hi' } }]);
        const got = await cache.getMany(['sc1', 'sc2']);
        expect(got).toEqual(new Map([['sc1', { text: 'hi' }]]));
        await store.cache.clear({ provider: 'openai', model: 'gpt' });
      });
    });

    describe('transactions', () => {
      it('commit together, roll back together, and let store calls inside join', async () => {
        const runId = uid('tx');
        await store.runs.create({ id: runId, kind: 'bench' });
        await store.transaction(async (tx) => {
          await tx.samples.put(sample(runId, 't', 0));
          // A call on the store itself (not tx) joins the transaction instead of deadlocking SQLite.
          await store.samples.put(sample(runId, 't', 1));
          await store.transaction(async () => {
            await tx.runs.addTotals(runId, { calls: 2 });
          });
        });
        expect(await store.samples.countByRun(runId)).toBe(2);

        const boom = new Error('boom');
        await expect(
          store.transaction(async (tx) => {
            await tx.samples.put(sample(runId, 't', 2));
            await tx.runs.addTotals(runId, { calls: 5 });
            throw boom;
          }),
        ).rejects.toBe(boom);
        expect(await store.samples.countByRun(runId)).toBe(2);
        expect((await store.runs.get(runId))!.totals.calls).toBe(2);
      });

      it('returns the value of fn', async () => {
        expect(await store.transaction(async () => 42)).toBe(42);
      });
    });
  });
}
