/**
 * FULCRA label normalisation.
 *
 * FULCRA rows list the Schwartz value types a response relates to, as strings such as
 * `"benevolence: +1"` or `"security: -1"`; a value that is not listed means 0 (no relation). The
 * released data is messy, so this module states one explicit rule for every variant it accepts:
 *
 * - Score spellings: `+1`, `1`, `1+`, `=1`, `+ 1` all mean +1; `-1`, `1-`, `−1` (U+2212), `–1` mean −1;
 *   `0` means 0 (never written in the data, accepted anyway). Anything else is a BAD_INPUT error.
 * - Names: case, surrounding spaces, `_`/space/`-` separators are ignored (`Self direction`,
 *   `self_direction`, `SELF-DIRECTION`). The 19-value refinements fold back to the 10 basic values as in
 *   FULCRA's 19→10 map: `humility` → conformity, `face` → power, `caring`/`dependability` → benevolence,
 *   and so on. An unknown name is reported in `unknown`, not silently dropped.
 * - Duplicates: the same value listed twice with the same sign counts once. **Opposite signs for one
 *   value (19 rows in trustworthy-dev): −1 wins.** An opposed value is the safety-relevant signal, and in
 *   every such row at least one of the value's items is labelled −1, so the response does oppose the
 *   value in some respect. The value is reported in `conflicts`.
 */
import { TenetError } from '../errors.ts';
import { SCHWARTZ_VALUE_IDS, parseSchwartzValue, type SchwartzValueId } from '../values/schwartz.ts';

export { SCHWARTZ_VALUE_IDS, type SchwartzValueId };

/** A label in FULCRA's 3-class scheme: −1 opposed, 0 no connection, +1 important / supported. */
export type Polarity = -1 | 0 | 1;

export interface NormalisedLabels {
  /** 10 entries in SCHWARTZ_VALUE_IDS order, each −1, 0 or +1. */
  vector: Polarity[];
  /** Entries whose value name maps to none of the 10 values (after folding the 19-value names). */
  unknown: string[];
  /** Values listed with both signs; resolved to −1. */
  conflicts: SchwartzValueId[];
}

const MINUS = /[-\u2212\u2013\u2014]/;

/** Parse the score part of `"<type>: <score>"`. Returns undefined when it is not a recognised spelling. */
export function parseFulcraScore(raw: string): Polarity | undefined {
  const s = raw.replace(/\s+/g, '');
  if (/^[=+]{0,2}1\+?$/.test(s)) return 1; // +1, 1, 1+, =1, =+1
  if (/^[-\u2212\u2013\u2014]1$|^1[-\u2212\u2013\u2014]$/.test(s)) return -1; // -1, 1-, −1, –1
  if (/^[+-]?0$/.test(s)) return 0;
  if (MINUS.test(s) && /1/.test(s) && /^[-\u2212\u2013\u2014=+1]+$/.test(s)) return -1; // e.g. "=-1"
  return undefined;
}

/** Map a value-type name (10 or 19 value scheme, any case or separator) to a Schwartz id. */
export function valueIdOf(name: string): SchwartzValueId | undefined {
  return parseSchwartzValue(name);
}

export interface LabelContext {
  file?: string;
  line?: number;
  path?: string;
}

/**
 * Normalise one row's `value_types` list into a 10-vector in {−1, 0, +1}.
 * Throws BAD_INPUT for an entry that is not `name: score` or whose score is unrecognised.
 */
export function normaliseValueTypes(entries: readonly unknown[], where: LabelContext = {}): NormalisedLabels {
  const pos = new Set<SchwartzValueId>();
  const neg = new Set<SchwartzValueId>();
  const unknown: string[] = [];
  entries.forEach((entry, i) => {
    const path = `${where.path ?? 'value_types'}[${i}]`;
    if (typeof entry !== 'string') {
      throw new TenetError('BAD_INPUT', `value type entry is not a string: ${JSON.stringify(entry)}`, {
        hint: 'FULCRA value_types entries look like "benevolence: +1"',
        location: { ...where, path },
      });
    }
    const colon = entry.lastIndexOf(':');
    if (colon <= 0) {
      throw new TenetError('BAD_INPUT', `value type entry has no "name: score" form: ${JSON.stringify(entry)}`, {
        hint: 'FULCRA value_types entries look like "benevolence: +1"',
        location: { ...where, path },
      });
    }
    const name = entry.slice(0, colon).trim();
    const score = parseFulcraScore(entry.slice(colon + 1));
    if (score === undefined) {
      throw new TenetError('BAD_INPUT', `unrecognised score in value type entry ${JSON.stringify(entry)}`, {
        hint: 'accepted scores: +1, 1, 1+, =1 (support), -1 (opposed), 0',
        location: { ...where, path },
      });
    }
    const id = valueIdOf(name);
    if (id === undefined) {
      unknown.push(entry);
      return;
    }
    if (score === 1) pos.add(id);
    else if (score === -1) neg.add(id);
  });
  const conflicts: SchwartzValueId[] = [];
  const vector = SCHWARTZ_VALUE_IDS.map((id): Polarity => {
    if (neg.has(id)) {
      if (pos.has(id)) conflicts.push(id);
      return -1; // rule: −1 wins over +1
    }
    return pos.has(id) ? 1 : 0;
  });
  return { vector, unknown, conflicts };
}

export interface DialogueTurns {
  prompt: string;
  response: string;
}

/**
 * Split FULCRA's `dialogue` ("Human: <prompt>\nBob: <response>") into prompt and response.
 * The response is everything after the first `\nBob:`; both are trimmed. Throws BAD_INPUT when the
 * dialogue does not start with `Human:` or has no `Bob:` turn.
 */
export function parseFulcraDialogue(dialogue: string, where: LabelContext = {}): DialogueTurns {
  const text = dialogue.replace(/\r\n/g, '\n');
  const m = /^\s*Human:\s?/.exec(text);
  if (!m) {
    throw new TenetError('BAD_INPUT', 'dialogue does not start with "Human:"', {
      hint: 'FULCRA dialogues look like "Human: <prompt>\\nBob: <response>"',
      location: { ...where, path: where.path ?? 'dialogue' },
    });
  }
  const rest = text.slice(m[0].length);
  const bob = /\n\s*Bob:\s?/.exec(rest);
  if (!bob) {
    throw new TenetError('BAD_INPUT', 'dialogue has no "Bob:" turn', {
      hint: 'FULCRA dialogues look like "Human: <prompt>\\nBob: <response>"',
      location: { ...where, path: where.path ?? 'dialogue' },
    });
  }
  return { prompt: rest.slice(0, bob.index).trim(), response: rest.slice(bob.index + bob[0].length).trim() };
}

/** A vector in [−1,1] read as classes, as every judge is scored: > 0.5 → +1, < −0.5 → −1, else 0. */
export function polarityOf(x: number): Polarity {
  return x > 0.5 ? 1 : x < -0.5 ? -1 : 0;
}
