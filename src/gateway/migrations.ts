/**
 * The gateway's ledger schema, as versioned migrations (src/storage migrate). One statement per
 * `;\n`. The CHECK constraints restate the ledger's arithmetic so that a bug can only ever roll a
 * transaction back, never leave the books inconsistent.
 */
import type { Migration } from '../storage/index.ts';

export const GATEWAY_MIGRATIONS: Migration[] = [
  {
    id: 'gateway/001-ledger',
    sql: `
CREATE TABLE gateway_authorizations (
  xid text PRIMARY KEY,
  rrpid text NOT NULL,
  request_digest text NOT NULL,
  merchant_id text NOT NULL,
  merchant_name text NOT NULL,
  merchant_kx_chain text NOT NULL,
  brand_id text NOT NULL,
  pan_last4 text NOT NULL CHECK (pan_last4 ~ '^[0-9]{4}$'),
  dual_signed boolean NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  requested_value bigint NOT NULL CHECK (requested_value >= 0),
  authorized_value bigint NOT NULL CHECK (authorized_value >= 0 AND authorized_value <= requested_value),
  captured_value bigint NOT NULL DEFAULT 0 CHECK (captured_value >= 0 AND captured_value <= authorized_value),
  refunded_value bigint NOT NULL DEFAULT 0 CHECK (refunded_value >= 0 AND refunded_value <= captured_value),
  result text NOT NULL CHECK (result IN ('approved', 'declined')),
  state text NOT NULL CHECK (state IN ('authorized', 'captured', 'refunded', 'declined', 'reversed')),
  auth_code text CHECK (auth_code ~ '^[A-Z0-9]{6}$'),
  decline_reason text,
  capture_now boolean NOT NULL,
  response text NOT NULL,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  CHECK ((result = 'approved') = (auth_code IS NOT NULL)),
  CHECK ((result = 'declined') = (decline_reason IS NOT NULL))
);
CREATE INDEX gateway_authorizations_created ON gateway_authorizations (created_at DESC);
CREATE INDEX gateway_authorizations_merchant ON gateway_authorizations (merchant_id, created_at DESC);
CREATE INDEX gateway_authorizations_state ON gateway_authorizations (state, created_at DESC);
CREATE TABLE gateway_payment_events (
  xid text NOT NULL REFERENCES gateway_authorizations (xid),
  rrpid text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('capture', 'captureReversal', 'authorizationReversal', 'credit', 'creditReversal')),
  source text NOT NULL CHECK (source IN ('merchant', 'operator')),
  request_digest text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('accepted', 'rejected')),
  reason text,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  value bigint NOT NULL CHECK (value >= 0),
  response text,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (xid, rrpid),
  CHECK ((outcome = 'rejected') = (reason IS NOT NULL))
);
CREATE INDEX gateway_payment_events_created ON gateway_payment_events (created_at DESC);
`,
  },
  {
    // Issue 8.1 and SET-PROFILE §6: a follow-up must come from the merchant that authorized the
    // sale (its MerchantID *and* the key of the MCA that certified it), and carries an
    // idempotency key unique per XID. Rows from before have no issuer recorded and are matched
    // on the MerchantID alone.
    id: 'gateway/002-merchant-identity-idempotency-keys',
    sql: `
ALTER TABLE gateway_authorizations ADD COLUMN merchant_issuer text;
ALTER TABLE gateway_payment_events ADD COLUMN idempotency_key text CHECK (idempotency_key ~ '^[A-Za-z0-9._:-]{1,64}$');
CREATE UNIQUE INDEX gateway_payment_events_idempotency ON gateway_payment_events (xid, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
`,
  },
  {
    // The per-merchant API (TransListReq): the merchant's order label (LID-M) from the AuthReq's
    // TransIDs, kept so a merchant can find an order's transactions, and the index its pages
    // walk: one merchant identity, newest first by (created_at, xid byte by byte).
    id: 'gateway/004-merchant-api',
    sql: `
ALTER TABLE gateway_authorizations ADD COLUMN lid_m text;
CREATE INDEX gateway_authorizations_merchant_page
  ON gateway_authorizations (merchant_id, merchant_issuer, created_at DESC, xid COLLATE "C" DESC);
CREATE INDEX gateway_authorizations_merchant_order ON gateway_authorizations (merchant_id, lid_m);
`,
  },
  {
    // SET-PROFILE §6 Notifications: the URL each merchant (MerchantID + MCA key) registered, the
    // outbox written in the same transaction as every ledger change (seq per XID without gaps:
    // UNIQUE (xid, seq), assigned under the authorization's row lock), and every delivery attempt.
    // A delivery is leased (locked_until) so two gateway processes never send one at once.
    id: 'gateway/003-notifications',
    sql: `
CREATE TABLE gateway_notification_endpoints (
  merchant_id text NOT NULL,
  merchant_issuer text NOT NULL,
  brand_id text NOT NULL,
  url text NOT NULL CHECK (length(url) <= 2048 AND url ~ '^https?://'),
  registered_at timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, merchant_issuer)
);
CREATE TABLE gateway_notifications (
  event_id text PRIMARY KEY,
  xid text NOT NULL REFERENCES gateway_authorizations (xid),
  seq integer NOT NULL CHECK (seq >= 1),
  kind text NOT NULL,
  source text NOT NULL CHECK (source IN ('merchant', 'operator')),
  event text NOT NULL,
  created_at timestamptz NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  round_attempts integer NOT NULL DEFAULT 0 CHECK (round_attempts >= 0),
  enqueued_at timestamptz NOT NULL,
  next_attempt_at timestamptz NOT NULL,
  locked_until timestamptz,
  locked_by text,
  delivered_at timestamptz,
  UNIQUE (xid, seq)
);
CREATE INDEX gateway_notifications_due ON gateway_notifications (next_attempt_at) WHERE status = 'pending';
CREATE TABLE gateway_notification_attempts (
  event_id text NOT NULL REFERENCES gateway_notifications (event_id),
  attempt integer NOT NULL CHECK (attempt >= 1),
  url text NOT NULL,
  started_at timestamptz NOT NULL,
  duration_ms integer NOT NULL CHECK (duration_ms >= 0),
  http_status integer,
  error text,
  by_process text NOT NULL,
  PRIMARY KEY (event_id, attempt)
);
`,
  },
  {
    // SET-PROFILE §6 subsequent authorization (split shipment, installments, recurring payments):
    // what the cardholder signed (PurchAmt, the plan), what has been granted so far (never
    // decreasing: a reversal does not give room back), how many authorizations were approved and
    // when the last was; and one row per subsequent authorization, unique per merchant key.
    id: 'gateway/006-subsequent-authorizations',
    sql: `
ALTER TABLE gateway_authorizations ADD COLUMN purch_amt_value bigint CHECK (purch_amt_value >= 0);
ALTER TABLE gateway_authorizations ADD COLUMN install_recur text;
ALTER TABLE gateway_authorizations ADD COLUMN granted_value bigint NOT NULL DEFAULT 0 CHECK (granted_value >= 0);
ALTER TABLE gateway_authorizations ADD COLUMN approved_count integer NOT NULL DEFAULT 0 CHECK (approved_count >= 0);
ALTER TABLE gateway_authorizations ADD COLUMN last_authorized_at timestamptz;
CREATE TABLE gateway_subsequent_authorizations (
  xid text NOT NULL REFERENCES gateway_authorizations (xid),
  seq integer NOT NULL CHECK (seq >= 2),
  idempotency_key text NOT NULL,
  rrpid text NOT NULL,
  request_digest text NOT NULL,
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  value bigint NOT NULL CHECK (value > 0),
  capture_now boolean NOT NULL,
  result text NOT NULL CHECK (result IN ('approved', 'declined')),
  auth_code text CHECK (auth_code ~ '^[A-Z0-9]{6}$'),
  decline_reason text,
  response text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (xid, seq),
  UNIQUE (xid, idempotency_key),
  UNIQUE (xid, rrpid),
  CHECK ((result = 'approved') = (auth_code IS NOT NULL))
);
`,
  },
  {
    // SET-PROFILE §6 Batches (batches.ts): the merchant's batches (one open at a time per merchant
    // identity), their items (one per accepted capture, credit or reversal of either, numbered
    // 1, 2, 3… per batch: SET 1.0's BatchSequenceNum), the per-merchant row that orders adding
    // items before closing, and each open and close with its answer under the merchant's RRPID.
    id: 'gateway/005-batches',
    sql: `
CREATE TABLE gateway_batch_merchants (
  merchant_id text NOT NULL,
  merchant_issuer text NOT NULL,
  PRIMARY KEY (merchant_id, merchant_issuer)
);
CREATE TABLE gateway_batches (
  batch_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  merchant_id text NOT NULL,
  merchant_issuer text NOT NULL,
  state text NOT NULL CHECK (state IN ('open', 'settled')),
  opened_by text NOT NULL CHECK (opened_by IN ('merchant', 'gateway')),
  opened_at timestamptz NOT NULL,
  settled_at timestamptz,
  item_count integer NOT NULL DEFAULT 0 CHECK (item_count >= 0),
  settlement text,
  CHECK ((state = 'settled') = (settled_at IS NOT NULL)),
  CHECK ((state = 'settled') = (settlement IS NOT NULL))
);
CREATE UNIQUE INDEX gateway_batches_one_open ON gateway_batches (merchant_id, merchant_issuer) WHERE state = 'open';
CREATE INDEX gateway_batches_merchant ON gateway_batches (merchant_id, merchant_issuer, batch_id DESC);
CREATE TABLE gateway_batch_items (
  batch_id bigint NOT NULL REFERENCES gateway_batches (batch_id),
  seq integer NOT NULL CHECK (seq >= 1),
  xid text NOT NULL,
  rrpid text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('capture', 'captureReversal', 'credit', 'creditReversal')),
  source text NOT NULL CHECK (source IN ('merchant', 'operator')),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  exponent smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  value bigint NOT NULL CHECK (value > 0),
  created_at timestamptz NOT NULL,
  PRIMARY KEY (batch_id, seq),
  UNIQUE (xid, rrpid),
  FOREIGN KEY (xid, rrpid) REFERENCES gateway_payment_events (xid, rrpid)
);
CREATE TABLE gateway_batch_requests (
  merchant_id text NOT NULL,
  merchant_issuer text NOT NULL,
  rrpid text NOT NULL,
  request_digest text NOT NULL,
  operation text NOT NULL CHECK (operation IN ('open', 'close')),
  batch_id bigint,
  response text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (merchant_id, merchant_issuer, rrpid)
);
`,
  },
  {
    // A ledger row is about 6.6 kB, most of it the signed response (4.3 kB) and the merchant's
    // key-exchange chain (1.9 kB). Over PostgreSQL's default target of 2 kB, both went to the TOAST
    // table as four chunks, each a heap and an index insert more (issue 11: PGlite's CPU for the
    // authorization's statement 0.61 → 0.55 ms, means of three quiet runs). Rows now stay in their
    // own page up to the most a page holds; a larger one is still compressed and moved out as before.
    id: 'gateway/007-ledger-rows-in-page',
    sql: `
ALTER TABLE gateway_authorizations SET (toast_tuple_target = 8160);
ALTER TABLE gateway_payment_events SET (toast_tuple_target = 8160);
`,
  },
];
