// The merchant SDK records the outcome of every follow-up it sends — capture, capture reversal,
// authorization reversal, refund, refund reversal, accepted or rejected — and an OrderStore finds
// an order's transactions by its order id (LID-M): MemoryOrderStore, and the demo store's
// SqlOrderStore on every storage backend. Real gateway over real HTTP, real keys; the gateway
// client is not given the gateway's certificates: it asks for them (PCertReq), including a fresh
// client whose first call is a follow-up.
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
  MemoryOrderStore,
  type MerchantActionError,
  type MerchantKeys,
  type OrderStore,
  purchaseStateOf,
} from '../../src/merchant/index.ts';
import { b64u, buildPInitReq, randomNonce } from '../../src/protocol/index.ts';
import { type Database, migrate } from '../../src/storage/index.ts';
import { STORE_MIGRATIONS } from '../../src/store/migrations.ts';
import { SqlOrderStore } from '../../src/store/sql-order-store.ts';
import { backends, openTestPglite } from '../support/databases.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';
import { type Served, serve } from './merchant-support.ts';

const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const declinedCard = issueCardholder(world, '4000000000000002', '202912');
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });

let gatewayDb: Database;
let gateway: Gateway;
let gatewayServer: Listening;
beforeAll(async () => {
  gatewayDb = await openTestPglite();
  gateway = await createGateway({
    db: gatewayDb,
    signature: world.gateway,
    keyExchange: world.gatewayKx,
    trustedRoots: [world.root],
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
    log: () => {},
  });
  gatewayServer = await listen(gateway.app.fetch);
});
afterAll(async () => {
  await gatewayServer?.close();
  await gatewayDb?.close();
});

interface StoreKind {
  name: string;
  open(): Promise<{
    orders: OrderStore;
    addOrder(lidM: string, amount: Amount): Promise<void>;
    close(): Promise<void>;
  }>;
}
const kinds: StoreKind[] = [
  {
    name: 'MemoryOrderStore',
    open: async () => {
      const orders = new MemoryOrderStore();
      return {
        orders,
        addOrder: async (lidM, amount) => orders.addOrder(lidM, { od: `Order ${lidM}`, amount }),
        close: async () => {},
      };
    },
  },
  ...backends.map(
    (backend): StoreKind => ({
      name: `SqlOrderStore on ${backend.name}`,
      open: async () => {
        const opened = await backend.open();
        await migrate(opened.db, STORE_MIGRATIONS);
        return {
          orders: new SqlOrderStore(opened.db),
          addOrder: async (lidM, amount) => {
            await opened.db.query(
              `INSERT INTO store_orders (id, description, lines, amount) VALUES ($1, $2, '[]'::jsonb, $3::jsonb)`,
              [lidM, `Order ${lidM}`, JSON.stringify(amount)],
            );
          },
          close: () => opened.drop(),
        };
      },
    }),
  ),
];

describe.each(kinds)('follow-ups recorded in $name', (kind) => {
  let store: Awaited<ReturnType<StoreKind['open']>>;
  let shop: Served;
  const unpinned = async () =>
    await createGatewayClient({
      endpoint: `${gatewayServer.url}/set`,
      merchant: keys,
      trustedRoots: [world.root],
    });
  beforeAll(async () => {
    store = await kind.open();
    shop = await serve(
      await createSetEndpoint({
        merchant: keys,
        gateway: await unpinned(),
        orders: store.orders,
        trustedRoots: [world.root],
        log: () => {},
      }),
    );
  });
  afterAll(async () => {
    await shop?.close();
    await store?.close();
  });

  const pay = async (lidM: string, card = cardholder) => {
    const wallet = new TestWallet(world, card);
    const post = async (body: string) => (await fetch(`${shop.url}/set`, { method: 'POST', body })).text();
    const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: card.card.pan.slice(0, 6) });
    const pinit = await wallet.verifyPInitRes(await post(JSON.stringify(req.wire)), req.content);
    const preq = await wallet.preq(pinit);
    const pres = await wallet.verifyPRes(await post(JSON.stringify(preq.wire)), preq.oiData, pinit);
    return { xid: pinit.content.transIds.xid, pres };
  };

  it('capture, capture reversal, refund, refund reversal: each recorded, as the gateway has it', async () => {
    const lidM = `rec-${kind.name.replace(/\W/g, '')}`;
    await store.addOrder(lidM, EUR(3000));
    const { xid } = await pay(lidM);
    // A client that has never spoken to the gateway: its first follow-up fetches the certificates.
    const actions = createMerchantActions({ gateway: await unpinned(), orders: store.orders });
    expect((await actions.capture(xid, EUR(3000))).status).toBe('captured');
    expect((await actions.reverseCapture(xid, EUR(1000))).status).toBe('captureReversed');
    expect((await actions.refund(xid, EUR(1500))).status).toBe('credited');
    expect((await actions.reverseRefund(xid, EUR(500))).status).toBe('creditReversed');
    const tx = (await store.orders.find(xid))!;
    expect(tx.followUps.map((f) => [f.request, f.status, f.amount.value])).toEqual([
      ['CapReq', 'captured', 3000],
      ['CapRevReq', 'captureReversed', 1000],
      ['CredReq', 'credited', 1500],
      ['CredRevReq', 'creditReversed', 500],
    ]);
    const sdk = balanceOf(tx);
    const books = (await gateway.ledger.findAuthorization(xid))!.balances;
    expect({ authorized: sdk.authorized, captured: sdk.captured, refunded: sdk.refunded }).toEqual(books);
    expect(books).toEqual({ authorized: 3000, captured: 2000, refunded: 1000 });
    expect(purchaseStateOf(tx)).toBe('partiallyRefunded');

    const tooMuch = await actions.reverseRefund(xid, EUR(5000)).catch((e: unknown) => e);
    expect((tooMuch as MerchantActionError).problem).toBe('amountTooLarge');
    expect((await actions.reverseRefund(xid)).status).toBe('creditReversed');
    const after = (await store.orders.find(xid))!;
    expect(after.followUps).toHaveLength(5);
    expect(balanceOf(after)).toMatchObject({ captured: 2000, refunded: 0 });
    const none = await actions.reverseRefund(xid).catch((e: unknown) => e);
    expect((none as MerchantActionError).problem).toBe('notRefunded');
    expect((await actions.reverseCapture(xid)).status).toBe('captureReversed');
    expect(balanceOf((await store.orders.find(xid))!)).toMatchObject({ authorized: 3000, captured: 0 });
    expect((await gateway.ledger.findAuthorization(xid))!.balances).toMatchObject({ captured: 0 });
  });

  it('a follow-up the gateway rejects is recorded too, with its reason', async () => {
    const lidM = `rej-${kind.name.replace(/\W/g, '')}`;
    await store.addOrder(lidM, EUR(1000));
    const { xid } = await pay(lidM);
    // The gateway's operator reverses the authorization on the dashboard; the shop does not know yet.
    await gateway.ledger.applyFollowUp({
      kind: 'authorizationReversal',
      xid,
      rrpid: b64u(randomNonce()),
      requestDigest: 'operator',
      amount: EUR(0),
      source: 'operator',
      at: new Date(),
    });
    const actions = createMerchantActions({ gateway: await unpinned(), orders: store.orders });
    const rejected = await actions.capture(xid, EUR(1000));
    expect(rejected).toMatchObject({ request: 'CapReq', status: 'rejected', reason: 'alreadyReversed' });
    const tx = (await store.orders.find(xid))!;
    expect(tx.followUps).toEqual([
      expect.objectContaining({ status: 'rejected', reason: 'alreadyReversed' }),
    ]);
    expect(tx.pendingFollowUp).toBeUndefined();
  });

  it('finds an order’s transactions by order id: a declined attempt, then the paid one, oldest first', async () => {
    const lidM = `two-${kind.name.replace(/\W/g, '')}`;
    await store.addOrder(lidM, EUR(1200));
    const declined = await pay(lidM, declinedCard);
    expect(declined.pres.content.completionCode).toBe('orderRejected');
    const paid = await pay(lidM);
    const all = await store.orders.transactionsFor(lidM);
    expect(all.map((t) => t.xid)).toEqual([declined.xid, paid.xid]);
    expect(all.map((t) => purchaseStateOf(t))).toEqual(['declined', 'authorized']);
    expect(await store.orders.transactionsFor('no-such-order')).toEqual([]);
  });
});
