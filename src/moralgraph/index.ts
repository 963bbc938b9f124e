/** The moral graph: load votes and graphs, aggregate (study-exact or Beta-binomial), rank, import/export. */
export * from './types.ts';
export { edgeVotesSchema, graphValuesSchema, studySummarySchema, tenetGraphSchema } from './schema.ts';
export {
  readJsonFile,
  parseInput,
  parseVotes,
  parseValues,
  parseStudySummary,
  parseTenetGraph,
  parseGraph,
  votesBefore,
  parseInstant,
  loadVotes,
  loadValues,
  loadGraph,

  type JsonFile,
} from './load.ts';
export { tallyPairs, tallyByContext, pairKey, voteFacts, type PairTally } from './tally.ts';
export {
  STUDY_PARAMS,
  studyEntropy,
  studyWiserLikelihood,
  studySummaryOf,
  keptByStudyRule,
  aggregateStudy,
  buildStudySummary,
  referencedValues,
  type StudyAggregation,
} from './aggregate-study.ts';
export {
  IMPROVED_PARAMS,
  posteriorOf,
  verdictOf,
  judgeContext,
  dedupeVotes,
  aggregateImproved,
  type ImprovedAggregation,
} from './aggregate-improved.ts';
export { betaCdf, betaQuantile, logGamma, logBeta } from './beta.ts';
export {
  pageRank,
  studyPageRank,
  wisdom,
  rankValues,
  type WeightedEdge,
  type PageRankOptions,
  type PageRankResult,
  type RankedValue,
  type RankOptions,
  type Ranking,
} from './rank.ts';
export {
  rankGraph,
  rankingEdges,
  asTenet,
  type GraphRankOptions,
  type GraphRanking,
  type RankedGraphValue,
} from './rank-graph.ts';
export { buildTenetGraph, studyToTenet, tenetToStudy, CREATED_BY, type BuildOptions } from './export.ts';
