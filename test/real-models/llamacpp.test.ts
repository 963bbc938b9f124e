/**
 * llamacpp: on real GGUF models (SmolLM2-135M-Instruct, Gemma 3 270M): the CLI's `models test` and `models
 * score`, sampling parameters, grammar-constrained JSON, cancellation, one shared load, and clear errors.
 */
import { mkdtempSync, openSync, readSync, closeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createModel } from '../../src/models/index.ts';
import { loadedLlamaModelCount, sequencePool, unloadLlamaModels } from '../../src/models/llama-runtime.ts';
import { localModelPath } from '../../src/models/local-files.ts';
import { runCli } from '../support/cli.ts';
import { describeRealModels, GEMMA, SMOL } from '../support/real-models.ts';

const NATURAL = ' The children walked to school together on a cold winter morning.';
const SHUFFLED = ' winter school The on together morning children cold to walked a.';

afterAll(() => unloadLlamaModels());

describeRealModels('llamacpp: real GGUF models through the CLI', () => {
  for (const spec of [SMOL, GEMMA]) {
    it(`models test ${spec} answers with text and token usage`, async () => {
      const out = await runCli(['--json', 'models', 'test', spec, '--no-cache', '--prompt', 'Name one colour.']);
      expect(out.code, out.stderr).toBe(0);
      const result = JSON.parse(out.stdout);
      expect(result.text.trim().length).toBeGreaterThan(0);
      expect(result.usage.inputTokens).toBeGreaterThan(3);
      expect(result.usage.outputTokens).toBeGreaterThan(0);
      expect(result.usage.outputTokens).toBeLessThanOrEqual(64);
    });

    it(`models score ${spec}: a natural sentence has a higher mean log-probability than the same words shuffled`, async () => {
      const score = async (continuation: string) => {
        const out = await runCli(['--json', 'models', 'score', spec, '--prompt', 'Here is a sentence:', '--continuation', continuation]);
        expect(out.code, out.stderr).toBe(0);
        return JSON.parse(out.stdout) as { tokens: number; logprob: number; mean: number; perToken: { token: string; logprob: number }[] };
      };
      const natural = await score(NATURAL);
      const shuffled = await score(SHUFFLED);
      expect(natural.tokens).toBeGreaterThan(5);
      expect(natural.perToken.map((t) => t.token).join('')).toBe(NATURAL);
      expect(natural.logprob).toBeCloseTo(natural.perToken.reduce((s, t) => s + t.logprob, 0), 6);
      expect(natural.mean).toBeCloseTo(natural.logprob / natural.tokens, 9);
      expect(natural.perToken.every((t) => t.logprob <= 0 && Number.isFinite(t.logprob))).toBe(true);
      expect(natural.mean).toBeGreaterThan(shuffled.mean + 1);
    });

    it(`score on ${spec} equals the log-softmax of the full next-token distribution within 1e-4 nats per token`, async () => {
      const prompt = 'Once upon a time, in a small village by the sea,';
      const continuation = ' there lived an old fisherman who went out every morning before dawn, whatever the weather, to catch fish for the market.';
      const scored = await createModel(spec).score!({ prompt, continuation });
      // The reference: the whole vocabulary's probabilities at every position (the slow path score replaced).
      const { model, pool } = await sequencePool(localModelPath(spec.slice('llamacpp:'.length)), {});
      const context = [...(model.tokens.shouldPrependBosToken && model.tokens.bos !== null ? [model.tokens.bos] : []), ...model.tokenize(prompt)];
      const next: number[] = model.tokenize(continuation);
      const all = [...context, ...next];
      const first = context.length - 1;
      const full = await pool.use(AbortSignal.timeout(120_000), (sequence: { controlledEvaluate: (items: unknown[]) => Promise<{ next?: { probabilities?: Map<number, number> } }[]> }) =>
        sequence.controlledEvaluate(all.map((t, i) => (i >= first && i < all.length - 1 ? [t, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] : t))));
      const reference = next.map((t, j) => Math.log(full[first + j]!.next!.probabilities!.get(t)!));
      expect(scored.logprobs).toHaveLength(reference.length);
      expect(reference.length).toBeGreaterThan(20);
      const worst = Math.max(...scored.logprobs.map((lp, j) => Math.abs(lp - reference[j]!)));
      expect(worst).toBeLessThan(1e-4);
    });
  }
});

describeRealModels('llamacpp: sampling, structure, cancellation and errors (SmolLM2)', () => {
  const model = createModel(SMOL);
  const ask = [{ role: 'user' as const, content: 'Continue the story in one sentence: Mia found a lost dog and' }];

  it('draws n distinct samples, reproducible by seed, and stops at max tokens', async () => {
    const a = await model.chat({ messages: ask, n: 3, temperature: 1, seed: 11, maxTokens: 8 }, { noCache: true });
    const b = await model.chat({ messages: ask, n: 3, temperature: 1, seed: 11, maxTokens: 8 }, { noCache: true });
    expect(a.samples.map((s) => s.text)).toEqual(b.samples.map((s) => s.text));
    expect(new Set(a.samples.map((s) => s.text)).size).toBeGreaterThan(1);
    // each sample ends at the 8-token cap ('length') unless the model ended its turn first ('stop')
    expect(a.samples.every((s) => s.finishReason === 'length' || s.finishReason === 'stop')).toBe(true);
    expect(a.samples.some((s) => s.finishReason === 'length')).toBe(true);
    expect(a.usage.outputTokens).toBeLessThanOrEqual(3 * 8);
  });

  it('cuts at a stop string', async () => {
    // any reply of more than one word has a space in it: the text must end before the first one
    const r = await model.chat({ messages: [{ role: 'user', content: 'Describe the sea in a few words.' }], temperature: 0, maxTokens: 40, stop: [' '] }, { noCache: true });
    expect(r.text.trim()).not.toContain(' ');
    expect(r.samples[0]!.finishReason).toBe('stop');
  });

  it('follows a JSON schema through a grammar', async () => {
    const schema = { type: 'object', properties: { colour: { type: 'string', maxLength: 20 }, confidence: { type: 'number' } }, required: ['colour', 'confidence'], additionalProperties: false };
    const r = await model.chat({ messages: [{ role: 'user', content: 'What colour is the sky? Answer in JSON.' }], temperature: 0, maxTokens: 80, jsonSchema: { name: 'answer', schema } }, { noCache: true });
    const parsed = JSON.parse(r.text);
    expect(Object.keys(parsed).sort()).toEqual(['colour', 'confidence']);
    expect(typeof parsed.colour).toBe('string');
    expect(typeof parsed.confidence).toBe('number');
  });

  it('scores a reply through the chat template', async () => {
    const messages = [{ role: 'user' as const, content: 'Say hello.' }];
    const greeting = await model.score({ messages, continuation: 'Hello! How can I help you today?' });
    const odd = await model.score({ messages, continuation: 'Turbine granite seventeen, whereas lettuce.' });
    expect(greeting.mean).toBeGreaterThan(odd.mean);
  });

  it('stops generating when cancelled', async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 200);
    await expect(model.chat({ messages: [{ role: 'user', content: 'Write a very long essay about the sea.' }], maxTokens: 2000 }, { signal: controller.signal, noCache: true }))
      .rejects.toMatchObject({ code: 'ABORTED' });
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it('serves concurrent requests from one load of the file', async () => {
    const before = loadedLlamaModelCount();
    const other = createModel(SMOL);
    const replies = await Promise.all([0, 1, 2, 3].map((k) => (k % 2 ? model : other).chat({ messages: ask, maxTokens: 6, seed: k, temperature: 1 }, { noCache: true })));
    expect(replies.every((r) => r.samples[0]!.text.length > 0)).toBe(true);
    expect(loadedLlamaModelCount()).toBe(Math.max(before, 1));
  });

  it('says clearly when the file is missing, is not GGUF, or is cut short', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenet-gguf-'));
    await expect(createModel('llamacpp:/no/such/model.gguf').chat({ messages: ask })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(createModel('llamacpp:no-such-fetched-model').chat({ messages: ask })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('no-such-fetched-model.gguf') });
    writeFileSync(join(dir, 'text.gguf'), 'this is not a model');
    await expect(createModel(`llamacpp:${join(dir, 'text.gguf')}`).chat({ messages: ask })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/not a GGUF file/) });
    const head = Buffer.alloc(1 << 20);
    const fd = openSync(localModelPath('smollm2-135m-instruct-q4_1'), 'r');
    readSync(fd, head, 0, head.length, 0);
    closeSync(fd);
    writeFileSync(join(dir, 'cut.gguf'), head);
    await expect(createModel(`llamacpp:${join(dir, 'cut.gguf')}`).chat({ messages: ask })).rejects.toMatchObject({ code: 'BAD_INPUT', message: expect.stringMatching(/could not load/) });
  });
});
