/**
 * Test parties for the merchant SDK and demo store tests, over real HTTP: a test-only payment
 * gateway (tests/support/world.ts's TestGateway for authorization, plus a small ledger for
 * captures, refunds and reversals) behind a Hono route, and helpers to serve a handler on a random
 * port. Real keys, real HPKE, real signatures; only the gateway's storage is a Map.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { toNodeListener } from '../../src/merchant/index.ts';
import {
  buildErrorFor,
  buildFollowUpResponse,
  decodeWire,
  FOLLOW_UPS,
  type FollowUpRequest,
  fromB64u,
  httpStatusFor,
  openCapToken,
  parseCertificate,
  SetError,
  verifyFollowUp,
} from '../../src/protocol/index.ts';
import { TestGateway, type World } from '../support/world.ts';

export interface Served {
  url: string;
  close(): Promise<void>;
}

export async function serve(handler: (request: Request) => Response | Promise<Response>): Promise<Served> {
  const server = createServer(toNodeListener(handler));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<string> {
  const s = await serve(() => new Response());
  await s.close();
  return s.url;
}

interface LedgerEntry {
  authorized: number;
  captured: number;
  credited: number;
}

export interface TestGatewayServer extends Served {
  /** Every request body received, by message type, in order. */
  received: Map<string, string[]>;
  /** Answer the next n requests with 503 before looking at them. */
  failNext(n: number): void;
  gateway: TestGateway;
}

/** The test gateway at `${url}/set`. `decline` lists PANs the issuer declines. */
export async function startTestGateway(world: World, decline: string[] = []): Promise<TestGatewayServer> {
  const gateway = new TestGateway(world, new Set(decline));
  const received = new Map<string, string[]>();
  const ledger = new Map<string, LedgerEntry>();
  const merchantKxThumb = Buffer.from(world.merchantKx.certificate.thumbprint).toString('base64url');
  let failures = 0;
  const app = new Hono();
  app.post('/set', async (c) => {
    const body = await c.req.text();
    if (failures > 0) {
      failures--;
      return c.text('try later', 503);
    }
    try {
      const wire = decodeWire(body);
      received.set(wire.type, [...(received.get(wire.type) ?? []), body]);
      // The merchant must carry its key-exchange certificate so we can seal the answer to it.
      const carriesKx = (wire.certs ?? []).some(
        (c) =>
          Buffer.from(parseCertificate(fromB64u(c)).thumbprint).toString('base64url') === merchantKxThumb,
      );
      if (!carriesKx)
        throw new SetError('missingCertificate', 'no merchant key-exchange certificate carried');
      if (wire.type === 'AuthReq') {
        const answer = gateway.authorize(body);
        const xid = wire.hdr.xid!;
        if (!ledger.has(xid)) ledger.set(xid, { authorized: -1, captured: 0, credited: 0 });
        return c.body(answer, 200, { 'content-type': 'application/json' });
      }
      if (wire.type in FOLLOW_UPS) return c.json(followUp(wire.type as FollowUpRequest, body));
      throw new SetError('messageNotSupported', `the test gateway does not take ${wire.type}`);
    } catch (e) {
      const error = e instanceof SetError ? e : new SetError('unspecifiedFailure', String(e));
      const res = buildErrorFor(body, error, world.gateway);
      return c.json(res ?? {}, httpStatusFor(error.code) as 400);
    }
  });

  function followUp(type: FollowUpRequest, body: string) {
    const ctx = { trust: gateway.trust, clock: world.clock };
    const { content } = verifyFollowUp(body, type, world.gatewayKx, ctx);
    const xid = content.transIds.xid;
    const entry = ledger.get(xid);
    const reply = (
      status: 'rejected' | (typeof FOLLOW_UPS)[FollowUpRequest]['ok'],
      reason?: 'notAuthorized',
    ) =>
      buildFollowUpResponse(type, {
        req: content,
        gateway: world.gateway,
        merchantKeyExchange: world.merchantKx.certificate,
        status,
        amount: content.amount,
        ...(reason ? { reason } : {}),
        now: world.clock.now,
      }).wire;
    if (!entry) return reply('rejected', 'notAuthorized');
    if (type === 'CapReq') {
      const token = openCapToken(content.capToken!, world.gatewayKx);
      if (token.xid !== xid || content.amount.value > token.authAmt.value) return reply('rejected');
      entry.captured += content.amount.value;
    } else if (type === 'CredReq') {
      if (content.amount.value > entry.captured - entry.credited) return reply('rejected');
      entry.credited += content.amount.value;
    } else if (type === 'AuthRevReq') {
      entry.authorized = content.amount.value;
    }
    return reply(FOLLOW_UPS[type].ok);
  }

  const served = await serve((request) => app.fetch(request));
  return {
    ...served,
    received,
    gateway,
    failNext: (n) => {
      failures = n;
    },
  };
}
