/**
 * The world's payment gateway on a test database, over real HTTP (port 0): real keys and
 * certificates, the test cards' issuer answering at once, no logging. What the gateway tests of
 * batches, subsequent authorization, the per-merchant API, receipts and notifications each set up
 * for themselves; with `clientFor`, the world's merchant and any other merchant (other-merchants.ts)
 * talk to the same gateway through the SDK.
 */
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Gateway,
  type GatewayDeps,
  type Listening,
  listen,
} from '../../src/gateway/index.ts';
import { createGatewayClient, type GatewayClient, type MerchantKeys } from '../../src/merchant/index.ts';
import type { Database } from '../../src/storage/index.ts';
import type { World } from './world.ts';

export interface WorldGateway {
  gateway: Gateway;
  server: Listening;
  /** Posts bytes to the gateway's SET endpoint as they are: its status and text. */
  post(body: string | Uint8Array): Promise<{ status: number; text: string }>;
  /**
   * The SDK's client for a merchant on this gateway: the world's merchant by default, or another
   * merchant's signature key and certificate (with the world merchant's key-exchange key).
   */
  clientFor(
    merchant?: MerchantKeys['signature'] | MerchantKeys,
    options?: { backoffMs?: number },
  ): Promise<GatewayClient>;
  close(): Promise<void>;
}

/** What the world's gateway is made of on `db`; `options` adds or overrides (a clock, a dashboard). */
export function worldGatewayDeps(
  world: World,
  db: Database,
  options: Partial<Omit<GatewayDeps, 'db'>> = {},
): GatewayDeps {
  return {
    db,
    signature: world.gateway,
    keyExchange: world.gatewayKx,
    trustedRoots: [world.root],
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
    log: () => {},
    ...options,
  };
}

export async function startWorldGateway(
  world: World,
  db: Database,
  options: Partial<Omit<GatewayDeps, 'db'>> = {},
): Promise<WorldGateway> {
  const gateway = await createGateway(worldGatewayDeps(world, db, options));
  const server = await listen(gateway);
  const endpoint = `${server.url}/set`;
  return {
    gateway,
    server,
    async post(body) {
      const res = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: body as BodyInit,
      });
      return { status: res.status, text: await res.text() };
    },
    async clientFor(merchant, clientOptions = {}) {
      const keys: MerchantKeys =
        merchant === undefined
          ? { signature: world.merchant, keyExchange: world.merchantKx }
          : 'signature' in merchant
            ? merchant
            : { signature: merchant, keyExchange: world.merchantKx };
      return await createGatewayClient({
        endpoint,
        merchant: keys,
        trustedRoots: [world.root],
        ...clientOptions,
      });
    },
    async close() {
      await server.close();
    },
  };
}
