/**
 * Train the local judge from the reference data and write its weights.
 *
 *   node src/judges/local/train-cli.ts [--data DIR] [--out FILE] [--seed N]
 *
 * Defaults: --data ../shared/data (beside the repo), --out data/judge/local-judge.json, --seed 1.
 * With the default data and seed this reproduces the committed weights byte for byte.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { trainLocalJudge } from './train.ts';

export const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));
export const DEFAULT_OUT_FILE = fileURLToPath(new URL('../../../data/judge/local-judge.json', import.meta.url));

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { data: { type: 'string' }, out: { type: 'string' }, seed: { type: 'string' } },
  });
  const seed = values.seed === undefined ? 1 : Number(values.seed);
  const result = await trainLocalJudge({
    dataDir: values.data ?? DEFAULT_DATA_DIR,
    outFile: values.out ?? DEFAULT_OUT_FILE,
    seed,
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stderr.write(`wrote ${values.out ?? DEFAULT_OUT_FILE} (${result.bytes} bytes) in ${result.seconds.toFixed(1)} s\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await main(process.argv.slice(2));
}
