/** Serving `tenet view` over HTTP with @hono/node-server (loopback by default). */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
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
  /** Stops the server; the store stays open (the caller owns it). */
  close(): Promise<void>;
}

export const DEFAULT_VIEW_PORT = 7575;

/** Whether a host name binds to this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export async function serveView(options: ServeViewOptions): Promise<ViewServer> {
  const app = createViewApp(options);
  app.reportThread?.warm();
  const host = options.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: options.port ?? DEFAULT_VIEW_PORT, hostname: host }, (info: AddressInfo) => {
      const shown = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${info.port}`,
        port: info.port,
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
}
