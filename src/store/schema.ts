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

/**
 * Append-only: one row per (run, addition, counter); a run's totals are the sums per counter. Writers never
 * update a shared row, so none waits on another (migration 0006).
 */
export interface RunTotalEntriesTable {
  run_id: string;
  /** One id per `addTotals` call. */
  entry_id: string;
  key: string;
  value: number;
  created_at: string;
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

/** Who is running a run now (migration 0003): one lease per run, kept alive by heartbeats. */
export interface RunLeasesTable {
  run_id: string;
  /** Who holds it, e.g. `host:pid:random`. */
  owner: string;
  acquired_at: string;
  heartbeat_at: string;
  /** After this the lease is stale and another process may take it over. */
  expires_at: string;
}

/** A run's failure causes (migration 0004_run_failures): one row per distinct cause, in order. */
export interface RunFailuresTable {
  run_id: string;
  position: number;
  cause_json: string;
  count: number;
  created_at: string;
}

export interface StoreSchema {
  runs: RunsTable;
  run_leases: RunLeasesTable;
  run_failures: RunFailuresTable;
  run_total_entries: RunTotalEntriesTable;
  tasks: TasksTable;
  samples: SamplesTable;
  judgments: JudgmentsTable;
  cache: CacheTable;
  disputes: DisputesTable;
  label_samples: LabelSamplesTable;
  labels: LabelsTable;
  judge_calibrations: JudgeCalibrationsTable;
}

/** A judgment a reader flagged as wrong in `tenet view` (migration 0005_disputes). */
export interface DisputesTable {
  id: string;
  run_id: string;
  sample_id: string;
  judgment_id: string;
  reason: string;
  created_at: string;
}

/** One item of a run's stratified label sample (migration 0007_labels); `weight` = N_h / n_h. */
export interface LabelSamplesTable {
  id: string;
  run_id: string;
  seed: number;
  sample_id: string;
  judgment_id: string;
  model: string;
  stratum: string;
  weight: number;
  position: number;
  created_at: string;
}

/** A person's label of one label-sample item (append-only; 'violates' | 'does_not' | 'unsure'). */
export interface LabelsTable {
  id: string;
  run_id: string;
  item_id: string;
  sample_id: string;
  judgment_id: string;
  label: string;
  labeller: string;
  created_at: string;
}

/** A judge calibration against human labels (`tenet judge calibrate`). */
export interface JudgeCalibrationsTable {
  id: string;
  judge_id: string;
  judge_version: string;
  config_hash: string;
  run_id: string;
  result_json: string;
  created_at: string;
}

// ---- Moral Graph Elicitation (migration 0002_elicitation) -------------------------------------------
// A deliberation scopes everything below. Ids are text; canonical cards also carry `seq`, the integer id
// they have in graph exports. Participants are known only by a random id and the SHA-256 of their invite
// token (never the token itself).

export interface ElicitDeliberationsTable {
  id: string;
  title: string;
  description: string;
  settings_json: string;
  created_at: string;
  updated_at: string;
}

export interface ElicitQuestionsTable {
  id: string;
  deliberation_id: string;
  position: number;
  title: string;
  text: string;
  created_at: string;
}

export interface ElicitContextsTable {
  id: string;
  deliberation_id: string;
  /** "When …". Unique per deliberation. */
  text: string;
  /** 'seed' (admin) or 'extracted' (LLM). */
  source: string;
  model: string | null;
  prompt_version: string | null;
  created_at: string;
}

export interface ElicitQuestionContextsTable {
  question_id: string;
  context_id: string;
  deliberation_id: string;
}

export interface ElicitParticipantsTable {
  id: string;
  deliberation_id: string;
  /** SHA-256 (hex) of the invite token. */
  token_hash: string;
  /** An admin's note (e.g. a cohort name). Not for personal data. */
  label: string;
  created_at: string;
  joined_at: string | null;
  last_seen_at: string | null;
}

export interface ElicitSessionsTable {
  /** SHA-256 (hex) of the session cookie's value. */
  id: string;
  participant_id: string;
  created_at: string;
  expires_at: string;
}

export interface ElicitChatsTable {
  id: string;
  deliberation_id: string;
  participant_id: string;
  question_id: string;
  messages_json: string;
  /** The card last shown to the participant (JSON), if any. */
  provisional_card_json: string | null;
  /** The number of messages in the transcript when that card was shown. */
  card_shown_at: number | null;
  /** 'open' | 'submitted'. */
  status: string;
  model: string;
  prompt_version: string;
  created_at: string;
  updated_at: string;
}

export interface ElicitCardsTable {
  id: string;
  deliberation_id: string;
  participant_id: string;
  question_id: string;
  chat_id: string;
  title: string;
  description: string;
  policies_json: string;
  quality_json: string;
  model: string;
  prompt_version: string;
  embedding_json: string | null;
  embedding_model: string | null;
  created_at: string;
}

export interface ElicitCanonicalCardsTable {
  id: string;
  deliberation_id: string;
  /** The value's integer id in graph exports; 1, 2, … per deliberation. */
  seq: number;
  title: string;
  description: string;
  policies_json: string;
  source_card_id: string | null;
  embedding_json: string | null;
  embedding_model: string | null;
  model: string | null;
  prompt_version: string | null;
  created_at: string;
}

export interface ElicitCardLinksTable {
  card_id: string;
  /** The canonical card this card counts as (for 'proposed': the one proposed, until the participant answers). */
  canonical_id: string;
  /** The canonical card the equivalence judge proposed merging into (null for 'self'). */
  proposed_id: string | null;
  /**
   * 'self' (the canonical card was made from this card) | 'proposed' (waiting for the participant) |
   * 'agreed' (merged with the participant's consent) | 'declined' (the participant said no; canonical_id is
   * then a canonical card made from their own card).
   */
  status: string;
  similarity: number | null;
  rationale: string | null;
  model: string | null;
  prompt_version: string | null;
  created_at: string;
  decided_at: string | null;
}

export interface ElicitChatContextsTable {
  chat_id: string;
  context_id: string;
  model: string | null;
  prompt_version: string | null;
  created_at: string;
}

export interface ElicitHypothesesTable {
  id: string;
  deliberation_id: string;
  run_id: string;
  /** Canonical card ids: the story moves from `from_id` (A) to the wiser `to_id` (B). */
  from_id: string;
  to_id: string;
  context_id: string;
  story: string;
  /** The counterbalancing story, moving from B to A. */
  reverse_story: string;
  rationale: string | null;
  model: string;
  prompt_version: string;
  created_at: string;
}

export interface ElicitVotesTable {
  id: string;
  deliberation_id: string;
  participant_id: string;
  hypothesis_id: string;
  /** As shown: the story moved from `from_id` to `to_id` ("yes" = to_id is wiser). */
  from_id: string;
  to_id: string;
  context_id: string;
  /** The unordered pair, "lo|hi": one vote per participant, pair and context. */
  pair_key: string;
  relationship: string;
  story_shown: string;
  /** 'forward' (the hypothesis' story) or 'reverse' (its reverse story). */
  direction: string;
  why: string | null;
  created_at: string;
  updated_at: string;
}

export interface ElicitValueVotesTable {
  participant_id: string;
  canonical_id: string;
  deliberation_id: string;
  draw_id: string;
  created_at: string;
}

export interface ElicitImpressionsTable {
  participant_id: string;
  canonical_id: string;
  deliberation_id: string;
  draw_id: string;
  created_at: string;
}

export interface ElicitJobsTable {
  id: string;
  deliberation_id: string;
  kind: string;
  status: string;
  result_json: string | null;
  error: string | null;
  created_at: string;
  updated_at: string;
}

/** A story the server showed a participant, and which way round (migration 0003). */
export interface ElicitServedStoriesTable {
  participant_id: string;
  hypothesis_id: string;
  deliberation_id: string;
  /** 'forward' (the hypothesis' story) or 'reverse'. */
  direction: string;
  served_at: string;
}

/** An admin session (migration 0003): the id is the SHA-256 of the cookie's random value. */
export interface ElicitAdminSessionsTable {
  id: string;
  created_at: string;
  expires_at: string;
  /** Set on sign-out (or by an admin revoking sessions); a revoked session is refused. */
  revoked_at: string | null;
}

/** The store's tables plus the elicitation tables. */
export interface ElicitSchema extends StoreSchema {
  elicit_deliberations: ElicitDeliberationsTable;
  elicit_questions: ElicitQuestionsTable;
  elicit_contexts: ElicitContextsTable;
  elicit_question_contexts: ElicitQuestionContextsTable;
  elicit_participants: ElicitParticipantsTable;
  elicit_sessions: ElicitSessionsTable;
  elicit_chats: ElicitChatsTable;
  elicit_cards: ElicitCardsTable;
  elicit_canonical_cards: ElicitCanonicalCardsTable;
  elicit_card_links: ElicitCardLinksTable;
  elicit_chat_contexts: ElicitChatContextsTable;
  elicit_hypotheses: ElicitHypothesesTable;
  elicit_votes: ElicitVotesTable;
  elicit_value_votes: ElicitValueVotesTable;
  elicit_impressions: ElicitImpressionsTable;
  elicit_jobs: ElicitJobsTable;
  elicit_served_stories: ElicitServedStoriesTable;
  elicit_admin_sessions: ElicitAdminSessionsTable;
}
