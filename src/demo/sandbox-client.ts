/**
 * The developer sandbox seen from outside the browser, over HTTP: an order at the demo store (as
 * a shopper: a session cookie and the form token its pages carry), the state the store reports
 * for it, the merchant's capture, refund and reverse (signed in with the back-office link), and
 * the payment gateway's ledger (GET /api/transactions). The demo checks its outcome here, and the
 * browser suites set up and check their checkouts.
 */
import type { Amount } from '../protocol/index.ts';

/** The sandbox issuer's test cards the demo and the suites use (all of them: GET <issuer>/test-cards). */
export const TEST_CARDS = {
  approve: '4111111111111111',
  approveSecond: '4242424242424242',
  declineDoNotHonour: '4000000000000002',
} as const;

export interface SandboxUrls {
  issuer: string;
  gateway: string;
  store: string;
}

/** An authorization in the gateway's ledger, as GET /api/transactions lists it (the fields used here). */
export interface LedgerAuthorization {
  xid: string;
  merchantName: string;
  cardLast4: string;
  result: string;
  state: string;
  authCode?: string;
  declineReason?: string;
  requested: Amount;
  authorized: Amount;
  captured: Amount;
}

/** A payment event in the ledger (authorization, capture, refund …). */
export interface LedgerEvent {
  kind: string;
  source: string;
  outcome: string;
  reason?: string;
  amount: unknown;
  createdAt: string;
}

/** GET /api/transactions/<xid>: one authorization and its events. */
export interface LedgerTransaction extends LedgerAuthorization {
  events: LedgerEvent[];
}

export interface SandboxClient {
  urls: SandboxUrls;
  /**
   * Places an order for `quantity` × `productId` (or, given { productId: quantity, … }, for each)
   * as a new shopper and returns its checkout page URL.
   */
  newOrder(productId?: string | Record<string, number>, quantity?: number): Promise<string>;
  /**
   * The merchant's action on the order at `orderUrl` through the store's form, signed in with the
   * back-office link; returns where the store redirected (…?done=capture, …?problem=…).
   */
  merchantAction(
    orderUrl: string,
    action:
      | 'capture'
      | 'refund'
      | 'reverse'
      | 'reverse-capture'
      | 'reverse-refund'
      /** A split shipment's rest, authorized with the AuthToken (SET-PROFILE §6). */
      | 'authorize-rest'
      /** A subscription's next payment, merchant-initiated with the AuthToken. */
      | 'charge-next',
    amount?: string,
  ): Promise<string>;
  /** The gateway's authorizations, all of them or those of one XID. */
  authorizations(xid?: string): Promise<LedgerAuthorization[]>;
  /** The gateway's record of one XID with its events (GET /api/transactions/<xid>); undefined when unknown. */
  transaction(xid: string): Promise<LedgerTransaction | undefined>;
  /**
   * The state the store reports for the order at `orderUrl` (awaitingPayment, authorized,
   * declined …), asked as the shopper who placed it here, else as the merchant.
   */
  orderState(orderUrl: string): Promise<string>;
  /** The HTML of the order page at `orderUrl`, as the shopper who placed it here sees it. */
  orderPage(orderUrl: string): Promise<string>;
  /** The sandbox root certificate, PEM, as the issuer site serves it. */
  rootPem(): Promise<string>;
}

/** A browser of sorts over fetch: keeps one origin's cookies and posts forms as its pages would. */
class FormSession {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly origin: string) {}

  async request(
    url: string,
    fields?: Record<string, string>,
  ): Promise<{ status: number; location: string | null; text: string }> {
    const headers = new Headers();
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if (fields) headers.set('origin', this.origin);
    const res = await fetch(new URL(url, this.origin), {
      method: fields ? 'POST' : 'GET',
      headers,
      redirect: 'manual',
      ...(fields ? { body: new URLSearchParams(fields) } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(at + 1).trim());
    }
    return { status: res.status, location: res.headers.get('location'), text: await res.text() };
  }

  /** The form token on the page at `path`. */
  async formToken(path: string): Promise<string> {
    const page = await this.request(path);
    const token = /name="csrf" value="([0-9a-f]+)"/.exec(page.text)?.[1];
    if (page.status !== 200 || !token)
      throw new Error(`GET ${path} answered ${page.status} without a form token`);
    return token;
  }
}

/** `backOffice`: the sandbox's back-office sign-in link (RunningSandbox.operatorLinks), for merchantAction. */
/**
 * `gatewayOperatorToken`: the gateway's ledger API is for its operator (RunningSandbox's token,
 * sent as a Bearer token).
 */
export function sandboxClient(
  urls: SandboxUrls,
  backOffice?: string,
  gatewayOperatorToken?: string,
): SandboxClient {
  const { store, gateway, issuer } = urls;
  const operator: Record<string, string> = gatewayOperatorToken
    ? { authorization: `Bearer ${gatewayOperatorToken}` }
    : {};
  /** The shopper session that placed each order here. */
  const shoppers = new Map<string, FormSession>();
  let merchant: Promise<FormSession> | undefined;
  const signedIn = () => {
    merchant ??= (async () => {
      if (!backOffice) throw new Error('the sandbox client was given no back-office link');
      const session = new FormSession(store);
      const res = await session.request(backOffice);
      if (res.status !== 303) throw new Error(`the back-office link answered ${res.status}`);
      return session;
    })();
    return merchant;
  };
  return {
    urls,
    async newOrder(productId = 'mug', quantity = 1) {
      const shopper = new FormSession(store);
      const csrf = await shopper.formToken('/');
      const items = typeof productId === 'string' ? { [productId]: quantity } : productId;
      for (const [id, n] of Object.entries(items)) {
        const add = await shopper.request('/cart', { productId: id, quantity: String(n), csrf });
        if (add.status !== 303) throw new Error(`adding to the cart answered ${add.status}`);
      }
      const checkout = await shopper.request('/checkout', { csrf });
      if (checkout.status !== 303 || !checkout.location?.startsWith('/orders/')) {
        throw new Error(`checkout answered ${checkout.status} ${checkout.location}`);
      }
      const url = `${store}${checkout.location}`;
      shoppers.set(url, shopper);
      return url;
    },
    async merchantAction(orderUrl, action, amount) {
      let session = await signedIn();
      if ((await session.request('/back-office')).status === 403) {
        // The back-office session ended (it lasts 12 hours, on the store's clock): sign in again.
        merchant = undefined;
        session = await signedIn();
      }
      const csrf = await session.formToken('/back-office');
      const res = await session.request(`${orderUrl}/${action}`, { csrf, ...(amount ? { amount } : {}) });
      if (res.status !== 303 || !res.location) throw new Error(`${action} answered ${res.status}`);
      return res.location;
    },
    async authorizations(xid) {
      const url = new URL(`${gateway}/api/transactions`);
      if (xid) url.searchParams.set('xid', xid);
      const res = await fetch(url, { headers: operator });
      if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
      const body = (await res.json()) as { authorizations: LedgerAuthorization[] };
      return xid ? body.authorizations.filter((a) => a.xid === xid) : body.authorizations;
    },
    async transaction(xid) {
      const url = `${gateway}/api/transactions/${encodeURIComponent(xid)}`;
      const res = await fetch(url, { headers: operator });
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
      return (await res.json()) as LedgerTransaction;
    },
    async orderState(orderUrl) {
      const session = shoppers.get(orderUrl) ?? (await signedIn());
      const res = await session.request(`${orderUrl}/status`);
      if (res.status !== 200) throw new Error(`GET ${orderUrl}/status answered ${res.status}`);
      return (JSON.parse(res.text) as { state: string }).state;
    },
    async orderPage(orderUrl) {
      const session = shoppers.get(orderUrl) ?? (await signedIn());
      const res = await session.request(orderUrl);
      if (res.status !== 200) throw new Error(`GET ${orderUrl} answered ${res.status}`);
      return res.text;
    },
    async rootPem() {
      const res = await fetch(`${issuer}/pki/root.pem`);
      if (!res.ok) throw new Error(`GET ${issuer}/pki/root.pem answered ${res.status}`);
      return res.text();
    },
  };
}
