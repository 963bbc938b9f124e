/**
 * A worker thread that computes run reports (see report-worker.ts), started on first use and unreferenced
 * while idle, so it never keeps the process alive. Needs the store's location (a file or a Postgres URL):
 * an in-memory store cannot be shared, and then reports are computed on the main thread.
 */
import { Worker } from 'node:worker_threads';
import { TenetError, type ErrorCode } from '../errors.ts';
import type { ReportData } from '../report/data.ts';

export interface ReportThread {
  report(runId: string): Promise<ReportData | null>;
  /** Start the thread now (it loads its modules and opens the store in the background), still unreferenced. */
  warm(): void;
  close(): Promise<void>;
}

export function startReportThread(location: string): ReportThread {
  const pending = new Map<number, { resolve: (r: ReportData | null) => void; reject: (e: unknown) => void }>();
  let nextId = 0;
  let worker: Worker | undefined;
  const failAll = (error: unknown): void => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
    worker = undefined;
  };
  const start = (): Worker => {
    const extension = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    const w = new Worker(new URL(`./report-worker${extension}`, import.meta.url), { workerData: { location } });
    w.on('message', (m: { id: number; report?: ReportData | null; error?: { code: string; message: string } }) => {
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (pending.size === 0) w.unref();
      if (m.error) p.reject(new TenetError(m.error.code as ErrorCode, m.error.message));
      else p.resolve(m.report ?? null);
    });
    w.on('error', (error) => failAll(new TenetError('INTERNAL', `the viewer's report thread failed: ${error.message}`, { cause: error })));
    w.on('exit', (code) => {
      if (pending.size > 0) failAll(new TenetError('INTERNAL', `the viewer's report thread exited (${code})`));
      worker = undefined;
    });
    return w;
  };
  return {
    warm() {
      worker ??= start();
      if (pending.size === 0) worker.unref();
    },
    report(runId) {
      return new Promise((resolve, reject) => {
        worker ??= start();
        if (pending.size === 0) worker.ref();
        const id = nextId++;
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, runId });
      });
    },
    async close() {
      const w = worker;
      worker = undefined;
      if (w) await w.terminate();
    },
  };
}
