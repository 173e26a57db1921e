/**
 * src/store — the sandbox's demo store: a catalogue, a server-side cart and a SET checkout,
 * built only with the merchant SDK (src/merchant) over the SQL storage (src/storage), so that it
 * is also the reference integration for merchant developers (docs/merchant-guide.md).
 *
 *   createDemoStore   the Hono app; applies STORE_MIGRATIONS ('store/…') to the database first
 *   SqlOrderStore     the merchant SDK's OrderStore over the store's tables
 *
 * Shoppers see only the orders their session placed; capture, refund, reverse and the back office
 * need the merchant's sign-in; every form is read by one reader and carries a form token
 * (src/store/sessions.ts, src/store/forms.ts, docs/security.md).
 *
 * May import src/merchant and the leaves src/storage and src/web only (never src/protocol
 * directly, src/gateway, src/ca or the sandbox, which wires the store to the gateway and the CAs).
 */

export { createDemoStore, type DemoStore, type DemoStoreOptions, NOTIFICATIONS_PATH } from './app.ts';
export { CATALOGUE, type Product } from './catalogue.ts';
export { STORE_MIGRATIONS } from './migrations.ts';
export { SqlOrderStore } from './sql-order-store.ts';
