/**
 * What a verifier trusts and remembers (SET-PROFILE §1 thumbprints and revocation), in two parts:
 *
 * - `TrustCache`, long-lived: the trusted roots, the CRLs in force, and a bounded (LRU) cache of
 *   chains already validated, so a chain is verified once and then only re-checked for dates and
 *   revocation. Nothing enters it that has not been verified.
 * - `TrustStore`, one per message or request: the certificates and CRLs the message carried, which
 *   live only as long as the request, over a TrustCache. A carried certificate reaches the cache
 *   only as part of a chain that validated to a trusted root.
 *
 * CRLs come in two ways. A trusted provider (the gateway or merchant reading its CA's store) sets
 * the CRLs in force as a whole with `setCrls`. A CRL carried in a message is offered with
 * `offerCrls`: it replaces its issuer's CRL in force only once its signature verifies under the
 * issuer's validated certificate, and only if it is newer (RFC 5280 §6.3.3; SET-PROFILE §6).
 * Revocation is judged, for a new path and for a cached one alike, only by a CRL whose signature
 * verifies under the issuer in that path.
 */

import { b64u, fromB64u, hex } from '../encoding.ts';
import { fail, SetError } from '../errors.ts';
import { parseCertificate } from '../pki/certificate.ts';
import { parseCrl } from '../pki/crl.ts';
import { verifyKeyOf } from '../pki/keys.ts';
import { validatePath } from '../pki/path.ts';
import type { CertificateType, KeyRole, ParsedCertificate, ParsedCrl, ValidatedPath } from '../pki/types.ts';
import { verifyNative } from '../primitives/ecdsa.ts';
import { constantTimeEqual, sha256 } from '../primitives/hash.ts';
import type { Clock } from './wire.ts';

export interface Expectation {
  types: CertificateType[];
  keyRole: KeyRole;
}

/** Validated chains a TrustCache remembers by default; the least recently used go first. */
export const DEFAULT_MAX_VALIDATED = 1000;
/** Certificates one request's TrustStore holds at most (a message carries at most MAX_CARRIED_CERTS). */
export const MAX_REQUEST_CERTS = 32;
/** Unverified CRLs one request's TrustStore holds at most. */
export const MAX_REQUEST_CRLS = 16;

/** What a CA certificate that signs CRLs is: any CA type, signature role (RFC 5280 §6.3.3 (f)). */
const CRL_ISSUER: Expectation = {
  types: ['root', 'brand-ca', 'geo-ca', 'cardholder-ca', 'merchant-ca', 'gateway-ca'],
  keyRole: 'signature',
};

/**
 * A verification that cost a signature check, as a TrustCache's observer hears of it: a chain
 * validated anew (`path`), each certificate signature that validation checks (`link`: a CA link
 * already verified in this cache is not checked again), a CRL's signature checked (`crl`), a signed
 * message's signature checked (`signature`, with the structure's name). Cached answers and re-checks of dates and revocation
 * are not reported. Tests count these to prove what is not verified twice.
 */
export type VerifyEvent =
  | { kind: 'path'; leaf: string }
  | { kind: 'link'; issuer: string; subject: string }
  | { kind: 'crl'; issuer: string }
  | { kind: 'signature'; what: string };

export interface TrustCacheOptions {
  /** The CRLs in force, from a trusted provider (as `setCrls`). */
  crls?: readonly ParsedCrl[];
  /** Validated chains remembered at most (default DEFAULT_MAX_VALIDATED). */
  maxValidated?: number;
  /** Hears every verification that checks a signature (see VerifyEvent). */
  observe?: (event: VerifyEvent) => void;
}

/** What offering a CRL did. */
export type CrlOffer = 'inForce' | 'notNewer' | 'unverified';

/** A Map that forgets its least recently used entry beyond `max`. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
  add(this: Lru<true>, key: string): void {
    this.set(key, true);
  }
  values(): IterableIterator<V> {
    return this.map.values();
  }
  get size(): number {
    return this.map.size;
  }
}

/** A CRL's issuer as CRLs and certificates both name it: DN and key identifier. */
function issuerKeyOfCrl(crl: ParsedCrl): string {
  return `${crl.issuerDn}\u0000${crl.authorityKeyId ? hex(crl.authorityKeyId) : ''}`;
}

/** RFC 5280 §5.2.3: a higher cRLNumber is newer; at the same number, a later thisUpdate. */
function isNewer(crl: ParsedCrl, than: ParsedCrl): boolean {
  return (
    crl.crlNumber > than.crlNumber ||
    (crl.crlNumber === than.crlNumber && crl.thisUpdate.getTime() > than.thisUpdate.getTime())
  );
}

/** Does `issuer` (a certificate) match the issuer a CRL names? */
function namesIssuer(crl: ParsedCrl, issuer: ParsedCertificate): boolean {
  return (
    crl.issuerDn === issuer.subjectDn &&
    (crl.authorityKeyId === undefined || constantTimeEqual(crl.authorityKeyId, issuer.subjectKeyId))
  );
}

/** The long-lived part: trusted roots, CRLs in force, validated chains (bounded). */
export class TrustCache {
  /** In force, one per issuer (DN + key identifier); each came from a trusted provider or verified. */
  private inForce = new Map<string, ParsedCrl>();
  private readonly validated: Lru<ValidatedPath>;
  /** Every certificate of a validated chain, by hex thumbprint (for `thumbs` and omitted certificates). */
  private readonly known: Lru<ParsedCertificate>;
  /** `crl thumbprint/issuer thumbprint` pairs whose signature verified, so a re-check verifies once. */
  private readonly crlSignatures: Lru<true>;
  /**
   * `issuer thumbprint/child thumbprint` certificate signatures that verified, so each CA link is
   * verified once per cache rather than once per path (bounded; only verified links enter).
   */
  readonly verifiedLinks: Lru<true>;
  /** Signed messages whose signature verified, by signer, signature and content hash (bounded). */
  private readonly verifiedSignatures: Lru<true>;
  private readonly rootsByThumb = new Map<string, ParsedCertificate>();
  /** See TrustCacheOptions.observe. */
  readonly observe: (event: VerifyEvent) => void;

  constructor(
    readonly trustedRoots: ParsedCertificate[],
    opts: TrustCacheOptions = {},
  ) {
    this.observe = opts.observe ?? (() => {});
    const max = opts.maxValidated ?? DEFAULT_MAX_VALIDATED;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new RangeError('maxValidated must be a positive integer');
    this.validated = new Lru(max);
    // A chain has up to five certificates, most of them shared with other chains.
    this.known = new Lru(max * 4);
    this.crlSignatures = new Lru(64);
    this.verifiedLinks = new Lru(max * 4);
    this.verifiedSignatures = new Lru(256);
    for (const root of trustedRoots) this.rootsByThumb.set(hex(root.thumbprint), root);
    if (opts.crls) this.setCrls(opts.crls);
  }

  /** A TrustStore for one request: its carried certificates and CRLs stay with it. */
  forRequest(): TrustStore {
    return new TrustStore(this);
  }

  /** The CRLs in force. */
  get crls(): readonly ParsedCrl[] {
    return [...this.inForce.values()];
  }

  /** How many validated chains are remembered (at most `maxValidated`). */
  get validatedCount(): number {
    return this.validated.size;
  }

  /**
   * A trusted provider (the CA's own store) names the CRLs in force: they replace the set as a
   * whole. Revocation checks still count a CRL only when its issuer in the path signed it.
   */
  setCrls(inForce: readonly ParsedCrl[]): void {
    const next = new Map<string, ParsedCrl>();
    for (const crl of inForce) {
      const key = issuerKeyOfCrl(crl);
      const held = next.get(key);
      if (!held || isNewer(crl, held)) next.set(key, crl);
    }
    this.inForce = next;
  }

  /** The CRL in force for `issuer`'s certificates, if any. */
  crlOf(issuer: ParsedCertificate): ParsedCrl | undefined {
    return (
      this.inForce.get(`${issuer.subjectDn}\u0000${hex(issuer.subjectKeyId)}`) ??
      this.inForce.get(`${issuer.subjectDn}\u0000`)
    );
  }

  /** Whether `crl` would replace its issuer's CRL in force. */
  wouldReplace(crl: ParsedCrl): boolean {
    const held = this.inForce.get(issuerKeyOfCrl(crl));
    return !held || isNewer(crl, held);
  }

  /** Puts a CRL in force whose signature the caller verified under its issuer's validated certificate. */
  putVerifiedCrl(crl: ParsedCrl, issuer: ParsedCertificate): void {
    this.crlSignatures.set(`${hex(crl.thumbprint)}/${hex(issuer.thumbprint)}`, true);
    this.inForce.set(issuerKeyOfCrl(crl), crl);
  }

  isTrustedRoot(cert: ParsedCertificate): boolean {
    return this.rootsByThumb.has(hex(cert.thumbprint));
  }

  /** A certificate held: a trusted root or part of a validated chain. */
  certificate(thumbHex: string): ParsedCertificate | undefined {
    return this.rootsByThumb.get(thumbHex) ?? this.known.get(thumbHex);
  }

  /** Thumbprints (base64url) of every certificate held, to send as `thumbs`. */
  thumbs(): string[] {
    const all = new Set<string>();
    for (const c of this.rootsByThumb.values()) all.add(b64u(c.thumbprint));
    for (const c of this.known.values()) all.add(b64u(c.thumbprint));
    return [...all];
  }

  /** CA certificates of validated chains: issuers chain building may use without a carried copy. */
  validatedCas(): ParsedCertificate[] {
    const out: ParsedCertificate[] = [];
    for (const c of this.known.values()) if (c.isCA) out.push(c);
    return out;
  }

  cached(key: string): ValidatedPath | undefined {
    return this.validated.get(key);
  }

  remember(key: string, path: ValidatedPath): void {
    this.validated.set(key, path);
    for (const c of path.chain) this.known.set(hex(c.thumbprint), c);
  }

  /** Re-checks a cached path: validity dates, then revocation by the CRLs in force. */
  async recheck(path: ValidatedPath, at: Date): Promise<void> {
    for (const cert of path.chain) {
      if (at < cert.notBefore || at > cert.notAfter) {
        throw new SetError(
          'expiredCertificate',
          `the certificate "${cert.subject.commonName}" is not valid at ${at.toISOString()}`,
        );
      }
    }
    for (let i = 0; i < path.chain.length - 1; i++) {
      const cert = path.chain[i]!;
      const issuer = path.chain[i + 1]!;
      const crl = this.crlOf(issuer);
      if (crl?.revoked.has(cert.serialNumber) && (await this.signedBy(crl, issuer))) {
        throw new SetError(
          'revokedCertificate',
          `the certificate "${cert.subject.commonName}" has been revoked`,
        );
      }
    }
  }

  /**
   * Whether `signature` over `tbs` verifies under `signer`'s key. Memoised: the same bytes signed
   * by the same certificate (a BrandCRLIdentifier kept and carried again, a PInitRes checked on
   * arrival and at Pay) are verified once per cache.
   */
  async verifySignature(
    signer: ParsedCertificate,
    signature: Uint8Array,
    tbs: Uint8Array,
    what: string,
  ): Promise<boolean> {
    const key = `${hex(signer.thumbprint)}/${b64u(signature)}/${b64u(sha256(tbs))}`;
    if (this.verifiedSignatures.get(key)) return true;
    this.observe({ kind: 'signature', what });
    if (!(await verifyNative(signature, tbs, await verifyKeyOf(signer)))) return false;
    this.verifiedSignatures.add(key);
    return true;
  }

  /** RFC 5280 §6.3.3 (f), (g): the issuer may sign CRLs and its key verifies this one. Memoised. */
  async signedBy(crl: ParsedCrl, issuer: ParsedCertificate): Promise<boolean> {
    if (!namesIssuer(crl, issuer) || !issuer.keyUsage.cRLSign) return false;
    const key = `${hex(crl.thumbprint)}/${hex(issuer.thumbprint)}`;
    if (this.crlSignatures.get(key)) return true;
    this.observe({ kind: 'crl', issuer: issuer.subjectDn });
    if (!(await verifyNative(crl.signature, crl.tbs, await verifyKeyOf(issuer)))) return false;
    this.crlSignatures.set(key, true);
    return true;
  }
}

/**
 * One request's view of a TrustCache: what the message carried (certificates, CRLs not yet
 * verified) lives here and goes when the request does. `new TrustStore(roots)` makes a store with
 * a cache of its own (a one-off verification); a long-lived party holds a TrustCache and asks it
 * for a TrustStore per request.
 */
export class TrustStore {
  readonly cache: TrustCache;
  private readonly pool = new Map<string, ParsedCertificate>();
  /** Thumbprints (hex) of what addEncoded was given, by its base64url text: see getEncoded. */
  private readonly carried = new Map<string, string>();
  /** Carried or kept CRLs whose issuer is not (yet) known here: never used to judge anything. */
  private readonly pendingCrls: ParsedCrl[] = [];

  constructor(source: ParsedCertificate[] | TrustCache, crls: readonly ParsedCrl[] = []) {
    this.cache = source instanceof TrustCache ? source : new TrustCache(source, { crls });
  }

  get trustedRoots(): ParsedCertificate[] {
    return this.cache.trustedRoots;
  }

  /** The CRLs in force. */
  get crls(): readonly ParsedCrl[] {
    return this.cache.crls;
  }

  /**
   * Thumbprints of the CRLs this request holds: those in force and those it was given whose
   * issuer it cannot verify here (a BrandCRLIdentifier may list them; they judge nothing).
   */
  heldCrlThumbs(): Set<string> {
    return new Set([...this.cache.crls, ...this.pendingCrls].map((c) => b64u(c.thumbprint)));
  }

  /** A trusted provider's CRLs in force, replacing the set (see TrustCache.setCrls). */
  setCrls(inForce: readonly ParsedCrl[]): void {
    this.cache.setCrls(inForce);
  }

  /** Thumbprints of the roots and validated certificates, to send as `thumbs` so the peer leaves those out. */
  thumbs(): string[] {
    return this.cache.thumbs();
  }

  has(thumbprint: Uint8Array): boolean {
    return this.get(thumbprint) !== undefined;
  }

  get(thumbprint: Uint8Array): ParsedCertificate | undefined {
    const h = hex(thumbprint);
    return this.pool.get(h) ?? this.cache.certificate(h);
  }

  /**
   * A certificate by its base64url DER, as `get` would find it by the SHA-256 of those bytes: for
   * text addEncoded was given, without decoding and hashing it a second time.
   */
  getEncoded(encoded: string): ParsedCertificate | undefined {
    const h = this.carried.get(encoded) ?? hex(sha256(fromB64u(encoded, 'certificate')));
    return this.pool.get(h) ?? this.cache.certificate(h);
  }

  /** Parses carried certificates (base64url DER) into this request's pool. Parsing is not trusting: see `verify`. */
  addEncoded(encoded: readonly string[] | undefined): void {
    for (const e of encoded ?? []) {
      const der = fromB64u(e, 'certificate');
      // The thumbprint is the hash of these exact bytes: a certificate already held is not parsed again.
      const h = hex(sha256(der));
      this.carried.set(e, h);
      if (this.carried.size > MAX_REQUEST_CERTS) this.carried.delete(this.carried.keys().next().value!);
      if (this.pool.has(h) || this.cache.certificate(h)) continue;
      this.addToPool(parseCertificate(der));
    }
  }

  /** Adds a parsed certificate to this request's pool (a party's own chain, a card's chain). */
  add(cert: ParsedCertificate): void {
    if (!this.pool.has(hex(cert.thumbprint))) this.addToPool(cert);
  }

  /** Bounded: beyond MAX_REQUEST_CERTS the oldest goes (a message carries at most MAX_CARRIED_CERTS). */
  private addToPool(cert: ParsedCertificate): void {
    this.pool.set(hex(cert.thumbprint), cert);
    if (this.pool.size > MAX_REQUEST_CERTS) this.pool.delete(this.pool.keys().next().value!);
  }

  /** Offers carried CRLs (base64url DER); see `offerCrls`. */
  async offerEncodedCrls(encoded: readonly string[] | undefined, clock: Clock): Promise<void> {
    await this.offerCrls(
      (encoded ?? []).map((e) => parseCrl(fromB64u(e, 'CRL'))),
      clock,
    );
  }

  /**
   * Offers CRLs from a message or from what a party kept. Each replaces its issuer's CRL in force
   * only if it is newer and its signature verifies under the issuer's certificate, validated here
   * to a trusted root. One whose issuer is not known yet waits, for this request only, until a
   * later offer (after more certificates arrive) can verify it.
   */
  async offerCrls(crls: readonly ParsedCrl[], clock: Clock): Promise<CrlOffer[]> {
    if (crls.length === 0 && this.pendingCrls.length === 0) return [];
    const waiting = this.pendingCrls.splice(0);
    for (const crl of waiting) {
      if ((await this.offerOne(crl, clock)) === 'unverified') this.pendingCrls.push(crl);
    }
    const results: CrlOffer[] = [];
    for (const crl of crls) {
      const result = await this.offerOne(crl, clock);
      if (result === 'unverified') this.pendingCrls.push(crl);
      results.push(result);
    }
    // Bounded like the certificate pool: the oldest unverified CRLs go first.
    this.pendingCrls.splice(0, Math.max(0, this.pendingCrls.length - MAX_REQUEST_CRLS));
    return results;
  }

  private async offerOne(crl: ParsedCrl, clock: Clock): Promise<CrlOffer> {
    if (!this.cache.wouldReplace(crl)) return 'notNewer';
    for (const candidate of this.issuerCandidates(crl)) {
      // A trusted root is its own validation; any other issuer must chain to one.
      if (!this.cache.isTrustedRoot(candidate)) {
        try {
          await this.verify(candidate.thumbprint, CRL_ISSUER, clock);
        } catch (e) {
          if (e instanceof SetError) continue;
          throw e;
        }
      }
      if (!candidate.keyUsage.cRLSign) continue;
      this.cache.observe({ kind: 'crl', issuer: candidate.subjectDn });
      if (await verifyNative(crl.signature, crl.tbs, await verifyKeyOf(candidate))) {
        this.cache.putVerifiedCrl(crl, candidate);
        return 'inForce';
      }
    }
    return 'unverified';
  }

  private issuerCandidates(crl: ParsedCrl): ParsedCertificate[] {
    const all = [...this.cache.trustedRoots, ...this.cache.validatedCas(), ...this.pool.values()];
    const seen = new Set<string>();
    return all.filter((c) => {
      const h = hex(c.thumbprint);
      if (seen.has(h) || !c.isCA || !namesIssuer(crl, c)) return false;
      seen.add(h);
      return true;
    });
  }

  /**
   * Finds the certificate with `thumbprint` and validates its chain to a trusted root for the
   * expected use. `missing` is the code to use when the certificate is absent (missingCertificate,
   * or thumbsMismatch when the peer left it out because of our thumbs).
   */
  async verify(
    thumbprint: Uint8Array,
    expect: Expectation,
    clock: Clock,
    missing: 'missingCertificate' | 'thumbsMismatch' = 'missingCertificate',
  ): Promise<ValidatedPath> {
    const key = `${hex(thumbprint)}/${expect.types.join(',')}/${expect.keyRole}`;
    const cached = this.cache.cached(key);
    if (cached) {
      await this.cache.recheck(cached, clock.now);
      return cached;
    }
    const leaf = this.get(thumbprint);
    if (!leaf)
      return fail(missing, `the certificate ${hex(thumbprint).slice(0, 16)}… is neither carried nor cached`);
    this.cache.observe({ kind: 'path', leaf: leaf.subjectDn });
    const path = await validatePath({
      leaf,
      // Issuers already validated first: a carried look-alike (same name and key) cannot displace them.
      pool: [...this.cache.validatedCas(), ...this.pool.values()],
      trustedRoots: this.cache.trustedRoots,
      at: clock.now,
      crls: [...this.cache.crls],
      expect,
      verifiedLinks: this.cache.verifiedLinks,
      onSignatureCheck: (issuer, child) =>
        this.cache.observe({ kind: 'link', issuer: issuer.subjectDn, subject: child.subjectDn }),
    });
    this.cache.remember(key, path);
    return path;
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
