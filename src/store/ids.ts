/**
 * Deterministic ids. Every unit of work (task, sample, judgment, cache entry) is keyed by a hash of what
 * defines it, so a rerun, a resumed run or a second worker computes the same id and the store's
 * INSERT ... ON CONFLICT DO NOTHING turns the duplicate into a no-op.
 *
 * An id is the first {@link ID_HEX_LENGTH} (32) lowercase hex characters of the SHA-256 of the canonical
 * JSON of its parts: 128 bits, so collisions are negligible even across billions of rows, and the keys stay
 * short in every index.
 */
import { createHash } from 'node:crypto';
import { TenetError } from '../errors.ts';

/** Length of every id {@link stableId} returns: 32 hex characters (128 bits of SHA-256). */
export const ID_HEX_LENGTH = 32;

/**
 * JSON with object keys sorted (recursively, by UTF-16 code unit, like `Array.prototype.sort`), so equal
 * values always give the same text. Otherwise JSON.stringify's rules: `undefined`, functions and symbols are
 * dropped from objects and become `null` in arrays; `toJSON()` is honoured (Dates become ISO strings);
 * numbers use JavaScript's shortest round-trip form (`-0` → `0`, `NaN`/`±Infinity` → `null`); bigints are
 * written as integer literals. Maps, Sets and cyclic structures are refused (they would silently collapse
 * to `{}` and collide).
 */
export function canonicalJson(value: unknown): string {
  return encode(value, new Set(), '$') ?? 'null';
}

function encode(value: unknown, seen: Set<object>, path: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // JSON.stringify already writes -0 as 0 and uses the shortest round-trip form.
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  const obj = value as object;
  const toJSON = (obj as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encode(toJSON.call(obj), seen, path);
  if (obj instanceof Map || obj instanceof Set) {
    throw new TenetError('BAD_INPUT', `canonicalJson: cannot encode a ${obj.constructor.name} (at ${path})`, {
      hint: 'convert it to a plain object or array first (e.g. Object.fromEntries(map) or [...set])',
      location: { path },
    });
  }
  if (seen.has(obj)) {
    throw new TenetError('BAD_INPUT', `canonicalJson: cyclic structure (at ${path})`, { location: { path } });
  }
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((v, i) => encode(v, seen, `${path}[${i}]`) ?? 'null').join(',')}]`;
    }
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const key of Object.keys(record).sort()) {
      const encoded = encode(record[key], seen, `${path}.${key}`);
      if (encoded !== undefined) parts.push(`${JSON.stringify(key)}:${encoded}`);
    }
    return `{${parts.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/**
 * A deterministic id: the first 32 hex characters of sha256(canonicalJson(parts)). The order of the parts
 * matters (`stableId('a', 'b') !== stableId('b', 'a')`); the key order inside objects does not.
 */
export function stableId(...parts: unknown[]): string {
  return createHash('sha256').update(canonicalJson(parts)).digest('hex').slice(0, ID_HEX_LENGTH);
}

/** The id a task gets when none is given: its run, kind and input. */
export function taskIdFor(runId: string, kind: string, input: unknown): string {
  return stableId('task', runId, kind, input);
}

/** The id a sample gets when none is given: its run, task, model and sample index. */
export function sampleIdFor(runId: string, taskId: string, model: string, sampleIndex: number): string {
  return stableId('sample', runId, taskId, model, sampleIndex);
}

/** The id a judgment gets when none is given: the sample and the judge (id and version). */
export function judgmentIdFor(sampleId: string, judgeId: string, judgeVersion: string): string {
  return stableId('judgment', sampleId, judgeId, judgeVersion);
}
