/**
 * Bounding a Postgres store operation in time and by an abort signal. A statement sent over a connection
 * whose peer went silent (a network partition, a server host gone) would otherwise wait for TCP to give
 * up, minutes to hours; the server-side statement_timeout cannot help, since its answer never arrives.
 * So when the time is up or the signal fires, every connection the operation checked out of the pool is
 * dropped (its socket destroyed): the statement in flight rejects at once, the pool discards the
 * connection, and the server ends that session when it notices (keepalive, or
 * idle_in_transaction_session_timeout), releasing what it held.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { TenetError } from '../errors.ts';

export interface OperationBounds {
  /** Give up (and drop the operation's connections) after this long. */
  timeoutMs?: number | undefined;
  /** Give up when this fires (a job taken away from its worker, a stop). */
  signal?: AbortSignal | undefined;
}

/** What a pooled pg client offers for dropping it: its socket. */
interface DroppableClient {
  connection?: { stream?: { destroy(error?: Error): void } };
}

class Guard {
  readonly clients = new Set<DroppableClient>();
  fired: Error | undefined;
  attach(client: DroppableClient): void {
    if (this.fired) drop(client);
    else this.clients.add(client);
  }
  fire(reason: Error): void {
    this.fired = reason;
    for (const client of this.clients) drop(client);
  }
}

function drop(client: DroppableClient): void {
  client.connection?.stream?.destroy();
}

const guards = new AsyncLocalStorage<Guard>();

/** Called by the store's pool on every checkout: the bounded operation in progress, if any, owns it. */
export function claimConnection(client: unknown): void {
  guards.getStore()?.attach(client as DroppableClient);
}

/**
 * Runs `fn` within the bounds. Past the time limit it rejects with TenetError('STORE') naming `what`; when
 * the signal fires, with the signal's reason. Either way the connections `fn` had checked out are dropped.
 */
export async function bounded<T>(what: string, bounds: OperationBounds, fn: () => Promise<T>): Promise<T> {
  const { timeoutMs, signal } = bounds;
  if (timeoutMs === undefined && signal === undefined) return fn();
  signal?.throwIfAborted();
  const guard = new Guard();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    const fire = (reason: Error): void => {
      guard.fire(reason);
      reject(reason);
    };
    if (timeoutMs !== undefined) {
      timer = setTimeout(() => fire(new TenetError('STORE', `${what}: no answer from Postgres within ${timeoutMs / 1000} s`, {
        hint: 'the database or the network to it stopped answering; the connection was dropped and the operation can be retried',
      })), timeoutMs);
    }
    onAbort = () => fire(signal!.reason instanceof Error ? signal!.reason : new Error(`${what}: cancelled`));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  const work = guards.run(guard, fn);
  // Whichever loses the race settles unheard.
  work.catch(() => {});
  stop.catch(() => {});
  try {
    return await Promise.race([work, stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
