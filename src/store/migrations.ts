/**
 * The demo store's tables: carts (server side, named by a cookie), orders (their lines and total
 * at checkout), and the SET transactions the merchant SDK records through SqlOrderStore. The
 * partial unique index is the database's own guard that an order is paid at most once. An order
 * belongs to the shopper session that placed it (002; orders from before have no owner, and only
 * the merchant sees them).
 */
import type { Migration } from '../storage/index.ts';

export const STORE_MIGRATIONS: readonly Migration[] = [
  {
    id: 'store/001-carts-orders-set-transactions',
    sql: `
CREATE TABLE store_carts (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE store_cart_items (
  cart_id text NOT NULL REFERENCES store_carts (id) ON DELETE CASCADE,
  product_id text NOT NULL,
  quantity integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  PRIMARY KEY (cart_id, product_id)
);
CREATE TABLE store_orders (
  id text PRIMARY KEY,
  description text NOT NULL,
  lines jsonb NOT NULL,
  amount jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE store_set_transactions (
  xid text PRIMARY KEY,
  lid_m text NOT NULL REFERENCES store_orders (id),
  state text NOT NULL CHECK (state IN ('pending', 'authorizing', 'approved', 'declined')),
  pending jsonb NOT NULL,
  claim jsonb,
  record jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX store_set_transactions_by_order ON store_set_transactions (lid_m, created_at);
CREATE UNIQUE INDEX store_set_one_payment_per_order ON store_set_transactions (lid_m)
  WHERE state IN ('authorizing', 'approved');
CREATE TABLE store_set_follow_ups (
  id bigserial PRIMARY KEY,
  xid text NOT NULL REFERENCES store_set_transactions (xid),
  record jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX store_set_follow_ups_by_xid ON store_set_follow_ups (xid, id);
`,
  },
  {
    id: 'store/002-orders-owned-by-a-shopper-session',
    sql: `
ALTER TABLE store_orders ADD COLUMN session_id text;
CREATE INDEX store_orders_by_session ON store_orders (session_id, created_at);
`,
  },
  {
    // A follow-up is kept (its bytes) before it is sent, and settled when its answer is recorded:
    // at most one pending per SET transaction, and an answer recorded once per idempotency key.
    id: 'store/003-pending-follow-ups',
    sql: `
ALTER TABLE store_set_transactions ADD COLUMN pending_follow_up jsonb;
CREATE UNIQUE INDEX store_set_follow_ups_key ON store_set_follow_ups (xid, (record->>'idempotencyKey'))
  WHERE (record->>'idempotencyKey') IS NOT NULL;
`,
  },
  {
    // SET-PROFILE §6 Notifications: the gateway's newest notified state of each SET transaction
    // (highest seq), and every event id received, so a repeated delivery changes nothing.
    id: 'store/004-notifications',
    sql: `
ALTER TABLE store_set_transactions ADD COLUMN gateway_state jsonb;
CREATE TABLE store_set_notifications (
  event_id text PRIMARY KEY,
  xid text NOT NULL,
  seq integer NOT NULL,
  kind text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now()
);
`,
  },
  {
    // Each notified event as received, so that the operator's changes (source "operator") add to
    // the merchant's own follow-ups in the balance.
    id: 'store/005-notification-events',
    sql: `
ALTER TABLE store_set_notifications ADD COLUMN event jsonb;
CREATE INDEX store_set_notifications_xid ON store_set_notifications (xid, seq);
`,
  },
  {
    // SET-PROFILE §6: an order may declare a payment plan (a subscription) or authorize only its
    // first part at purchase (a split shipment); the later authorizations of a SET transaction,
    // each recorded once per idempotency key.
    id: 'store/006-plans-and-parts',
    sql: `
ALTER TABLE store_orders ADD COLUMN install_recur jsonb;
ALTER TABLE store_orders ADD COLUMN authorize_first jsonb;
CREATE TABLE store_set_subsequent (
  id bigserial PRIMARY KEY,
  xid text NOT NULL REFERENCES store_set_transactions (xid),
  idempotency_key text NOT NULL,
  record jsonb NOT NULL,
  UNIQUE (xid, idempotency_key)
);
`,
  },
];
