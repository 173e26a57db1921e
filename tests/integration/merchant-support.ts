/**
 * Parties for the merchant SDK and demo store tests, over real HTTP: the payment gateway at
 * `${url}/set` on a random port, and a helper to serve any handler the same way.
 *
 * The gateway is the real one (src/gateway's createGateway over an in-memory PGlite, with the
 * test-card issuer simulator) when that module is present; otherwise a test-only gateway made of
 * tests/support/world.ts's TestGateway plus a small ledger for captures, refunds and reversals.
 * Either way it sits behind a thin route that records what arrives (to count AuthReqs and compare
 * retried bytes), can answer 503 on demand, and checks that the merchant carried its
 * key-exchange certificate.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import {
  createSetEndpoint,
  type GatewayClient,
  type MerchantKeys,
  type OrderStore,
  toNodeListener,
} from '../../src/merchant/index.ts';
import {
  buildErrorFor,
  buildFollowUpResponse,
  buildPInitReq,
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
import { openTestPglite } from '../support/databases.ts';
import { TestGateway, type TestWallet, type World } from '../support/world.ts';

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

/** The merchant SDK's SET endpoint for `keys` and `orders`, served over HTTP, the world's root trusted. */
export async function serveShop(
  world: World,
  keys: MerchantKeys,
  gateway: GatewayClient,
  orders: OrderStore,
): Promise<Served> {
  return serve(
    await createSetEndpoint({ merchant: keys, gateway, orders, trustedRoots: [world.root], log: () => {} }),
  );
}

/**
 * A purchase of order `lidM` at the SET endpoint `shopUrl` by `wallet`, as a cardholder's wallet
 * makes it: PInitReq, then PReq. Returns the transaction's ids (the shop's answer to the PReq is
 * for the caller to check in its order store).
 */
export async function purchaseAt(shopUrl: string, wallet: TestWallet, lidM: string) {
  const post = async (body: string) => (await fetch(`${shopUrl}/set`, { method: 'POST', body })).text();
  const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: '411111' });
  const pinit = await wallet.verifyPInitRes(await post(JSON.stringify(req.wire)), req.content);
  await post(JSON.stringify((await wallet.preq(pinit)).wire));
  return pinit.content.transIds;
}

/** A port nothing listens on (bound, then released). */
export async function closedPort(): Promise<string> {
  const s = await serve(() => new Response());
  await s.close();
  return s.url;
}

interface GatewayBackend {
  kind: 'src/gateway' | 'test gateway';
  handle(body: string): Promise<{ status: number; body: string | null }>;
  close(): Promise<void>;
}

export interface TestGatewayServer extends Served {
  kind: GatewayBackend['kind'];
  /** Every request body received, by message type, in order. */
  received: Map<string, string[]>;
  /** Answer the next n requests with 503 before looking at them. */
  failNext(n: number): void;
  /** Let the gateway act on the next n requests, then lose its answers (503 instead). */
  loseAnswers(n: number): void;
}

/** The gateway at `${url}/set`. 4000000000000002 is declined (doNotHonour) by both kinds. */
export async function startTestGateway(world: World): Promise<TestGatewayServer> {
  const backend = (await realGateway(world)) ?? testGateway(world, new Set(['4000000000000002']));
  const received = new Map<string, string[]>();
  const merchantKxThumb = Buffer.from(world.merchantKx.certificate.thumbprint).toString('base64url');
  let failures = 0;
  let losses = 0;
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
      // The merchant must carry its key-exchange certificate so the answer can be sealed to it.
      const carriesKx = (wire.certs ?? []).some(
        (c) =>
          Buffer.from(parseCertificate(fromB64u(c)).thumbprint).toString('base64url') === merchantKxThumb,
      );
      // Only the sealed requests are answered sealed: AuthReq and the follow-ups.
      const sealed = wire.type === 'AuthReq' || Object.hasOwn(FOLLOW_UPS, wire.type);
      if (sealed && !carriesKx)
        throw new SetError('missingCertificate', 'no merchant key-exchange certificate carried');
    } catch (e) {
      if (!(e instanceof SetError)) throw e;
      return c.json((await buildErrorFor(body, e, world.gateway)) ?? {}, httpStatusFor(e.code) as 400);
    }
    const reply = await backend.handle(body);
    if (losses > 0) {
      losses--;
      return c.text('lost on the way back', 503);
    }
    return new Response(reply.body, {
      status: reply.status,
      headers: { 'content-type': 'application/json' },
    });
  });
  const served = await serve((request) => app.fetch(request));
  return {
    ...served,
    kind: backend.kind,
    close: async () => {
      await served.close();
      await backend.close();
    },
    received,
    failNext: (n) => {
      failures = n;
    },
    loseAnswers: (n) => {
      losses = n;
    },
  };
}

async function realGateway(world: World): Promise<GatewayBackend | undefined> {
  const mod = await import('../../src/gateway/index.ts').catch(() => undefined);
  if (!mod?.createGateway) return undefined;
  const db = await openTestPglite();
  const gateway = await mod.createGateway({
    db,
    signature: world.gateway,
    keyExchange: world.gatewayKx,
    trustedRoots: [world.root],
    issuer: mod.createIssuerSimulator(mod.DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
    log: () => {},
  });
  return { kind: 'src/gateway', handle: (body) => gateway.handle(body), close: () => db.close() };
}

interface LedgerEntry {
  authorized: number;
  captured: number;
  credited: number;
}

/** TestGateway for AuthReq, and a Map-backed ledger for the follow-ups. */
function testGateway(world: World, decline: Set<string>): GatewayBackend {
  const gateway = new TestGateway(world, decline);
  const ledger = new Map<string, LedgerEntry>();
  return {
    kind: 'test gateway',
    close: async () => {},
    handle: async (body) => {
      try {
        const wire = decodeWire(body);
        if (wire.type === 'AuthReq') {
          const answer = await gateway.authorize(body);
          if (!ledger.has(wire.hdr.xid!))
            ledger.set(wire.hdr.xid!, { authorized: -1, captured: 0, credited: 0 });
          return { status: 200, body: answer };
        }
        if (wire.type in FOLLOW_UPS)
          return { status: 200, body: JSON.stringify(await followUp(wire.type as FollowUpRequest, body)) };
        throw new SetError('messageNotSupported', `the test gateway does not take ${wire.type}`);
      } catch (e) {
        const error = e instanceof SetError ? e : new SetError('unspecifiedFailure', String(e));
        const res = await buildErrorFor(body, error, world.gateway);
        return { status: httpStatusFor(error.code), body: res ? JSON.stringify(res) : null };
      }
    },
  };

  async function followUp(type: FollowUpRequest, body: string) {
    const ctx = { trust: gateway.trust, clock: world.clock };
    const { content } = await verifyFollowUp(body, type, world.gatewayKx, ctx);
    const entry = ledger.get(content.transIds.xid);
    const reply = async (
      status: 'rejected' | (typeof FOLLOW_UPS)[FollowUpRequest]['ok'],
      reason?: 'notAuthorized',
    ) =>
      (
        await buildFollowUpResponse(type, {
          req: content,
          gateway: world.gateway,
          merchantKeyExchange: world.merchantKx.certificate,
          status,
          amount: content.amount,
          ...(reason ? { reason } : {}),
          now: world.clock.now,
        })
      ).wire;
    if (!entry) return await reply('rejected', 'notAuthorized');
    if (type === 'CapReq') {
      const token = await openCapToken(content.capToken ?? '', world.gatewayKx);
      if (token.xid !== content.transIds.xid || content.amount.value > token.authAmt.value)
        return await reply('rejected');
      entry.captured += content.amount.value;
    } else if (type === 'CredReq') {
      if (content.amount.value > entry.captured - entry.credited) return await reply('rejected');
      entry.credited += content.amount.value;
    } else if (type === 'AuthRevReq') {
      entry.authorized = content.amount.value;
    }
    return await reply(FOLLOW_UPS[type].ok);
  }
}
