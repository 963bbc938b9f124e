/** Serving `tenet view` over HTTP with @hono/node-server (loopback by default). */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { listenError } from '../server/listen.ts';
import { DEFAULT_VIEW_PORT } from './defaults.ts';
import { createViewApp, type ViewAppOptions } from './app.ts';

export interface ServeViewOptions extends ViewAppOptions {
  /** Default 7575; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
}

export interface ViewServer {
  url: string;
  port: number;
  /** This launch's write token (the served page carries it; writes without it get 403). */
  writeToken: string;
  /** Stops the server; the store stays open (the caller owns it). */
  close(): Promise<void>;
}


/** Listens, or fails with a usage error saying why (a bad port, an address this machine lacks, a port in use). */
export async function serveView(options: ServeViewOptions): Promise<ViewServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? DEFAULT_VIEW_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw listenError(Object.assign(new RangeError('bad port'), { code: 'ERR_SOCKET_BAD_PORT' }), host, port);
  const app = createViewApp({ ...options, host });
  app.reportThread?.warm();
  try {
    return await new Promise<ViewServer>((resolve, reject) => {
      const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
        const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
        resolve({
          url: `http://${shown}:${info.port}`,
          port: info.port,
          writeToken: app.writeToken,
          async close() {
            await new Promise<void>((done) => {
              server.close(() => done());
              (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
            });
            await app.reportThread?.close();
          },
        });
      });
      server.once('error', reject);
    });
  } catch (error) {
    await app.reportThread?.close();
    throw listenError(error, host, port);
  }
}
