/**
 * One generic row mapper for every repository: a table row (snake_case, JSON as TEXT, counts that the
 * driver may hand back as bigint or string, flags as 0/1) becomes the API's object (camelCase, JSON
 * parsed, numbers, booleans). The repositories declare which columns are JSON, numbers or flags and
 * override only what is genuinely special (a card assembled from three columns, defaults merged in).
 *
 *   const toTask = rowMapper<TaskRow>()('tasks', { json: ['input_json'] });
 *   toTask(row)   // { id, runId, kind, input, createdAt }
 */
import { parseJson, toNumber } from './util.ts';

/** `run_id` → `runId` (at the type level). */
export type CamelKey<S extends string> = S extends `${infer H}_${infer T}` ? `${H}${Capitalize<CamelKey<T>>}` : S;

type FieldName<K extends string, J> = K extends J ? (K extends `${infer B}_json` ? CamelKey<B> : CamelKey<K>) : CamelKey<K>;
type FieldValue<V, K, J, N, B> = K extends J ? unknown : K extends N ? (null extends V ? number | null : number) : K extends B ? boolean : V;

/** The API object for row type R: JSON columns J lose their `_json` suffix, N become numbers, B booleans. */
export type Mapped<R, J = never, N = never, B = never> = {
  [K in keyof R & string as FieldName<K, J>]: FieldValue<R[K], K, J, N, B>;
};

/** `run_id` → `runId`. */
export function camelKey(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface RowShape<J, N, B> {
  /** Columns holding JSON text (named `x_json`; the field is `x`; SQL NULL stays null). */
  json?: readonly J[];
  /** Numeric columns (SQL NULL stays null). */
  numbers?: readonly N[];
  /** 0/1 columns. */
  flags?: readonly B[];
  /** The column that names a row in an error message (default `id`). */
  key?: string;
}

/**
 * `rowMapper<Row>()(table, shape)` returns the mapper for that table's rows. (Two calls so that the row
 * type is given and the column lists are inferred.) A JSON column that does not parse is a STORE error
 * naming the table, column and row.
 */
export function rowMapper<R extends object>() {
  return function shape<
    J extends keyof R & `${string}_json` = never,
    N extends keyof R & string = never,
    B extends keyof R & string = never,
  >(table: string, s: RowShape<J, N, B> = {}): (row: R) => Mapped<R, J, N, B> {
    const json = new Set<string>(s.json ?? []);
    const numbers = new Set<string>(s.numbers ?? []);
    const flags = new Set<string>(s.flags ?? []);
    const keyColumn = s.key ?? 'id';
    const fields = new Map<string, string>(); // column → field, worked out once per column, not once per row
    const fieldOf = (column: string): string => {
      let field = fields.get(column);
      if (field === undefined) fields.set(column, (field = camelKey(json.has(column) ? column.slice(0, -'_json'.length) : column)));
      return field;
    };
    return (row: R): Mapped<R, J, N, B> => {
      const source = row as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const column in source) {
        const value = source[column];
        const field = fieldOf(column);
        if (json.has(column)) {
          out[field] = value === null || value === undefined ? null : parseJson(String(value), () => `${table}.${column} of ${keyColumn} ${String(source[keyColumn])}`);
        } else if (numbers.has(column)) {
          out[field] = value === null || value === undefined ? null : toNumber(value);
        } else if (flags.has(column)) {
          out[field] = toNumber(value) !== 0;
        } else {
          out[field] = value;
        }
      }
      return out as Mapped<R, J, N, B>;
    };
  };
}
