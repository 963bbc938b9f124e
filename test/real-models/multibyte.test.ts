/**
 * llamacpp: multi-byte characters split across tokens (issue 22, item 19). SmolLM2's byte-level BPE (like
 * Gemma's byte fallback for the characters its vocabulary lacks) splits é, 東 or 🙂 over several tokens,
 * each of which decodes alone to U+FFFD. Text that tenet hands on (a reply, streamed or whole; the per-token
 * strings of a score) must be the model's own decode of all the tokens, with no U+FFFD that it lacks.
 */
import { afterAll, expect, it } from 'vitest';
import { createModel } from '../../src/models/index.ts';
import { loadLlamaModel, tokenTexts, unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { localModelPath } from '../../src/models/local-files.ts';
import { describeRealModels, SMOL } from '../support/real-models.ts';

const TEXT = ' café naïve — 東京 🙂 Ωμέγα 🎉';
const FFFD = '\uFFFD';

afterAll(() => unloadLlamaModels());

describeRealModels('llamacpp: multi-byte characters split across tokens', () => {
  it('tokenTexts: the pieces of each token join to the full decode, where token-by-token decoding gives U+FFFD', async () => {
    const { model } = await loadLlamaModel(localModelPath('smollm2-135m-instruct-q4_1'), undefined);
    const tokens: number[] = model.tokenize(TEXT);
    const full: string = model.detokenize(tokens);
    expect(full).toBe(TEXT);
    // the case is real: decoding one token at a time corrupts the characters
    expect(tokens.map((t) => model.detokenize([t]) as string).join('')).toContain(FFFD);
    const pieces = tokenTexts(model, tokens);
    expect(pieces).toHaveLength(tokens.length);
    expect(pieces.join('')).toBe(full);
    expect(pieces.some((p) => p.includes(FFFD))).toBe(false);
    expect(pieces).toContain(''); // the leading bytes of a split character
    // bytes that never form a character stay U+FFFD, as in the full decode, and nothing is lost
    const broken = [...model.tokenize(' crossh'), tokens[pieces.indexOf('')]!, ...model.tokenize('.')];
    expect(tokenTexts(model, broken).join('')).toBe(model.detokenize(broken));
    expect(model.detokenize(broken)).toContain(FFFD);
  });

  // SmolLM2 only: Gemma's 262k vocabulary holds these characters whole (and scores ~7× slower)
  it('score: the per-token strings join to the continuation, with no U+FFFD', async () => {
    const scored = await createModel(SMOL).score({ prompt: 'Repeat this:', continuation: TEXT });
    expect(scored.tokens.join('')).toBe(TEXT);
    expect(scored.tokens.some((t) => t.includes(FFFD))).toBe(false);
    expect(scored.tokens).toContain('');
    expect(scored.logprobs).toHaveLength(scored.tokens.length);
    expect(scored.logprobs.every((l) => Number.isFinite(l) && l <= 0)).toBe(true);
  });

  it('chat: the streamed deltas join to the reply, with no U+FFFD, also when max tokens cuts a character', async () => {
    const model = createModel(SMOL);
    const messages = [{ role: 'user' as const, content: `Say:${TEXT} 東京 🙂` }];
    const texts: string[] = [];
    for (const maxTokens of [2, 3, 5, 30]) {
      const deltas: string[] = [];
      const r = await model.chat({ messages, temperature: 0, maxTokens }, { noCache: true, onDelta: (_, d) => deltas.push(d) });
      expect(deltas.join(''), `maxTokens ${maxTokens}`).toBe(r.text);
      expect(r.text, `maxTokens ${maxTokens}`).not.toContain(FFFD);
      texts.push(r.text);
    }
    // the replies have multi-byte characters, so the case is exercised
    expect(texts.join('')).toMatch(/[^\u0000-\u007f]/);
  });
});
