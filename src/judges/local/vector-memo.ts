/**
 * The encoder judge's per-process memory of text vectors: each distinct text (a principle, a foundation's
 * definition, a prompt shared by many responses) is embedded once per process, not once per batch.
 * Bounded (least recently used out); stores the quantised int16 vectors (768 bytes each at 384 dims), so
 * a hit returns exactly what a fresh embedding would (embed-cache.ts quantises the same way).
 */
import { LruMap } from '../../lru.ts';
import type { Encoder } from '../../models/encoder.ts';
import { dequantise, quantiseVector } from './embed-cache.ts';

export class VectorMemo {
  private readonly map: LruMap<string, Int16Array>;
  hits = 0;
  misses = 0;

  private readonly encoder: Encoder;
  readonly capacity: number;

  constructor(encoder: Encoder, capacity = 8192) {
    this.encoder = encoder;
    this.capacity = capacity;
    this.map = new LruMap(capacity);
  }

  get size(): number {
    return this.map.size;
  }

  /** The (dequantised) vector of each text, embedding only the distinct texts not yet remembered. */
  async vectors(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Map<string, Float64Array>> {
    const out = new Map<string, Float64Array>();
    const todo: string[] = [];
    for (const t of texts) {
      if (out.has(t)) continue;
      const q = this.map.get(t);
      if (q) {
        out.set(t, dequantise(q));
        this.hits++;
      } else {
        todo.push(t);
        out.set(t, new Float64Array(0)); // placeholder, keeps first-seen order and dedupes
      }
    }
    if (todo.length > 0) {
      this.misses += todo.length;
      const vs = await this.encoder.embed(todo, options);
      todo.forEach((t, k) => {
        const q = quantiseVector(vs[k]!);
        this.map.set(t, q);
        out.set(t, dequantise(q));
      });
    }
    return out;
  }
}
