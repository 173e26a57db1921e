/**
 * The wallet steps as a person takes them in a real browser, written once for `setwallet demo`
 * and the browser suites (tests/e2e/wallet-suite.ts): first run, trusting the sandbox root,
 * registering a card on the issuer's page, shopping at the demo store, the confirmation window,
 * the receipt in the popup and its JSON export.
 *
 * The UI is found by role and accessible name, and every name and text comes from the build's
 * _locales/en/messages.json (src/demo/messages.ts). A step checks what a careful user would (the
 * root's fingerprint, the merchant's verified name and origin, the card number never reaching
 * the issuer's page) and throws, saying what it saw, when something is off. `onView` is called at
 * the moments worth a look (the suites run axe-core there, the demo takes its screenshots).
 */
import { createHash } from 'node:crypto';
import { DEFAULT_CARDHOLDER_FORM, regFormIn } from '../ca/reg-forms.ts';
import { fingerprintText } from '../protocol/index.ts';
import { BRAND_ID, DEMO_MERCHANT } from '../sandbox/sandbox.ts';
import { STORE_TEXT } from '../store/text/index.ts';
import type { SiteLocale } from '../web/i18n.ts';
import { poll, type UiPage, type WalletBrowser } from './browsers.ts';
import type { Messages } from './messages.ts';

export const DEMO_PASSPHRASE = 'correct horse battery staple 42';
export const MERCHANT_NAME = DEMO_MERCHANT.name;
export const BRAND = BRAND_ID;
const OUTCOME_TIMEOUT_MS = 30_000;
const RESULT_TIMEOUT_MS = 30_000;
const PAY_BUTTON_TIMEOUT_MS = 90_000;

/** What a page hears from the wallet: a `set-wallet:outcome` event's detail. */
export interface PageOutcome {
  status: string;
  xid?: string;
  code?: string;
}

/** A tab at a demo-store order awaiting payment, recording the wallet's outcome events. */
export interface Checkout {
  page: UiPage;
  orderUrl: string;
  orderId: string;
}

/** How a payment ended in the confirmation window. */
export interface PaymentResult {
  status: 'approved' | 'declined' | 'pending' | 'failed';
  /** What the window shows: the whole result, or the error notice. */
  text: string;
}

/** A moment worth a look: `where` names the page and its state, e.g. "confirmation window: before paying". */
export type ViewHook = (where: string, page: UiPage) => Promise<void>;

/**
 * Runs in every document of a checkout tab (main world, as a merchant's own script): records the
 * wallet's outcome events in sessionStorage, so they survive the demo store reloading its page
 * when the order's state changes.
 */
const RECORD_OUTCOMES = () => {
  window.addEventListener('set-wallet:outcome', (e) => {
    let detail: unknown;
    try {
      detail = JSON.parse(JSON.stringify((e as CustomEvent).detail ?? null));
    } catch (err) {
      // A detail page scripts cannot read (Firefox without cloneInto) says so here.
      detail = { unreadable: String(err) };
    }
    const all = JSON.parse(sessionStorage.getItem('e2e.outcomes') ?? '[]') as unknown[];
    all.push(detail);
    sessionStorage.setItem('e2e.outcomes', JSON.stringify(all));
  });
};

const READ_OUTCOMES = () => JSON.parse(sessionStorage.getItem('e2e.outcomes') ?? '[]') as unknown;

/**
 * Runs in every document of a checkout tab too: records what the page's <pay-with-set> button
 * tells the shop's script (set-progress, set-result, set-no-wallet), as the shop would listen.
 */
const RECORD_BUTTON = () => {
  for (const type of ['set-progress', 'set-result', 'set-no-wallet']) {
    document.addEventListener(type, (e) => {
      const all = JSON.parse(sessionStorage.getItem('e2e.button') ?? '[]') as unknown[];
      all.push({ type, detail: (e as CustomEvent).detail ?? null });
      sessionStorage.setItem('e2e.button', JSON.stringify(all));
    });
  }
};

const READ_BUTTON = () => JSON.parse(sessionStorage.getItem('e2e.button') ?? '[]') as unknown;

/** The <pay-with-set> button as a person reads it: its state, its status line, its install link. */
const BUTTON_NOW = () => {
  const el = document.querySelector('pay-with-set');
  const link = el?.querySelector('[role=status] a');
  return {
    state: el?.getAttribute('state') ?? null,
    status: (el?.querySelector('[role=status]')?.textContent ?? '').replace(/\s+/g, ' ').trim(),
    link: link ? { text: link.textContent ?? '', href: link.getAttribute('href') ?? '' } : null,
    fontPx: el?.querySelector('button')
      ? Number.parseFloat(getComputedStyle(el.querySelector('button') as Element).fontSize)
      : 0,
  };
};

/** What a checkout tab's <pay-with-set> button dispatched so far, oldest first. */
export interface ButtonEvent {
  type: 'set-progress' | 'set-result' | 'set-no-wallet';
  detail: { state?: string; status?: string; xid?: string; code?: string; order?: string; message?: string };
}

export async function buttonEventsOf(page: UiPage): Promise<ButtonEvent[]> {
  return (await page.evaluate(READ_BUTTON, null)) as ButtonEvent[];
}

/** The checkout button now: state attribute, the live region's text, the install link if shown. */
export async function buttonNow(page: UiPage): Promise<{
  state: string | null;
  status: string;
  link: { text: string; href: string } | null;
  fontPx: number;
}> {
  return page.evaluate(BUTTON_NOW, null);
}

/** From `page`'s next document on, records the wallet's outcomes and the button's events (sessionStorage). */
export async function recordOn(page: UiPage): Promise<void> {
  await page.addInitScript(RECORD_OUTCOMES);
  await page.addInitScript(RECORD_BUTTON);
}

/**
 * Shops at the demo store in `page` (which records the wallet's outcomes and the button's events
 * from its next document on): adds `product` (or each of several, from the catalogue each time)
 * to the cart and checks out; the order's page.
 */
export async function shopIn(
  page: UiPage,
  storeUrl: string,
  product: string | readonly string[],
  locale: SiteLocale = 'en',
): Promise<Checkout> {
  // The store's words in the language the browser asks for (src/store/text).
  const words = STORE_TEXT[locale];
  await recordOn(page);
  for (const one of typeof product === 'string' ? [product] : product) {
    await page.goto(storeUrl);
    await page.waitForText(one);
    await page.clickButton(`${words.addToCart} ${one}`);
    await page.waitForText(words.cartTitle);
  }
  await page.clickButton(words.checkout);
  const orderUrl = await poll('the checkout page', async () => {
    const url = await page.url();
    return /\/orders\/[^/?#]+$/.test(new URL(url).pathname) ? url.split(/[?#]/)[0] : undefined;
  });
  return { page, orderUrl: orderUrl!, orderId: orderUrl!.slice(orderUrl!.lastIndexOf('/') + 1) };
}

/**
 * Runs in the popup: keeps what the page hands to URL.createObjectURL (the receipt export is a
 * Blob saved through an <a download> click), and keeps that click from saving a file anywhere.
 */
const CAPTURE_DOWNLOADS = () => {
  const w = window as unknown as { __demoDownloads?: string[] };
  if (w.__demoDownloads) return;
  const got: string[] = [];
  w.__demoDownloads = got;
  const create = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (obj: Blob | MediaSource) => {
    if (obj instanceof Blob) void obj.text().then((t) => got.push(t));
    return create(obj);
  };
  const click = HTMLAnchorElement.prototype.click;
  HTMLAnchorElement.prototype.click = function (this: HTMLAnchorElement) {
    if (this.hasAttribute('download') && this.href.startsWith('blob:')) return;
    click.call(this);
  };
};

const READ_DOWNLOADS = () => (window as unknown as { __demoDownloads?: string[] }).__demoDownloads ?? [];

/** The texts of the error notices (role=alert) a page shows now. */
const ALERTS = () =>
  [...document.querySelectorAll('[role=alert]')]
    .map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim())
    .filter((t) => t !== '')
    .join('\n');

/**
 * The visible text and the alerts of a window read in one go: read separately, a notice that
 * renders between the two reads (a decline is role=alert) would be taken for an error.
 */
const SNAPSHOT = () => ({
  // biome-ignore lint/performance/useDomNodeTextContent: the visible text is what a person reads
  text: document.body?.innerText ?? '',
  alerts: [...document.querySelectorAll('[role=alert]')]
    .map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim())
    .filter((t) => t !== '')
    .join('\n'),
});

/** The confirmation window's Pay button is there and no longer waiting out its input delay. */
const PAY_READY = () => {
  const pay = document.querySelector('button[type=submit]');
  return pay !== null && pay.getAttribute('aria-disabled') !== 'true';
};

/**
 * In the page: 'ready' as soon as the wallet's content script has announced itself
 * (src/content/page-bridge.ts: the attribute data-set-wallet="ready" on <html>, then the window
 * event `set-wallet:ready`), else what the attribute says after `ms`. Waits on the event, not a timer.
 */
const WALLET_READY_WITHIN = (ms: number) =>
  new Promise<string | null>((resolve) => {
    const root = document.documentElement;
    if (root.getAttribute('data-set-wallet') === 'ready') return resolve('ready');
    const settle = (value: string | null) => {
      clearTimeout(timer);
      window.removeEventListener('set-wallet:ready', onReady);
      resolve(value);
    };
    const onReady = () => settle('ready');
    const timer = setTimeout(() => settle(root.getAttribute('data-set-wallet')), ms);
    window.addEventListener('set-wallet:ready', onReady);
  });

/**
 * How long a page may take for the content script to read its initiation and announce the wallet:
 * generous, since a busy machine (a CI runner, twenty tabs loading) delays the content script far
 * beyond its usual few hundred milliseconds; the wait ends at the event, not at the deadline.
 */
export const WALLET_READY_DEADLINE_MS = 90_000;
/** One in-page wait; a navigation or a reloaded page ends it early and the next one starts. */
const WALLET_READY_SLICE_MS = 10_000;

/**
 * Dispatches the DOM event API's request from a page script with no user gesture (a page asking by
 * itself): the wallet opens no window for it, only marks its toolbar button.
 */
export async function requestFromPage(page: UiPage, kind: 'payment' | 'registration'): Promise<void> {
  await page.evaluate(
    (name) => {
      document.dispatchEvent(new CustomEvent(name));
    },
    kind === 'payment' ? 'set-wallet:request-payment' : 'set-wallet:request-registration',
  );
}

/** The name of the button askWithClick puts on a page that has none of its own. */
export const ASK_BUTTON = 'Ask SET Wallet';

/**
 * Asks for the wallet as a page's own button does: with a real click (a trusted input event, so
 * the page has transient user activation) on a button whose handler dispatches the request. Pages
 * without such a button (the sandbox issuer's /register) get one, as their own script would add.
 */
export async function askWithClick(page: UiPage, kind: 'payment' | 'registration'): Promise<void> {
  await page.evaluate(
    ({ name, event }) => {
      if (document.getElementById('e2e-ask-wallet')) return;
      const button = document.createElement('button');
      button.type = 'button';
      button.id = 'e2e-ask-wallet';
      button.textContent = name;
      button.addEventListener('click', () => document.dispatchEvent(new CustomEvent(event)));
      document.body.prepend(button);
    },
    {
      name: ASK_BUTTON,
      event: kind === 'payment' ? 'set-wallet:request-payment' : 'set-wallet:request-registration',
    },
  );
  await page.clickButton(ASK_BUTTON);
}

/** The demo store's own checkout button: its click asks the wallet. */
export const STORE_PAY_BUTTON = 'Pay with SET';

/** The outcomes a checkout tab heard so far, oldest first. */
export async function outcomesOf(page: UiPage): Promise<PageOutcome[]> {
  return (await page.evaluate(READ_OUTCOMES, null)) as PageOutcome[];
}

/** Waits for the page to hear an outcome whose status is one of `statuses` (after `after` earlier ones). */
export async function waitForOutcome(page: UiPage, statuses: string[], after = 0): Promise<PageOutcome> {
  let seen: PageOutcome[] = [];
  try {
    return await poll(
      `an outcome ${statuses.join(' or ')} on the page`,
      async () => {
        seen = await outcomesOf(page);
        return seen.slice(after).find((o) => statuses.includes(o.status));
      },
      OUTCOME_TIMEOUT_MS,
    );
  } catch (e) {
    throw new Error(`${(e as Error).message}; the page heard ${JSON.stringify(seen)}`);
  }
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** SHA-256 of the first certificate in a PEM text, as colon-separated upper-case hex. */
export function pemFingerprint(pem: string): string {
  const b64 = pem.match(/-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/)?.[1];
  if (!b64) throw new Error('no certificate in the PEM text');
  return fingerprintText(
    createHash('sha256')
      .update(Buffer.from(b64.replace(/\s+/g, ''), 'base64'))
      .digest(),
  );
}

export const normaliseFingerprint = (f: string) => f.replace(/[^0-9a-f]/gi, '').toUpperCase();

/** Waits until the wallet announced itself on `page` (its `set-wallet:ready` event or attribute). */
export async function waitForWallet(page: UiPage, what: string): Promise<void> {
  await poll(
    `the wallet's content script to notice the ${what} initiation`,
    async () => (await page.evaluate(WALLET_READY_WITHIN, WALLET_READY_SLICE_MS)) === 'ready',
    WALLET_READY_DEADLINE_MS,
  );
}

/** A person at the wallet, in one browser. */
export class WalletUser {
  onView: ViewHook | undefined;

  constructor(
    readonly browser: WalletBrowser,
    readonly m: Messages,
  ) {}

  private async view(where: string, page: UiPage): Promise<void> {
    if (this.onView) await this.onView(where, page);
  }

  /** A card as the wallet names it, e.g. "SETPay •••• 1111". */
  cardName(last4: string): string {
    return this.m.t('cardLabel', BRAND, last4);
  }

  /** The Pay button's accessible name, whatever the amount. */
  payButton(): RegExp {
    return this.m.pattern('confirmPayButton', true);
  }

  /**
   * First run: the popup welcomes and offers to set up; the options page (where Set up leads)
   * creates the wallet with `passphrase`. Returns the options page, unlocked and still open.
   */
  async firstRun(passphrase = DEMO_PASSPHRASE): Promise<UiPage> {
    const { m, browser } = this;
    const popup = await browser.openExtensionPage('popup.html');
    await popup.waitForText(m.t('welcomeHeading'));
    if (!(await popup.hasButton(m.t('welcomeSetUp')))) {
      throw new Error(`the popup has no "${m.t('welcomeSetUp')}" button:\n${await popup.text()}`);
    }
    await this.view('popup: first run', popup);
    await popup.close();

    const settings = await browser.openExtensionPage('options.html');
    await settings.waitForText(m.t('firstRunHeading'));
    await this.view('options page: first run', settings);
    await settings.fill(m.t('firstRunPassphrase'), passphrase);
    // The strength hint.
    await settings.waitForText(
      new RegExp([0, 1, 2, 3, 4].map((i) => escapeRegExp(m.t(`strengthScore_${i}`))).join('|')),
    );
    await settings.fill(m.t('firstRunPassphraseAgain'), passphrase);
    await settings.clickButton(m.t('firstRunCreate'));
    const text = await settings.waitForText(m.t('vaultUnlockedText'), 30_000);
    if (!text.includes(m.t('statusUnlocked'))) throw new Error(`the new wallet is not unlocked:\n${text}`);
    return settings;
  }

  /**
   * Trusts the root certificate `pem` on the options page: the wallet shows its SHA-256
   * fingerprint and a warning first, and the fingerprint must be the root's. Returns what the
   * wallet showed.
   */
  async trustRoot(settings: UiPage, pem: string): Promise<{ fingerprint: string; shown: string }> {
    const { m } = this;
    const fingerprint = pemFingerprint(pem);
    await settings.waitForText(m.t('rootsEmpty'));
    await settings.fill(m.t('rootPemLabel'), pem);
    await settings.clickButton(m.t('rootCheck'));
    const shown = await settings.waitForText(m.t('rootProposalHeading'));
    if (!normaliseFingerprint(shown).includes(normaliseFingerprint(fingerprint))) {
      throw new Error(`the wallet does not show the root's SHA-256 fingerprint ${fingerprint}:\n${shown}`);
    }
    if (!shown.includes(m.t('rootProposalWarning'))) {
      throw new Error(`the wallet proposes the root without its warning:\n${shown}`);
    }
    await this.view('options page: root confirmation', settings);
    await settings.clickButton(m.t('rootConfirm'));
    await settings.waitForText(m.pattern('rootAdded'));
    // The list shows the root, marked Sandbox.
    const listed = await poll('the root in the list of trusted roots', async () => {
      const text = await settings.text();
      return text.includes(m.t('rootsEmpty')) ? undefined : text;
    });
    if (!listed.includes(m.t('sandboxBadge'))) {
      throw new Error(`the trusted root is not marked ${m.t('sandboxBadge')}:\n${listed}`);
    }
    return { fingerprint, shown };
  }

  /**
   * Registers `pan` from the issuer's /register page: the page asks the wallet (as its button
   * would), the card is typed in the wallet's own window, then the issuer's form is filled in.
   * The window is closed at the end. `views` = false skips the onView calls (a second card).
   * Returns what the window showed when done.
   */
  async registerCard(
    issuerUrl: string,
    pan: string,
    { views = true, language = 'en' }: { views?: boolean; language?: string } = {},
  ): Promise<string> {
    const { m, browser } = this;
    const issuerPage = await browser.openPage(`${issuerUrl}/register`);
    await waitForWallet(issuerPage, 'registration');
    await askWithClick(issuerPage, 'registration');
    const reg = await browser.waitForExtensionPage('register.html');
    await reg.waitForText(m.t('registerCardIntro'));
    await reg.fill(m.t('registerPanLabel'), pan.replace(/(\d{4})(?=\d)/g, '$1 '));
    const year = String(new Date().getFullYear() + 3);
    await reg.select(m.t('registerExpiryMonth'), '12');
    await reg.select(m.t('registerExpiryYear'), year);
    if (views) await this.view('registration window: card step', reg);
    await reg.clickButton(m.t('continueButton'));
    await this.waitFor(reg, m.t('registerFormHeading'), 'the issuer’s form (RegFormRes)');
    // The sandbox issuer's form (RegFormRes): its labels and policy are the issuer's, not the
    // wallet's, in the language the wallet sent in RegFormReq.
    const form = regFormIn(DEFAULT_CARDHOLDER_FORM, language);
    const label = (name: string) => form.fields.find((f) => f.name === name)!.label;
    if (!(await reg.text()).includes(form.policy)) {
      throw new Error(`the issuer's form is not in "${language}":\n${await reg.text()}`);
    }
    await reg.fill(label('fullName'), 'Ada Lovelace');
    await reg.fill(label('postcode'), '90210');
    if (m.has('registerAcceptPolicy') && (await reg.text()).includes(m.t('registerPolicyHeading'))) {
      await reg.check(m.t('registerAcceptPolicy'));
    }
    if (views) await this.view("registration window: issuer's form", reg);
    await reg.clickButton(m.t('registerSubmit'));
    const done = await this.waitFor(reg, m.t('registerDoneHeading'), 'the certificate (CertRes)', 30_000);
    for (const want of [this.cardName(pan.slice(-4)), m.t('sandboxBadge')]) {
      if (!done.includes(want)) throw new Error(`the registered card is not shown as "${want}":\n${done}`);
    }
    // The card number never reaches the issuer's page.
    const issuerHtml = await issuerPage.evaluate(() => document.documentElement.outerHTML, null);
    if (issuerHtml.includes(pan)) throw new Error("the card number reached the issuer's page");
    await reg.clickButton(m.t('closeButton'));
    await reg.waitForClose();
    await issuerPage.close();
    return done;
  }

  /**
   * Waits for `text` in a wallet window; an error notice there meanwhile fails at once, with its
   * words (a registration refused, a certificate that does not verify).
   */
  private async waitFor(page: UiPage, text: string, what: string, timeoutMs = 15_000): Promise<string> {
    let alerts = '';
    const found = await poll(
      what,
      async () => {
        const snap = await page.evaluate(SNAPSHOT, null);
        if (snap.text.includes(text)) return snap.text;
        alerts = snap.alerts;
        return alerts ? snap.text : undefined;
      },
      timeoutMs,
    );
    if (!found.includes(text)) throw new Error(`the wallet's window says: ${alerts}`);
    return found;
  }

  /**
   * Shops at the demo store as a customer: the catalogue, "Add to cart" on `product` (its name as
   * the catalogue shows it; several, one after the other), the cart, "Check out and pay with SET".
   * Returns the checkout.
   */
  async shop(
    storeUrl: string,
    product: string | readonly string[],
    locale: SiteLocale = 'en',
  ): Promise<Checkout> {
    const page = await this.browser.openPage('about:blank');
    const checkout = await shopIn(page, storeUrl, product, locale);
    await waitForWallet(page, 'payment');
    return checkout;
  }

  /**
   * Clicks the store's "Pay with SET" on the checkout page and returns the confirmation window once
   * it shows the merchant's signed order: the merchant as its verified certificate names it (`merchantName`, default the demo store's), the
   * origin binding to `storeOrigin`, the order number. At a shop the wallet has not verified yet in
   * this session, the window first asks whether to go on: Continue, once its input delay is over.
   */
  async startPayment(checkout: Checkout, storeOrigin: string, merchantName = MERCHANT_NAME): Promise<UiPage> {
    const { m } = this;
    // The store draws its button with its own script, compiled on the store's first checkout: on
    // a busy machine that outlasts a click's usual wait, so wait for the button as a person would.
    await poll(
      `the store's "${STORE_PAY_BUTTON}" button`,
      () => checkout.page.hasButton(STORE_PAY_BUTTON),
      PAY_BUTTON_TIMEOUT_MS,
    );
    await checkout.page.clickButton(STORE_PAY_BUTTON);
    const confirm = await this.browser.waitForExtensionPage('confirm.html');
    if ((await confirm.url()).includes('?tab=')) {
      await this.waitFor(
        confirm,
        m.t('confirmAskText', storeOrigin),
        'the question before paying a new shop',
      );
      await this.view('confirmation window: a shop not verified yet', confirm);
      await confirm.clickButton(m.t('continueButton'));
      await poll('the confirmation of the request', async () => (await confirm.url()).includes('?request='));
    }
    if (!(await confirm.url()).includes('?request=')) {
      throw new Error(`the wallet could not start the payment; its window says:\n${await confirm.text()}`);
    }
    await this.waitFor(confirm, m.t('confirmTitle'), 'the confirmation window');
    await this.waitFor(confirm, merchantName, 'the merchant’s name (PInitRes)');
    await confirm.waitForText(m.t('originBindingOk', storeOrigin));
    await confirm.waitForText(checkout.orderId);
    return confirm;
  }

  /** Waits until Pay answers: the confirmation window's input delay is over. */
  async payReady(confirm: UiPage): Promise<void> {
    await poll('Pay to answer (its input delay)', () => confirm.evaluate(PAY_READY, null));
  }

  /**
   * One click on Pay, once it answers (its input delay over: clickButton waits for an enabled
   * button); waits for the result (or an error notice) in the confirmation window.
   */
  async pay(confirm: UiPage): Promise<PaymentResult> {
    const { m } = this;
    await confirm.clickButton(this.payButton());
    return poll(
      'a result in the confirmation window',
      async (): Promise<PaymentResult | undefined> => {
        const { text, alerts } = await confirm.evaluate(SNAPSHOT, null);
        if (text.includes(m.t('resultApproved'))) return { status: 'approved', text };
        if (text.includes(m.t('resultDeclined'))) return { status: 'declined', text };
        if (text.includes(m.t('resultPending'))) return { status: 'pending', text };
        return alerts ? { status: 'failed', text: alerts } : undefined;
      },
      RESULT_TIMEOUT_MS,
    );
  }

  /** The popup, on the detail of the receipt for `xid` (what the wallet verified about it). */
  async openReceipt(xid: string): Promise<UiPage> {
    const { m } = this;
    const popup = await this.browser.openExtensionPage('popup.html');
    const short = m.t('receiptXidShort', xid.slice(0, 12));
    await popup.waitForText(short);
    await popup.clickButton(new RegExp(escapeRegExp(short)));
    const detail = await popup.waitForText(m.t('receiptVerifiedHeading'));
    if (!detail.includes(xid)) throw new Error(`the receipt shown is not the one for ${xid}:\n${detail}`);
    return popup;
  }

  /** Clicks "Export JSON" on a receipt's detail in the popup and returns the document it saves. */
  async exportReceipt(popup: UiPage): Promise<string> {
    await popup.evaluate(CAPTURE_DOWNLOADS, null);
    await popup.clickButton(this.m.t('receiptExport'));
    const [json] = await poll('the receipt export', async () => {
      const got = (await popup.evaluate(READ_DOWNLOADS, null)) as string[];
      if (got.length > 0) return got;
      const alerts = await popup.evaluate(ALERTS, null);
      if (alerts) throw new Error(`the popup says: ${alerts}`);
      return undefined;
    });
    return json!;
  }
}
