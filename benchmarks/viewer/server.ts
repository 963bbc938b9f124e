/**
 * `tenet view`'s server as its own process, for the viewer benchmark: `node benchmarks/viewer/server.ts
 * --db FILE`. Prints one JSON line `{"url": ...}` when listening; exits on SIGTERM or when stdin closes.
 */
import { parseArgs } from 'node:util';
import { openStore } from '../../src/store/index.ts';
import { serveView } from '../../src/view/index.ts';

const { values } = parseArgs({ options: { db: { type: 'string' }, assets: { type: 'string' } } });
const store = await openStore(values.db);
const server = await serveView({ store, storeLocation: values.db!, port: 0, ...(values.assets ? { assetsDir: values.assets } : {}), log: (m) => process.stderr.write(`${m}\n`) });
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
const stop = async (): Promise<void> => {
  await server.close();
  await store.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
