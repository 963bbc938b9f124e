import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where local model files live when named rather than given as a path: $TENET_MODELS_DIR, else
 * ~/.cache/tenet/models (where `scripts/fetch-models` puts the small real models it prepares).
 */
export function modelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.TENET_MODELS_DIR ? resolve(env.TENET_MODELS_DIR) : join(homedir(), '.cache', 'tenet', 'models');
}

/**
 * A GGUF file from a spec's model part: a path (anything with a slash or ending in .gguf) as given, or a
 * bare name looked up as NAME.gguf in the models directory (`llamacpp:smollm2-135m-instruct-q4_1`).
 */
export function localModelPath(nameOrPath: string, env: Record<string, string | undefined> = process.env): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.toLowerCase().endsWith('.gguf') || isAbsolute(nameOrPath);
  return isPath ? resolve(nameOrPath) : join(modelsDir(env), `${nameOrPath}.gguf`);
}

/** The models `npm run fetch-models` puts in the models directory, with the size and SHA-256 it checks them against. */
export const FETCHED_MODELS: readonly { name: string; bytes: number; sha256: string }[] = [
  { name: 'smollm2-135m-instruct-q4_1', bytes: 98_362_432, sha256: 'b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53' },
  { name: 'gemma-3-270m-q4_k_m', bytes: 253_113_024, sha256: 'a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818' },
  { name: 'all-minilm-l6-v2', bytes: 90_897_728, sha256: '578ec7cb2138ca4ab336b2583f8be5382cfdfab5d019209c8a3e4806c0e66cb1' },
];
