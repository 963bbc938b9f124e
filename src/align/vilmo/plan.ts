/**
 * The generations a VILMO run asks for, stage by stage as run.ts runs them, for the plan printed before it
 * starts (runtime/plan.ts). With T / V / E training / validation / test prompts, K samples, M candidates and
 * R rounds: VILMO's generator writes (R+1)·V validation, R·T·M training and E test instructions, and the target
 * answers each validation and training instruction K times; APE writes M instructions, each answered K times on
 * the T training prompts; every arm but self-critique answers the E test prompts K times; self-critique
 * critiques and revises each of the none arm's E·K drafts.
 */
import type { PlannedGenerations } from '../../runtime/plan.ts';
import { DEFAULT_GENERATOR_SAMPLING, DEFAULT_TARGET_SAMPLING, type VilmoRunConfig } from './config.ts';

export function vilmoPlan(config: VilmoRunConfig, sizes: { train: number; val: number; test: number }): PlannedGenerations[] {
  const { samples: K, candidates: M, rounds: R, methods } = config;
  const { train: T, val: V, test: E } = sizes;
  let generator = 0;
  let target = 0;
  if (methods.includes('vilmo')) {
    generator += (R + 1) * V + R * T * M + E;
    target += (R + 1) * V * K + R * T * M * K;
  }
  if (methods.includes('ape')) {
    generator += M;
    target += M * T * K;
  }
  target += methods.filter((m) => m !== 'self-critique').length * E * K;
  if (methods.includes('self-critique')) target += 2 * E * K;
  return [
    { model: config.target.spec, role: 'target', generations: target, maxTokens: config.sampling.maxTokens ?? DEFAULT_TARGET_SAMPLING.maxTokens! },
    { model: config.generator.spec, role: 'generator', generations: generator, maxTokens: config.generatorSampling.maxTokens ?? DEFAULT_GENERATOR_SAMPLING.maxTokens! },
  ];
}
