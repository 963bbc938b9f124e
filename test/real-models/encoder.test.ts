/**
 * The local sentence encoder (all-MiniLM-L6-v2, converted to GGUF by scripts/fetch-models) against the
 * original model: vectors computed from the safetensors weights with numpy (scripts/models/bert-reference.py,
 * committed in test/fixtures/models/) must match to cosine ≥ 0.999; paraphrases must be closer than
 * unrelated sentences; and `tenet models embed` must print the vectors.
 */
import { readFileSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { createEncoder } from '../../src/models/encoder.ts';
import { unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { cosineSimilarity } from '../../src/moralgraph/elicit/dedupe.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels, ENCODER } from '../support/real-models.ts';

const reference = JSON.parse(readFileSync(new URL('../fixtures/models/all-minilm-l6-v2-reference.json', import.meta.url), 'utf8')) as { sentences: string[]; embeddings: number[][] };

afterAll(() => unloadLlamaModels());

describeRealModels('the local encoder (all-MiniLM-L6-v2)', () => {
  const encoder = createEncoder(ENCODER);

  it('reproduces the original model\'s sentence embeddings (numpy reference)', async () => {
    const vectors = await encoder.embed(reference.sentences);
    expect(vectors).toHaveLength(reference.sentences.length);
    vectors.forEach((v, i) => {
      expect(v.length).toBe(384);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      expect(cosineSimilarity(v, reference.embeddings[i]!)).toBeGreaterThan(0.999);
    });
  });

  it('puts paraphrases closer together than unrelated sentences', async () => {
    const pairs: [string, string, string][] = [
      ['He returned the lost wallet to its owner.', 'He gave the wallet he found back to the person who lost it.', 'The recipe needs two cups of flour.'],
      ['Always tell the truth, even when it is hard.', 'Be honest even when honesty is difficult.', 'The train to Leeds leaves at nine.'],
      ['She cheated on the exam to get a better grade.', 'To raise her mark, she copied answers during the test.', 'Whales migrate thousands of kilometres each year.'],
    ];
    for (const [a, paraphrase, unrelated] of pairs) {
      const [va, vp, vu] = await encoder.embed([a, paraphrase, unrelated]);
      expect(cosineSimilarity(va!, vp!)).toBeGreaterThan(cosineSimilarity(va!, vu!) + 0.3);
    }
  });

  it('cuts a text longer than the model\'s context instead of failing (a 2,000-word response embeds like its first 509 tokens)', async () => {
    const long = 'The committee argued about the budget for hours. '.repeat(250);
    const [v] = await encoder.embed([long]);
    expect(v).toHaveLength(384);
    let norm = 0;
    for (const x of v!) norm += x * x;
    expect(norm).toBeCloseTo(1, 5);
  });

  it('tenet models embed prints the vectors and their similarities', async () => {
    const out = await runCli(['--json', 'models', 'embed', ENCODER, 'A man plays a guitar.', 'Someone is playing an instrument.', 'Stocks fell today.']);
    expect(out.code, out.stderr).toBe(0);
    const result = JSON.parse(out.stdout) as { model: string; dimensions: number; vectors: number[][]; similarity: number[][] };
    expect(result).toMatchObject({ model: ENCODER, dimensions: 384 });
    expect(result.vectors).toHaveLength(3);
    expect(result.similarity[0]![1]!).toBeGreaterThan(result.similarity[0]![2]!);
  });
});
