// PCertReq → PCertRes over real HTTP with the real gateway (src/gateway on PGlite) and the merchant
// SDK's gateway client, real keys: the client asks the gateway for its certificates instead of
// being configured with them, a purchase is authorized with them, a gateway key rollover (its
// key-exchange certificate replaced) is followed, and forged or misdirected PCertRes answers are
// refused. The gateway answers merchants only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Gateway,
} from '../../src/gateway/index.ts';
import {
  createGatewayClient,
  type GatewayClient,
  MemoryOrderStore,
  type MerchantKeys,
} from '../../src/merchant/index.ts';
import {
  b64u,
  buildPCertReq,
  buildPCertRes,
  buildPInitReq,
  encodeWire,
  generateKeyPair,
  issueCertificate,
  readError,
  SetError,
  verifyPCertReq,
  verifyPCertRes,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { openTestPglite } from '../support/databases.ts';
import { tamperedSig } from '../support/tamper.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';
import { type Served, serve, serveShop } from './merchant-support.ts';

const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const ctx = () => ({ trust: world.trust(), clock: { now: new Date() } });

// The gateway's next key-exchange key, certified by the same PCA for the same gateway.
const kx2Key = generateKeyPair();
const now = new Date();
const kx2Cert = issueCertificate({
  issuer: world.issuer('pca'),
  publicKey: kx2Key.publicKey,
  subject: world.gatewayKx.certificate.subject,
  certificateType: 'gateway',
  keyRole: 'key-exchange',
  notBefore: new Date(now.getTime() - 60_000),
  notAfter: new Date(now.getTime() + 365 * 86_400_000),
  cardCertRequired: true,
});
const kx2 = {
  certificate: kx2Cert,
  privateKey: kx2Key.privateKey,
  chain: [kx2Cert, ...world.gatewayKx.chain.slice(1)],
};

let db: Database;
let before: Gateway;
let after: Gateway;
let current: Gateway;
let gw: Served;
const received: string[] = [];

beforeAll(async () => {
  db = await openTestPglite();
  const common = {
    db,
    signature: world.gateway,
    trustedRoots: [world.root],
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
    log: () => {},
  };
  before = await createGateway({ ...common, keyExchange: world.gatewayKx });
  after = await createGateway({ ...common, keyExchange: kx2 });
  current = before;
  gw = await serve(async (request) => {
    const body = await request.text();
    received.push((JSON.parse(body) as { type: string }).type);
    return current.app.fetch(new Request(request.url, { method: 'POST', body, headers: request.headers }));
  });
});

afterAll(async () => {
  await gw?.close();
  await db?.close();
});

const count = (type: string) => received.filter((t) => t === type).length;

describe('PCertReq → PCertRes', () => {
  it('the gateway answers a merchant with its certificates, signed, over HTTP', async () => {
    const req = await buildPCertReq({ merchant: world.merchant, brandId: 'SETPay' });
    const res = await fetch(`${gw.url}/set`, { method: 'POST', body: encodeWire(req.wire) });
    expect(res.status).toBe(200);
    const verified = await verifyPCertRes(await res.text(), req.content, ctx());
    expect(verified.keyExchange.chain[0]!.thumbprint).toEqual(world.gatewayKx.certificate.thumbprint);
    expect(verified.signature.chain[0]!.thumbprint).toEqual(world.gateway.certificate.thumbprint);
    expect(verified.content.brandId).toBe('SETPay');

    // With our thumbs, the certificates we hold are left out and still resolved.
    const trust = world.trust();
    for (const c of [...world.gateway.chain, ...world.gatewayKx.chain]) trust.add(c);
    const held = [...world.gateway.chain, ...world.gatewayKx.chain].map((c) => b64u(c.thumbprint));
    const known = await buildPCertReq({
      merchant: world.merchant,
      brandId: 'SETPay',
      thumbs: [...new Set(held)],
    });
    const text = await (
      await fetch(`${gw.url}/set`, { method: 'POST', body: encodeWire(known.wire) })
    ).text();
    expect(JSON.parse(text).certs ?? []).toEqual([]);
    expect(
      (await verifyPCertRes(text, known.content, { trust, clock: { now: new Date() } })).content.kxThumb,
    ).toBe(b64u(world.gatewayKx.certificate.thumbprint));
  });

  it('refuses a PCertReq not signed by a merchant, for another brand, or altered', async () => {
    const asCardholder = await buildPCertReq({ merchant: cardholder, brandId: 'SETPay' });
    const asGateway = await buildPCertReq({ merchant: world.gateway, brandId: 'SETPay' });
    const otherBrand = await buildPCertReq({ merchant: world.merchant, brandId: 'OtherPay' });
    const altered = JSON.parse(
      encodeWire((await buildPCertReq({ merchant: world.merchant, brandId: 'SETPay' })).wire),
    );
    altered.body.sig = tamperedSig(altered.body.sig);
    const cases: [string, string, string][] = [
      ['cardholder', encodeWire(asCardholder.wire), 'invalidCertificate'],
      ['gateway', encodeWire(asGateway.wire), 'invalidCertificate'],
      ['other brand', encodeWire(otherBrand.wire), 'invalidCertificate'],
      ['altered', JSON.stringify(altered), 'signatureFailure'],
    ];
    for (const [what, body, code] of cases) {
      const res = await fetch(`${gw.url}/set`, { method: 'POST', body });
      expect(res.status, what).toBeGreaterThanOrEqual(400);
      expect(res.status, what).toBeLessThan(500);
      const { content } = await readError(await res.text(), ctx());
      expect(content.errorCode, `${what}: ${content.errorMsg}`).toBe(code);
    }
  });
});

describe('the SDK fetches the gateway certificates and follows a rollover', () => {
  let client: GatewayClient;
  let shop: Served;
  const orders = new MemoryOrderStore();
  let order = 0;

  beforeAll(async () => {
    client = await createGatewayClient({
      endpoint: `${gw.url}/set`,
      merchant: keys,
      trustedRoots: [world.root],
      backoffMs: 5,
    });
    shop = await serveShop(world, keys, client, orders);
  });
  afterAll(async () => {
    await shop?.close();
  });

  async function purchase() {
    const lidM = `order-${++order}`;
    orders.addOrder(lidM, {
      od: `Order ${lidM}: one SET/2 mug`,
      amount: { currency: 'EUR', value: 1299, exponent: 2 },
    });
    const wallet = new TestWallet(world, cardholder);
    const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: '411111' });
    const post = (body: string) =>
      fetch(`${shop.url}/set`, { method: 'POST', body }).then(async (r) => ({
        status: r.status,
        text: await r.text(),
      }));
    const pinit = await post(encodeWire(req.wire));
    expect(pinit.status, pinit.text).toBe(200);
    const p = await wallet.verifyPInitRes(pinit.text, req.content);
    const preq = await wallet.preq(p);
    const res = await post(encodeWire(preq.wire));
    return { res, sealedTo: p, wallet, preq, pinit: p };
  }

  it('asks the gateway once, and the purchase is authorized with what it answered', async () => {
    expect(client.gatewayKeyExchange).toEqual([]);
    const pcertBefore = count('PCertReq');
    const { res, wallet, preq, pinit } = await purchase();
    expect(res.status, res.text).toBe(200);
    expect((await wallet.verifyPRes(res.text, preq.oiData, pinit)).content.completionCode).toBe(
      'authorizationPerformed',
    );
    expect(count('PCertReq') - pcertBefore).toBe(1);
    expect(client.gatewayKeyExchange[0]!.thumbprint).toEqual(world.gatewayKx.certificate.thumbprint);
    // Cached: a second purchase asks nothing.
    const second = await purchase();
    expect(second.res.status).toBe(200);
    expect(count('PCertReq') - pcertBefore).toBe(1);
  });

  it('when the gateway’s key-exchange certificate is replaced, it fetches the new one and the next purchase succeeds', async () => {
    current = after;
    const pcertBefore = count('PCertReq');
    // This purchase began under the old key: the wallet sealed its PI to it, which the gateway no
    // longer holds. The client learns of the rollover (thumbsMismatch) and fetches the new certificate.
    const inFlight = await purchase();
    expect(inFlight.res.status).not.toBe(200);
    expect(count('PCertReq') - pcertBefore).toBe(1);
    expect(client.gatewayKeyExchange[0]!.thumbprint).toEqual(kx2Cert.thumbprint);

    const next = await purchase();
    expect(next.res.status, next.res.text).toBe(200);
    expect(next.pinit.content.pgThumb).toBe(b64u(kx2Cert.thumbprint));
    expect(
      (await next.wallet.verifyPRes(next.res.text, next.preq.oiData, next.pinit)).content.completionCode,
    ).toBe('authorizationPerformed');
    expect(count('PCertReq') - pcertBefore).toBe(1);
  });
});

describe('a forged PCertRes is refused', () => {
  const forgeries: Record<string, (body: string) => Promise<string>> = {
    'signed by a merchant, not a gateway': async (body) => {
      const { content } = await verifyPCertReq(body, ctx());
      return encodeWire(
        (await buildPCertRes({ req: content, signature: world.merchant, keyExchange: world.gatewayKx.chain }))
          .wire,
      );
    },
    'naming a key-exchange certificate that is not the gateway’s': async (body) => {
      const { content } = await verifyPCertReq(body, ctx());
      return encodeWire(
        (await buildPCertRes({ req: content, signature: world.gateway, keyExchange: world.merchantKx.chain }))
          .wire,
      );
    },
    'altered after signing': async (body) => {
      const { content } = await verifyPCertReq(body, ctx());
      const wire = JSON.parse(
        encodeWire(
          (await buildPCertRes({ req: content, signature: world.gateway, keyExchange: kx2.chain })).wire,
        ),
      );
      wire.body.sig = tamperedSig(wire.body.sig);
      return JSON.stringify(wire);
    },
    'answering another PCertReq (replayed)': async () => {
      const old = await buildPCertReq({ merchant: world.merchant, brandId: 'SETPay' });
      return encodeWire(
        (await buildPCertRes({ req: old.content, signature: world.gateway, keyExchange: kx2.chain })).wire,
      );
    },
  };
  const expected: Record<string, string> = {
    'signed by a merchant, not a gateway': 'invalidCertificate',
    'naming a key-exchange certificate that is not the gateway’s': 'invalidCertificate',
    'altered after signing': 'signatureFailure',
    'answering another PCertReq (replayed)': 'unknownRRPID',
  };

  it.each(Object.keys(forgeries))('%s', async (name) => {
    const fake = await serve(
      async (request) => new Response(await forgeries[name]!(await request.text()), { status: 200 }),
    );
    try {
      const client = await createGatewayClient({
        endpoint: `${fake.url}/set`,
        merchant: keys,
        trustedRoots: [world.root],
        attempts: 1,
      });
      const error = await client.refreshGatewayCertificates().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SetError);
      expect((error as SetError).code).toBe(expected[name]);
      expect(client.gatewayKeyExchange).toEqual([]);
    } finally {
      await fake.close();
    }
  });
});
