/**
 * The MCA's enrolment records (SET-PROFILE §6 "Merchant identity"): one row per MerchantID it
 * assigned, the merchant's name, and the thumbprint of the current signature certificate, whose
 * key alone may renew it. Uniqueness lives in the database (primary key on merchant_id, unique
 * name_key and current_thumbprint), so two racing enrolments can never share an ID or a name,
 * whichever process answers them.
 */
import { randomBytes } from '../../protocol/index.ts';
import type { Sql } from '../../storage/index.ts';

/** "M" and 15 decimal digits from the CSPRNG (about 50 bits): never chosen by the requester. */
export const MERCHANT_ID_PATTERN = /^M\d{15}$/;

export function newMerchantId(): string {
  const bytes = randomBytes(8);
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return `M${(n % 10n ** 15n).toString().padStart(15, '0')}`;
}

/**
 * The form of a merchant name that two merchants may not share: Unicode NFKC, case-folded, every
 * run of characters other than letters and digits made one space, trimmed. So "Acme  Shop",
 * "ACME-Shop" and "Ａｃｍｅ Shop" are one name.
 */
export function merchantNameKey(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface MerchantEnrolment {
  merchantId: string;
  name: string;
  nameKey: string;
  /** The current signature certificate's thumbprint; undefined only inside the enrolling transaction. */
  currentThumbprint?: Uint8Array;
  enrolledAt: Date;
  renewals: number;
}

interface EnrolmentRow extends Record<string, unknown> {
  merchant_id: string;
  name: string;
  name_key: string;
  current_thumbprint: Uint8Array | null;
  enrolled_at: Date;
  renewals: number;
}

function fromRow(r: EnrolmentRow): MerchantEnrolment {
  return {
    merchantId: r.merchant_id,
    name: r.name,
    nameKey: r.name_key,
    ...(r.current_thumbprint ? { currentThumbprint: new Uint8Array(r.current_thumbprint) } : {}),
    enrolledAt: new Date(r.enrolled_at),
    renewals: Number(r.renewals),
  };
}

const COLUMNS = 'merchant_id, name, name_key, current_thumbprint, enrolled_at, renewals';

/**
 * Reserves a fresh MerchantID for `name`, or reports that another merchant holds the name. An
 * `INSERT … ON CONFLICT DO NOTHING`: a racing enrolment of the same name waits for the first to
 * commit and then sees it taken. A clash of random IDs (about 10^-15 per pair) draws again.
 */
export async function claimMerchantId(
  tx: Sql,
  p: { name: string; at: Date },
): Promise<{ merchantId: string } | { nameTaken: true }> {
  const key = merchantNameKey(p.name);
  for (let attempt = 0; attempt < 4; attempt++) {
    const merchantId = newMerchantId();
    const rows = await tx.query(
      `INSERT INTO ca_merchant_enrolments (merchant_id, name, name_key, enrolled_at)
       VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING merchant_id`,
      [merchantId, p.name, key, p.at],
    );
    if (rows.length) return { merchantId };
    if ((await tx.query('SELECT 1 FROM ca_merchant_enrolments WHERE name_key = $1', [key])).length) {
      return { nameTaken: true };
    }
  }
  throw new Error('could not draw a free MerchantID');
}

export async function findEnrolment(
  sql: Sql,
  merchantId: string,
  lock = false,
): Promise<MerchantEnrolment | undefined> {
  const rows = await sql.query<EnrolmentRow>(
    `SELECT ${COLUMNS} FROM ca_merchant_enrolments WHERE merchant_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [merchantId],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** Makes `thumbprint` the merchant's current signature certificate (enrolment or renewal). */
export async function setCurrentCertificate(
  tx: Sql,
  p: { merchantId: string; thumbprint: Uint8Array; at: Date; renewal: boolean },
): Promise<void> {
  await tx.query(
    p.renewal
      ? `UPDATE ca_merchant_enrolments SET current_thumbprint = $2, renewed_at = $3, renewals = renewals + 1
         WHERE merchant_id = $1`
      : 'UPDATE ca_merchant_enrolments SET current_thumbprint = $2 WHERE merchant_id = $1',
    p.renewal ? [p.merchantId, p.thumbprint, p.at] : [p.merchantId, p.thumbprint],
  );
}

/** What the MCA recorded of a certificate it issued, by thumbprint. */
export async function findIssued(
  sql: Sql,
  thumbprint: Uint8Array,
): Promise<
  { issuer: string; keyRole: string; notAfter: Date; revoked: boolean; merchantId?: string } | undefined
> {
  const rows = await sql.query<{
    issuer_ca: string;
    key_role: string;
    not_after: Date;
    revoked_at: Date | null;
    merchant_id: string | null;
  }>(
    'SELECT issuer_ca, key_role, not_after, revoked_at, merchant_id FROM ca_certificates WHERE thumbprint = $1',
    [thumbprint],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    issuer: r.issuer_ca,
    keyRole: r.key_role,
    notAfter: new Date(r.not_after),
    revoked: r.revoked_at !== null,
    ...(r.merchant_id !== null ? { merchantId: r.merchant_id } : {}),
  };
}
