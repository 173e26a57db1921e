// Every sandbox server keeps an idle keep-alive connection long enough that the client retires it
// first: a request is never written into a socket the server is closing (ECONNRESET under load).
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { KEEP_ALIVE_MS, listen } from '../../src/gateway/serve.ts';

function keepAliveHeader(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent: false, headers: { connection: 'keep-alive' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(String(res.headers['keep-alive'])));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('listen', () => {
  it.each([
    ['a fetch handler (Hono)', () => listen(() => new Response('ok'))],
    ['a node listener (the gateway)', () => listen({ listener: (_req, res) => res.end('ok') })],
  ])('advertises a %s idle timeout of 30 s, well above a client’s idle wait', async (_name, start) => {
    const server = await start();
    try {
      expect(await keepAliveHeader(server.url)).toBe(`timeout=${KEEP_ALIVE_MS / 1000}`);
      expect(KEEP_ALIVE_MS).toBeGreaterThanOrEqual(30_000);
    } finally {
      await server.close();
    }
  });
});
