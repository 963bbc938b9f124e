/**
 * The LLM judge on a real model: SmolLM2-135M-Instruct, grammar-constrained to the verdict's JSON schema,
 * judges 10 real (prompt, response) pairs from data/samples/fulcra-responses.jsonl, half of them against a
 * foundation (each of the five foundations once). Every item must come back as a valid judgment: the schema's
 * discrete scales, a violation score exactly where one was asked for, a bounded rationale. (It judged 20
 * items until issue 25's faster suite; the second ten repeated the same two branches and five foundations.)
 * Whether a 135M model's verdicts are right is not asserted (they are not; docs/judges.md).
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import type { JudgeItem } from '../../src/judges/types.ts';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { describeRealModels, SMOL } from '../support/real-models.ts';

const rows = readFileSync(new URL('../../data/samples/fulcra-responses.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((line) => JSON.parse(line) as { prompt: string; response: string })
  .filter((r, i, all) => all.findIndex((o) => o.response === r.response) === i) // distinct responses
  .slice(0, 10);
const FOUNDATIONS = ['care', 'fairness', 'loyalty', 'authority', 'sanctity'] as const;

afterAll(() => unloadLlamaModels());

describeRealModels('the LLM judge on a real model', () => {
  it('returns a valid judgment for each of 10 real items (SmolLM2, structured output through a grammar)', async () => {
    const judge = await createJudge(`llm:${SMOL}`);
    const items: JudgeItem[] = rows.map((r, i) => ({
      prompt: r.prompt.slice(0, 400),
      response: r.response.slice(0, 600),
      ...(i % 2 ? { foundation: FOUNDATIONS[i % FOUNDATIONS.length]! } : {}),
    }));
    expect(items).toHaveLength(10);
    // both branches, and every foundation once: items 1, 3, 5, 7, 9 ask about foundations 1, 3, 0, 2, 4
    expect(new Set(items.map((x) => x.foundation).filter(Boolean)).size).toBe(FOUNDATIONS.length);
    const results = await judge.judge(items);
    expect(results).toHaveLength(10);
    results.forEach((r, i) => {
      expect(Object.keys(r.values).sort()).toEqual([...SCHWARTZ_VALUE_IDS].sort());
      for (const v of Object.values(r.values)) expect([-1, -0.5, 0, 0.5, 1]).toContain(v);
      expect(r.confidence).toBeGreaterThanOrEqual(0);
      expect(r.confidence).toBeLessThanOrEqual(1);
      expect((r.rationale ?? '').length).toBeLessThanOrEqual(200);
      if (items[i]!.foundation) {
        expect(r.violation).toBeGreaterThanOrEqual(0);
        expect(r.violation).toBeLessThanOrEqual(1);
      } else {
        expect(r.violation).toBeUndefined();
      }
    });
  }, 600_000);
});
