/**
 * Encoder features for the encoder judge, embedded once per distinct text and kept on disk.
 *
 * Vectors are quantised to int16 steps of 1e-4 (the encoder's vectors are L2-normalised, so every
 * coordinate is in [−1, 1]): llama.cpp's float results can differ in the last bits between CPUs, and
 * training must see the same numbers everywhere for `tenet judge train --check` to reproduce the weights
 * byte for byte. (On a CPU whose results differ by more than 5e-5 in a coordinate, a few features can
 * round the other way; the caveat is in docs/judges.md.)
 *
 * The cache is one append-only JSONL file per encoder file (keyed by the first 16 hex digits of the GGUF
 * file's SHA-256), one line `{"h": sha256(text)[0:16], "v": base64(int16 LE × dims)}` per text, under
 * $TENET_FEATURES_DIR (default ~/.cache/tenet/features). An interrupted fill keeps every finished line.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, createReadStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Encoder } from '../../models/encoder.ts';

/** The quantisation step of a stored coordinate. */
export const EMBED_STEP = 1e-4;

export function textKey(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** Quantise an L2-normalised vector to int16 steps of EMBED_STEP. */
export function quantiseVector(v: ArrayLike<number>): Int16Array {
  return Int16Array.from({ length: v.length }, (_, i) => Math.max(-32767, Math.min(32767, Math.round(v[i]! / EMBED_STEP))));
}

/** The float vector a quantised one stands for (exactly q · 1e-4 in double precision, the same everywhere). */
export function dequantise(q: Int16Array): Float64Array {
  return Float64Array.from(q, (x) => x * EMBED_STEP);
}

const fileHashes = new Map<string, string>();
/** First 16 hex digits of a file's SHA-256 (memoised per path). */
export function encoderFileHash(path: string): string {
  let h = fileHashes.get(path);
  if (!h) {
    h = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
    fileHashes.set(path, h);
  }
  return h;
}

export function defaultFeaturesDir(env: Record<string, string | undefined> = process.env): string {
  return env.TENET_FEATURES_DIR ?? join(homedir(), '.cache', 'tenet', 'features');
}

export class EmbeddingCache {
  private readonly map = new Map<string, Int16Array>();
  readonly file: string;

  private constructor(file: string) {
    this.file = file;
  }

  /** Open (and read) the cache of the encoder whose GGUF file has this hash. */
  static async open(encoderHash: string, dir = defaultFeaturesDir()): Promise<EmbeddingCache> {
    mkdirSync(dir, { recursive: true });
    const cache = new EmbeddingCache(join(dir, `${encoderHash}.jsonl`));
    if (existsSync(cache.file)) {
      const lines = createInterface({ input: createReadStream(cache.file, 'utf8'), crlfDelay: Infinity });
      for await (const line of lines) {
        if (!line.trim()) continue;
        let row: { h?: unknown; v?: unknown };
        try {
          row = JSON.parse(line) as { h?: unknown; v?: unknown };
        } catch {
          continue; // a line cut short by an interrupted write: that text is embedded again
        }
        if (typeof row.h !== 'string' || typeof row.v !== 'string') continue;
        const b = Buffer.from(row.v, 'base64');
        cache.map.set(row.h, new Int16Array(b.buffer, b.byteOffset, b.byteLength >> 1).slice());
      }
    }
    return cache;
  }

  get size(): number {
    return this.map.size;
  }

  has(text: string): boolean {
    return this.map.has(textKey(text));
  }

  get(text: string): Int16Array | undefined {
    return this.map.get(textKey(text));
  }

  /** Embed every text not yet cached (each distinct text once, in batches), appending as it goes. */
  async fill(texts: Iterable<string>, encoder: Encoder, options: { batch?: number; onProgress?: (done: number, total: number) => void } = {}): Promise<number> {
    const todo: string[] = [];
    const seen = new Set<string>();
    for (const t of texts) {
      const k = textKey(t);
      if (this.map.has(k) || seen.has(k)) continue;
      seen.add(k);
      todo.push(t);
    }
    const batch = options.batch ?? 16;
    for (let i = 0; i < todo.length; i += batch) {
      const chunk = todo.slice(i, i + batch);
      const vectors = await encoder.embed(chunk);
      let out = '';
      chunk.forEach((t, j) => {
        const q = quantiseVector(vectors[j]!);
        const k = textKey(t);
        this.map.set(k, q);
        out += `${JSON.stringify({ h: k, v: Buffer.from(q.buffer, q.byteOffset, q.byteLength).toString('base64') })}\n`;
      });
      appendFileSync(this.file, out);
      options.onProgress?.(Math.min(i + batch, todo.length), todo.length);
    }
    return todo.length;
  }
}
