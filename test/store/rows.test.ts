import { describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { camelKey, rowMapper } from '../../src/store/rows.ts';

interface Row {
  id: string;
  run_id: string;
  config_json: string | null;
  usage_json: string;
  sample_index: number | string | bigint;
  cost_usd: number | null;
  cached: number;
}

const toApi = rowMapper<Row>()('samples', { json: ['config_json', 'usage_json'], numbers: ['sample_index', 'cost_usd'], flags: ['cached'] });

describe('the generic row mapper', () => {
  it('turns snake_case columns into camelCase fields', () => {
    expect(camelKey('run_id')).toBe('runId');
    expect(camelKey('provisional_card_json')).toBe('provisionalCardJson');
    expect(camelKey('id')).toBe('id');
  });

  it('parses JSON columns (dropping _json), coerces driver numbers, flags to booleans, keeps nulls', () => {
    const out = toApi({ id: 's1', run_id: 'r1', config_json: null, usage_json: '{"inputTokens":3}', sample_index: 7n, cost_usd: null, cached: 1 });
    expect(out).toEqual({ id: 's1', runId: 'r1', config: null, usage: { inputTokens: 3 }, sampleIndex: 7, costUsd: null, cached: true });
    expect(toApi({ id: 's2', run_id: 'r', config_json: '[1]', usage_json: '{}', sample_index: '4', cost_usd: 0.5, cached: 0 })).toMatchObject({ config: [1], sampleIndex: 4, costUsd: 0.5, cached: false });
  });

  it('names the table, column and row when a JSON column holds something else', () => {
    let caught: unknown;
    try {
      toApi({ id: 's9', run_id: 'r', config_json: '{oops', usage_json: '{}', sample_index: 0, cost_usd: null, cached: 0 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TenetError);
    expect((caught as TenetError).code).toBe('STORE');
    expect((caught as Error).message).toContain('samples.config_json of id s9');
  });
});
