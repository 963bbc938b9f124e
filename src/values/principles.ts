/**
 * Value principles: short rules of thumb ("It's wrong to break a promise to a friend.") that a story
 * continuation can keep or violate, each tagged with one of the five core Moral Foundations and a
 * polarity. This is the unit DeNEVIL / MoralPrompt builds its provocative prompts around.
 *
 * The library ships as JSONL (data/principles/principles.jsonl, one object per line); users can bring their
 * own file of the same shape. `loadPrinciples` streams a file line by line and rejects a malformed line
 * with a BAD_INPUT TenetError at file:line naming the field. `findNearDuplicates` flags pairs of
 * principles that say the same thing in different words.
 */
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TenetError } from '../errors.ts';
import { lineError, readJsonl, uniqueIds } from '../jsonl.ts';
import { MFT_CORE_IDS, type MftCoreId } from './mft.ts';

// ---------------------------------------------------------------------------------------------------------
// Shape

/** "virtue": the principle prescribes the virtue; "vice": it proscribes the vice. */
export const PRINCIPLE_POLARITIES = ['virtue', 'vice'] as const;
export type PrinciplePolarity = (typeof PRINCIPLE_POLARITIES)[number];

export interface Principle {
  /** Stable id. The shipped library uses the foundation plus a 4-digit counter: `care-0001`. */
  id: string;
  foundation: MftCoreId;
  polarity: PrinciplePolarity;
  /** The rule of thumb itself, one short sentence. */
  principle: string;
}

/** Ids any principle file may use: letters, digits, `_`, `.`, `-`, starting with a letter or digit. */
export const PRINCIPLE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Ids of the shipped library: `<foundation>-<4 digits>`. */
export const SHIPPED_PRINCIPLE_ID_PATTERN = /^(care|fairness|loyalty|authority|sanctity)-\d{4}$/;

/** Longest principle text accepted, in characters. */
export const PRINCIPLE_MAX_LENGTH = 300;

/** One line of a principles file. Fields other than these four are ignored. */
export const PrincipleSchema = z.object({
  id: z.string().regex(PRINCIPLE_ID_PATTERN),
  foundation: z.enum(MFT_CORE_IDS),
  polarity: z.enum(PRINCIPLE_POLARITIES),
  principle: z.string().trim().min(1).max(PRINCIPLE_MAX_LENGTH),
});

/** The fields in the order they are checked, so the first problem reported is stable. */
const FIELDS = ['id', 'foundation', 'polarity', 'principle'] as const;
type Field = (typeof FIELDS)[number];

// ---------------------------------------------------------------------------------------------------------
// Loading

/** The shipped library. `../../data` resolves from both src/values/ and dist/values/. */
export const DEFAULT_PRINCIPLES_URL = new URL('../../data/principles/principles.jsonl', import.meta.url);

/** The shipped library as a file path. */
export const DEFAULT_PRINCIPLES_FILE = fileURLToPath(DEFAULT_PRINCIPLES_URL);

const LINE_HINT =
  'each line must be a JSON object {"id", "foundation", "polarity", "principle"}; foundation is one of ' +
  `${MFT_CORE_IDS.join(', ')} and polarity is "virtue" or "vice"`;

function badLine(file: string, line: number, message: string, field?: Field): TenetError {
  return lineError(file, line, `${field ? `field "${field}": ` : ''}${message}`, { hint: LINE_HINT, ...(field ? { path: field } : {}) });
}

function describeField(field: Field, value: unknown): string {
  if (value === undefined) return 'missing';
  const shown = JSON.stringify(value);
  switch (field) {
    case 'id':
      return typeof value === 'string'
        ? `bad id ${shown}: use letters, digits, "_", "." or "-" (at most 64 characters), e.g. "care-0001"`
        : `expected a string, got ${shown}`;
    case 'foundation':
      return `unknown foundation ${shown}; expected one of ${MFT_CORE_IDS.join(', ')}`;
    case 'polarity':
      return `bad polarity ${shown}; expected "virtue" or "vice"`;
    case 'principle':
      return typeof value === 'string'
        ? value.trim() === ''
          ? 'must not be empty'
          : `too long (${value.trim().length} characters, at most ${PRINCIPLE_MAX_LENGTH})`
        : `expected a string, got ${shown}`;
  }
}

/** Validate one parsed line; throws BAD_INPUT naming file, line and field. */
function parsePrincipleObject(file: string, line: number, value: unknown): Principle {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw badLine(file, line, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const result = PrincipleSchema.safeParse(value);
  if (result.success) return result.data;
  const record = value as Record<string, unknown>;
  const failed = new Set(result.error.issues.map((issue) => String(issue.path[0])));
  const field = FIELDS.find((f) => failed.has(f)) ?? 'id';
  throw badLine(file, line, describeField(field, record[field]), field);
}

/**
 * Stream the principles of a JSONL file, one per non-blank line, in file order. Throws BAD_INPUT at
 * file:line for a line that is not JSON, not an object, lacks a field, has an unknown foundation or a bad
 * polarity, or repeats an earlier id; NOT_FOUND when the file does not exist.
 */
export async function* streamPrinciples(file: string | URL = DEFAULT_PRINCIPLES_URL): AsyncGenerator<Principle> {
  const path = file instanceof URL ? fileURLToPath(file) : file;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a file');
  } catch {
    throw new TenetError('NOT_FOUND', `principles file not found: ${path}`, {
      location: { file: path },
      hint: 'pass a JSONL file of principles, one {"id", "foundation", "polarity", "principle"} object a line',
    });
  }
  const checkId = uniqueIds(path);
  for await (const [line, value] of readJsonl(path, { hint: LINE_HINT })) {
    const principle = parsePrincipleObject(path, line, value);
    checkId(principle.id, line);
    yield principle;
  }
}

/**
 * Load every principle of a JSONL file (default: the shipped library). A file with no principles at all is
 * BAD_INPUT too.
 */
export async function loadPrinciples(file: string | URL = DEFAULT_PRINCIPLES_URL): Promise<Principle[]> {
  const out: Principle[] = [];
  for await (const principle of streamPrinciples(file)) out.push(principle);
  if (out.length === 0) {
    const path = file instanceof URL ? fileURLToPath(file) : file;
    throw new TenetError('BAD_INPUT', `${path}: no principles in the file`, {
      location: { file: path },
      hint: 'add at least one {"id", "foundation", "polarity", "principle"} line',
    });
  }
  return out;
}

/** Principles grouped by foundation, every core foundation present (possibly empty), file order kept. */
export function principlesByFoundation<P extends Pick<Principle, 'foundation'>>(
  principles: readonly P[],
): Record<MftCoreId, P[]> {
  const out = Object.fromEntries(MFT_CORE_IDS.map((id) => [id, [] as P[]])) as Record<MftCoreId, P[]>;
  for (const p of principles) out[p.foundation].push(p);
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Normalisation and near-duplicates

/**
 * Function words and the words of the rule-of-thumb frame ("it's wrong to", "you should", "it's cruel
 * to"), which every principle shares and which say nothing about what the rule is about.
 */
const STOP_WORDS = new Set([
  'a', 'an', 'the', 'and', 'or', 'but', 'nor', 'so', 'as', 'than', 'then', 'if', 'when', 'while', 'because',
  'to', 'of', 'for', 'in', 'on', 'at', 'by', 'with', 'from', 'into', 'onto', 'about', 'up', 'out', 'off',
  'it', 'its', 'is', 'are', 'was', 'were', 'be', 'been', 'being', 'am', 'do', 'does', 'did', 'done',
  'have', 'has', 'had', 'will', 'would', 'can', 'could', 'should', 'shall', 'may', 'might', 'must', 'ought',
  'not', 'no', 'never', 'always', 'just', 'even', 'very', 'also', 'too',
  'i', 'me', 'my', 'we', 'us', 'our', 'you', 'your', 'yours', 'yourself', 'he', 'him', 'his', 'she', 'her',
  'they', 'them', 'their', 'themselves', 'this', 'that', 'these', 'those', 'who', 'whom', 'which', 'what',
  'someone', 'somebody', 'anyone', 'anybody', 'one', 'people', 'person', 'other', 'others', 'all', 'any', 'some',
  'wrong', 'bad', 'good', 'right', 'okay', 'ok', 'cruel', 'rude', 'degrading', 'acceptable', 'fine',
]);

/** Lower-case, straighten quotes, expand "n't" and drop "'s", keep letters, digits and single spaces. */
function cleanText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'")
    .replace(/\bcan't\b/g, 'can not')
    .replace(/\bwon't\b/g, 'will not')
    .replace(/n't\b/g, ' not')
    .replace(/'s\b/g, '')
    .replace(/'(re|ve|ll|d|m)\b/g, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * The text reduced for exact-duplicate checks: lower case, punctuation and spacing removed, contractions
 * expanded. "It's wrong to lie." and "it’s WRONG to lie" normalise the same.
 */
export function normalisePrinciple(text: string): string {
  return cleanText(text);
}

/** Common irregular verb forms, mapped to the base form before stemming. */
const IRREGULAR: Readonly<Record<string, string>> = {
  made: 'make', broke: 'break', broken: 'break', stole: 'steal', stolen: 'steal', told: 'tell', left: 'leave',
  took: 'take', taken: 'take', gave: 'give', given: 'give', kept: 'keep', ate: 'eat', eaten: 'eat', went: 'go',
  gone: 'go', sold: 'sell', bought: 'buy', brought: 'bring', caught: 'catch', thought: 'think', found: 'find',
  paid: 'pay', said: 'say', lied: 'lie', lying: 'lie', dying: 'die', died: 'die', fed: 'feed', hid: 'hide',
  hidden: 'hide', wrote: 'write', written: 'write', spoke: 'speak', spoken: 'speak', threw: 'throw',
  thrown: 'throw', forgot: 'forget', forgotten: 'forget', fought: 'fight', swore: 'swear', sworn: 'swear',
  children: 'child', men: 'man', women: 'woman', teeth: 'tooth', feet: 'foot', mice: 'mouse',
};

/**
 * Light stemming: irregular forms to their base, then suffix stripping; enough that "breaking"/"broke"/
 * "break", "promised"/"promise" and "friends"/"friend" meet. Not a full stemmer, and need not be: both
 * sides of every comparison go through it.
 */
export function stemWord(word: string): string {
  let w = IRREGULAR[word] ?? word;
  if (w.length <= 3) return w;
  if (w.endsWith('ies') && w.length > 4) w = `${w.slice(0, -3)}y`;
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('ly') && w.length > 4) w = w.slice(0, -2);
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

/** The content words of a principle: cleaned, stop-words and the rule frame dropped, lightly stemmed. */
export function contentWords(text: string): string[] {
  return cleanText(text)
    .split(' ')
    .filter((w) => w !== '' && !STOP_WORDS.has(w))
    .map(stemWord);
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  if (a.size === 0 && b.size === 0) return 1;
  let shared = 0;
  for (const x of a) if (b.has(x)) shared++;
  return shared / (a.size + b.size - shared);
}

/** Character 3-gram counts over the content words, each word padded with a space on both sides. */
function trigrams(words: readonly string[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const word of [...new Set(words)].sort()) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      const g = padded.slice(i, i + 3);
      out.set(g, (out.get(g) ?? 0) + 1);
    }
  }
  return out;
}

function cosine(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (const [g, x] of a) {
    na += x * x;
    const y = b.get(g);
    if (y !== undefined) dot += x * y;
  }
  for (const y of b.values()) nb += y * y;
  if (na === 0 || nb === 0) return na === nb ? 1 : 0;
  return dot / Math.sqrt(na * nb);
}

export interface PrincipleSimilarity {
  /** Jaccard overlap of the two sets of stemmed content words. */
  jaccard: number;
  /** Cosine of the character 3-gram count vectors of the content words. */
  cosine: number;
  /** The score compared with the threshold: the mean of `jaccard` and `cosine`. */
  similarity: number;
}

interface Fingerprint {
  words: Set<string>;
  grams: Map<string, number>;
}

function fingerprint(text: string): Fingerprint {
  const words = contentWords(text);
  return { words: new Set(words), grams: trigrams(words) };
}

function compare(a: Fingerprint, b: Fingerprint): PrincipleSimilarity {
  const j = jaccard(a.words, b.words);
  const c = cosine(a.grams, b.grams);
  return { jaccard: j, cosine: c, similarity: (j + c) / 2 };
}

/**
 * How alike two principles are, 0..1. Word overlap (Jaccard) catches reworded sentences with the same
 * content words; character 3-grams catch the same words in other forms ("promise"/"promising") and
 * compounds. Their mean is the similarity.
 */
export function principleSimilarity(a: string, b: string): PrincipleSimilarity {
  return compare(fingerprint(a), fingerprint(b));
}

/**
 * The threshold the shipped library is kept under: no pair of shipped principles scores this high, while
 * a plain paraphrase ("It's wrong to break a promise to a friend." / "Breaking a promise made to a friend
 * is wrong.") scores about 0.8 and a rewording that swaps one content word ("wash your hands before
 * preparing food" / "before you cook") about 0.58. Lexical, so it cannot see synonyms: "steal from your
 * employer" / "steal from the company you work for" scores about 0.3, and such pairs need a human eye.
 */
export const NEAR_DUPLICATE_THRESHOLD = 0.55;

export interface NearDuplicate<P> extends PrincipleSimilarity {
  a: P;
  b: P;
}

/**
 * Every pair of principles whose similarity is at least `threshold`, most similar first (ties in file
 * order). Compares across foundations too: the same rule should not be filed twice. O(n²); a few thousand
 * principles take well under a second.
 */
export function findNearDuplicates<P extends Pick<Principle, 'principle'>>(
  principles: readonly P[],
  threshold: number = NEAR_DUPLICATE_THRESHOLD,
): NearDuplicate<P>[] {
  if (!(threshold >= 0 && threshold <= 1)) {
    throw new TenetError('BAD_USAGE', `near-duplicate threshold must be between 0 and 1, got ${threshold}`);
  }
  const prints = principles.map((p) => fingerprint(p.principle));
  const found: Array<NearDuplicate<P> & { i: number; k: number }> = [];
  for (let i = 0; i < principles.length; i++) {
    for (let k = i + 1; k < principles.length; k++) {
      const s = compare(prints[i]!, prints[k]!);
      if (s.similarity >= threshold) found.push({ a: principles[i]!, b: principles[k]!, ...s, i, k });
    }
  }
  found.sort((x, y) => y.similarity - x.similarity || x.i - y.i || x.k - y.k);
  return found.map(({ i: _i, k: _k, ...pair }) => pair);
}
