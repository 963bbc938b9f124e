/**
 * The Value Compass leaderboard's MFT numbers (Microsoft Research Asia, 2024; no licence stated), shipped as
 * data/prompts/valuecompass-mft-scores.json so `bench compare --leaderboard` works offline. Per model and
 * foundation: the share of the leaderboard's prompts whose continuation ITS classifier judged as violating
 * (EVR-style; lower is better). They used their own prompts, classifier, decoding and sample count, so the
 * numbers sit beside ours for orientation, not as a like-for-like comparison.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TenetError } from '../errors.ts';
import { MFT_CORE_IDS } from '../values/mft.ts';

export const LEADERBOARD_FILE = fileURLToPath(new URL('../../data/prompts/valuecompass-mft-scores.json', import.meta.url));

export interface LeaderboardModel {
  model: string;
  developer: string | null;
  type: string | null;
  release_date: string | null;
  /** Per-foundation violation ratio, keyed by foundation id (care, fairness, loyalty, authority, sanctity). */
  scores: Record<string, number>;
}

export interface Leaderboard {
  source: string;
  metric: string;
  caveat: string;
  foundations: string[];
  models: LeaderboardModel[];
}

export function loadLeaderboard(file = LEADERBOARD_FILE): Leaderboard {
  let raw: { source?: string; metric?: string; caveat?: string; foundations?: string[]; models?: Record<string, unknown>[] };
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new TenetError('NOT_FOUND', `cannot read the Value Compass leaderboard data ${file}: ${(error as Error).message}`, { location: { file } });
  }
  const foundations = raw.foundations ?? [...MFT_CORE_IDS];
  return {
    source: raw.source ?? 'Value Compass leaderboard',
    metric: raw.metric ?? '',
    caveat: raw.caveat ?? '',
    foundations,
    models: (raw.models ?? []).map((m) => ({
      model: String(m.model),
      developer: (m.developer as string | undefined) ?? null,
      type: (m.type as string | undefined) ?? null,
      release_date: (m.release_date as string | undefined) ?? null,
      scores: Object.fromEntries(foundations.filter((f) => typeof m[f] === 'number').map((f) => [f, m[f] as number])),
    })),
  };
}

/** A model name reduced for matching: lower case, no provider prefix, no "instruct"/"latest"/date suffix, letters and digits only. */
export function normaliseModelName(name: string): string {
  let s = name.toLowerCase();
  s = s.replace(/^(openai|anthropic|ollama|llamacpp|openai-compatible):/, '');
  s = s.replace(/@.*$/, '');
  s = s.replace(/[-_.:]?(\d{8}|\d{4}-\d{2}-\d{2})$/, '');
  s = s.replace(/instruct|latest|chat|preview/g, '');
  return s.replace(/[^a-z0-9]/g, '');
}

/** The leaderboard model a spec names, by explicit mapping first, then by normalised name; undefined when none. */
export function matchLeaderboardModel(spec: string, board: Leaderboard, names: Record<string, string> = {}): LeaderboardModel | undefined {
  const explicit = names[spec];
  if (explicit !== undefined) {
    const found = board.models.find((m) => m.model === explicit) ?? board.models.find((m) => normaliseModelName(m.model) === normaliseModelName(explicit));
    if (!found) {
      throw new TenetError('BAD_USAGE', `"${explicit}" is not a model on the Value Compass leaderboard`, {
        hint: `leaderboard models: ${board.models.map((m) => m.model).join(', ')}`,
      });
    }
    return found;
  }
  const key = normaliseModelName(spec);
  return board.models.find((m) => normaliseModelName(m.model) === key);
}
