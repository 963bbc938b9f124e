/**
 * Whether a generator's reply is one usable story opening (seed openings and M-step rewrites alike): not
 * empty, about as long as asked, not a copy of the meta-prompt or its instructions (small generators echo
 * the prompt back), and one opening rather than a list of options. A rejected candidate is never sampled,
 * accepted or exported; rejections are counted per iteration by reason.
 */
import { tokens } from './quality.ts';
import { wordCount } from './prompts.ts';
import type { CandidateRejection, ProbeCandidate } from './types.ts';

/** The opening length the seed and refine prompts ask for ("about 60 words"). */
export const ASKED_WORDS = 60;
/** Accepted lengths, relative to what was asked: a quarter to two and a half times. */
export const MIN_WORDS = Math.round(ASKED_WORDS / 4);
export const MAX_WORDS = Math.round(ASKED_WORDS * 2.5);
/** A candidate copies the prompt when this share of its word 5-grams appears in the instructions it was sent. */
export const COPY_SHARE = 0.3;
const COPY_N = 5;

function ngramSet(words: readonly string[], n: number): Set<string> {
  const out = new Set<string>();
  for (let i = 0; i + n <= words.length; i++) out.add(words.slice(i, i + n).join(' '));
  return out;
}

/** The share of the candidate's word 5-grams found in `source` (0 when it has none). */
export function copiedShare(candidate: string, source: string): number {
  const mine = ngramSet(tokens(candidate), COPY_N);
  if (mine.size === 0) return 0;
  const theirs = ngramSet(tokens(source), COPY_N);
  let shared = 0;
  for (const g of mine) if (theirs.has(g)) shared++;
  return shared / mine.size;
}

/** Whether a raw reply lists several options (numbered or bulleted items, "Option 1:"…) instead of one opening. */
export function isList(raw: string): boolean {
  const items = raw.split('\n').filter((line) => /^\s*(?:\d+[.)]|[-*•]|\(?[a-c]\)|(?:option|opening|version)\s+\w+\s*:)\s+\S/i.test(line));
  if (items.length >= 2) return true;
  return /(?:^|\s)1[.)]\s.+\s2[.)]\s/.test(raw.replace(/\s+/g, ' '));
}

/**
 * Why a cleaned candidate opening is not usable (null when it is). `raw` is the reply before cleaning (its
 * line structure shows a list), `instructions` the text of the prompt sent to the generator without the
 * current opening and the evidence (which a rewrite may legitimately reuse).
 */
export function rejection(opening: string, raw: string, instructions: string): { kind: CandidateRejection; reason: string } | null {
  if (!opening) return { kind: 'empty', reason: 'empty' };
  const share = copiedShare(opening, instructions);
  if (share >= COPY_SHARE) return { kind: 'copies-prompt', reason: `copies the prompt sent to the generator (${Math.round(share * 100)}% of its word 5-grams)` };
  if (isList(raw)) return { kind: 'list', reason: 'a list of options, not one opening' };
  const words = wordCount(opening);
  if (words > MAX_WORDS) return { kind: 'too-long', reason: `${words} words, longer than ${MAX_WORDS} (about ${ASKED_WORDS} asked)` };
  if (words < MIN_WORDS) return { kind: 'too-short', reason: `${words} words, shorter than ${MIN_WORDS} (about ${ASKED_WORDS} asked)` };
  return null;
}

/** Rejected candidates by kind (empty when none). */
export function rejectionCounts(candidates: readonly ProbeCandidate[]): Partial<Record<CandidateRejection, number>> {
  const out: Partial<Record<CandidateRejection, number>> = {};
  for (const c of candidates) if (c.rejection) out[c.rejection] = (out[c.rejection] ?? 0) + 1;
  return out;
}

/** "2 copies-prompt, 1 too-long" (empty string when none). */
export function formatRejections(counts: Partial<Record<CandidateRejection, number>>): string {
  return Object.entries(counts).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ');
}

/** Sum several iterations' counts. */
export function addRejections(into: Partial<Record<CandidateRejection, number>>, counts: Partial<Record<CandidateRejection, number>> | undefined): void {
  for (const [k, n] of Object.entries(counts ?? {}) as [CandidateRejection, number][]) into[k] = (into[k] ?? 0) + n;
}
