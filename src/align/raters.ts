/**
 * Models asked for a number about a (prompt, response): a quality rating (the alignment tax: does moving
 * toward a target cost helpfulness?) and a model's own utility of an action (U_A for the misalignment
 * losses). Prompts are versioned files in prompts/align/; the version is stored with every rating.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { generateObject } from '../models/structured.ts';
import type { Provider } from '../models/types.ts';

export const RATER_PROMPT_VERSION = 'v1';

export interface Rating {
  score: number;
  rationale: string;
}

export interface Rater {
  /** e.g. `quality:openai:gpt-4o-mini`. */
  readonly id: string;
  readonly version: string;
  /** The score range. */
  readonly min: number;
  readonly max: number;
  rate(item: { prompt: string; response: string }, options?: { signal?: AbortSignal }): Promise<Rating>;
}

function template(name: string): string {
  return readFileSync(new URL(`../../prompts/align/${name}.${RATER_PROMPT_VERSION}.md`, import.meta.url), 'utf8');
}

function rater(kind: 'quality' | 'rate', provider: Provider, min: number, max: number): Rater {
  const text = template(kind);
  const schema = z.object({ score: z.number().int().min(min).max(max), rationale: z.string() });
  return {
    id: `${kind}:${provider.spec}`,
    version: RATER_PROMPT_VERSION,
    min,
    max,
    async rate(item, options = {}) {
      const content = text.replace(/\{\{(prompt|response)\}\}/g, (_, k: 'prompt' | 'response') => item[k]);
      const { value } = await generateObject(provider, { messages: [{ role: 'user', content }], temperature: 0 }, schema, {
        name: kind === 'quality' ? 'quality_rating' : 'utility_rating',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      return value;
    },
  };
}

/** Helpfulness/quality on 1–10 (prompts/align/quality.v1.md). */
export function qualityRater(provider: Provider): Rater {
  return rater('quality', provider, 1, 10);
}

/** The model's own utility of an action, −10…10 (prompts/align/rate.v1.md). */
export function utilityRater(provider: Provider): Rater {
  return rater('rate', provider, -10, 10);
}
