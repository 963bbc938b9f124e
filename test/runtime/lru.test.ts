/** The bounded caches' map: at most `capacity` entries, the least recently read or written dropped first. */
import { describe, expect, it } from 'vitest';
import { LruMap } from '../../src/lru.ts';

describe('LruMap', () => {
  it('drops the least recently used entry, where a read counts as a use', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1).set('b', 2);
    expect(m.get('a')).toBe(1); // a is now the most recent
    m.set('c', 3);
    expect(m.get('b')).toBeUndefined();
    expect(m.get('a')).toBe(1);
    expect(m.get('c')).toBe(3);
    expect(m.size).toBe(2);
    m.set('a', 10); // a write refreshes too
    m.set('d', 4);
    expect(m.get('c')).toBeUndefined();
    expect(m.get('a')).toBe(10);
    expect(m.delete('a')).toBe(true);
    expect(m.size).toBe(1);
  });
});
