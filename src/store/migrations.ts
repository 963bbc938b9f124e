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

/**
 * Moral Graph Elicitation: deliberations, questions, contexts, participants (hashed invite tokens),
 * sessions, interview chats, personal and canonical values cards with their links, upgrade hypotheses,
 * edge votes (one per participant, unordered pair and context), value votes, impressions and jobs.
 */
const m0002_elicitation = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('elicit_deliberations')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('description', text, (c) => c.notNull())
      .addColumn('settings_json', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('elicit_questions')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('text', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('elicit_questions_delib_idx').on('elicit_questions').columns(['deliberation_id', 'position']).execute();

    await db.schema
      .createTable('elicit_contexts')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('text', text, (c) => c.notNull())
      .addColumn('source', text, (c) => c.notNull())
      .addColumn('model', text)
      .addColumn('prompt_version', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('elicit_contexts_text_uq', ['deliberation_id', 'text'])
      .execute();

    await db.schema
      .createTable('elicit_question_contexts')
      .addColumn('question_id', text, (c) => c.notNull().references('elicit_questions.id').onDelete('cascade'))
      .addColumn('context_id', text, (c) => c.notNull().references('elicit_contexts.id').onDelete('cascade'))
      .addColumn('deliberation_id', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('elicit_question_contexts_pk', ['question_id', 'context_id'])
      .execute();

    await db.schema
      .createTable('elicit_participants')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('token_hash', text, (c) => c.notNull().unique())
      .addColumn('label', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('joined_at', text)
      .addColumn('last_seen_at', text)
      .execute();
    await db.schema.createIndex('elicit_participants_delib_idx').on('elicit_participants').columns(['deliberation_id', 'created_at']).execute();

    await db.schema
      .createTable('elicit_sessions')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('expires_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('elicit_sessions_participant_idx').on('elicit_sessions').column('participant_id').execute();

    await db.schema
      .createTable('elicit_chats')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('question_id', text, (c) => c.notNull().references('elicit_questions.id').onDelete('cascade'))
      .addColumn('messages_json', text, (c) => c.notNull())
      .addColumn('provisional_card_json', text)
      .addColumn('card_shown_at', 'integer')
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('model', text, (c) => c.notNull())
      .addColumn('prompt_version', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .addUniqueConstraint('elicit_chats_participant_question_uq', ['participant_id', 'question_id'])
      .execute();
    await db.schema.createIndex('elicit_chats_delib_idx').on('elicit_chats').columns(['deliberation_id', 'status']).execute();

    await db.schema
      .createTable('elicit_cards')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('question_id', text, (c) => c.notNull())
      .addColumn('chat_id', text, (c) => c.notNull().unique().references('elicit_chats.id').onDelete('cascade'))
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('description', text, (c) => c.notNull())
      .addColumn('policies_json', text, (c) => c.notNull())
      .addColumn('quality_json', text, (c) => c.notNull())
      .addColumn('model', text, (c) => c.notNull())
      .addColumn('prompt_version', text, (c) => c.notNull())
      .addColumn('embedding_json', text)
      .addColumn('embedding_model', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('elicit_cards_delib_idx').on('elicit_cards').columns(['deliberation_id', 'created_at']).execute();
    await db.schema.createIndex('elicit_cards_participant_idx').on('elicit_cards').column('participant_id').execute();

    await db.schema
      .createTable('elicit_canonical_cards')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('title', text, (c) => c.notNull())
      .addColumn('description', text, (c) => c.notNull())
      .addColumn('policies_json', text, (c) => c.notNull())
      .addColumn('source_card_id', text)
      .addColumn('embedding_json', text)
      .addColumn('embedding_model', text)
      .addColumn('model', text)
      .addColumn('prompt_version', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('elicit_canonical_cards_seq_uq', ['deliberation_id', 'seq'])
      .execute();

    await db.schema
      .createTable('elicit_card_links')
      .addColumn('card_id', text, (c) => c.primaryKey().notNull().references('elicit_cards.id').onDelete('cascade'))
      .addColumn('canonical_id', text, (c) => c.notNull().references('elicit_canonical_cards.id').onDelete('cascade'))
      .addColumn('proposed_id', text)
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('similarity', 'double precision')
      .addColumn('rationale', text)
      .addColumn('model', text)
      .addColumn('prompt_version', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('decided_at', text)
      .execute();
    await db.schema.createIndex('elicit_card_links_canonical_idx').on('elicit_card_links').column('canonical_id').execute();

    await db.schema
      .createTable('elicit_chat_contexts')
      .addColumn('chat_id', text, (c) => c.notNull().references('elicit_chats.id').onDelete('cascade'))
      .addColumn('context_id', text, (c) => c.notNull().references('elicit_contexts.id').onDelete('cascade'))
      .addColumn('model', text)
      .addColumn('prompt_version', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('elicit_chat_contexts_pk', ['chat_id', 'context_id'])
      .execute();

    await db.schema
      .createTable('elicit_hypotheses')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('from_id', text, (c) => c.notNull().references('elicit_canonical_cards.id').onDelete('cascade'))
      .addColumn('to_id', text, (c) => c.notNull().references('elicit_canonical_cards.id').onDelete('cascade'))
      .addColumn('context_id', text, (c) => c.notNull().references('elicit_contexts.id').onDelete('cascade'))
      .addColumn('story', text, (c) => c.notNull())
      .addColumn('reverse_story', text, (c) => c.notNull())
      .addColumn('rationale', text)
      .addColumn('model', text, (c) => c.notNull())
      .addColumn('prompt_version', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('elicit_hypotheses_uq', ['deliberation_id', 'run_id', 'from_id', 'to_id', 'context_id'])
      .execute();
    await db.schema.createIndex('elicit_hypotheses_delib_idx').on('elicit_hypotheses').columns(['deliberation_id', 'created_at']).execute();

    await db.schema
      .createTable('elicit_votes')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('hypothesis_id', text, (c) => c.notNull().references('elicit_hypotheses.id').onDelete('cascade'))
      .addColumn('from_id', text, (c) => c.notNull())
      .addColumn('to_id', text, (c) => c.notNull())
      .addColumn('context_id', text, (c) => c.notNull())
      .addColumn('pair_key', text, (c) => c.notNull())
      .addColumn('relationship', text, (c) => c.notNull())
      .addColumn('story_shown', text, (c) => c.notNull())
      .addColumn('direction', text, (c) => c.notNull())
      .addColumn('why', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .addUniqueConstraint('elicit_votes_one_per_pair_uq', ['participant_id', 'pair_key', 'context_id'])
      .execute();
    await db.schema.createIndex('elicit_votes_delib_idx').on('elicit_votes').columns(['deliberation_id', 'created_at']).execute();
    await db.schema.createIndex('elicit_votes_hypothesis_idx').on('elicit_votes').column('hypothesis_id').execute();

    await db.schema
      .createTable('elicit_value_votes')
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('canonical_id', text, (c) => c.notNull().references('elicit_canonical_cards.id').onDelete('cascade'))
      .addColumn('deliberation_id', text, (c) => c.notNull())
      .addColumn('draw_id', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('elicit_value_votes_pk', ['participant_id', 'canonical_id'])
      .execute();
    await db.schema.createIndex('elicit_value_votes_canonical_idx').on('elicit_value_votes').column('canonical_id').execute();

    await db.schema
      .createTable('elicit_impressions')
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('canonical_id', text, (c) => c.notNull().references('elicit_canonical_cards.id').onDelete('cascade'))
      .addColumn('deliberation_id', text, (c) => c.notNull())
      .addColumn('draw_id', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('elicit_impressions_pk', ['participant_id', 'canonical_id', 'draw_id'])
      .execute();
    await db.schema.createIndex('elicit_impressions_canonical_idx').on('elicit_impressions').column('canonical_id').execute();

    await db.schema
      .createTable('elicit_jobs')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('deliberation_id', text, (c) => c.notNull().references('elicit_deliberations.id').onDelete('cascade'))
      .addColumn('kind', text, (c) => c.notNull())
      .addColumn('status', text, (c) => c.notNull())
      .addColumn('result_json', text)
      .addColumn('error', text)
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('updated_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('elicit_jobs_delib_idx').on('elicit_jobs').columns(['deliberation_id', 'created_at']).execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const table of [
      'elicit_jobs', 'elicit_impressions', 'elicit_value_votes', 'elicit_votes', 'elicit_hypotheses', 'elicit_chat_contexts',
      'elicit_card_links', 'elicit_canonical_cards', 'elicit_cards', 'elicit_chats', 'elicit_sessions', 'elicit_participants',
      'elicit_question_contexts', 'elicit_contexts', 'elicit_questions', 'elicit_deliberations',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
});

/**
 * Issue 14 hardening: which story (and which way round) the server showed each participant, admin
 * sessions that can be revoked, and the lease that keeps two processes from running one run at once.
 */
const m0003_served_sessions_leases = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('elicit_served_stories')
      .addColumn('participant_id', text, (c) => c.notNull().references('elicit_participants.id').onDelete('cascade'))
      .addColumn('hypothesis_id', text, (c) => c.notNull().references('elicit_hypotheses.id').onDelete('cascade'))
      .addColumn('deliberation_id', text, (c) => c.notNull())
      .addColumn('direction', text, (c) => c.notNull())
      .addColumn('served_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('elicit_served_stories_pk', ['participant_id', 'hypothesis_id'])
      .execute();

    await db.schema
      .createTable('elicit_admin_sessions')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addColumn('expires_at', text, (c) => c.notNull())
      .addColumn('revoked_at', text)
      .execute();

    await db.schema
      .createTable('run_leases')
      .addColumn('run_id', text, (c) => c.primaryKey().notNull().references('runs.id').onDelete('cascade'))
      .addColumn('owner', text, (c) => c.notNull())
      .addColumn('acquired_at', text, (c) => c.notNull())
      .addColumn('heartbeat_at', text, (c) => c.notNull())
      .addColumn('expires_at', text, (c) => c.notNull())
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    for (const table of ['run_leases', 'elicit_admin_sessions', 'elicit_served_stories']) await db.schema.dropTable(table).ifExists().execute();
  },
});

/**
 * Why a run's work units failed (the last invocation's failures, grouped by cause with counts), so that a
 * report or a later `--json` can say why a run is `failed` long after its terminal output is gone.
 */
const m0004_run_failures = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('run_failures')
      .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('cause_json', text, (c) => c.notNull())
      .addColumn('count', 'integer', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('run_failures_pk', ['run_id', 'position'])
      .execute();
  },

  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('run_failures').ifExists().execute();
  },
});

/** Judgments a reader marked as wrong in `tenet view` (append-only; one row per flag). */
const m0005_disputes = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('disputes')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('sample_id', text, (c) => c.notNull())
      .addColumn('judgment_id', text, (c) => c.notNull())
      .addColumn('reason', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('disputes_run_idx').on('disputes').columns(['run_id', 'judgment_id']).execute();
    await db.schema.createIndex('disputes_judgment_idx').on('disputes').column('judgment_id').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    await db.schema.dropTable('disputes').ifExists().execute();
  },
});

/**
 * Run totals become append-only: each addition is its own rows (one per counter), summed on read. A unit's
 * commit then writes only rows that belong to it, so no writer ever waits on a row another writer holds
 * (the single `run_totals` row per counter, and the `runs` row whose updated_at every commit bumped, were
 * locks every worker shared: one session stuck inside its commit stopped them all). No foreign key to
 * `runs`: an insert would lock the run's row (FOR KEY SHARE) too. The old totals carry over as one entry
 * per run.
 */
const m0006_run_total_entries = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('run_total_entries')
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('entry_id', text, (c) => c.notNull())
      .addColumn('key', text, (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addPrimaryKeyConstraint('run_total_entries_pk', ['run_id', 'entry_id', 'key'])
      .execute();
    await sql`insert into run_total_entries (run_id, entry_id, key, value, created_at)
      select t.run_id, 'carried-over', t.key, t.value, r.updated_at from run_totals t join runs r on r.id = t.run_id`.execute(db);
    await db.schema.dropTable('run_totals').execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('run_totals')
      .addColumn('run_id', text, (c) => c.notNull().references('runs.id').onDelete('cascade'))
      .addColumn('key', text, (c) => c.notNull())
      .addColumn('value', 'double precision', (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('run_totals_pk', ['run_id', 'key'])
      .execute();
    await sql`insert into run_totals (run_id, key, value) select run_id, key, sum(value) from run_total_entries group by run_id, key`.execute(db);
    await db.schema.dropTable('run_total_entries').execute();
  },
});

/**
 * Human labels for judge calibration (issue 20): the drawn, stratified label sample of a run (one row per
 * item, with its stratum and design weight), the labels people gave (append-only, several labellers per
 * item), and the judge calibrations computed from them, keyed by judge id, version and configuration hash.
 */
const m0007_labels = (dialect: StoreDialect): Migration => ({
  async up(db: Kysely<any>): Promise<void> {
    const text = textType(dialect);
    await db.schema
      .createTable('label_samples')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('seed', 'integer', (c) => c.notNull())
      .addColumn('sample_id', text, (c) => c.notNull())
      .addColumn('judgment_id', text, (c) => c.notNull())
      .addColumn('model', text, (c) => c.notNull())
      .addColumn('stratum', text, (c) => c.notNull())
      .addColumn('weight', 'double precision', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .addUniqueConstraint('label_samples_run_seed_sample_uq', ['run_id', 'seed', 'sample_id'])
      .execute();
    await db.schema.createIndex('label_samples_run_idx').on('label_samples').columns(['run_id', 'seed', 'position']).execute();

    await db.schema
      .createTable('labels')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('item_id', text, (c) => c.notNull())
      .addColumn('sample_id', text, (c) => c.notNull())
      .addColumn('judgment_id', text, (c) => c.notNull())
      .addColumn('label', text, (c) => c.notNull())
      .addColumn('labeller', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('labels_run_idx').on('labels').columns(['run_id', 'item_id']).execute();

    await db.schema
      .createTable('judge_calibrations')
      .addColumn('id', text, (c) => c.primaryKey().notNull())
      .addColumn('judge_id', text, (c) => c.notNull())
      .addColumn('judge_version', text, (c) => c.notNull())
      .addColumn('config_hash', text, (c) => c.notNull())
      .addColumn('run_id', text, (c) => c.notNull())
      .addColumn('result_json', text, (c) => c.notNull())
      .addColumn('created_at', text, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('judge_calibrations_key_idx').on('judge_calibrations').columns(['judge_id', 'judge_version', 'config_hash', 'created_at']).execute();
  },
  async down(db: Kysely<any>): Promise<void> {
    for (const table of ['judge_calibrations', 'labels', 'label_samples']) await db.schema.dropTable(table).ifExists().execute();
  },
});

/** Every migration for a dialect, by name; names sort in the order they apply. */
export function migrationsFor(dialect: StoreDialect): Record<string, Migration> {
  return {
    '0001_initial': m0001_initial(dialect),
    '0002_elicitation': m0002_elicitation(dialect),
    '0003_served_sessions_leases': m0003_served_sessions_leases(dialect),
    '0004_run_failures': m0004_run_failures(dialect),
    '0005_disputes': m0005_disputes(dialect),
    '0006_run_total_entries': m0006_run_total_entries(dialect),
    '0007_labels': m0007_labels(dialect),
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
