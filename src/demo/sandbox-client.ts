/**
 * The developer sandbox seen from outside the browser, over HTTP: an order at the demo store, the
 * state the store reports for it, and the payment gateway's ledger (GET /api/transactions). The
 * demo checks its outcome here, and the browser suites set up and check their checkouts.
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
  /** Places an order for `quantity` × `productId` and returns its checkout page URL. */
  newOrder(productId?: string, quantity?: number): Promise<string>;
  /** The gateway's authorizations, all of them or those of one XID. */
  authorizations(xid?: string): Promise<LedgerAuthorization[]>;
  /** The gateway's record of one XID with its events (GET /api/transactions/<xid>); undefined when unknown. */
  transaction(xid: string): Promise<LedgerTransaction | undefined>;
  /** The state the store reports for the order at `orderUrl` (awaitingPayment, authorized, declined …). */
  orderState(orderUrl: string): Promise<string>;
  /** The sandbox root certificate, PEM, as the issuer site serves it. */
  rootPem(): Promise<string>;
}

export function sandboxClient(urls: SandboxUrls): SandboxClient {
  const { store, gateway, issuer } = urls;
  return {
    urls,
    async newOrder(productId = 'mug', quantity = 1) {
      const add = await fetch(`${store}/cart`, {
        method: 'POST',
        body: new URLSearchParams({ productId, quantity: String(quantity) }),
        redirect: 'manual',
      });
      const cookie = add.headers.get('set-cookie')?.split(';')[0];
      if (add.status !== 303 || !cookie) throw new Error(`adding to the cart answered ${add.status}`);
      const checkout = await fetch(`${store}/checkout`, {
        method: 'POST',
        headers: { cookie },
        redirect: 'manual',
      });
      const location = checkout.headers.get('location');
      if (checkout.status !== 303 || !location?.startsWith('/orders/')) {
        throw new Error(`checkout answered ${checkout.status} ${location}`);
      }
      return `${store}${location}`;
    },
    async authorizations(xid) {
      const url = new URL(`${gateway}/api/transactions`);
      if (xid) url.searchParams.set('xid', xid);
      const res = await fetch(url);
      if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
      const body = (await res.json()) as { authorizations: LedgerAuthorization[] };
      return xid ? body.authorizations.filter((a) => a.xid === xid) : body.authorizations;
    },
    async transaction(xid) {
      const url = `${gateway}/api/transactions/${encodeURIComponent(xid)}`;
      const res = await fetch(url);
      if (res.status === 404) return undefined;
      if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
      return (await res.json()) as LedgerTransaction;
    },
    async orderState(orderUrl) {
      const res = await fetch(`${orderUrl}/status`);
      return ((await res.json()) as { state: string }).state;
    },
    async rootPem() {
      const res = await fetch(`${issuer}/pki/root.pem`);
      if (!res.ok) throw new Error(`GET ${issuer}/pki/root.pem answered ${res.status}`);
      return res.text();
    },
  };
}
