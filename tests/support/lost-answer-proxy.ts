/**
 * A lost-answer proxy for fault tests: a small node:http server that forwards each request to
 * `target` and, while armed, waits for the whole answer and then drops it, destroying the client's
 * connection without a byte. The request has reached the server and taken effect; the client only
 * sees a reset, exactly as when a network or a load balancer loses the reply.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LostAnswerProxy {
  url: string;
  /** Drop the answers to the next `n` requests (after the server has answered them). */
  loseNext(n: number): void;
  /** Drop every answer with this probability (0 to stop). */
  loseSome(probability: number): void;
  /** How many answers were dropped so far. */
  readonly lost: number;
  close(): Promise<void>;
}

export async function startLostAnswerProxy(target: string): Promise<LostAnswerProxy> {
  const upstream = new URL(target);
  let next = 0;
  let probability = 0;
  let lost = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const drop = next > 0 || Math.random() < probability;
      if (next > 0) next--;
      const out = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host },
        },
        (answer) => {
          const body: Buffer[] = [];
          answer.on('data', (c: Buffer) => body.push(c));
          answer.on('end', () => {
            if (drop) {
              lost++;
              req.socket.destroy();
              return;
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(Buffer.concat(body));
          });
        },
      );
      out.on('error', () => req.socket.destroy());
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    loseNext: (n) => {
      next = n;
    },
    loseSome: (p) => {
      probability = p;
    },
    get lost() {
      return lost;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
