/**
 * Node's http server as a thin adapter around a web-standard handler (SET endpoint or a whole
 * Hono app): `http.createServer(toNodeListener(handler)).listen(8080)`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';

export function toNodeListener(
  handler: (request: Request) => Response | Promise<Response>,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return getRequestListener((request) => handler(request));
}
