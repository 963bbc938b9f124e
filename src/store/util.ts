/** Small helpers shared by the store's files. */
import { TenetError } from '../errors.ts';

export function nowIso(): string {
  return new Date().toISOString();
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Plain JSON text for large payloads (responses, logprobs), where sorting keys would only cost time. */
export function plainJson(value: unknown): string {
  return JSON.stringify(value) ?? 'null';
}

export function parseJson(text: string, what: string | (() => string)): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new TenetError('STORE', `store: ${typeof what === 'string' ? what : what()} holds text that is not JSON`, {
      cause,
      hint: 'the database was edited by hand or is damaged; delete that row or restore a backup',
    });
  }
}

/** SQLite and Postgres return counts as number, bigint or string depending on the driver and the type. */
export function toNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

export function requireId(id: unknown, what: string): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new TenetError('BAD_INPUT', `store: ${what} must be a non-empty string (got ${JSON.stringify(id) ?? String(id)})`);
  }
  return id;
}

interface DriverErrorShape {
  code?: unknown;
  message?: unknown;
}

function errorCode(e: unknown): string {
  const code = (e as DriverErrorShape | null)?.code;
  return typeof code === 'string' ? code : '';
}

export function errorMessage(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) {
    return e.errors.map((x) => errorMessage(x)).join('; ');
  }
  const message = (e as DriverErrorShape | null)?.message;
  if (typeof message === 'string' && message.length > 0) return message;
  const code = errorCode(e);
  return code || String(e);
}

/** A hint for a database error met while reading or writing (not while connecting; see open.ts). */
export function hintForQueryError(e: unknown): string | undefined {
  const code = errorCode(e);
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return 'another process held a write lock on the SQLite file for longer than 5 s; retry, or use Postgres (TENET_DB=postgres://...) for many concurrent workers';
  }
  if (code.startsWith('SQLITE_READONLY')) return 'the SQLite file or its directory is read-only; check permissions or point TENET_DB elsewhere';
  if (code === 'SQLITE_FULL' || code === '53100') return 'the disk is full; free space and rerun (completed work is kept)';
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB') return 'the SQLite file is damaged or not a tenet database; restore a backup or use a new file';
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY' || code === '23503') {
    return 'a row refers to a run that does not exist; create the run first with store.runs.create';
  }
  if (code === '42P01' || code === '3F000') {
    return 'a table or schema is missing; was the schema dropped while the store was open? Reopen the store to re-create it';
  }
  if (code === '40P01' || code === '40001') {
    return 'two writers touched the same rows in different orders and Postgres aborted one; rerun (every write is idempotent)';
  }
  if (code === '57P01' || code === 'ECONNRESET' || code === 'ECONNREFUSED') return 'the Postgres server went away; check that it is running and rerun (completed work is kept)';
  if (typeof (e as DriverErrorShape | null)?.message === 'string' && /destroyed/.test(String((e as DriverErrorShape).message))) {
    return 'the store was closed; open it again with openStore()';
  }
  return undefined;
}

/** Wraps any non-TenetError into TenetError('STORE'), naming the operation that failed. */
export function toStoreError(e: unknown, operation: string): TenetError {
  if (e instanceof TenetError) return e;
  const hint = hintForQueryError(e);
  const code = errorCode(e);
  return new TenetError('STORE', `store: ${operation} failed: ${errorMessage(e)}`, {
    cause: e,
    ...(hint ? { hint } : {}),
    ...(code ? { details: { driverCode: code } } : {}),
  });
}

/** Returns a copy of `repo` whose methods turn every database error into TenetError('STORE'). */
export function guardRepo<T extends object>(area: string, repo: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, member] of Object.entries(repo)) {
    if (typeof member !== 'function') {
      out[name] = member;
      continue;
    }
    const fn = member as (...args: unknown[]) => Promise<unknown>;
    out[name] = async (...args: unknown[]): Promise<unknown> => {
      try {
        return await fn(...args);
      } catch (e) {
        throw toStoreError(e, `${area}.${name}`);
      }
    };
  }
  return out as T;
}
