/**
 * The pg-boss queue distributed runs share: its name and settings, the job a sample unit becomes, and the
 * deterministic job id that makes enqueueing the same unit twice a no-op. pg-boss keeps its tables in its
 * own schema (`pgboss`) of the store's database; tenet reads its job table for per-run counts.
 */
import { createHash } from 'node:crypto';
import { PgBoss, type ConstructorOptions, type Queue } from 'pg-boss';
import type { TenetConfig } from '../config.ts';
import { TenetError } from '../errors.ts';
import { resolveSpec } from '../models/spec.ts';
import { isRedacted, redactSecrets, redactUrl } from '../redact.ts';
import type { SampleUnit } from '../runtime/sample-unit.ts';
import { pgSessionConfig, resolveStoreLocation } from '../store/index.ts';

/**
 * The queue sample units go through: one per tenet store, so stores kept in different schemas of one
 * database (`?schema=NAME`) never see each other's units.
 */
export const SAMPLE_QUEUE = 'tenet-sample-units';
/** pg-boss's schema in the store's database. */
export const BOSS_SCHEMA = 'pgboss';

/**
 * Queue settings. A job's heartbeat is refreshed every 5 s while a worker holds it; one missed for 10 s
 * (a worker killed, its machine gone) puts the job back for another worker. Three retries with backoff
 * cover a worker losing Postgres mid-unit; a unit the provider layer already retried and gave up on
 * fails after them, and the enqueuing command reports it.
 */
export const QUEUE_SETTINGS: Omit<Queue, 'name'> = {
  retryLimit: 3,
  retryDelay: 2,
  retryBackoff: true,
  retryDelayMax: 30,
  heartbeatSeconds: 10,
  expireInSeconds: 1800,
  deleteAfterSeconds: 7 * 24 * 3600,
};

/** What a job carries: the unit, how to rebuild its judge, and whether the response cache may answer. */
export interface SampleJob {
  v: 1;
  unit: SampleUnit;
  judge: { spec: string; id: string; version: string } | null;
  noCache: boolean;
}

/**
 * The job of a unit. Jobs are kept in Postgres as plain text for 7 days, so they carry no secret: the base
 * URL goes without its credentials (`http://***@host/v1`), and a worker takes them from its own
 * configuration or environment (`jobBaseUrl`). Model specs are canonical (`openai:MODEL`, an endpoint's
 * name) and carry none; a judge spec that does is refused before anything is enqueued (`checkJobSecrets`).
 */
export function sampleJob(unit: SampleUnit, judge: SampleJob['judge'], noCache: boolean): SampleJob {
  return { v: 1, unit: { ...unit, baseUrl: unit.baseUrl === null ? null : redactUrl(unit.baseUrl) }, judge, noCache };
}

const NO_SECRETS_HINT = 'jobs carry no secrets: name the server in tenet.config.yaml on every machine (an endpoint with its baseUrl and `apiKeyEnv: VAR`, ' +
  'the key exported as VAR on each worker; or providers.openai.baseUrl), or export the provider\'s base URL variable (OPENAI_BASE_URL) on every machine, ' +
  'instead of putting credentials on the command line (--base-url, openai-compatible:MODEL@URL, --judge llm:…@URL)';

/**
 * Where a process reaches a job's model: the job's base URL when it carried no credentials (undefined: the
 * spec's own); when they were taken out, the same URL, with them, from this process's configuration or
 * environment (the spec resolved by its name). A CONFIG error when this process has no such URL.
 */
export function jobBaseUrl(spec: string, carried: string | null, config: TenetConfig | undefined, env: Record<string, string | undefined> = process.env): string | undefined {
  if (carried === null) return undefined;
  if (!isRedacted(carried)) return carried;
  let own: string | undefined;
  try {
    own = resolveSpec(spec, { ...(config ? { config } : {}), env, requireKey: false }).baseUrl;
  } catch {
    own = undefined;
  }
  if (own && redactUrl(own) === carried) return own;
  throw new TenetError('CONFIG', `${spec} is reached at ${carried}, whose credentials a job does not carry, and this process's configuration has no such URL${own ? ` (it resolves ${spec} to ${redactUrl(own)})` : ''}`, { hint: NO_SECRETS_HINT });
}

/**
 * Before enqueueing: refuse units and a judge whose credentials the workers could not find by name (the
 * same resolution as `jobBaseUrl`, done with the enqueuing process's configuration, which the workers share).
 */
export function checkJobSecrets(units: readonly SampleUnit[], judge: SampleJob['judge'], config: TenetConfig | undefined): void {
  if (judge && redactSecrets(judge.spec) !== judge.spec) {
    throw new TenetError('BAD_USAGE', `--executor pgboss cannot send the judge ${judge.spec} to workers: its spec carries credentials, and jobs carry no secrets`, { hint: NO_SECRETS_HINT });
  }
  const seen = new Set<string>();
  for (const unit of units) {
    const carried = unit.baseUrl === null ? null : redactUrl(unit.baseUrl);
    const key = JSON.stringify([unit.model, carried]);
    if (seen.has(key)) continue;
    seen.add(key);
    try {
      jobBaseUrl(unit.model, carried, config);
    } catch (error) {
      throw new TenetError('BAD_USAGE', `--executor pgboss cannot send ${unit.model}'s base URL to workers: its credentials (${carried}) were given on the command line or in code, not in the configuration the workers share, and jobs carry no secrets`, { hint: NO_SECRETS_HINT, cause: error });
    }
  }
}

/** The job id of a unit: a UUID derived from the run, task, model and sample indices. */
export function jobIdFor(unit: Pick<SampleUnit, 'runId' | 'taskId' | 'model' | 'indices'>): string {
  const h = createHash('sha256').update(JSON.stringify([unit.runId, unit.taskId, unit.model, unit.indices])).digest('hex');
  // Shaped as a version-4-style UUID (pg-boss ids are uuid columns).
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Where a store's units are queued: the URL pg-boss connects with and the queue's name. */
export interface QueueTarget {
  url: string;
  queue: string;
}

/**
 * The queue of a store location. A SQLite store is a clear error: several processes on several machines
 * can only share a database server.
 */
export function queueTarget(location: string | undefined, what = '--executor pgboss'): QueueTarget {
  const url = queueUrl(location, what);
  const schema = new URL(resolveStoreLocation(location).target).searchParams.get('schema');
  return { url, queue: schema ? `${SAMPLE_QUEUE}.${schema}` : SAMPLE_QUEUE };
}

/** How a worker of this queue names itself in pg-boss's instance registry (what `workers status` lists). */
export function workerInstanceName(queue: string): string {
  return `tenet-worker:${queue}`;
}

/** The Postgres URL pg-boss connects with, from a store location (SQLite: a clear error). */
export function queueUrl(location: string | undefined, what = '--executor pgboss'): string {
  const resolved = resolveStoreLocation(location);
  if (resolved.dialect !== 'postgres') {
    throw new TenetError('BAD_USAGE', `${what} needs a PostgreSQL store, and the store is SQLite (${resolved.target})`, {
      hint: `pass --db postgres://user@host:5432/db (or set TENET_DB): the workers and the command that starts a run share one Postgres database${what === '--executor pgboss' ? '; or use --executor local (the default) to run on this machine with SQLite' : ''}`,
    });
  }
  // tenet's own ?schema= parameter names where its tables live; pg-boss has its own schema.
  const url = new URL(resolved.target);
  url.searchParams.delete('schema');
  return url.toString();
}

/** A pg-boss instance on the store's database (not started). */
export function createBoss(url: string, options: Partial<ConstructorOptions> = {}): PgBoss {
  return new PgBoss({
    connectionString: url,
    schema: BOSS_SCHEMA,
    application_name: 'tenet',
    max: 4,
    connectionTimeoutMillis: 5000,
    superviseIntervalSeconds: 5,
    // keepalive and timeouts, as on the store's connections (pg-boss hands the extra settings to pg)
    ...(pgSessionConfig() as object),
    ...options,
  });
}

/** Start pg-boss and make sure the queue exists; errors name the database without its password. */
export async function startBoss(boss: PgBoss, { url, queue }: QueueTarget): Promise<void> {
  try {
    await boss.start();
    if (!(await boss.getQueue(queue))) await boss.createQueue(queue, QUEUE_SETTINGS);
  } catch (cause) {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    throw new TenetError('STORE', `could not start the pg-boss queue on ${redactUrl(url)}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      hint: 'check that Postgres is reachable at that URL and that the user may create a schema (pg-boss keeps its tables in the pgboss schema)',
    });
  }
}

export type JobState = 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';

/** The state of each of these jobs that exists (read from pg-boss's job table). */
export async function jobStates(boss: PgBoss, queue: string, ids: readonly string[]): Promise<Map<string, { state: JobState; output: unknown }>> {
  const out = new Map<string, { state: JobState; output: unknown }>();
  for (let i = 0; i < ids.length; i += 5000) {
    const { rows } = await boss.getDb().executeSql(
      `SELECT id::text AS id, state::text AS state, CASE WHEN state = 'failed' THEN output END AS output FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = ANY($2::uuid[])`,
      [queue, ids.slice(i, i + 5000)],
    );
    for (const r of rows as { id: string; state: JobState; output: unknown }[]) out.set(r.id, { state: r.state, output: r.output });
  }
  return out;
}

/** A failed job's error message, from the output pg-boss stored. */
export function failureMessage(output: unknown): string {
  if (output && typeof output === 'object' && typeof (output as { message?: unknown }).message === 'string') return (output as { message: string }).message;
  return output === null || output === undefined ? 'failed (no error recorded)' : JSON.stringify(output).slice(0, 500);
}

/** Delete a store's queue and its jobs (for tests and benchmarks that use throwaway schemas). */
export async function deleteQueue(location: string): Promise<void> {
  const target = queueTarget(location, 'deleteQueue');
  const boss = createBoss(target.url, { supervise: false, schedule: false, registerInstance: false, max: 1 });
  boss.on('error', () => {});
  try {
    await boss.start();
    if (await boss.getQueue(target.queue)) await boss.deleteQueue(target.queue);
  } finally {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
  }
}
