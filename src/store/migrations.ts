/**
 * Versioned schema migrations, in code (the package also runs from dist/, so nothing is read from disk).
 * Append new migrations with the next number; never edit one that has shipped. Each migration must use
 * only DDL both SQLite and Postgres accept: the column types used here (text, 'integer',
 * 'double precision') mean the same thing on both. The one difference: on Postgres every text column is
 * `collate "C"` (byte order, like SQLite's BINARY), so ORDER BY gives the same order on both databases.
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Migration, MigrationProvider } from 'kysely/migration';
import type { StoreDialect } from './types.ts';

/** Migration bookkeeping tables (named so they never clash with another Kysely app in the same database). */
export const MIGRATION_TABLE = 'tenet_migration';
export const MIGRATION_LOCK_TABLE = 'tenet_migration_lock';

/** `text`, compared byte by byte on both dialects. */
function textType(dialect: StoreDialect): RawBuilder<unknown> {
  return dialect === 'postgres' ? sql`text collate "C"` : sql`text`;
}

const m0001_initial = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('runs')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('name', text, (c) => c.notNull())
      .addColumn('config_json', text, (c) => c.notNull())
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('runs_kind_created_idx').on('runs').columns(['kind', 'created_at']).execute();
    await db.schema.createIndex('runs_created_idx').on('runs').column('created_at').execute();

    await db.schema
      .createTable('run_totals')
      .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('key', text, (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('run_totals_pk', ['run_id', 'key'])
      .execute();

    await db.schema
      .createTable('tasks')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('input_json', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('tasks_run_idx').on('tasks').columns(['run_id', 'created_at']).execute();

    await db.schema
      .createTable('samples')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('task_id', text, (c) => c.notNull())
      .addColumn('model', text, (c) => c.notNull())
      .addColumn('sample_index', 'integer', (c) => c.notNull())
      .addColumn('text', text, (c) => c.notNull())
      .addColumn('logprobs_json', text)
      .addColumn('usage_json', text, (c) => c.notNull())
      .addColumn('cost_usd', 'double precision')
      .addColumn('latency_ms', 'double precision', (c) => c.notNull())
      .addColumn('cached', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('error', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('samples_run_idx').on('samples').columns(['run_id', 'created_at']).execute();
    await db.schema.createIndex('samples_task_idx').on('samples').column('task_id').execute();

    await db.schema
      .createTable('judgments')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('sample_id', text, (c) => c.notNull())
      .addColumn('judge_id', text, (c) => c.notNull())
      .addColumn('judge_version', text, (c) => c.notNull())
      .addColumn('result_json', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('judgments_sample_judge_uq', ['sample_id', 'judge_id', 'judge_version'])
      .execute();

    await db.schema
      .createTable('cache')
      .addColumn('key', text, (c) => c.primaryKey().notNull())
      .addColumn('provider', text, (c) => c.notNull())
      .addColumn('base_url', text)
      .addColumn('model', text, (c) => c.notNull())
      .addColumn('sample_index', 'integer', (c) => c.notNull())
      .addColumn('response_json', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('hits', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_hit_at', text)
      .execute();
    await db.schema.createIndex('cache_provider_model_idx').on('cache').columns(['provider', 'model']).execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const table of ['cache', 'judgments', 'samples', 'tasks', 'run_totals', 'runs']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
});

/** Every migration for a dialect, by name; names sort in the order they apply. */
export function migrationsFor(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_initial': m0001_initial(dialect),
  };
}

/** The names of every migration this version of tenet knows, in order. */
export const MIGRATION_NAMES: readonly string[] = Object.freeze(Object.keys(migrationsFor('sqlite')));

export function inCodeMigrationProvider(dialect: StoreDialect): MigrationProvider {
  return {
    async getMigrations() {
      return migrationsFor(dialect);
    },
  };
}
