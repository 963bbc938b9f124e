/**
 * Opening a store: resolve where it lives, connect (SQLite via better-sqlite3, Postgres via a pg Pool),
 * apply pending migrations, and hand back the repositories.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  sql,
  type DatabaseConnection,
  type DialectAdapter,
  type Driver,
  type SqliteDatabase,
  type SqliteDialectConfig,
} from 'kysely';
import { Migrator } from 'kysely/migration';
import { TenetError } from '../errors.ts';
import { LruMap } from '../lru.ts';
import { redactUrl } from '../redact.ts';
import { inCodeMigrationProvider, MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from './migrations.ts';
import { createRepos, type RepoContext } from './repos.ts';
import type { StoreSchema } from './schema.ts';
import type { AppliedMigration, Store, StoreDialect, StoreRepos, TransactionOptions } from './types.ts';
import { bounded, claimConnection, type OperationBounds } from './bounds.ts';
import { errorMessage, toStoreError } from './util.ts';

/** Where the store lives when neither an argument nor TENET_DB says otherwise (relative to the cwd). */
export const DEFAULT_STORE_PATH = './.tenet/tenet.db';

/** How long a SQLite writer waits for another process's write lock before giving up (SQLITE_BUSY). */
export const SQLITE_BUSY_TIMEOUT_MS = 5000;

export { redactUrl };

export interface OpenStoreOptions {
  /**
   * Postgres only: keep tenet's tables in this schema (created if missing) instead of the user's default
   * one. Same as `?schema=NAME` on the URL. Lowercase letters, digits and `_` only.
   */
  schema?: string;
  /** Postgres only: pool size (default 10). */
  poolSize?: number;
  /** Postgres only: how long to wait for a connection (default 5000 ms). */
  connectTimeoutMs?: number;
  /** Postgres only: the session settings of every connection (defaults: PG_SESSION_DEFAULTS). */
  session?: Partial<PgSessionSettings>;
  /** Apply pending migrations on open (default true). */
  migrate?: boolean;
  /** Base for a relative SQLite path (default process.cwd()). */
  cwd?: string;
}

/**
 * What every Postgres store session is set up with, so that neither side waits on a vanished peer for long.
 * Each of the three server settings may also be given on the URL under its Postgres name
 * (`?statement_timeout=…&lock_timeout=…&idle_in_transaction_session_timeout=…`, in ms), which wins.
 */
export interface PgSessionSettings {
  /** Longest any one statement may run (`statement_timeout`). Writes set a shorter one of their own. */
  statementTimeoutMs: number;
  /** Longest a statement waits for a lock (`lock_timeout`). Writes set a shorter one of their own. */
  lockTimeoutMs: number;
  /**
   * The server ends a session left idle inside a transaction this long (`idle_in_transaction_session_timeout`):
   * a client that vanished between two statements of a transaction releases its locks then. tenet never
   * waits on anything but the database inside a transaction.
   */
  idleInTransactionTimeoutMs: number;
  /**
   * TCP keepalive, both ways: the client's socket (pg's keepAlive) and the server's end of it
   * (`tcp_keepalives_idle`/`_interval`/`_count`, `tcp_user_timeout`) probe a connection idle this long, so
   * a peer that vanished is noticed within about three times this, not after the system default of hours.
   */
  keepAliveMs: number;
}

export const PG_SESSION_DEFAULTS: Readonly<PgSessionSettings> = Object.freeze({
  statementTimeoutMs: 120_000,
  lockTimeoutMs: 60_000,
  idleInTransactionTimeoutMs: 10_000,
  keepAliveMs: 10_000,
});

/** The pg connection settings for these session settings (shared by the store's pool and pg-boss's). */
export function pgSessionConfig(settings: Partial<PgSessionSettings> = {}, extraOptions = ''): {
  keepAlive: true;
  keepAliveInitialDelayMillis: number;
  statement_timeout: number;
  lock_timeout: number;
  idle_in_transaction_session_timeout: number;
  options: string;
} {
  const s = { ...PG_SESSION_DEFAULTS, ...settings };
  const idle = Math.max(1, Math.round(s.keepAliveMs / 1000));
  const interval = Math.max(1, Math.round(idle / 2));
  const server = [
    `-c tcp_keepalives_idle=${idle}`,
    `-c tcp_keepalives_interval=${interval}`,
    '-c tcp_keepalives_count=3',
    // unacknowledged data (an answer sent into a partition) gives up after as long as keepalive would
    `-c tcp_user_timeout=${(idle + 3 * interval) * 1000}`,
  ];
  return {
    keepAlive: true,
    keepAliveInitialDelayMillis: s.keepAliveMs,
    statement_timeout: s.statementTimeoutMs,
    lock_timeout: s.lockTimeoutMs,
    idle_in_transaction_session_timeout: s.idleInTransactionTimeoutMs,
    options: [extraOptions, ...server].filter(Boolean).join(' '),
  };
}

export type LocationSource = 'argument' | 'TENET_DB' | 'default';

export interface ResolvedLocation {
  dialect: StoreDialect;
  /** The Postgres URL as given, `:memory:`, or the absolute SQLite path. */
  target: string;
  source: LocationSource;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;
const ANY_URL = /^[a-z][a-z0-9+.-]*:\/\//i;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Explicit argument, else `$TENET_DB`, else `./.tenet/tenet.db`. `postgres://` and `postgresql://` URLs
 * mean Postgres; `:memory:` or any path means SQLite. Other URL schemes are refused.
 */
export function resolveStoreLocation(
  location?: string,
  env: Record<string, string | undefined> = process.env,
  cwd: string = process.cwd(),
): ResolvedLocation {
  let raw: string;
  let source: LocationSource;
  if (location !== undefined && location.trim() !== '') {
    raw = location.trim();
    source = 'argument';
  } else if (env.TENET_DB !== undefined && env.TENET_DB.trim() !== '') {
    raw = env.TENET_DB.trim();
    source = 'TENET_DB';
  } else {
    raw = DEFAULT_STORE_PATH;
    source = 'default';
  }
  if (POSTGRES_URL.test(raw)) return { dialect: 'postgres', target: raw, source };
  if (ANY_URL.test(raw)) {
    throw new TenetError('CONFIG', `store: unsupported database URL ${redactUrl(raw)}`, {
      hint: `use a SQLite file path (e.g. ${DEFAULT_STORE_PATH}), :memory:, or a postgres://user:password@host:5432/db URL${sourceHint(source)}`,
    });
  }
  if (raw === ':memory:') return { dialect: 'sqlite', target: raw, source };
  return { dialect: 'sqlite', target: path.resolve(cwd, raw), source };
}

function sourceHint(source: LocationSource): string {
  if (source === 'TENET_DB') return ' (it came from the TENET_DB environment variable)';
  if (source === 'argument') return ' (it came from --db / the openStore argument)';
  return '';
}

function whereToFix(source: LocationSource): string {
  if (source === 'TENET_DB') return 'the TENET_DB environment variable';
  if (source === 'argument') return 'the database URL you passed (--db)';
  return 'TENET_DB';
}

/** Pulls our own `schema` parameter out of a Postgres URL (pg would ignore it). */
function splitSchemaParam(url: string): { url: string; schema: string | undefined } {
  const q = url.indexOf('?');
  if (q < 0) return { url, schema: undefined };
  const params = new URLSearchParams(url.slice(q + 1));
  const schema = params.get('schema') ?? undefined;
  if (schema === undefined) return { url, schema };
  params.delete('schema');
  const rest = params.toString();
  return { url: rest ? `${url.slice(0, q)}?${rest}` : url.slice(0, q), schema };
}

function pgTarget(url: string): { host: string; port: string; database: string } {
  try {
    const u = new URL(url);
    return {
      host: decodeURIComponent(u.hostname) || 'localhost',
      port: u.port || '5432',
      database: decodeURIComponent(u.pathname.replace(/^\//, '')) || '(default)',
    };
  } catch {
    return { host: '?', port: '?', database: '?' };
  }
}

function driverCode(e: unknown): string {
  const direct = (e as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  if (e instanceof AggregateError) {
    for (const inner of e.errors) {
      const code = driverCode(inner);
      if (code) return code;
    }
  }
  return '';
}

/** A hint for a failed Postgres connection attempt. */
export function postgresConnectHint(e: unknown, url: string, source: LocationSource = 'argument', timeoutMs = 5000): string {
  const code = driverCode(e);
  const message = errorMessage(e);
  const { host, port, database } = pgTarget(url);
  const fix = whereToFix(source);
  if (code === 'ECONNREFUSED') {
    return `nothing is listening at ${host}:${port}. Is the Postgres server running? Start it (e.g. pg_ctlcluster <version> main start, or docker run -p 5432:5432 postgres), or check the host and port in ${fix}`;
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    return `the host name "${host}" could not be resolved; check the URL in ${fix}`;
  }
  if (
    code === 'ETIMEDOUT' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH' ||
    /timeout|timed out/i.test(message)
  ) {
    return `the server at ${host}:${port} did not answer within ${Math.round(timeoutMs / 1000)} s. Is the server running and reachable (firewall, VPN)? Check the host and port in ${fix}`;
  }
  if (code === '28P01') return `password authentication failed; check the user and password in ${fix}`;
  if (code === '28000') {
    return `the server refused this user or client address (role missing, or pg_hba.conf); check the user in ${fix} or the server's pg_hba.conf`;
  }
  if (code === '3D000') return `database "${database}" does not exist; create it (createdb ${database}) or fix the database name in ${fix}`;
  if (code === '42501') return `the user may not create tenet's tables or schema here; grant CREATE, or pick another schema/database in ${fix}`;
  if (code === '53300') return 'the server has no free connection slots; close other clients or raise max_connections';
  if (/ssl/i.test(message)) return `the server and client disagree about SSL; adjust sslmode in ${fix}`;
  return `is the Postgres server running and is the URL right? Check ${fix}`;
}

// ---- SQLite ------------------------------------------------------------------------------------------

/**
 * Write transactions start with BEGIN IMMEDIATE: the write lock is taken up front (waiting up to
 * busy_timeout for another process), so a transaction never fails half-way with SQLITE_BUSY when it turns
 * from reading to writing. Inside one process Kysely already serialises everything on the one connection.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite does run DDL inside transactions; Kysely's adapter just does not claim it. Claiming it makes the
 * Migrator read the applied migrations and apply the pending ones inside one BEGIN IMMEDIATE transaction,
 * so two processes opening a fresh file at once cannot both try to create the tables.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;
  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

/** How many prepared statements a SQLite store keeps for reuse (the most recently used). */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The database as Kysely's driver sees it, with each statement prepared once and reused: Kysely prepares
 * every query it runs, and preparing costs as much as running for the store's small queries. Safe because
 * the driver runs one statement at a time to completion (tenet never streams from SQLite).
 */
function reusingStatements(db: SqliteDatabase): SqliteDatabase {
  const prepared = new LruMap<string, ReturnType<SqliteDatabase['prepare']>>(STATEMENT_CACHE_SIZE);
  return {
    close: () => db.close(),
    prepare(sql) {
      let statement = prepared.get(sql);
      if (!statement) prepared.set(sql, (statement = db.prepare(sql)));
      return statement;
    },
  };
}

async function openSqlite(target: string, source: LocationSource): Promise<{ kysely: Kysely<StoreSchema>; location: string }> {
  const { default: Database } = await import('better-sqlite3');
  let db: InstanceType<typeof Database> | undefined;
  try {
    if (target !== ':memory:') mkdirSync(path.dirname(target), { recursive: true });
    db = new Database(target, { timeout: SQLITE_BUSY_TIMEOUT_MS });
    db.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
    if (target !== ':memory:') db.pragma('journal_mode = WAL');
    // NORMAL is safe with WAL: a process crash loses nothing; a power cut may lose the last commits.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
  } catch (cause) {
    db?.close();
    const code = driverCode(cause);
    const hint =
      code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
        ? `the file is not a SQLite database (or is damaged); point ${whereToFix(source)} at another file`
        : `check that the directory exists and is writable, or point ${whereToFix(source)} elsewhere (a path, :memory:, or postgres://...)`;
    throw new TenetError('STORE', `could not open the SQLite database at ${target}: ${errorMessage(cause)}`, { cause, hint });
  }
  const sqlite = db;
  return { kysely: new Kysely<StoreSchema>({ dialect: new ImmediateSqliteDialect({ database: reusingStatements(sqlite) }) }), location: target };
}

// ---- Postgres ----------------------------------------------------------------------------------------

async function openPostgres(
  target: string,
  source: LocationSource,
  options: OpenStoreOptions,
): Promise<{ kysely: Kysely<StoreSchema>; location: string; schema: string }> {
  const { Pool } = await import('pg');
  const split = splitSchemaParam(target);
  const schema = options.schema ?? split.schema;
  // The location names the schema too, so describe().location can be passed back to openStore (when the URL
  // has no userinfo: a user name, like a password, is shown as ***).
  const location = redactUrl(
    schema !== undefined && split.schema === undefined ? `${target}${target.includes('?') ? '&' : '?'}schema=${schema}` : target,
  );
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new TenetError('CONFIG', `store: invalid Postgres schema name ${JSON.stringify(schema)}`, {
      hint: 'use lowercase letters, digits and _ only, starting with a letter or _ (at most 63 characters)',
    });
  }
  const connectTimeoutMs = options.connectTimeoutMs ?? 5000;
  const pool = new Pool({
    connectionString: split.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 10_000,
    // A CLI that forgets close() still exits once its clients are idle.
    allowExitOnIdle: true,
    ...pgSessionConfig(options.session, schema !== undefined ? `-c search_path=${schema}` : ''),
  });
  // An idle client losing its connection must not crash the process; the next query reports the problem.
  pool.on('error', () => {});
  // The pool stops listening on a client it hands out; a backend terminated while Kysely holds the client
  // (inside a transaction, between statements) would then be an uncaught 'error' event that kills the
  // process. The statement in flight, or the next one, rejects with the error instead.
  pool.on('connect', (client) => client.on('error', () => {}));
  // Every checkout is claimed by the bounded operation in progress, if any, which drops it when time is up.
  const claimed = {
    async connect() {
      const client = await pool.connect();
      claimConnection(client);
      return client;
    },
    end: () => pool.end(),
    options: pool.options,
  };
  const kysely = new Kysely<StoreSchema>({ dialect: new PostgresDialect({ pool: claimed }) });
  try {
    if (schema !== undefined) await createSchema(kysely, schema);
    const row = await sqlCurrentSchema(kysely);
    if (!row) {
      throw new TenetError('STORE', `the Postgres database at ${location} has no schema to create tenet's tables in`, {
        hint: `the search_path names no existing schema; add ?schema=tenet to the URL in ${whereToFix(source)}, or create the schema`,
      });
    }
    return { kysely, location, schema: row };
  } catch (cause) {
    await kysely.destroy().catch(() => {});
    if (cause instanceof TenetError) throw cause;
    throw new TenetError('STORE', `could not connect to the Postgres database at ${location}: ${errorMessage(cause)}`, {
      cause,
      hint: postgresConnectHint(cause, split.url, source, connectTimeoutMs),
      ...(driverCode(cause) ? { details: { driverCode: driverCode(cause) } } : {}),
    });
  }
}

async function createSchema(kysely: Kysely<StoreSchema>, schema: string): Promise<void> {
  // Look first: a user without CREATE on the database may still use a schema that exists.
  const found = await sql<{ n: number }>`select 1 as n from pg_namespace where nspname = ${schema}`.execute(kysely);
  if (found.rows.length > 0) return;
  try {
    await kysely.schema.createSchema(schema).ifNotExists().execute();
  } catch (e) {
    // Two processes creating it at once: the loser sees a unique violation although the schema now exists.
    if (driverCode(e) !== '23505' && driverCode(e) !== '42P06') throw e;
  }
}

async function sqlCurrentSchema(kysely: Kysely<StoreSchema>): Promise<string | null> {
  const out = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(kysely);
  return out.rows[0]?.schema ?? null;
}

/**
 * Is a Postgres server reachable at this URL? For `tenet doctor`; never throws. `error` is the driver's
 * message (without the URL), `hint` what to do about it.
 */
export async function pingPostgres(
  url: string,
  timeoutMs = 3000,
): Promise<{ ok: true; version: string } | { ok: false; error: string; hint: string }> {
  const { Client } = await import('pg');
  const { url: cleanUrl } = splitSchemaParam(url);
  const client = new Client({ connectionString: cleanUrl, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs });
  client.on('error', () => {});
  let timer: NodeJS.Timeout | undefined;
  try {
    const attempt = (async () => {
      await client.connect();
      const res = await client.query<{ server_version: string }>('show server_version');
      return res.rows[0]?.server_version ?? 'unknown';
    })();
    attempt.catch(() => {}); // when the deadline wins, the late failure must not surface as unhandled

    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms (timeout)`), { code: 'ETIMEDOUT' })), timeoutMs + 500);
    });
    const version = await Promise.race([attempt, deadline]);
    return { ok: true, version };
  } catch (e) {
    return {
      ok: false,
      error: errorMessage(e),
      hint: postgresConnectHint(e, cleanUrl, 'argument', timeoutMs),
    };
  } finally {
    if (timer) clearTimeout(timer);
    await client.end().catch(() => {});
  }
}

// ---- the store ---------------------------------------------------------------------------------------

async function migrate(kysely: Kysely<StoreSchema>, dialect: StoreDialect, location: string, schema: string | undefined): Promise<void> {
  const migrator = new Migrator({
    db: kysely,
    provider: inCodeMigrationProvider(dialect),
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(schema !== undefined ? { migrationTableSchema: schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error === undefined) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName;
  const message = errorMessage(error);
  const newer = /corrupted migrations|missing/i.test(message);
  throw new TenetError(
    'STORE',
    `could not bring the ${dialect} database at ${location} up to date${failed ? ` (migration ${failed})` : ''}: ${message}`,
    {
      cause: error,
      hint: newer
        ? 'the database was written by a newer version of tenet; upgrade tenet, or use another database'
        : 'nothing was changed (migrations run in a transaction); fix the cause above and rerun',
    },
  );
}

function buildStore(kysely: Kysely<StoreSchema>, dialect: StoreDialect, location: string): Store {
  const current = new AsyncLocalStorage<Kysely<StoreSchema>>();
  const ctx: RepoContext = {
    db: () => current.getStore() ?? kysely,
    async inTransaction<T>(fn: () => Promise<T>, options: { retries?: number } & TransactionOptions = {}): Promise<T> {
      if (current.getStore()) return fn();
      const { timeoutMs, lockTimeoutMs, signal } = options;
      const body = async (trx: Kysely<StoreSchema>): Promise<T> => {
        if (dialect === 'postgres' && timeoutMs !== undefined) {
          // this transaction's own limits, for every statement in it
          const lockMs = Math.min(lockTimeoutMs ?? timeoutMs, timeoutMs);
          await sql`select set_config('statement_timeout', ${String(timeoutMs)}, true), set_config('lock_timeout', ${String(lockMs)}, true)`.execute(trx);
        }
        return current.run(trx, fn);
      };
      const once = (): Promise<T> => kysely.transaction().execute(body);
      for (let attempt = 0; ; attempt++) {
        try {
          return await (dialect === 'postgres' ? bounded('a store transaction', { timeoutMs, signal }, once) : once());
        } catch (e) {
          const code = driverCode(e);
          if (attempt >= (options.retries ?? 0) || (code !== '40P01' && code !== '40001')) throw e;
          await new Promise((r) => setTimeout(r, 10 + Math.random() * 40 * (attempt + 1)));
        }
      }
    },
  };
  const repos: StoreRepos = createRepos(ctx);
  let closing: Promise<void> | undefined;
  return {
    ...repos,
    dialect,
    kysely,
    describe: () => ({ dialect, location }),
    async transaction<T>(fn: (tx: StoreRepos) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
      try {
        return await ctx.inTransaction(() => fn(repos), options);
      } catch (e) {
        // The caller's own errors pass through untouched; database errors (e.g. at COMMIT) become STORE.
        if (e instanceof TenetError || !looksLikeDriverError(e)) throw e;
        throw toStoreError(e, 'transaction');
      }
    },
    async ping(bounds: OperationBounds = {}): Promise<void> {
      const once = async (): Promise<void> => {
        await sql`select 1`.execute(kysely);
      };
      try {
        await (dialect === 'postgres' ? bounded('the health check', bounds, once) : once());
      } catch (e) {
        throw looksLikeDriverError(e) ? toStoreError(e, 'ping') : e;
      }
    },
    async migrations(): Promise<AppliedMigration[]> {
      try {
        const rows = await (kysely as unknown as Kysely<Record<string, { name: string; timestamp: string }>>)
          .selectFrom(MIGRATION_TABLE)
          .select(['name', 'timestamp'])
          .orderBy('name')
          .execute();
        return rows.map((r) => ({ name: r.name, executedAt: r.timestamp }));
      } catch (e) {
        throw toStoreError(e, 'migrations');
      }
    },
    close(): Promise<void> {
      closing ??= kysely.destroy();
      return closing;
    },
  };
}

function looksLikeDriverError(e: unknown): boolean {
  const code = driverCode(e);
  return code.startsWith('SQLITE_') || /^[0-9A-Z]{5}$/.test(code);
}

/**
 * Opens (and creates, and migrates) the store. `location`: a SQLite path, `:memory:`, or a
 * postgres://user:password@host:5432/db URL (optionally `?schema=NAME`); defaults to $TENET_DB, then
 * ./.tenet/tenet.db. Throws TenetError('STORE') with a hint when the database cannot be reached.
 */
export async function openStore(location?: string, options: OpenStoreOptions = {}): Promise<Store> {
  const resolved = resolveStoreLocation(location, process.env, options.cwd ?? process.cwd());
  if (resolved.dialect === 'sqlite') {
    const { kysely, location: where } = await openSqlite(resolved.target, resolved.source);
    try {
      if (options.migrate ?? true) await migrate(kysely, 'sqlite', where, undefined);
    } catch (e) {
      await kysely.destroy().catch(() => {});
      throw e instanceof TenetError ? e : toStoreError(e, 'open');
    }
    return buildStore(kysely, 'sqlite', where);
  }
  const { kysely, location: where, schema } = await openPostgres(resolved.target, resolved.source, options);
  try {
    if (options.migrate ?? true) await migrate(kysely, 'postgres', where, schema);
  } catch (e) {
    await kysely.destroy().catch(() => {});
    throw e instanceof TenetError ? e : toStoreError(e, 'open');
  }
  return buildStore(kysely, 'postgres', where);
}
