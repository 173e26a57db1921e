/**
 * Node's HTTP server around the gateway. POST /set, the hot path, is served on node:http directly:
 * its body read with the protocol's size-limited reader (same limit, same refusals) and its reply
 * written as is, without a fetch Request, a ReadableStream and a Response per message. Every other
 * route (dashboard, JSON API, health) goes through the Hono app's web-standard handler.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, serve } from '@hono/node-server';
import { type LimitedBody, readLimitedEvents } from '../protocol/index.ts';
import type { SetReply } from './set-endpoint.ts';

export interface Listening {
  port: number;
  url: string;
  close(): Promise<void>;
}

export type FetchHandler = (request: Request) => Response | Promise<Response>;
export type NodeListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Listens on `hostname:port` (port 0 picks a free one) and resolves once the socket is bound.
 * `handler` is a web-standard fetch handler, or anything with a Node `listener` (a Gateway).
 */
export function listen(
  handler: FetchHandler | { listener: NodeListener },
  opts: { port?: number; hostname?: string } = {},
): Promise<Listening> {
  const hostname = opts.hostname ?? '127.0.0.1';
  const port = opts.port ?? 0;
  return new Promise((resolve, reject) => {
    const bound = (info: AddressInfo) =>
      resolve({
        port: info.port,
        url: `http://${hostname}:${info.port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            if ('closeAllConnections' in server) server.closeAllConnections();
          }),
      });
    const server =
      typeof handler === 'function'
        ? serve({ fetch: handler, port, hostname }, bound)
        : createServer(handler.listener).listen(port, hostname, function (this: { address(): unknown }) {
            bound(this.address() as AddressInfo);
          });
    // An idle keep-alive connection is kept 30 s, not node's 5: a client retires it first (undici
    // at the server's advertised timeout less a second), so a request is not written into a socket
    // the server is closing. At 5 s, a client whose event loop was busy for a second near that
    // moment sent its next request into the closing socket and got ECONNRESET (the CA's enrolment
    // and the store's checkout, under a CPU hog).
    if ('keepAliveTimeout' in server) server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.once('error', reject);
  });
}

/** How long an idle keep-alive connection stays open on every sandbox server. */
export const KEEP_ALIVE_MS = 30_000;

/** The headers of a SET reply: the same for every party's endpoint on node:http and through fetch. */
export function setReplyHeaders(reply: SetReply): Record<string, string> {
  const headers: Record<string, string> = { 'cache-control': 'no-store' };
  if (reply.body) headers['content-type'] = 'application/json; charset=utf-8';
  if (reply.retryAfter !== undefined) headers['retry-after'] = String(reply.retryAfter);
  return headers;
}

/**
 * The gateway's Node listener: POST /set to `answer` (which never throws), the rest to `app`.
 * `answer` gets the body as read (within `limit`, or too big); a client gone mid-body gets nothing.
 */
export function gatewayListener(
  answer: (body: LimitedBody) => Promise<SetReply>,
  limit: number,
  app: FetchHandler,
  onError: (cause: unknown) => void,
): NodeListener {
  const rest = getRequestListener(app);
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'POST' || !(url === '/set' || url.startsWith('/set?'))) {
      void rest(req, res);
      return;
    }
    void (async () => {
      const body = await readLimitedEvents(req, limit);
      if (body === null) return;
      const reply = await answer(body);
      const headers = setReplyHeaders(reply);
      if (!body.ok) headers.connection = 'close';
      if (reply.body === null) {
        res.writeHead(reply.status, headers).end();
        return;
      }
      // The text as is: node:http writes the head and a string body in one write (a Buffer body
      // goes in a second chunk of a writev), with no Buffer of the reply made first.
      headers['content-length'] = String(Buffer.byteLength(reply.body, 'utf8'));
      res.writeHead(reply.status, headers).end(reply.body, 'utf8');
    })().catch((e: unknown) => {
      onError(e);
      if (!res.headersSent) res.writeHead(500, { 'cache-control': 'no-store' });
      res.end();
    });
  };
}
