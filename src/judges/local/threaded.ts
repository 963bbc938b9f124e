import { Worker } from 'node:worker_threads';
import { TenetError } from '../../errors.ts';
import { DEFAULT_WEIGHTS_FILE, loadLocalJudgeSync, type JudgeItem, type JudgeOutput, type LocalJudge } from './judge.ts';

/**
 * The local judge on its own thread, so that judging overlaps model calls and I/O on the main thread.
 * Same weights, same results, same id and version as the in-thread judge. The worker only keeps the
 * process alive while a batch is being judged.
 */
export function loadThreadedLocalJudge(file: string = DEFAULT_WEIGHTS_FILE): LocalJudge {
  const inThread = loadLocalJudgeSync(file); // validates the file and gives id, version and meta
  const pending = new Map<number, { resolve: (r: JudgeOutput[]) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let failure: unknown;
  let worker: Worker | undefined;
  const settleAll = (error: unknown): void => {
    failure = error;
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  };
  // Started on first use, so a command that fails before judging leaves no thread behind.
  const start = (): Worker => {
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const w = new Worker(new URL(`./judge-worker${extension}`, import.meta.url), { workerData: { file } });
    w.on('message', (message: { id?: number; results?: JudgeOutput[]; error?: string }) => {
      if (message.id === undefined) return;
      const p = pending.get(message.id);
      if (!p) return;
      pending.delete(message.id);
      if (pending.size === 0) w.unref();
      if (message.error !== undefined) p.reject(new TenetError('BAD_INPUT', `the local judge failed: ${message.error}`));
      else p.resolve(message.results!);
    });
    w.on('error', (error) => settleAll(new TenetError('INTERNAL', `the local judge's worker thread failed: ${error.message}`, { cause: error })));
    w.on('exit', (code) => {
      if (pending.size > 0) settleAll(new TenetError('INTERNAL', `the local judge's worker thread exited (${code})`));
    });
    return w;
  };

  const judge = (items: readonly JudgeItem[]): Promise<JudgeOutput[]> => {
    if (failure) return Promise.reject(failure);
    if (items.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const id = nextId++;
      worker ??= start();
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, items });
    });
  };
  return { ...inThread, judge };
}
