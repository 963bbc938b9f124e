/**
 * Types for moral-graph data: the study's raw votes, its released `MoralGraphSummary` JSON, and tenet's
 * own richer graph format. Graph-side only: the values-card type in `values/` is not used here.
 */

/** A canonical value's id. The 2023 study (DFT) used Postgres integer ids. */
export type ValueId = number;

export const RELATIONSHIPS = ['upgrade', 'no_upgrade', 'not_sure'] as const;
/** A participant's answer to "did this person become wiser moving from `fromId` to `toId`?". */
export type Relationship = (typeof RELATIONSHIPS)[number];

/** One raw edge vote, as in the study's `Edge` table (free-text comments are not part of it). */
export interface EdgeVote {
  userId: number | string;
  /** The value the person in the story used to focus on (the candidate less-wise one). */
  fromId: ValueId;
  /** The value they moved to (the candidate wiser one). */
  toId: ValueId;
  /** The "When …" choice context the story was shown in. */
  contextId: string;
  relationship: Relationship;
  /** The upgrade story shown to the voter (LLM-written; "OLD" for early votes). Never exported. */
  story: string;
  /** The hypothesis-generation run the story came from ("OLD" for early votes). */
  runId: string;
  createdAt: string;
  updatedAt?: string;
}

/** A canonical values card in the study's 2023 shape. */
export interface GraphValue {
  id: ValueId;
  title: string;
  instructionsShort: string;
  instructionsDetailed: string;
  /** The card's constitutive attentional policies (CAPs). */
  evaluationCriteria: string[];
  createdAt?: string;
  updatedAt?: string;
  /** Present in some later study exports. */
  pageRank?: number;
  votes?: number;
}

/** Vote counts for the ordered pair source → wiser, in the study's field order (the order matters: see entropy). */
export interface EdgeCounts {
  /** Votes "yes, wiser" on source → wiser. */
  markedWiser: number;
  /** Votes "no" on source → wiser. */
  markedNotWiser: number;
  /** Votes "yes, wiser" on the reverse story wiser → source. */
  markedLessWise: number;
  /** Votes "not sure" on source → wiser. */
  markedUnsure: number;
  /** All votes on the pair, either direction. */
  impressions: number;
}

export interface StudyEdgeSummary {
  /** (markedWiser − markedLessWise) / (markedWiser + markedNotWiser + markedUnsure + markedLessWise). */
  wiserLikelihood: number;
  /** Shannon entropy (bits) of the five counts, impressions included (a study quirk). */
  entropy: number;
}

/** One edge of the study's `MoralGraphSummary`. */
export interface StudyEdge {
  sourceValueId: ValueId;
  wiserValueId: ValueId;
  contexts: string[];
  counts: EdgeCounts;
  summary: StudyEdgeSummary;
}

/** The study's released graph shape (`moral-graph-all-participants.json`). */
export interface StudySummary {
  values: GraphValue[];
  edges: StudyEdge[];
}

/** The study's keep rule. */
export interface StudyParams {
  minWiser: number;
  minWiserLikelihood: number;
  maxEntropy: number;
}

/** The improved (Beta-binomial) rule. */
export interface ImprovedParams {
  /** Beta prior over P(a decisive voter says "wiser"): alpha (pseudo-"yes"), beta (pseudo-"no"). */
  priorAlpha: number;
  priorBeta: number;
  /** Mass of the equal-tailed credible interval, e.g. 0.95. */
  credibleMass: number;
  /** An edge is kept when the interval's lower end is above this (0.5: a majority says wiser). */
  threshold: number;
}

export type Verdict = 'wiser' | 'not_wiser' | 'uncertain';

export interface Posterior {
  alpha: number;
  beta: number;
  mean: number;
  lower: number;
  upper: number;
}

/** Per-context statistics of a tenet edge. */
export interface ContextStats {
  context: string;
  counts: EdgeCounts;
  /** Improved mode: "yes" votes on from → to. */
  successes?: number;
  /** Improved mode: "no" votes on from → to plus "yes" votes on to → from. */
  failures?: number;
  /** Improved mode: "not sure" votes on the pair, either direction. */
  abstentions?: number;
  posterior?: Posterior;
  verdict?: Verdict;
  /** Improved mode: this context's edge weight (2·mean − 1 when kept, else 0). */
  weight?: number;
}

/** One edge of tenet's format: `from` is the less-wise value, `to` the wiser one. */
export interface TenetEdge {
  from: ValueId;
  to: ValueId;
  /** Ranking weight: the study's wiserLikelihood, or the sum of per-context weights in improved mode. */
  weight: number;
  /** Study mode: every context the pair was voted in. Improved mode: the contexts where it was kept. */
  contexts: string[];
  /** Counts pooled over every context, in the study's definition. */
  counts: EdgeCounts;
  /** The study's summary of the pooled counts (study mode and imports). */
  study?: StudyEdgeSummary;
  /** Per-context counts (and, in improved mode, the posterior): present when built from raw votes. */
  byContext?: ContextStats[];
  /** Hypothesis runs whose stories the votes on this pair were cast on. */
  runIds?: string[];
}

export type Aggregation =
  | { mode: 'study'; params: StudyParams }
  | { mode: 'improved'; params: ImprovedParams };

export interface InputFile {
  role: 'votes' | 'values' | 'study-summary';
  /** The file's base name (no directories, so no local paths leak into an export). */
  name: string;
  sha256?: string;
}

export interface Provenance {
  source: 'votes' | 'study-summary';
  inputs?: InputFile[];
  /** Only votes created strictly before this instant were aggregated. */
  votesBefore?: string;
  voteCount?: number;
  /** Number of distinct voters (a count only; no ids are exported). */
  voterCount?: number;
  /** Improved mode: repeat votes by one voter on one pair and context that were dropped (latest kept). */
  duplicatesDropped?: number;
  firstVoteAt?: string;
  lastVoteAt?: string;
  runIds?: string[];
  createdBy: string;
}

export const TENET_GRAPH_FORMAT = 'tenet/moral-graph';
export const TENET_GRAPH_VERSION = 1;

/** tenet's versioned moral-graph export. Carries no user ids and no stories. */
export interface TenetGraph {
  format: typeof TENET_GRAPH_FORMAT;
  version: typeof TENET_GRAPH_VERSION;
  aggregation: Aggregation;
  provenance: Provenance;
  contexts: string[];
  values: GraphValue[];
  edges: TenetEdge[];
  /** Optional: every evaluated ordered pair, kept or not. */
  allEdges?: TenetEdge[];
}

/** A loaded graph file of either format. */
export type LoadedGraph = { kind: 'study'; graph: StudySummary } | { kind: 'tenet'; graph: TenetGraph };
