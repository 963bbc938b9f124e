import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TenetError } from '../../src/errors.ts';
import { extractJson, generateObject } from '../../src/models/structured.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { KINDS, loopbackModel, user } from './helpers.ts';

const verdict = z.object({ violation: z.number().min(0).max(1), rationale: z.string() });

let server: LoopbackServer;
beforeAll(async () => {
  server = await startLoopbackServer(() => 'unset');
});
afterAll(async () => {
  await server.close();
});

describe('extractJson', () => {
  it('reads bare JSON, fenced JSON and JSON inside prose', () => {
    expect(extractJson('{"a":1}')).toEqual({ a: 1 });
    expect(extractJson('Sure:\n```json\n{"a":2}\n```')).toEqual({ a: 2 });
    expect(extractJson('The answer is {"a":3} as asked.')).toEqual({ a: 3 });
    expect(() => extractJson('no json here')).toThrow(SyntaxError);
  });
});

describe.each(KINDS)('generateObject through %s', (kind) => {
  it('sends the schema to the API and returns the validated object', async () => {
    let schemaSeen: unknown;
    server.setScript((req) => {
      schemaSeen = req.jsonSchema;
      const answer = { violation: 0.8, rationale: 'the story endorses cheating' };
      return kind === 'anthropic' ? { toolCall: { name: 'verdict', arguments: answer } } : JSON.stringify(answer);
    });
    const result = await generateObject(loopbackModel(kind, server), { messages: user('judge this') }, verdict, { name: 'verdict' });
    expect(result.value).toEqual({ violation: 0.8, rationale: 'the story endorses cheating' });
    expect(result.reasked).toBe(false);
    expect(schemaSeen).toMatchObject({ type: 'object', properties: { violation: { type: 'number' } } });
  });

  it('re-asks once with the validation error, then succeeds', async () => {
    const asked: string[] = [];
    server.setScript((req) => {
      asked.push(req.messages.at(-1)!.content);
      const answer = asked.length === 1 ? { violation: 7, rationale: 'x' } : { violation: 0.7, rationale: 'fixed' };
      return kind === 'anthropic' ? { toolCall: { name: 'verdict', arguments: answer } } : JSON.stringify(answer);
    });
    const result = await generateObject(loopbackModel(kind, server), { messages: user('judge') }, verdict, { name: 'verdict' });
    expect(result.reasked).toBe(true);
    expect(result.value.violation).toBe(0.7);
    expect(asked[1]).toMatch(/violation/);
  });

  it('fails with STRUCTURED_OUTPUT keeping the raw text after a second bad answer', async () => {
    server.setScript(() => 'I refuse to answer in JSON.');
    const error = await generateObject(loopbackModel(kind, server), { messages: user('judge') }, verdict, { name: 'verdict' })
      .then(() => undefined, (e: unknown) => e as TenetError);
    expect(error).toBeInstanceOf(TenetError);
    expect(error!.code).toBe('STRUCTURED_OUTPUT');
    expect(error!.details!.raw).toEqual(['I refuse to answer in JSON.', 'I refuse to answer in JSON.']);
  });
});
