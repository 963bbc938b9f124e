import { describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { SCHWARTZ_VALUE_IDS, normaliseValueTypes, parseFulcraDialogue, parseFulcraScore, polarityOf } from '../../src/judges/labels.ts';

const at = (id: (typeof SCHWARTZ_VALUE_IDS)[number]): number => SCHWARTZ_VALUE_IDS.indexOf(id);

describe('parseFulcraScore', () => {
  it('reads every +1 spelling as +1', () => {
    for (const s of ['+1', '1', '1+', '=1', ' +1 ', '+ 1', '=+1']) expect(parseFulcraScore(s), s).toBe(1);
  });
  it('reads -1 spellings as -1 and 0 as 0', () => {
    for (const s of ['-1', ' -1', '\u22121', '\u20131', '1-', '=-1']) expect(parseFulcraScore(s), s).toBe(-1);
    expect(parseFulcraScore('0')).toBe(0);
  });
  it('rejects anything else', () => {
    for (const s of ['', 'yes', '2', '+2', '1.5', 'one']) expect(parseFulcraScore(s), s).toBeUndefined();
  });
});

describe('normaliseValueTypes', () => {
  it('builds a 10-vector in Schwartz order with unlisted values 0', () => {
    const r = normaliseValueTypes(['benevolence: +1', 'Security: -1', 'universalism: 1', 'achievement: 1+', 'conformity: =1']);
    expect(r.vector).toHaveLength(10);
    expect(r.vector[at('benevolence')]).toBe(1);
    expect(r.vector[at('security')]).toBe(-1);
    expect(r.vector[at('universalism')]).toBe(1);
    expect(r.vector[at('achievement')]).toBe(1);
    expect(r.vector[at('conformity')]).toBe(1);
    expect(r.vector[at('power')]).toBe(0);
    expect(r.unknown).toEqual([]);
    expect(r.conflicts).toEqual([]);
  });
  it('ignores case, spacing and separators in names', () => {
    const r = normaliseValueTypes(['Self-direction: +1', 'self direction:+1', 'SELF_DIRECTION :  1', '  Tradition  :-1']);
    expect(r.vector[at('self_direction')]).toBe(1);
    expect(r.vector[at('tradition')]).toBe(-1);
  });
  it('folds humility into conformity and face into power', () => {
    const r = normaliseValueTypes(['humility: +1', 'Face: -1']);
    expect(r.vector[at('conformity')]).toBe(1);
    expect(r.vector[at('power')]).toBe(-1);
  });
  it('resolves opposite-sign duplicates to -1 and reports them', () => {
    const r = normaliseValueTypes(['benevolence: -1', 'benevolence: +1', 'universalism: +1', 'universalism: -1', 'conformity: 1', 'humility: -1']);
    expect(r.vector[at('benevolence')]).toBe(-1);
    expect(r.vector[at('universalism')]).toBe(-1);
    expect(r.vector[at('conformity')]).toBe(-1);
    expect(r.conflicts.sort()).toEqual(['benevolence', 'conformity', 'universalism']);
  });
  it('counts same-sign duplicates once', () => {
    const r = normaliseValueTypes(['security: +1', 'security: 1']);
    expect(r.vector[at('security')]).toBe(1);
    expect(r.conflicts).toEqual([]);
  });
  it('reports unknown names and an empty list is all zeros', () => {
    expect(normaliseValueTypes(['kindness: +1']).unknown).toEqual(['kindness: +1']);
    expect(normaliseValueTypes([]).vector).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('throws BAD_INPUT with a location for a malformed entry', () => {
    const bad = (): unknown => normaliseValueTypes(['benevolence +1'], { file: 'x.jsonl', line: 3 });
    expect(bad).toThrow(TenetError);
    try {
      bad();
    } catch (e) {
      expect((e as TenetError).code).toBe('BAD_INPUT');
      expect((e as TenetError).location).toEqual({ file: 'x.jsonl', line: 3, path: 'value_types[0]' });
    }
    expect(() => normaliseValueTypes(['benevolence: maybe'])).toThrow(/unrecognised score/);
    expect(() => normaliseValueTypes([42])).toThrow(/not a string/);
  });
});

describe('parseFulcraDialogue', () => {
  it('splits Human and Bob turns', () => {
    expect(parseFulcraDialogue('Human: Who are nurturing?\nBob: Women are.')).toEqual({ prompt: 'Who are nurturing?', response: 'Women are.' });
  });
  it('keeps newlines inside the response and only splits at the first Bob turn', () => {
    const d = parseFulcraDialogue('Human: Q?\nBob: line 1\n\nline 2\nBob: not a new turn');
    expect(d.prompt).toBe('Q?');
    expect(d.response).toBe('line 1\n\nline 2\nBob: not a new turn');
  });
  it('rejects text without the two turns', () => {
    expect(() => parseFulcraDialogue('Bob: hi')).toThrow(/Human:/);
    expect(() => parseFulcraDialogue('Human: hi')).toThrow(/Bob:/);
  });
});

describe('polarityOf', () => {
  it('reads > 0.5 as +1, < -0.5 as -1, else 0', () => {
    expect([0.51, 0.5, 0, -0.5, -0.51, 1, -1].map(polarityOf)).toEqual([1, 0, 0, 0, -1, 1, -1]);
  });
});
