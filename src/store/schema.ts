/**
 * The tables as Kysely sees them (snake_case, JSON as TEXT, timestamps as ISO text, booleans as 0/1).
 * The DDL that creates them is in migrations.ts; keep the two in step.
 */

export interface RunsTable {
  id: string;
  kind: string;
  name: string;
  config_json: string;
  status: string;
  created_at: string;
  updated_at: string;
}

/** One row per (run, counter): increments are single upserts, atomic on both dialects. */
export interface RunTotalsTable {
  run_id: string;
  key: string;
  value: number;
}

export interface TasksTable {
  id: string;
  run_id: string;
  kind: string;
  input_json: string;
  created_at: string;
}

export interface SamplesTable {
  id: string;
  run_id: string;
  task_id: string;
  model: string;
  sample_index: number;
  text: string;
  logprobs_json: string | null;
  usage_json: string;
  cost_usd: number | null;
  latency_ms: number;
  /** 0 or 1. */
  cached: number;
  error: string | null;
  created_at: string;
}

export interface JudgmentsTable {
  id: string;
  sample_id: string;
  judge_id: string;
  judge_version: string;
  result_json: string;
  created_at: string;
}

export interface CacheTable {
  key: string;
  provider: string;
  base_url: string | null;
  model: string;
  sample_index: number;
  response_json: string;
  created_at: string;
  hits: number;
  last_hit_at: string | null;
}

export interface StoreSchema {
  runs: RunsTable;
  run_totals: RunTotalsTable;
  tasks: TasksTable;
  samples: SamplesTable;
  judgments: JudgmentsTable;
  cache: CacheTable;
}
