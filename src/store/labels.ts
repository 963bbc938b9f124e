/**
 * Human labels for judge calibration (migration 0007_labels): a run's stratified label samples
 * (`label_samples`), the labels people gave (`labels`, append-only) and the judge calibrations computed
 * from them (`judge_calibrations`). One implementation for SQLite and Postgres.
 */
import { randomUUID } from 'node:crypto';
import type { Selectable } from 'kysely';
import { TenetError } from '../errors.ts';
import { canonicalJson, stableId } from './ids.ts';
import type { RepoContext } from './types.ts';
import { rowMapper } from './rows.ts';
import type { JudgeCalibrationsTable, LabelSamplesTable, LabelsTable } from './schema.ts';
import { LABEL_VALUES, type CalibrationsRepo, type JudgeCalibration, type Label, type LabelItem, type LabelsRepo, type LabelValue } from './types.ts';
import { chunk, nowIso, requireId, toNumber } from './util.ts';

/** The id of a label-sample item: its run, the sample's seed and the stored sample it shows. */
export function labelItemIdFor(runId: string, seed: number, sampleId: string): string {
  return stableId('label-item', runId, seed, sampleId);
}

const toItem: (row: Selectable<LabelSamplesTable>) => LabelItem = rowMapper<Selectable<LabelSamplesTable>>()('label_samples', { numbers: ['seed', 'weight', 'position'] });
const toLabel = rowMapper<Selectable<LabelsTable>>()('labels', {}) as (row: Selectable<LabelsTable>) => Label;
const toCalibration: (row: Selectable<JudgeCalibrationsTable>) => JudgeCalibration = rowMapper<Selectable<JudgeCalibrationsTable>>()('judge_calibrations', { json: ['result_json'] });

export function isLabelValue(x: unknown): x is LabelValue {
  return typeof x === 'string' && (LABEL_VALUES as readonly string[]).includes(x);
}

const KEYS_PER_QUERY = 500;

export function labelsRepo(ctx: RepoContext): LabelsRepo {
  return {
    async putSample(items) {
      if (items.length === 0) return { inserted: 0 };
      const now = nowIso();
      const rows: Selectable<LabelSamplesTable>[] = items.map((i) => ({
        id: i.id ?? labelItemIdFor(i.runId, i.seed, i.sampleId),
        run_id: requireId(i.runId, 'runId'),
        seed: i.seed,
        sample_id: requireId(i.sampleId, 'sampleId'),
        judgment_id: requireId(i.judgmentId, 'judgmentId'),
        model: i.model,
        stratum: i.stratum,
        weight: i.weight,
        position: i.position,
        created_at: i.createdAt ?? now,
      }));
      return ctx.inTransaction(async () => {
        let inserted = 0;
        for (const part of chunk(rows, 200)) {
          const r = await ctx.db().insertInto('label_samples').values(part).onConflict((oc) => oc.doNothing()).executeTakeFirst();
          inserted += Number(r.numInsertedOrUpdatedRows ?? 0);
        }
        return { inserted };
      });
    },

    async sample(runId, seed) {
      const rows = await ctx.db().selectFrom('label_samples').selectAll().where('run_id', '=', runId).where('seed', '=', seed).orderBy('position').orderBy('id').execute();
      return rows.map(toItem);
    },

    async samples(runId) {
      const rows = await ctx.db().selectFrom('label_samples')
        .select(['run_id', 'seed', (eb) => eb.fn.countAll().as('n'), (eb) => eb.fn.min('created_at').as('created_at')])
        .where('run_id', '=', runId).groupBy(['run_id', 'seed']).orderBy('created_at').orderBy('seed').execute();
      return rows.map((r) => ({ runId: r.run_id, seed: toNumber(r.seed), size: toNumber(r.n), createdAt: String(r.created_at) }));
    },

    async item(itemId) {
      const row = await ctx.db().selectFrom('label_samples').selectAll().where('id', '=', itemId).executeTakeFirst();
      return row ? toItem(row) : undefined;
    },

    async add(labels) {
      if (labels.length === 0) return { inserted: 0, labels: [] };
      const ids = [...new Set(labels.map((l) => l.itemId))];
      const items = new Map<string, Selectable<LabelSamplesTable>>();
      for (const part of chunk(ids, KEYS_PER_QUERY)) {
        for (const row of await ctx.db().selectFrom('label_samples').selectAll().where('id', 'in', part).execute()) items.set(row.id, row);
      }
      const now = nowIso();
      const rows: Selectable<LabelsTable>[] = labels.map((l) => {
        const item = items.get(l.itemId);
        if (!item) throw new TenetError('NOT_FOUND', `no label-sample item ${l.itemId} in this store`, { hint: 'items come from `tenet labels export RUN --sample N` (or the viewer\'s Label page) on this store' });
        if (!isLabelValue(l.label)) throw new TenetError('BAD_INPUT', `label must be one of ${LABEL_VALUES.join(', ')}, got ${JSON.stringify(l.label)}`);
        const labeller = l.labeller.trim();
        if (!labeller || labeller.length > 200) throw new TenetError('BAD_INPUT', 'labeller must be a name of 1 to 200 characters');
        return { id: l.id ?? `label-${randomUUID()}`, run_id: item.run_id, item_id: item.id, sample_id: item.sample_id, judgment_id: item.judgment_id, label: l.label, labeller, created_at: l.createdAt ?? now };
      });
      const inserted = await ctx.inTransaction(async () => {
        let n = 0;
        for (const part of chunk(rows, 200)) {
          const r = await ctx.db().insertInto('labels').values(part).onConflict((oc) => oc.doNothing()).executeTakeFirst();
          n += Number(r.numInsertedOrUpdatedRows ?? 0);
        }
        return n;
      });
      return { inserted, labels: rows.map(toLabel) };
    },

    async list(runId, seed) {
      let q = ctx.db().selectFrom('labels as l').selectAll('l').where('l.run_id', '=', runId);
      if (seed !== undefined) q = q.innerJoin('label_samples as i', 'i.id', 'l.item_id').where('i.seed', '=', seed);
      return (await q.orderBy('l.created_at').orderBy('l.id').execute()).map(toLabel);
    },
  };
}

export function calibrationsRepo(ctx: RepoContext): CalibrationsRepo {
  return {
    async put(c) {
      const id = requireId(c.id, 'id');
      const r = await ctx.db().insertInto('judge_calibrations').values({
        id, judge_id: c.judgeId, judge_version: c.judgeVersion, config_hash: c.configHash, run_id: c.runId, result_json: canonicalJson(c.result), created_at: c.createdAt ?? nowIso(),
      }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      return { inserted: Number(r.numInsertedOrUpdatedRows ?? 0) > 0, id };
    },

    async get(id) {
      const row = await ctx.db().selectFrom('judge_calibrations').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toCalibration(row) : undefined;
    },

    async latestFor(judgeId, judgeVersion, configHash) {
      const row = await ctx.db().selectFrom('judge_calibrations').selectAll()
        .where('judge_id', '=', judgeId).where('judge_version', '=', judgeVersion).where('config_hash', '=', configHash)
        .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
      return row ? toCalibration(row) : undefined;
    },
  };
}
