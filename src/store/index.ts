/**
 * tenet's store: one schema on SQLite (embedded default) and Postgres, versioned migrations applied on
 * open, and idempotent repositories keyed by deterministic ids.
 *
 *   const store = await openStore();            // $TENET_DB or ./.tenet/tenet.db
 *   await store.runs.create({ id, kind: 'bench', name, config });
 *   await store.samples.put({ runId, taskId, model, sampleIndex, text });   // twice → one row
 *   await store.close();
 */
export { canonicalJson, ID_HEX_LENGTH, judgmentIdFor, sampleIdFor, stableId, taskIdFor } from './ids.ts';
export {
  DEFAULT_STORE_PATH,
  openStore,
  PG_SESSION_DEFAULTS,
  pgSessionConfig,
  pingPostgres,
  postgresConnectHint,
  redactUrl,
  resolveStoreLocation,
  SQLITE_BUSY_TIMEOUT_MS,
  type LocationSource,
  type OpenStoreOptions,
  type PgSessionSettings,
  type ResolvedLocation,
} from './open.ts';
export { bounded, type OperationBounds } from './bounds.ts';
export { isLabelValue, labelItemIdFor } from './labels.ts';
export { storeCache, type ResponseCache, type ResponseCacheEntry } from './cache-backend.ts';
export { MIGRATION_LOCK_TABLE, MIGRATION_TABLE, MIGRATION_NAMES } from './migrations.ts';
export type { StoreSchema } from './schema.ts';
export {
  LABEL_VALUES,
  RUN_STATUSES,
  type CalibrationsRepo,
  type JudgeCalibration,
  type Label,
  type LabelItem,
  type LabelSampleInfo,
  type LabelsRepo,
  type LabelValue,
  type NewJudgeCalibration,
  type NewLabel,
  type NewLabelItem,
  type AppliedMigration,
  type CacheEntry,
  type CacheFilter,
  type CacheModelStats,
  type CacheRepo,
  type CacheStats,
  type Judgment,
  type JudgmentsRepo,
  type LeasesRepo,
  type NewCacheEntry,
  type NewJudgment,
  type NewRun,
  type NewSample,
  type NewTask,
  type Run,
  type RunLeaseHolder,
  type RunStatus,
  type RunTotals,
  type RunFailure,
  type RunFailuresRepo,
  type RunsRepo,
  type Sample,
  type SampleUsage,
  type SamplesRepo,
  type Store,
  type StoreDescription,
  type StoreDialect,
  type StoreRepos,
  type Task,
  type TasksRepo,
  type TotalsDelta,
  type TransactionOptions,
} from './types.ts';
