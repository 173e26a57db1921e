/**
 * Every certificate this site's CAs issued (RFC 5280 §5: a CA must know what it issued to revoke
 * it), with the registration it came from and its revocation date. No card number: a
 * cardholder row keeps only the last four digits, for the administrator's list.
 */
import { hex, type ParsedCertificate } from '../../protocol/index.ts';
import type { Sql } from '../../storage/index.ts';

/** The CAs of this site: the brand CA certified the other three (and their key-exchange certificates). */
export type IssuingCa = 'cca' | 'mca' | 'pca' | 'brand';

export interface CertificateRecord {
  serial: string;
  issuer: IssuingCa;
  certificateType: string;
  keyRole: 'signature' | 'key-exchange';
  subjectDn: string;
  commonName: string;
  cardLast4?: string;
  thumbprint: string;
  notBefore: Date;
  notAfter: Date;
  issuedAt: Date;
  revokedAt?: Date;
}

interface CertificateRow extends Record<string, unknown> {
  serial: string;
  issuer_ca: IssuingCa;
  certificate_type: string;
  key_role: 'signature' | 'key-exchange';
  subject_dn: string;
  common_name: string;
  card_last4: string | null;
  thumbprint: Uint8Array;
  not_before: Date;
  not_after: Date;
  issued_at: Date;
  revoked_at: Date | null;
}

const COLUMNS =
  'serial, issuer_ca, certificate_type, key_role, subject_dn, common_name, card_last4, thumbprint, not_before, not_after, issued_at, revoked_at';

function fromRow(r: CertificateRow): CertificateRecord {
  return {
    serial: r.serial,
    issuer: r.issuer_ca,
    certificateType: r.certificate_type,
    keyRole: r.key_role,
    subjectDn: r.subject_dn,
    commonName: r.common_name,
    ...(r.card_last4 !== null ? { cardLast4: r.card_last4 } : {}),
    thumbprint: hex(new Uint8Array(r.thumbprint)),
    notBefore: new Date(r.not_before),
    notAfter: new Date(r.not_after),
    issuedAt: new Date(r.issued_at),
    ...(r.revoked_at !== null ? { revokedAt: new Date(r.revoked_at) } : {}),
  };
}

/** Records an issued certificate. `ifAbsent` makes it a no-op for one already recorded (seeding). */
export async function recordCertificate(
  sql: Sql,
  c: {
    certificate: ParsedCertificate;
    issuer: IssuingCa;
    issuedAt: Date;
    lidCA?: string;
    cardLast4?: string;
    /** A merchant's certificates: its enrolment (ca_merchant_enrolments), the key lineage. */
    merchantId?: string;
    ifAbsent?: boolean;
  },
): Promise<void> {
  const cert = c.certificate;
  await sql.query(
    `INSERT INTO ca_certificates (serial, issuer_ca, certificate_type, key_role, subject_dn, common_name,
       card_last4, thumbprint, der, not_before, not_after, issued_at, lid_ca, merchant_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)${c.ifAbsent ? ' ON CONFLICT DO NOTHING' : ''}`,
    [
      cert.serialNumber,
      c.issuer,
      cert.certificateType,
      cert.keyRole,
      cert.subjectDn,
      cert.subject.commonName,
      c.cardLast4 ?? null,
      cert.thumbprint,
      cert.der,
      cert.notBefore,
      cert.notAfter,
      c.issuedAt,
      c.lidCA ?? null,
      c.merchantId ?? null,
    ],
  );
}

export async function listCertificates(sql: Sql, limit: number): Promise<CertificateRecord[]> {
  const rows = await sql.query<CertificateRow>(
    `SELECT ${COLUMNS} FROM ca_certificates ORDER BY issued_at DESC, serial LIMIT $1`,
    [limit],
  );
  return rows.map(fromRow);
}

export async function countCertificates(sql: Sql): Promise<number> {
  const rows = await sql.query<{ n: number | string }>('SELECT count(*)::integer AS n FROM ca_certificates');
  return Number(rows[0]?.n ?? 0);
}

export async function findCertificate(
  sql: Sql,
  serial: string,
  lock = false,
): Promise<CertificateRecord | undefined> {
  const rows = await sql.query<CertificateRow>(
    `SELECT ${COLUMNS} FROM ca_certificates WHERE serial = $1${lock ? ' FOR UPDATE' : ''}`,
    [serial],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

export async function markRevoked(sql: Sql, serial: string, at: Date): Promise<void> {
  await sql.query('UPDATE ca_certificates SET revoked_at = $2 WHERE serial = $1 AND revoked_at IS NULL', [
    serial,
    at,
  ]);
}

/** The entries of `issuer`'s next CRL: revoked and not yet expired (RFC 5280 §3.3 lets expired ones go). */
export async function revokedBy(
  sql: Sql,
  issuer: IssuingCa,
  at: Date,
): Promise<{ serialNumber: string; revocationDate: Date }[]> {
  const rows = await sql.query<{ serial: string; revoked_at: Date }>(
    `SELECT serial, revoked_at FROM ca_certificates
     WHERE issuer_ca = $1 AND revoked_at IS NOT NULL AND not_after >= $2 ORDER BY revoked_at, serial`,
    [issuer, at],
  );
  return rows.map((r) => ({ serialNumber: r.serial, revocationDate: new Date(r.revoked_at) }));
}

/** What a renewal or a certificate inquiry needs of an issued certificate, by thumbprint. */
export interface IssuedCertificate {
  der: Uint8Array;
  issuer: IssuingCa;
  certificateType: string;
  notAfter: Date;
  revokedAt?: Date;
  /** The certificate that renewed this one: it is no longer its lineage's current certificate. */
  renewedBy?: Uint8Array;
}

export async function findByThumbprint(
  sql: Sql,
  thumbprint: Uint8Array,
  lock = false,
): Promise<IssuedCertificate | undefined> {
  const rows = await sql.query<{
    der: Uint8Array;
    issuer_ca: IssuingCa;
    certificate_type: string;
    not_after: Date;
    revoked_at: Date | null;
    renewed_by: Uint8Array | null;
  }>(
    `SELECT der, issuer_ca, certificate_type, not_after, revoked_at, renewed_by FROM ca_certificates
     WHERE thumbprint = $1${lock ? ' FOR UPDATE' : ''}`,
    [thumbprint],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    der: new Uint8Array(r.der),
    issuer: r.issuer_ca,
    certificateType: r.certificate_type,
    notAfter: new Date(r.not_after),
    ...(r.revoked_at !== null ? { revokedAt: new Date(r.revoked_at) } : {}),
    ...(r.renewed_by !== null ? { renewedBy: new Uint8Array(r.renewed_by) } : {}),
  };
}

/** Marks `old` renewed by `renewal`; false when another renewal got there first. */
export async function markRenewed(sql: Sql, old: Uint8Array, renewal: Uint8Array): Promise<boolean> {
  const rows = await sql.query(
    'UPDATE ca_certificates SET renewed_by = $2 WHERE thumbprint = $1 AND renewed_by IS NULL RETURNING serial',
    [old, renewal],
  );
  return rows.length === 1;
}
