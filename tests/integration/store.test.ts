// The demo store: catalogue → cart → checkout with a parseable payment initiation, a purchase
// through its /set with a protocol-level wallet, the status page, capture and refund from it; and
// its SQL OrderStore, on both storage backends (the same contract is run on MemoryOrderStore).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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
  buildPInitReq,
  PAYMENT_INITIATION_TYPE,
  parsePaymentInitiation,
  readError,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { migrate } from '../../src/storage/index.ts';
import {
  createDemoStore,
  type DemoStore,
  html,
  SqlOrderStore,
  STORE_MIGRATIONS,
} from '../../src/store/index.ts';
import { backends } from '../support/databases.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';
import { startTestGateway, type TestGatewayServer } from './merchant-support.ts';

const ORIGIN = 'http://127.0.0.1:8443';
const DECLINED_PAN = '4000000000000002';
const world = makeWorld(new Date(), ORIGIN);
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const declinedCardholder = issueCardholder(world, DECLINED_PAN);

let gw: TestGatewayServer;
let client: GatewayClient;
beforeAll(async () => {
  gw = await startTestGateway(world);
  client = createGatewayClient({
    endpoint: `${gw.url}/set`,
    merchant: keys,
    gatewayKeyExchange: world.gatewayKx.chain,
    trustedRoots: [world.root],
    backoffMs: 5,
  });
});
afterAll(() => gw?.close());

/** A browser of sorts: keeps the cart cookie, sends forms, does not follow redirects. */
function browser(store: DemoStore) {
  let cookie = '';
  return async (path: string, form?: Record<string, string>, headers: Record<string, string> = {}) => {
    const h = new Headers(headers);
    if (cookie) h.set('cookie', cookie);
    const init: RequestInit = { method: form ? 'POST' : 'GET', headers: h };
    if (form) init.body = new URLSearchParams(form);
    const res = await store.app.request(`${ORIGIN}${path}`, init);
    const set = res.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0]!;
    return {
      status: res.status,
      location: res.headers.get('location'),
      text: await res.text(),
      headers: res.headers,
    };
  };
}

function initiationOf(page: string) {
  const m = new RegExp(`<script type="${PAYMENT_INITIATION_TYPE.replace('+', '\\+')}">(.*?)</script>`).exec(
    page,
  );
  return m ? parsePaymentInitiation(m[1]!, ORIGIN) : undefined;
}

async function walletPays(store: DemoStore, wallet: TestWallet, lidM: string) {
  const post = async (body: string) => {
    const res = await store.app.request(`${ORIGIN}/set`, { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  };
  const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: wallet.card.pan.slice(0, 6) });
  const initRes = await post(JSON.stringify(req.wire));
  expect(initRes.status, initRes.text).toBe(200);
  const pinit = wallet.verifyPInitRes(initRes.text, req.content);
  const preq = wallet.preq(pinit);
  const res = await post(JSON.stringify(preq.wire));
  expect(res.status, res.text).toBe(200);
  return { pinit, receipt: wallet.verifyPRes(res.text, preq.oiData, pinit) };
}

describe.each(backends)('demo store on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  let store: DemoStore;
  const logs: string[] = [];

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    store = await createDemoStore({
      db,
      setEndpoint: { merchant: keys, gateway: client, trustedRoots: [world.root], log: (m) => logs.push(m) },
      publicOrigin: ORIGIN,
      log: (m) => logs.push(m),
    });
  });
  afterAll(() => drop?.());

  async function checkout(items: Record<string, number>): Promise<string> {
    const get = browser(store);
    for (const [productId, quantity] of Object.entries(items)) {
      expect((await get('/cart', { productId, quantity: String(quantity) })).status).toBe(303);
    }
    const res = await get('/checkout', {});
    expect(res.status).toBe(303);
    return res.location!.replace('/orders/', '');
  }

  it('catalogue → cart → checkout: the page declares a payment initiation for the cart total', async () => {
    const get = browser(store);
    const catalogue = await get('/');
    expect(catalogue.status).toBe(200);
    expect(catalogue.text).toContain('<html lang="en">');
    expect(catalogue.text).toContain('SET/2 mug');
    expect(catalogue.text).toContain('€12.99');
    expect(catalogue.headers.get('content-security-policy')).toContain("script-src 'self'");

    expect((await get('/cart', { productId: 'mug', quantity: '2' })).location).toBe('/cart');
    await get('/cart', { productId: 'tee', quantity: '1' });
    await get('/cart', { productId: 'stickers', quantity: '3' });
    await get('/cart/update', { productId: 'stickers', quantity: '0' });
    const cart = await get('/cart');
    expect(cart.text).toMatch(/id="cart-total">€45\.48</);
    expect(cart.text).not.toContain('Sticker pack');
    expect((await get('/cart', { productId: 'nope', quantity: '1' })).status).toBe(422);
    expect((await get('/cart', { productId: 'mug', quantity: '100' })).status).toBe(422);

    const placed = await get('/checkout', {});
    expect(placed.status).toBe(303);
    const orderId = placed.location!.replace('/orders/', '');
    expect(orderId).toMatch(/^ord-[A-Za-z0-9_-]{16}$/);
    expect((await get('/cart')).text).toContain('Your cart is empty');

    const page = await get(`/orders/${orderId}`);
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
    expect(page.text).toContain('src="/assets/checkout.js"');
    expect((await get(`/orders/${orderId}/status`)).text).toBe('{"state":"awaitingPayment"}');
  });

  it('a purchase through the store’s /set makes the status page say authorized; capture and refund from it', async () => {
    const orderId = await checkout({ hoodie: 1, poster: 1 });
    const wallet = new TestWallet(world, cardholder);
    const { pinit, receipt } = await walletPays(store, wallet, orderId);
    expect(pinit.content.od).toContain(`SET Demo Store order ${orderId}: 1 × Gateway hoodie (€45.00)`);
    expect(pinit.content.purchAmt).toEqual({ currency: 'EUR', value: 6000, exponent: 2 });
    expect(receipt.content.result.status).toBe('approved');

    const get = browser(store);
    expect((await get(`/orders/${orderId}/status`)).text).toBe('{"state":"authorized"}');
    const page = await get(`/orders/${orderId}`);
    expect(page.text).toMatch(/id="payment-state" class="state ok">Authorized</);
    expect(page.text).toContain(receipt.content.result.authCode!);
    expect(initiationOf(page.text)).toBeUndefined();

    // Capture part, refund part: POST, then redirect, then GET.
    const cap = await get(`/orders/${orderId}/capture`, { amount: '55.00' });
    expect(cap.status).toBe(303);
    expect(cap.location).toBe(`/orders/${orderId}?done=capture`);
    expect((await get(cap.location!)).text).toMatch(/class="state ok">Captured</);
    const tooMuch = await get(`/orders/${orderId}/refund`, { amount: '55.01' });
    expect(tooMuch.location).toBe(`/orders/${orderId}?problem=amountTooLarge`);
    expect((await get(tooMuch.location!)).text).toContain('That amount is more than the payment allows.');
    expect((await get(`/orders/${orderId}/refund`, { amount: '1.234' })).location).toContain(
      'problem=invalidAmount',
    );
    expect((await get(`/orders/${orderId}/refund`, { amount: '-1' })).location).toContain(
      'problem=invalidAmount',
    );
    const refund = await get(`/orders/${orderId}/refund`, { amount: '20' });
    expect(refund.location).toBe(`/orders/${orderId}?done=refund`);
    const after = await get(refund.location!);
    expect(after.text).toMatch(/class="state ok">Partly refunded</);
    expect(after.text).toContain('€20.00');
    expect((await get(`/orders/${orderId}/status`)).text).toBe('{"state":"partiallyRefunded"}');
    expect((await get(`/orders/${orderId}/capture`, { amount: '1' })).location).toContain(
      'problem=alreadyCaptured',
    );
    expect((await get('/orders')).text).toContain(orderId);
  });

  it('a decline shows its reason and the order can be paid again; an authorization can be reversed', async () => {
    const orderId = await checkout({ notebook: 2 });
    const { receipt } = await walletPays(store, new TestWallet(world, declinedCardholder), orderId);
    expect(receipt.content.result).toMatchObject({ status: 'declined', reason: 'doNotHonour' });
    const get = browser(store);
    const page = await get(`/orders/${orderId}`);
    expect(page.text).toContain('Your card was declined.');
    expect(page.text).toContain(describeDecline('doNotHonour').replace(/'/g, '&#39;'));
    expect(initiationOf(page.text)?.lidM).toBe(orderId);
    expect((await get(`/orders/${orderId}/capture`, { amount: '1' })).location).toContain(
      'problem=notAuthorized',
    );

    await walletPays(store, new TestWallet(world, cardholder), orderId);
    const rev = await get(`/orders/${orderId}/reverse`, {});
    expect(rev.location).toBe(`/orders/${orderId}?done=reverse`);
    expect((await get(rev.location!)).text).toContain('Authorization reversed');
  });

  it('refuses cross-site forms and unknown orders; bad SET input gets a SET Error, not a page', async () => {
    const get = browser(store);
    expect(
      (await get('/cart', { productId: 'mug', quantity: '1' }, { origin: 'https://evil.example' })).status,
    ).toBe(403);
    expect((await get('/orders/ord-AAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await get('/orders/<script>')).status).toBe(404);
    const res = await store.app.request(`${ORIGIN}/set`, { method: 'POST', body: 'nope' });
    expect(res.status).toBe(400);
    expect(readError(await res.text(), { trust: world.trust(), clock: world.clock }).content.errorCode).toBe(
      'decodingFailure',
    );
    expect(logs.filter((l) => l.includes('failed'))).toEqual([]);
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
