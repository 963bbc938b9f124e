/** The benchmark: prompt sets, runs, DeNEVIL's EVR / MVP / APV metrics, comparisons and CI gates. */
export {
  BUILTIN_PROMPTS_DIR,
  DEFAULT_MAX_PROMPT_CHARS,
  builtinPromptSets,
  loadPromptSet,
  parsePromptLine,
  resolvePromptSource,
  type LoadPromptSetOptions,
  type PromptSet,
} from './prompts.ts';
export {
  DEFAULT_TAU,
  METRIC_NAMES,
  benchMetrics,
  metricSet,
  valueProfile,
  violatedOnce,
  type BenchMetricsOptions,
  type MetricName,
  type MetricSet,
  type ModelMetrics,
  type ModelScores,
  type PromptScores,
  type ValueProfile,
} from './metrics.ts';
export {
  BENCH_RUN_KIND,
  BENCH_TASK_KIND,
  CONTINUATION_PROMPT_FILE,
  CONTINUATION_PROMPT_VERSION,
  DEFAULT_SAMPLES,
  DEFAULT_SAMPLING,
  MAX_CONCURRENCY,
  MAX_RUN_SAMPLES,
  MAX_SAMPLES,
  benchRunConfig,
  benchRunConfigOf,
  continuationInstruction,
  continuationMessages,
  loadBenchResults,
  loadRunScores,
  runBench,
  type BenchModelResult,
  type BenchResults,
  type BenchRunConfig,
  type RunBenchOptions,
  type RunBenchResult,
} from './run.ts';
export {
  MIN_PAIRED_PROMPTS,
  compareRuns,
  type CompareOptions,
  type CompareResult,
  type Comparison,
  type LeaderboardComparison,
  type LeaderboardRow,
  type RankedModel,
} from './compare.ts';
export {
  LEADERBOARD_FILE,
  loadLeaderboard,
  matchLeaderboardModel,
  normaliseModelName,
  type Leaderboard,
  type LeaderboardModel,
} from './leaderboard.ts';
export { GATE_OPERATORS, evaluateGates, parseGate, parseGates, type Gate, type GateOperator, type GateResult } from './gates.ts';
export { BENCH_MODES, loadKnowing, type BenchMode, type KnowingBlock, type KnowingConfig, type KnowingResult } from './knowing/run.ts';
export { BUILTIN_ITEMS, loadItems, parseRating, RATING_SCALE, type ItemSet, type QuestionnaireItem } from './knowing/questionnaire.ts';
export { parseJudgement, JUDGEMENT_SCHEMA } from './knowing/judgement.ts';
export { conformityOf, pairedGap, type Conformity, type Gap } from './knowing/gap.ts';
