/**
 * The wallet's real-browser scenarios, written once and run in Chromium (chromium.test.ts) and
 * Firefox (firefox.test.ts) against the production builds and one sandbox per suite:
 *
 *   first run → trust the sandbox root → register a card on the issuer's page → buy at the demo
 *   store with one click on Pay → receipt in the popup; a declining card; Cancel (button and
 *   closing the window); lock and unlock (and paying from a locked wallet); in Chromium, the
 *   service worker stopped during a purchase. axe-core runs in the real browser on the popup, the
 *   confirmation window and the options page (light and dark).
 *
 *   A hostile page (issue 8 item 2), with the browser's real input events: a page that asks by
 *   itself gets only the toolbar mark; a page that asks on every keystroke in its own text box,
 *   while the shopper types and presses Enter and Space, pays nothing; a repeat request does not
 *   take focus; Pay works with a real click once its input delay is over.
 *
 * The steps build on each other, in order. A step whose prerequisite failed is skipped with the
 * name of what it needed, so a report shows the first real failure rather than a cascade. The UI
 * is found by role and accessible name, and every name and text comes from the build's
 * _locales/en/messages.json, so a change of wording does not break the tests.
 */
import { afterAll, beforeAll, describe, expect, type TestContext, test } from 'vitest';
import {
  type AxeViolation,
  type BrowserName,
  launchWithoutWallet,
  poll,
  type UiPage,
  type WalletBrowser,
} from '../../src/demo/browsers.ts';
import type { Messages } from '../../src/demo/messages.ts';
import {
  askWithClick,
  buttonEventsOf,
  buttonNow,
  type Checkout,
  escapeRegExp,
  MERCHANT_NAME,
  normaliseFingerprint,
  outcomesOf,
  DEMO_PASSPHRASE as PASSPHRASE,
  requestFromPage,
  STORE_PAY_BUTTON,
  shopIn,
  type WalletUser,
  waitForOutcome,
} from '../../src/demo/wallet.ts';
import { describeState } from '../../src/merchant/browser/pay-with-set.ts';
import { fromB64u, parseCertificate, pemToDers, TrustStore, verifyPRes } from '../../src/protocol/index.ts';
import type { ReceiptExport } from '../../src/wallet/receipts.ts';
import { type E2eSandbox, launchWithSandbox, TEST_CARDS } from './sandbox.ts';

export type { PageOutcome } from '../../src/demo/wallet.ts';

export interface SuiteOptions {
  /** Chromium only: the service worker can be stopped in the middle of a purchase. */
  serviceWorkerStop: boolean;
}

const MIN_TEXT_PX = 14;

/** Elements with visible text of their own whose computed font size is below `min` px. */
const SMALL_TEXT = (min: number) =>
  [...document.querySelectorAll('body *')]
    .filter((e) => [...e.childNodes].some((n) => n.nodeType === 3 && (n.textContent ?? '').trim() !== ''))
    .filter((e) => (e as HTMLElement).offsetParent !== null || e.tagName === 'BODY')
    .filter((e) => Number.parseFloat(getComputedStyle(e).fontSize) < min)
    .map(
      (e) =>
        `${e.tagName.toLowerCase()}${e.className ? `.${String(e.className).split(' ').join('.')}` : ''}: ${getComputedStyle(e).fontSize} "${(e.textContent ?? '').trim().slice(0, 40)}"`,
    );

/** `text` as a whole word or phrase ("Locked" and not "Unlocked"). */
function word(text: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(text)}(?![\\p{L}\\p{N}])`, 'u');
}

interface Badge {
  tabId: number;
  text: string;
}

/** The browser's windows as the extension sees them: which one has focus, and which holds `url`'s tab. */
function windowFocus(browser: WalletBrowser, url: string): Promise<{ focused?: number; tabWindow?: number }> {
  return browser.inExtension(async (want) => {
    interface Api {
      tabs: { query(q: object): Promise<{ url?: string; windowId: number }[]> };
      windows: { getLastFocused(): Promise<{ id?: number; focused: boolean }> };
    }
    const g = globalThis as unknown as { browser?: Api; chrome?: Api };
    const api = (g.browser ?? g.chrome)!;
    const tabs = await api.tabs.query({});
    const last = await api.windows.getLastFocused();
    return { focused: last.id, tabWindow: tabs.find((t) => t.url?.startsWith(want))?.windowId };
  }, url);
}

/** Focuses the browser window that holds `url`'s tab, as a shopper clicking into it would. */
function focusWindowOf(browser: WalletBrowser, url: string): Promise<void> {
  return browser.inExtension(async (want) => {
    interface Api {
      tabs: { query(q: object): Promise<{ url?: string; windowId: number }[]> };
      windows: { update(id: number, o: object): Promise<unknown> };
    }
    const g = globalThis as unknown as { browser?: Api; chrome?: Api };
    const api = (g.browser ?? g.chrome)!;
    const tab = (await api.tabs.query({})).find((t) => t.url?.startsWith(want));
    if (tab) await api.windows.update(tab.windowId, { focused: true });
  }, url);
}

/** Runs in the confirmation window: the Pay button's state and what has focus. */
const PAY_STATE = () => {
  const pay = document.querySelector<HTMLButtonElement>('button[type=submit]');
  return {
    present: pay !== null,
    waiting: pay?.getAttribute('aria-disabled') === 'true',
    focusedIsPay: pay !== null && document.activeElement === pay,
    focused: document.activeElement?.tagName ?? '',
  };
};

/**
 * Runs in the checkout page, as a hostile shop's own script: a text box that asks the wallet on
 * every keystroke (each one gives the page transient activation).
 */
const HOSTILE_TEXT_BOX = () => {
  const box = document.createElement('input');
  box.type = 'text';
  box.setAttribute('aria-label', 'Gift message');
  box.id = 'gift-message';
  box.addEventListener('keydown', () =>
    document.dispatchEvent(new CustomEvent('set-wallet:request-payment')),
  );
  document.body.prepend(box);
  box.focus();
};

/** The toolbar badge text of every tab, read in an extension page. */
function badges(browser: WalletBrowser): Promise<Badge[]> {
  return browser.inExtension(async () => {
    interface Api {
      tabs: { query(q: object): Promise<{ id?: number }[]> };
      action: { getBadgeText(d: { tabId: number }): Promise<string> };
    }
    const g = globalThis as unknown as { browser?: Api; chrome?: Api };
    const api = (g.browser ?? g.chrome)!;
    const tabs = await api.tabs.query({});
    return Promise.all(
      tabs
        .filter((t) => t.id !== undefined)
        .map(async (t) => ({ tabId: t.id!, text: await api.action.getBadgeText({ tabId: t.id! }) })),
    );
  }, null);
}

function describeViolations(where: string, violations: AxeViolation[]): string {
  return violations
    .map((v) => `${where}: ${v.id} (${v.impact}) ${v.help}\n    ${v.nodes.join('\n    ')}`)
    .join('\n');
}

export function walletSuite(name: BrowserName, options: SuiteOptions) {
  describe(`SET Wallet in ${name}`, () => {
    let browser: WalletBrowser;
    let sandbox: E2eSandbox;
    let m: Messages;
    let user: WalletUser;
    const passed = new Set<string>();
    const started = Date.now();
    /** axe results per page and state, asserted by the axe steps at the end. */
    const axeResults = new Map<string, AxeViolation[]>();
    /** Why axe did not run in dark mode, when it could not. */
    const axeNotes = new Set<string>();

    /** A test that runs only when the steps it needs passed. */
    const step = (
      title: string,
      needs: string[],
      fn: (ctx: TestContext) => Promise<void>,
      timeoutMs?: number,
    ) =>
      test(
        title,
        async (ctx) => {
          const missing = needs.filter((n) => !passed.has(n));
          if (missing.length > 0) ctx.skip(`needs: ${missing.join('; ')}`);
          const errorsBefore = (await browser.consoleErrors()).length;
          try {
            await fn(ctx);
          } catch (e) {
            // What the browser logged meanwhile often says why (a CSP refusal, an uncaught error).
            const logged = (await browser.consoleErrors()).slice(errorsBefore);
            if (e instanceof Error && logged.length > 0) {
              e.message += `\n--- console errors during this step ---\n${logged
                .map((l) => `${l.url}: ${l.text}`)
                .join('\n')}`;
            }
            throw e;
          }
          passed.add(title);
        },
        timeoutMs,
      );

    /** Runs axe on `page` as it is now (light, then dark), keeping the results under `where`. */
    const axe = async (where: string, page: UiPage) => {
      axeResults.set(`${where} (light)`, [...(await page.axe()), ...(await smallText(page))]);
      try {
        await page.colorScheme('dark');
      } catch (e) {
        axeNotes.add(`axe ran in light mode only: ${(e as Error).message.split('\n')[0]}`);
        return;
      }
      axeResults.set(`${where} (dark)`, await page.axe());
      await page.colorScheme('light');
    };

    /** Our own rule beside axe's: no visible text a person reads is set below 14 px. */
    const smallText = async (page: UiPage): Promise<AxeViolation[]> => {
      const nodes = await page.evaluate(SMALL_TEXT, MIN_TEXT_PX);
      return nodes.length === 0
        ? []
        : [{ id: 'text-below-14px', impact: 'serious', help: 'Body text is at least 14 px', nodes }];
    };

    const cardName = (last4: string) => user.cardName(last4);
    const payButton = () => user.payButton();

    /**
     * A checkout tab at a fresh demo-store order, recording the wallet's outcome events. The
     * browser shops itself: an order is visible only to the shopper session that placed it.
     */
    const openCheckout = (): Promise<Checkout> => user.shop(sandbox.urls.store, 'SET/2 mug');

    /** Asks to pay and returns the confirmation window once it shows the merchant's signed order. */
    const startPayment = (checkout: Checkout) => user.startPayment(checkout, sandbox.urls.store);

    /** The page heard `approved`, and the gateway authorized that XID once; returns what it heard. */
    const approvedOnce = async (page: UiPage) => {
      const outcome = await waitForOutcome(page, ['approved', 'declined', 'failed', 'rejected']);
      expect(outcome.status).toBe('approved');
      expect(await sandbox.authorizations(outcome.xid!)).toHaveLength(1);
      return outcome;
    };

    /** Closes the confirmation window with its Close button, then the shop's tab. */
    const closeAfterPaying = async (confirm: UiPage, page: UiPage) => {
      await confirm.clickButton(m.t('closeButton'));
      await confirm.waitForClose();
      await page.close();
    };

    /** Registers `pan` from the sandbox issuer's /register page; axe runs there when `views`. */
    const registerCard = async (pan: string, views = false) => {
      const done = await user.registerCard(sandbox.urls.issuer, pan, { views });
      expect(done).toContain(cardName(pan.slice(-4)));
      expect(done).toContain(m.t('sandboxBadge'));
    };

    beforeAll(async () => {
      ({ browser, sandbox, m, user } = await launchWithSandbox(name));
      // The moments worth a look are where axe runs.
      user.onView = axe;
    });

    afterAll(async () => {
      await browser?.close();
      await sandbox?.close();
      console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s for the suite`);
      for (const note of axeNotes) console.log(`${name}: ${note}`);
    });

    const LOADS = 'the production build loads';
    step(LOADS, [], async () => {
      const popup = await browser.openExtensionPage('popup.html');
      await popup.waitForText(m.t('extName'));
      await popup.close();
    });

    const NOTICES = "the content script notices the demo store's payment initiation and badges the tab";
    step(NOTICES, [LOADS], async () => {
      const before = (await badges(browser)).filter((b) => b.text !== '').length;
      const { page } = await openCheckout();
      await expect
        .poll(async () => (await badges(browser)).filter((b) => b.text === m.t('badgePayment')).length, {
          timeout: 10_000,
        })
        .toBeGreaterThan(before);
      await page.close();
    });

    const NO_WALLET =
      'without the wallet, the store’s Pay with SET button says to install SET Wallet (keyboard, link, live region, axe)';
    step(NO_WALLET, [], async () => {
      const plain = await launchWithoutWallet(name);
      try {
        const page = await plain.openPage('about:blank');
        const { orderId } = await shopIn(page, sandbox.urls.store, 'SET/2 mug');
        await poll('the button', async () => (await buttonNow(page)).state !== null);
        expect((await buttonNow(page)).fontPx).toBeGreaterThanOrEqual(MIN_TEXT_PX);
        // The keyboard path: focus the real <button>, press Enter.
        await page.evaluate(
          () => (document.querySelector('pay-with-set button') as HTMLElement).focus(),
          null,
        );
        await page.press('Enter');
        await page.waitForText(describeState('noWallet'));
        const now = await buttonNow(page);
        expect(now.state).toBe('noWallet');
        expect(now.status).toBe(`${describeState('noWallet')} Install SET Wallet`);
        expect(now.link).toEqual({ text: 'Install SET Wallet', href: expect.stringMatching(/#no-wallet$/) });
        const events = await buttonEventsOf(page);
        expect(events.map((e) => e.type)).toEqual(['set-progress', 'set-progress', 'set-no-wallet']);
        expect(events.map((e) => e.detail.state ?? null)).toEqual(['looking', 'noWallet', null]);
        expect(events[2]!.detail).toEqual({ order: orderId });
        axeResults.set('store checkout without the wallet', [
          ...(await page.axe()),
          ...(await smallText(page)),
        ]);
        // Nothing went wrong in the page (the browser's own /favicon.ico request 404s: the store has none).
        expect(plain.consoleErrors().filter((e) => !e.text.startsWith('Failed to load resource'))).toEqual(
          [],
        );
        // initiation-url: only the page's own origin, and only a payment initiation, is declared.
        const declared = await page.evaluate(async (status: string) => {
          const tries = [status, 'https://example.com/initiation.json', 'javascript:alert(1)'];
          const states: string[] = [];
          for (const url of tries) {
            const el = document.createElement('pay-with-set');
            el.setAttribute('initiation-url', url);
            document.body.append(el);
            for (let i = 0; i < 100 && el.getAttribute('state') !== 'unavailable'; i++) {
              await new Promise((r) => setTimeout(r, 50));
            }
            states.push(el.getAttribute('state') ?? '');
            el.remove();
          }
          return {
            states,
            scripts: document.querySelectorAll('script[type="application/set-payment-initiation+json"]')
              .length,
          };
        }, `/orders/${orderId}/status`);
        // The store's checkout declares its own initiation; the three refused URLs added none.
        expect(declared).toEqual({ states: ['unavailable', 'unavailable', 'unavailable'], scripts: 1 });
      } finally {
        await plain.close();
      }
    });

    const FIRST_RUN = 'first run: the options page creates the wallet with a passphrase';
    let settings: UiPage;
    step(FIRST_RUN, [LOADS], async () => {
      // The popup's welcome and the options page, axe on both (onView).
      settings = await user.firstRun(PASSPHRASE);
      expect(await settings.text()).toContain(m.t('statusUnlocked'));
    });

    const TRUST_ROOT = 'the options page trusts the sandbox root after showing its SHA-256 fingerprint';
    step(TRUST_ROOT, [FIRST_RUN], async () => {
      const { fingerprint, shown } = await user.trustRoot(settings, await sandbox.rootPem());
      expect(normaliseFingerprint(shown)).toContain(normaliseFingerprint(fingerprint));
      expect(shown).toContain(m.t('rootProposalWarning'));
      // The list shows the root, marked Sandbox.
      expect(await settings.text()).not.toContain(m.t('rootsEmpty'));
      expect(await settings.text()).toContain(m.t('sandboxBadge'));
    });

    const ROOT_BY_URL =
      "the options page downloads the root from the issuer's /pki/root.pem (then cancels the proposal)";
    step(ROOT_BY_URL, [TRUST_ROOT], async () => {
      await settings.fill(m.t('rootUrlLabel'), `${sandbox.urls.issuer}/pki/root.pem`);
      await settings.clickButton(m.t('rootFetch'));
      const shown = await settings.waitForText(
        new RegExp(`${escapeRegExp(m.t('rootProposalHeading'))}|${escapeRegExp(m.t('error_rootFetch'))}`),
      );
      if (shown.includes(m.t('rootProposalHeading'))) await settings.clickButton(m.t('cancelButton'));
      expect(shown, 'the download was refused: see error_rootFetch').toContain(m.t('rootProposalHeading'));
    });

    const REGISTER = "register a card on the sandbox issuer's page, typed in the wallet's own window";
    step(
      REGISTER,
      [TRUST_ROOT, NOTICES],
      async () => {
        await registerCard(TEST_CARDS.approve, true);
        await settings.close();
        settings = await browser.openExtensionPage('options.html');
        const text = await settings.waitForText(cardName('1111'));
        expect(text).toContain(m.t('cardDefault'));
      },
      60_000,
    );

    let approvedXid: string | undefined;
    const BUY = 'buy at the demo store with one click on Pay in the confirmation window';
    step(
      BUY,
      [REGISTER],
      async () => {
        const checkout = await openCheckout();
        const { page, orderUrl } = checkout;
        const confirm = await startPayment(checkout);
        // The store's button says where the shopper is: in the wallet's window.
        expect(await buttonNow(page)).toMatchObject({ state: 'waiting', status: describeState('waiting') });
        await axe('store checkout: waiting for the shopper in the wallet', page);
        // One card, the default: nothing to choose, one click.
        expect(await confirm.text()).toContain(cardName('1111'));
        await axe('confirmation window: before paying', confirm);
        const paid = await user.pay(confirm);
        expect(paid.status, paid.text).toBe('approved');
        const outcome = await waitForOutcome(page, ['approved', 'declined', 'failed', 'rejected']);
        expect(outcome.status).toBe('approved');
        const xid = outcome.xid!;
        approvedXid = xid;
        expect(xid).toMatch(/^[A-Za-z0-9_-]+$/);
        // The button showed waiting → paying → approved, and told the shop's script the result.
        const events = await poll('the button’s set-result', async () => {
          const all = await buttonEventsOf(page);
          return all.some((e) => e.type === 'set-result') ? all : undefined;
        });
        expect(events.filter((e) => e.type === 'set-progress').map((e) => e.detail.state)).toEqual([
          'waiting',
          'paying',
          'approved',
        ]);
        expect(events.find((e) => e.type === 'set-result')?.detail).toEqual({
          status: 'approved',
          xid,
          order: checkout.orderId,
          message: describeState('approved'),
        });
        const result = await confirm.waitForText(m.t('resultXid', xid));
        const auths = await sandbox.authorizations(xid);
        expect(auths).toHaveLength(1);
        expect(auths[0]).toMatchObject({
          result: 'approved',
          merchantName: MERCHANT_NAME,
          cardLast4: '1111',
        });
        expect(result).toContain(m.t('resultAuthCode', auths[0]!.authCode!));
        await expect.poll(() => sandbox.orderState(orderUrl)).toBe('authorized');
        await axe('confirmation window: approved', confirm);
        await closeAfterPaying(confirm, page);
      },
      60_000,
    );

    const NO_GESTURE =
      'hostile page: asking by itself (no click, no key press), even in a loop, opens nothing and only marks the toolbar';
    step(NO_GESTURE, [REGISTER], async () => {
      const before = (await sandbox.authorizations()).length;
      const checkout = await openCheckout();
      const { page, orderUrl } = checkout;
      for (let i = 0; i < 10; i++) await requestFromPage(page, 'payment');
      await waitForOutcome(page, ['awaitingShopper', 'alreadyPending', 'failed', 'approved']);
      await expect.poll(async () => (await outcomesOf(page)).length, { timeout: 15_000 }).toBe(10);
      expect(new Set((await outcomesOf(page)).map((o) => o.status))).toEqual(new Set(['awaitingShopper']));
      expect(await browser.extensionPages('confirm.html')).toHaveLength(0);
      expect((await badges(browser)).map((b) => b.text)).toContain(m.t('badgeAsked'));
      expect(await sandbox.authorizations()).toHaveLength(before);
      expect(await sandbox.orderState(orderUrl)).toBe('awaitingPayment');
      // The shopper's own click on the page's button still works (a fresh gesture, no window yet).
      const confirm = await startPayment(checkout);
      await confirm.clickButton(m.t('cancelButton'));
      await confirm.waitForClose();
      await page.close();
    });

    const KEYSTROKES =
      'hostile page: it asks on every keystroke in its own text box; the shopper types on and presses Enter and Space: nothing is paid';
    step(
      KEYSTROKES,
      [BUY],
      async (ctx) => {
        const before = (await sandbox.authorizations()).length;
        const checkout = await openCheckout();
        const { page, orderUrl } = checkout;
        await page.evaluate(HOSTILE_TEXT_BOX, null);
        // The shopper types a gift message: real key events, each a gesture on the page.
        await page.type('Happy');
        const confirm = await browser.waitForExtensionPage('confirm.html');
        // The window took focus: the rest of what the shopper types, and Enter, land in it.
        await confirm.type(' birthday');
        await confirm.press('Enter');
        await confirm.press(' ');
        const early = await confirm.evaluate(PAY_STATE, null);
        await confirm.waitForText(m.t('originBindingOk', sandbox.urls.store));
        await confirm.press('Enter');
        // Pay is not where keys go: the window's heading has focus, and Pay waits out its delay.
        const shown = await confirm.evaluate(PAY_STATE, null);
        expect(shown.present).toBe(true);
        expect(shown.focusedIsPay).toBe(false);
        await poll(
          'Pay to be enabled',
          async () => !(await confirm.evaluate(PAY_STATE, null)).waiting,
          15_000,
        );
        // Even after the delay, Enter and Space where the focus is do nothing.
        await confirm.press('Enter');
        await confirm.press(' ');
        await confirm.type('x\n');
        const after = await confirm.evaluate(PAY_STATE, null);
        expect(after.focusedIsPay).toBe(false);
        expect(await confirm.text()).not.toContain(m.t('confirmPaying'));
        expect(await confirm.hasButton(payButton())).toBe(true);
        expect(await sandbox.authorizations()).toHaveLength(before);
        expect(await sandbox.orderState(orderUrl)).toBe('awaitingPayment');
        // The page's keystrokes after the first asked again: already pending, never a second window.
        const heard = await outcomesOf(page);
        expect(heard.every((o) => o.status === 'alreadyPending' || o.status === 'awaitingShopper')).toBe(
          true,
        );
        expect(await browser.extensionPages('confirm.html')).toHaveLength(1);
        await ctx.annotate(`Pay's state when the first keys landed: ${JSON.stringify(early)}`);
        // Then the shopper's deliberate click pays, once.
        const paid = await user.pay(confirm);
        expect(paid.status, paid.text).toBe('approved');
        await approvedOnce(page);
        expect((await sandbox.authorizations()).length).toBe(before + 1);
        await closeAfterPaying(confirm, page);
      },
      60_000,
    );

    const REPEAT = 'hostile page: a repeat request is already pending and does not take focus from the page';
    step(REPEAT, [BUY], async (ctx) => {
      const checkout = await openCheckout();
      const { page, orderUrl } = checkout;
      const confirm = await startPayment(checkout);
      await focusWindowOf(browser, orderUrl);
      const focusedBefore = await windowFocus(browser, orderUrl);
      const heard = (await outcomesOf(page)).length;
      // The shopper (or the page, on the shopper's click) asks again from the page.
      await page.clickButton(STORE_PAY_BUTTON);
      await askWithClick(page, 'payment');
      const again = await waitForOutcome(page, ['alreadyPending', 'awaitingShopper'], heard);
      expect(['alreadyPending', 'awaitingShopper']).toContain(again.status);
      await expect.poll(async () => (await outcomesOf(page)).length - heard).toBe(2);
      const focusedAfter = await windowFocus(browser, orderUrl);
      await ctx.annotate(
        `focus before ${JSON.stringify(focusedBefore)}, after ${JSON.stringify(focusedAfter)}`,
      );
      if (focusedBefore.focused === focusedBefore.tabWindow) {
        // The page's window kept focus: the confirmation window was not brought forward.
        expect(focusedAfter.focused).toBe(focusedAfter.tabWindow);
      }
      expect(await browser.extensionPages('confirm.html')).toHaveLength(1);
      await confirm.clickButton(m.t('cancelButton'));
      await confirm.waitForClose();
      await page.close();
    });

    const RECEIPT = 'the receipt is in the popup, with what was verified';
    step(RECEIPT, [BUY], async () => {
      const xid = approvedXid!;
      const popup = await browser.openExtensionPage('popup.html');
      const list = await popup.waitForText(m.t('receiptXidShort', xid.slice(0, 12)));
      expect(list).toContain(MERCHANT_NAME);
      // The receipt's state as the shop last answered (authorized, or captured if it already did).
      expect(list).toMatch(
        new RegExp(
          `${escapeRegExp(m.t('receiptState_authorized'))}|${escapeRegExp(m.t('receiptState_captured'))}`,
        ),
      );
      await axe('popup: cards and receipts', popup);
      await popup.clickButton(new RegExp(escapeRegExp(m.t('receiptXidShort', xid.slice(0, 12)))));
      const detail = await popup.waitForText(m.t('receiptVerifiedHeading'));
      expect(detail).toContain(xid);
      expect(detail).toContain(m.t('receiptVerifiedPRes', MERCHANT_NAME));
      expect(detail).toContain(m.t('receiptVerifiedChainSandbox'));
      const [auth] = await sandbox.authorizations(xid);
      expect(detail).toContain(auth!.authCode!);
      await axe('popup: receipt detail', popup);
      // "Export JSON": the signed PRes, which verifies again outside the wallet.
      const exported = JSON.parse(await user.exportReceipt(popup)) as ReceiptExport;
      const root = parseCertificate(pemToDers(await sandbox.rootPem())[0]!);
      const { content } = await verifyPRes(
        JSON.stringify(exported.message),
        exported.verify.answers,
        fromB64u(exported.verify.merchantThumbprint),
        { trust: new TrustStore([root]), clock: { now: new Date() } },
      );
      expect(content.transIds.xid).toBe(xid);
      expect(content.result).toMatchObject({ status: 'approved', authCode: auth!.authCode });
      await popup.clickButton(m.t('backToWallet'));
      await popup.waitForText(m.t('receiptsHeading'));
      await popup.close();
    });

    const DECLINE = 'a declining test card (4000 0000 0000 0002): declined, nothing authorized';
    step(
      DECLINE,
      [BUY],
      async () => {
        await registerCard(TEST_CARDS.declineDoNotHonour);
        const checkout = await openCheckout();
        const { page, orderUrl } = checkout;
        const confirm = await startPayment(checkout);
        // Two cards: the default (the first one) is preselected; choose the declining one.
        const first = new RegExp(escapeRegExp(cardName('1111')));
        const second = new RegExp(escapeRegExp(cardName('0002')));
        expect(await confirm.isChecked(first)).toBe(true);
        await axe('confirmation window: choosing a card', confirm);
        await confirm.check(second);
        await confirm.clickButton(payButton());
        const result = await confirm.waitForText(m.t('resultDeclined'), 30_000);
        expect(result).toContain(m.t('decline_doNotHonour'));
        const outcome = await waitForOutcome(page, ['approved', 'declined', 'failed', 'rejected']);
        expect(outcome.status).toBe('declined');
        const auths = await sandbox.authorizations(outcome.xid!);
        expect(auths).toHaveLength(1);
        expect(auths[0]).toMatchObject({
          result: 'declined',
          cardLast4: '0002',
          declineReason: 'doNotHonour',
        });
        await expect.poll(() => sandbox.orderState(orderUrl)).toBe('declined');
        await axe('confirmation window: declined', confirm);
        await closeAfterPaying(confirm, page);
        const popup = await browser.openExtensionPage('popup.html');
        const list = await popup.waitForText(m.t('receiptXidShort', outcome.xid!.slice(0, 12)));
        expect(list).toContain(m.t('receiptStatus_declined'));
        await popup.close();
      },
      90_000,
    );

    const CANCEL = 'Cancel in the confirmation window: the page hears user-rejected, nothing is paid';
    step(CANCEL, [REGISTER], async () => {
      const before = (await sandbox.authorizations()).length;
      const checkout = await openCheckout();
      const { page, orderUrl } = checkout;
      const confirm = await startPayment(checkout);
      await confirm.clickButton(m.t('cancelButton'));
      await confirm.waitForClose();
      const outcome = await waitForOutcome(page, ['rejected', 'approved', 'declined', 'failed']);
      expect(outcome.status).toBe('rejected');
      expect(await sandbox.authorizations()).toHaveLength(before);
      expect(await sandbox.orderState(orderUrl)).toBe('awaitingPayment');
      await page.close();
    });

    const CLOSE = 'closing the confirmation window rejects; a second request meanwhile is already-pending';
    step(CLOSE, [REGISTER], async () => {
      const before = (await sandbox.authorizations()).length;
      const checkout = await openCheckout();
      const { page } = checkout;
      const confirm = await startPayment(checkout);
      await requestFromPage(page, 'payment');
      const pending = await waitForOutcome(page, ['alreadyPending', 'rejected', 'failed']);
      expect(pending.status).toBe('alreadyPending');
      const heard = (await outcomesOf(page)).length;
      await confirm.close();
      const outcome = await waitForOutcome(page, ['rejected', 'approved', 'declined', 'failed'], heard);
      expect(outcome.status).toBe('rejected');
      expect(await sandbox.authorizations()).toHaveLength(before);
      expect(await browser.extensionPages('confirm.html')).toHaveLength(0);
      await page.close();
    });

    const ESCAPE = 'keyboard: Escape in the confirmation window cancels, the page hears user-rejected';
    step(ESCAPE, [REGISTER], async () => {
      const checkout = await openCheckout();
      const { page } = checkout;
      const confirm = await startPayment(checkout);
      await confirm.press('Escape');
      await confirm.waitForClose();
      const outcome = await waitForOutcome(page, ['rejected', 'approved', 'declined', 'failed']);
      expect(outcome.status).toBe('rejected');
      await page.close();
    });

    const LOCK = 'lock now, then unlock (a wrong passphrase is refused first)';
    step(LOCK, [FIRST_RUN], async () => {
      const popup = await browser.openExtensionPage('popup.html');
      await popup.waitForText(m.t('statusUnlocked'));
      await popup.clickButton(m.t('lockNow'));
      await popup.waitForText(m.t('unlockHeading'));
      expect(await popup.text()).toMatch(word(m.t('statusLocked')));
      // Locked, the popup is the unlock screen only: nothing about the cards or the payments.
      for (const hidden of [m.t('cardsHeading'), m.t('receiptsHeading'), m.t('popupThisPage')])
        expect(await popup.text()).not.toContain(hidden);
      await axe('popup: locked', popup);
      await popup.fill(m.t('passphraseLabel'), 'not the passphrase');
      await popup.clickButton(m.t('unlockButton'));
      await popup.waitForText(m.t('error_wrongPassphrase'), 30_000);
      await popup.fill(m.t('passphraseLabel'), PASSPHRASE);
      await popup.clickButton(m.t('unlockButton'));
      await popup.waitForText(m.t('statusUnlocked'), 30_000);
      expect(await popup.hasButton(m.t('lockNow'))).toBe(true);
      await popup.waitForText(m.t('cardsHeading'));
      await popup.close();
    });

    const PAY_LOCKED = 'a locked wallet asks for the passphrase in the confirmation window, then pays';
    step(
      PAY_LOCKED,
      [LOCK, BUY],
      async () => {
        const popup = await browser.openExtensionPage('popup.html');
        await popup.clickButton(m.t('lockNow'));
        await popup.waitForText(m.t('unlockHeading'));
        await popup.close();
        const checkout = await openCheckout();
        const { page } = checkout;
        const confirm = await startPayment(checkout);
        await confirm.waitForText(m.t('confirmPassphraseHint'));
        await axe('confirmation window: locked', confirm);
        await confirm.fill(m.t('confirmPassphraseLabel'), PASSPHRASE);
        await confirm.clickButton(payButton());
        await confirm.waitForText(m.t('resultApproved'), 30_000);
        await approvedOnce(page);
        await closeAfterPaying(confirm, page);
      },
      60_000,
    );

    if (options.serviceWorkerStop) {
      const SW_IDLE = 'the service worker stopped while the confirmation window waits: Pay still pays, once';
      step(
        SW_IDLE,
        [BUY],
        async () => {
          const checkout = await openCheckout();
          const { page } = checkout;
          const confirm = await startPayment(checkout);
          await browser.stopServiceWorker();
          await confirm.clickButton(payButton());
          await confirm.waitForText(m.t('resultApproved'), 30_000);
          await approvedOnce(page);
          await closeAfterPaying(confirm, page);
        },
        60_000,
      );

      const SW_PINIT =
        'the service worker stopped while waiting for the PInitRes: the tab can pay again at once (issue 10 case 8)';
      step(
        SW_PINIT,
        [BUY],
        async () => {
          const checkout = await openCheckout();
          const { page } = checkout;
          // The PInitReq leaves and is held; the worker that sent it stops; the answer finds nobody.
          const hold = await browser.holdPosts(page, '/set');
          await page.clickButton(STORE_PAY_BUTTON);
          await hold.held(1);
          await browser.stopServiceWorker();
          await hold.release();
          await hold.dispose();
          // Paying again works now, not 60 s later: after the tab's short cool-down, a new window.
          // (No window had opened: it opens once the merchant's signed answer is in.) Meanwhile the
          // page hears `awaitingShopper` (cool-down) or the orphan's `failed`, never alreadyPending.
          for (let tries = 0; ; tries++) {
            const before = (await outcomesOf(page)).length;
            await page.clickButton(STORE_PAY_BUTTON);
            const answer = await poll('an answer to Pay with SET', async () => {
              if ((await browser.extensionPages('confirm.html')).length > 0) return 'window';
              return (await outcomesOf(page)).slice(before)[0]?.status;
            });
            if (answer === 'window') break;
            expect(['awaitingShopper', 'failed']).toContain(answer);
            expect(tries).toBeLessThan(200);
          }
          const heard = await outcomesOf(page);
          const confirm = await browser.waitForExtensionPage('confirm.html');
          await confirm.waitForText(checkout.orderId);
          const paid = await user.pay(confirm);
          expect(paid.status, paid.text).toBe('approved');
          const outcome = await waitForOutcome(page, ['approved', 'declined', 'rejected'], heard.length);
          expect(await sandbox.authorizations(outcome.xid!)).toHaveLength(1);
          await closeAfterPaying(confirm, page);
        },
        90_000,
      );

      const SW_MID =
        'the service worker stopped while the PReq is on its way: the page gets the result, one authorization';
      step(
        SW_MID,
        [BUY],
        async (ctx) => {
          const before = await sandbox.authorizations();
          const checkout = await openCheckout();
          const { page, orderUrl } = checkout;
          const confirm = await startPayment(checkout);
          // PInitReq is answered (the confirmation shows the signed order): the next POST is the PReq.
          const hold = await browser.holdPosts(page, '/set');
          await confirm.clickButton(payButton());
          await hold.held(1);
          await browser.stopServiceWorker();
          // The merchant gets the PReq and authorizes; its answer finds no service worker to take it.
          await hold.release();
          const outcome = await waitForOutcome(page, ['approved', 'declined', 'failed', 'rejected']);
          await ctx.annotate(
            `the page heard ${JSON.stringify(outcome)}; it POSTed the PReq ${hold.seen()} time(s)`,
          );
          await hold.dispose();
          const added = (await sandbox.authorizations()).filter((a) => !before.some((b) => b.xid === a.xid));
          // Never a second payment: at most one new authorization, exactly one for the XID the page heard.
          expect(added.length).toBeLessThanOrEqual(1);
          if (outcome.xid) expect(await sandbox.authorizations(outcome.xid)).toHaveLength(1);
          if (outcome.status === 'failed') {
            // A clean error: a code the page can act on, and then nothing was authorized twice.
            expect(outcome.code).toBeTruthy();
          } else {
            expect(outcome.status).toBe('approved');
            expect(added).toHaveLength(1);
            expect(added[0]!.xid).toBe(outcome.xid);
            await expect.poll(() => sandbox.orderState(orderUrl)).toBe('authorized');
            await confirm.waitForText(m.t('resultApproved'), 30_000);
          }
          // The window ends up with a result, not a spinner.
          await confirm.waitForText(m.t('resultHeading'), 30_000);
          await closeAfterPaying(confirm, page);
        },
        90_000,
      );
    }

    const OPTIONS_FULL = 'axe: the options page with a card and a root';
    step(OPTIONS_FULL, [REGISTER], async () => {
      await settings.close();
      settings = await browser.openExtensionPage('options.html');
      await settings.waitForText(cardName('1111'));
      await settings.waitForText(m.pattern('rootValidity'));
      await axe('options page: cards, roots, settings', settings);
      await settings.close();
    });

    const axeStep = (title: string, prefix: string, needs: string[]) =>
      step(title, needs, async () => {
        const entries = [...axeResults].filter(([where]) => where.startsWith(prefix));
        expect(entries.length, `axe ran on no ${prefix} state`).toBeGreaterThan(0);
        const report = entries
          .filter(([, v]) => v.length > 0)
          .map(([where, v]) => describeViolations(where, v))
          .join('\n');
        expect(report, `axe-core violations:\n${report}`).toBe('');
      });
    axeStep('axe-core finds no violations on the popup', 'popup', [FIRST_RUN]);
    axeStep('axe-core finds no violations on the confirmation window', 'confirmation window', [BUY]);
    axeStep('axe-core finds no violations on the options page', 'options page', [FIRST_RUN]);
    axeStep('axe-core finds no violations on the registration window', 'registration window', [REGISTER]);
    axeStep(
      'axe-core finds no violations on the store’s checkout and its Pay with SET button',
      'store checkout',
      [NO_WALLET],
    );

    step('no errors in the extension pages', [LOADS], async () => {
      const errors = (await browser.consoleErrors())
        .filter((e) => e.url.startsWith(browser.extensionOrigin))
        .map((e) => `${e.url}: ${e.text}`);
      expect(errors).toEqual([]);
    });
  });
}
