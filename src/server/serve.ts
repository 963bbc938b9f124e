/** Serving the elicitation app over HTTP with @hono/node-server. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createElicitApp, type ElicitAppOptions } from './app.ts';
import { listenError } from './listen.ts';
import type { ElicitService } from '../moralgraph/elicit/service.ts';

export interface ServeElicitOptions extends ElicitAppOptions {
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1 (use 0.0.0.0 to listen on every interface, behind a TLS proxy). */
  host?: string;
}

export interface ElicitServer {
  url: string;
  port: number;
  service: ElicitService;
  /** Stops accepting connections, waits for background jobs; the store stays open (the caller owns it). */
  close(): Promise<void>;
}

export async function serveElicit(options: ServeElicitOptions): Promise<ElicitServer> {
  const { app, service } = createElicitApp(options);
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8787;
  return new Promise<ElicitServer>((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: host }, (info: AddressInfo) => {
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
        service,
        async close() {
          await new Promise<void>((done) => {
            server.close(() => done());
            (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          });
          await service.idle();
        },
      });
    });
    server.once('error', reject);
  }).catch((error: unknown) => {
    throw listenError(error, host, port);
  });
}
