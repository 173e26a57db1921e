// Issue 12 in the wallet (src/wallet/purchase.ts, receipts.ts), with the test merchant and gateway
// of tests/support/world.ts behind a fake page transport: real PInitRes, PReq, PRes and InqRes.
// - The plans each card signed: a subscription's plan is kept with its receipt and listed with its
//   payments so far, which a verified InqRes updates (a forged payment list changes nothing).
// - The unsigned purchase: offered only where the gateway's key-exchange certificate says
//   cardCertRequired false, paid only on the shopper's explicit choice (PIUnsigned, the PAN still
//   sealed to the gateway), refused elsewhere before anything is sent.
import 'fake-indexeddb/auto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type Amount,
  buildInqRes,
  certificateToPem,
  decodeWire,
  encodeWire,
  generateKeyPair,
  type InstallRecurData,
  issueEndEntity,
  verifyInqReq,
} from '../../src/protocol/index.ts';
import { createWallet, type Send, type Wallet, WalletError } from '../../src/wallet/index.ts';
import { addCard, memoryPlatform, PASS, rejects, TestShop } from '../support/wallet-kit.ts';
import { makeWorld, type World } from '../support/world.ts';

const SHOP = 'https://shop.example';
const PAN = '4111111111111111';
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const DAY = 86_400_000;

function initiation(lidM: string, value: number) {
  return JSON.stringify({
    set: 'SET/2',
    kind: 'payment',
    brands: ['SETPay'],
    amount: EUR(value),
    lidM,
    endpoint: '/set',
    description: 'Coffee Club',
  });
}

/** The world, or the world behind a gateway whose certificates say cardCertRequired false. */
function openWorld(world: World): World {
  const validity = {
    notBefore: new Date(world.clock.now.getTime() - 3600_000),
    notAfter: new Date(world.clock.now.getTime() + DAY),
  };
  const make = (keyRole: 'signature' | 'key-exchange') => {
    const { privateKey, publicKey } = generateKeyPair();
    const certificate = issueEndEntity(world.issuer('pca'), {
      certificateType: 'gateway',
      keyRole,
      publicKey,
      subject: { commonName: 'Open Acquirer gateway', organization: 'Open Acquirer' },
      cardCertRequired: false,
      ...validity,
    });
    return { privateKey, certificate, chain: [certificate, ...world.gateway.chain.slice(1)] };
  };
  return { ...world, gateway: make('signature'), gatewayKx: make('key-exchange') };
}

describe('the wallet’s payment plans and unsigned purchase (issue 12)', () => {
  const world = makeWorld(new Date(), SHOP);
  const open = openWorld(world);
  const platform = memoryPlatform(() => world.clock.now);
  let wallet: Wallet;
  let card: string;
  let otherCard: string;
  let tab = 100;

  beforeAll(async () => {
    wallet = await createWallet(platform);
    await wallet.vault.create(PASS);
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
    const add = async (pan: string) => (await addCard(wallet, world, pan)).id;
    card = await add(PAN);
    otherCard = await add('5555555555554444');
  });

  const until = new Date(world.clock.now.getTime() + 365 * DAY).toISOString().slice(0, 10);
  const plan: InstallRecurData = { kind: 'recurring', frequencyDays: 30, until, ceiling: EUR(999) };

  it('keeps the signed plan with the receipt, lists it for the card that paid, and a verified InqRes brings the payments since', async () => {
    const shop = new TestShop(world, { od: 'Coffee Club', purchAmt: EUR(999), installRecurData: plan });
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: initiation('coffee-1', 999) },
      shop.send,
    );
    expect(started.order?.installRecurData).toEqual(plan);
    // A gateway that requires card certificates: nothing else is offered.
    expect(started.unsignedOffered).toBeUndefined();
    const paid = await wallet.purchases.pay(started.requestId, card, shop.send);
    expect(paid.state).toBe('done');
    const xid = paid.receipt!.xid;
    // Before any InqRes: the purchase itself is the first payment.
    expect(paid.receipt?.plan).toMatchObject({ terms: plan, first: EUR(999), count: 1, total: EUR(999) });
    expect((await wallet.receipts.list(card)).filter((r) => r.plan).map((r) => r.xid)).toEqual([xid]);
    expect((await wallet.receipts.list(otherCard)).filter((r) => r.plan)).toEqual([]);

    // The merchant took the second payment (a merchant-initiated AuthReq) and says so, signed.
    const first = shop.outcomes.get(xid)!;
    const secondAt = new Date(world.clock.now.getTime() + 30 * DAY).toISOString();
    shop.outcomes.set(xid, {
      ...first,
      results: { authorized: EUR(1998), captured: EUR(0), credited: EUR(0) },
      payments: [
        { date: world.clock.now.toISOString(), amount: EUR(999) },
        { date: secondAt, amount: EUR(999) },
      ],
      paymentCount: 2,
    });
    await wallet.purchases.refreshReceipt(xid, () => shop.send);
    const [listed] = (await wallet.receipts.list(card)).filter((r) => r.plan);
    expect(listed?.plan).toMatchObject({ count: 2, total: EUR(1998), lastPaidAt: secondAt });
    expect((await wallet.receipts.get(xid)).installRecurData).toEqual(plan);

    // A payment list in another currency is the merchant's error: kept answers change no totals.
    shop.outcomes.set(xid, {
      ...first,
      payments: [{ date: secondAt, amount: { currency: 'USD', value: 999, exponent: 2 } }],
      paymentCount: 7,
    });
    await wallet.purchases.refreshReceipt(xid, () => shop.send);
    expect((await wallet.receipts.summary(xid)).plan).toMatchObject({ count: 2, total: EUR(1998) });

    // A forged InqRes (signed by someone else) is refused and changes nothing.
    const forging: Send = async (wire) => {
      const { content } = await verifyInqReq(wire, { trust: shop.merchant.trust, clock: world.clock });
      const outcome = { ...first, payments: [{ date: secondAt, amount: EUR(999) }], paymentCount: 9 };
      return encodeWire(
        (await buildInqRes({ req: content, outcome, merchant: world.gateway, now: world.clock.now })).wire,
      );
    };
    await expect(wallet.purchases.refreshReceipt(xid, () => forging)).rejects.toBeInstanceOf(WalletError);
    expect((await wallet.receipts.summary(xid)).plan?.count).toBe(2);
  });

  it('a purchase without a plan lists none', async () => {
    const shop = new TestShop(world, { od: 'One mug', purchAmt: EUR(1299) });
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: initiation('mug-1', 1299) },
      shop.send,
    );
    const paid = await wallet.purchases.pay(started.requestId, card, shop.send);
    expect(paid.receipt?.plan).toBeUndefined();
  });

  it('never pays unsigned where the gateway requires card certificates: refused before any PReq', async () => {
    const shop = new TestShop(world, { od: 'One mug', purchAmt: EUR(1299) }, { acceptUnsigned: true });
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: initiation('mug-2', 1299) },
      shop.send,
    );
    expect(started.unsignedOffered).toBeUndefined();
    await rejects(
      wallet.purchases.pay(started.requestId, card, shop.send, { unsigned: true }),
      'unsignedNotOffered',
    );
    expect(shop.sent('PReq')).toEqual([]);
    // Still payable, signed, as usual.
    expect((await wallet.purchases.get(started.requestId)).state).toBe('awaitingConfirmation');
    const paid = await wallet.purchases.pay(started.requestId, card, shop.send);
    expect(paid.receipt?.status).toBe('approved');
    expect(paid.unsigned).toBeUndefined();
  });

  it('offers it where the gateway certificate says cardCertRequired false; pays signed unless the shopper chooses otherwise', async () => {
    const shop = new TestShop(open, { od: 'One mug', purchAmt: EUR(1299) }, { acceptUnsigned: true });
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: initiation('mug-3', 1299) },
      shop.send,
    );
    expect(started.unsignedOffered).toBe(true);
    const paid = await wallet.purchases.pay(started.requestId, card, shop.send);
    expect(paid.unsigned).toBeUndefined();
    const pi = JSON.parse(
      Buffer.from((decodeWire(shop.sent('PReq')[0]!).body as { pi: string }).pi, 'base64url').toString(),
    ) as { type: string };
    expect(pi.type).toBe('PIDualSigned');
    expect((await wallet.receipts.get(paid.receipt!.id)).paidWith).toBeDefined();
  });

  it('pays unsigned on the shopper’s choice at that gateway: PIUnsigned, the PAN sealed to the gateway, the receipt says so', async () => {
    const shop = new TestShop(open, { od: 'One mug', purchAmt: EUR(1299) }, { acceptUnsigned: true });
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: initiation('mug-4', 1299) },
      shop.send,
    );
    expect(started.unsignedOffered).toBe(true);
    const paid = await wallet.purchases.pay(started.requestId, card, shop.send, { unsigned: true });
    expect(paid).toMatchObject({
      state: 'done',
      unsigned: true,
      receipt: { status: 'approved', unsigned: true },
    });
    const [preq] = shop.sent('PReq');
    const body = decodeWire(preq!).body as { pi: string };
    const pi = JSON.parse(Buffer.from(body.pi, 'base64url').toString()) as {
      type: string;
      sealed: unknown;
      ds?: unknown;
    };
    expect(pi.type).toBe('PIUnsigned');
    expect(pi.ds).toBeUndefined();
    // The card number never travels in the clear, nor in any encoding the merchant could read.
    for (const text of [preq!, Buffer.from(body.pi, 'base64url').toString()]) expect(text).not.toContain(PAN);
    expect(preq).not.toContain(Buffer.from(PAN).toString('base64url'));
    const kept = await wallet.receipts.get(paid.receipt!.id);
    expect(kept.unsigned).toBe(true);
    expect(kept.paidWith).toBeUndefined();
    // Paying again re-sends nothing new.
    await wallet.purchases.pay(started.requestId, card, shop.send, { unsigned: true });
    expect(shop.sent('PReq')).toHaveLength(1);
  });

  it('a merchant that does not accept unsigned purchases answers signatureRequired, and the wallet says why', async () => {
    const shop = new TestShop(open, { od: 'One mug', purchAmt: EUR(1299) });
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: initiation('mug-5', 1299) },
      shop.send,
    );
    const kept = (await wallet.receipts.list()).length;
    const failed = await wallet.purchases.pay(started.requestId, card, shop.send, { unsigned: true });
    expect(failed.state).toBe('failed');
    expect(failed.error?.setCode).toBe('signatureRequired');
    // The merchant saw the PReq and refused it; no receipt was kept.
    expect(shop.sent('PReq')).toHaveLength(1);
    expect(failed.receipt).toBeUndefined();
    expect(await wallet.receipts.list()).toHaveLength(kept);
  });
});
