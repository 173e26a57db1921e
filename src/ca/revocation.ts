/**
 * Revocation (SET-PROFILE §1 "Revocation"; RFC 5280 §5): each CA publishes an X.509 CRL of the
 * certificates it issued and revoked, and the brand CA signs a BrandCRLIdentifier listing the CRLs
 * in force, whose sequence grows whenever one of them changes.
 *
 * The database is the source of truth, so several processes sharing PostgreSQL agree: CRLs are
 * issued under one advisory lock, a revocation records the date, issues the next CRL and the next
 * BrandCRLIdentifier in a single transaction, and readers only ever see the latest committed set.
 * CRLs are valid for a week and reissued when a day old, so a reader never holds a stale one.
 */
import {
  b64u,
  buildBrandCrlIdentifier,
  hex,
  type Issuer,
  issueCrl,
  type ParsedCrl,
  parseCrl,
  type RevocationInForce,
  type SignedBody,
  sha256,
} from '../protocol/index.ts';
import type { Database, Sql } from '../storage/index.ts';
import { findCertificate, type IssuingCa, markRevoked, revokedBy } from './store/certificates.ts';
import { type CrlRecord, insertCrl, latestCrls, readBci, writeBci } from './store/crls.ts';

export const CRL_VALIDITY_MS = 7 * 86_400_000;
export const CRL_REFRESH_MS = 86_400_000;
const PUBLICATION_LOCK = 0x5e7_0ca1;
export const ISSUING_CAS: readonly IssuingCa[] = ['brand', 'cca', 'mca', 'pca'];

export type RevocationResult =
  | {
      status: 'revoked' | 'alreadyRevoked';
      serial: string;
      issuer: IssuingCa;
      revokedAt: Date;
      /** The cRLNumber of the CRL that lists it. */
      crlNumber: number;
    }
  | { status: 'unknown'; serial: string };

export interface RevocationDeps {
  db: Database;
  issuers: Record<IssuingCa, Issuer>;
  brandId: string;
  now: () => Date;
}

export class Revocation {
  private readonly parsed = new Map<string, ParsedCrl>();

  constructor(private readonly deps: RevocationDeps) {}

  /** At start: a CRL for every CA and a BrandCRLIdentifier listing them. */
  async ensurePublished(): Promise<void> {
    await this.currentCrls();
    if (!(await readBci(this.deps.db, this.deps.brandId))) await this.publish(new Set());
  }

  /** The latest CRL of every CA: one query, parsed once per CRL. What the gateway checks against. */
  async currentCrls(): Promise<ParsedCrl[]> {
    return (await this.current()).map((r) => r.crl);
  }

  async crlOf(ca: IssuingCa): Promise<ParsedCrl> {
    const found = (await this.current()).find((r) => r.ca === ca);
    if (!found) throw new Error(`no CRL published for ${ca}`);
    return found.crl;
  }

  /** The BrandCRLIdentifier and the CRLs it lists: what responses attach and providers hand out. */
  async inForce(): Promise<RevocationInForce> {
    const bci = await this.brandCrlIdentifier();
    return { bci, crls: await this.currentCrls() };
  }

  /** The signed BrandCRLIdentifier listing the current CRLs. */
  async brandCrlIdentifier(): Promise<SignedBody> {
    await this.currentCrls();
    let bci = await readBci(this.deps.db, this.deps.brandId);
    if (!bci || this.deps.now() >= bci.nextUpdate) {
      await this.publish(new Set());
      bci = await readBci(this.deps.db, this.deps.brandId);
    }
    if (!bci) throw new Error('the BrandCRLIdentifier was not published');
    return JSON.parse(bci.body) as SignedBody;
  }

  /**
   * Revokes a certificate this site issued: records the date, then issues its CA's next CRL and
   * the next BrandCRLIdentifier, all in one transaction. Revoking twice changes nothing.
   */
  async revoke(serial: string): Promise<RevocationResult> {
    const at = this.deps.now();
    return this.deps.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PUBLICATION_LOCK]);
      const cert = await findCertificate(tx, serial, true);
      if (!cert) return { status: 'unknown', serial } as const;
      if (cert.revokedAt) {
        const latest = (await latestCrls(tx)).find((c) => c.ca === cert.issuer);
        return {
          status: 'alreadyRevoked',
          serial,
          issuer: cert.issuer,
          revokedAt: cert.revokedAt,
          crlNumber: latest?.crlNumber ?? 0,
        } as const;
      }
      await markRevoked(tx, serial, at);
      const published = await this.publishLocked(tx, at, new Set([cert.issuer]));
      return {
        status: 'revoked',
        serial,
        issuer: cert.issuer,
        revokedAt: at,
        crlNumber: published.get(cert.issuer)!.crlNumber,
      } as const;
    });
  }

  private async current(): Promise<{ ca: IssuingCa; crl: ParsedCrl }[]> {
    let records = await latestCrls(this.deps.db);
    if (this.due(records, this.deps.now())) {
      await this.publish(new Set());
      records = await latestCrls(this.deps.db);
    }
    return records.map((r) => ({ ca: r.ca, crl: this.parse(r) }));
  }

  private due(records: CrlRecord[], at: Date): boolean {
    return (
      records.length < ISSUING_CAS.length ||
      records.some((r) => at.getTime() - r.thisUpdate.getTime() >= CRL_REFRESH_MS)
    );
  }

  private parse(r: CrlRecord): ParsedCrl {
    const key = hex(sha256(r.der));
    let crl = this.parsed.get(key);
    if (!crl) {
      crl = parseCrl(r.der);
      this.parsed.set(key, crl);
      if (this.parsed.size > 64) this.parsed.delete(this.parsed.keys().next().value!);
    }
    return crl;
  }

  private async publish(force: Set<IssuingCa>): Promise<void> {
    const at = this.deps.now();
    await this.deps.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [PUBLICATION_LOCK]);
      await this.publishLocked(tx, at, force);
    });
  }

  /**
   * Under the lock: issues the next CRL of every CA in `force`, missing, or due, then a new
   * BrandCRLIdentifier (sequence + 1) if the set of CRLs changed or it is due.
   */
  private async publishLocked(tx: Sql, at: Date, force: Set<IssuingCa>): Promise<Map<IssuingCa, CrlRecord>> {
    const byCa = new Map((await latestCrls(tx)).map((r) => [r.ca, r]));
    let changed = false;
    for (const ca of ISSUING_CAS) {
      const current = byCa.get(ca);
      if (current && !force.has(ca) && at.getTime() - current.thisUpdate.getTime() < CRL_REFRESH_MS) continue;
      const crl = issueCrl({
        issuer: this.deps.issuers[ca],
        crlNumber: (current?.crlNumber ?? 0) + 1,
        thisUpdate: at,
        nextUpdate: new Date(at.getTime() + CRL_VALIDITY_MS),
        revoked: await revokedBy(tx, ca, at),
      });
      const record = {
        ca,
        crlNumber: crl.crlNumber,
        der: crl.der,
        thisUpdate: at,
        nextUpdate: crl.nextUpdate,
      };
      await insertCrl(tx, record);
      byCa.set(ca, record);
      changed = true;
    }
    const records = ISSUING_CAS.map((ca) => byCa.get(ca)!);
    const crls = records.map((r) => this.parse(r));
    const thumbs = crls.map((c) => b64u(c.thumbprint)).join(',');
    const bci = await readBci(tx, this.deps.brandId);
    if (changed || !bci || bci.crlThumbs !== thumbs || at >= bci.nextUpdate) {
      const nextUpdate = new Date(Math.min(...crls.map((c) => c.nextUpdate.getTime())));
      const sequence = (bci?.sequence ?? 0) + 1;
      const body = await buildBrandCrlIdentifier({
        brandCa: this.deps.issuers.brand,
        brandId: this.deps.brandId,
        sequence,
        crls,
        nextUpdate,
        now: at,
      });
      await writeBci(
        tx,
        this.deps.brandId,
        { sequence, crlThumbs: thumbs, body: JSON.stringify(body), nextUpdate },
        at,
      );
    }
    return byCa;
  }
}
