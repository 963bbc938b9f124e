/**
 * zod schemas for moral-graph input files. Parsed output matches the interfaces in `types.ts`; unknown
 * fields are dropped (so nothing unexpected, personal data included, travels into an export).
 */
import { z } from 'zod';
import { RELATIONSHIPS, TENET_GRAPH_FORMAT } from './types.ts';

const isoDate = z
  .string()
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not a date (expected ISO 8601, e.g. 2023-10-18T12:00:00Z)' });

const valueId = z.number().int();
const count = z.number().int().nonnegative();

export const edgeVoteSchema = z.object({
  userId: z.union([z.number(), z.string()]),
  fromId: valueId,
  toId: valueId,
  contextId: z.string().min(1),
  relationship: z.enum(RELATIONSHIPS),
  story: z.string().default(''),
  runId: z.string().default(''),
  createdAt: isoDate,
  updatedAt: z.string().optional(),
});
export const edgeVotesSchema = z.array(edgeVoteSchema);

const studyValueSchema = z.object({
  id: valueId,
  title: z.string(),
  instructionsShort: z.string(),
  instructionsDetailed: z.string(),
  evaluationCriteria: z.array(z.string()),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  pageRank: z.number().optional(),
  votes: z.number().optional(),
});

/**
 * A values card. Accepts the 2023 shape and the later values-tools shape ({description, policies}),
 * which is mapped onto the 2023 fields (description fills both instruction fields, as the 2024 app did).
 */
export const graphValueSchema = z.preprocess((raw) => {
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const r = raw as Record<string, unknown>;
    if (r.instructionsShort === undefined && typeof r.description === 'string') {
      const { description, policies, ...rest } = r;
      return { ...rest, instructionsShort: description, instructionsDetailed: description, evaluationCriteria: policies };
    }
  }
  return raw;
}, studyValueSchema);
export const graphValuesSchema = z.array(graphValueSchema);

export const edgeCountsSchema = z.object({
  markedWiser: count,
  markedNotWiser: count,
  markedLessWise: count,
  markedUnsure: count,
  impressions: count,
});

const studyEdgeSummarySchema = z.object({ wiserLikelihood: z.number(), entropy: z.number() });

export const studyEdgeSchema = z.object({
  sourceValueId: valueId,
  wiserValueId: valueId,
  contexts: z.array(z.string()),
  counts: edgeCountsSchema,
  summary: studyEdgeSummarySchema,
});

export const studySummarySchema = z.object({
  values: graphValuesSchema,
  edges: z.array(studyEdgeSchema),
});

const studyParamsSchema = z.object({
  minWiser: z.number(),
  minWiserLikelihood: z.number(),
  maxEntropy: z.number(),
});

const improvedParamsSchema = z.object({
  priorAlpha: z.number().positive(),
  priorBeta: z.number().positive(),
  credibleMass: z.number().gt(0).lt(1),
  threshold: z.number().min(0).max(1),
});

const posteriorSchema = z.object({
  alpha: z.number(),
  beta: z.number(),
  mean: z.number(),
  lower: z.number(),
  upper: z.number(),
});

const contextStatsSchema = z.object({
  context: z.string(),
  counts: edgeCountsSchema,
  successes: count.optional(),
  failures: count.optional(),
  abstentions: count.optional(),
  posterior: posteriorSchema.optional(),
  verdict: z.enum(['wiser', 'not_wiser', 'uncertain']).optional(),
  weight: z.number().optional(),
});

const tenetEdgeSchema = z.object({
  from: valueId,
  to: valueId,
  weight: z.number(),
  contexts: z.array(z.string()),
  counts: edgeCountsSchema,
  study: studyEdgeSummarySchema.optional(),
  byContext: z.array(contextStatsSchema).optional(),
  runIds: z.array(z.string()).optional(),
});

const provenanceSchema = z.object({
  source: z.enum(['votes', 'study-summary']),
  inputs: z
    .array(
      z.object({
        role: z.enum(['votes', 'values', 'study-summary']),
        name: z.string(),
        sha256: z.string().optional(),
      }),
    )
    .optional(),
  votesBefore: z.string().optional(),
  voteCount: count.optional(),
  voterCount: count.optional(),
  duplicatesDropped: count.optional(),
  firstVoteAt: z.string().optional(),
  lastVoteAt: z.string().optional(),
  runIds: z.array(z.string()).optional(),
  createdBy: z.string(),
});

export const tenetGraphSchema = z.object({
  format: z.literal(TENET_GRAPH_FORMAT),
  version: z.literal(1, { message: 'unsupported version (this tenet reads version 1)' }),
  aggregation: z.discriminatedUnion('mode', [
    z.object({ mode: z.literal('study'), params: studyParamsSchema }),
    z.object({ mode: z.literal('improved'), params: improvedParamsSchema }),
  ]),
  provenance: provenanceSchema,
  contexts: z.array(z.string()),
  values: graphValuesSchema,
  edges: z.array(tenetEdgeSchema),
  allEdges: z.array(tenetEdgeSchema).optional(),
});
