// The demo store over real HTTP: catalogue → cart → checkout with a parseable payment initiation,
// a purchase through its /set with a protocol-level wallet, the status page, the merchant's
// capture, refund and reverse from the back office; the hostile shopper (other sessions' orders,
// anonymous and forged merchant actions, cross-origin and token-less forms, malformed bodies),
// each refused with nothing changed; and its SQL OrderStore, on both storage backends (the same
// contract is run on MemoryOrderStore).
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  balanceOf,
  createGatewayClient,
  describeDecline,
  type GatewayClient,
  MemoryOrderStore,
  type MerchantKeys,
  type OrderStore,
  type PendingPurchase,
  type PurchaseRecord,
} from '../../src/merchant/index.ts';
import {
  buildInqReq,
  buildPInitReq,
  encodeWire,
  PAYMENT_INITIATION_TYPE,
  parsePaymentInitiation,
  readError,
  verifyInqRes,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { migrate } from '../../src/storage/index.ts';
import { createDemoStore, type DemoStore, SqlOrderStore, STORE_MIGRATIONS } from '../../src/store/index.ts';
import { html, OperatorGate } from '../../src/web/index.ts';
import { backends } from '../support/databases.ts';
import { scriptOf } from '../support/initiations.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';
import { type Served, serve, startTestGateway, type TestGatewayServer } from './merchant-support.ts';

/** The store's public origin (behind a proxy, say); the test server itself listens on a free port. */
const ORIGIN = 'http://127.0.0.1:8443';
const TOKEN = 'merchant-operator-token-for-tests';
const DECLINED_PAN = '4000000000000002';
const world = makeWorld(new Date(), ORIGIN);
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const declinedCardholder = issueCardholder(world, DECLINED_PAN);

let gw: TestGatewayServer;
let client: GatewayClient;
beforeAll(async () => {
  gw = await startTestGateway(world);
  client = await createGatewayClient({
    endpoint: `${gw.url}/set`,
    merchant: keys,
    gatewayKeyExchange: world.gatewayKx.chain,
    trustedRoots: [world.root],
    backoffMs: 5,
  });
});
afterAll(() => gw?.close());

type Page = { status: number; location: string | null; text: string; headers: Headers };

/**
 * A browser of sorts over real HTTP: keeps its cookies, does not follow redirects, and sends the
 * Origin a browser on the store's pages would (unless told otherwise).
 */
function browser(url: string) {
  const jar = new Map<string, string>();
  const send = async (path: string, init: RequestInit & { headers?: Record<string, string> } = {}) => {
    const headers = new Headers(init.headers);
    if (jar.size && !headers.has('cookie'))
      headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    if (headers.get('origin') === '') headers.delete('origin');
    const res = await fetch(`${url}${path}`, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (/max-age=0(;|$)/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return {
      status: res.status,
      location: res.headers.get('location'),
      text: await res.text(),
      headers: res.headers,
    };
  };
  const b = {
    jar,
    get: (path: string, headers: Record<string, string> = {}): Promise<Page> => send(path, { headers }),
    /** A urlencoded form, as the store's own page would post it. */
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> =>
      send(path, {
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { origin: ORIGIN, ...headers },
      }),
    /** Any body with any Content-Type (or none), from the store's origin. */
    raw: (path: string, body: string | Uint8Array<ArrayBuffer>, contentType?: string): Promise<Page> =>
      send(path, {
        method: 'POST',
        body,
        headers: { origin: ORIGIN, ...(contentType ? { 'content-type': contentType } : {}) },
      }),
    /** The form token on the page at `path` (the shopper's, or the merchant's in the back office). */
    token: async (path = '/'): Promise<string> => {
      const page = await b.get(path);
      const token = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)?.[1];
      if (!token) throw new Error(`no form token on ${path} (${page.status})`);
      return token;
    },
    /** Signs in to the back office with the operator link. */
    signIn: async () => {
      const res = await b.get(`/back-office?token=${encodeURIComponent(TOKEN)}`);
      expect(res.status).toBe(303);
      return b;
    },
  };
  return b;
}

function initiationOf(page: string) {
  const initiation = scriptOf(page, PAYMENT_INITIATION_TYPE);
  return initiation ? parsePaymentInitiation(initiation, ORIGIN) : undefined;
}

async function walletPays(url: string, wallet: TestWallet, lidM: string) {
  const post = async (body: string) => {
    const res = await fetch(`${url}/set`, { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  };
  const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: wallet.card.pan.slice(0, 6) });
  const initRes = await post(JSON.stringify(req.wire));
  expect(initRes.status, initRes.text).toBe(200);
  const pinit = await wallet.verifyPInitRes(initRes.text, req.content);
  const preq = await wallet.preq(pinit);
  const res = await post(JSON.stringify(preq.wire));
  expect(res.status, res.text).toBe(200);
  return { pinit, receipt: await wallet.verifyPRes(res.text, preq.oiData, pinit) };
}

/** Every SET message the gateway has received, counted: follow-ups that reached it show here. */
function gatewayCounts(): Record<string, number> {
  return Object.fromEntries([...gw.received].map(([type, bodies]) => [type, bodies.length]));
}

const multipart = (boundary: string, parts: [string, string][], close = true) =>
  parts
    .map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    )
    .join('') + (close ? `--${boundary}--\r\n` : '');

describe.each(backends)('demo store on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  let store: DemoStore;
  let server: Served;
  const logs: string[] = [];

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    store = await createDemoStore({
      db,
      setEndpoint: { merchant: keys, gateway: client, trustedRoots: [world.root], log: (m) => logs.push(m) },
      publicOrigin: ORIGIN,
      merchantToken: TOKEN,
      log: (m) => logs.push(m),
    });
    server = await serve((request) => store.app.fetch(request));
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  /** A new shopper who fills a cart and checks out: the order id, and the shopper's browser. */
  async function checkout(items: Record<string, number>) {
    const shopper = browser(server.url);
    const csrf = await shopper.token('/');
    for (const [productId, quantity] of Object.entries(items)) {
      expect((await shopper.post('/cart', { productId, quantity: String(quantity), csrf })).status).toBe(303);
    }
    const res = await shopper.post('/checkout', { csrf });
    expect(res.status).toBe(303);
    return { orderId: res.location!.replace('/orders/', ''), shopper, csrf };
  }

  /** An order paid (authorized) by a wallet, with its XID. */
  async function paidOrder(items: Record<string, number> = { mug: 1 }) {
    const placed = await checkout(items);
    const { receipt } = await walletPays(server.url, new TestWallet(world, cardholder), placed.orderId);
    expect(receipt.content.result.status).toBe('approved');
    return { ...placed, xid: receipt.content.transIds.xid };
  }

  async function cartOf(shopper: ReturnType<typeof browser>): Promise<string> {
    return (await shopper.get('/cart')).text.match(/<main[\s\S]*<\/main>/)![0];
  }

  it('catalogue → cart → checkout: the page declares a payment initiation for the cart total', async () => {
    const get = browser(server.url);
    const catalogue = await get.get('/');
    expect(catalogue.status).toBe(200);
    expect(catalogue.text).toContain('<html lang="en">');
    expect(catalogue.text).toContain('SET/2 mug');
    expect(catalogue.text).toContain('€12.99');
    expect(catalogue.headers.get('content-security-policy')).toContain("script-src 'self'");
    // The first page gives the shopper session: random, HttpOnly, SameSite=Lax.
    const cookie = catalogue.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^store_session=[A-Za-z0-9_-]{24};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const csrf = await get.token('/');

    expect((await get.post('/cart', { productId: 'mug', quantity: '2', csrf })).location).toBe('/cart');
    await get.post('/cart', { productId: 'tee', quantity: '1', csrf });
    await get.post('/cart', { productId: 'stickers', quantity: '3', csrf });
    await get.post('/cart/update', { productId: 'stickers', quantity: '0', csrf });
    const cart = await get.get('/cart');
    expect(cart.text).toMatch(/id="cart-total">€45\.48</);
    expect(cart.text).not.toContain('Sticker pack');
    expect((await get.post('/cart', { productId: 'nope', quantity: '1', csrf })).status).toBe(422);
    expect((await get.post('/cart', { productId: 'mug', quantity: '100', csrf })).status).toBe(422);

    const placed = await get.post('/checkout', { csrf });
    expect(placed.status).toBe(303);
    const orderId = placed.location!.replace('/orders/', '');
    expect(orderId).toMatch(/^ord-[A-Za-z0-9_-]{16}$/);
    expect((await get.get('/cart')).text).toContain('Your cart is empty');

    const page = await get.get(`/orders/${orderId}`);
    expect(page.status).toBe(200);
    const init = initiationOf(page.text);
    expect(init).toMatchObject({
      kind: 'payment',
      brands: ['SETPay'],
      lidM: orderId,
      amount: { currency: 'EUR', value: 4548, exponent: 2 },
      endpointUrl: `${ORIGIN}/set`,
    });
    expect(page.text).toContain('Waiting for your SET Wallet to pay €45.48');
    expect(page.text).toContain('No SET Wallet yet?');
    expect(page.text).toContain('<script type="module" src="/assets/checkout.js">');
    // The SDK's <pay-with-set> button, served compiled from the store's own origin.
    expect(page.text).toContain(
      `<pay-with-set id="pay-with-set" order="${orderId}" install-url="#no-wallet">`,
    );
    expect(page.text).toContain('<script type="module" src="/assets/pay-with-set.js">');
    const button = await get.get('/assets/pay-with-set.js');
    expect(button.status).toBe(200);
    expect(button.text).toContain("customElements.define('pay-with-set'");
    expect(button.text).not.toMatch(/^\s*import\s/m);
    expect((await get.get(`/orders/${orderId}/status`)).text).toBe('{"state":"awaitingPayment"}');
    expect((await get.get('/orders')).text).toContain(orderId);
  });

  it('a purchase makes the status page say authorized; the merchant captures and refunds from it', async () => {
    const { orderId, shopper } = await checkout({ hoodie: 1, poster: 1 });
    const wallet = new TestWallet(world, cardholder);
    const { pinit, receipt } = await walletPays(server.url, wallet, orderId);
    expect(pinit.content.od).toContain(`SET Demo Store order ${orderId}: 1 × Gateway hoodie (€45.00)`);
    expect(pinit.content.purchAmt).toEqual({ currency: 'EUR', value: 6000, exponent: 2 });
    expect(receipt.content.result.status).toBe('approved');

    expect((await shopper.get(`/orders/${orderId}/status`)).text).toBe('{"state":"authorized"}');
    const shopperView = await shopper.get(`/orders/${orderId}`);
    expect(shopperView.text).toMatch(/id="payment-state" class="state ok">Authorized</);
    expect(shopperView.text).toContain(receipt.content.result.authCode!);
    expect(initiationOf(shopperView.text)).toBeUndefined();
    // The shopper does not get the merchant's forms.
    expect(shopperView.text).not.toContain('Merchant actions');
    expect(shopperView.text).not.toContain(`/orders/${orderId}/capture`);

    const merchant = await browser(server.url).signIn();
    const page = await merchant.get(`/orders/${orderId}`);
    expect(page.text).toContain('Merchant actions');
    const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)![1]!;

    // Capture part, refund part: POST, then redirect, then GET.
    const cap = await merchant.post(`/orders/${orderId}/capture`, { amount: '55.00', csrf });
    expect(cap.status).toBe(303);
    expect(cap.location).toBe(`/orders/${orderId}?done=capture`);
    expect((await merchant.get(cap.location!)).text).toMatch(/class="state ok">Captured</);
    const tooMuch = await merchant.post(`/orders/${orderId}/refund`, { amount: '55.01', csrf });
    expect(tooMuch.location).toBe(`/orders/${orderId}?problem=amountTooLarge`);
    expect((await merchant.get(tooMuch.location!)).text).toContain(
      'That amount is more than the payment allows.',
    );
    expect((await merchant.post(`/orders/${orderId}/refund`, { amount: '1.234', csrf })).location).toContain(
      'problem=invalidAmount',
    );
    expect((await merchant.post(`/orders/${orderId}/refund`, { amount: '-1', csrf })).location).toContain(
      'problem=invalidAmount',
    );
    const refund = await merchant.post(`/orders/${orderId}/refund`, { amount: '20', csrf });
    expect(refund.location).toBe(`/orders/${orderId}?done=refund`);
    const after = await merchant.get(refund.location!);
    expect(after.text).toMatch(/class="state ok">Partly refunded</);
    expect(after.text).toContain('€20.00');
    expect((await shopper.get(`/orders/${orderId}/status`)).text).toBe('{"state":"partiallyRefunded"}');
    // A second partial capture (split shipment) takes what is left, and then nothing is.
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '5.01', csrf })).location).toContain(
      'problem=amountTooLarge',
    );
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '5', csrf })).location).toBe(
      `/orders/${orderId}?done=capture`,
    );
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '1', csrf })).location).toContain(
      'problem=alreadyCaptured',
    );
    expect((await merchant.get('/back-office')).text).toContain(orderId);
  });

  it('an order with a pre-order ships in two parts: the first part authorized at purchase, the rest from the back office, each captured', async () => {
    const { orderId } = await checkout({ mug: 1, annotated: 1 });
    const { pinit, receipt } = await walletPays(server.url, new TestWallet(world, cardholder), orderId);
    // The cardholder signs the whole order; the gateway authorizes what ships now.
    expect(pinit.content.purchAmt).toEqual({ currency: 'EUR', value: 3699, exponent: 2 });
    expect(pinit.content.od).toContain('Pre-ordered items are charged when they ship.');
    expect(receipt.content.result.amount.value).toBe(1299);
    const merchant = await browser(server.url).signIn();
    const csrf = await merchant.token('/back-office');
    const before = await merchant.get(`/orders/${orderId}`);
    expect(before.text).toContain('Split shipment: €36.99 signed; €24.00 not yet authorized');
    expect(before.text).toContain('Authorize the rest (€24.00)');
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '12.99', csrf })).location).toContain(
      'done=capture',
    );
    const rest = await merchant.post(`/orders/${orderId}/authorize-rest`, { csrf });
    expect(rest.location).toBe(`/orders/${orderId}?done=authorize-rest`);
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '24.00', csrf })).location).toContain(
      'done=capture',
    );
    const after = await merchant.get(`/orders/${orderId}`);
    expect(after.text).toContain('€0.00 not yet authorized');
    expect(after.text).toMatch(/id="later-authorizations"[\s\S]*€24\.00[\s\S]*Authorized/);
    expect(after.text).not.toContain('Authorize the rest');
    const tx = (await store.orders.find(receipt.content.transIds.xid))!;
    expect(balanceOf(tx)).toMatchObject({ authorized: 3699, captured: 3699 });
    // The cardholder's wallet, asking (InqReq), hears of both parts: the payments so far.
    const inq = await buildInqReq({
      transIds: receipt.content.transIds,
      cardholder: {
        privateKey: cardholder.privateKey,
        certificate: cardholder.certificate,
        chain: cardholder.chain,
      },
    });
    const answer = await fetch(`${server.url}/set`, { method: 'POST', body: encodeWire(inq.wire) });
    const inqRes = await verifyInqRes(
      await answer.text(),
      inq.content,
      world.merchant.certificate.thumbprint,
      {
        trust: world.trust(),
        clock: { now: new Date() },
      },
    );
    expect(inqRes.content.payments?.map((p) => p.amount.value)).toEqual([1299, 2400]);
    expect(inqRes.content.paymentCount).toBe(2);
    // Nothing more was signed: the SDK refuses before asking the gateway.
    const again = await merchant.post(`/orders/${orderId}/authorize-rest`, { csrf });
    expect(again.location).toContain('problem=nothingMoreToAuthorize');
  });

  it('a subscription: the PInitRes declares the plan, and the back office cannot charge the next payment before it is due', async () => {
    const { orderId } = await checkout({ 'coffee-club': 1 });
    const { pinit, receipt } = await walletPays(server.url, new TestWallet(world, cardholder), orderId);
    expect(pinit.content.installRecurData).toMatchObject({
      kind: 'recurring',
      frequencyDays: 30,
      ceiling: { currency: 'EUR', value: 999, exponent: 2 },
    });
    expect(receipt.content.result.status).toBe('approved');
    const merchant = await browser(server.url).signIn();
    const csrf = await merchant.token('/back-office');
    const page = await merchant.get(`/orders/${orderId}`);
    expect(page.text).toMatch(
      /Subscription: up to €9\.99 every 30 days until <time datetime="\d{4}-\d{2}-\d{2}T00:00:00\.000Z">/,
    );
    expect(page.text).toContain('Charge the next payment (€9.99)');
    const early = await merchant.post(`/orders/${orderId}/charge-next`, { csrf });
    expect(early.location).toBe(`/orders/${orderId}?problem=planRefused`);
    expect((await merchant.get(early.location!)).text).toContain('breaks the terms the cardholder signed');
    expect(logs.some((l) => /too early/.test(l))).toBe(true);
    expect((await store.orders.find(receipt.content.transIds.xid))!.subsequent).toBeUndefined();
  });

  it('the Settlement page matches the gateway’s batch against the store’s orders, and closes (settles) it once', async () => {
    // A batch of this store's own: whatever earlier tests left open is settled first.
    for (const b of (await client.listBatches({ state: 'open' })).batches) await client.closeBatch(b.batchId);
    const { orderId } = await paidOrder({ poster: 2 });
    const merchant = await browser(server.url).signIn();
    const csrf = await merchant.token('/back-office');
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '30', csrf })).location).toContain(
      'done=capture',
    );
    expect((await merchant.post(`/orders/${orderId}/refund`, { amount: '4.50', csrf })).location).toContain(
      'done=refund',
    );

    const report = await merchant.get('/back-office/settlement');
    expect(report.status).toBe(200);
    // The newest batch comes first: this order's capture and refund.
    const newest = report.text.split('<section')[1]!;
    expect(newest).toMatch(/Batch \d+: open/);
    expect(newest).toContain(`<a href="/orders/${orderId}">${orderId}</a>`);
    expect(newest.match(/Matches our records/g)).toHaveLength(2);
    expect(newest).toContain('Reconciled: every item matches our records and the totals agree.');
    expect(newest).toContain('€25.50');
    const batch = /name="batch" value="(\d+)"/.exec(report.text)![1]!;
    const formCsrf = /name="csrf" value="([0-9a-f]+)"/.exec(report.text)![1]!;

    // Only the merchant, only with the form token, only a batch number.
    const shopper = browser(server.url);
    const shopperCsrf = await shopper.token('/');
    expect((await shopper.get('/back-office/settlement')).status).toBe(403);
    expect((await shopper.post('/back-office/settlement/close', { csrf: shopperCsrf, batch })).status).toBe(
      403,
    );
    expect((await merchant.post('/back-office/settlement/close', { batch })).status).toBe(403);
    expect(
      (await merchant.post('/back-office/settlement/close', { csrf: formCsrf, batch: '1 OR 1=1' })).status,
    ).toBe(422);
    expect((await client.batchSummary(Number(batch)))!.batch.state).toBe('open');

    const closed = await merchant.post('/back-office/settlement/close', { csrf: formCsrf, batch });
    expect(closed.location).toBe('/back-office/settlement?done=closed');
    const settled = await merchant.get(closed.location!);
    expect(settled.text).toContain('The batch is closed and settled.');
    const section = settled.text.split('<section')[1]!;
    expect(section).toMatch(new RegExp(`Batch ${batch}: settled`));
    expect(section).toContain('Reconciled: every item matches');
    const again = await merchant.post('/back-office/settlement/close', { csrf: formCsrf, batch });
    expect(again.location).toBe('/back-office/settlement?problem=batchAlreadyClosed');
    expect((await client.batchSummary(Number(batch)))!.batch.settlement).toEqual([
      { currency: 'EUR', exponent: 2, captured: 3000, credited: 450, net: 2550 },
    ]);
  });

  it('the back office reverses a capture and a refund, shows both in the history, and lists every transaction of the order', async () => {
    const { orderId, shopper } = await checkout({ poster: 1 });
    await walletPays(server.url, new TestWallet(world, declinedCardholder), orderId);
    await walletPays(server.url, new TestWallet(world, cardholder), orderId);
    const merchant = await browser(server.url).signIn();
    const csrf = await merchant.token('/back-office');
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '15', csrf })).location).toContain(
      'done=capture',
    );
    expect((await merchant.post(`/orders/${orderId}/reverse-capture`, { amount: '5', csrf })).location).toBe(
      `/orders/${orderId}?done=reverse-capture`,
    );
    expect((await merchant.post(`/orders/${orderId}/refund`, { amount: '4', csrf })).location).toContain(
      'done=refund',
    );
    expect(
      (await merchant.post(`/orders/${orderId}/reverse-refund`, { amount: '9', csrf })).location,
    ).toContain('problem=amountTooLarge');
    const rev = await merchant.post(`/orders/${orderId}/reverse-refund`, { amount: '1.50', csrf });
    expect(rev.location).toBe(`/orders/${orderId}?done=reverse-refund`);
    const page = (await merchant.get(rev.location!)).text;
    expect(page).toContain('The refund has been reversed');
    for (const words of [
      'Capture reversal',
      'Refund reversal',
      'SET transactions of this order',
      'Declined',
    ]) {
      expect(page).toContain(words);
    }
    expect(page).toContain('/reverse-capture');
    expect(page).toContain('/reverse-refund');
    const all = await store.orders.transactionsFor(orderId);
    expect(all).toHaveLength(2);
    expect(all[1]!.followUps.map((f) => [f.request, f.status])).toEqual([
      ['CapReq', 'captured'],
      ['CapRevReq', 'captureReversed'],
      ['CredReq', 'credited'],
      ['CredRevReq', 'creditReversed'],
    ]);
    expect(balanceOf(all[1]!)).toMatchObject({ captured: 1000, refunded: 250 });
    // Not the shopper's to do, nor to see.
    const shopperCsrf = await shopper.token('/');
    expect(
      (await shopper.post(`/orders/${orderId}/reverse-refund`, { amount: '1', csrf: shopperCsrf })).status,
    ).toBe(403);
    expect((await shopper.get(`/orders/${orderId}`)).text).not.toContain('SET transactions of this order');
  });

  it('a decline shows its reason and the order can be paid again; the merchant can reverse an authorization', async () => {
    const { orderId, shopper } = await checkout({ notebook: 2 });
    const { receipt } = await walletPays(server.url, new TestWallet(world, declinedCardholder), orderId);
    expect(receipt.content.result).toMatchObject({ status: 'declined', reason: 'doNotHonour' });
    const page = await shopper.get(`/orders/${orderId}`);
    expect(page.text).toContain('Your card was declined.');
    expect(page.text).toContain(describeDecline('doNotHonour').replace(/'/g, '&#39;'));
    expect(initiationOf(page.text)?.lidM).toBe(orderId);
    const merchant = await browser(server.url).signIn();
    const csrf = await merchant.token('/back-office');
    expect((await merchant.post(`/orders/${orderId}/capture`, { amount: '1', csrf })).location).toContain(
      'problem=notAuthorized',
    );

    await walletPays(server.url, new TestWallet(world, cardholder), orderId);
    const rev = await merchant.post(`/orders/${orderId}/reverse`, { csrf });
    expect(rev.location).toBe(`/orders/${orderId}?done=reverse`);
    expect((await shopper.get(rev.location!)).text).toContain('Authorization reversed');
  });

  it('refuses unknown orders; bad SET input gets a SET Error, not a page', async () => {
    const get = browser(server.url);
    expect((await get.get('/orders/ord-AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await get.get('/orders/<script>')).status).toBe(404);
    const res = await fetch(`${server.url}/set`, { method: 'POST', body: 'nope' });
    expect(res.status).toBe(400);
    expect(
      (await readError(await res.text(), { trust: world.trust(), clock: world.clock })).content.errorCode,
    ).toBe('decodingFailure');
    expect(logs.filter((l) => l.includes('failed'))).toEqual([]);
  });

  describe('a hostile shopper', () => {
    it('sees only the orders of their own session: another’s is "no such order", in the list, page and status', async () => {
      const alice = await paidOrder();
      const bob = await checkout({ tee: 1 });
      const stranger = browser(server.url);
      await stranger.get('/');
      const nobody = browser(server.url);
      const missing = await nobody.get('/orders/ord-AAAAAAAAAAAAAAAA');

      // Each sees their own order, in the list and on its page.
      expect((await alice.shopper.get('/orders')).text).toContain(alice.orderId);
      expect((await alice.shopper.get('/orders')).text).not.toContain(bob.orderId);
      expect((await bob.shopper.get('/orders')).text).toContain(bob.orderId);
      expect((await bob.shopper.get('/orders')).text).not.toContain(alice.orderId);
      for (const who of [bob.shopper, stranger, nobody]) {
        // Cross-session view, list and status: 404 exactly as for an order that does not exist.
        const page = await who.get(`/orders/${alice.orderId}`);
        expect(page.status).toBe(404);
        expect(page.text.replace(/\(\d+\)/, '')).toBe(missing.text.replace(/\(\d+\)/, ''));
        expect(page.text).not.toContain(alice.orderId);
        const status = await who.get(`/orders/${alice.orderId}/status`);
        expect(status.status).toBe(404);
        expect(status.text).toBe('{"error":"no such order"}');
        expect((await who.get('/orders')).text).not.toContain(alice.orderId);
        // A shopper cannot open the back office either.
        const office = await who.get('/back-office');
        expect(office.status).toBe(403);
        expect(office.text).not.toContain(alice.orderId);
      }
      // A guessed or stolen-looking cookie value is just another (empty) session.
      const forged = await nobody.get(`/orders/${alice.orderId}`, {
        cookie: 'store_session=AAAAAAAAAAAAAAAAAAAAAAAA',
      });
      expect(forged.status).toBe(404);

      // The merchant sees every order.
      const merchant = await browser(server.url).signIn();
      const office = await merchant.get('/back-office');
      expect(office.text).toContain(alice.orderId);
      expect(office.text).toContain(bob.orderId);
      expect((await merchant.get(`/orders/${alice.orderId}`)).status).toBe(200);
      expect((await merchant.get(`/orders/${bob.orderId}/status`)).text).toBe('{"state":"awaitingPayment"}');
    });

    it('cannot capture, refund or reverse: every forged merchant request is 403 with a sentence, and nothing changes', async () => {
      const { orderId, xid, shopper, csrf: shopperCsrf } = await paidOrder({ poster: 1 });
      const merchant = await browser(server.url).signIn();
      const merchantCsrf = await merchant.token('/back-office');
      const gate = new OperatorGate(TOKEN, 'SET/2 demo store');
      const expired = gate.issueSession(new Date(Date.now() - 13 * 3600_000));
      const otherStore = new OperatorGate('another-stores-operator-token', 'SET/2 demo store').issueSession(
        new Date(),
      );
      const anonymous = browser(server.url);

      const before = { gateway: gatewayCounts(), tx: await store.orders.find(xid) };
      expect(before.tx?.followUps).toEqual([]);

      type Attempt = {
        name: string;
        who: ReturnType<typeof browser>;
        csrf?: string;
        headers?: Record<string, string>;
      };
      const attempts: Attempt[] = [
        { name: 'anonymous, no cookie, no token', who: anonymous },
        { name: 'anonymous with a made-up token', who: anonymous, csrf: 'ab'.repeat(32) },
        { name: 'the paying shopper, with their own valid form token', who: shopper, csrf: shopperCsrf },
        {
          name: 'a forged merchant cookie',
          who: shopper,
          csrf: 'ab'.repeat(32),
          headers: { cookie: `store_merchant=${'9'.repeat(10)}.${'ab'.repeat(32)}` },
        },
        {
          name: 'an expired merchant session',
          who: anonymous,
          csrf: gate.formToken(expired),
          headers: { cookie: `store_merchant=${expired}` },
        },
        {
          name: 'a session of another store’s token',
          who: anonymous,
          csrf: gate.formToken(otherStore),
          headers: { cookie: `store_merchant=${otherStore}` },
        },
        { name: 'the merchant’s cookie without a form token', who: merchant },
        { name: 'the merchant’s cookie with a forged form token', who: merchant, csrf: 'cd'.repeat(32) },
        { name: 'the merchant’s cookie with the shopper’s form token', who: merchant, csrf: shopperCsrf },
        {
          name: 'the merchant’s cookie, valid token, from another origin',
          who: merchant,
          csrf: merchantCsrf,
          headers: { origin: 'https://evil.example' },
        },
        {
          name: 'the merchant’s cookie, valid token, from the sandbox’s issuer port',
          who: merchant,
          csrf: merchantCsrf,
          headers: { origin: 'http://127.0.0.1:8700' },
        },
        {
          name: 'the merchant’s cookie, valid token, Origin null',
          who: merchant,
          csrf: merchantCsrf,
          headers: { origin: 'null' },
        },
        {
          name: 'the merchant’s cookie, valid token, Sec-Fetch-Site: same-site',
          who: merchant,
          csrf: merchantCsrf,
          headers: { origin: '', 'sec-fetch-site': 'same-site' },
        },
        {
          name: 'the merchant’s cookie, valid token, Sec-Fetch-Site: cross-site',
          who: merchant,
          csrf: merchantCsrf,
          headers: { origin: '', 'sec-fetch-site': 'cross-site' },
        },
      ];
      let refusals = 0;
      for (const action of ['capture', 'refund', 'reverse'] as const) {
        for (const a of attempts) {
          const form: Record<string, string> = action === 'reverse' ? {} : { amount: '1.00' };
          if (a.csrf) form.csrf = a.csrf;
          const res = await a.who.post(`/orders/${orderId}/${action}`, form, a.headers);
          expect(res.status, `${action}: ${a.name}`).toBe(403);
          expect(res.text, `${action}: ${a.name}`).toMatch(/<h1>Not allowed<\/h1><p>[A-Z][^<]+\.<\/p>/);
          refusals++;
        }
      }
      expect(refusals).toBe(42);
      // Nothing changed: no follow-up reached the gateway, the store recorded none, the state stands.
      expect(gatewayCounts()).toEqual(before.gateway);
      expect(await store.orders.find(xid)).toEqual(before.tx);
      expect((await shopper.get(`/orders/${orderId}/status`)).text).toBe('{"state":"authorized"}');

      // …and the real merchant, from the store's own page, captures the whole amount: the ledger was untouched.
      const done = await merchant.post(`/orders/${orderId}/capture`, { amount: '9.50', csrf: merchantCsrf });
      expect(done.location).toBe(`/orders/${orderId}?done=capture`);
      expect(gatewayCounts().CapReq).toBe((before.gateway.CapReq ?? 0) + 1);
      expect((await store.orders.find(xid))?.followUps.map((f) => [f.request, f.status])).toEqual([
        ['CapReq', 'captured'],
      ]);
    });

    it('the back office: a wrong link is refused, the right one gives a Strict cookie without the token; sign-out ends it', async () => {
      const b = browser(server.url);
      const wrong = await b.get('/back-office?token=not-the-token-at-all');
      expect(wrong.status).toBe(403);
      expect(b.jar.has('store_merchant')).toBe(false);
      const login = await b.get(`/back-office?token=${encodeURIComponent(TOKEN)}`);
      expect(login.status).toBe(303);
      expect(login.location).toBe('/back-office');
      const cookie = login.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^store_merchant=\d+\.[0-9a-f]{64};/);
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      expect(cookie).not.toContain(TOKEN);
      const office = await b.get('/back-office');
      expect(office.status).toBe(200);
      expect(office.text).toContain('You are signed in as the merchant');
      const csrf = await b.token('/back-office');
      // Sign-out is a form like the others: not without the token.
      expect((await b.post('/back-office/sign-out', {})).status).toBe(403);
      expect((await b.post('/back-office/sign-out', { csrf })).status).toBe(303);
      expect(b.jar.has('store_merchant')).toBe(false);
      expect((await b.get('/back-office')).status).toBe(403);
    });

    it('cannot make another browser change its cart or check out: other origin, no token, forged or another session’s token', async () => {
      const victim = browser(server.url);
      const csrf = await victim.token('/');
      await victim.post('/cart', { productId: 'mug', quantity: '1', csrf });
      const cart = await cartOf(victim);
      const attacker = browser(server.url);
      const attackerCsrf = await attacker.token('/');
      const orders = async () => (await db.query('SELECT count(*)::int AS n FROM store_orders'))[0]!.n;
      const ordersBefore = await orders();

      const attempts: [string, string, Record<string, string>, Record<string, string>?][] = [
        [
          'another origin, valid cookie and token',
          '/cart',
          { productId: 'tee', quantity: '5', csrf },
          { origin: 'https://evil.example' },
        ],
        [
          'another sandbox port, valid cookie and token',
          '/cart/update',
          { productId: 'mug', quantity: '0', csrf },
          { origin: 'http://127.0.0.1:8701' },
        ],
        ['Sec-Fetch-Site: cross-site', '/checkout', { csrf }, { origin: '', 'sec-fetch-site': 'cross-site' }],
        ['no token', '/cart', { productId: 'tee', quantity: '5' }],
        ['no token', '/cart/update', { productId: 'mug', quantity: '0' }],
        ['no token', '/checkout', {}],
        ['a forged token', '/cart', { productId: 'tee', quantity: '5', csrf: '00'.repeat(32) }],
        ['a forged token', '/checkout', { csrf: 'ff'.repeat(32) }],
        [
          'the attacker’s own session token',
          '/cart/update',
          { productId: 'mug', quantity: '0', csrf: attackerCsrf },
        ],
        ['the attacker’s own session token', '/checkout', { csrf: attackerCsrf }],
      ];
      for (const [name, path, form, headers] of attempts) {
        const res = await victim.post(path, form, headers);
        expect(res.status, `${path}: ${name}`).toBe(403);
        expect(res.text, `${path}: ${name}`).toMatch(/<h1>Not allowed<\/h1><p>[A-Z][^<]+\.<\/p>/);
      }
      // Without the session cookie at all, the refusal says what to do.
      const cookieless = await browser(server.url).post('/cart', { productId: 'mug', quantity: '1', csrf });
      expect(cookieless.status).toBe(403);
      expect(cookieless.text).toContain('did not send this store’s session cookie');
      expect(await cartOf(victim)).toBe(cart);
      expect(await orders()).toBe(ordersBefore);
    });
  });

  describe('malformed forms get 400 (or 413) and a sentence, never an exception', () => {
    const B = 'XyZzy0123';
    const bodies: [string, number, string | Uint8Array<ArrayBuffer>, string | undefined, RegExp][] = [
      [
        'multipart cut short (no closing boundary)',
        400,
        `--${B}\r\nContent-Disposition: form-data; name="productId"\r\n\r\nmu`,
        `multipart/form-data; boundary=${B}`,
        /malformed or cut short/,
      ],
      [
        'multipart whose parts are not delimited by its boundary',
        400,
        multipart('other', [['csrf', 'x']]),
        `multipart/form-data; boundary=${B}`,
        /malformed or cut short/,
      ],
      [
        'multipart without a boundary',
        400,
        multipart(B, [['csrf', 'x']]),
        'multipart/form-data',
        /no valid boundary/,
      ],
      [
        'multipart with an empty boundary',
        400,
        multipart(B, [['csrf', 'x']]),
        'multipart/form-data; boundary=',
        /no valid boundary/,
      ],
      [
        'multipart with a boundary of 71 characters',
        400,
        multipart('b'.repeat(71), [['csrf', 'x']]),
        `multipart/form-data; boundary=${'b'.repeat(71)}`,
        /no valid boundary/,
      ],
      [
        'multipart with a part longer than any field',
        400,
        multipart(B, [['productId', 'x'.repeat(3000)]]),
        `multipart/form-data; boundary=${B}`,
        /longer than 256 characters/,
      ],
      [
        'multipart with a huge part (over the body limit)',
        413,
        multipart(B, [['productId', 'x'.repeat(100_000)]]),
        `multipart/form-data; boundary=${B}`,
        /larger than 4,096 bytes/,
      ],
      [
        'multipart with a file',
        400,
        `--${B}\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${B}--\r\n`,
        `multipart/form-data; boundary=${B}`,
        /no files/,
      ],
      [
        'multipart with one field twice',
        400,
        multipart(B, [
          ['csrf', 'a'],
          ['csrf', 'b'],
        ]),
        `multipart/form-data; boundary=${B}`,
        /the field &quot;csrf&quot; twice/,
      ],
      [
        'JSON',
        400,
        '{"productId":"mug","quantity":"1"}',
        'application/json',
        /accepted as application\/x-www-form-urlencoded or multipart\/form-data only/,
      ],
      ['text/plain', 400, 'productId=mug', 'text/plain', /accepted as/],
      ['no Content-Type with a body', 400, 'productId=mug', undefined, /accepted as/],
      [
        'urlencoded that is not UTF-8',
        400,
        new Uint8Array([0x61, 0x3d, 0xff, 0xfe]),
        'application/x-www-form-urlencoded',
        /not valid UTF-8/,
      ],
      [
        'urlencoded with 40 fields',
        400,
        Array.from({ length: 40 }, (_, i) => `f${i}=1`).join('&'),
        'application/x-www-form-urlencoded',
        /more than 8 fields/,
      ],
      [
        'urlencoded over the body limit',
        413,
        `productId=${'x'.repeat(5000)}`,
        'application/x-www-form-urlencoded',
        /larger than 4,096 bytes/,
      ],
    ];

    it.each(bodies)(
      '%s → %i on every form of the store, and nothing changes',
      async (_name, status, body, type, sentence) => {
        const { orderId, xid, shopper } = await paidOrder({ stickers: 1 });
        const merchant = await browser(server.url).signIn();
        await shopper.post('/cart', { productId: 'mug', quantity: '1', csrf: await shopper.token('/') });
        const cart = await cartOf(shopper);
        const tx = await store.orders.find(xid);
        const counts = gatewayCounts();
        const failedBefore = logs.filter((l) => l.includes('failed')).length;
        const targets: [ReturnType<typeof browser>, string][] = [
          [shopper, '/cart'],
          [shopper, '/cart/update'],
          [shopper, '/checkout'],
          [merchant, `/orders/${orderId}/capture`],
          [merchant, `/orders/${orderId}/refund`],
          [merchant, `/orders/${orderId}/reverse`],
          [merchant, '/back-office/sign-out'],
        ];
        for (const [who, path] of targets) {
          const res = await who.raw(path, body, type);
          expect(res.status, path).toBe(status);
          expect(res.text, path).toMatch(sentence);
          expect(res.text, path).not.toContain('Something went wrong');
        }
        expect(logs.filter((l) => l.includes('failed')).length).toBe(failedBefore);
        expect(await cartOf(shopper)).toBe(cart);
        expect(await store.orders.find(xid)).toEqual(tx);
        expect(gatewayCounts()).toEqual(counts);
        expect(merchant.jar.has('store_merchant')).toBe(true);
      },
    );

    it('a well-formed multipart form is accepted like a urlencoded one', async () => {
      const shopper = browser(server.url);
      const csrf = await shopper.token('/');
      const res = await shopper.raw(
        '/cart',
        multipart(B, [
          ['productId', 'poster'],
          ['quantity', '2'],
          ['csrf', csrf],
        ]),
        `multipart/form-data; boundary="${B}"`,
      );
      expect(res.status).toBe(303);
      expect(await cartOf(shopper)).toContain('poster');
    });

    it('a body that stops arriving mid-way is refused without an exception, and the store goes on', async () => {
      const shopper = browser(server.url);
      const csrf = await shopper.token('/');
      const { port } = new URL(server.url);
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `POST /cart HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${ORIGIN}\r\nCookie: store_session=${shopper.jar.get('store_session')}\r\n` +
              `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 2000\r\n\r\nproductId=mug&quantity=1&csrf=${csrf}`,
          );
          socket.end();
        });
        let got = '';
        socket.on('data', (d) => {
          got += d.toString();
        });
        socket.on('close', () => resolve(got));
        socket.on('error', () => resolve(got));
      });
      expect(answer).not.toMatch(/^HTTP\/1\.1 (5\d\d|422|303)/);
      expect((await shopper.get('/cart')).text).toContain('Your cart is empty');
      expect(logs.filter((l) => l.includes('failed'))).toEqual([]);
    });
  });

  describe('SqlOrderStore', () => {
    orderStoreContract(
      async (lidM, amount) => {
        await db.query(
          'INSERT INTO store_orders (id, description, lines, amount) VALUES ($1, $2, $3::jsonb, $4::jsonb)',
          [lidM, `order ${lidM}`, '[]', JSON.stringify(amount)],
        );
      },
      () => new SqlOrderStore(db),
    );

    it('migrations apply once', async () => {
      expect(await migrate(db, STORE_MIGRATIONS)).toEqual([]);
    });
  });
});

describe('MemoryOrderStore', () => {
  const memory = new MemoryOrderStore();
  orderStoreContract(
    async (lidM, amount) => memory.addOrder(lidM, { od: `order ${lidM}`, amount }),
    () => memory,
  );
});

describe('html', () => {
  it('escapes interpolated text and keeps composed markup', () => {
    const inner = html`<b>${'<i>&"\''}</b>`;
    expect(html`<p>${inner}${['<', html`<br>`]}${undefined}</p>`.value).toBe(
      '<p><b>&lt;i&gt;&amp;&quot;&#39;</b>&lt;<br></p>',
    );
  });
});

/** What every OrderStore must do, whatever it is built on. */
function orderStoreContract(
  addOrder: (lidM: string, amount: PurchaseRecord['outcome']['result']['amount']) => Promise<void>,
  storeOf: () => OrderStore,
) {
  let n = 0;
  const amount = { currency: 'EUR', value: 999, exponent: 2 };
  const pending = (lidM: string): PendingPurchase => {
    const xid = `${String(++n).padStart(4, '0')}${'x'.repeat(39)}`;
    const transIds = { lidC: 'wallet-1', lidM, xid, pReqDate: new Date().toISOString(), language: 'en' };
    return {
      xid,
      lidM,
      order: {
        transIds,
        challC: 'c'.repeat(43),
        challM: 'm'.repeat(43),
        hod: 'h'.repeat(43),
        brandId: 'SETPay',
      },
      purchAmt: amount,
      createdAt: new Date().toISOString(),
    };
  };
  const record = (p: PendingPurchase, status: 'approved' | 'declined', pres: string): PurchaseRecord => ({
    preqDigest: `d-${p.xid}`,
    pres,
    outcome: {
      completionCode: status === 'approved' ? 'authorizationPerformed' : 'orderRejected',
      result:
        status === 'approved'
          ? { status, authCode: 'ABC123', amount }
          : { status, reason: 'expiredCard', amount },
    },
    authRes: {
      type: 'AuthResData',
      date: new Date().toISOString(),
      rrpid: 'r'.repeat(43),
      transIds: p.order.transIds,
      result:
        status === 'approved'
          ? { status, authCode: 'ABC123', amount }
          : { status, reason: 'expiredCard', amount },
      ...(status === 'approved' ? { capToken: 'token' } : {}),
    },
    at: new Date().toISOString(),
  });
  const claim = (rrpid: string) => ({
    rrpid,
    preqDigest: 'digest',
    at: new Date().toISOString(),
    request: '{"z":1,"a":2}',
  });

  it('describes orders, keeps pending purchases and lets one XID per order claim it', async () => {
    const orders = storeOf();
    const lidM = `contract-${++n}`;
    await addOrder(lidM, amount);
    expect(await orders.describe(lidM)).toEqual({ od: `order ${lidM}`, amount });
    expect(await orders.describe('no-such-order')).toBeUndefined();
    const a = pending(lidM);
    const b = pending(lidM);
    await orders.savePending(a);
    await orders.savePending(b);
    expect(await orders.find(a.xid)).toEqual({ ...a, followUps: [] });
    expect(await orders.find('unknown')).toBeUndefined();
    expect(await orders.claimAuthorization('unknown', claim('r0'))).toEqual({
      ok: false,
      reason: 'unknownXID',
    });

    const first = await orders.claimAuthorization(a.xid, claim('r1'));
    expect(first).toMatchObject({ ok: true, claim: { rrpid: 'r1' } });
    // Kept as text, byte for byte: a resent AuthReq is rebuilt from it.
    expect((await orders.find(a.xid))?.claim?.request).toBe('{"z":1,"a":2}');
    // The claim stays: a second claim for the same XID gets the first one back.
    expect(await orders.claimAuthorization(a.xid, claim('r2'))).toMatchObject({
      ok: true,
      claim: { rrpid: 'r1' },
    });
    expect(await orders.claimAuthorization(b.xid, claim('r3'))).toEqual({ ok: false, reason: 'orderTaken' });
    expect(await orders.describe(lidM)).toBeUndefined();

    await orders.releaseAuthorization(a.xid, 'r2');
    expect((await orders.find(a.xid))?.claim?.rrpid).toBe('r1');
    await orders.releaseAuthorization(a.xid, 'r1');
    expect((await orders.find(a.xid))?.claim).toBeUndefined();
    expect(await orders.describe(lidM)).toBeDefined();

    expect(await orders.claimAuthorization(b.xid, claim('r4'))).toMatchObject({ ok: true });
    const pres = '{"z":1,"a":[2,1],"m":"é"}';
    const kept = await orders.recordOutcome(b.xid, record(b, 'approved', pres));
    expect(kept.pres).toBe(pres);
    expect((await orders.recordOutcome(b.xid, record(b, 'approved', '{"other":true}'))).pres).toBe(pres);
    await orders.recordFollowUp(b.xid, { request: 'CapReq', status: 'captured', amount, at: 'then' });
    await orders.recordFollowUp(b.xid, {
      request: 'CredReq',
      status: 'rejected',
      reason: 'amountExceedsCapture',
      amount,
      at: 'later',
    });
    const found = await orders.find(b.xid);
    expect(found?.record?.pres).toBe(pres);
    expect(found?.followUps.map((f) => f.request)).toEqual(['CapReq', 'CredReq']);
    expect(await orders.describe(lidM)).toBeUndefined();
    expect(await orders.claimAuthorization(a.xid, claim('r5'))).toEqual({ ok: false, reason: 'orderTaken' });
  });

  it('a declined outcome frees the order; concurrent claims on one order let exactly one through', async () => {
    const orders = storeOf();
    const lidM = `contract-${++n}`;
    await addOrder(lidM, amount);
    const a = pending(lidM);
    await orders.savePending(a);
    await orders.claimAuthorization(a.xid, claim('r1'));
    await orders.recordOutcome(a.xid, record(a, 'declined', '{}'));
    expect(await orders.describe(lidM)).toBeDefined();

    const racers = [pending(lidM), pending(lidM), pending(lidM)];
    for (const p of racers) await orders.savePending(p);
    const results = await Promise.all(
      racers.map((p, i) => orders.claimAuthorization(p.xid, claim(`race-${i}`))),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
  });
}
