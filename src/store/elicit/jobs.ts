/** Background jobs an admin started (dedupe, hypotheses) and their results. */
import { nowIso } from '../util.ts';
import { toJob } from './rows.ts';
import { type Scope } from './scope.ts';
import {
  randomId,
  type Job,
  type JobStatus,
} from './types.ts';

export function jobsRepo({ db }: Scope) {
  const jobs = {
    async create(deliberationId: string, kind: string): Promise<Job> {
      const now = nowIso();
      const row = { id: randomId('job'), deliberation_id: deliberationId, kind, status: 'queued', result_json: null, error: null, created_at: now, updated_at: now };
      await db.insertInto('elicit_jobs').values(row).execute();
      return toJob(row);
    },
    async update(id: string, patch: { status: JobStatus; result?: unknown; error?: string | null }): Promise<void> {
      await db
        .updateTable('elicit_jobs')
        .set({
          status: patch.status,
          ...(patch.result !== undefined ? { result_json: JSON.stringify(patch.result) } : {}),
          ...(patch.error !== undefined ? { error: patch.error } : {}),
          updated_at: nowIso(),
        })
        .where('id', '=', id)
        .execute();
    },
    async get(id: string): Promise<Job | undefined> {
      const row = await db.selectFrom('elicit_jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toJob(row) : undefined;
    },
    async list(deliberationId: string, limit = 20): Promise<Job[]> {
      const rows = await db
        .selectFrom('elicit_jobs')
        .selectAll()
        .where('deliberation_id', '=', deliberationId)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toJob);
    },
  };
  return jobs;
}
