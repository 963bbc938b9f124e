/**
 * VILMO's training, as pure functions of the stored run: each round's candidates scored on the target, the
 * best instruction per training prompt, the meta-prompt of the next round (the best pairs so far as examples
 * and a summary of what worked: black-box optimisation of the generator's context, OPRO-style, with no weight
 * update), the validation curve and the round it selects.
 */
import type { PromptTask } from '../../runtime/sample-stage.ts';
import { meanEstimate, type Estimate } from '../stats.ts';
import type { BootstrapOptions } from '../../judges/metrics.ts';
import { cleanInstruction, summarise, type Example } from './prompts.ts';
import { conformity, VILMO_TASKS, type StoredRun } from './stored.ts';

export interface Candidate {
  candidate: number;
  instruction: string;
  conformity: number;
}

export interface PromptRound {
  prompt: PromptTask;
  candidates: Candidate[];
  best: Candidate;
  worst: Candidate;
  mean: number;
}

export const genId = (round: number, promptId: string): string => `r${round}:${promptId}`;
export const candidateId = (round: number, promptId: string, m: number): string => `r${round}:${promptId}:c${m}`;

/** The M candidate instructions the generator wrote for a training prompt in a round (undefined when missing). */
export function candidatesOf(stored: StoredRun, round: number, prompt: PromptTask, m: number): string[] | undefined {
  const t = stored.get(VILMO_TASKS.genTrain, genId(round, prompt.id));
  if (!t) return undefined;
  const out: string[] = [];
  for (let i = 0; i < m; i++) {
    const s = t.samples.find((x) => x.index === i);
    if (!s) return undefined;
    out.push(cleanInstruction(s.text));
  }
  return out;
}

/** The generator's single instruction for a prompt in a stage (validation or test). */
export function instructionOf(stored: StoredRun, kind: string, id: string): string | undefined {
  const s = stored.get(kind, id)?.samples.find((x) => x.index === 0);
  return s ? cleanInstruction(s.text) : undefined;
}

/** Each training prompt's scored candidates in a round; prompts with no judged candidate are left out. */
export function roundResults(stored: StoredRun, round: number, train: readonly PromptTask[], m: number): PromptRound[] {
  const out: PromptRound[] = [];
  for (const prompt of train) {
    const candidates: Candidate[] = [];
    for (let c = 0; c < m; c++) {
      const t = stored.get(VILMO_TASKS.train, candidateId(round, prompt.id, c));
      const score = t ? conformity(t.samples) : null;
      if (t && score !== null) candidates.push({ candidate: c, instruction: t.task.instruction ?? '', conformity: score });
    }
    if (candidates.length === 0) continue;
    let best = candidates[0]!;
    let worst = candidates[0]!;
    for (const c of candidates) {
      if (c.conformity > best.conformity) best = c;
      if (c.conformity < worst.conformity) worst = c;
    }
    out.push({ prompt, candidates, best, worst, mean: candidates.reduce((s, c) => s + c.conformity, 0) / candidates.length });
  }
  return out;
}

export interface Meta {
  round: number;
  examples: Example[];
  summary: string;
}

/**
 * The meta-prompt of round r: the best instruction found so far for each training prompt (over rounds < r;
 * a later round replaces an earlier one only when it scored higher), the top `examples` of them by conformity
 * (ties: earlier prompt id), and the summary of round r − 1.
 */
export function metaFor(stored: StoredRun, round: number, train: readonly PromptTask[], options: { candidates: number; examples: number }): Meta {
  const pool = new Map<string, Example>();
  let summary = '';
  for (let r = 0; r < round; r++) {
    const results = roundResults(stored, r, train, options.candidates);
    for (const x of results) {
      const had = pool.get(x.prompt.id);
      if (!had || x.best.conformity > had.conformity) pool.set(x.prompt.id, { prompt: x.prompt.prompt, instruction: x.best.instruction, conformity: x.best.conformity });
    }
    summary = summarise(r, results);
  }
  const ids = [...pool.keys()].sort();
  const examples = ids.map((id) => pool.get(id)!).map((e, i) => ({ e, i }))
    .sort((a, b) => b.e.conformity - a.e.conformity || a.i - b.i)
    .slice(0, options.examples)
    .map((x) => x.e);
  return { round, examples, summary };
}

export interface ValidationPoint {
  round: number;
  /** Mean conformity over validation prompts (each the mean over its K samples), with N and a CI over prompts. */
  conformity: Estimate;
  /** Training: the best candidate's conformity per prompt (the round's optimum), absent for the last meta-prompt. */
  train_best?: Estimate;
  /** Training: all candidates' mean conformity per prompt. */
  train_mean?: Estimate;
  examples: number;
}

/** The validation conformity of each round's meta-prompt that has been measured. */
export function validationCurve(stored: StoredRun, val: readonly PromptTask[], train: readonly PromptTask[], options: { rounds: number; candidates: number } & BootstrapOptions): ValidationPoint[] {
  const out: ValidationPoint[] = [];
  const boot: BootstrapOptions = { ...(options.b !== undefined ? { b: options.b } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  for (let r = 0; r <= options.rounds; r++) {
    const scores: number[] = [];
    for (const p of val) {
      const t = stored.get(VILMO_TASKS.val, genId(r, p.id));
      const c = t ? conformity(t.samples) : null;
      if (c !== null) scores.push(c);
    }
    if (scores.length === 0) break;
    const meta = stored.get(VILMO_TASKS.meta, `r${r}`)?.task as { examples?: unknown[] } | undefined;
    const point: ValidationPoint = { round: r, conformity: meanEstimate(scores, { ...boot, range: [0, 1] }), examples: Array.isArray(meta?.examples) ? meta.examples.length : 0 };
    if (r < options.rounds) {
      const results = roundResults(stored, r, train, options.candidates);
      if (results.length) {
        point.train_best = meanEstimate(results.map((x) => x.best.conformity), boot);
        point.train_mean = meanEstimate(results.map((x) => x.mean), boot);
      }
    }
    out.push(point);
  }
  return out;
}

/** The round whose meta-prompt scored highest on validation (ties: the earliest). */
export function selectRound(curve: readonly ValidationPoint[]): number {
  let best = curve[0];
  for (const p of curve) if ((p.conformity.mean ?? -1) > (best?.conformity.mean ?? -1)) best = p;
  return best?.round ?? 0;
}

/** APE's task-level candidates, as the generator wrote them (cleaned), by sample index. */
export function apeCandidates(stored: StoredRun): { m: number; instruction: string }[] {
  return (stored.get(VILMO_TASKS.genApe, 'ape')?.samples ?? []).map((s) => ({ m: s.index, instruction: cleanInstruction(s.text) }));
}

export interface ApeScore {
  candidate: number;
  instruction: string;
  /** Mean over training prompts of each prompt's mean conformity. */
  conformity: number;
  n: number;
}

/** Each APE candidate's conformity on the training prompts, and the best (ties: the lowest index). */
export function apeScores(stored: StoredRun, train: readonly PromptTask[]): ApeScore[] {
  return apeCandidates(stored).flatMap((c) => {
    const per = train.map((p) => stored.get(VILMO_TASKS.ape, `c${c.m}:${p.id}`)).map((t) => (t ? conformity(t.samples) : null)).filter((x): x is number => x !== null);
    return per.length ? [{ candidate: c.m, instruction: c.instruction, conformity: per.reduce((a, b) => a + b, 0) / per.length, n: per.length }] : [];
  });
}

export function bestApe(stored: StoredRun, train: readonly PromptTask[]): ApeScore | undefined {
  let best: ApeScore | undefined;
  for (const s of apeScores(stored, train)) if (!best || s.conformity > best.conformity) best = s;
  return best;
}
