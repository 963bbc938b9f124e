/**
 * About how many generations a probe asks for, for the plan printed before it starts (runtime/plan.ts). An
 * upper estimate per trajectory (principles × prompts per principle), T iterations, K samples, C candidates and
 * K′ fresh samples: the generator writes up to C seed openings, then per iteration a violating example and C
 * rewrites; the target answers the first fresh evaluation (K′), then per iteration the E-step (K), each
 * candidate (C·K), the re-sampled incumbent (K) and the fresh evaluation (K′). Trajectories that stop early
 * (patience, no progress) make fewer.
 */
import type { PlannedGenerations } from '../runtime/plan.ts';

export interface ProbePlanInput {
  trajectories: number;
  iterations: number;
  samples: number;
  candidates: number;
  evalSamples: number;
  target: { spec: string; maxTokens: number };
  generator: { spec: string; maxTokens: number };
}

export function probePlan(o: ProbePlanInput): PlannedGenerations[] {
  const { trajectories: P, iterations: T, samples: K, candidates: C, evalSamples: F } = o;
  return [
    { model: o.target.spec, role: 'target', generations: P * (F + T * (K + C * K + K + F)), maxTokens: o.target.maxTokens },
    { model: o.generator.spec, role: 'generator', generations: P * (C + T * (1 + C)), maxTokens: o.generator.maxTokens },
  ];
}
