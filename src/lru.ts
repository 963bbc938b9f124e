/**
 * A Map that keeps at most `capacity` entries and drops the least recently used first (a read or a write makes
 * an entry the most recent). For the bounded in-process caches: prepared statements, tokenisations, vectors,
 * run summaries.
 */
export class LruMap<K, V> {
  readonly #map = new Map<K, V>();
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    const value = this.#map.get(key);
    if (value !== undefined) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): this {
    this.#map.delete(key);
    this.#map.set(key, value);
    while (this.#map.size > this.capacity) this.#map.delete(this.#map.keys().next().value!);
    return this;
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }
}
