// The merchant SDK's postSet (src/merchant/post-set.ts) reads the CA's answer with the one
// size-limited body reader: over real HTTP, what is not a SET message fails with a sentence naming
// the address, and an answer over the limit is cut off while it streams.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postSet } from '../../src/merchant/post-set.ts';
import { buildCardCInitReq, encodeWire } from '../../src/protocol/index.ts';

const LIMIT = 512 * 1024;
const SET_MESSAGE = encodeWire(buildCardCInitReq({ brandId: 'SETPay', now: new Date() }).wire);

describe('postSet', () => {
  let server: Server;
  let base: string;
  /** How many bytes the streaming answer had written when the client went away. */
  let streamedBytes = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      switch (req.url) {
        case '/set':
          res.writeHead(200, { 'content-type': 'application/json' }).end(SET_MESSAGE);
          return;
        case '/declared':
          res.writeHead(200, { 'content-length': String(LIMIT + 1) });
          res.end('x'.repeat(LIMIT + 1));
          return;
        case '/streamed': {
          // Chunked, no Content-Length: 64 KiB at a time until the reader stops reading.
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(64 * 1024, 0x61);
          const more = (): void => {
            if (res.destroyed || streamedBytes > 64 * LIMIT) return void res.end();
            streamedBytes += chunk.length;
            if (res.write(chunk)) setImmediate(more);
            else res.once('drain', more);
          };
          res.on('close', () => res.removeAllListeners('drain'));
          more();
          return;
        }
        case '/latin1':
          res.writeHead(200).end(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
          return;
        default:
          res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const failure = (url: string) =>
    postSet(url, SET_MESSAGE).then(
      () => undefined,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );

  it('returns a SET message as its text', async () => {
    expect(await postSet(`${base}/set`, SET_MESSAGE)).toBe(SET_MESSAGE);
  });

  it('refuses an answer over 512 KiB, declared or streamed, with a sentence naming the address', async () => {
    expect(await failure(`${base}/declared`)).toBe(
      `${base}/declared answered with more than ${LIMIT} bytes; that is no SET message`,
    );
    expect(await failure(`${base}/streamed`)).toBe(
      `${base}/streamed answered with more than ${LIMIT} bytes; that is no SET message`,
    );
    // Cut off while streaming: not read to its end (the server would write 32 MiB).
    expect(streamedBytes).toBeLessThan(32 * LIMIT);
  });

  it('says what answered when it is not a SET message: an HTML page, text that is not UTF-8, nobody', async () => {
    expect(await failure(`${base}/missing`)).toBe(`${base}/missing answered HTTP 404 without a SET message`);
    expect(await failure(`${base}/latin1`)).toBe(`${base}/latin1 answered HTTP 200 without a SET message`);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const gone = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/set`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await failure(gone)).toMatch(new RegExp(`^cannot reach ${gone}: `));
  });
});
