/** A run's failure causes (table run_failures): replaced as a whole, read back in order. */
import type { RepoContext } from './types.ts';
import type { RunFailuresRepo } from './types.ts';
import { canonicalJson } from './ids.ts';
import { nowIso, parseJson, requireId, toNumber } from './util.ts';

export function runFailuresRepo(ctx: RepoContext): RunFailuresRepo {
  return {
    async set(runId, failures) {
      const id = requireId(runId, 'runId');
      const now = nowIso();
      await ctx.inTransaction(async () => {
        await ctx.db().deleteFrom('run_failures').where('run_id', '=', id).execute();
        if (failures.length === 0) return;
        await ctx.db().insertInto('run_failures').values(failures.map((f, position) => ({
          run_id: id, position, cause_json: canonicalJson(f.cause), count: f.count, created_at: now,
        }))).execute();
      });
    },

    async list(runId) {
      const rows = await ctx.db().selectFrom('run_failures').select(['run_id', 'cause_json', 'count'])
        .where('run_id', '=', runId).orderBy('position').execute();
      return rows.map((r) => ({ cause: parseJson(r.cause_json, `run_failures.cause_json of run ${r.run_id}`) as Record<string, unknown>, count: toNumber(r.count) }));
    },
  };
}
