/**
 * What a CA decided on each CertReq, by LID-CA (SET Book 2 "Certificate inquiry"): enough to
 * verify a later CertInqReq (the key the CertReq certifies), to encrypt the CertInqRes (CABackKey),
 * and to answer it: the certificate issued (looked up in ca_certificates), the reason of a
 * rejection, or, while pending, what issuing needs. Kept KEEP_DECISIONS_MS.
 */
import * as v from 'valibot';
import type { RequestType } from '../../protocol/index.ts';
import type { Sql } from '../../storage/index.ts';
import type { CaName } from './pending.ts';

export const KEEP_DECISIONS_MS = 30 * 24 * 3600_000;

/** A cardholder request left pending: the certificate it will get (no card number). */
export const PendingIssue = v.strictObject({
  /** Hex HMAC(PANSecret, PAN‖expiry). */
  uniqueId: v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/)),
  /** base64url: CardSecret XOR NonceCCA is the card's PANSecret. */
  nonceCca: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/)),
  cardLast4: v.pipe(v.string(), v.regex(/^\d{4}$/)),
  /** Hex thumbprint of the certificate a renewal replaces. */
  renews: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/))),
});
export type PendingIssue = v.InferOutput<typeof PendingIssue>;

export interface CertRequestRecord {
  ca: CaName;
  lidCA: string;
  lidEE: string;
  requestType: RequestType;
  publicKey: Uint8Array;
  caBackKey: Uint8Array;
  status: 'pending' | 'issued' | 'rejected';
  reason?: string;
  pendingIssue?: PendingIssue;
  certificateThumbprint?: Uint8Array;
  kxThumbprint?: Uint8Array;
  nonceCca?: Uint8Array;
  createdAt: Date;
}

interface Row extends Record<string, unknown> {
  ca: CaName;
  lid_ca: string;
  lid_ee: string;
  request_type: RequestType;
  public_key: Uint8Array;
  ca_back_key: Uint8Array;
  status: CertRequestRecord['status'];
  reason: string | null;
  pending_issue: string | null;
  certificate_thumbprint: Uint8Array | null;
  kx_thumbprint: Uint8Array | null;
  nonce_cca: Uint8Array | null;
  created_at: Date;
}

const COLUMNS =
  'ca, lid_ca, lid_ee, request_type, public_key, ca_back_key, status, reason, pending_issue, certificate_thumbprint, kx_thumbprint, nonce_cca, created_at';

const bytes = (b: Uint8Array | null) => (b === null ? undefined : new Uint8Array(b));

function fromRow(r: Row): CertRequestRecord {
  const rec: CertRequestRecord = {
    ca: r.ca,
    lidCA: r.lid_ca,
    lidEE: r.lid_ee,
    requestType: r.request_type,
    publicKey: new Uint8Array(r.public_key),
    caBackKey: new Uint8Array(r.ca_back_key),
    status: r.status,
    createdAt: new Date(r.created_at),
  };
  if (r.reason !== null) rec.reason = r.reason;
  // Written by this CA from checked values; parsed again so a corrupted row fails loudly.
  if (r.pending_issue !== null) rec.pendingIssue = v.parse(PendingIssue, JSON.parse(r.pending_issue));
  const cert = bytes(r.certificate_thumbprint);
  if (cert) rec.certificateThumbprint = cert;
  const kx = bytes(r.kx_thumbprint);
  if (kx) rec.kxThumbprint = kx;
  const nonce = bytes(r.nonce_cca);
  if (nonce) rec.nonceCca = nonce;
  return rec;
}

/** Keeps a decision; one replaces an earlier rejection under the same LID-CA (the form fixed and sent again). */
export async function recordCertRequest(sql: Sql, r: CertRequestRecord): Promise<void> {
  await sql.query(
    `INSERT INTO ca_cert_requests (${COLUMNS}, decided_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (ca, lid_ca) DO UPDATE SET lid_ee = $3, request_type = $4, public_key = $5,
       ca_back_key = $6, status = $7, reason = $8, pending_issue = $9, certificate_thumbprint = $10,
       kx_thumbprint = $11, nonce_cca = $12, created_at = $13, decided_at = $14
     WHERE ca_cert_requests.status = 'rejected'`,
    [
      r.ca,
      r.lidCA,
      r.lidEE,
      r.requestType,
      r.publicKey,
      r.caBackKey,
      r.status,
      r.reason ?? null,
      r.pendingIssue ? JSON.stringify(r.pendingIssue) : null,
      r.certificateThumbprint ?? null,
      r.kxThumbprint ?? null,
      r.nonceCca ?? null,
      r.createdAt,
      r.status === 'pending' ? null : r.createdAt,
    ],
  );
}

/** The decision on the CertReq made under `lidCA`; `lock` for the transaction that decides it. */
export async function findCertRequest(
  sql: Sql,
  ca: CaName,
  lidCA: string,
  lock = false,
): Promise<CertRequestRecord | undefined> {
  const rows = await sql.query<Row>(
    `SELECT ${COLUMNS} FROM ca_cert_requests WHERE ca = $1 AND lid_ca = $2${lock ? ' FOR UPDATE' : ''}`,
    [ca, lidCA],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** A pending request decided: issued (with its certificate) or rejected. */
export async function decideCertRequest(
  sql: Sql,
  ca: CaName,
  lidCA: string,
  decision:
    | { status: 'issued'; certificateThumbprint: Uint8Array; nonceCca?: Uint8Array }
    | { status: 'rejected'; reason: string },
  at: Date,
): Promise<void> {
  await sql.query(
    `UPDATE ca_cert_requests SET status = $3, reason = $4, certificate_thumbprint = $5, nonce_cca = $6,
       pending_issue = NULL, decided_at = $7
     WHERE ca = $1 AND lid_ca = $2 AND status = 'pending'`,
    [
      ca,
      lidCA,
      decision.status,
      decision.status === 'rejected' ? decision.reason : null,
      decision.status === 'issued' ? decision.certificateThumbprint : null,
      decision.status === 'issued' ? (decision.nonceCca ?? null) : null,
      at,
    ],
  );
}

export async function pruneCertRequests(sql: Sql, at: Date): Promise<void> {
  await sql.query('DELETE FROM ca_cert_requests WHERE created_at <= $1', [
    new Date(at.getTime() - KEEP_DECISIONS_MS),
  ]);
}
