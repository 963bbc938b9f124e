/**
 * tenet as a library. The CLI is a thin layer over these functions.
 *
 *   import { createModel, createJudge, openStore, runBench } from 'tenet';
 *
 * The core (errors, configuration, value theories, models, store, judges, runtime) is exported flat;
 * each pipeline module is also available whole as a namespace (`bench`, `probe`, `moralgraph`, `report`, `view`).
 */
export { TenetError, isTenetError, type ErrorCode, type ErrorLocation } from './errors.ts';
export { redactDeep, redactSecrets, redactUrl } from './redact.ts';
export { loadConfig, configSchema, type TenetConfig } from './config.ts';
export { readDataFile, validateDataFile } from './datafile.ts';
export { runDoctor, type DoctorReport, type Check } from './doctor.ts';

export * from './values/index.ts';
export { loadPrinciples, findNearDuplicates, type Principle } from './values/principles.ts';
export * from './models/index.ts';
export {
  openStore, pingPostgres, storeCache, stableId, canonicalJson, taskIdFor, sampleIdFor, judgmentIdFor, RUN_STATUSES,
  type Store, type Run, type RunStatus, type RunTotals, type Task, type Sample as StoredSample, type Judgment,
  type CacheEntry, type CacheStats, type NewRun, type NewTask, type NewSample, type NewJudgment, type OpenStoreOptions,
} from './store/index.ts';

export type { Judge, JudgeItem, JudgeResult, SchwartzVector } from './judges/types.ts';
export { createJudge, type JudgeSpecOptions } from './judges/factory.ts';
export { createLlmJudge, renderJudgePrompt, LLM_JUDGE_PROMPT_VERSION } from './judges/llm.ts';
export { loadLocalJudge, trainLocalJudge } from './judges/local/index.ts';
export { evaluateFile, type EvaluateOptions, type EvaluateSummary } from './judges/evaluate.ts';
export { measureJudge, EVAL_FORMATS, type EvalFormat, type JudgeMeasurement } from './judges/measure.ts';
export { evaluateSchwartz, evaluateBinary } from './judges/metrics.ts';
export { bootstrap, bcaBootstrap, boundedMeanInterval, holm, newcombePaired, signFlipP, wilson, type CiMethod, type IntervalEstimate, type MetricWithCI } from './stats/index.ts';
export { calibrateRun, computeCalibration, judgeConfigHash, krippendorffAlpha, type CalibrationResult, type Estimate } from './judges/calibration.ts';
export { allocate, drawLabelSample, ensureLabelSample, scoreBand, SCORE_BANDS, type LabelUnit } from './labels/sample.ts';
export { exportRows, importLabels, readLabelsFile, type ExportRow } from './labels/io.ts';

export { localExecutor, type Executor, type ExecuteOptions, type ExecutionSummary } from './runtime/executor.ts';
export { runSampleStage, type PromptTask, type SampleStageOptions, type StageSummary } from './runtime/sample-stage.ts';
export { openRun, interruptOnSigint } from './runtime/run.ts';
export { acquireRunLease, PROCESS_OWNER, RUN_LEASE_TTL_MS, type RunLease, type RunLeaseOptions } from './runtime/lease.ts';
export { createProgress, type Progress } from './runtime/progress.ts';
export { runSampleUnit, type SampleUnit } from './runtime/sample-unit.ts';
export { pgbossExecutor, type PgbossExecutorOptions } from './distributed/dispatch.ts';
export { runWorker, type WorkerOptions, type WorkerSummary } from './distributed/worker.ts';
export { workersStatus, type WorkersStatus } from './distributed/status.ts';
export { type UnitDispatcher, type DispatchOptions } from './runtime/executor.ts';

export { runBench, benchMetrics, compareRuns, loadPromptSet, evaluateGates } from './bench/index.ts';
export { runProbe, exportMoralPrompt } from './probe/index.ts';

export * as bench from './bench/index.ts';
export * as probe from './probe/index.ts';
export * as moralgraph from './moralgraph/index.ts';
export * as report from './report/index.ts';
export * as elicit from './moralgraph/elicit/index.ts';
export * as align from './align/index.ts';
export { createElicitApp, serveElicit } from './server/index.ts';
export * as view from './view/index.ts';
