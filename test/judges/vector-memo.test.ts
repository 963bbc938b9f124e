import { describe, expect, it } from 'vitest';
import { dequantise, quantiseVector } from '../../src/judges/local/embed-cache.ts';
import { prototypeContrast, prototypeRelevance } from '../../src/judges/local/encoder-features.ts';
import { VectorMemo } from '../../src/judges/local/vector-memo.ts';
import { violationPrototypes } from '../../src/judges/local/encoder-train.ts';
import type { ReferenceData } from '../../src/judges/local/data.ts';
import { hashedEncoder } from '../../src/models/encoder.ts';

function counting() {
  const enc = hashedEncoder(16);
  const calls: string[][] = [];
  return { calls, encoder: { model: enc.model, embed: async (t: readonly string[]) => (calls.push([...t]), enc.embed(t)) } };
}

describe('VectorMemo (each text embedded once per process)', () => {
  it('embeds each distinct text once, returns the quantised vector, and serves repeats without the encoder', async () => {
    const { calls, encoder } = counting();
    const memo = new VectorMemo(encoder);
    const a = await memo.vectors(['care', 'story one', 'care', 'story two']);
    expect(calls).toEqual([['care', 'story one', 'story two']]);
    const [raw] = await hashedEncoder(16).embed(['care']);
    expect(Array.from(a.get('care')!)).toEqual(Array.from(dequantise(quantiseVector(raw!))));
    const b = await memo.vectors(['care', 'story three']);
    expect(calls[1]).toEqual(['story three']);
    expect(Array.from(b.get('care')!)).toEqual(Array.from(a.get('care')!));
    expect(memo.hits).toBe(1);
    expect(memo.misses).toBe(4);
  });

  it('is bounded: the least recently used text is dropped first', async () => {
    const { calls, encoder } = counting();
    const memo = new VectorMemo(encoder, 2);
    await memo.vectors(['a', 'b']);
    await memo.vectors(['a']); // a is now the most recent
    await memo.vectors(['c']); // drops b
    expect(memo.size).toBe(2);
    await memo.vectors(['a', 'b']);
    expect(calls.at(-1)).toEqual(['b']);
  });
});

describe('prototype features', () => {
  const e = (i: number, n = 4) => Float64Array.from({ length: n }, (_, k) => (k === i ? 1 : 0));
  const wordings = [[e(0)], [e(1)], [e(2)]];
  const protos = [e(0), e(1), e(2)];

  it('relevance is high when the response is near the prototype of the foundation the principle names, low for another', () => {
    const response = e(0);
    const own = prototypeRelevance(e(0), response, wordings, protos, 20);
    const other = prototypeRelevance(e(1), response, wordings, protos, 20);
    expect(own).toBeGreaterThan(0.6);
    expect(other).toBeLessThan(0);
    // a principle unlike every foundation's wordings spreads π evenly: relevance ≈ 0
    expect(Math.abs(prototypeRelevance(e(3), response, wordings, protos, 20))).toBeLessThan(1e-9);
  });

  it('contrast separates "violates g" (near μ_g) from "about g but fine" (near ν_g)', () => {
    const non = [e(3), e(3), e(3)];
    expect(prototypeContrast(e(0), e(0), wordings, protos, non, 20)).toBeGreaterThan(0.9);
    expect(prototypeContrast(e(0), e(3), wordings, protos, non, 20)).toBeLessThan(-0.9);
  });
});

describe('violation prototypes', () => {
  it('average the TRAIN continuations per foundation and label, and leave a training continuation out of its own prototype', () => {
    const dims = 384;
    const unit = (i: number) => Float64Array.from({ length: dims }, (_, k) => (k === i ? 1 : 0));
    const vecs = new Map<string, Float64Array>([
      ['v1', unit(0)],
      ['v2', unit(1)],
      ['n1', unit(2)],
      ['held', unit(3)],
    ]);
    const row = (response: string, label: 0 | 1, part: 'train' | 'validation') => ({ prompt: 'p', response, foundation: 'care' as const, label, part });
    const data = { mft: [row('v1', 1, 'train'), row('v2', 1, 'train'), row('n1', 0, 'train'), row('held', 1, 'validation')] } as unknown as ReferenceData;
    const p = violationPrototypes(data, { encoderHash: 'x', vec: (t) => vecs.get(t)! });
    const care = 0; // MFT_CORE_IDS order
    expect(p.protos.v[care]![0]).toBeCloseTo(Math.SQRT1_2, 4); // mean of v1, v2, normalised
    expect(p.protos.v[care]![3]).toBe(0); // the validation row is not in it
    expect(p.protos.n[care]![2]).toBe(1);
    const without = p.leaveOut('v1');
    expect(without.v[care]![0]).toBe(0);
    expect(without.v[care]![1]).toBe(1);
    expect(p.leaveOut('held')).toBe(p.protos); // not a training continuation
  });
});
