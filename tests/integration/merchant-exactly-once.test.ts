// Issue 10, cases 1, 3, 4 and 7, through the merchant SDK over real HTTP: a real gateway (its
// ledger on PGlite) behind a proxy that loses answers after the gateway has acted. A capture,
// refund or reversal whose answer is lost leaves the order "pendingConfirmation" and is settled
// by pressing again or by reconcile, with the same bytes, never applied twice; an order left
// "authorizing" is settled by reconcile; sale mode and several partial captures keep the SDK's
// state equal to the gateway's books.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Gateway,
  type Listening,
  listen,
} from '../../src/gateway/index.ts';
import {
  type Amount,
  balanceOf,
  createGatewayClient,
  createMerchantActions,
  createSetEndpoint,
  GatewayUnavailableError,
  MemoryOrderStore,
  MerchantActionError,
  type MerchantKeys,
  purchaseStateOf,
} from '../../src/merchant/index.ts';
import { buildPInitReq } from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { openTestPglite } from '../support/databases.ts';
import { type LostAnswerProxy, startLostAnswerProxy } from '../support/lost-answer-proxy.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';
import { type Served, serve } from './merchant-support.ts';

const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });

let db: Database;
let gateway: Gateway;
let gatewayServer: Listening;
let proxy: LostAnswerProxy;

beforeAll(async () => {
  db = await openTestPglite();
  gateway = await createGateway({
    db,
    signature: world.gateway,
    keyExchange: world.gatewayKx,
    trustedRoots: [world.root],
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
    log: () => {},
  });
  gatewayServer = await listen(gateway.app.fetch);
  proxy = await startLostAnswerProxy(gatewayServer.url);
});
afterAll(async () => {
  await proxy?.close();
  await gatewayServer?.close();
  await db?.close();
});

/** A shop: its SET endpoint on a port, its order store, its actions; the gateway behind the proxy. */
async function shop(opts: { captureNow?: boolean } = {}) {
  const orders = new MemoryOrderStore();
  const client = await createGatewayClient({
    endpoint: `${proxy.url}/set`,
    merchant: keys,
    gatewayKeyExchange: world.gatewayKx.chain,
    trustedRoots: [world.root],
    backoffMs: 5,
  });
  const handler = await createSetEndpoint({
    merchant: keys,
    gateway: client,
    orders,
    trustedRoots: [world.root],
    captureNow: opts.captureNow ?? false,
    log: () => {},
  });
  const served: Served = await serve(handler);
  const actions = createMerchantActions({ gateway: client, orders, merchant: keys, authorizingAfterMs: 0 });
  let n = 0;
  const post = async (body: string) => {
    const res = await fetch(`${served.url}/set`, { method: 'POST', body });
    return { status: res.status, text: await res.text() };
  };
  /** The wallet's PInitReq and PReq; returns the XID and the PReq (to retry it). */
  const pay = async (value: number) => {
    const lidM = `order-${++n}`;
    orders.addOrder(lidM, { od: `Order ${lidM}`, amount: EUR(value) });
    const wallet = new TestWallet(world, cardholder);
    const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: '411111' });
    const pinit = await wallet.verifyPInitRes((await post(JSON.stringify(req.wire))).text, req.content);
    const preq = await wallet.preq(pinit);
    return {
      xid: pinit.content.transIds.xid,
      wallet,
      pinit,
      preq,
      send: () => post(JSON.stringify(preq.wire)),
    };
  };
  return { orders, actions, pay, close: () => served.close() };
}

const books = async (xid: string) => (await gateway.ledger.findAuthorization(xid))!.balances;
const eventsAt = async (xid: string) => (await gateway.ledger.eventsOf(xid)).length;

describe('follow-ups exactly once through the SDK', () => {
  it('case 1: a capture whose answer is lost is pending confirmation; pressing Capture again captures once', async () => {
    const s = await shop();
    const p = await s.pay(3000);
    expect((await p.send()).status).toBe(200);
    proxy.loseNext(3); // every attempt of the client reaches the gateway; no answer comes back
    const lost = await s.actions.capture(p.xid, EUR(1000)).catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(GatewayUnavailableError);
    expect((lost as GatewayUnavailableError).maybeDelivered).toBe(true);
    expect(await books(p.xid)).toMatchObject({ captured: 1000 });
    const tx = (await s.orders.find(p.xid))!;
    expect(purchaseStateOf(tx)).toBe('pendingConfirmation');
    expect(tx.pendingFollowUp?.request).toBe('CapReq');

    // The merchant presses Capture 10.00 again: the same bytes go out, the gateway's answer is
    // the first one, and nothing more is captured.
    const again = await s.actions.capture(p.xid, EUR(1000));
    expect(again.status).toBe('captured');
    expect(await books(p.xid)).toMatchObject({ captured: 1000 });
    expect(await eventsAt(p.xid)).toBe(1);
    const after = (await s.orders.find(p.xid))!;
    expect(balanceOf(after).captured).toBe(1000);
    expect(purchaseStateOf(after)).toBe('captured');
    expect(after.pendingFollowUp).toBeUndefined();
    await s.close();
  });

  it('case 1: the same for a refund', async () => {
    const s = await shop();
    const p = await s.pay(3000);
    await p.send();
    await s.actions.capture(p.xid, EUR(3000));
    proxy.loseNext(3);
    await expect(s.actions.refund(p.xid, EUR(500))).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(purchaseStateOf((await s.orders.find(p.xid))!)).toBe('pendingConfirmation');
    const again = await s.actions.refund(p.xid, EUR(500));
    expect(again.status).toBe('credited');
    expect(await books(p.xid)).toMatchObject({ captured: 3000, refunded: 500 });
    expect(balanceOf((await s.orders.find(p.xid))!)).toMatchObject({ captured: 3000, refunded: 500 });
    await s.close();
  });

  it('case 3: a lost reversal or full-capture answer is brought in line by reconcile, and pressing again is not refused', async () => {
    const s = await shop();
    const reversed = await s.pay(2000);
    await reversed.send();
    proxy.loseNext(3);
    await expect(s.actions.reverse(reversed.xid)).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(await books(reversed.xid)).toMatchObject({ authorized: 0 });
    expect(await s.actions.reconcile(reversed.xid)).toBe('reversed');
    expect(balanceOf((await s.orders.find(reversed.xid))!).authorized).toBe(0);

    const captured = await s.pay(2000);
    await captured.send();
    proxy.loseNext(3);
    await expect(s.actions.capture(captured.xid)).rejects.toBeInstanceOf(GatewayUnavailableError);
    // Pressing Capture (everything) again settles the lost one instead of being refused.
    expect((await s.actions.capture(captured.xid)).status).toBe('captured');
    expect(await books(captured.xid)).toMatchObject({ captured: 2000 });
    expect(purchaseStateOf((await s.orders.find(captured.xid))!)).toBe('captured');
    await expect(s.actions.capture(captured.xid)).rejects.toBeInstanceOf(MerchantActionError);
    await s.close();
  });

  it('case 3: while the gateway stays silent the order stays pending; nothing is abandoned', async () => {
    const s = await shop();
    const p = await s.pay(1500);
    await p.send();
    proxy.loseNext(6);
    await expect(s.actions.capture(p.xid)).rejects.toBeInstanceOf(GatewayUnavailableError);
    await expect(s.actions.reconcile(p.xid)).rejects.toBeInstanceOf(GatewayUnavailableError);
    expect(purchaseStateOf((await s.orders.find(p.xid))!)).toBe('pendingConfirmation');
    expect(await s.actions.reconcile(p.xid)).toBe('captured');
    expect(await eventsAt(p.xid)).toBe(1);
    await s.close();
  });

  it('case 4: a lost AuthRes tells the wallet "pending", never "nothing was charged"; reconcile settles the order once', async () => {
    const s = await shop();
    const p = await s.pay(1299);
    proxy.loseNext(3);
    const first = await p.send();
    expect(first.status).toBe(200);
    expect(first.text).not.toMatch(/nothing was charged/i);
    const said = (await p.wallet.verifyPRes(first.text, p.preq.oiData, p.pinit)).content;
    expect(said.result.status).toBe('pending');
    expect(await gateway.ledger.findAuthorization(p.xid)).toBeDefined(); // the gateway did authorize
    expect(purchaseStateOf((await s.orders.find(p.xid))!)).toBe('authorizing');

    // The wallet never retries. The merchant's reconciliation asks the gateway (the same AuthReq).
    expect(await s.actions.reconcile(p.xid)).toBe('authorized');
    const tx = (await s.orders.find(p.xid))!;
    expect(tx.record?.outcome.result.status).toBe('approved');
    expect(tx.record?.outcome.result.authCode).toBe(
      (await gateway.ledger.findAuthorization(p.xid))!.authCode,
    );
    // If the wallet comes back with the same PReq, it gets the PRes kept for it: approved.
    const later = await p.send();
    expect((await p.wallet.verifyPRes(later.text, p.preq.oiData, p.pinit)).content.result.status).toBe(
      'approved',
    );
    expect((await gateway.ledger.counts()).authorizations).toBeGreaterThan(0);
    await s.close();
  });

  it('case 7: sale mode leaves the order captured; a refund works and a capture is refused before the gateway', async () => {
    const s = await shop({ captureNow: true });
    const p = await s.pay(2500);
    const res = await p.send();
    expect((await p.wallet.verifyPRes(res.text, p.preq.oiData, p.pinit)).content.completionCode).toBe(
      'capturePerformed',
    );
    const tx = (await s.orders.find(p.xid))!;
    expect(purchaseStateOf(tx)).toBe('captured');
    expect(balanceOf(tx)).toMatchObject({ authorized: 2500, captured: 2500 });
    expect(await books(p.xid)).toMatchObject({ authorized: 2500, captured: 2500 });
    const refused = await s.actions.capture(p.xid).catch((e: unknown) => e);
    expect((refused as MerchantActionError).problem).toBe('alreadyCaptured');
    expect((await s.actions.refund(p.xid, EUR(1000))).status).toBe('credited');
    expect(await books(p.xid)).toMatchObject({ refunded: 1000 });
    await s.close();
  });

  it('case 7: several partial captures (split shipment), the SDK state equal to the gateway', async () => {
    const s = await shop();
    const p = await s.pay(3000);
    await p.send();
    for (const part of [1000, 500, 1500]) {
      expect((await s.actions.capture(p.xid, EUR(part))).status).toBe('captured');
    }
    expect(await books(p.xid)).toMatchObject({ captured: 3000 });
    expect(balanceOf((await s.orders.find(p.xid))!)).toMatchObject({ captured: 3000 });
    const over = await s.actions.capture(p.xid, EUR(1)).catch((e: unknown) => e);
    expect((over as MerchantActionError).problem).toBe('alreadyCaptured');
    await s.close();
  });
});
