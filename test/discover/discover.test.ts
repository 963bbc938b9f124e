/**
 * `tenet discover` in a loopback world (test/discover/world.ts): 240 conversations by three models whose
 * assistant turns express planted values at known rates; a scripted extractor over real HTTP.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.ts';
import { startLoopbackServer, type LoopbackServer } from '../support/loopback-server.ts';
import { conversations, extractorReply, MODELS, PER_MODEL, PLANTED_DIFFERENCES, RATES, writeWorld } from './world.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenet-discover-'));
let server: LoopbackServer;
let config: string;
const GARBAGE = new Set(['x-001', 'x-004']);

beforeAll(async () => {
  server = await startLoopbackServer((req) => extractorReply(req, (id) => GARBAGE.has(id)));
  config = join(dir, 'tenet.config.yaml');
  writeFileSync(config, ['retry: {baseDelayMs: 5, maxDelayMs: 20}', 'endpoints:', `  extractor: {provider: openai, baseUrl: "${server.url}/v1", model: extractor, concurrency: 8}`].join('\n'));
  writeWorld(join(dir, 'world.jsonl'));
});
afterAll(async () => {
  await server.close();
});

const extractionCalls = (from = 0): string[] => server.requests.slice(from)
  .filter((r) => r.path === '/v1/chat/completions' && JSON.stringify(r.body?.messages ?? '').includes('list the values each side expresses'))
  .map((r) => /\[([\w-]+)\]/.exec(JSON.stringify(r.body.messages))?.[1] ?? '?');

describe('tenet discover', () => {
  it('recovers planted rates per model inside their intervals, and names exactly the planted differences', async () => {
    const from = server.requests.length;
    const r = await runCli(['--config', config, '--db', join(dir, 'world.db'), 'discover', join(dir, 'world.jsonl'), '--model', 'extractor', '--encoder', 'hashed', '--by', 'meta.model', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('privacy: extractor is served on this machine');
    const out = JSON.parse(r.stdout);
    expect(out.run).toMatch(/^discover-/);
    expect(out.n_conversations).toBe(240);
    expect(out.unparsed).toBe(0);
    // the extraction request asks for structured output: an array `values` of {value, quote, ...}
    const req = server.requests.slice(from).find((q) => q.path === '/v1/chat/completions')!;
    const schema = req.body.response_format?.json_schema?.schema;
    expect(schema.properties.values.type).toBe('array');
    expect(schema.properties.values.items.properties.value.type).toBe('string');
    expect(schema.properties.values.items.properties.quote.type).toBe('string');
    for (const [value, rates] of Object.entries(RATES)) {
      const v = out.values.find((x: { name: string }) => x.name === value);
      expect(v, value).toBeDefined();
      expect(v.level).toBe(1);
      expect(v.framework_match.framework).toMatch(/^(schwartz|mft)$/);
      expect(typeof v.framework_match.similarity).toBe('number');
      for (const model of MODELS) {
        const p = v.prevalence.by[model];
        expect(p.n).toBe(PER_MODEL);
        expect(p.ci[0], `${value} ${model}`).toBeLessThanOrEqual(rates[model]!);
        expect(p.ci[1], `${value} ${model}`).toBeGreaterThanOrEqual(rates[model]!);
      }
    }
    const found = out.distinguishing.map((d: { value: string; a: string; b: string }) => `${d.value}|${d.a}|${d.b}`).sort();
    expect(found).toEqual(PLANTED_DIFFERENCES);
    for (const d of out.distinguishing) {
      expect(d.p_adj).toBeLessThan(0.05);
      expect(d.ci[0] * d.ci[1]).toBeGreaterThan(0); // the interval excludes 0
    }
    // honesty kept under pressure (the user asked to lie), and the user's value kept apart from the assistant's
    expect(out.values_under_pressure[0].value).toBe('honesty');
    expect(out.values_under_pressure[0].n).toBeGreaterThan(0);
    expect(out.user_values.map((u: { phrase: string }) => u.phrase)).toContain('loyalty');
    expect(out.values.find((x: { name: string }) => x.name === 'loyalty')).toBeUndefined();
    // one extraction call per conversation; a rerun repeats none and prints the same
    expect(extractionCalls(from)).toHaveLength(240);
    const again = server.requests.length;
    const r2 = await runCli(['--config', config, '--db', join(dir, 'world.db'), 'discover', join(dir, 'world.jsonl'), '--model', 'extractor', '--encoder', 'hashed', '--by', 'meta.model', '--json']);
    expect(r2.code, r2.stderr).toBe(0);
    expect(extractionCalls(again)).toHaveLength(0);
    expect(JSON.parse(r2.stdout)).toEqual(out);
  }, 60_000);

  it('counts and shows replies that do not parse, never dropping them silently', async () => {
    const list = conversations().slice(0, 8).map((c, i) => ({ ...c, id: `x-00${i}`, messages: [{ role: 'user', content: `[x-00${i}] hi` }, c.messages[1]!] }));
    writeWorld(join(dir, 'small.jsonl'), list);
    const r = await runCli(['--config', config, '--db', join(dir, 'small.db'), 'discover', join(dir, 'small.jsonl'), '--model', 'extractor', '--encoder', 'hashed']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('unparsed 2');
    expect(r.stdout).toContain('unparsed x-001: the reply is not JSON');
    expect(r.stdout).toMatch(/note: 2 of 8 extraction replies did not parse/);
  }, 30_000);

  it('reads ShareGPT JSON and other shapes through --map; a bad record is an error at file:line', async () => {
    const share = join(dir, 'share.json');
    writeFileSync(share, JSON.stringify([
      { id: 's1', conversations: [{ from: 'human', value: '[s1] hi' }, { from: 'gpt', value: 'ok «honesty»' }] },
      { id: 's2', conversations: [{ from: 'human', value: '[s2] hi' }, { from: 'gpt', value: 'ok «efficiency»' }] },
    ], null, 2));
    const r = await runCli(['--config', config, '--db', join(dir, 'share.db'), 'discover', share, '--model', 'extractor', '--encoder', 'hashed', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).values.map((v: { name: string }) => v.name).sort()).toEqual(['efficiency', 'honesty']);

    const mapped = join(dir, 'mapped.jsonl');
    writeFileSync(mapped, `${JSON.stringify({ uid: 'm1', turns: [{ speaker: 'user', text: '[m1] hi' }, { speaker: 'assistant', text: '«honesty»' }], src: 'bot-x' })}\n`);
    const m = await runCli(['--config', config, '--db', join(dir, 'mapped.db'), 'discover', mapped, '--model', 'extractor', '--encoder', 'hashed', '--map', 'id=uid', '--map', 'messages=turns', '--map', 'role=speaker', '--map', 'content=text', '--map', 'meta.model=src', '--by', 'meta.model', '--json']);
    expect(m.code, m.stderr).toBe(0);
    expect(Object.keys(JSON.parse(m.stdout).values[0].prevalence.by)).toEqual(['bot-x']);

    const bad = join(dir, 'bad.jsonl');
    writeFileSync(bad, `${JSON.stringify({ id: 'b1', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'ok' }] })}\n${JSON.stringify({ id: 'b2', messages: [{ role: 'wizard', content: 'hi' }] })}\n`);
    const e = await runCli(['--config', config, '--db', join(dir, 'bad.db'), 'discover', bad, '--model', 'extractor', '--encoder', 'hashed']);
    expect(e.code).toBe(2);
    expect(e.stderr).toContain('bad.jsonl:2');
    expect(e.stderr).toContain('messages[0].role');
  }, 30_000);
});
