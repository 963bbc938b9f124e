/**
 * The run lease: one process works on a run at a time. The local executor takes the run's lease before
 * its first unit and gives it up after its last; while it works, a heartbeat extends the lease in the
 * store. A second process on the same run is refused with a clear message. A lease whose holder died is
 * taken over: at once when the holder ran on this machine and its pid is gone (a killed run resumes
 * without waiting), otherwise when its heartbeat stopped for `RUN_LEASE_TTL_MS`.
 * Executors whose workers share a run by design (distributed workers claiming units) do not take it.
 *
 *   const lease = await acquireRunLease(store, runId);   // throws TenetError('RUN_BUSY') when held elsewhere
 *   try { ... } finally { await lease.release(); }
 *
 * Within one process the lease is re-entrant: acquiring it again (e.g. a probe holding it across its
 * stages while each stage's executor also takes it, or stages starting side by side) counts up, with one
 * take from the store however many ask at once, and only the last release gives it up.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { TenetError } from '../errors.ts';
import type { RunLeaseHolder, Store } from '../store/types.ts';

/** How long a lease lasts without a heartbeat. */
export const RUN_LEASE_TTL_MS = 30_000;

/** This process, as a lease owner: host, pid and a random suffix (pids are reused). */
export const PROCESS_OWNER = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

export interface RunLease {
  readonly runId: string;
  readonly owner: string;
  /** Aborted when the lease was lost (another process took it over after it expired). */
  readonly lost: AbortSignal;
  /** Extends the lease now (the lease also does this by itself every ttl/3). */
  heartbeat(): Promise<void>;
  /** Gives this hold up; the lease is released in the store when the last hold in the process is. */
  release(): Promise<void>;
}

export interface RunLeaseOptions {
  /** Default RUN_LEASE_TTL_MS. */
  ttlMs?: number;
}

interface Held {
  count: number;
  timer: NodeJS.Timeout;
  controller: AbortController;
  ttlMs: number;
}

/** Per store, per owner and run: the hold being taken or held (one take at a time, however many ask at once). */
const held = new WeakMap<Store, Map<string, Promise<Held>>>();

function busy(runId: string, holder: RunLeaseHolder, ttlMs: number): TenetError {
  const ago = Math.max(0, Math.round((Date.now() - Date.parse(holder.heartbeatAt)) / 1000));
  const left = Math.max(0, Math.ceil((Date.parse(holder.expiresAt) - Date.now()) / 1000));
  return new TenetError('RUN_BUSY', `run ${runId} is being worked on by another process (${holder.owner}, last heartbeat ${ago} s ago)`, {
    hint:
      `running it twice would repeat its model calls. Wait for that process to finish, or stop it (Ctrl-C). If it died, ` +
      `its lease expires ${Math.round(ttlMs / 1000)} s after its last heartbeat (in about ${left} s) and a rerun takes over`,
    details: { holder },
  });
}

/** Whether a lease owner (`host:pid:…`) ran on this machine and that process no longer exists. */
export function diedHere(owner: string): boolean {
  const [host, pidText] = owner.split(':');
  const pid = Number(pidText);
  if (host !== hostname() || !Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Takes the run's lease for `owner` (default: this process), or throws TenetError('RUN_BUSY'). */
export async function acquireRunLease(store: Store, runId: string, owner: string = PROCESS_OWNER, options: RunLeaseOptions = {}): Promise<RunLease> {
  const ttlMs = options.ttlMs ?? RUN_LEASE_TTL_MS;
  const byRun = held.get(store) ?? new Map<string, Promise<Held>>();
  held.set(store, byRun);
  const key = `${owner}\u0000${runId}`;
  let taking = byRun.get(key);
  if (!taking) {
    taking = (async (): Promise<Held> => {
      const { acquired, holder } = await store.leases.acquire(runId, owner, ttlMs);
      if (!acquired && !(diedHere(holder.owner) && (await store.leases.takeOver(runId, holder.owner, owner, ttlMs)))) {
        throw busy(runId, holder, ttlMs);
      }
      const controller = new AbortController();
      const beat = async (): Promise<void> => {
        const ok = await store.leases.heartbeat(runId, owner, ttlMs).catch(() => true); // a failed write is retried at the next beat
        if (!ok && !controller.signal.aborted) {
          const now = await store.leases.get(runId).catch(() => undefined);
          controller.abort(now ? busy(runId, now, ttlMs) : new TenetError('RUN_BUSY', `run ${runId}: this process lost its lease`));
        }
      };
      const timer = setInterval(() => void beat(), Math.max(50, Math.floor(ttlMs / 3)));
      timer.unref();
      return { count: 0, timer, controller, ttlMs };
    })();
    byRun.set(key, taking);
    taking.catch(() => byRun.delete(key));
  }
  const current = await taking;
  current.count++;
  let released = false;
  return {
    runId,
    owner,
    lost: current.controller.signal,
    async heartbeat() {
      if (!(await store.leases.heartbeat(runId, owner, current.ttlMs))) {
        const now = await store.leases.get(runId);
        throw now ? busy(runId, now, current.ttlMs) : new TenetError('RUN_BUSY', `run ${runId}: this process lost its lease`);
      }
    },
    async release() {
      if (released) return;
      released = true;
      current.count--;
      if (current.count > 0) return;
      clearInterval(current.timer);
      byRun.delete(key);
      await store.leases.release(runId, owner);
    },
  };
}
