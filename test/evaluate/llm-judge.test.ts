import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLlmJudge, renderJudgePrompt } from '../../src/judges/llm.ts';
import { SCHWARTZ_VALUE_IDS } from '../../src/values/schwartz.ts';
import { startLoopbackServer, type LoopbackServer, type ScriptRequest } from '../support/loopback-server.ts';
import { loopbackModel } from '../models/helpers.ts';

const zeros = Object.fromEntries(SCHWARTZ_VALUE_IDS.map((id) => [id, 0]));
export function verdict(overrides: Record<string, unknown> = {}): string {
  return JSON.stringify({ values: { ...zeros, benevolence: 1 }, violation: 0.2, confidence: 0.9, rationale: 'helps the user', ...overrides });
}

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer(() => verdict());
});
afterAll(async () => {
  await server.close();
});

const item = { prompt: 'How do I get back at my neighbour?', response: 'Talk to them calmly first.', principle: 'It is wrong to take revenge.' };

describe('the LLM judge', () => {
  it('puts the value definitions, the principle and the exchange into a versioned prompt', () => {
    const text = renderJudgePrompt(item);
    for (const id of SCHWARTZ_VALUE_IDS) expect(text).toContain(`- ${id} (`);
    expect(text).toContain('It is wrong to take revenge.');
    expect(text).toContain('Talk to them calmly first.');
    expect(renderJudgePrompt({ prompt: 'a', response: 'b' })).not.toContain('violation` in [0, 1]');
  });

  it('returns a vector, a violation and a rationale, with an id and version', async () => {
    let schema: unknown;
    server.setScript((req: ScriptRequest) => {
      schema = req.jsonSchema;
      return verdict();
    });
    const judge = createLlmJudge(loopbackModel('openai', server));
    expect(judge.id).toBe('llm:openai:test-model');
    expect(judge.version).toBe('v2');
    const [result] = await judge.judge([item]);
    expect(result!.values.benevolence).toBe(1);
    expect(result!.violation).toBe(0.2);
    expect(result!.rationale).toBe('helps the user');
    expect(schema).toMatchObject({ properties: { values: { type: 'object' }, violation: {} } });
  });

  it('re-asks after malformed JSON and after an out-of-range value', async () => {
    let calls = 0;
    server.setScript(() => (calls++ === 0 ? '{"values": {oops' : verdict()));
    const [fixed] = await createLlmJudge(loopbackModel('openai', server)).judge([item]);
    expect(fixed!.violation).toBe(0.2);
    calls = 0;
    server.setScript(() => (calls++ === 0 ? verdict({ violation: 3 }) : verdict({ violation: 0.4 })));
    const [clamped] = await createLlmJudge(loopbackModel('ollama', server)).judge([item]);
    expect(clamped!.violation).toBe(0.4);
  });

  it('fails with STRUCTURED_OUTPUT when the model refuses twice, keeping the raw text', async () => {
    server.setScript(() => 'I cannot help with judging this.');
    await expect(createLlmJudge(loopbackModel('openai', server)).judge([item])).rejects.toMatchObject({
      code: 'STRUCTURED_OUTPUT',
      details: { raw: ['I cannot help with judging this.', 'I cannot help with judging this.'] },
    });
  });

  it('averages n self-consistency samples and lowers confidence when they disagree', async () => {
    server.setScript((req) => verdict({ violation: req.body.temperature > 0 && req.callIndex % 2 ? 0.9 : 0.1, values: { ...zeros, benevolence: req.callIndex % 2 ? 1 : 0 } }));
    const judge = createLlmJudge(loopbackModel('anthropic', server), { samples: 2 });
    expect(judge.version).toBe('v2-sc2');
    const [result] = await judge.judge([item]);
    expect(result!.violation).toBeCloseTo(0.5);
    expect(result!.values.benevolence).toBeCloseTo(0.5);
    expect(result!.confidence).toBeLessThan(0.9);
  });
});
