/**
 * What a long run is about to do, said before it starts: how many generations each model will make and, where
 * the model's speed is known, about how long that takes. Speed comes from this store's own history (the median
 * latency of the model's recent uncached samples) or, for the small local models `npm run fetch-models` gets,
 * from benchmarks/local-models (generation tokens/s at one thread on 2 cores); otherwise it is unknown and only
 * the counts are printed.
 */
import type { Store } from '../store/index.ts';

export interface PlannedGenerations {
  /** The model's canonical spec. */
  model: string;
  /** What the model does in this run (target, generator, …). */
  role: string;
  /** Generations (samples) the model is asked for, at most. */
  generations: number;
  /** The longest generation, in tokens. */
  maxTokens: number;
}

export interface ModelSpeed {
  secondsPerGeneration: number;
  basis: string;
}

/** Generation tokens/s measured in benchmarks/local-models (1 thread, 2 cores, results.json of 2026-12-01). */
const LOCAL_TOKENS_PER_SECOND: Record<string, number> = {
  'llamacpp:smollm2-135m-instruct-q4_1': 30,
  'llamacpp:gemma-3-270m-q4_k_m': 24,
};

const HISTORY = 200;

/** The model's speed where it is known: this store's history first, then the local-model benchmark. */
export async function modelSpeed(store: Store | undefined, model: string, maxTokens: number): Promise<ModelSpeed | undefined> {
  if (store) {
    const rows = await store.kysely.selectFrom('samples').select('latency_ms')
      .where('model', '=', model).where('cached', '=', 0).where('error', 'is', null)
      .orderBy('created_at', 'desc').limit(HISTORY).execute();
    if (rows.length >= 5) {
      const sorted = rows.map((r) => Number(r.latency_ms)).sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)]!;
      return { secondsPerGeneration: median / 1000, basis: `median of its last ${rows.length} calls in this store` };
    }
  }
  const tps = LOCAL_TOKENS_PER_SECOND[model];
  if (tps) return { secondsPerGeneration: maxTokens / tps, basis: `${tps} tokens/s measured on 2 cores (benchmarks/local-models)` };
  return undefined;
}

function duration(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, Math.round(seconds))} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/**
 * One or two lines for stderr: the planned generations per model and, where every model's speed is known, an
 * estimate. Local models share the machine, so their times add up; remote ones run `concurrency` at a time.
 */
export async function describePlan(store: Store | undefined, label: string, planned: readonly PlannedGenerations[], concurrency: number): Promise<string> {
  const work = planned.filter((p) => p.generations > 0);
  if (work.length === 0) return `${label}: nothing left to generate`;
  const byModel = new Map<string, PlannedGenerations[]>();
  for (const p of work) byModel.set(p.model, [...(byModel.get(p.model) ?? []), p]);
  const parts = [...byModel].map(([model, ps]) => {
    const total = ps.reduce((n, p) => n + p.generations, 0);
    return `${total.toLocaleString('en-US')} generations by ${model} (${ps.map((p) => `${p.role} ${p.generations.toLocaleString('en-US')}, ≤ ${p.maxTokens} tokens each`).join('; ')})`;
  });
  let seconds = 0;
  const unknown = new Set<string>();
  for (const p of work) {
    const speed = await modelSpeed(store, p.model, p.maxTokens);
    if (!speed) unknown.add(p.model);
    else seconds += (p.generations * speed.secondsPerGeneration) / (p.model.startsWith('llamacpp:') ? 1 : Math.max(1, concurrency));
  }
  const head = `${label}: at most ${parts.join(' and ')}`;
  return unknown.size === 0
    ? `${head}\n  estimated time: about ${duration(seconds)} at the models' known speed, plus judging (the progress line refines it)`
    : `${head}\n  estimated time: unknown (no measured speed for ${[...unknown].join(', ')} yet; the progress line shows it once calls finish)`;
}
