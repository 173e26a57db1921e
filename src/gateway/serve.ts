/** Node's HTTP server as a thin adapter around the gateway's web-standard handler. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

export interface Listening {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Listens on `hostname:port` (port 0 picks a free one) and resolves once the socket is bound. */
export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  opts: { port?: number; hostname?: string } = {},
): Promise<Listening> {
  const hostname = opts.hostname ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port: opts.port ?? 0, hostname }, (info: AddressInfo) => {
      resolve({
        port: info.port,
        url: `http://${hostname}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    });
    server.once('error', reject);
  });
}
