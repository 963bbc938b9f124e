/**
 * The n-gram judge has its own id (`tenet-local-fast`), apart from the encoder judge (`tenet-local`); runs stored
 * under its old id (`tenet-local@1.x`) still read and resume.
 */
import { describe, expect, it } from 'vitest';
import { createJudge } from '../../src/judges/factory.ts';
import { canonicalJudgeId, sameJudge } from '../../src/judges/ids.ts';
import { settingsDifferences } from '../../src/runtime/run.ts';

describe('judge ids', () => {
  it('local-fast is tenet-local-fast; the old tenet-local@1.x is the same judge, tenet-local@2.x is not', async () => {
    const fast = await createJudge('local-fast');
    try {
      expect(`${fast.id}@${fast.version}`).toBe('tenet-local-fast@1.1.0');
    } finally {
      await (fast as { close?: () => Promise<void> }).close?.();
    }
    expect(canonicalJudgeId('tenet-local', '1.1.0')).toBe('tenet-local-fast');
    expect(canonicalJudgeId('tenet-local', '2.1.0')).toBe('tenet-local');
    expect(sameJudge({ id: 'tenet-local', version: '1.1.0' }, { id: 'tenet-local-fast', version: '1.1.0' })).toBe(true);
    expect(sameJudge({ id: 'tenet-local', version: '2.1.0' }, { id: 'tenet-local-fast', version: '2.1.0' })).toBe(false);
    expect(sameJudge({ id: 'tenet-local-fast', version: '1.0.0' }, { id: 'tenet-local-fast', version: '1.1.0' })).toBe(false);
  });

  it('resuming a run stored under the old id is not "other settings"', () => {
    const was = { samples: 2, judge: { spec: 'local-fast', id: 'tenet-local', version: '1.1.0' } };
    expect(settingsDifferences(was, { samples: 2, judge: { spec: 'local-fast', id: 'tenet-local-fast', version: '1.1.0' } })).toEqual([]);
    expect(settingsDifferences(was, { samples: 2, judge: { spec: 'local', id: 'tenet-local', version: '2.1.0' } })).toHaveLength(1);
  });
});
