import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

/**
 * Two projects in one run (issue 25, "a faster suite"; README "Test suite speed"):
 * - `real-models` (test/real-models/): runs first (vitest orders projects by name) because its files are the
 *   longest, and with `isolate: false`, so a worker that runs several of them imports node-llama-cpp and
 *   starts its llama.cpp runtime once, not once per file (src/models/llama-runtime.ts keeps it per process;
 *   each file still loads the GGUF files it uses once and frees them in its afterAll);
 * - `suite` (everything else): isolated per file, as before.
 * At least two workers: vitest's default for `run` is cores − 1, which is one worker on the 2-core CI
 * machine and left a core idle while a test waited on a child process, a browser, PostgreSQL or a socket.
 * node-llama-cpp runs one thread per evaluation there (defaultThreads()), so two real-model files side by
 * side still fit the two cores.
 */
const maxWorkers = Math.max(2, availableParallelism() - 1);

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    maxWorkers,
    projects: [
      {
        extends: true,
        test: { name: 'real-models', include: ['test/real-models/**/*.test.ts'], isolate: false },
      },
      {
        extends: true,
        test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: ['test/real-models/**'] },
      },
    ],
  },
});
