import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TenetError } from '../../src/errors.ts';
import { canonicalJson, ID_HEX_LENGTH, judgmentIdFor, sampleIdFor, stableId, taskIdFor } from '../../src/store/ids.ts';

describe('canonicalJson', () => {
  it('sorts object keys recursively', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('drops undefined fields, writes undefined array items as null', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined, 1], f: () => 1 })).toBe('{"b":null,"c":[null,1]}');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('formats numbers stably', () => {
    expect(canonicalJson([1, 1.5, -0, 1e21, 5e-7, 0.1 + 0.2, Number.NaN, Infinity, 10n])).toBe(
      '[1,1.5,0,1e+21,5e-7,0.30000000000000004,null,null,10]',
    );
  });

  it('uses toJSON (dates) and escapes strings like JSON', () => {
    expect(canonicalJson({ when: new Date(Date.UTC(2025, 0, 2)), s: 'é "q" \n' })).toBe(
      '{"s":"é \\"q\\" \\n","when":"2025-01-02T00:00:00.000Z"}',
    );
  });

  it('refuses Maps, Sets and cycles', () => {
    expect(() => canonicalJson({ m: new Map() })).toThrow(TenetError);
    expect(() => canonicalJson([new Set([1])])).toThrow(/Set/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cyclic/);
    // A shared (not cyclic) reference is fine.
    const shared = { x: 1 };
    expect(canonicalJson([shared, shared])).toBe('[{"x":1},{"x":1}]');
  });

  it('round-trips through JSON.parse', () => {
    const value = { z: [1, 'two', { three: 3 }], a: true, n: null };
    expect(JSON.parse(canonicalJson(value))).toEqual(value);
  });
});

describe('stableId', () => {
  it('is 32 lowercase hex characters: the prefix of sha256 of the canonical JSON of the parts', () => {
    const id = stableId('a', 1, { b: 2 });
    expect(ID_HEX_LENGTH).toBe(32);
    expect(id).toMatch(/^[0-9a-f]{32}$/);
    expect(id).toBe(createHash('sha256').update('["a",1,{"b":2}]').digest('hex').slice(0, 32));
  });

  it('is deterministic and insensitive to object key order', () => {
    expect(stableId({ a: 1, b: { c: 2, d: 3 } })).toBe(stableId({ b: { d: 3, c: 2 }, a: 1 }));
    expect(stableId('x', { p: undefined, q: 1 })).toBe(stableId('x', { q: 1 }));
  });

  it('is sensitive to the order of the parts and to types', () => {
    expect(stableId('a', 'b')).not.toBe(stableId('b', 'a'));
    expect(stableId(['a', 'b'])).not.toBe(stableId('a', 'b'));
    expect(stableId(1)).not.toBe(stableId('1'));
    expect(stableId([1, 2])).not.toBe(stableId([2, 1]));
  });

  it('derived ids differ by kind and by every part', () => {
    const s = sampleIdFor('r', 't', 'm', 0);
    expect(s).toBe(sampleIdFor('r', 't', 'm', 0));
    expect(new Set([s, sampleIdFor('r', 't', 'm', 1), sampleIdFor('r', 't', 'm2', 0), sampleIdFor('r2', 't', 'm', 0)]).size).toBe(4);
    expect(taskIdFor('r', 'k', { a: 1, b: 2 })).toBe(taskIdFor('r', 'k', { b: 2, a: 1 }));
    expect(judgmentIdFor(s, 'j', '1')).not.toBe(judgmentIdFor(s, 'j', '2'));
  });
});
