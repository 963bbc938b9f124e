/**
 * Organising: the value phrases are embedded with the Encoder, clustered bottom-up (average-linkage
 * agglomerative clustering on cosine distance, cut at a similarity threshold per level), named (a cluster of
 * one distinct phrase keeps it; others are named by an LLM with prompts/discover/name.v1.md, or by their most
 * frequent phrase when no namer is given or it fails) and mapped to the nearest Schwartz value / moral
 * foundation. Deterministic for the same phrases, encoder and (cached) namer.
 *
 * No clustering package is installed in this project, and none of the maintained JavaScript ones fits:
 * ml-hclust (mljs) builds the whole dendrogram with O(n³) naive merging and gives no seeded, documented
 * tie-breaking; density-clustering's DBSCAN has no hierarchy. So this is the textbook algorithm, small and
 * deterministic: the nearest-neighbour chain (O(n²) time and memory, exact for average linkage, which is
 * reducible), merges sorted by distance and cut with union–find; ties broken by the lower index.
 */
import { generateObject } from '../models/structured.ts';
import type { Encoder } from '../models/encoder.ts';
import type { Provider } from '../models/types.ts';
import { MFT_FOUNDATIONS } from '../values/mft.ts';
import { SCHWARTZ_VALUES } from '../values/schwartz.ts';
import { discoverPrompt, nameSchema } from './extract.ts';

export type FrameworkName = 'schwartz' | 'mft';
export const FRAMEWORKS: readonly FrameworkName[] = ['schwartz', 'mft'];

/** Cosine similarity thresholds: phrases at least `leaf` alike share a value; values `group`, groups `top`. */
export const DEFAULT_THRESHOLDS = { leaf: 0.7, group: 0.45, top: 0.3 } as const;
/** Phrases clustered at most (the most frequent); the rest join the nearest cluster. */
export const MAX_CLUSTERED_PHRASES = 3000;

export interface FrameworkMatch {
  framework: FrameworkName;
  id: string;
  similarity: number;
}

export interface ValueNode {
  /** Stable within a result: `v1`, `v2`, … for leaves, `g1`, … for groups, `t1`, … for top groups. */
  key: string;
  name: string;
  /** 1: a value (a cluster of phrases); 2: a group of values; 3: a group of groups. */
  level: 1 | 2 | 3;
  parent?: string;
  /** The phrases (level 1) or child keys (2, 3). */
  phrases: string[];
  children: string[];
  framework_match: FrameworkMatch | null;
}

export interface Hierarchy {
  nodes: ValueNode[];
  /** phrase → leaf key */
  leafOf: Map<string, string>;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function mean(vectors: Float32Array[]): Float32Array {
  const out = new Float32Array(vectors[0]!.length);
  for (const v of vectors) for (let i = 0; i < v.length; i++) out[i]! += v[i]!;
  let norm = 0;
  for (const x of out) norm += x * x;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/**
 * Average-linkage agglomerative clustering on cosine distance, cut where the average similarity drops below
 * `minSimilarity`. Returns cluster labels (0, 1, … in order of each cluster's first member).
 */
export function agglomerate(vectors: readonly Float32Array[], minSimilarity: number): number[] {
  const n = vectors.length;
  if (n <= 1) return vectors.map(() => 0);
  // distances, symmetric, full matrix (n ≤ MAX_CLUSTERED_PHRASES)
  const d = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
    const x = 1 - dot(vectors[i]!, vectors[j]!);
    d[i * n + j] = x;
    d[j * n + i] = x;
  }
  const size = new Int32Array(n).fill(1);
  const active = new Uint8Array(n).fill(1);
  const merges: { a: number; b: number; dist: number }[] = [];
  const chain: number[] = [];
  let remaining = n;
  while (remaining > 1) {
    if (chain.length === 0) {
      for (let i = 0; i < n; i++) if (active[i]) { chain.push(i); break; }
    }
    const top = chain.at(-1)!;
    const prev = chain.length > 1 ? chain.at(-2)! : -1;
    // nearest active neighbour of `top`; prefer the previous chain element on ties (guarantees termination)
    let best = -1;
    let bestD = Infinity;
    for (let j = 0; j < n; j++) {
      if (j === top || !active[j]) continue;
      const x = d[top * n + j]!;
      if (x < bestD || (x === bestD && j === prev)) { best = j; bestD = x; }
    }
    if (best === prev) {
      chain.pop();
      chain.pop();
      const [a, b] = top < prev ? [top, prev] : [prev, top];
      merges.push({ a, b, dist: bestD });
      // Lance–Williams for average linkage: the merged cluster lives at index a
      for (let k = 0; k < n; k++) {
        if (!active[k] || k === a || k === b) continue;
        const x = (size[a]! * d[a * n + k]! + size[b]! * d[b * n + k]!) / (size[a]! + size[b]!);
        d[a * n + k] = x;
        d[k * n + a] = x;
      }
      size[a] = size[a]! + size[b]!;
      active[b] = 0;
      remaining--;
    } else chain.push(best);
  }
  // the merges in order of distance (stable by their members), cut at the threshold with union–find
  merges.sort((x, y) => x.dist - y.dist || x.a - y.a || x.b - y.b);
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i]!)));
  for (const m of merges) {
    if (1 - m.dist < minSimilarity - 1e-12) break;
    const ra = find(m.a);
    const rb = find(m.b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  }
  const labels: number[] = [];
  const ids = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!ids.has(r)) ids.set(r, ids.size);
    labels.push(ids.get(r)!);
  }
  return labels;
}

interface FrameworkTarget { framework: FrameworkName; id: string; text: string }

function frameworkTargets(frameworks: readonly FrameworkName[]): FrameworkTarget[] {
  const out: FrameworkTarget[] = [];
  if (frameworks.includes('schwartz')) for (const v of SCHWARTZ_VALUES) out.push({ framework: 'schwartz', id: v.id, text: `${v.name}: ${v.definition}` });
  if (frameworks.includes('mft')) for (const f of MFT_FOUNDATIONS) out.push({ framework: 'mft', id: f.id, text: `${f.virtue.name}: ${f.virtue.description}` });
  return out;
}

export interface OrganiseOptions {
  encoder: Encoder;
  /** Names clusters of several phrases; without one, a cluster is named by its most frequent phrase. */
  namer?: Provider;
  frameworks: readonly FrameworkName[];
  thresholds?: { leaf: number; group: number; top: number };
  signal?: AbortSignal;
  /** Told about each naming failure (the cluster then keeps its most frequent phrase). */
  onNamingError?: (error: unknown) => void;
}

/** Phrases with their counts (conversations expressing them) → the hierarchy. */
export async function organise(phraseCounts: ReadonlyMap<string, number>, options: OrganiseOptions): Promise<Hierarchy> {
  const t = options.thresholds ?? DEFAULT_THRESHOLDS;
  const phrases = [...phraseCounts.keys()].sort((a, b) => phraseCounts.get(b)! - phraseCounts.get(a)! || (a < b ? -1 : a > b ? 1 : 0));
  if (phrases.length === 0) return { nodes: [], leafOf: new Map() };
  const signal = options.signal;
  const vectors = await options.encoder.embed(phrases, signal ? { signal } : {});
  const vec = new Map(phrases.map((p, i) => [p, vectors[i]!]));
  const head = phrases.slice(0, MAX_CLUSTERED_PHRASES);
  const labels = agglomerate(head.map((p) => vec.get(p)!), t.leaf);
  const groups: string[][] = [];
  head.forEach((p, i) => (groups[labels[i]!] ??= []).push(p));
  // phrases beyond the cap join the nearest cluster
  if (phrases.length > head.length) {
    const centroids = groups.map((g) => mean(g.map((p) => vec.get(p)!)));
    for (const p of phrases.slice(head.length)) {
      let best = 0;
      let bestS = -Infinity;
      centroids.forEach((c, i) => { const s = dot(c, vec.get(p)!); if (s > bestS) { bestS = s; best = i; } });
      groups[best]!.push(p);
    }
  }
  const targets = frameworkTargets(options.frameworks);
  const targetVectors = targets.length ? await options.encoder.embed(targets.map((x) => x.text), signal ? { signal } : {}) : [];
  const match = (centroid: Float32Array): FrameworkMatch | null => {
    let best: FrameworkMatch | null = null;
    targets.forEach((x, i) => {
      const s = dot(centroid, targetVectors[i]!);
      if (!best || s > best.similarity) best = { framework: x.framework, id: x.id, similarity: Math.round(s * 1000) / 1000 };
    });
    return best;
  };
  const usedNames = new Set<string>();
  const unique = (name: string): string => {
    let n = name;
    for (let i = 2; usedNames.has(n); i++) n = `${name} (${i})`;
    usedNames.add(n);
    return n;
  };
  const nameOf = async (items: string[], fallback: string, kind: string): Promise<string> => {
    if (items.length === 1 || !options.namer) return fallback;
    try {
      const list = items.slice(0, 12).map((p) => `- ${p}`).join('\n');
      const r = await generateObject(options.namer, {
        messages: [{ role: 'user', content: discoverPrompt('name').replace('{{phrases}}', () => list) }],
        temperature: 0,
        maxTokens: 40,
      }, nameSchema, { name: 'name', ...(signal ? { signal } : {}) });
      const n = r.value.name.toLowerCase().replace(/\s+/g, ' ').trim();
      return n || fallback;
    } catch (error) {
      if (signal?.aborted) throw error;
      options.onNamingError?.(new Error(`naming a ${kind}: ${String((error as Error)?.message ?? error)}`));
      return fallback;
    }
  };

  const nodes: ValueNode[] = [];
  const leafOf = new Map<string, string>();
  const leafCentroids: Float32Array[] = [];
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!; // already by frequency
    const key = `v${i + 1}`;
    const centroid = mean(g.map((p) => vec.get(p)!));
    leafCentroids.push(centroid);
    for (const p of g) leafOf.set(p, key);
    nodes.push({ key, name: await nameOf(g, g[0]!, 'value'), level: 1, phrases: g, children: [], framework_match: match(centroid) });
  }
  for (const node of nodes) node.name = unique(node.name);

  // level 2: the values' centroids clustered again; only groups of two or more values become nodes
  const buildLevel = async (children: ValueNode[], centroids: Float32Array[], minSimilarity: number, level: 2 | 3, prefix: string): Promise<{ nodes: ValueNode[]; centroids: Float32Array[] }> => {
    const labels2 = agglomerate(centroids, minSimilarity);
    const members: number[][] = [];
    labels2.forEach((l, i) => (members[l] ??= []).push(i));
    const made: ValueNode[] = [];
    const madeCentroids: Float32Array[] = [];
    for (const m of members) {
      if (m.length < 2) continue;
      const key = `${prefix}${made.length + 1}`;
      const centroid = mean(m.map((i) => centroids[i]!));
      const kids = m.map((i) => children[i]!);
      const name = unique(await nameOf(kids.map((k) => k.name), kids[0]!.name === kids[0]!.phrases[0] ? `${kids[0]!.name} and related` : `${kids[0]!.name} and related`, 'group'));
      for (const k of kids) k.parent = key;
      made.push({ key, name, level, phrases: [], children: kids.map((k) => k.key), framework_match: match(centroid) });
      madeCentroids.push(centroid);
    }
    return { nodes: made, centroids: madeCentroids };
  };
  const level2 = await buildLevel(nodes, leafCentroids, t.group, 2, 'g');
  const level3 = level2.nodes.length > 2 ? await buildLevel(level2.nodes, level2.centroids, t.top, 3, 't') : { nodes: [] };
  return { nodes: [...level3.nodes, ...level2.nodes, ...nodes], leafOf };
}
