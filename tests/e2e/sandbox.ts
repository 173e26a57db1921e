/**
 * The developer sandbox as the browser suites use it: started once per suite on free ports, with a
 * short issuer timeout, plus what a test needs to set up and check a checkout from outside the
 * browser: a fresh order at the demo store, and the gateway's ledger (GET /api/transactions).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.ts';

export const TEST_CARDS = {
  approve: '4111111111111111',
  approveSecond: '4242424242424242',
  declineDoNotHonour: '4000000000000002',
} as const;

/** An authorization in the gateway's ledger, as GET /api/transactions lists it (fields used here). */
export interface LedgerAuthorization {
  xid: string;
  merchantName: string;
  cardLast4: string;
  result: string;
  state: string;
  authCode?: string;
  declineReason?: string;
  requested: { currency: string; value: number; exponent: number };
}

export interface E2eSandbox {
  urls: RunningSandbox['urls'];
  /** Places an order for `quantity` × `productId` and returns its checkout page URL. */
  newOrder(productId?: string, quantity?: number): Promise<string>;
  /** The gateway's authorizations, all of them or those of one XID. */
  authorizations(xid?: string): Promise<LedgerAuthorization[]>;
  /** The state the store reports for the order at `orderUrl` (awaitingPayment, authorized, declined …). */
  orderState(orderUrl: string): Promise<string>;
  log: string[];
  close(): Promise<void>;
}

export async function startE2eSandbox(): Promise<E2eSandbox> {
  const dataDir = mkdtempSync(join(tmpdir(), 'set-wallet-e2e-sandbox-'));
  const log: string[] = [];
  const sandbox = await startSandbox({
    port: 0,
    dataDir,
    issuerTimeoutMs: 1000,
    log: (line) => log.push(line),
  });
  const { store, gateway } = sandbox.urls;
  return {
    urls: sandbox.urls,
    log,
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
    async orderState(orderUrl) {
      const res = await fetch(`${orderUrl}/status`);
      return ((await res.json()) as { state: string }).state;
    },
    async close() {
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
