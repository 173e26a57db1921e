// Receipts that stay true (issue 13): a cardholder's InqReq → InqRes over real HTTP, with real
// keys, the real gateway (PGlite) and the SDK's SET endpoint. The InqRes reports where the payment
// stands as the merchant captures, refunds and reverses, and as the gateway's operator refunds on
// the dashboard (a signed Notification the SDK applies). The endpoint lets a browser extension's
// background read the answer to an inquiry, and nothing else cross-origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.ts';
import {
  type createGatewayClient,
  createMerchantActions,
  createNotificationHandler,
  MemoryOrderStore,
  type MerchantKeys,
} from '../../src/merchant/index.ts';
import {
  type Amount,
  b64u,
  buildInqReq,
  buildPInitReq,
  encodeWire,
  type InqReqContent,
  paymentStateOf,
  randomNonce,
  readError,
  verifyInqRes,
} from '../../src/protocol/index.ts';
import { backends } from '../support/databases.ts';
import { issueCardholder, makeWorld, registerCardholder, TestWallet } from '../support/world.ts';
import { startWorldGateway, type WorldGateway } from '../support/world-gateway.ts';
import { purchaseAt, type Served, serve, serveShop } from './merchant-support.ts';

const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const stranger = issueCardholder(world, '4242424242424242');
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const EXTENSION = 'chrome-extension://abcdefghijklmnopabcdefghijklmnop';
const backend = backends.find((b) => b.name === 'pglite')!;

let opened: Awaited<ReturnType<typeof backend.open>>;
let gateway: Gateway;
let gw: WorldGateway;
let shop: Served;
let receiver: Served;
let orders: MemoryOrderStore;
let client: Awaited<ReturnType<typeof createGatewayClient>>;

beforeAll(async () => {
  opened = await backend.open();
  gw = await startWorldGateway(world, opened.db, {
    dashboard: { token: 'operator-token-for-receipt-tests' },
  });
  gateway = gw.gateway;
  orders = new MemoryOrderStore();
  client = await gw.clientFor(keys, { backoffMs: 5 });
  const notify = createNotificationHandler({
    merchant: keys,
    orders,
    trustedRoots: [world.root],
    log: () => {},
  });
  receiver = await serve((request) => notify(request));
  await client.registerNotifications(`${receiver.url}/notify`);
  shop = await serveShop(world, keys, client, orders);
});

afterAll(async () => {
  await gateway?.delivery.stop();
  await shop?.close();
  await receiver?.close();
  await gw?.close();
  await opened?.drop();
});

let n = 0;
async function purchase(value: number) {
  const lidM = `receipt-order-${++n}`;
  orders.addOrder(lidM, { od: `Order ${lidM}`, amount: EUR(value) });
  return purchaseAt(shop.url, new TestWallet(world, cardholder), lidM);
}

/** The cardholder asks, as the wallet's background does (from an extension origin). */
async function inquire(transIds: InqReqContent['transIds'], signer = cardholder) {
  const inq = await buildInqReq({ transIds, cardholder: signer });
  const res = await fetch(`${shop.url}/set`, {
    method: 'POST',
    body: encodeWire(inq.wire),
    headers: { 'content-type': 'application/json', origin: EXTENSION },
  });
  return { inq, res, text: await res.text() };
}

async function stateOf(transIds: InqReqContent['transIds']) {
  const { inq, res, text } = await inquire(transIds);
  expect(res.status, text).toBe(200);
  expect(res.headers.get('access-control-allow-origin')).toBe(EXTENSION);
  const { content } = await verifyInqRes(text, inq.content, world.merchant.certificate.thumbprint, {
    trust: world.trust(),
    clock: { now: new Date() },
  });
  return { state: paymentStateOf(content), results: content.results, completionCode: content.completionCode };
}

describe('InqReq → InqRes: a receipt follows the payment', () => {
  it('authorized → captured → partly refunded → refunded, each a signed InqRes with the amounts', async () => {
    const transIds = await purchase(3000);
    const actions = createMerchantActions({ gateway: client, orders, merchant: keys });
    expect(await stateOf(transIds)).toEqual({
      state: 'authorized',
      completionCode: 'authorizationPerformed',
      results: { authorized: EUR(3000), captured: EUR(0), credited: EUR(0) },
    });
    await actions.capture(transIds.xid);
    expect(await stateOf(transIds)).toMatchObject({
      state: 'captured',
      completionCode: 'capturePerformed',
      results: { captured: EUR(3000), credited: EUR(0) },
    });
    await actions.refund(transIds.xid, EUR(1000));
    expect(await stateOf(transIds)).toMatchObject({
      state: 'partlyRefunded',
      completionCode: 'creditPerformed',
      results: { captured: EUR(3000), credited: EUR(1000) },
    });
    await actions.refund(transIds.xid, EUR(2000));
    expect((await stateOf(transIds)).state).toBe('refunded');
  });

  it('a reversed authorization says reversed', async () => {
    const transIds = await purchase(700);
    await createMerchantActions({ gateway: client, orders, merchant: keys }).reverse(transIds.xid);
    expect(await stateOf(transIds)).toMatchObject({
      state: 'reversed',
      results: { authorized: EUR(0), captured: EUR(0), credited: EUR(0) },
    });
  });

  it('a refund the gateway operator makes on the dashboard shows in the next InqRes', async () => {
    const transIds = await purchase(2500);
    const delivered = async (seq: number) => {
      for (let i = 0; i < 200; i++) {
        await gateway.delivery.runOnce();
        const list = await gateway.notifications.ofTransaction(transIds.xid);
        if (list.some((x) => x.event.seq === seq && x.status === 'delivered')) return;
      }
      throw new Error(`notification ${seq} was not delivered`);
    };
    await createMerchantActions({ gateway: client, orders, merchant: keys }).capture(transIds.xid);
    await gateway.ledger.applyFollowUp({
      kind: 'credit',
      xid: transIds.xid,
      rrpid: b64u(randomNonce()),
      requestDigest: b64u(randomNonce()),
      amount: EUR(500),
      source: 'operator',
      at: new Date(),
    });
    await delivered(3);
    expect(await stateOf(transIds)).toMatchObject({
      state: 'partlyRefunded',
      results: { captured: EUR(2500), credited: EUR(500) },
    });
  });

  it('only the card that paid may ask; an unknown XID is unknownXID', async () => {
    const transIds = await purchase(1200);
    const other = await inquire(transIds, stranger);
    expect(other.res.status).toBe(400);
    const error = await readError(other.text, { trust: world.trust(), clock: { now: new Date() } });
    expect(error.content.errorCode).toBe('invalidCertificate');
    // The wallet reads the refusal too (the Error answering an InqReq is readable by it).
    expect(other.res.headers.get('access-control-allow-origin')).toBe(EXTENSION);
    const unknown = await inquire({ ...transIds, xid: b64u(randomNonce()) });
    expect(unknown.res.status).toBe(404);
  });
});

describe('InqReq from a card renewed since it paid', () => {
  it('the renewed certificate asks, naming the one that paid; nobody else can name it', async () => {
    const transIds = await purchase(1500);
    const { pan, expiry } = cardholder.card;
    const renewed = await registerCardholder(world, pan, expiry, () => {}, { renew: cardholder });
    expect(b64u(renewed.certificate.uniqueCardholderId!)).toBe(
      b64u(cardholder.certificate.uniqueCardholderId!),
    );
    const ask = async (signer: typeof cardholder, paidWith?: typeof cardholder.certificate) => {
      const inq = await buildInqReq({ transIds, cardholder: signer, ...(paidWith ? { paidWith } : {}) });
      const res = await fetch(`${shop.url}/set`, { method: 'POST', body: encodeWire(inq.wire) });
      return { inq, status: res.status, text: await res.text() };
    };
    const ok = await ask(renewed, cardholder.certificate);
    expect(ok.status, ok.text).toBe(200);
    const { content } = await verifyInqRes(ok.text, ok.inq.content, world.merchant.certificate.thumbprint, {
      trust: world.trust(),
      clock: { now: new Date() },
    });
    expect(paymentStateOf(content)).toBe('authorized');
    const codeOf = async (r: { text: string }) =>
      (await readError(r.text, { trust: world.trust(), clock: { now: new Date() } })).content.errorCode;
    // Without naming the certificate that paid, a renewed card is another certificate.
    expect(await codeOf(await ask(renewed))).toBe('invalidCertificate');
    // Another card cannot claim the payer's certificate: its unique cardholder ID differs.
    expect(await codeOf(await ask(stranger, cardholder.certificate))).toBe('invalidCertificate');
    // Naming a certificate the InqReq does not carry.
    const inq = await buildInqReq({ transIds, cardholder: renewed, paidWith: cardholder.certificate });
    const wire = JSON.parse(encodeWire(inq.wire)) as { certs: string[] };
    wire.certs = wire.certs.filter((c) => c !== b64u(cardholder.certificate.der));
    const res = await fetch(`${shop.url}/set`, { method: 'POST', body: JSON.stringify(wire) });
    expect(await codeOf({ text: await res.text() })).toBe('missingCertificate');
  });
});

describe('the SET endpoint and a wallet’s background (CORS)', () => {
  it('answers an extension’s preflight, and only an extension’s', async () => {
    const preflight = (origin: string) =>
      fetch(`${shop.url}/set`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
          'access-control-request-private-network': 'true',
        },
      });
    for (const origin of [EXTENSION, 'moz-extension://0b3f1c2e-5d4a-4b8e-9f1a-2c3d4e5f6a7b']) {
      const ok = await preflight(origin);
      expect(ok.status).toBe(204);
      expect(ok.headers.get('access-control-allow-origin')).toBe(origin);
      expect(ok.headers.get('access-control-allow-methods')).toBe('POST');
      expect(ok.headers.get('access-control-allow-private-network')).toBe('true');
    }
    for (const origin of ['https://evil.example', 'null', 'chrome-extension://x/../evil']) {
      const refused = await preflight(origin);
      expect(refused.status).toBe(405);
      expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('a page on another origin cannot read an InqRes; an extension cannot read a PInitRes', async () => {
    const transIds = await purchase(900);
    const inq = await buildInqReq({ transIds, cardholder });
    const fromPage = await fetch(`${shop.url}/set`, {
      method: 'POST',
      body: encodeWire(inq.wire),
      headers: { origin: 'https://evil.example' },
    });
    expect(fromPage.status).toBe(200);
    expect(fromPage.headers.get('access-control-allow-origin')).toBeNull();
    orders.addOrder('cors-order', { od: 'CORS order', amount: EUR(100) });
    const pinitReq = buildPInitReq({ lidC: 'w', lidM: 'cors-order', brandId: 'SETPay', bin: '411111' });
    const pinit = await fetch(`${shop.url}/set`, {
      method: 'POST',
      body: encodeWire(pinitReq.wire),
      headers: { origin: EXTENSION },
    });
    expect(pinit.status).toBe(200);
    expect(pinit.headers.get('access-control-allow-origin')).toBeNull();
  });
});
