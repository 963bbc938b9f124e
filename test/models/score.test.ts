/**
 * Teacher-forced scoring through an OpenAI-compatible /v1/completions endpoint that echoes prompt
 * log-probabilities (vLLM, llama-server), against the loopback server: which tokens count as the
 * continuation, the sum and the mean, retries, what a server without echo gets, and the CLI's `models score`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { tokenize } from '../support/tokens.ts';
import { runCli } from '../support/cli.ts';
import { loopbackModel } from './helpers.ts';

const PROMPT = 'The capital of France is';
const CONTINUATION = ' Paris, of course.';

let server: LoopbackServer;
let echo = true;
beforeAll(async () => {
  server = await startLoopbackServer((req) => {
    if (req.path !== '/v1/completions') return 'chat';
    // a server that ignores echo: a plain completion with no prompt log-probabilities
    if (!echo) return { fault: 'http', status: 200, body: { object: 'text_completion', model: req.model, choices: [{ index: 0, text: ' something', logprobs: null, finish_reason: 'length' }] } };
    // log p = −(position + 1) / 10 for every echoed token, so the expected numbers are easy to write down
    const tokens = tokenize(req.messages[0]!.content);
    return { text: ' extra', promptLogprobs: tokens.map((_, i) => -(i + 1) / 10) };
  });
});
afterAll(() => server.close());

describe('score() on an OpenAI-compatible completions endpoint', () => {
  it('returns the log-probabilities of the continuation tokens only, their sum and their mean', async () => {
    echo = true;
    const model = loopbackModel('openai', server);
    expect(model.capabilities.score).toEqual(['prompt']);
    const result = await model.score({ prompt: PROMPT, continuation: CONTINUATION });
    const promptTokens = tokenize(PROMPT).length;
    const all = tokenize(PROMPT + CONTINUATION);
    const expected = all.slice(promptTokens).map((_, j) => -(promptTokens + j + 1) / 10);
    expect(result.tokens.join('')).toBe(CONTINUATION);
    expect(result.logprobs.map((x) => Number(x.toFixed(9)))).toEqual(expected.map((x) => Number(x.toFixed(9))));
    expect(result.sum).toBeCloseTo(expected.reduce((a, b) => a + b, 0), 9);
    expect(result.mean).toBeCloseTo(result.sum / expected.length, 9);
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/v1/completions');
    expect(request.body).toMatchObject({ prompt: PROMPT + CONTINUATION, echo: true, logprobs: 1, max_tokens: 1, model: 'test-model' });
  });

  it('says what is wrong when the server does not echo the prompt, and refuses chat messages', async () => {
    echo = false;
    const model = loopbackModel('openai', server);
    await expect(model.score({ prompt: PROMPT, continuation: CONTINUATION })).rejects.toMatchObject({ code: 'MALFORMED_RESPONSE', message: expect.stringMatching(/did not echo/) });
    await expect(model.score({ messages: [{ role: 'user', content: 'hi' }], continuation: 'hello' })).rejects.toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/chat messages/) });
    await expect(model.score({ continuation: 'hello' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(loopbackModel('anthropic', server).score({ prompt: 'a', continuation: 'b' })).rejects.toMatchObject({ code: 'BAD_USAGE', message: expect.stringMatching(/cannot score/) });
  });

  it('retries a failing scoring call like any other', async () => {
    echo = true;
    let failures = 0;
    server.setScript((req) => {
      if (failures < 2) {
        failures++;
        return { fault: 'server_error' };
      }
      return { text: '', promptLogprobs: tokenize(req.messages[0]!.content).map(() => -0.5) };
    });
    const result = await loopbackModel('openai', server).score({ prompt: PROMPT, continuation: CONTINUATION });
    expect(failures).toBe(2);
    expect(result.mean).toBeCloseTo(-0.5, 9);
  });

  it('tenet models score prints {tokens, logprob, mean}', async () => {
    server.setScript((req) => ({ text: '', promptLogprobs: tokenize(req.messages[0]!.content).map(() => -0.25) }));
    const out = await runCli(['--json', 'models', 'score', `openai-compatible:m@${server.url}/v1`, '--prompt', PROMPT, '--continuation', CONTINUATION]);
    expect(out.code, out.stderr).toBe(0);
    const json = JSON.parse(out.stdout);
    const n = tokenize(PROMPT + CONTINUATION).length - tokenize(PROMPT).length;
    expect(json).toMatchObject({ tokens: n, logprob: -0.25 * n, mean: -0.25 });
    const empty = await runCli(['--json', 'models', 'score', `openai-compatible:m@${server.url}/v1`, '--prompt', PROMPT, '--continuation', '']);
    expect(empty.code).toBe(2);
  });
});
