/**
 * The issuer site's tables (prefixed ca_, so they can share a database with the gateway and the
 * store). Applied with src/storage's migrate(db, CA_MIGRATIONS); createIssuerSite does it itself.
 *
 * - ca_pending_registrations: what a CA remembers between CardCInitRes / RegFormRes /
 *   Me-AqCInitRes and the CertReq that follows (SET Book 2: LID-CA, Chall-CA), for 30 minutes.
 *   Never a card number: only a keyed digest of it, to check CertReq names the same card.
 * - ca_certificates: every certificate this site's CAs issued, and its revocation.
 * - ca_crls: every CRL published, per CA and cRLNumber (RFC 5280 §5.2.3).
 * - ca_brand_crl_identifiers: the current signed BrandCRLIdentifier and its sequence number.
 * - ca_responses: the answer given to each request, by RRPID, so that a retried identical
 *   request (same RRPID, same bytes) gets the same answer and never a second certificate.
 * - ca_merchant_enrolments (002): one row per MerchantID the MCA assigned, with the merchant's
 *   name (unique under name_key, its normalised form) and the thumbprint of its current signature
 *   certificate, the only key that may renew it. ca_certificates.merchant_id links every
 *   certificate of that merchant: its key lineage (SET-PROFILE §6 "Merchant identity").
 */
import type { Migration } from '../storage/index.ts';

export const CA_MIGRATIONS: readonly Migration[] = [
  {
    id: 'ca/001-registration-and-revocation',
    sql: `
CREATE TABLE ca_pending_registrations (
  lid_ca text PRIMARY KEY,
  ca text NOT NULL CHECK (ca IN ('cca', 'mca', 'pca')),
  lid_ee text NOT NULL,
  request_type text NOT NULL CHECK (request_type IN ('cardholder', 'merchant', 'gateway')),
  stage text NOT NULL CHECK (stage IN ('init', 'form')),
  chall_ca text,
  reg_form text,
  pan_digest bytea,
  created_at timestamptz NOT NULL,
  CHECK (stage = 'init' OR (chall_ca IS NOT NULL AND reg_form IS NOT NULL))
);
CREATE INDEX ca_pending_registrations_created ON ca_pending_registrations (created_at);
CREATE TABLE ca_certificates (
  serial text PRIMARY KEY,
  issuer_ca text NOT NULL CHECK (issuer_ca IN ('cca', 'mca', 'pca', 'brand')),
  certificate_type text NOT NULL,
  key_role text NOT NULL CHECK (key_role IN ('signature', 'key-exchange')),
  subject_dn text NOT NULL,
  common_name text NOT NULL,
  card_last4 text,
  thumbprint bytea NOT NULL UNIQUE,
  der bytea NOT NULL,
  not_before timestamptz NOT NULL,
  not_after timestamptz NOT NULL,
  issued_at timestamptz NOT NULL,
  lid_ca text,
  revoked_at timestamptz
);
CREATE INDEX ca_certificates_issued ON ca_certificates (issued_at DESC);
CREATE INDEX ca_certificates_revoked ON ca_certificates (issuer_ca) WHERE revoked_at IS NOT NULL;
CREATE TABLE ca_crls (
  ca text NOT NULL CHECK (ca IN ('cca', 'mca', 'pca', 'brand')),
  crl_number integer NOT NULL CHECK (crl_number > 0),
  der bytea NOT NULL,
  this_update timestamptz NOT NULL,
  next_update timestamptz NOT NULL,
  PRIMARY KEY (ca, crl_number)
);
CREATE TABLE ca_brand_crl_identifiers (
  brand_id text PRIMARY KEY,
  sequence integer NOT NULL CHECK (sequence >= 0),
  crl_thumbs text NOT NULL,
  body text NOT NULL,
  next_update timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE TABLE ca_responses (
  ca text NOT NULL CHECK (ca IN ('cca', 'mca', 'pca')),
  rrpid text NOT NULL,
  message_type text NOT NULL,
  request_hash bytea NOT NULL,
  response text NOT NULL,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (ca, rrpid)
);
CREATE INDEX ca_responses_created ON ca_responses (created_at);
`,
  },
  {
    id: 'ca/002-merchant-enrolments',
    sql: `
CREATE TABLE ca_merchant_enrolments (
  merchant_id text PRIMARY KEY,
  name text NOT NULL,
  name_key text NOT NULL UNIQUE,
  current_thumbprint bytea UNIQUE,
  enrolled_at timestamptz NOT NULL,
  renewed_at timestamptz,
  renewals integer NOT NULL DEFAULT 0 CHECK (renewals >= 0)
);
ALTER TABLE ca_certificates ADD COLUMN merchant_id text REFERENCES ca_merchant_enrolments (merchant_id);
CREATE INDEX ca_certificates_merchant ON ca_certificates (merchant_id) WHERE merchant_id IS NOT NULL;
`,
  },
  {
    id: 'ca/003-certificate-inquiry-and-renewal',
    sql: `
CREATE TABLE ca_cert_requests (
  ca text NOT NULL CHECK (ca IN ('cca', 'mca', 'pca')),
  lid_ca text NOT NULL,
  lid_ee text NOT NULL,
  request_type text NOT NULL CHECK (request_type IN ('cardholder', 'merchant', 'gateway')),
  public_key bytea NOT NULL,
  ca_back_key bytea NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'issued', 'rejected')),
  reason text,
  pending_issue text,
  certificate_thumbprint bytea,
  kx_thumbprint bytea,
  nonce_cca bytea,
  created_at timestamptz NOT NULL,
  decided_at timestamptz,
  PRIMARY KEY (ca, lid_ca),
  CHECK (status <> 'pending' OR pending_issue IS NOT NULL),
  CHECK (status <> 'issued' OR certificate_thumbprint IS NOT NULL)
);
CREATE INDEX ca_cert_requests_created ON ca_cert_requests (created_at);
ALTER TABLE ca_certificates ADD COLUMN renewed_by bytea;
ALTER TABLE ca_pending_registrations ADD COLUMN renewal boolean NOT NULL DEFAULT false;
`,
  },
];
