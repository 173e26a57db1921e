/**
 * What the wallet keeps of each brand's revocation state (SET-PROFILE §1 "Revocation", §6): the
 * newest BrandCRLIdentifier it verified and the CRLs in force it verified, in the `meta` store.
 * Their thumbprints go in PInitReq's `thumbs`, so a merchant attaches them only when the wallet
 * lacks them. Nothing is kept that did not verify: CRLs under their issuer's validated certificate
 * (TrustStore.offerCrls), the BrandCRLIdentifier under the brand CA.
 */
import {
  b64u,
  type Clock,
  currentBrandCrlIdentifier,
  fromB64u,
  type ParsedCrl,
  parseCrl,
  revocationThumbs,
  SetError,
  type SignedBody,
  type TrustStore,
} from '../protocol/core.ts';
import type { RevocationRecord, WalletDb } from './vault/db.ts';

/** CRLs kept per brand: one per CA of the brand, with room. */
const MAX_CRLS_PER_BRAND = 8;

export interface KeptRevocation {
  bci?: SignedBody;
  crls: ParsedCrl[];
}

export class Revocations {
  constructor(private readonly db: WalletDb) {}

  async load(brandId: string): Promise<KeptRevocation> {
    const kept = (await this.record()).brands[brandId];
    if (!kept) return { crls: [] };
    const crls: ParsedCrl[] = [];
    for (const der of kept.crls) {
      try {
        crls.push(parseCrl(fromB64u(der, 'CRL')));
      } catch (e) {
        if (!(e instanceof SetError)) throw e;
      }
    }
    return { ...(kept.bci ? { bci: kept.bci } : {}), crls };
  }

  /** The thumbprints to list in PInitReq's `thumbs`. */
  thumbs(kept: KeptRevocation): string[] {
    return revocationThumbs(kept);
  }

  /** Offers the kept CRLs to a request's trust store; they count once their issuers are validated there. */
  async offer(kept: KeptRevocation, trust: TrustStore, clock: Clock): Promise<void> {
    await trust.offerCrls(kept.crls, clock);
  }

  /**
   * After a merchant's answer was verified (or refused): keeps the CRLs now in force in `trust`
   * (each verified under its issuer, newest per issuer) and the newer of the kept and the carried
   * BrandCRLIdentifier. Returns whether the brand has a current BrandCRLIdentifier whose CRLs
   * are all held: without one the wallet cannot tell what is revoked.
   */
  async keep(
    brandId: string,
    kept: KeptRevocation,
    carriedBci: unknown,
    trust: TrustStore,
    clock: Clock,
  ): Promise<boolean> {
    const current = await currentBrandCrlIdentifier([carriedBci, kept.bci], brandId, { trust, clock });
    // Those in force now, and those kept before whose issuer this answer did not reach.
    const inForce = trust.crls;
    const issuers = new Set(inForce.map((c) => c.issuerDn));
    const keeping = [...inForce, ...kept.crls.filter((c) => !issuers.has(c.issuerDn))].slice(
      0,
      MAX_CRLS_PER_BRAND,
    );
    // A BrandCRLIdentifier is kept only with every CRL it lists: listing its thumbprint in `thumbs`
    // tells merchants to send none of them.
    const held = new Set(keeping.map((c) => b64u(c.thumbprint)));
    const bci = current?.content.crls.every((t) => held.has(t)) ? current.bci : undefined;
    const record = await this.record();
    record.brands[brandId] = { ...(bci ? { bci } : {}), crls: keeping.map((c) => b64u(c.der)) };
    await this.db.put('meta', record);
    return current !== undefined;
  }

  private async record(): Promise<RevocationRecord> {
    const found = (await this.db.get('meta', 'revocation')) as RevocationRecord | undefined;
    return found ?? { id: 'revocation', brands: {} };
  }
}
