/**
 * The Merchants page's view of the MCA's enrolments: each MerchantID with its name, and every
 * certificate of its key lineage (ca_certificates.merchant_id), newest first. The origins are
 * read from the current signature certificate itself.
 */
import { constantTimeEqual, parseCertificate } from '../../protocol/index.ts';
import type { Sql } from '../../storage/index.ts';

export interface MerchantCertificate {
  serial: string;
  keyRole: 'signature' | 'key-exchange';
  notBefore: Date;
  notAfter: Date;
  revokedAt?: Date;
  current: boolean;
}

export interface MerchantListing {
  merchantId: string;
  name: string;
  enrolledAt: Date;
  renewals: number;
  origins: string[];
  certificates: MerchantCertificate[];
  status: 'active' | 'revoked' | 'expired' | 'pending';
}

interface Row extends Record<string, unknown> {
  merchant_id: string;
  name: string;
  enrolled_at: Date;
  renewals: number;
  current_thumbprint: Uint8Array | null;
  serial: string | null;
  key_role: 'signature' | 'key-exchange' | null;
  thumbprint: Uint8Array | null;
  der: Uint8Array | null;
  not_before: Date | null;
  not_after: Date | null;
  revoked_at: Date | null;
}

/** The `limit` latest enrolments, with their certificates. */
export async function listMerchants(sql: Sql, limit: number, now: Date): Promise<MerchantListing[]> {
  const rows = await sql.query<Row>(
    `SELECT e.merchant_id, e.name, e.enrolled_at, e.renewals, e.current_thumbprint,
            c.serial, c.key_role, c.thumbprint, c.der, c.not_before, c.not_after, c.revoked_at
       FROM (SELECT * FROM ca_merchant_enrolments ORDER BY enrolled_at DESC, merchant_id LIMIT $1) e
       LEFT JOIN ca_certificates c ON c.merchant_id = e.merchant_id
      ORDER BY e.enrolled_at DESC, e.merchant_id, c.issued_at DESC, c.key_role DESC, c.serial`,
    [limit],
  );
  const byId = new Map<string, MerchantListing>();
  for (const r of rows) {
    let m = byId.get(r.merchant_id);
    if (!m) {
      m = {
        merchantId: r.merchant_id,
        name: r.name,
        enrolledAt: new Date(r.enrolled_at),
        renewals: Number(r.renewals),
        origins: [],
        certificates: [],
        status: 'pending',
      };
      byId.set(r.merchant_id, m);
    }
    if (r.serial === null || r.key_role === null || !r.thumbprint || !r.not_before || !r.not_after) continue;
    const current =
      r.current_thumbprint !== null &&
      constantTimeEqual(new Uint8Array(r.thumbprint), new Uint8Array(r.current_thumbprint));
    m.certificates.push({
      serial: r.serial,
      keyRole: r.key_role,
      notBefore: new Date(r.not_before),
      notAfter: new Date(r.not_after),
      ...(r.revoked_at !== null ? { revokedAt: new Date(r.revoked_at) } : {}),
      current,
    });
    if (current && r.der) {
      m.origins = parseCertificate(new Uint8Array(r.der)).origins;
      m.status = r.revoked_at !== null ? 'revoked' : new Date(r.not_after) < now ? 'expired' : 'active';
    }
  }
  return [...byId.values()];
}

/** The serials of a merchant's certificates not yet revoked (empty for an unknown MerchantID). */
export async function liveSerialsOf(sql: Sql, merchantId: string): Promise<string[]> {
  const rows = await sql.query<{ serial: string }>(
    'SELECT serial FROM ca_certificates WHERE merchant_id = $1 AND revoked_at IS NULL ORDER BY serial',
    [merchantId],
  );
  return rows.map((r) => r.serial);
}

export async function merchantExists(sql: Sql, merchantId: string): Promise<boolean> {
  return (
    (await sql.query('SELECT 1 FROM ca_merchant_enrolments WHERE merchant_id = $1', [merchantId])).length > 0
  );
}
