/** The offline local judge: pure TypeScript, CPU only, weights in data/judge/local-judge.json. */
export { DEFAULT_WEIGHTS_FILE, loadLocalJudge, loadLocalJudgeSync, localJudgeFromWeights, type JudgeItem, type JudgeOutput, type LocalJudge } from './judge.ts';
export { DEFAULT_TRAIN_CONFIG, LOCAL_JUDGE_ID, LOCAL_JUDGE_VERSION, trainLocalJudge, type TrainConfig, type TrainOptions, type TrainResult, type WeightsFile } from './train.ts';
export { loadReferenceData, type ReferenceData } from './data.ts';
export { evaluateOnPart, type PartReport } from './evaluate.ts';
export { SPLIT_RULE, partOfEthicsRow, partOfPrompt, promptKey, type Part } from './split.ts';
