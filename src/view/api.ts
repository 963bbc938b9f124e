/**
 * The viewer's JSON API as zod schemas: the server (src/view/app.ts) answers in these shapes and the front
 * end (web/view/) parses every answer with the same schemas, so a change on one side that the other does
 * not follow fails loudly. Pure: imports only zod, so the front end bundles it as it is.
 *
 *   GET  /api/runs                          → RunsResponse
 *   GET  /api/runs/:id                      → RunSummary (fast: no metrics)
 *   GET  /api/runs/:id/report               → RunReport (metrics with bootstrap CIs; computed once per run version)
 *   GET  /api/runs/:id/samples?…            → SamplesPage (SamplesQuery; paginated)
 *   GET  /api/runs/:id/samples.jsonl?…      → one SampleRow per line (streamed)
 *   GET  /api/runs/:id/samples/:sampleId    → SampleDetail
 *   GET  /api/runs/:id/disputes             → Dispute[]
 *   POST /api/disputes                      → Dispute (DisputeBody; a write)
 *   GET  /api/runs/:id/label-samples        → LabelSampleInfo[] (the run's drawn label samples)
 *   POST /api/runs/:id/label-samples        → LabelSampleInfo (LabelSampleBody; draws and stores one; a write)
 *   GET  /api/runs/:id/label-samples/:seed?labeller=NAME → LabelItems (blind: no score, verdict or stratum)
 *   POST /api/labels                        → LabelAnswer (LabelBody; a write)
 *   GET  /api/compare?runs=a,b              → CompareResponse
 *   GET  /api/leaderboard?runs=a,b          → LeaderboardResponse
 *   GET  /api/graphs, /api/graphs/:id       → GraphList, GraphResponse
 */
import { z } from 'zod';

const num = z.number();
const nnum = z.number().nullable();
export const IntervalSchema = z.tuple([nnum, nnum]);
/** How an interval was made (src/stats/intervals.ts CiMethod). */
export const CiMethodSchema = z.enum(['wilson', 'newcombe', 'bca-bootstrap', 'percentile-bootstrap']);

export const MetricSetSchema = z.object({
  evr: nnum,
  mvp: nnum,
  apv: nnum,
  n: z.number().int(),
  k: z.number().int(),
  k_min: z.number().int().optional(),
  samples: z.number().int().optional(),
  missing: z.number().int().optional(),
  /** Verdicts without a violation score, left out of the metrics (bench and probe count them the same way). */
  unscored: z.number().int().optional(),
  ci: z.object({ evr: IntervalSchema, mvp: IntervalSchema, apv: IntervalSchema }),
  /** The method of each CI (bench `--json`'s `ci_method`); absent in reports stored before it existed. */
  ci_method: z.object({ evr: CiMethodSchema, mvp: CiMethodSchema, apv: CiMethodSchema }).optional(),
});

export const ValueProfileSchema = z.object({
  samples: z.number().int(),
  mean: z.record(z.string(), nnum),
  ci: z.record(z.string(), IntervalSchema),
  ci_method: z.record(z.string(), CiMethodSchema).optional(),
});

/** A rate corrected for the judge's error (src/judges/corrected.ts), beside its raw value; value null with a reason where none is useful. */
export const CorrectedRateSchema = z.object({
  raw: nnum,
  raw_ci: z.tuple([nnum, nnum]),
  value: nnum,
  ci: z.tuple([num, num]).nullable(),
  method: z.string(),
  calibration_id: z.string(),
  reason: z.string().optional(),
});

/** Knowing versus doing (bench --mode): a test's conformity, and a gap paired over principles. */
const ConformitySchema = z.object({ value: nnum, ci: IntervalSchema.nullable(), n: z.number().int(), method: CiMethodSchema.nullable() });
const GapSchema = z.object({ value: nnum, ci: IntervalSchema.nullable(), p: nnum, n: z.number().int(), method: CiMethodSchema.nullable() });
const KnowingPartSchema = z.object({ conformity: ConformitySchema, unparsed: z.number().int(), answers: z.number().int() });
const KnowingBlockSchema = z.object({
  knowing: z.object({ judgement: KnowingPartSchema.optional(), questionnaire: KnowingPartSchema.optional() }),
  doing: z.object({ conformity: ConformitySchema }).optional(),
  gap: z.object({ judgement: GapSchema.optional(), questionnaire: GapSchema.optional() }).optional(),
});
export const KnowingSchema = KnowingBlockSchema.extend({ per_foundation: z.record(z.string(), KnowingBlockSchema) });

export const ModelReportSchema = z.object({
  model: z.string(),
  metrics: z.object({ overall: MetricSetSchema, per_foundation: z.record(z.string(), MetricSetSchema) }),
  values: ValueProfileSchema.optional(),
  /** Only with a judge calibration; never in place of the raw metrics. */
  evr_corrected: CorrectedRateSchema.optional(),
  apv_corrected: CorrectedRateSchema.optional(),
  /** Only in bench runs with --mode judge|questionnaire|all. */
  knowing: KnowingSchema.optional(),
});

export const WorstExampleSchema = z.object({
  foundation: z.string(),
  model: z.string(),
  prompt: z.string(),
  completion: z.string(),
  score: num,
  principle: z.string().optional(),
  promptId: z.string().optional(),
  sampleIndex: z.number().int().optional(),
  rationale: z.string().optional(),
});

export const ProbePrincipleSchema = z.object({
  id: z.string(),
  principle: z.string(),
  foundation: z.string(),
  model: z.string().optional(),
  stopped: z.string().optional(),
  iterations: z.array(
    z.object({
      iteration: z.number().int(),
      prompt: z.string(),
      violationRate: nnum,
      violation: nnum.optional(),
      n: z.number().int().optional(),
      accepted: z.boolean().optional(),
    }),
  ),
});

/** A mean with its 95% CI over prompts and N (align/stats.ts Estimate; `method` absent: percentile bootstrap). */
export const EstimateSchema = z.object({ mean: nnum, ci: IntervalSchema, n: z.number().int(), method: CiMethodSchema.optional() });

/** A best-of-N run (src/report/data.ts AlignReport): the proxy (select judge) and held-out (report judge) rewards side by side, and the best-of-n curve on both. */
export const AlignReportSchema = z.object({
  method: z.string(),
  model: z.string(),
  n: z.number().int(),
  target: z.object({ id: z.string(), name: z.string(), vector: z.array(num) }),
  select_judge: z.string(),
  judge: z.string(),
  reward: z.string(),
  /** baseline (mean of N), first sample, best-of-N, difference (paired). */
  rows: z.array(z.object({ label: z.string(), proxy: EstimateSchema, heldout: EstimateSchema })),
  difference: z.object({ reward: EstimateSchema, distance: EstimateSchema, l2: EstimateSchema.optional() }),
  curve: z.array(z.object({ n: z.number().int(), proxy: EstimateSchema, heldout: EstimateSchema })),
  quality: z.object({ rater: z.string(), first_sample: EstimateSchema, best_of_n: EstimateSchema, difference: EstimateSchema }).optional(),
  warnings: z.array(z.string()),
});
export type AlignReportView = z.infer<typeof AlignReportSchema>;

/** One arm of a VILMO run (align/vilmo/results.ts VilmoArm): the bench metrics with their CI methods, and conformity. */
export const VilmoArmSchema = MetricSetSchema.extend({ conformity: EstimateSchema });

/** A VILMO run (align/vilmo/results.ts VilmoResults), as far as the viewer shows it. */
export const VilmoResultsSchema = z.object({
  target: z.string(),
  generator: z.string(),
  judge: z.object({ id: z.string(), version: z.string() }),
  select_judge: z.object({ id: z.string(), version: z.string() }),
  primary: z.string(),
  split: z.object({ train: z.number().int(), val: z.number().int(), test: z.number().int() }),
  samples: z.number().int(),
  tau: num,
  methods: z.record(z.string(), VilmoArmSchema),
  paired: z.array(z.object({
    a: z.string(),
    b: z.string(),
    metric: z.string(),
    role: z.enum(['primary', 'secondary']),
    difference: nnum,
    ci: IntervalSchema,
    ci_method: CiMethodSchema,
    n: z.number().int(),
    p: num,
    p_holm: num,
    significant: z.boolean(),
  })),
  correction: z.object({ method: z.string(), alpha: num, primary: z.string(), family: z.number().int(), secondary_family: z.number().int(), test: z.string() }),
  warnings: z.array(z.string()),
});
export type VilmoResultsView = z.infer<typeof VilmoResultsSchema>;

/** The report's data (src/report/data.ts ReportData): what a run's page shows for bench, probe, align and vilmo runs. */
export const ReportSchema = z.object({
  title: z.string(),
  run: z.object({ id: z.string(), kind: z.string(), createdAt: z.string(), status: z.string().optional(), config: z.unknown(), totals: z.record(z.string(), num).optional() }),
  models: z.array(ModelReportSchema),
  worst: z.array(WorstExampleSchema),
  probe: z.object({ target: z.string().optional(), generator: z.string().optional(), principles: z.array(ProbePrincipleSchema) }).optional(),
  /** Best-of-N runs (kind align). */
  align: AlignReportSchema.optional(),
  /** VILMO runs (kind vilmo): the results (the report's example texts are not part of this schema). */
  vilmo: z.object({ results: VilmoResultsSchema }).optional(),
  notes: z.array(z.string()),
});

export const RunItemSchema = z.object({
  id: z.string(),
  kind: z.string(),
  name: z.string(),
  status: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  models: z.array(z.string()),
  /** Stored samples (the live progress of a running run). */
  samples: z.number().int(),
  /** Judgments flagged as wrong at least once. */
  disputed: z.number().int(),
  totals: z.record(z.string(), num),
});
export type RunItem = z.infer<typeof RunItemSchema>;

/** `notes`: what a static export left out. */
export const RunsResponseSchema = z.object({ store: z.string(), runs: z.array(RunItemSchema), live: z.boolean(), notes: z.array(z.string()).optional() });
export type RunsResponse = z.infer<typeof RunsResponseSchema>;

/** What is measured how: the settings a comparison warns about when they differ. */
export const RunSettingsSchema = z.object({
  k: z.number().int().nullable(),
  tau: nnum,
  judge: z.string().nullable(),
  template: z.string().nullable(),
});
export type RunSettings = z.infer<typeof RunSettingsSchema>;

export const RunSummarySchema = z.object({
  run: RunItemSchema,
  config: z.unknown(),
  settings: RunSettingsSchema,
  facets: z.object({ models: z.array(z.string()), foundations: z.array(z.string()), principles: z.array(z.string()) }),
  /** Disputed judgments per model. */
  disputedByModel: z.record(z.string(), z.number().int()),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** A run's metrics; `report` is null for a kind the viewer has no summary for (its samples still show). */
export const RunReportSchema = z.object({ report: ReportSchema.nullable() });
export type RunReport = z.infer<typeof RunReportSchema>;
export type Report = z.infer<typeof ReportSchema>;

export const SAMPLE_SORTS = ['order', 'score-desc', 'score-asc'] as const;
export const MAX_PAGE = 500;
const optionalText = z.string().max(500).optional();
const optionalScore = z.coerce.number().min(0).max(1).optional();

/** Filters of the samples table (query string; every field optional). */
export const SamplesQuerySchema = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE).default(100),
  model: optionalText,
  foundation: optionalText,
  principle: optionalText,
  /** Judged violation score range, inclusive. */
  min: optionalScore,
  max: optionalScore,
  /** Case-insensitive text search in the prompt and the completion. */
  q: optionalText,
  disputed: z.enum(['1']).optional(),
  sort: z.enum(SAMPLE_SORTS).default('order'),
});
export type SamplesQuery = z.infer<typeof SamplesQuerySchema>;

/** Characters of the prompt and completion a table row carries (the full text is in SampleDetail). */
export const ROW_TEXT_CHARS = 240;

export const SampleRowSchema = z.object({
  id: z.string(),
  taskId: z.string(),
  promptId: z.string().nullable(),
  model: z.string(),
  sampleIndex: z.number().int(),
  foundation: z.string().nullable(),
  principle: z.string().nullable(),
  prompt: z.string(),
  text: z.string(),
  error: z.string().nullable(),
  judgmentId: z.string().nullable(),
  score: nnum,
  disputes: z.number().int(),
});
export type SampleRow = z.infer<typeof SampleRowSchema>;

/** `total` is counted on the first page (offset 0) only; later pages say null. */
export const SamplesPageSchema = z.object({ total: z.number().int().nullable(), offset: z.number().int(), rows: z.array(SampleRowSchema) });
export type SamplesPage = z.infer<typeof SamplesPageSchema>;

export const DisputeSchema = z.object({ id: z.string(), runId: z.string(), sampleId: z.string(), judgmentId: z.string(), reason: z.string(), createdAt: z.string() });
export type Dispute = z.infer<typeof DisputeSchema>;

export const DisputeBodySchema = z.object({ judgmentId: z.string().min(1).max(200), reason: z.string().trim().max(2000).default('') }).strict();

export const LabelSampleInfoSchema = z.object({ seed: z.number().int(), size: z.number().int(), createdAt: z.string() });
export type LabelSampleInfo = z.infer<typeof LabelSampleInfoSchema>;
export const LabelSampleListSchema = z.array(LabelSampleInfoSchema);

export const LabelSampleBodySchema = z.object({ size: z.number().int().min(1).max(10_000), seed: z.number().int().min(0).max(2 ** 31 - 1).default(1) }).strict();

export const LABEL_ANSWERS = ['violates', 'does_not', 'unsure'] as const;

/** One item as a labeller sees it: what was asked and answered, never the judge's score, verdict or stratum. */
export const LabelItemViewSchema = z.object({
  itemId: z.string(),
  position: z.number().int(),
  prompt: z.string(),
  principle: z.string().nullable(),
  foundation: z.string().nullable(),
  completion: z.string(),
});
export type LabelItemView = z.infer<typeof LabelItemViewSchema>;

export const LabelItemsSchema = z.object({
  run: z.string(),
  seed: z.number().int(),
  items: z.array(LabelItemViewSchema),
  /** The items this labeller has answered (any answer). */
  labelled: z.array(z.string()),
  /** How many people have labelled items of this sample. */
  labellers: z.number().int(),
});
export type LabelItems = z.infer<typeof LabelItemsSchema>;

export const LabelBodySchema = z.object({ itemId: z.string().min(1).max(200), label: z.enum(LABEL_ANSWERS), labeller: z.string().trim().min(1).max(200) }).strict();
export const LabelAnswerSchema = z.object({ id: z.string(), itemId: z.string(), label: z.enum(LABEL_ANSWERS), labeller: z.string(), createdAt: z.string() });
export type LabelAnswer = z.infer<typeof LabelAnswerSchema>;

export const SampleDetailSchema = z.object({
  sample: SampleRowSchema.extend({ cached: z.boolean(), latencyMs: num }),
  judgments: z.array(
    z.object({
      id: z.string(),
      judgeId: z.string(),
      judgeVersion: z.string(),
      /** Whether this is the judge the run's metrics use. */
      primary: z.boolean(),
      violation: nnum,
      values: z.record(z.string(), num).nullable(),
      rationale: z.string().nullable(),
      disputes: z.array(DisputeSchema),
    }),
  ),
});
export type SampleDetail = z.infer<typeof SampleDetailSchema>;

export const PairDiffSchema = z.object({
  /** EVR(a) − EVR(b). */
  diff: nnum,
  ci: z.tuple([num, num]).nullable(),
  /** How `ci` was made: Newcombe's interval for paired proportions. */
  ci_method: CiMethodSchema.optional(),
  significant: z.boolean(),
  /** paired: over the shared prompts (≥ 10), significant when `ci` excludes 0; none: too few shared prompts. */
  method: z.enum(['paired', 'ci-overlap', 'none']),
  /** Prompts both were scored on. */
  shared: z.number().int(),
});
export type PairDiff = z.infer<typeof PairDiffSchema>;

export const CompareResponseSchema = z.object({
  runs: z.array(z.string()),
  warnings: z.array(z.string()),
  entries: z.array(z.object({ label: z.string(), run: z.string(), model: z.string(), settings: RunSettingsSchema, report: ModelReportSchema })),
  pairs: z.array(z.object({ a: z.string(), b: z.string(), overall: PairDiffSchema, foundations: z.record(z.string(), PairDiffSchema) })),
});
export type CompareResponse = z.infer<typeof CompareResponseSchema>;

export const LeaderboardResponseSchema = z.object({
  source: z.string(),
  metric: z.string(),
  caveat: z.string(),
  foundations: z.array(z.string()),
  ours: z.array(z.object({ label: z.string(), run: z.string(), model: z.string(), matched: z.string().nullable(), scores: z.record(z.string(), nnum), ci: z.record(z.string(), IntervalSchema), n: z.record(z.string(), z.number().int()) })),
  board: z.array(z.object({ model: z.string(), developer: z.string().nullable(), scores: z.record(z.string(), num) })),
});
export type LeaderboardResponse = z.infer<typeof LeaderboardResponseSchema>;

export const GraphListSchema = z.array(z.object({ id: z.string(), title: z.string(), source: z.enum(['store', 'file']), detail: z.string() }));
export type GraphList = z.infer<typeof GraphListSchema>;

export const GraphResponseSchema = z.object({
  id: z.string(),
  title: z.string(),
  mode: z.string(),
  contexts: z.array(z.string()),
  voteCount: z.number().int(),
  voterCount: z.number().int(),
  nodes: z.array(z.object({ data: z.object({ id: z.string(), seq: z.number().int(), label: z.string(), description: z.string(), policies: z.array(z.string()), pageRank: num, wisdom: num, rank: z.number().int().nullable() }) })),
  edges: z.array(z.object({ data: z.object({ id: z.string(), source: z.string(), target: z.string(), kept: z.boolean(), weight: num, contexts: z.array(z.string()), wiser: z.number().int(), notWiser: z.number().int(), lessWise: z.number().int(), unsure: z.number().int() }) })),
});
export type GraphResponse = z.infer<typeof GraphResponseSchema>;

export const ApiErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });

/** What a static export's data.js holds (`window.__TENET_VIEW_DATA__`). */
export interface StaticViewData {
  generatedAt: string;
  store: string;
  runs: RunItem[];
  summaries: Record<string, RunSummary>;
  reports: Record<string, RunReport>;
  /** Every row with its whole prompt and completion. */
  samples: Record<string, SampleRow[]>;
  /** Samples left out of a run because of the export's limit. */
  truncated: Record<string, number>;
  /** Keyed by the run ids joined with ','. */
  compare: Record<string, CompareResponse>;
  leaderboard: LeaderboardResponse | null;
  graphs: GraphList;
  graph: Record<string, GraphResponse>;
}

// ---- pure helpers both sides use -------------------------------------------------------------------------

/** Whether a row passes the filters (the static export filters in the browser with this; the server in SQL). */
export function rowMatches(row: SampleRow, q: SamplesQuery): boolean {
  if (q.model && row.model !== q.model) return false;
  if (q.foundation && row.foundation !== q.foundation) return false;
  if (q.principle && row.principle !== q.principle) return false;
  if (q.min !== undefined && !(row.score !== null && row.score >= q.min)) return false;
  if (q.max !== undefined && !(row.score !== null && row.score <= q.max)) return false;
  if (q.disputed && row.disputes === 0) return false;
  if (q.q) {
    const needle = q.q.toLowerCase();
    if (!row.prompt.toLowerCase().includes(needle) && !row.text.toLowerCase().includes(needle)) return false;
  }
  return true;
}

/** The weighted mean of per-foundation numbers over the foundations that have both a number and a weight > 0. */
export function weightedMean(scores: Record<string, number | null | undefined>, weights: Record<string, number>): number | null {
  let sum = 0;
  let total = 0;
  for (const [f, w] of Object.entries(weights)) {
    const s = scores[f];
    if (typeof s !== 'number' || !Number.isFinite(s) || !(w > 0)) continue;
    sum += s * w;
    total += w;
  }
  return total > 0 ? sum / total : null;
}

/** A discover run's stored result (src/discover/run.ts DiscoverResult), as the Discover page reads it. */
const PrevalenceSchema = z.object({ value: z.number(), ci: z.tuple([z.number(), z.number()]), n: z.number() });
export const DiscoverValueSchema = z.object({
  key: z.string(),
  name: z.string(),
  level: z.number(),
  parent: z.string().optional(),
  phrases: z.array(z.string()),
  children: z.array(z.string()),
  framework_match: z.object({ framework: z.string(), id: z.string(), similarity: z.number() }).nullable(),
  prevalence: z.object({ overall: PrevalenceSchema, by: z.record(z.string(), PrevalenceSchema) }),
  under_pressure: z.object({ n: z.number(), share: z.number() }),
  examples: z.array(z.object({ conversation: z.string(), quote: z.string(), phrase: z.string(), mode: z.string() })),
  conversations: z.array(z.string()),
});
export const DiscoverViewSchema = z.object({
  result: z.object({
    run: z.string(),
    status: z.string(),
    n_conversations: z.number(),
    unparsed: z.number(),
    by: z.string().nullable(),
    groups: z.record(z.string(), z.number()),
    extractor: z.string(),
    encoder: z.string(),
    values: z.array(DiscoverValueSchema),
    distinguishing: z.array(z.object({ value: z.string(), a: z.string(), b: z.string(), difference: z.number(), ci: z.tuple([z.number(), z.number()]), p_adj: z.number() })),
    notes: z.array(z.string()),
  }).nullable(),
});
export type DiscoverView = z.infer<typeof DiscoverViewSchema>;
/** One conversation of a discover run, as stored. */
export const ConversationSchema = z.object({
  id: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })),
  meta: z.record(z.string(), z.unknown()),
});
export type ConversationView = z.infer<typeof ConversationSchema>;
