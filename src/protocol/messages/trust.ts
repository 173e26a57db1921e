/**
 * What a verifier trusts and remembers (SET-PROFILE §1 thumbprints and revocation): its trusted
 * roots, the CRLs in force, and a cache of certificates by thumbprint whose chains it has
 * already validated, so a chain is verified once and then only re-checked for dates and CRLs.
 */

import { b64u, fromB64u, hex } from '../encoding.ts';
import { fail, SetError } from '../errors.ts';
import { parseCertificate } from '../pki/certificate.ts';
import { parseCrl } from '../pki/crl.ts';
import { validatePath } from '../pki/path.ts';
import type { CertificateType, KeyRole, ParsedCertificate, ParsedCrl, ValidatedPath } from '../pki/types.ts';
import { sha256 } from '../primitives/hash.ts';
import type { Clock } from './wire.ts';

export interface Expectation {
  types: CertificateType[];
  keyRole: KeyRole;
}

export class TrustStore {
  private readonly certs = new Map<string, ParsedCertificate>();
  private readonly validated = new Map<string, ValidatedPath>();
  private readonly crlList: ParsedCrl[] = [];

  constructor(
    readonly trustedRoots: ParsedCertificate[],
    crls: ParsedCrl[] = [],
  ) {
    for (const root of trustedRoots) this.certs.set(hex(root.thumbprint), root);
    for (const crl of crls) this.addCrl(crl);
  }

  get crls(): readonly ParsedCrl[] {
    return this.crlList;
  }

  /** Adds a CRL; a newer CRL from the same issuer replaces the older, and cached paths are re-checked. */
  addCrl(crl: ParsedCrl): void {
    const i = this.crlList.findIndex((c) => c.issuerDn === crl.issuerDn);
    if (i >= 0 && this.crlList[i]!.crlNumber >= crl.crlNumber) return;
    if (i >= 0) this.crlList.splice(i, 1);
    this.crlList.push(crl);
    this.validated.clear();
  }

  /** Thumbprints of everything held, to send as `thumbs` so the peer leaves those out. */
  thumbs(): string[] {
    return [...this.certs.values()].map((c) => b64u(c.thumbprint));
  }

  has(thumbprint: Uint8Array): boolean {
    return this.certs.has(hex(thumbprint));
  }

  get(thumbprint: Uint8Array): ParsedCertificate | undefined {
    return this.certs.get(hex(thumbprint));
  }

  /** Parses carried certificates (base64url DER) into the pool. Parsing is not trusting: see `verify`. */
  addEncoded(encoded: readonly string[] | undefined): void {
    for (const e of encoded ?? []) {
      const der = fromB64u(e, 'certificate');
      // The thumbprint is the hash of these exact bytes: a certificate already held is not parsed again.
      if (this.certs.has(hex(sha256(der)))) continue;
      const cert = parseCertificate(der);
      this.certs.set(hex(cert.thumbprint), cert);
    }
  }

  addEncodedCrls(encoded: readonly string[] | undefined): void {
    for (const e of encoded ?? []) this.addCrl(parseCrl(fromB64u(e, 'CRL')));
  }

  add(cert: ParsedCertificate): void {
    this.certs.set(hex(cert.thumbprint), cert);
  }

  /**
   * Finds the certificate with `thumbprint` and validates its chain to a trusted root for the
   * expected use. `missing` is the code to use when the certificate is absent (missingCertificate,
   * or thumbsMismatch when the peer left it out because of our thumbs).
   */
  verify(
    thumbprint: Uint8Array,
    expect: Expectation,
    clock: Clock,
    missing: 'missingCertificate' | 'thumbsMismatch' = 'missingCertificate',
  ): ValidatedPath {
    const leaf = this.get(thumbprint);
    if (!leaf)
      return fail(missing, `the certificate ${hex(thumbprint).slice(0, 16)}… is neither carried nor cached`);
    const key = `${hex(thumbprint)}/${expect.types.join(',')}/${expect.keyRole}`;
    const cached = this.validated.get(key);
    if (cached) {
      recheck(cached, clock.now, this.crlList);
      return cached;
    }
    const path = validatePath({
      leaf,
      pool: [...this.certs.values()],
      trustedRoots: this.trustedRoots,
      at: clock.now,
      crls: this.crlList,
      expect,
    });
    this.validated.set(key, path);
    return path;
  }
}

/** Cheap re-checks of a cached path: validity dates and revocation. Signatures were checked once. */
function recheck(path: ValidatedPath, at: Date, crls: readonly ParsedCrl[]): void {
  for (const cert of path.chain) {
    if (at < cert.notBefore || at > cert.notAfter) {
      throw new SetError(
        'expiredCertificate',
        `the certificate "${cert.subject.commonName}" is not valid at ${at.toISOString()}`,
      );
    }
    for (const crl of crls) {
      if (crl.issuerDn === cert.issuerDn && crl.revoked.has(cert.serialNumber)) {
        throw new SetError(
          'revokedCertificate',
          `the certificate "${cert.subject.commonName}" has been revoked`,
        );
      }
    }
  }
}

/** What every verifier needs: whom it trusts and what time it is. */
export interface VerifyContext {
  trust: TrustStore;
  clock: Clock;
}

/**
 * The certificates to carry in a message: each chain (leaf first, root never: roots are trust
 * anchors held locally) less those whose thumbprints the peer listed (SET-PROFILE §1).
 */
export function carriedCerts(
  chains: readonly (readonly ParsedCertificate[])[],
  peerThumbs: readonly string[] = [],
): string[] {
  const skip = new Set(peerThumbs);
  const out: string[] = [];
  for (const chain of chains) {
    for (const cert of chain) {
      const t = b64u(cert.thumbprint);
      if (cert.certificateType === 'root' || skip.has(t)) continue;
      skip.add(t);
      out.push(b64u(cert.der));
    }
  }
  return out;
}
