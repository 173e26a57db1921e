// The wallet in German, end to end, in real Chromium and Firefox (production builds): a browser
// whose language is German (Chromium: --lang, LANGUAGE and the context's locale; Firefox:
// intl.locale.requested with Debian's German language pack) shows the wallet from
// _locales/de, sends "de" in RegFormReq and gets the CCA's form in German (its labels and policy,
// src/ca/reg-forms.ts), pays at the demo store, which answers in German by Accept-Language, and
// shows amounts and dates formatted for German. Every text comes from the build's _locales/de and
// the sites' catalogues, so a change of wording breaks nothing.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEFAULT_CARDHOLDER_FORM } from '../../src/ca/reg-forms.ts';
import { CA_TEXT } from '../../src/ca/text/index.ts';
import type { BrowserName, WalletBrowser } from '../../src/demo/browsers.ts';
import { loadMessages, type Messages } from '../../src/demo/messages.ts';
import type { WalletUser } from '../../src/demo/wallet.ts';
import { formatAmount } from '../../src/protocol/amount.ts';
import { STORE_TEXT } from '../../src/store/text/index.ts';
import { type E2eSandbox, launchWithSandbox, TEST_CARDS } from './sandbox.ts';

const BROWSERS: BrowserName[] = ['chromium', 'firefox'];
const MUG = STORE_TEXT.de.productMugName;
/** The mug's price (src/store/catalogue.ts) as a German reader sees it: "12,99 €". */
const MUG_PRICE = formatAmount({ currency: 'EUR', value: 1299, exponent: 2 }, 'de');

describe.each(BROWSERS)('the wallet in German in %s', (name) => {
  let browser: WalletBrowser | undefined;
  let sandbox: E2eSandbox | undefined;
  let m: Messages;
  let user: WalletUser;

  beforeAll(async () => {
    ({ browser, sandbox, m, user } = await launchWithSandbox(name, { locale: 'de' }));
  });

  afterAll(async () => {
    await browser?.close();
    await sandbox?.close();
  });

  test('first run, a sandbox root, a card registered with the CCA’s form in German, a purchase and its receipt', async () => {
    if (!browser || !sandbox) throw new Error('the browser or the sandbox did not start');
    // The wallet's pages are in German, from _locales/de.
    const settings = await user.firstRun();
    expect(await settings.evaluate(() => document.documentElement.lang, null)).toMatch(/^de\b/);
    expect(await settings.text()).toContain(m.t('vaultUnlockedText'));
    expect(m.t('vaultUnlockedText')).not.toBe(loadMessages(browser.extensionDir).t('vaultUnlockedText'));
    await user.trustRoot(settings, await sandbox.rootPem());
    await settings.close();

    // The issuer's site answers in German (Accept-Language).
    const issuer = await browser.openPage(`${sandbox.urls.issuer}/test-cards`);
    await issuer.waitForText(CA_TEXT.de.testCardsCaption);
    expect(await issuer.evaluate(() => document.documentElement.lang, null)).toBe('de');
    await issuer.close();

    // RegFormReq carries "de": the CCA's form comes back in German, and the wallet fills it in
    // by its German labels (registerCard checks the German policy is shown).
    const done = await user.registerCard(sandbox.urls.issuer, TEST_CARDS.approve, { language: 'de' });
    expect(done).toContain(m.t('registerDoneHeading'));
    expect(DEFAULT_CARDHOLDER_FORM.de!.fields[0]!.label).not.toBe(
      DEFAULT_CARDHOLDER_FORM.en.fields[0]!.label,
    );

    // The store in German; the wallet's confirmation in German with the amount as Germans write it.
    const checkout = await user.shop(sandbox.urls.store, MUG, 'de');
    expect(await checkout.page.text()).toContain(MUG_PRICE);
    const confirm = await user.startPayment(checkout, sandbox.urls.store);
    expect(await confirm.text()).toContain(MUG_PRICE);
    expect(await confirm.text()).toContain(m.t('confirmSignedBy'));
    await user.payReady(confirm);
    const paid = await user.pay(confirm);
    expect(paid.status, paid.text).toBe('approved');
    expect(paid.text).toContain(m.t('resultApproved'));

    // The receipt in the popup, in German, with the amount and the date formatted for German.
    const xid = (await sandbox.authorizations()).find((a) => a.result === 'approved')?.xid;
    expect(xid).toBeDefined();
    const popup = await user.openReceipt(xid!);
    const receipt = await popup.text();
    expect(receipt).toContain(m.t('receiptVerifiedHeading'));
    expect(receipt).toContain(MUG_PRICE);
    expect(receipt).toMatch(/\d{1,2}\.\d{2}\.\d{4}|\d{1,2}\. \p{L}+\.? \d{4}/u);
  });
});
