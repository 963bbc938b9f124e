import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/**
 * Where local model files live when named rather than given as a path: $TENET_MODELS_DIR, else
 * ~/.cache/tenet/models (where `scripts/fetch-models` puts the small real models it prepares).
 */
export function modelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.TENET_MODELS_DIR ? resolve(env.TENET_MODELS_DIR) : join(homedir(), '.cache', 'tenet', 'models');
}

/** The models `scripts/fetch-models` prepares, by the names specs may use for them. */
export const FETCHED_MODELS = {
  'smollm2-135m-instruct-q4_1': 'SmolLM2-135M-Instruct, Q4_1 (Apache-2.0)',
  'gemma-3-270m-q4_k_m': 'Gemma 3 270M pretrained base model, Q4_K_M (Gemma terms)',
  'all-minilm-l6-v2': 'all-MiniLM-L6-v2 sentence encoder, F32 (Apache-2.0)',
} as const;

/**
 * A GGUF file from a spec's model part: a path (anything with a slash or ending in .gguf) as given, or a
 * bare name looked up as NAME.gguf in the models directory (`llamacpp:smollm2-135m-instruct-q4_1`).
 */
export function localModelPath(nameOrPath: string, env: Record<string, string | undefined> = process.env): string {
  const isPath = nameOrPath.includes('/') || nameOrPath.includes('\\') || nameOrPath.toLowerCase().endsWith('.gguf') || isAbsolute(nameOrPath);
  return isPath ? resolve(nameOrPath) : join(modelsDir(env), `${nameOrPath}.gguf`);
}
