import { describe, expect, it } from 'vitest';
import { validateValuesCard, valuesCardIssues } from '../../src/values/index.ts';
import { thrown } from '../support/errors.ts';

const caught = (card: unknown) => thrown(() => validateValuesCard(card));

const good = {
  title: 'Honest encouragement',
  description: 'Helping someone see what they can really do, without flattering them.',
  policies: [
    'STRENGTHS they have not noticed in themselves',
    'MOMENTS when a frank word would help more than comfort',
    'SIGNS that they are ready to hear a hard truth',
  ],
};

describe('values cards', () => {
  it('accepts a good card, trims strings and drops extra fields', () => {
    const card = validateValuesCard({ ...good, title: `  ${good.title} `, id: 42 });
    expect(card).toEqual(good);
    expect(valuesCardIssues(good)).toEqual([]);
    expect(validateValuesCard({ ...good, policies: [...good.policies, 'a', 'b', 'c', 'd'] }).policies).toHaveLength(7);
  });

  it('rejects too few or too many policies, naming the field', () => {
    const e = caught({ ...good, policies: good.policies.slice(0, 2) });
    expect(e.code).toBe('BAD_INPUT');
    expect(e.message).toContain('policies: expected 3 to 7 attentional policies, got 2');
    expect(e.location?.path).toBe('policies');
    expect(caught({ ...good, policies: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] }).message).toContain('got 8');
  });

  it('rejects duplicate, empty and non-string policies', () => {
    const dup = caught({ ...good, policies: [...good.policies, ' strengths THEY have not noticed in themselves '] });
    expect(dup.message).toContain('policies[3]: duplicates policies[0]');
    expect(dup.location?.path).toBe('policies[3]');
    expect(caught({ ...good, policies: ['a', '  ', 'c'] }).message).toContain('policies[1]: must not be empty');
    expect(caught({ ...good, policies: ['a', 7, 'c'] }).message).toContain('policies[1]: expected a string');
    expect(caught({ ...good, policies: 'a; b; c' }).message).toContain('policies: expected a list of strings');
  });

  it('rejects a missing, empty or long title', () => {
    const { title: _omit, ...noTitle } = good;
    expect(caught(noTitle).message).toContain('title: missing');
    expect(caught({ ...good, title: '   ' }).message).toContain('title: must not be empty');
    expect(caught({ ...good, title: 'x'.repeat(81) }).message).toContain('title: must be at most 80 characters');
    expect(validateValuesCard({ ...good, title: 'x'.repeat(80) }).title).toHaveLength(80);
  });

  it('reports every problem and rejects non-objects', () => {
    const issues = valuesCardIssues({ title: '', policies: ['a'] });
    expect(issues.map((i) => i.path)).toEqual(['title', 'description', 'policies']);
    expect(caught(null).message).toContain('expected an object');
    expect(caught(['a']).code).toBe('BAD_INPUT');
  });
});
