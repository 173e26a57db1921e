// SET's payment life in real Chromium and Firefox (production builds) against one sandbox per
// browser (issue 12): one browser launch each, the scenarios in order on one wallet.
// - A subscription bought with one click (the demo store's Coffee Club): the confirmation window
//   shows the plan the cardholder signs before Pay, and the popup lists it after, under the card
//   that paid, with its payments so far. The sandbox's acquirer requires card certificates, so no
//   unsigned purchase is offered there.
// - An order shipped in two parts (a pre-order beside an item in stock): the wallet authorizes the
//   part that ships now; the store's back office captures it, then authorizes the rest with the
//   AuthToken (a second AuthReq, no cardholder) and captures that; the gateway's ledger shows two
//   authorizations and two captures, and the wallet's receipt, asking the store (InqReq), shows
//   the whole amount captured.
// - The unsigned purchase, offered only at the acquirer that allows it: at the sandbox's open
//   acquirer (its gateway's certificates say cardCertRequired false), SET Open Store's checkout
//   offers paying without the card's certificate, off until ticked, with what is weaker; ticked,
//   it pays (PIUnsigned) and the receipt says so. (At the main acquirer nothing is offered: above.)
// Every text comes from the build's _locales/en and the store's catalogue; the steps wait on DOM
// states and answers, never on time.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type BrowserName, poll, type UiPage, type WalletBrowser } from '../../src/demo/browsers.ts';
import type { Messages } from '../../src/demo/messages.ts';
import { recordOn, type WalletUser, waitForWallet } from '../../src/demo/wallet.ts';
import { formatAmount } from '../../src/protocol/amount.ts';
import { OPEN_MERCHANT } from '../../src/sandbox/sandbox.ts';
import { STORE_TEXT } from '../../src/store/text/index.ts';
import { PROCESS_TEST_TIMEOUT_MS } from '../support/deadlines.ts';
import { type E2eSandbox, firstRunWithCard, launchWithSandbox, TEST_CARDS } from './sandbox.ts';

const BROWSERS: BrowserName[] = ['chromium', 'firefox'];
const WORDS = STORE_TEXT.en;
const eur = (value: number) => formatAmount({ currency: 'EUR', value, exponent: 2 }, 'en');

/** The checkout of several products at the demo store, in `page`: each added to the cart, then Check out. */
async function shopFor(page: UiPage, storeUrl: string, products: string[]) {
  await recordOn(page);
  for (const product of products) {
    await page.goto(storeUrl);
    await page.waitForText(product);
    await page.clickButton(`${WORDS.addToCart} ${product}`);
    await page.waitForText(WORDS.cartTitle);
  }
  await page.clickButton(WORDS.checkout);
  const orderUrl = await poll('the checkout page', async () => {
    const url = await page.url();
    return /\/orders\/[^/?#]+$/.test(new URL(url).pathname) ? url.split(/[?#]/)[0] : undefined;
  });
  await waitForWallet(page, 'payment');
  return { page, orderUrl: orderUrl!, orderId: orderUrl!.slice(orderUrl!.lastIndexOf('/') + 1) };
}

describe.each(BROWSERS)('a payment’s life in %s', (name) => {
  let browser: WalletBrowser | undefined;
  let sandbox: E2eSandbox | undefined;
  let m: Messages;
  let user: WalletUser;
  let ready = false;

  beforeAll(async () => {
    ({ browser, sandbox, m, user } = await launchWithSandbox(name, { sandbox: { openAcquirer: true } }));
    await firstRunWithCard({ user, sandbox });
    ready = true;
    // Two sandboxes' databases, a browser, first run and a registration: minutes on a busy machine.
  }, PROCESS_TEST_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  test(
    'a subscription bought with one click: its plan shown before Pay, listed in the wallet after',
    async () => {
      if (!browser || !sandbox || !ready)
        throw new Error('the browser, the sandbox or the wallet did not start');
      const checkout = await shopFor(await browser.openPage('about:blank'), sandbox.urls.store, [
        WORDS.productCoffeeClubName,
      ]);
      const confirm = await user.startPayment(checkout, sandbox.urls.store);
      // The plan the cardholder signs, in plain words, before Pay: €9.99 every 30 days until …
      const before = await confirm.waitForText(m.t('confirmPlanHeading'));
      expect(before).toMatch(m.pattern('planRecurring'));
      expect(before).toContain(eur(999));
      expect(before).toContain(m.t('confirmPlanNote'));
      // This acquirer's certificate requires card certificates: nothing unsigned is offered.
      expect(before).not.toContain(m.t('confirmUnsignedHeading'));
      expect(await confirm.evaluate(() => document.getElementById('pay-unsigned') === null, null)).toBe(true);
      await user.payReady(confirm);
      const paid = await user.pay(confirm);
      expect(paid.status, paid.text).toBe('approved');

      // The popup lists the plan under the card that paid, with the payment so far (the first).
      const popup = await browser.openExtensionPage('popup.html');
      const listed = await popup.waitForText(m.t('plansHeading'));
      const plans = listed.slice(listed.indexOf(m.t('plansHeading')));
      expect(plans).toContain(user.cardName(TEST_CARDS.approve.slice(-4)));
      expect(plans).toContain(m.t('plansHeading'));
      expect(plans).toMatch(m.pattern('planRecurring'));
      expect(plans).toContain(m.t('planPaymentsOne', eur(999)));
      const xid = (await sandbox.authorizations()).find((a) => a.requested.value === 999)?.xid;
      expect(xid).toBeDefined();
      expect(
        await popup.evaluate((x) => document.querySelector(`[data-plan="${CSS.escape(x)}"]`) !== null, xid!),
      ).toBe(true);
      await popup.close();
      await confirm.close().catch(() => {});
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  test(
    'an order shipped in two parts: the rest authorized with the AuthToken, both parts captured',
    async () => {
      if (!browser || !sandbox || !ready)
        throw new Error('the browser, the sandbox or the wallet did not start');
      const checkout = await shopFor(await browser.openPage('about:blank'), sandbox.urls.store, [
        WORDS.productAnnotatedName,
        WORDS.productMugName,
      ]);
      const confirm = await user.startPayment(checkout, sandbox.urls.store);
      // The cardholder signs the whole order (€36.99), no plan.
      const shown = await confirm.waitForText(eur(3699));
      expect(shown).not.toContain(m.t('confirmPlanHeading'));
      await user.payReady(confirm);
      const paid = await user.pay(confirm);
      expect(paid.status, paid.text).toBe('approved');
      await confirm.close().catch(() => {});

      const xid = (await sandbox.authorizations()).find((a) => a.requested.value === 1299)?.xid;
      expect(xid, 'the first part (the mug, €12.99) is authorized at purchase').toBeDefined();
      // The back office ships the mug (captures it), then the book: authorizes the rest, captures it.
      expect(await sandbox.merchantAction(checkout.orderUrl, 'capture', '12.99')).toContain('done=capture');
      expect(await sandbox.merchantAction(checkout.orderUrl, 'authorize-rest')).toContain(
        'done=authorize-rest',
      );
      expect(await sandbox.merchantAction(checkout.orderUrl, 'capture', '24.00')).toContain('done=capture');

      // The gateway's ledger: €36.99 authorized in all (the first part's €12.99 and, with the
      // AuthToken, the rest), and two accepted captures; the store's order page lists the later part.
      const tx = await sandbox.transaction(xid!);
      expect(tx).toMatchObject({ authorized: { value: 3699 }, captured: { value: 3699 } });
      const captures = (tx?.events ?? []).filter((e) => e.kind === 'capture' && e.outcome === 'accepted');
      expect(captures).toHaveLength(2);
      expect(await sandbox.orderPage(checkout.orderUrl)).toMatch(/id="later-authorizations"[\s\S]*€24\.00/);

      // The wallet's receipt asks the store (InqReq) and shows the whole order captured.
      const popup = await user.openReceipt(xid!);
      await poll(
        'the receipt to show what the store answered',
        () => popup.evaluate(() => document.querySelector('[data-receipt-state="captured"]') !== null, null),
        120_000,
      );
      const receipt = await popup.text();
      expect(receipt).toContain(m.t('receiptState_captured'));
      expect(receipt).toContain(m.t('receiptCaptured'));
      expect(receipt).toContain(eur(3699));
      await popup.close();
    },
    PROCESS_TEST_TIMEOUT_MS,
  );

  test(
    'the unsigned purchase, offered only at the acquirer that allows it, and only when ticked',
    async () => {
      if (!browser || !sandbox || !ready)
        throw new Error('the browser, the sandbox or the wallet did not start');
      const openStore = sandbox.openStore;
      if (!openStore) throw new Error('the sandbox started without its open acquirer');
      const checkout = await shopFor(await browser.openPage('about:blank'), openStore, [
        WORDS.productMugName,
      ]);
      const confirm = await user.startPayment(checkout, openStore, OPEN_MERCHANT.name);
      const offer = await confirm.waitForText(m.t('confirmUnsignedHeading'));
      expect(offer).toContain(m.t('confirmUnsignedWeaker'));
      expect(offer).toContain(m.t('confirmUnsignedSame'));
      // Off until the shopper chooses it.
      expect(await confirm.isChecked(m.t('confirmUnsignedChoice'))).toBe(false);
      await confirm.check(m.t('confirmUnsignedChoice'));
      expect(await confirm.isChecked(m.t('confirmUnsignedChoice'))).toBe(true);
      await user.payReady(confirm);
      const paid = await user.pay(confirm);
      expect(paid.status, paid.text).toBe('approved');
      expect(paid.text).toContain(m.t('resultUnsigned'));
      const xid = /[A-Za-z0-9_-]{43}/.exec(paid.text.slice(paid.text.indexOf(m.t('resultApproved'))))?.[0];
      expect(xid).toBeDefined();
      await confirm.close().catch(() => {});

      const popup = await user.openReceipt(xid!);
      expect(await popup.waitForText(m.t('receiptUnsigned'))).toContain(OPEN_MERCHANT.name);
      await popup.close();
    },
    PROCESS_TEST_TIMEOUT_MS,
  );
});
