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
