/**
 * <pay-with-set>: the "Pay with SET" button a checkout page shows (docs/merchant-guide.md, "The
 * button"). Browser only and self-contained: no imports, no framework, no Node API, so the file
 * compiled to JavaScript is one ES module a page loads as it is (the SDK ships it as
 * `@setwallet/merchant/pay-with-set`; the demo store serves it as /assets/pay-with-set.js).
 *
 * What it does, over the wallet's DOM event API (src/content/page-bridge.ts):
 *   - renders a real <button> (its text: the `label` attribute, default "Pay with SET") and one
 *     polite live region saying what is happening; it uses the page's fonts and colours, never
 *     below 14 px;
 *   - with `initiation-url`, fetches the page's payment initiation (same origin, JSON, at most
 *     4 KiB) and declares it as the `<script type="application/set-payment-initiation+json">` the
 *     wallet reads; without it, the page declares that element itself (the SDK's
 *     paymentInitiationHtml, server side);
 *   - on the shopper's click (or Enter / Space: a real button) dispatches
 *     `set-wallet:request-payment` synchronously in the click handler, so the wallet sees the user
 *     gesture it requires before it opens its window;
 *   - follows the wallet's `set-wallet:outcome` events: waiting for the shopper in the wallet,
 *     paying, then approved / declined / pending / cancelled / failed in words;
 *   - when no wallet announces itself (`set-wallet:ready`) within `wallet-timeout` ms (default
 *     3000) of the click, says so and links to `install-url`.
 *
 * Events for the shop's own script (they bubble, and are composed):
 *   set-progress  detail {state, order?}  every change of state (see PayWithSetState)
 *   set-result    detail {status, xid?, code?, order?, message}  how the payment ended
 *   set-no-wallet detail {order?}  no wallet answered
 * The page learns only what the wallet tells every page: never anything about the shopper's cards.
 * The shop's server, not this event, decides that an order is paid (its OrderStore).
 */

/** The wallet's DOM event API (kept equal to src/wallet/messages.ts by tests/unit/pay-with-set.test.ts). */
export const WALLET_EVENTS = {
  requestPayment: 'set-wallet:request-payment',
  outcome: 'set-wallet:outcome',
  ready: 'set-wallet:ready',
} as const;
export const WALLET_READY_ATTRIBUTE = 'data-set-wallet';
export const PAYMENT_INITIATION_TYPE = 'application/set-payment-initiation+json';
export const MAX_INITIATION_BYTES = 4096;
export const DEFAULT_WALLET_TIMEOUT_MS = 3000;
export const MIN_TEXT_PX = 14;

export type PayWithSetState =
  /** Nothing asked yet. */
  | 'idle'
  /** Fetching the initiation from `initiation-url`. */
  | 'loading'
  /** The initiation could not be loaded: the shop's problem, said in words. */
  | 'unavailable'
  /** Clicked before the wallet announced itself: waiting up to `wallet-timeout` for it. */
  | 'looking'
  /** The wallet has the request: the shopper checks the shop and the amount in its window. */
  | 'waiting'
  /** The wallet opened no window (no fresh gesture): its toolbar button is marked. */
  | 'awaitingShopper'
  /** The shopper chose Pay: the wallet is paying through this page. */
  | 'paying'
  | 'approved'
  | 'declined'
  | 'pending'
  | 'rejected'
  | 'failed'
  /** No wallet answered. */
  | 'noWallet';

export type PayWithSetResultStatus = 'approved' | 'declined' | 'pending' | 'rejected' | 'failed';

export interface PayWithSetResult {
  status: PayWithSetResultStatus;
  xid?: string;
  code?: string;
  order?: string;
  /** The sentence the button showed. */
  message: string;
}

const FINAL: readonly string[] = ['approved', 'declined', 'pending', 'rejected', 'failed'];

/** What the wallet's failure codes mean to a shopper (its WalletError codes and SET ErrorCodes). */
export const FAILURE_WORDS: Readonly<Record<string, string>> = {
  walletUnavailable:
    'SET Wallet stopped answering (it may have been updated or turned off). Reload this page and try again.',
  noInitiation: 'This page does not offer a SET payment the wallet can read. Please tell the shop.',
  badMessage: 'SET Wallet refused how this page asked. Please tell the shop.',
  noCards: 'SET Wallet has no card for this shop yet: register one with your bank, then try again.',
  transport: 'SET Wallet could not reach the shop. Check your connection, then try again.',
  protocol: 'The shop’s answer did not check out, so SET Wallet paid nothing. Please tell the shop.',
  requestClosed: 'The payment window was closed before the payment was made. Nothing was charged.',
  certificateRevoked:
    'This shop’s SET certificate has been revoked, so SET Wallet will not pay it. Nothing was charged.',
  revokedCertificate:
    'This shop’s SET certificate has been revoked, so SET Wallet will not pay it. Nothing was charged.',
  invalidCertificate: 'The shop’s SET certificate did not check out, so SET Wallet paid nothing.',
  expiredCertificate: 'The shop’s SET certificate has expired, so SET Wallet paid nothing.',
  signatureFailure: 'A signature did not check out, so SET Wallet paid nothing. Please tell the shop.',
  unknownXID: 'The shop no longer knows this payment. Reload the page and try again.',
};

/** The sentence for a state (and, for `failed`, the wallet's code). */
export function describeState(state: PayWithSetState, code?: string): string {
  switch (state) {
    case 'idle':
      return '';
    case 'loading':
      return 'Preparing the payment…';
    case 'unavailable':
      return 'This payment cannot be prepared just now. Reload the page and try again.';
    case 'looking':
      return 'Looking for SET Wallet…';
    case 'waiting':
      return 'Waiting for you in SET Wallet: check the shop and the amount in its window, then choose Pay.';
    case 'awaitingShopper':
      return 'SET Wallet did not open its window. Press Pay with SET again, or click SET Wallet’s toolbar button.';
    case 'paying':
      return 'Paying: SET Wallet is sending your payment…';
    case 'approved':
      return 'Payment approved. Thank you!';
    case 'declined':
      return 'Your card was declined. Nothing was charged; you can pay with another card.';
    case 'pending':
      return 'Your payment is waiting for the bank’s answer. The shop will confirm your order.';
    case 'rejected':
      return 'You cancelled the payment in SET Wallet. Nothing was charged.';
    case 'failed': {
      const words = code ? FAILURE_WORDS[code] : undefined;
      return `The payment did not go through. ${words ?? 'SET Wallet could not complete it; nothing was charged. Try again.'}${code ? ` (${code})` : ''}`;
    }
    case 'noWallet':
      return 'SET Wallet is not installed in this browser (or not allowed on this site). Install SET Wallet, then reload this page.';
  }
}

/** A wallet outcome as this element reads it, or undefined when it is not one. */
export function readOutcome(detail: unknown): { status: string; xid?: string; code?: string } | undefined {
  if (typeof detail !== 'object' || detail === null) return undefined;
  const d = detail as Record<string, unknown>;
  if (typeof d.status !== 'string' || d.status.length > 32) return undefined;
  const text = (x: unknown) => (typeof x === 'string' && x.length <= 64 ? x : undefined);
  const xid = text(d.xid);
  const code = text(d.code);
  return { status: d.status, ...(xid ? { xid } : {}), ...(code ? { code } : {}) };
}

/** The state an outcome moves the button to; undefined when it changes nothing. */
export function stateAfter(status: string, current: PayWithSetState): PayWithSetState | undefined {
  if (FINAL.includes(status)) return status as PayWithSetState;
  if (status === 'paying') return 'paying';
  if (status === 'awaitingShopper') return 'awaitingShopper';
  // Another request is open in the wallet: the shopper finishes there.
  if (status === 'alreadyPending') return current === 'paying' ? undefined : 'waiting';
  return undefined;
}

/** Whether a URL may be fetched for the initiation: http(s) on the page's own origin. */
export function sameOriginUrl(raw: string, base: string): URL | undefined {
  try {
    const url = new URL(raw, base);
    const page = new URL(base);
    return url.origin === page.origin && (url.protocol === 'https:' || url.protocol === 'http:')
      ? url
      : undefined;
  } catch {
    return undefined;
  }
}

const BUSY: readonly PayWithSetState[] = ['loading', 'looking', 'paying'];

// Defined only where there is a DOM: importing this module elsewhere (tests, the SDK's Node side)
// gives the pure helpers above and no element.
const HTMLElementBase: typeof HTMLElement =
  typeof HTMLElement === 'undefined' ? (class {} as unknown as typeof HTMLElement) : HTMLElement;

export class PayWithSetElement extends HTMLElementBase {
  static readonly observedAttributes = ['label', 'install-url', 'initiation-url'];

  #button: HTMLButtonElement | undefined;
  #status: HTMLElement | undefined;
  #state: PayWithSetState = 'idle';
  #code: string | undefined;
  #lookTimer: ReturnType<typeof setTimeout> | undefined;
  #initiation: HTMLScriptElement | undefined;
  #loadToken = 0;

  /** Where the button is now. */
  get state(): PayWithSetState {
    return this.#state;
  }

  /** Whether SET Wallet has announced itself on this page. */
  get walletReady(): boolean {
    return document.documentElement.getAttribute(WALLET_READY_ATTRIBUTE) === 'ready';
  }

  connectedCallback(): void {
    if (!this.#button) {
      this.#render();
      this.#show();
    }
    window.addEventListener(WALLET_EVENTS.outcome, this.#onOutcome);
    window.addEventListener(WALLET_EVENTS.ready, this.#onReady);
    this.#ensureReadableText();
    void this.#loadInitiation();
  }

  disconnectedCallback(): void {
    window.removeEventListener(WALLET_EVENTS.outcome, this.#onOutcome);
    window.removeEventListener(WALLET_EVENTS.ready, this.#onReady);
    this.#stopLooking();
  }

  attributeChangedCallback(name: string, before: string | null, after: string | null): void {
    if (!this.#button || before === after) return;
    if (name === 'label') this.#button.textContent = this.#label();
    if (name === 'install-url') this.#show();
    if (name === 'initiation-url') void this.#loadInitiation();
  }

  #label(): string {
    return (this.getAttribute('label') ?? '').trim() || 'Pay with SET';
  }

  #render(): void {
    const button = document.createElement('button');
    button.type = 'button';
    button.textContent = this.#label();
    button.addEventListener('click', this.#onClick);
    const status = document.createElement('p');
    status.setAttribute('role', 'status');
    status.setAttribute('aria-live', 'polite');
    status.setAttribute('aria-atomic', 'true');
    status.className = 'pay-with-set-status';
    // What the shop wrote inside the element is its fallback before this script runs: replaced.
    this.replaceChildren(button, status);
    this.#button = button;
    this.#status = status;
  }

  /** Text below 14 px is raised to 14 px (the page's own size otherwise). */
  #ensureReadableText(): void {
    for (const el of [this.#button, this.#status]) {
      if (!el) continue;
      const px = Number.parseFloat(getComputedStyle(el).fontSize);
      if (Number.isFinite(px) && px < MIN_TEXT_PX) el.style.fontSize = `${MIN_TEXT_PX}px`;
    }
  }

  #set(state: PayWithSetState, code?: string): void {
    this.#state = state;
    this.#code = code;
    this.#show();
    const order = this.getAttribute('order') ?? undefined;
    this.dispatchEvent(
      new CustomEvent('set-progress', {
        bubbles: true,
        composed: true,
        detail: { state, ...(order ? { order } : {}) },
      }),
    );
  }

  #show(): void {
    const status = this.#status;
    const button = this.#button;
    if (!status || !button) return;
    this.setAttribute('state', this.#state);
    const busy = BUSY.includes(this.#state) || this.#state === 'approved';
    // aria-disabled, not disabled: the button keeps its focus and stays readable.
    if (busy) button.setAttribute('aria-disabled', 'true');
    else button.removeAttribute('aria-disabled');
    button.setAttribute('aria-busy', String(BUSY.includes(this.#state)));
    status.replaceChildren(describeState(this.#state, this.#code));
    const install = this.getAttribute('install-url');
    const url = install ? sameOriginOrHttps(install) : undefined;
    if (this.#state === 'noWallet' && url) {
      const link = document.createElement('a');
      link.href = url;
      link.textContent = 'Install SET Wallet';
      status.append(' ', link);
    }
  }

  readonly #onClick = (): void => {
    if (BUSY.includes(this.#state) || this.#state === 'approved') return;
    if (this.#state === 'unavailable') {
      void this.#loadInitiation();
      return;
    }
    if (this.walletReady) {
      this.#ask();
      return;
    }
    // The wallet's content script may not have run yet (it starts once the page is idle), or the
    // initiation was inserted a moment ago: give it a little time to announce itself.
    this.#set('looking');
    this.#stopLooking();
    const ms = Number(this.getAttribute('wallet-timeout') ?? DEFAULT_WALLET_TIMEOUT_MS);
    this.#lookTimer = setTimeout(
      () => {
        this.#lookTimer = undefined;
        if (this.#state !== 'looking') return;
        this.#set('noWallet');
        const order = this.getAttribute('order') ?? undefined;
        this.dispatchEvent(
          new CustomEvent('set-no-wallet', { bubbles: true, composed: true, detail: order ? { order } : {} }),
        );
      },
      Number.isFinite(ms) && ms >= 0 ? Math.min(ms, 60_000) : DEFAULT_WALLET_TIMEOUT_MS,
    );
  };

  readonly #onReady = (): void => {
    if (this.#state === 'noWallet') this.#set('idle');
    if (this.#state !== 'looking') return;
    this.#stopLooking();
    // Still within the click's user activation (seconds): the wallet decides whether it counts.
    this.#ask();
  };

  #ask(): void {
    this.#set('waiting');
    // Dispatched now, in the click's own task: the wallet reads the gesture synchronously.
    document.dispatchEvent(new CustomEvent(WALLET_EVENTS.requestPayment));
  }

  #stopLooking(): void {
    if (this.#lookTimer !== undefined) clearTimeout(this.#lookTimer);
    this.#lookTimer = undefined;
  }

  readonly #onOutcome = (event: Event): void => {
    const outcome = readOutcome((event as CustomEvent).detail);
    if (!outcome) return;
    // Outcomes belong to the page's request: one that arrives before any click (the wallet resumed a
    // payment after a reload) still says how it ended.
    const next = stateAfter(outcome.status, this.#state);
    if (!next) return;
    this.#stopLooking();
    this.#set(next, outcome.code);
    if (!FINAL.includes(next)) return;
    const order = this.getAttribute('order') ?? undefined;
    const result: PayWithSetResult = {
      status: next as PayWithSetResultStatus,
      ...(outcome.xid ? { xid: outcome.xid } : {}),
      ...(outcome.code ? { code: outcome.code } : {}),
      ...(order ? { order } : {}),
      message: describeState(next, outcome.code),
    };
    this.dispatchEvent(new CustomEvent('set-result', { bubbles: true, composed: true, detail: result }));
  };

  /** Fetches `initiation-url` and declares it for the wallet (replacing what this element declared before). */
  async #loadInitiation(): Promise<void> {
    const raw = this.getAttribute('initiation-url');
    if (!raw) return;
    const token = ++this.#loadToken;
    const url = sameOriginUrl(raw, location.href);
    if (!url) {
      this.#set('unavailable');
      console.error(`<pay-with-set>: initiation-url ${raw} is not on this page's origin`);
      return;
    }
    this.#set('loading');
    try {
      const response = await fetch(url, {
        credentials: 'same-origin',
        headers: { accept: 'application/json' },
        cache: 'no-store',
        redirect: 'error',
      });
      const text = await response.text();
      if (token !== this.#loadToken) return;
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      if (text.length > MAX_INITIATION_BYTES) throw new Error(`over ${MAX_INITIATION_BYTES} bytes`);
      const json = JSON.parse(text) as { kind?: unknown };
      if (json === null || typeof json !== 'object' || json.kind !== 'payment') {
        throw new Error('not a payment initiation');
      }
      const script = document.createElement('script');
      script.type = PAYMENT_INITIATION_TYPE;
      // Not executable (its type is data): the wallet reads its text, escaped as the SDK does.
      script.textContent = JSON.stringify(json)
        .replace(/</g, '\\u003c')
        .replace(/>/g, '\\u003e')
        .replace(/&/g, '\\u0026');
      this.#initiation?.remove();
      document.head.append(script);
      this.#initiation = script;
      this.#set('idle');
    } catch (e) {
      if (token !== this.#loadToken) return;
      console.error(`<pay-with-set>: could not load the initiation from ${url.href}: ${String(e)}`);
      this.#set('unavailable');
    }
  }
}

/** An install link: https anywhere, or a path on this site. */
function sameOriginOrHttps(raw: string): string | undefined {
  try {
    const url = new URL(raw, location.href);
    if (url.protocol === 'https:' || url.origin === location.origin) return url.href;
  } catch {
    // Not a URL: no link.
  }
  return undefined;
}

if (typeof customElements !== 'undefined' && !customElements.get('pay-with-set')) {
  customElements.define('pay-with-set', PayWithSetElement);
}
