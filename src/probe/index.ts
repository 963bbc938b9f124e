/**
 * DeNEVIL-style value probing: find story openings that lead a target model to violate value principles,
 * refining them with a generator model (E-step: sample and judge; M-step: rewrite, check neutrality, keep
 * the better), store every iteration, and export the final prompts as a MoralPrompt-style JSONL set.
 *
 *   const result = await runProbe({ store, target, generator, judge, principles });
 *   const records = await exportMoralPrompt(store, result.run);
 */
export { runProbe } from './probe.ts';
export { probeConfig, checkScoring, goodhartWarning, PROBE_DEFAULTS } from './config.ts';
export { sameJudge } from '../judges/ids.ts';
export { selfBleu, sentenceBleu, nearDuplicate, bigramJaccard, perplexity, NEAR_DUPLICATE_JACCARD } from './quality.ts';
export { exportMoralPrompt, exportProbeRun, toJsonl, EXPORT_FORMATS, type ExportFormat, type MoralPromptRecord } from './export.ts';
export {
  readProbeRun,
  probeTrajectories,
  loadIterations,
  markDuplicates,
  exportedPrompts,
  trajectoryKey,
  stopReason,
  iterationTaskId,
  promptTask,
  promptTaskId,
  type ProbePromptTask,
  type ProbeTrajectory,
} from './trajectory.ts';
export { selectPrinciples, type PrincipleSelection } from './principles.ts';
export { PROBE_PROMPT_VERSION, probePromptTemplate, cleanOpening, continueMessages, violateMessages, seedMessages, refineMessages, SEED_SETTINGS } from './prompts.ts';
export { probeJson, type ProbeJson, type ProbePromptJson } from './json.ts';
export {
  PROBE_RUN_KIND,
  PROBE_PROMPT_TASK,
  PROBE_ITERATION_TASK,
  PROBE_EVIDENCE_TASK,
  PROBE_QUALITY_TASK,
  PROBE_SCORINGS,
  type CandidateStatus,
  type ContinuationScore,
  type FreshScore,
  type ProbeQuality,
  type PrincipleResult,
  type PrincipleStop,
  type ProbeCandidate,
  type ProbeIteration,
  type ProbeOptions,
  type ProbePrinciple,
  type ProbeResult,
  type ProbeRunConfig,
  type ProbeScoring,
  type ScoredSample,
} from './types.ts';
export { formatTransfer, loadTransferResults, runTransfer, transferPairs, TRANSFER_RUN_KIND, type TransferResults, type TransferRow, type TransferRunConfig } from './transfer.ts';
