// The CLI as a user runs it: the published entry point (bin/tenet.js) over the compiled dist/, compiled here
// first so that a benchmark never measures a stale build. Running src/ directly adds type stripping and
// about 0.3 s of start-up to every process.
import { spawnSync } from 'node:child_process';

const root = new URL('../', import.meta.url).pathname;

/** Compiles the CLI (`tsc -p tsconfig.build.json`) and returns the path of its entry point. */
export function compiledCli(): string {
  const build = spawnSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, '-p', `${root}tsconfig.build.json`], { stdio: 'inherit' });
  if (build.status !== 0) throw new Error('tsc -p tsconfig.build.json failed: the benchmark runs the compiled CLI');
  return `${root}bin/tenet.js`;
}
