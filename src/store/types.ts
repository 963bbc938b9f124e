/**
 * The store's public types: rows as the API returns them (camelCase, JSON parsed), what the writers take,
 * and the repository interfaces. SQL names are snake_case and live in schema.ts.
 *
 * Conventions (the same on SQLite and Postgres):
 *  - timestamps are ISO-8601 UTC strings from `Date.prototype.toISOString()` (e.g. `2025-01-31T12:00:00.000Z`),
 *    which sort as text in time order;
 *  - JSON columns are TEXT; the API parses them, so `config`, `input`, `result`, `response`, `logprobs`
 *    and `usage` come back as values, not strings;
 *  - ids are strings; the writers derive a deterministic one (see ids.ts) where it is left out.
 */
import type { Kysely } from 'kysely';
import type { StoreSchema } from './schema.ts';
import type { OperationBounds } from './bounds.ts';

export type StoreDialect = 'sqlite' | 'postgres';

export const RUN_STATUSES = ['running', 'done', 'failed', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

/**
 * A run's counters. The five named ones are always present (0 until added to); any other numeric counter
 * passed to `runs.addTotals` (retries, samples, unpricedCalls, ...) is kept too.
 */
export interface RunTotals {
  calls: number;
  cachedCalls: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  [counter: string]: number;
}

/** Increments for `runs.addTotals`: any subset of the counters, each a finite number (may be negative). */
export type TotalsDelta = { [counter: string]: number | undefined };

export interface Run {
  id: string;
  kind: string;
  name: string;
  config: unknown;
  status: RunStatus;
  createdAt: string;
  /** The last change: of the run's row (create, status) or its totals (the latest addition). */
  updatedAt: string;
  totals: RunTotals;
}

export interface NewRun {
  id: string;
  kind: string;
  name?: string;
  config?: unknown;
  /** Default 'running'. */
  status?: RunStatus;
}

export interface Task {
  id: string;
  runId: string;
  kind: string;
  input: unknown;
  createdAt: string;
}

export interface NewTask {
  /** Default: taskIdFor(runId, kind, input). */
  id?: string;
  runId: string;
  kind: string;
  input: unknown;
  createdAt?: string;
}

export interface SampleUsage {
  inputTokens: number;
  outputTokens: number;
  [key: string]: unknown;
}

export interface Sample {
  id: string;
  runId: string;
  taskId: string;
  /** The model spec, e.g. `openai:gpt-4o-mini`. */
  model: string;
  sampleIndex: number;
  text: string;
  logprobs: unknown | null;
  usage: SampleUsage;
  costUsd: number | null;
  latencyMs: number;
  cached: boolean;
  /** Why the call failed, when it did (then `text` is usually ''). */
  error: string | null;
  createdAt: string;
}

export interface NewSample {
  /** Default: sampleIdFor(runId, taskId, model, sampleIndex). */
  id?: string;
  runId: string;
  taskId: string;
  model: string;
  sampleIndex: number;
  text: string;
  logprobs?: unknown | null;
  /** Default {inputTokens: 0, outputTokens: 0}. */
  usage?: SampleUsage;
  costUsd?: number | null;
  /** Default 0. */
  latencyMs?: number;
  /** Default false. */
  cached?: boolean;
  error?: string | null;
  createdAt?: string;
}

export interface Judgment {
  id: string;
  sampleId: string;
  judgeId: string;
  judgeVersion: string;
  result: unknown;
  createdAt: string;
}

export interface NewJudgment {
  /** Default: judgmentIdFor(sampleId, judgeId, judgeVersion). */
  id?: string;
  sampleId: string;
  judgeId: string;
  judgeVersion: string;
  result: unknown;
  createdAt?: string;
}

export interface CacheEntry {
  key: string;
  provider: string;
  baseUrl: string | null;
  model: string;
  sampleIndex: number;
  response: unknown;
  createdAt: string;
  /** Times this entry was served by `cache.getMany` (including the read that returned it). */
  hits: number;
  lastHitAt: string | null;
}

export interface NewCacheEntry {
  key: string;
  provider: string;
  baseUrl?: string | null;
  model: string;
  sampleIndex: number;
  response: unknown;
  createdAt?: string;
}

export interface CacheModelStats {
  provider: string;
  model: string;
  entries: number;
  hits: number;
  bytes: number;
}

export interface CacheStats {
  entries: number;
  hits: number;
  /** Size of the stored responses (UTF-8 bytes of response_json), not of the database file. */
  bytes: number;
  byModel: CacheModelStats[];
}

export interface CacheFilter {
  provider?: string;
  model?: string;
}

export interface RunsRepo {
  /** Creates the run, or returns the existing one unchanged when the id is taken (what resume builds on). */
  create(run: NewRun): Promise<Run>;
  get(id: string): Promise<Run | undefined>;
  /** Newest first. */
  list(filter?: { kind?: string; status?: RunStatus; limit?: number }): Promise<Run[]>;
  /** Throws TenetError('NOT_FOUND') for an unknown run. */
  setStatus(id: string, status: RunStatus): Promise<void>;
  /**
   * Adds to the counters: one append-only insert (the totals are summed on read), so concurrent callers,
   * across processes too, never wait on one another and never lose an increment. The run's updatedAt
   * becomes the time of its latest addition.
   */
  addTotals(id: string, delta: TotalsDelta): Promise<void>;
}

/** Reads of a run narrowed to the tasks of some kinds (a long run's decisions each need only a few). */
export interface TaskKindFilter {
  kinds?: readonly string[];
}

export interface TasksRepo {
  put(task: NewTask): Promise<{ inserted: boolean; id: string }>;
  putMany(tasks: NewTask[]): Promise<{ inserted: number }>;
  get(id: string): Promise<Task | undefined>;
  /** Ordered by created_at, then id; only tasks of these kinds when `kinds` is given. */
  listByRun(runId: string, filter?: TaskKindFilter): Promise<Task[]>;
}

export interface SamplesRepo {
  /** Append-only: a sample whose id exists is left as it is and `inserted` is false. */
  put(sample: NewSample): Promise<{ inserted: boolean; id: string }>;
  /** One transaction; returns how many were new. */
  putMany(samples: NewSample[]): Promise<{ inserted: number }>;
  get(id: string): Promise<Sample | undefined>;
  /** Ordered by created_at, then task_id, model, sample_index, id; only of tasks of these kinds when `kinds` is given. */
  listByRun(runId: string, filter?: TaskKindFilter): Promise<Sample[]>;
  existingIds(runId: string): Promise<Set<string>>;
  countByRun(runId: string): Promise<number>;
}

export interface JudgmentsRepo {
  /** Append-only: unique per id and per (sampleId, judgeId, judgeVersion). */
  put(judgment: NewJudgment): Promise<{ inserted: boolean; id: string }>;
  /** One transaction; returns how many were new. */
  putMany(judgments: NewJudgment[]): Promise<{ inserted: number }>;
  listBySample(sampleId: string): Promise<Judgment[]>;
  /** Every judgment of the run's samples (joined through samples), ordered by created_at, then id; only of tasks of these kinds when `kinds` is given. */
  listByRun(runId: string, filter?: TaskKindFilter): Promise<Judgment[]>;
  /** Ids of the run's samples already judged by this judge version (to resume judging). */
  judgedSampleIds(runId: string, judgeId: string, judgeVersion: string): Promise<Set<string>>;
}

export interface CacheRepo {
  /**
   * The entries found, by key. Counts a hit on each (hits + 1, last_hit_at = now) unless
   * `{countHits: false}`; the returned entries already include that hit.
   */
  getMany(keys: string[], options?: { countHits?: boolean }): Promise<Map<string, CacheEntry>>;
  /** Keys already present are left as they are. */
  putMany(entries: NewCacheEntry[]): Promise<{ inserted: number }>;
  stats(): Promise<CacheStats>;
  /** Deletes every entry, or those matching the filter; returns how many were deleted. */
  clear(filter?: CacheFilter): Promise<number>;
}

/** Who holds a run's lease (see runtime/lease.ts). */
export interface RunLeaseHolder {
  runId: string;
  owner: string;
  acquiredAt: string;
  heartbeatAt: string;
  expiresAt: string;
}

/**
 * One lease per run, so that two processes never work on one run at once. Expiry is by wall clock
 * (ISO timestamps compared as text), so processes on several machines need roughly synchronised clocks.
 */
export interface LeasesRepo {
  /**
   * Takes the run's lease for `owner` for `ttlMs`, when it is free, expired, or already this owner's (then
   * it is renewed). Otherwise `acquired` is false and `holder` says who has it. One atomic statement.
   */
  acquire(runId: string, owner: string, ttlMs: number): Promise<{ acquired: boolean; holder: RunLeaseHolder }>;
  /** Extends the owner's lease; false when the owner no longer holds it (it expired and was taken over). */
  heartbeat(runId: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up (only the owner's). */
  release(runId: string, owner: string): Promise<void>;
  /** Moves the lease from `from` (known to be dead) to `owner`; false when `from` no longer holds it. */
  takeOver(runId: string, from: string, owner: string, ttlMs: number): Promise<boolean>;
  get(runId: string): Promise<RunLeaseHolder | undefined>;
}

/** One distinct reason a run's units failed, and how many units it stopped (`cause` is JSON, without secrets). */
export interface RunFailure {
  cause: Record<string, unknown>;
  count: number;
}

export interface RunFailuresRepo {
  /** Replace the run's failure causes with these (an empty list clears them). */
  set(runId: string, failures: RunFailure[]): Promise<void>;
  /** The run's failure causes, in the order they were set ([] when none). */
  list(runId: string): Promise<RunFailure[]>;
}

/** A person's answer about one label-sample item: does the completion violate the principle? */
export const LABEL_VALUES = ['violates', 'does_not', 'unsure'] as const;
export type LabelValue = (typeof LABEL_VALUES)[number];

/** One item of a run's stratified label sample (see src/labels/sample.ts). */
export interface LabelItem {
  /** Default labelItemIdFor(runId, seed, sampleId). */
  id: string;
  runId: string;
  seed: number;
  sampleId: string;
  /** The run's judge's judgment of the sample (never shown to labellers). */
  judgmentId: string;
  model: string;
  /** `MODEL|band` (the judge-score band); never shown to labellers. */
  stratum: string;
  /** Design weight N_h / n_h: the inverse of the item's inclusion probability. */
  weight: number;
  /** 0-based order in which labellers see the items (a seeded shuffle, so strata are not in order). */
  position: number;
  createdAt: string;
}

export type NewLabelItem = Omit<LabelItem, 'id' | 'createdAt'> & { id?: string; createdAt?: string };

export interface Label {
  id: string;
  runId: string;
  itemId: string;
  sampleId: string;
  judgmentId: string;
  label: LabelValue;
  labeller: string;
  createdAt: string;
}

export interface NewLabel {
  /** Default: random (every answer is kept; the latest per labeller and item counts). */
  id?: string;
  itemId: string;
  label: LabelValue;
  labeller: string;
  createdAt?: string;
}

export interface LabelSampleInfo {
  runId: string;
  seed: number;
  size: number;
  createdAt: string;
}

export interface LabelsRepo {
  /** Stores a drawn sample in one transaction; items already stored are left as they are. */
  putSample(items: NewLabelItem[]): Promise<{ inserted: number }>;
  /** The items of the run's sample with this seed, by position ([] when none was drawn). */
  sample(runId: string, seed: number): Promise<LabelItem[]>;
  /** The run's drawn samples, oldest first. */
  samples(runId: string): Promise<LabelSampleInfo[]>;
  item(itemId: string): Promise<LabelItem | undefined>;
  /**
   * Append-only: each label is a new row (a label whose id exists is skipped). Every item must exist
   * (NOT_FOUND otherwise, nothing stored); the run, sample and judgment are taken from the item.
   */
  add(labels: NewLabel[]): Promise<{ inserted: number; labels: Label[] }>;
  /** The run's labels (of the items of one sample when `seed` is given), oldest first. */
  list(runId: string, seed?: number): Promise<Label[]>;
}

/** A judge's measured error against human labels (`tenet judge calibrate`); `result` is its JSON output. */
export interface JudgeCalibration {
  id: string;
  judgeId: string;
  judgeVersion: string;
  /** judgeConfigHash (src/judges/calibration.ts): the judge's id, version and τ, canonical JSON, SHA-256. */
  configHash: string;
  runId: string;
  result: unknown;
  createdAt: string;
}

export type NewJudgeCalibration = Omit<JudgeCalibration, 'createdAt'> & { createdAt?: string };

export interface CalibrationsRepo {
  /** Idempotent: a calibration whose id exists is left as it is. */
  put(calibration: NewJudgeCalibration): Promise<{ inserted: boolean; id: string }>;
  get(id: string): Promise<JudgeCalibration | undefined>;
  /** The newest calibration of this judge configuration, if any. */
  latestFor(judgeId: string, judgeVersion: string, configHash: string): Promise<JudgeCalibration | undefined>;
}

export interface StoreRepos {
  runs: RunsRepo;
  leases: LeasesRepo;
  runFailures: RunFailuresRepo;
  tasks: TasksRepo;
  samples: SamplesRepo;
  judgments: JudgmentsRepo;
  cache: CacheRepo;
  labels: LabelsRepo;
  calibrations: CalibrationsRepo;
}

export interface StoreDescription {
  dialect: StoreDialect;
  /** Absolute file path, `:memory:`, or the Postgres URL (with `schema=` when one was chosen) with its credentials replaced by `***`. */
  location: string;
}

export interface AppliedMigration {
  name: string;
  executedAt: string;
}

/** Bounds on one transaction (Postgres; SQLite, local and with its own busy timeout, ignores them). */
export interface TransactionOptions extends OperationBounds {
  /**
   * The longest any lock may be waited for inside it (`SET LOCAL lock_timeout`); the whole transaction's
   * `timeoutMs` is also each statement's `statement_timeout`.
   */
  lockTimeoutMs?: number;
}

export interface Store extends StoreRepos {
  readonly dialect: StoreDialect;
  /**
   * The underlying Kysely instance, for queries the repositories do not offer. Write only through the
   * repositories or inside `transaction` so that SQLite's single connection is not deadlocked.
   */
  readonly kysely: Kysely<StoreSchema>;
  describe(): StoreDescription;
  /**
   * Runs `fn` in one transaction (BEGIN IMMEDIATE on SQLite). Every store call made inside `fn` — on the
   * `tx` argument or on the store itself — joins the transaction; nested calls join the outer one.
   */
  transaction<T>(fn: (tx: StoreRepos) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /**
   * One round trip to the database (`select 1`), within the bounds: on Postgres a timeout or the signal
   * drops the connection and rejects. For health checks.
   */
  ping(bounds?: OperationBounds): Promise<void>;
  /** The schema migrations applied to this database, oldest first. */
  migrations(): Promise<AppliedMigration[]>;
  /** Closes the connection (SQLite) or the pool (Postgres). Safe to call twice. */
  close(): Promise<void>;
}

/** What every repository is built on: the database (or the open transaction's) and a way to run in a transaction. */
export interface RepoContext {
  db(): Kysely<StoreSchema>;
  /**
   * Runs fn in a transaction, or inside the current one. `retries`: how often to rerun fn when the
   * database reports a deadlock or serialization failure (only for idempotent fn, and only when this call
   * started the transaction).
   */
  inTransaction<T>(fn: () => Promise<T>, options?: { retries?: number } & TransactionOptions): Promise<T>;
}
