/** What every elicitation repository is built over: the database (or transaction) and a way into one. */
import type { Kysely } from 'kysely';
import type { ElicitRepos } from '../elicit-repos.ts';
import type { ElicitSchema } from '../schema.ts';

export type Db = Kysely<ElicitSchema>;

export interface Scope {
  db: Db;
  /** Runs fn in a transaction (or in the current one), retrying Postgres deadlocks and unique races. */
  tx<T>(fn: (repos: ElicitRepos) => Promise<T>, retries?: number): Promise<T>;
}

function driverCode(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function isUniqueViolation(e: unknown): boolean {
  const code = driverCode(e);
  return code === '23505' || code.startsWith('SQLITE_CONSTRAINT_UNIQUE') || code.startsWith('SQLITE_CONSTRAINT_PRIMARYKEY');
}

export function isRetryable(e: unknown): boolean {
  const code = driverCode(e);
  return code === '40P01' || code === '40001';
}
