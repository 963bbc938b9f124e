/**
 * The viewer's report thread: computes a run's metrics (its kind's loader: scores loaded, bootstrapped) on
 * its own connection to the store, so the server keeps answering pages while a large run's metrics are
 * bootstrapped. Messages: {id, runId} in; {id, report} or {id, error: {code, message}} out.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isTenetError, TenetError } from '../errors.ts';
import { openStore } from '../store/index.ts';
import { RUN_KIND_LOADERS } from './data.ts';

const store = await openStore((workerData as { location: string }).location, { migrate: false });

parentPort!.on('message', async (message: { id: number; runId: string }) => {
  try {
    const run = await store.runs.get(message.runId);
    if (!run) throw new TenetError('NOT_FOUND', `no run ${message.runId} in this store`);
    const loader = RUN_KIND_LOADERS[run.kind];
    parentPort!.postMessage({ id: message.id, report: loader ? JSON.parse(JSON.stringify(await loader(store, run))) : null });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: isTenetError(error) ? { code: error.code, message: error.message } : { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } });
  }
});
