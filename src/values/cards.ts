/**
 * Values cards, as used by Moral Graph Elicitation: a short title, a description of how to act, and 3–7
 * attentional policies (what someone living by the value pays attention to when choosing).
 */
import { z } from 'zod';
import { TenetError } from '../errors.ts';
import { formatPath } from '../datafile.ts';

export const VALUES_CARD_TITLE_MAX = 80;
export const VALUES_CARD_MIN_POLICIES = 3;
export const VALUES_CARD_MAX_POLICIES = 7;

export interface ValuesCard {
  title: string;
  description: string;
  policies: string[];
}

function policyKey(policy: string): string {
  return policy.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Zod schema for a values card. Extra fields are dropped; strings are trimmed. */
/** Count and duplicate problems of a policy list (entries that are not strings are skipped). */
function policyListIssues(policies: readonly unknown[]): { path: (string | number)[]; message: string }[] {
  const out: { path: (string | number)[]; message: string }[] = [];
  const n = policies.length;
  if (n < VALUES_CARD_MIN_POLICIES || n > VALUES_CARD_MAX_POLICIES) {
    out.push({
      path: [],
      message: `expected ${VALUES_CARD_MIN_POLICIES} to ${VALUES_CARD_MAX_POLICIES} attentional policies, got ${n}`,
    });
  }
  const first = new Map<string, number>();
  policies.forEach((p, i) => {
    if (typeof p !== 'string') return;
    const k = policyKey(p);
    if (!k) return;
    const j = first.get(k);
    if (j === undefined) first.set(k, i);
    else out.push({ path: [i], message: `duplicates policies[${j}]` });
  });
  return out;
}

/** Zod schema for a values card. Extra fields are dropped; strings are trimmed. */
export const ValuesCardSchema = z.object({
  title: z
    .string({ error: (iss) => (iss.input === undefined ? 'missing (a short name for the value)' : 'expected a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(VALUES_CARD_TITLE_MAX, { error: `must be at most ${VALUES_CARD_TITLE_MAX} characters` }),
  description: z
    .string({ error: (iss) => (iss.input === undefined ? 'missing (how someone with this value acts)' : 'expected a string') })
    .trim()
    .min(1, { error: 'must not be empty' }),
  policies: z
    .array(z.string({ error: 'expected a string' }).trim().min(1, { error: 'must not be empty' }), {
      error: (iss) => (iss.input === undefined ? 'missing (a list of 3 to 7 attentional policies)' : 'expected a list of strings'),
    })
    .superRefine((policies, ctx) => {
      for (const issue of policyListIssues(policies)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }),
});

export interface CardIssue {
  /** Field path, e.g. `policies[2]`. */
  path: string;
  message: string;
}

/** Every problem with a would-be values card; an empty list means it is valid. */
export function valuesCardIssues(x: unknown): CardIssue[] {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    return [{ path: '', message: 'expected an object with title, description and policies' }];
  }
  const result = ValuesCardSchema.safeParse(x);
  if (result.success) return [];
  const issues = result.error.issues.map((iss) => ({ path: formatPath(iss.path), message: iss.message }));
  // zod skips the list refinement when an entry is bad; run it on the raw list so nothing goes unreported.
  const raw = (x as { policies?: unknown }).policies;
  if (Array.isArray(raw)) {
    for (const issue of policyListIssues(raw)) {
      const path = formatPath(['policies', ...issue.path]);
      if (!issues.some((i) => i.path === path && i.message === issue.message)) issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

/**
 * Return the card (trimmed, extra fields dropped) or throw TenetError('BAD_INPUT') whose message starts with
 * the first problem's field path, e.g. `policies: expected 3 to 7 attentional policies, got 2`.
 * `source` (a file name) goes into the error's location.
 */
export function validateValuesCard(x: unknown, options: { source?: string } = {}): ValuesCard {
  const issues = valuesCardIssues(x);
  if (issues.length === 0) return ValuesCardSchema.parse(x);
  const lines = issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message));
  const message = lines.length === 1 ? lines[0]! : `${lines[0]} (and ${lines.length - 1} more: ${lines.slice(1).join('; ')})`;
  throw new TenetError('BAD_INPUT', `invalid values card: ${message}`, {
    hint: `a values card is {title: a short name (≤ ${VALUES_CARD_TITLE_MAX} characters), description, policies: ${VALUES_CARD_MIN_POLICIES}–${VALUES_CARD_MAX_POLICIES} distinct attentional policies}`,
    location: {
      ...(options.source ? { file: options.source } : {}),
      ...(issues[0]!.path ? { path: issues[0]!.path } : {}),
    },
    details: { issues },
  });
}
