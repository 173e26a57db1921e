// Checkout through the wallet (src/wallet/purchase.ts) with the test merchant and gateway of
// tests/support/world.ts at the far end of a fake page transport: real PInitRes, PReq and PRes.
// Origin binding, one request per tab, cancel, the same PReq bytes after a service-worker restart,
// an InqReq when the answer was lost, a decline, receipts that verify again, and a backup restored
// into a fresh profile that pays with the restored card.
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  brandCrlIdentifierThumb,
  buildInqRes,
  certificateToPem,
  encodeWire,
  fromB64u,
  parsePInitReq,
  type VerifyEvent,
  verifyInqReq,
  verifyInqRes,
  verifyPRes,
} from '../../src/protocol/index.ts';
import {
  answerContent,
  answerPage,
  type BackgroundEffects,
  createWallet,
  PAY_RETRY_MS,
  type PageOutcome,
  type PurchaseView,
  pageOutcomeOf,
  type ReceiptExport,
  type Send,
  type Wallet,
  WalletError,
  type WalletPlatform,
} from '../../src/wallet/index.ts';
import { paymentInitiation } from '../support/initiations.ts';
import { memorySession } from '../support/memory-session.ts';
import { flipByte, tamperedSig } from '../support/tamper.ts';
import { addCard, memoryPlatform, PASS, rejects, TestShop } from '../support/wallet-kit.ts';
import { makeWorld, revocationOf, type World } from '../support/world.ts';

const SHOP = 'https://shop.example';
const DECLINED_PAN = '4000000000000002';
const INITIATION = paymentInitiation({ description: 'One SET/2 mug' });
const EUR_1299 = { currency: 'EUR', value: 1299, exponent: 2 };

/** The shop of tests/support/wallet-kit.ts, selling one mug; its gateway declines DECLINED_PAN. */
class Shop extends TestShop {
  constructor(world: World, order = { od: 'One SET/2 mug', purchAmt: EUR_1299 }) {
    super(world, order, { decline: [DECLINED_PAN] });
  }
}

describe('wallet purchase', () => {
  const world = makeWorld(new Date(), SHOP);
  const platform = memoryPlatform(() => world.clock.now);
  let wallet: Wallet;
  let visa: string;
  let declining: string;
  let tab = 1;

  beforeAll(async () => {
    wallet = await createWallet(platform);
    await wallet.vault.create(PASS);
    await wallet.roots.propose(certificateToPem(world.root.der));
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
    visa = (await addCard(wallet, world, '4111111111111111')).id;
    declining = (await addCard(wallet, world, DECLINED_PAN)).id;
  });

  it('shows the verified merchant and signed order, then pays with one click and keeps the receipt', async () => {
    const shop = new Shop(world);
    // Nothing verified for this origin yet: the background asks the shopper before starting.
    expect(await wallet.purchases.knowsOrigin(SHOP)).toBe(false);
    const started = await wallet.purchases.start(
      { tabId: tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    expect(started).toMatchObject({
      state: 'awaitingConfirmation',
      tabOrigin: SHOP,
      merchant: {
        name: 'SET Demo Store',
        merchantId: 'DEMO-0001',
        city: 'Springfield',
        country: 'US',
        origins: [SHOP],
        sandbox: true,
      },
      originBinding: { ok: true, tabOrigin: SHOP, certificateOrigins: [SHOP] },
      order: {
        od: 'One SET/2 mug',
        amount: { currency: 'EUR', value: 1299, exponent: 2 },
        pageAmountDiffers: false,
      },
      preselectedCardId: visa,
    });
    expect(started.cards?.map((c) => c.id)).toEqual([visa, declining]);
    expect(await wallet.purchases.knowsOrigin(SHOP)).toBe(true);
    // PInitReq carried the default card's BIN, nothing more of the card.
    expect(shop.sent('PInitReq')[0]).not.toContain('4111111111111111');

    const paid = await wallet.purchases.pay(started.requestId, started.preselectedCardId!, shop.send);
    expect(paid.state).toBe('done');
    expect(paid.receipt).toMatchObject({
      status: 'approved',
      amount: { currency: 'EUR', value: 1299, exponent: 2 },
      merchant: { name: 'SET Demo Store' },
      cardMasked: '•••• 1111',
      sandbox: true,
    });
    expect(paid.receipt?.authCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(shop.sent('PReq')[0]).not.toContain('4111111111111111');
    // Paying again is a no-op: the same receipt, no second PReq.
    expect((await wallet.purchases.pay(started.requestId, visa, shop.send)).receipt).toEqual(paid.receipt);
    expect(shop.sent('PReq')).toHaveLength(1);
    // The tab is free again.
    expect(await wallet.purchases.forTab(tab)).toBeUndefined();

    const list = await wallet.receipts.list();
    expect(list[0]?.xid).toBe(paid.receipt?.xid);
    const doc = JSON.parse(await wallet.receipts.exportJson(paid.receipt!.id)) as ReceiptExport;
    expect(doc.format).toBe('set-wallet-receipt');
    // The exported PRes verifies again, outside the wallet.
    const again = await verifyPRes(
      JSON.stringify(doc.message),
      doc.verify.answers,
      fromB64u(doc.verify.merchantThumbprint),
      { trust: world.trust(), clock: world.clock },
    );
    expect(again.content.result.authCode).toBe(paid.receipt?.authCode);
    expect(JSON.stringify(doc)).not.toContain('4111111111111111');
  });

  it('a receipt stays true: opening it asks the shop (InqReq) and keeps each verified InqRes; a forged or replayed answer changes nothing', async () => {
    const shop = new Shop(world);
    const started = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    const paid = await wallet.purchases.pay(started.requestId, visa, shop.send);
    const id = paid.receipt!.id;
    expect(paid.receipt?.state).toBe('authorized');
    const asked: string[] = [];
    const post = (url: string) => {
      asked.push(url);
      return shop.send;
    };
    const EUR = (value: number) => ({ currency: 'EUR', value, exponent: 2 });
    const outcome = shop.outcomes.get(id)!;
    // The merchant captures: the next InqRes says so.
    shop.outcomes.set(id, {
      ...outcome,
      completionCode: 'capturePerformed',
      results: { authorized: EUR(1299), captured: EUR(1299), credited: EUR(0) },
    });
    world.clock.now = new Date(world.clock.now.getTime() + 1000);
    const captured = await wallet.purchases.refreshReceipt(id, post);
    expect(captured.state).toBe('captured');
    // The background asked the endpoint the checkout declared, on the tab's origin.
    expect(asked).toEqual([`${SHOP}/set`]);
    // It signed the inquiry with the card that paid.
    const inq = await verifyInqReq(shop.sent('InqReq').at(-1)!, { trust: world.trust(), clock: world.clock });
    expect(inq.cardholder?.chain[0]?.certificateType).toBe('cardholder');
    // Then refunds part of it.
    shop.outcomes.set(id, {
      ...outcome,
      completionCode: 'creditPerformed',
      results: { authorized: EUR(1299), captured: EUR(1299), credited: EUR(300) },
    });
    world.clock.now = new Date(world.clock.now.getTime() + 1000);
    const refunded = await wallet.purchases.refreshReceipt(id, post);
    expect(refunded).toMatchObject({ state: 'partlyRefunded', results: { credited: EUR(300) } });
    expect(refunded.inquiries?.map((q) => q.state)).toEqual(['captured', 'partlyRefunded']);
    // Each kept answer verifies again, against the InqReq it answered.
    for (const kept of refunded.inquiries!) {
      const again = await verifyInqRes(
        kept.wire,
        { type: 'InqReq', date: kept.date, ...kept.answers },
        world.merchant.certificate.thumbprint,
        { trust: world.trust(), clock: world.clock },
      );
      expect(again.content.transIds.xid).toBe(id);
    }
    expect((await wallet.receipts.list(visa)).find((r) => r.id === id)?.state).toBe('partlyRefunded');
    expect((await wallet.receipts.list(declining)).find((r) => r.id === id)).toBeUndefined();

    // A replayed answer (the first InqRes again) does not answer this InqReq: refused, unchanged.
    const replay = refunded.inquiries![0]!.wire;
    await expect(wallet.purchases.refreshReceipt(id, () => async () => replay)).rejects.toMatchObject({
      setCode: 'unknownRRPID',
    });
    // An answer signed by someone other than the receipt's merchant: refused, unchanged.
    const forged = async (wire: string) => {
      const { content } = await verifyInqReq(wire, { trust: world.trust(), clock: world.clock });
      return encodeWire(
        (
          await buildInqRes({
            req: content,
            outcome: {
              ...outcome,
              completionCode: 'creditPerformed',
              results: { authorized: EUR(1299), captured: EUR(1299), credited: EUR(1299) },
            },
            merchant: { ...world.gateway, chain: world.gateway.chain },
            now: world.clock.now,
          })
        ).wire,
      );
    };
    await expect(wallet.purchases.refreshReceipt(id, () => forged)).rejects.toBeInstanceOf(WalletError);
    const after = await wallet.receipts.get(id);
    expect(after.state).toBe('partlyRefunded');
    expect(after.inquiries).toHaveLength(2);
  });

  it('refuses to pay when the merchant certificate does not name the tab origin', async () => {
    const shop = new Shop(world);
    const evil = 'https://shop.example.evil.test';
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: evil, initiation: INITIATION },
      shop.send,
    );
    expect(view.state).toBe('failed');
    expect(view.originBinding).toEqual({ ok: false, tabOrigin: evil, certificateOrigins: [SHOP] });
    expect(view.merchant?.name).toBe('SET Demo Store');
    expect(view.error).toMatchObject({ code: 'originMismatch', messageKey: 'error_originMismatch' });
    // A certificate that names another origin verifies nothing for this one.
    expect(await wallet.purchases.knowsOrigin(evil)).toBe(false);
    await rejects(wallet.purchases.pay(view.requestId, visa, shop.send), 'originMismatch');
    expect(shop.sent('PReq')).toHaveLength(0);
  });

  it('allows one open request per tab, and cancels cleanly', async () => {
    const shop = new Shop(world);
    const first = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    const second = await rejects(
      wallet.purchases.start({ tabId: tab, tabOrigin: SHOP, initiation: INITIATION }, shop.send),
      'alreadyPending',
    );
    expect(second.params.requestId).toBe(first.requestId);
    expect((await wallet.purchases.forTab(tab))?.requestId).toBe(first.requestId);
    // Another tab is not blocked.
    const other = await wallet.purchases.start(
      { tabId: tab + 100, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    expect((await wallet.purchases.cancel(other.requestId)).state).toBe('rejected');

    expect((await wallet.purchases.cancel(first.requestId)).state).toBe('rejected');
    await rejects(wallet.purchases.pay(first.requestId, visa, shop.send), 'requestClosed');
    const next = await wallet.purchases.start(
      { tabId: tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    expect(next.state).toBe('awaitingConfirmation');
    await wallet.purchases.cancel(next.requestId);
    await rejects(wallet.purchases.get('no-such-request'), 'unknownRequest');

    // Closed while the merchant was still answering PInitReq: the cancellation stands.
    const closingTab = ++tab;
    const closing: Send = async (wire) => {
      const open = await wallet.purchases.forTab(closingTab);
      expect(open?.state).toBe('initiated');
      await wallet.purchases.cancel(open!.requestId);
      return shop.send(wire);
    };
    const closed = await wallet.purchases.start(
      { tabId: closingTab, tabOrigin: SHOP, initiation: INITIATION },
      closing,
    );
    expect(closed.state).toBe('rejected');
    expect(await wallet.purchases.forTab(closingTab)).toBeUndefined();
  });

  it('needs the vault unlocked to pay, and asks nothing else of a locked wallet', async () => {
    const shop = new Shop(world);
    await wallet.vault.lock();
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    expect(view.state).toBe('awaitingConfirmation');
    await rejects(wallet.purchases.pay(view.requestId, visa, shop.send), 'locked');
    expect((await wallet.purchases.get(view.requestId)).state).toBe('awaitingConfirmation');
    await wallet.vault.unlock(PASS);
    expect((await wallet.purchases.pay(view.requestId, visa, shop.send)).state).toBe('done');
  });

  it('re-sends the same PReq bytes after a service-worker restart, never a second PReq', async () => {
    const shop = new Shop(world);
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    shop.drop = 'request';
    await rejects(wallet.purchases.pay(view.requestId, visa, shop.send), 'transport');

    // The worker restarts: new objects over the same IndexedDB and storage.session.
    const restarted = await createWallet(platform);
    const pending = await restarted.purchases.list();
    expect(pending.find((p) => p.requestId === view.requestId)?.state).toBe('paying');
    const done = await restarted.purchases.pay(view.requestId, visa, shop.send);
    expect(done.state).toBe('done');
    const preqs = shop.sent('PReq');
    expect(preqs).toHaveLength(2);
    expect(preqs[1]).toBe(preqs[0]);
  });

  it('frees the tab at once when the service worker died waiting for the PInitRes (issue 10 case 8)', async () => {
    const shop = new Shop(world);
    const tabId = ++tab;
    // The PInitReq leaves; the worker that sent it never hears back (it stopped).
    let sent!: () => void;
    const left = new Promise<void>((r) => {
      sent = r;
    });
    const lost: Send = () => {
      sent();
      return new Promise<string>(() => {});
    };
    void wallet.purchases.start({ tabId, tabOrigin: SHOP, initiation: INITIATION }, lost);
    await left;
    // Still the same worker: the exchange is alive, so a second request is already pending.
    const pending = await rejects(
      wallet.purchases.start({ tabId, tabOrigin: SHOP, initiation: INITIATION }, shop.send),
      'alreadyPending',
    );
    const orphan = String(pending.params.requestId);

    // The worker restarts: the tab can pay again at once, not 60 s later.
    const restarted = await createWallet(platform);
    const again = await restarted.purchases.start(
      { tabId, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    expect(again.state).toBe('awaitingConfirmation');
    expect(again.requestId).not.toBe(orphan);
    // The orphan ended as a failure the window and the page can show (transport: asking again is safe).
    const old = await restarted.purchases.get(orphan);
    expect(old.state).toBe('failed');
    expect(old.error?.code).toBe('transport');
    expect(pageOutcomeOf(old)).toEqual({ status: 'failed', code: 'transport' });
    expect((await restarted.purchases.forTab(tabId))?.requestId).toBe(again.requestId);
    await restarted.purchases.cancel(again.requestId);
  });

  it('settles an orphaned request when the restarted worker lists or reads it, so its window does not wait forever', async () => {
    const tabId = ++tab;
    let sent!: () => void;
    const left = new Promise<void>((r) => {
      sent = r;
    });
    void wallet.purchases.start({ tabId, tabOrigin: SHOP, initiation: INITIATION }, () => {
      sent();
      return new Promise<string>(() => {});
    });
    await left;
    const restarted = await createWallet(platform);
    const listed = (await restarted.purchases.list()).filter((p) => p.tabId === tabId);
    expect(listed.map((p) => p.state)).toEqual(['failed']);
    expect(await restarted.purchases.forTab(tabId)).toBeUndefined();
  });

  it('asks with InqReq when the merchant answered but the answer was lost', async () => {
    const shop = new Shop(world);
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    shop.drop = 'response';
    await rejects(wallet.purchases.pay(view.requestId, visa, shop.send), 'transport');

    const restarted = await createWallet(platform);
    const done = await restarted.purchases.pay(view.requestId, visa, shop.send);
    expect(done.state).toBe('done');
    expect(done.receipt?.status).toBe('approved');
    // The same PReq went twice (the merchant refused the replay: unknownXID), then one InqReq.
    const preqs = shop.sent('PReq');
    expect(preqs[1]).toBe(preqs[0]);
    expect(shop.sent('InqReq')).toHaveLength(1);
    // The gateway authorized once.
    expect(shop.gateway.authorized.size).toBe(1);
    const record = await restarted.receipts.get(done.receipt!.id);
    expect(record.kind).toBe('InqRes');
    const doc = JSON.parse(await restarted.receipts.exportJson(record.id)) as ReceiptExport;
    const again = await verifyInqRes(
      JSON.stringify(doc.message),
      { ...doc.verify.answers, type: 'InqReq', date: world.clock.now.toISOString() },
      fromB64u(doc.verify.merchantThumbprint),
      { trust: world.trust(), clock: world.clock },
    );
    expect(again.content.result.status).toBe('approved');
  });

  it('reports a decline as a result with its reason, and keeps it as a receipt', async () => {
    const shop = new Shop(world);
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    const done = await wallet.purchases.pay(view.requestId, declining, shop.send);
    expect(done.state).toBe('done');
    expect(done.receipt).toMatchObject({
      status: 'declined',
      reason: 'doNotHonour',
      cardMasked: '•••• 0002',
    });
    expect(done.receipt?.authCode).toBeUndefined();
  });

  it('fails cleanly on a merchant Error and on a PRes that does not verify', async () => {
    const shop = new Shop(world);
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    // The merchant forgot the order: it answers the PReq with an Error.
    shop.merchant.pending.clear();
    const failed = await wallet.purchases.pay(view.requestId, visa, shop.send);
    expect(failed.state).toBe('failed');
    expect(failed.error).toMatchObject({ code: 'peerError', setCode: 'unknownXID' });
    expect(await wallet.purchases.forTab(tab)).toBeUndefined();

    const shop2 = new Shop(world);
    const v2 = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop2.send,
    );
    const tampering: Send = async (wire) => {
      const reply = JSON.parse(await shop2.send(wire)) as { body: { sig: string } };
      reply.body.sig = tamperedSig(reply.body.sig);
      return JSON.stringify(reply);
    };
    const bad = await wallet.purchases.pay(v2.requestId, visa, tampering);
    expect(bad.state).toBe('failed');
    expect(bad.error).toMatchObject({ code: 'protocol', setCode: 'signatureFailure' });
  });

  it('flags a page amount that differs from the signed one, and offers only cards of the brand', async () => {
    const shop = new Shop(world, { od: 'Two mugs', purchAmt: { currency: 'EUR', value: 2598, exponent: 2 } });
    const view = await wallet.purchases.start(
      { tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    expect(view.order).toEqual({
      od: 'Two mugs',
      amount: { currency: 'EUR', value: 2598, exponent: 2 },
      pageAmountDiffers: true,
    });
    await wallet.purchases.cancel(view.requestId);
    const otherBrand = JSON.stringify({ ...JSON.parse(INITIATION), brands: ['OtherPay'] });
    await rejects(
      wallet.purchases.start({ tabId: ++tab, tabOrigin: SHOP, initiation: otherBrand }, shop.send),
      'noCardForBrand',
    );
  });
});

describe('wallet purchase: stored requests are parsed', () => {
  it('refuses a request kept in another shape (an older wallet’s) with a clear error, and frees its tab', async () => {
    const platform = memoryPlatform(() => new Date());
    const session = platform.session;
    const wallet = await createWallet(platform);
    const base = {
      requestId: 'OLD',
      tabId: 7,
      tabOrigin: SHOP,
      updatedAt: Date.now(),
      endpointUrl: `${SHOP}/set`,
    };
    // Paying without the PReq it sends; a state this version does not know; not even an object.
    for (const old of [
      { ...base, state: 'paying', cardId: 'C1' },
      { ...base, state: 'authorizing' },
      'paying',
    ]) {
      await session.set({ 'wallet.purchase.OLD': old, 'wallet.purchaseTab.7': 'OLD' });
      await rejects(wallet.purchases.get('OLD'), 'unknownRequest').then((e) =>
        expect(e.message).toMatch(/another version of the wallet/),
      );
      await session.set({ 'wallet.purchase.OLD': old });
      // A restarted worker's resume skips it; the tab is free to ask again.
      expect(await wallet.purchases.list()).toEqual([]);
      await session.set({ 'wallet.purchase.OLD': old });
      expect(await wallet.purchases.forTab(7)).toBeUndefined();
      expect(await session.get('wallet.purchase.OLD')).toEqual({});
    }
  });
});

describe('the background switchboard, with a real wallet', () => {
  const world = makeWorld(new Date(), SHOP);
  const shop = new Shop(world);
  const platform = memoryPlatform(() => world.clock.now);
  /** The browser's side, recorded: the content script's transport and what the page is told. */
  function browserSide() {
    const told: PageOutcome[] = [];
    const shown: { view: PurchaseView; windowId: number | undefined }[] = [];
    const asked: number[] = [];
    const delivered: PurchaseView[] = [];
    const badged: string[] = [];
    const waited: number[] = [];
    const effects: BackgroundEffects = {
      // The content script's side of the transport: same-origin POST to the declared endpoint only.
      sendToTab: async (_tabId, message) => {
        if (message.type !== 'transportRequest') return undefined;
        if (message.url !== `${SHOP}/set`) return { ok: false, error: 'not this page’s endpoint' };
        return { ok: true, status: 200, body: await shop.send(message.body) };
      },
      badge: async (_tabId, initiation) => void badged.push(initiation?.origin ?? ''),
      tell: async (_tabId, outcome) => {
        told.push(outcome);
        return true;
      },
      admit: async () => true,
      openRegistration: async () => {},
      openAsk: async (tabId) => void asked.push(tabId),
      show: async (view, windowId) => void shown.push({ view, windowId }),
      refuse: async (_tabId, error) =>
        void told.push({ status: 'failed', code: error.setCode ?? error.code }),
      focus: async () => {},
      deliver: async (view) => void delivered.push(view),
      unmarkAsked: async () => {},
      answered: async () => {},
      noteRegistration: async () => {},
      wait: async (ms) => void waited.push(ms),
    };
    return { effects, told, shown, asked, delivered, badged, waited };
  }

  it('runs a checkout from the page’s request to the outcome it is told', async () => {
    const wallet = await createWallet(platform);
    await wallet.vault.create(PASS);
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
    const card = await addCard(wallet, world, '4111111111111111');
    const sender = { tabId: 7, origin: SHOP };
    const b = browserSide();
    const fromPopup = { windowId: undefined };

    const started = await answerContent(
      wallet,
      b.effects,
      { type: 'requestPayment', initiation: INITIATION, gesture: true },
      sender,
    );
    // The content script hears only that it worked. At an origin not verified yet, a window asks
    // the shopper first, and nothing is sent; "Continue" there starts the request in that window.
    expect(started).toEqual({ ok: true });
    expect(b.asked).toEqual([7]);
    expect(b.shown).toEqual([]);
    expect(shop.received).toEqual([]);
    const fromAskWindow = { windowId: 100 };
    const continued = await answerPage(
      wallet,
      b.effects,
      { type: 'purchase.start', tabId: 7 },
      fromAskWindow,
    );
    expect(continued.ok).toBe(true);
    expect(b.shown.map((s) => s.windowId)).toEqual([100]);
    const view = b.shown[0]?.view;
    if (!view) throw new Error('no purchase shown');
    expect(view.state).toBe('awaitingConfirmation');
    expect(view.endpointUrl).toBe(`${SHOP}/set`);
    expect(pageOutcomeOf(view)).toBeUndefined();
    expect(b.badged).toEqual([SHOP]);

    const paid = await answerPage(
      wallet,
      b.effects,
      { type: 'purchase.pay', requestId: view.requestId, cardId: card.id },
      fromPopup,
    );
    if (!paid.ok) throw new Error(paid.error.detail);
    const outcome = pageOutcomeOf(paid.value as PurchaseView);
    expect(outcome).toEqual({ status: 'approved', xid: (paid.value as PurchaseView).receipt?.xid });
    // `paying` first, then the outcome is the delivered view's.
    expect(b.told).toEqual([{ status: 'paying' }]);
    expect(b.delivered.map(pageOutcomeOf)).toEqual([outcome]);

    // The origin is verified now: the page's next request starts at once, in its own window.
    expect(
      await answerContent(
        wallet,
        b.effects,
        { type: 'requestPayment', initiation: INITIATION, gesture: true },
        sender,
      ),
    ).toEqual({ ok: true });
    expect(b.asked).toEqual([7]);
    const again = b.shown[1];
    if (!again) throw new Error('no purchase shown');
    expect(again.windowId).toBeUndefined();
    const cancelled = await answerPage(
      wallet,
      b.effects,
      { type: 'purchase.cancel', requestId: again.view.requestId },
      fromPopup,
    );
    expect(cancelled.ok && pageOutcomeOf(cancelled.value as PurchaseView)).toEqual({ status: 'rejected' });

    // Failures are replies with a message key, never throws.
    expect(
      await answerPage(wallet, b.effects, { type: 'purchase.pay', requestId: 5 }, fromPopup),
    ).toMatchObject({
      ok: false,
      error: { code: 'badMessage', messageKey: 'error_badMessage' },
    });
    expect(
      await answerPage(wallet, b.effects, { type: 'purchase.start', tabId: 8 }, fromPopup),
    ).toMatchObject({
      ok: false,
      error: { code: 'noInitiation' },
    });
    // A content script's type is no wallet page's, and the other way round.
    expect(
      await answerPage(
        wallet,
        b.effects,
        { type: 'requestPayment', initiation: INITIATION, gesture: true },
        fromPopup,
      ),
    ).toMatchObject({
      ok: false,
      error: { code: 'badMessage' },
    });
    expect(await answerContent(wallet, b.effects, { type: 'purchase.start', tabId: 7 }, sender)).toEqual({
      ok: false,
    });
    const badged = b.badged.length;
    expect(
      await answerContent(
        wallet,
        b.effects,
        { type: 'initiationFound', kind: 'payment', initiation: '{"set":"SET/2"}' },
        sender,
      ),
    ).toEqual({ ok: false });
    expect(b.badged).toHaveLength(badged);
    // An initiation naming another origin's endpoint is refused before anything is sent.
    const cross = JSON.stringify({ ...JSON.parse(INITIATION), endpoint: 'https://evil.example/set' });
    const told = b.told.length;
    expect(
      await answerContent(
        wallet,
        b.effects,
        { type: 'requestPayment', initiation: cross, gesture: true },
        { tabId: 9, origin: SHOP },
      ),
    ).toEqual({ ok: false });
    expect(b.told.slice(told)).toEqual([{ status: 'failed', code: 'decodingFailure' }]);
  });

  it('re-sends a payment whose page transport failed: the same PReq bytes, one result', async () => {
    const wallet = await createWallet({ ...platform, indexedDB: new IDBFactory(), session: memorySession() });
    await wallet.vault.create(PASS);
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
    const card = await addCard(wallet, world, '4111111111111111');
    const b = browserSide();
    const fromPopup = { windowId: undefined };
    await wallet.initiations.found({ tabId: 11, origin: SHOP, kind: 'payment', text: INITIATION });
    for (const drop of ['request', 'response'] as const) {
      const started = await answerPage(wallet, b.effects, { type: 'purchase.start', tabId: 11 }, fromPopup);
      if (!started.ok) throw new Error(started.error.detail);
      const { requestId } = started.value as PurchaseView;
      const before = shop.sent('PReq').length;
      shop.drop = drop;
      const paid = await answerPage(
        wallet,
        b.effects,
        { type: 'purchase.pay', requestId, cardId: card.id },
        fromPopup,
      );
      if (!paid.ok) throw new Error(paid.error.detail);
      expect(pageOutcomeOf(paid.value as PurchaseView)?.status).toBe('approved');
      const [first, again, ...more] = shop.sent('PReq').slice(before);
      expect(again).toBe(first);
      expect(more).toEqual([]);
      await wallet.purchases.forget(requestId);
    }
    expect(b.waited).toEqual([PAY_RETRY_MS[0], PAY_RETRY_MS[0]]);
  });
});

describe('wallet backup', () => {
  const world = makeWorld(new Date(), SHOP);
  const platformOf = (): WalletPlatform => memoryPlatform(() => world.clock.now);

  it('restores into a fresh profile, after which the restored card pays', async () => {
    const old = await createWallet(platformOf());
    await old.vault.create(PASS);
    await old.roots.confirm((await old.roots.propose(certificateToPem(world.root.der))).fingerprint);
    const card = await addCard(old, world, '4111111111111111');
    await old.settings.setIdleMinutes(30);
    const file = await old.exportBackup();
    expect(file).not.toContain('4111');
    expect(file).not.toContain('SET Demo Store');

    const fresh = await createWallet(platformOf());
    await rejects(fresh.restoreBackup(file, 'not the passphrase'), 'wrongPassphrase');
    expect((await fresh.vault.status()).exists).toBe(false);
    expect(await fresh.cards.list()).toEqual([]);
    await rejects(fresh.restoreBackup('{"format":"something else"}', PASS), 'backupInvalid');
    await rejects(fresh.restoreBackup('x'.repeat(9 * 1024 * 1024), PASS), 'backupInvalid');
    const damaged = JSON.parse(file) as { payload: { ct: string } };
    damaged.payload.ct = flipByte(damaged.payload.ct, 0);
    await rejects(fresh.restoreBackup(JSON.stringify(damaged), PASS), 'backupInvalid');

    expect(await fresh.restoreBackup(file, PASS)).toEqual({ cards: 1, receipts: 0 });
    await rejects(fresh.restoreBackup(file, PASS), 'vaultExists');
    await fresh.vault.lock();
    await fresh.vault.unlock(PASS);
    expect(await fresh.settings.get()).toEqual({ idleMinutes: 30 });
    expect((await fresh.roots.list())[0]?.sandbox).toBe(true);
    const cards = await fresh.cards.list();
    expect(cards).toMatchObject([{ id: card.id, last4: '1111', expiry: '202912', isDefault: true }]);

    const shop = new Shop(world);
    const view = await fresh.purchases.start(
      { tabId: 1, tabOrigin: SHOP, initiation: INITIATION },
      shop.send,
    );
    const done = await fresh.purchases.pay(view.requestId, card.id, shop.send);
    expect(done.receipt?.status).toBe('approved');
  });
});

describe('wallet purchase: the revocation state it keeps', () => {
  const world = makeWorld(new Date(), SHOP);
  let wallet: Wallet;
  let card: string;
  let tab = 500;

  beforeAll(async () => {
    wallet = await createWallet({
      indexedDB: new IDBFactory(),
      session: memorySession(),
      alarms: { create: () => {}, clear: async () => true },
      now: () => world.clock.now,
    });
    await wallet.vault.create(PASS);
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
    card = (await addCard(wallet, world, '4111111111111111')).id;
  });

  const start = (shop: Shop) =>
    wallet.purchases.start({ tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION }, shop.send);

  it('a forged BrandCRLIdentifier and CRLs (another brand CA, another MCA key) invent no revocation', async () => {
    const shop = new Shop(world);
    const forger = makeWorld(world.clock.now, SHOP);
    shop.merchant.revocation = await revocationOf(forger, {
      crlNumber: 9,
      sequence: 9,
      revoked: [{ ca: 'mca', serialNumber: world.merchant.certificate.serialNumber }],
    });
    const view = await start(shop);
    // Not "revoked": the forged CRL never counted; and no genuine BrandCRLIdentifier came either.
    expect(view.error).toMatchObject({ code: 'revocationUnknown', setCode: 'missingCertificate' });
    expect(shop.sent('PReq')).toHaveLength(0);
  });

  it('keeps the newer CRLs when a merchant later carries stale ones, and refuses the merchant they revoke', async () => {
    const shop = new Shop(world);
    const newer = await revocationOf(world, {
      crlNumber: 2,
      sequence: 2,
      revoked: [{ ca: 'mca', serialNumber: world.merchant.certificate.serialNumber }],
    });
    shop.merchant.revocation = newer;
    const refused = await start(shop);
    expect(refused.state).toBe('failed');
    expect(refused.error).toMatchObject({ code: 'certificateRevoked', setCode: 'revokedCertificate' });
    expect(refused.cards).toBeUndefined();

    // The merchant now carries the older set, which does not list the revocation.
    shop.merchant.revocation = await revocationOf(world);
    const again = await start(shop);
    const req = parsePInitReq(shop.sent('PInitReq').at(-1)!, world.clock);
    expect(req.thumbs).toContain(brandCrlIdentifierThumb(newer.bci));
    expect(again.error).toMatchObject({ code: 'certificateRevoked', setCode: 'revokedCertificate' });
    expect(shop.sent('PReq')).toHaveLength(0);
    expect(pageOutcomeOf(again)).toEqual({ status: 'failed', code: 'revokedCertificate' });
    expect(card).toBeTruthy();
  });

  it('a higher-numbered CRL with a bad signature does not hide the kept revocation', async () => {
    const shop = new Shop(world);
    const clean = await revocationOf(world, { crlNumber: 3, sequence: 3 });
    // The brand CA's genuine BrandCRLIdentifier #3, but the MCA's CRL #3 damaged (one bit of its signature).
    const crls = clean.crls.map((c) => {
      if (!c.issuerDn.includes('Merchant')) return c;
      const der = c.der.slice();
      der[der.length - 1]! ^= 1;
      return { ...c, der };
    });
    shop.merchant.revocation = { bci: clean.bci, crls };
    const view = await start(shop);
    expect(view.error?.code).toBe('certificateRevoked');
  });
});

describe('wallet purchase: the service worker’s trust store, kept between operations (issue 11)', () => {
  const world = makeWorld(new Date(), SHOP);
  const events: VerifyEvent[] = [];
  let wallet: Wallet;
  let card: string;
  let tab = 900;
  const counted = () => {
    const taken = events.splice(0);
    return {
      signatures: taken.flatMap((e) => (e.kind === 'signature' ? [e.what] : [])),
      paths: taken.filter((e) => e.kind === 'path').length,
      crls: taken.filter((e) => e.kind === 'crl').length,
    };
  };

  beforeAll(async () => {
    wallet = await createWallet(
      {
        indexedDB: new IDBFactory(),
        session: memorySession(),
        alarms: { create: () => {}, clear: async () => true },
        now: () => world.clock.now,
      },
      { observeVerification: (e) => events.push(e) },
    );
    await wallet.vault.create(PASS);
    await wallet.roots.confirm((await wallet.roots.propose(certificateToPem(world.root.der))).fingerprint);
    card = (await addCard(wallet, world, '4111111111111111')).id;
  });

  const start = (shop: Shop) =>
    wallet.purchases.start({ tabId: ++tab, tabOrigin: SHOP, initiation: INITIATION }, shop.send);

  it('Pay verifies the PInitRes it verified on arrival no second time, and a second purchase validates no chain again', async () => {
    const shop = new Shop(world);
    events.length = 0;
    const first = await start(shop);
    expect(first.state).toBe('awaitingConfirmation');
    const arrival = counted();
    expect(arrival.signatures).toEqual(['PInitRes', 'BrandCRLIdentifier']);
    // The merchant's and the gateway's chains, validated once each (and the CRLs' issuers).
    expect(arrival.paths).toBeGreaterThanOrEqual(2);

    const paid = await wallet.purchases.pay(first.requestId, card, shop.send);
    expect(paid.receipt?.status).toBe('approved');
    // From Pay to the receipt: the PRes's own signature only. No PInitRes or BrandCRLIdentifier
    // signature, no chain, no CRL again.
    expect(counted()).toEqual({ signatures: ['PRes'], paths: 0, crls: 0 });

    // Another purchase at the same shop: a new PInitRes (its signature is new), but no chain or CRL
    // signature is verified again: the roots, chains and CRLs come from the service worker's cache.
    const second = await start(new Shop(world));
    expect(counted()).toEqual({ signatures: ['PInitRes'], paths: 0, crls: 0 });
    await wallet.purchases.cancel(second.requestId);
  });

  it('a changed root makes a new cache (chains validated again); a newer CRL revokes a cached chain at once', async () => {
    const before = await wallet.roots.trustStore();
    expect((await wallet.roots.trustStore()).cache).toBe(before.cache);

    // A root added: everything is validated afresh under the new set.
    const other = makeWorld(world.clock.now, 'https://elsewhere.example');
    const otherFingerprint = (await wallet.roots.propose(certificateToPem(other.root.der))).fingerprint;
    await wallet.roots.confirm(otherFingerprint);
    const after = await wallet.roots.trustStore();
    expect(after.cache).not.toBe(before.cache);
    events.length = 0;
    const view = await start(new Shop(world));
    expect(view.state).toBe('awaitingConfirmation');
    expect(counted().paths).toBeGreaterThanOrEqual(2);
    await wallet.purchases.cancel(view.requestId);

    // The root removed: a new cache again, without it.
    // By fingerprint: both sandbox roots have the same subject name.
    await wallet.roots.remove(otherFingerprint);
    expect((await wallet.roots.trustStore()).cache).not.toBe(after.cache);

    // A newer CRL that revokes the merchant: the cached chain is refused on its next use.
    const revoking = new Shop(world);
    revoking.merchant.revocation = await revocationOf(world, {
      crlNumber: 5,
      sequence: 5,
      revoked: [{ ca: 'mca', serialNumber: world.merchant.certificate.serialNumber }],
    });
    const fresh = await start(new Shop(world));
    expect(fresh.error).toBeUndefined();
    expect(fresh.state).toBe('awaitingConfirmation');
    const refused = await start(revoking);
    expect(refused.error).toMatchObject({ code: 'certificateRevoked', setCode: 'revokedCertificate' });
    // And it stays refused with the cache kept, even when the merchant carries the older CRLs again.
    const stale = await start(new Shop(world));
    expect(stale.error).toMatchObject({ code: 'certificateRevoked', setCode: 'revokedCertificate' });
  });
});
