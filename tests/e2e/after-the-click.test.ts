// After the click (issue 13), in real Chromium and Firefox (production builds), one browser launch
// each against a sandbox whose CCA issues 20-day cardholder certificates (a sandbox-only option:
// every card is due for renewal at once):
//   - a receipt that turns from authorized to captured and partly refunded as the merchant acts in
//     the store's back office (each opening of the receipt asks the shop: InqReq → InqRes);
//   - the card renewed before expiry from the popup (the background asks the CCA itself, the old
//     key co-signing), keeping its receipts: the receipt still opens and refreshes with the new key;
//   - a registration the CCA leaves pending (test card 4000 0000 0000 3063), kept by the wallet and
//     finished later with "Check again" from the popup.
// Every text comes from the build's _locales/en; every wait is on the page's state, never a sleep.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_CARDHOLDER_FORM } from '../../src/ca/reg-forms.ts';
import type { BrowserName, UiPage, WalletBrowser } from '../../src/demo/browsers.ts';
import type { Messages } from '../../src/demo/messages.ts';
import { askWithClick, escapeRegExp, type WalletUser, waitForWallet } from '../../src/demo/wallet.ts';
import { STORE_TEXT } from '../../src/store/text/index.ts';
import { type E2eSandbox, firstRunWithCard, launchWithSandbox, TEST_CARDS } from './sandbox.ts';

const BROWSERS: BrowserName[] = ['chromium', 'firefox'];
const DAY = 24 * 60 * 60_000;
const PENDING_CARD = '4000000000003063';
const MUG = STORE_TEXT.en.productMugName;
const FORM = DEFAULT_CARDHOLDER_FORM.en;
const label = (field: string) => FORM.fields.find((f) => f.name === field)!.label;

describe.each(BROWSERS)('after the click in %s', (name) => {
  let browser: WalletBrowser | undefined;
  let sandbox: E2eSandbox | undefined;
  let m: Messages;
  let user: WalletUser;
  let xid: string | undefined;
  let orderUrl: string | undefined;

  beforeAll(async () => {
    ({ browser, sandbox, m, user } = await launchWithSandbox(name, {
      sandbox: { cardholderValidityMs: 20 * DAY },
    }));
    await firstRunWithCard({ user, sandbox }, { views: false });
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  /** Opens the receipt for `xid` in a new popup and waits until it shows `state` (the shop's answer). */
  async function receiptShows(state: string): Promise<UiPage> {
    const popup = await user.openReceipt(xid!);
    await popup.waitForText(m.t(`receiptState_${state}`), 30_000);
    return popup;
  }

  test('a receipt turns from authorized to captured and partly refunded as the merchant acts', async () => {
    if (!browser || !sandbox) throw new Error('the browser or the sandbox did not start');
    const checkout = await user.shop(sandbox.urls.store, MUG);
    orderUrl = checkout.orderUrl;
    const confirm = await user.startPayment(checkout, sandbox.urls.store);
    await user.payReady(confirm);
    const paid = await user.pay(confirm);
    expect(paid.status, paid.text).toBe('approved');
    xid = (await sandbox.authorizations()).find((a) => a.result === 'approved')?.xid;
    expect(xid).toBeDefined();
    await (await receiptShows('authorized')).close();

    expect(await sandbox.merchantAction(orderUrl, 'capture', '12.99')).toMatch(/done=capture/);
    const captured = await receiptShows('captured');
    expect(await captured.text()).not.toContain(m.t('receiptState_authorized'));
    await captured.close();

    expect(await sandbox.merchantAction(orderUrl, 'refund', '5.00')).toMatch(/done=refund/);
    await (await receiptShows('partlyRefunded')).close();
  });

  test('a card renewed before expiry keeps its receipts', async () => {
    if (!browser || !sandbox || !xid) throw new Error('the receipt scenario did not run');
    const card = user.cardName(TEST_CARDS.approve.slice(-4));
    const popup = await browser.openExtensionPage('popup.html');
    await popup.waitForText(m.pattern('renewalDue'));
    await popup.clickButton(m.t('renewalButton', card));
    const renewed = await popup.waitForText(m.pattern('renewalDone'), 30_000);
    expect(renewed).toContain(card);
    await popup.close();

    // The same card: one card in the wallet, its receipt listed and still refreshed (the InqReq
    // is signed by the new certificate, naming the one that paid).
    const again = await browser.openExtensionPage('popup.html');
    const list = await again.waitForText(m.t('receiptXidShort', xid.slice(0, 12)));
    const certificates = new RegExp(m.pattern('cardCertificateValid').source, 'g');
    expect(list.match(certificates)).toHaveLength(1);
    expect(list).toContain(card);
    await again.close();
    expect(await sandbox.merchantAction(orderUrl!, 'refund', '2.00')).toMatch(/done=refund/);
    // €5.00 refunded before the renewal, €2.00 after: the receipt, asked with the new key, says €7.00.
    const detail = await receiptShows('partlyRefunded');
    const text = await detail.waitForText(/7\.00/, 30_000);
    expect(text).toMatch(m.pattern('receiptRefreshed'));
    expect(text).not.toContain(m.t('receiptRefreshFailed'));
    await detail.close();
  });

  test('a registration the issuer leaves pending is kept and finished later with Check again', async () => {
    if (!browser || !sandbox) throw new Error('the browser or the sandbox did not start');
    const issuerPage = await browser.openPage(`${sandbox.urls.issuer}/register`);
    await waitForWallet(issuerPage, 'registration');
    await askWithClick(issuerPage, 'registration');
    const reg = await browser.waitForExtensionPage('register.html');
    await reg.waitForText(m.t('registerCardIntro'));
    await reg.fill(m.t('registerPanLabel'), PENDING_CARD);
    await reg.select(m.t('registerExpiryMonth'), '12');
    await reg.select(m.t('registerExpiryYear'), String(new Date().getFullYear() + 3));
    await reg.clickButton(m.t('continueButton'));
    await reg.waitForText(m.t('registerFormHeading'));
    await reg.fill(label('fullName'), 'Ada Lovelace');
    await reg.fill(label('postcode'), '90210');
    if ((await reg.text()).includes(m.t('registerPolicyHeading')))
      await reg.check(m.t('registerAcceptPolicy'));
    await reg.clickButton(m.t('registerSubmit'));
    const pending = await reg.waitForText(m.t('registerPendingHeading'), 30_000);
    expect(pending).toContain(m.t('registerPending'));
    expect(pending).not.toContain(m.t('registerRejectedHeading'));
    // The shopper closes the window and the issuer's page: the wallet keeps the registration.
    await reg.clickButton(m.t('closeButton'));
    await reg.waitForClose();
    await issuerPage.close();

    const card = user.cardName(PENDING_CARD.slice(-4));
    const popup = await browser.openExtensionPage('popup.html');
    await popup.waitForText(m.t('pendingHeading'));
    expect(await popup.text()).toMatch(m.pattern('pendingItem'));
    await popup.clickButton(m.t('pendingCheckAgain', card));
    await popup.waitForText(m.t('pendingDone', card), 30_000);
    await popup.close();
    const after = await browser.openExtensionPage('popup.html');
    const text = await after.waitForText(card);
    expect(text).not.toContain(m.t('pendingHeading'));
    expect(text).toMatch(new RegExp(escapeRegExp(user.cardName(TEST_CARDS.approve.slice(-4)))));
    await after.close();
    // Nothing went wrong in the wallet's own pages meanwhile.
    const walletErrors = (await browser.consoleErrors()).filter((e) =>
      e.url.startsWith(browser!.extensionOrigin),
    );
    expect(walletErrors).toEqual([]);
  });
});
