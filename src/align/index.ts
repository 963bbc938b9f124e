/**
 * Alignment, part 1: value targets, the BaseAlign reward, best-of-N runs, misalignment losses and the
 * hand-off to trainers (docs/align.md).
 */
export { loadTarget, PRESET_TARGETS, readTargetFile, targetFileContent, targetRecord, vectorObject, vectorOf, type Target, type TargetProvenance, type ValueVector } from './targets.ts';
export { baseAlignDistance, CONFIDENCE_THRESHOLD, distances, REWARD_KINDS, vectorFromJudge, type Distances, type RewardKind, type RewardOptions } from './reward.ts';
export { DEFAULT_MASK_THRESHOLD, MASK_THRESHOLDS, maskThresholdForShare, maskThresholdOf, type MaskThreshold } from './mask.ts';
export { bestOfWeights, curveSizes, expectedBestOf, type CurveSample } from './curve.ts';
export { ESS_HVS_ITEMS, targetFromSurvey, type SurveyOptions, type SurveyTarget } from './survey.ts';
export { BUILTIN_QUESTIONNAIRE, checkAnswers, readQuestionnaire, targetFromAnswers, type Questionnaire } from './questionnaire.ts';
export { centredScores, type PortraitItem, type Rescale } from './portrait.ts';
export { maskOfSource, parseValues, scoreFile, type ScoreFileOptions, type ScoreSummary, type ValueSource } from './score.ts';
export { loadAlignPrompts } from './prompts.ts';
export {
  ALIGN_RUN_KIND,
  ALIGN_TASK_KIND,
  alignRunConfig,
  alignRunConfigOf,
  bonPicks,
  judgeStoredSamples,
  loadAlignResults,
  selectJudgeOf,
  rateArms,
  MAX_BON_N,
  runBestOfN,
  type AlignResults,
  type AlignRunConfig,
  type ArmResult,
  type CurvePoint,
  type DifferenceResult,
  type JudgeView,
  type PickOptions,
  type PromptPick,
  type RunBonOptions,
  type RunBonResult,
  type ScoredSample,
} from './bon.ts';
export { holm, meanEstimate, pairedDifference, profileEstimate, signFlipP, type Estimate, type ProfileEstimate } from './stats.ts';
export { misalignmentLoss, pairsOf, type LossResult, type PairMode, type UtilityItem } from './loss.ts';
export { qualityRater, utilityRater, type Rater, type Rating } from './raters.ts';
export { EXPORT_FORMATS, exportRows, exportRun, type ExportFormat, type ExportOptions, type ExportSummary } from './export.ts';
export { splitQuery, startRewardServer, stripSpecialTokens, type RewardServer, type RewardServerOptions } from './serve.ts';
export {
  DEFAULT_FIXED_INSTRUCTION,
  parseMethods,
  splitPrompts,
  VILMO_METHODS,
  VILMO_RUN_KIND,
  vilmoRunConfig,
  vilmoRunConfigOf,
  type VilmoMethod,
  type VilmoRunConfig,
} from './vilmo/config.ts';
export { cleanInstruction, principleOf, VILMO_PROMPT_VERSION } from './vilmo/prompts.ts';
export { readStoredRun, storedSplit, VILMO_TASKS, type StoredRun, type VilmoTask } from './vilmo/stored.ts';
export { loadVilmoResults, type PairedResult, type VilmoArm, type VilmoResults } from './vilmo/results.ts';
export { runVilmo, type RunVilmoOptions, type RunVilmoResult } from './vilmo/run.ts';
export { measureQuality, qualityResults, type QualityResults } from './vilmo/quality.ts';
