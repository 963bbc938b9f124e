// The local judge in a worker thread: messages {id, items} in, {id, results} or {id, error} out.
import { parentPort, workerData } from 'node:worker_threads';
import { loadLocalJudgeSync } from './judge.ts';

const judge = loadLocalJudgeSync(workerData.file as string);
parentPort!.postMessage({ ready: true });
parentPort!.on('message', (message: { id: number; items: Parameters<typeof judge.judgeSync>[0] }) => {
  try {
    parentPort!.postMessage({ id: message.id, results: judge.judgeSync(message.items) });
  } catch (error) {
    parentPort!.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
  }
});
