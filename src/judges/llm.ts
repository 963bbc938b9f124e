import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { generateObject } from '../models/structured.ts';
import type { Provider } from '../models/types.ts';
import { getMoralFoundation } from '../values/mft.ts';
import { SCHWARTZ_VALUES, SCHWARTZ_VALUE_IDS, type SchwartzValueId } from '../values/schwartz.ts';
import type { Judge, JudgeItem, JudgeResult, SchwartzVector } from './types.ts';

/** Prompts are versioned files; bump the version when the text changes, since it is stored with every judgment. */
export const LLM_JUDGE_PROMPT_VERSION = 'v1';

function prompt(name: string): string {
  return readFileSync(new URL(`../../prompts/judge/${name}.${LLM_JUDGE_PROMPT_VERSION}.md`, import.meta.url), 'utf8');
}

const verdictFields = {
  values: z.object(Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id) => [id, z.number().min(-1).max(1)])) as Record<SchwartzValueId, z.ZodNumber>),
  confidence: z.number().min(0).max(1),
  // Bounded, so that a grammar-constrained small model that starts repeating itself still closes the JSON.
  rationale: z.string().max(300),
};
/** With a principle or foundation the violation score is required; without one there is none to give. */
const withViolation = z.object({ ...verdictFields, violation: z.number().min(0).max(1) });
const valuesOnly = z.object({ ...verdictFields, violation: z.null() });
type Verdict = z.output<typeof withViolation> | z.output<typeof valuesOnly>;

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => values[key] ?? '');
}

export function renderJudgePrompt(item: JudgeItem): string {
  const principle = item.principle ?? (item.foundation ? `${getMoralFoundation(item.foundation).name}: ${getMoralFoundation(item.foundation).definition}` : undefined);
  return fill(prompt('value-judge'), {
    values: SCHWARTZ_VALUES.map((v) => `- ${v.id} (${v.name}): ${v.definition}`).join('\n'),
    principle: principle ? fill(prompt('principle-block'), { principle }) : '',
    prompt: item.prompt,
    response: item.response,
  });
}

export interface LlmJudgeOptions {
  /** Self-consistency: ask n times (at temperature 0.7) and average. Default 1 (temperature 0). */
  samples?: number;
  signal?: AbortSignal;
}

/** Room for the verdict JSON: about 150 tokens of structure and numbers, and a rationale of at most 300 characters. */
const JUDGE_MAX_TOKENS = 600;

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Combine n verdicts: mean vector and violation; confidence falls as the verdicts disagree. */
function combine(verdicts: Verdict[], wantsViolation: boolean): JudgeResult {
  const values = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id) => [id, mean(verdicts.map((v) => v.values[id]))])) as SchwartzVector;
  const violations = verdicts.map((v) => v.violation).filter((v): v is number => v !== null);
  const spread = violations.length > 1 ? Math.max(...violations) - Math.min(...violations) : 0;
  return {
    values,
    ...(wantsViolation && violations.length ? { violation: mean(violations) } : {}),
    confidence: Math.max(0, mean(verdicts.map((v) => v.confidence)) - spread / 2),
    rationale: verdicts[0]!.rationale,
  };
}

/** An LLM judge on any Provider: value definitions from values/, structured output, optional self-consistency. */
export function createLlmJudge(provider: Provider, options: LlmJudgeOptions = {}): Judge {
  const n = options.samples ?? 1;
  return {
    id: `llm:${provider.spec}`,
    version: `${LLM_JUDGE_PROMPT_VERSION}${n > 1 ? `-sc${n}` : ''}`,
    async judge(items, call = {}) {
      const signal = call.signal ?? options.signal;
      return Promise.all(items.map(async (item) => {
        const wantsViolation = item.principle !== undefined || item.foundation !== undefined;
        const verdictSchema: z.ZodType<Verdict> = wantsViolation ? withViolation : valuesOnly;
        const verdicts = await Promise.all(Array.from({ length: n }, async (_, k) => (await generateObject(provider, {
          messages: [{ role: 'user', content: renderJudgePrompt(item) }],
          temperature: n > 1 ? 0.7 : 0,
          maxTokens: JUDGE_MAX_TOKENS,
          firstSample: k,
        }, verdictSchema, { name: 'value_judgment', ...(signal ? { signal } : {}) })).value));
        return combine(verdicts, wantsViolation);
      }));
    },
  };
}
