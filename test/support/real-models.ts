/**
 * The real small models of the real-model tests: SmolLM2-135M-Instruct and Gemma 3 270M (GGUF, run by
 * node-llama-cpp) and the all-MiniLM-L6-v2 sentence encoder, as `scripts/fetch-models` prepares them under
 * $TENET_MODELS_DIR (default ~/.cache/tenet/models). When they or node-llama-cpp are missing, the tests that
 * need them are skipped with this hint; CI runs `npm run fetch-models` first, so there they run.
 */
import { existsSync } from 'node:fs';
import { describe } from 'vitest';
import { localModelPath } from '../../src/models/local-files.ts';

export const SMOL = 'llamacpp:smollm2-135m-instruct-q4_1';
export const GEMMA = 'llamacpp:gemma-3-270m-q4_k_m';
export const ENCODER = 'local-encoder:all-minilm-l6-v2';

const files = ['smollm2-135m-instruct-q4_1', 'gemma-3-270m-q4_k_m', 'all-minilm-l6-v2'].map((name) => localModelPath(name));

function llamaInstalled(): boolean {
  return existsSync(new URL('../../node_modules/node-llama-cpp/package.json', import.meta.url));
}

const missing = [...(llamaInstalled() ? [] : ['node-llama-cpp']), ...files.filter((f) => !existsSync(f))];
export const realModelsAvailable = missing.length === 0;

/** `describe`, skipped with a hint when the real models are not there. */
export function describeRealModels(name: string, fn: () => void): void {
  if (!realModelsAvailable) {
    console.info(`[real models] "${name}" skipped: missing ${missing.join(', ')}; run \`npm run fetch-models\` to fetch the real small models and node-llama-cpp`);
  }
  describe.skipIf(!realModelsAvailable)(name, fn);
}
