/**
 * Published CRLs, one row per CA and cRLNumber (RFC 5280 §5.2.3: the number only grows), and the
 * current BrandCRLIdentifier with its sequence number.
 */
import type { Sql } from '../../storage/index.ts';
import type { IssuingCa } from './certificates.ts';

export interface CrlRecord {
  ca: IssuingCa;
  crlNumber: number;
  der: Uint8Array;
  thisUpdate: Date;
  nextUpdate: Date;
}

interface CrlRow extends Record<string, unknown> {
  ca: IssuingCa;
  crl_number: number;
  der: Uint8Array;
  this_update: Date;
  next_update: Date;
}

/** The latest CRL of each CA. */
export async function latestCrls(sql: Sql): Promise<CrlRecord[]> {
  const rows = await sql.query<CrlRow>(
    `SELECT DISTINCT ON (ca) ca, crl_number, der, this_update, next_update
     FROM ca_crls ORDER BY ca, crl_number DESC`,
  );
  return rows.map((r) => ({
    ca: r.ca,
    crlNumber: Number(r.crl_number),
    der: new Uint8Array(r.der),
    thisUpdate: new Date(r.this_update),
    nextUpdate: new Date(r.next_update),
  }));
}

export async function insertCrl(sql: Sql, c: CrlRecord): Promise<void> {
  await sql.query(
    'INSERT INTO ca_crls (ca, crl_number, der, this_update, next_update) VALUES ($1, $2, $3, $4, $5)',
    [c.ca, c.crlNumber, c.der, c.thisUpdate, c.nextUpdate],
  );
}

export interface BciRecord {
  sequence: number;
  crlThumbs: string;
  body: string;
  nextUpdate: Date;
}

export async function readBci(sql: Sql, brandId: string): Promise<BciRecord | undefined> {
  const rows = await sql.query<{ sequence: number; crl_thumbs: string; body: string; next_update: Date }>(
    'SELECT sequence, crl_thumbs, body, next_update FROM ca_brand_crl_identifiers WHERE brand_id = $1',
    [brandId],
  );
  const r = rows[0];
  return r
    ? {
        sequence: Number(r.sequence),
        crlThumbs: r.crl_thumbs,
        body: r.body,
        nextUpdate: new Date(r.next_update),
      }
    : undefined;
}

export async function writeBci(sql: Sql, brandId: string, b: BciRecord, at: Date): Promise<void> {
  await sql.query(
    `INSERT INTO ca_brand_crl_identifiers (brand_id, sequence, crl_thumbs, body, next_update, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (brand_id) DO UPDATE SET sequence = $2, crl_thumbs = $3, body = $4, next_update = $5,
       updated_at = $6`,
    [brandId, b.sequence, b.crlThumbs, b.body, b.nextUpdate, at],
  );
}
