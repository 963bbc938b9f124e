import { describe, expect, it } from 'vitest';
import { refuseOtherSettings, settingsDifferences } from '../../src/runtime/run.ts';
import { thrown } from '../support/errors.ts';

describe('resuming a run with other settings', () => {
  const stored = { version: 1, samples: 4, judge: { spec: 'llm:gpt', id: 'llm:openai:gpt-4o', version: 'v2' }, sampling: { temperature: 1, maxTokens: 128 } };

  it('names each top-level setting that differs, as stored vs new, and ignores how the judge was spelled', () => {
    expect(settingsDifferences(stored, { ...stored, judge: { ...stored.judge, spec: 'llm:openai:gpt-4o' } })).toEqual([]);
    expect(settingsDifferences(stored, { ...stored, samples: 8, sampling: { maxTokens: 128, temperature: 0.7 } })).toEqual([
      'samples 4 vs 8',
      'sampling {"maxTokens":128,"temperature":1} vs {"maxTokens":128,"temperature":0.7}',
    ]);
    expect(settingsDifferences(stored, { ...stored, judge: { ...stored.judge, version: 'v3' } })[0]).toMatch(/^judge .*"version":"v2".* vs .*"version":"v3"/);
  });

  it('refuses with BAD_USAGE naming the run and the differences, and passes when there are none', () => {
    expect(() => refuseOtherSettings('vilmo-1', [])).not.toThrow();
    const error = thrown(() => refuseOtherSettings('vilmo-1', ['samples 4 vs 8']));
    expect(error.code).toBe('BAD_USAGE');
    expect(error.message).toBe('run vilmo-1 was started with other settings: samples 4 vs 8');
  });
});
