/**
 * The label tables (migration 0007_labels) on SQLite and Postgres: a label sample stored once and read back
 * in position order, labels appended (several labellers, an unknown item refused with nothing stored),
 * calibrations stored idempotently and found by judge configuration.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/index.ts';

const PG_URL = process.env.TENET_TEST_PG_URL;
const schema = `tenet_test_labels_${randomBytes(6).toString('hex')}`;

function labelsSuite(label: string, open: () => Promise<Store>): void {
  describe(label, () => {
    it('stores a sample, labels and calibrations', async () => {
      const store = await open();
      try {
        await store.runs.create({ id: 'run-1', kind: 'bench', config: { tau: 0.5, judge: { id: 'j', version: '1' } } });
        const items = [2, 0, 1].map((position) => ({ runId: 'run-1', seed: 7, sampleId: `s${position}`, judgmentId: `j${position}`, model: 'm', stratum: `m|b${position}`, weight: 2.5, position }));
        expect(await store.labels.putSample(items)).toEqual({ inserted: 3 });
        expect(await store.labels.putSample(items)).toEqual({ inserted: 0 });
        const sample = await store.labels.sample('run-1', 7);
        expect(sample.map((i) => [i.sampleId, i.position, i.weight, i.seed])).toEqual([['s0', 0, 2.5, 7], ['s1', 1, 2.5, 7], ['s2', 2, 2.5, 7]]);
        expect(await store.labels.sample('run-1', 8)).toEqual([]);
        expect((await store.labels.samples('run-1')).map((s) => [s.seed, s.size])).toEqual([[7, 3]]);
        expect((await store.labels.item(sample[1]!.id))?.judgmentId).toBe('j1');

        const added = await store.labels.add([
          { itemId: sample[0]!.id, label: 'violates', labeller: 'ann', createdAt: '2025-01-01T00:00:00.000Z' },
          { itemId: sample[0]!.id, label: 'does_not', labeller: 'bob', createdAt: '2025-01-01T00:00:01.000Z' },
          { id: 'label-fixed', itemId: sample[1]!.id, label: 'unsure', labeller: 'ann', createdAt: '2025-01-01T00:00:02.000Z' },
        ]);
        expect(added.inserted).toBe(3);
        expect((await store.labels.add([{ id: 'label-fixed', itemId: sample[1]!.id, label: 'unsure', labeller: 'ann' }])).inserted).toBe(0);
        await expect(store.labels.add([{ itemId: sample[2]!.id, label: 'violates', labeller: 'ann' }, { itemId: 'nope', label: 'violates', labeller: 'ann' }])).rejects.toMatchObject({ code: 'NOT_FOUND' });
        await expect(store.labels.add([{ itemId: sample[2]!.id, label: 'perhaps' as never, labeller: 'ann' }])).rejects.toMatchObject({ code: 'BAD_INPUT' });
        const labels = await store.labels.list('run-1', 7);
        expect(labels.map((l) => [l.labeller, l.label, l.sampleId, l.judgmentId])).toEqual([['ann', 'violates', 's0', 'j0'], ['bob', 'does_not', 's0', 'j0'], ['ann', 'unsure', 's1', 'j1']]);
        expect(await store.labels.list('run-1', 8)).toEqual([]);

        const c1 = { id: 'cal-1', judgeId: 'j', judgeVersion: '1', configHash: 'h', runId: 'run-1', result: { sensitivity: { value: 0.9, ci: [0.8, 1] } }, createdAt: '2025-01-01T00:00:00.000Z' };
        expect(await store.calibrations.put(c1)).toEqual({ inserted: true, id: 'cal-1' });
        expect(await store.calibrations.put(c1)).toEqual({ inserted: false, id: 'cal-1' });
        await store.calibrations.put({ ...c1, id: 'cal-2', createdAt: '2025-02-01T00:00:00.000Z' });
        await store.calibrations.put({ ...c1, id: 'cal-3', configHash: 'other', createdAt: '2025-03-01T00:00:00.000Z' });
        expect((await store.calibrations.get('cal-1'))?.result).toEqual(c1.result);
        expect((await store.calibrations.latestFor('j', '1', 'h'))?.id).toBe('cal-2');
        expect(await store.calibrations.latestFor('j', '2', 'h')).toBeUndefined();
      } finally {
        await store.close();
      }
    });
  });
}

labelsSuite('labels on SQLite', () => openStore(':memory:'));

describe.skipIf(!PG_URL)('labels on Postgres (TENET_TEST_PG_URL)', () => {
  afterAll(async () => {
    const admin = await openStore(PG_URL, { migrate: false });
    try {
      await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(admin.kysely);
    } finally {
      await admin.close();
    }
  });
  labelsSuite(`schema ${schema}`, () => openStore(PG_URL, { schema }));
});
