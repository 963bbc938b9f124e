/**
 * Judge identity across renames. Until 0.1 both offline judges were `tenet-local` (the n-gram judge 1.x, the
 * encoder judge 2.x); the n-gram judge is now `tenet-local-fast`. Runs stored before keep their judgments under
 * the old id, so every comparison of a stored judge with another goes through `sameJudge`.
 */
export const LOCAL_JUDGE_ID = 'tenet-local';
export const LOCAL_FAST_JUDGE_ID = 'tenet-local-fast';
/** The cross-encoder judge (3.x, `--judge local-cross`). */
export const LOCAL_CROSS_JUDGE_ID = 'tenet-local-cross';

/** The id a judge has today: `tenet-local@1.x` (the n-gram judge before its rename) is `tenet-local-fast`. */
export function canonicalJudgeId(id: string, version: string): string {
  return id === LOCAL_JUDGE_ID && version.startsWith('1.') ? LOCAL_FAST_JUDGE_ID : id;
}

/** Whether two (id, version) pairs name the same judge, old ids included. */
export function sameJudge(a: { id: string; version: string }, b: { id: string; version: string }): boolean {
  return a.version === b.version && canonicalJudgeId(a.id, a.version) === canonicalJudgeId(b.id, b.version);
}

/** Every id a stored judgment of this judge may carry (for SQL filters): the n-gram judge 1.x under both names. */
export function judgeIdsOf(id: string, version: string): string[] {
  return canonicalJudgeId(id, version) === LOCAL_FAST_JUDGE_ID && version.startsWith('1.') ? [LOCAL_FAST_JUDGE_ID, LOCAL_JUDGE_ID] : [id];
}

/** Whether this is one of tenet's offline judges (encoder, n-gram or cross-encoder). */
export function isLocalJudge(id: string): boolean {
  return id === LOCAL_JUDGE_ID || id === LOCAL_FAST_JUDGE_ID || id === LOCAL_CROSS_JUDGE_ID;
}
