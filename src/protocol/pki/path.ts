/**
 * Certification path validation for SET/2 (RFC 5280 §6, narrowed to SET's strict tree, SET Book 2
 * "Certificate Management"): root → brand CA → [geopolitical CA] → CCA | MCA | PCA → end entity.
 * Checks run cheapest and most explanatory first: how the leaf is used, then path shape and
 * signatures, then time, then revocation.
 */

import { hex } from '../encoding.ts';
import { fail } from '../errors.ts';
import { verifyNative } from '../primitives/ecdsa.ts';
import { constantTimeEqual } from '../primitives/hash.ts';
import { verifyKeyOf } from './keys.ts';
import type {
  CertificateChain,
  CertificateType,
  KeyRole,
  ParsedCertificate,
  ParsedCrl,
  ValidatedPath,
} from './types.ts';

export interface PathRequest {
  leaf: ParsedCertificate;
  /** Intermediate certificates in any order; extras are ignored. */
  pool: ParsedCertificate[];
  trustedRoots: ParsedCertificate[];
  at: Date;
  crls?: ParsedCrl[];
  /** What the caller is about to use the leaf for. */
  expect: { types: CertificateType[]; keyRole: KeyRole };
  /**
   * Signature links already verified ("issuer thumbprint/child thumbprint", a self-signature as
   * "root/root"), kept by the caller (a TrustCache) so each CA link is verified once per store.
   * Only links that verified are added.
   */
  verifiedLinks?: VerifiedLinks;
  /** Told of every certificate signature actually checked (not those found in verifiedLinks); for tests. */
  onSignatureCheck?: (issuer: ParsedCertificate, child: ParsedCertificate) => void;
}

/** Where verified signature links are remembered (a bounded set in TrustCache). */
export interface VerifiedLinks {
  has(link: string): boolean;
  add(link: string): void;
}

/** root, brand, geo, CA, end entity, with room to spare: longer paths are not SET paths. */
const MAX_PATH_LENGTH = 8;

/** SET's hierarchy (SET-PROFILE §1): which certificate types each type may issue. */
const MAY_ISSUE: Readonly<Record<CertificateType, readonly CertificateType[]>> = {
  root: ['brand-ca'],
  'brand-ca': ['geo-ca', 'cardholder-ca', 'merchant-ca', 'gateway-ca'],
  'geo-ca': ['cardholder-ca', 'merchant-ca', 'gateway-ca'],
  'cardholder-ca': ['cardholder'],
  'merchant-ca': ['merchant'],
  'gateway-ca': ['gateway'],
  cardholder: [],
  merchant: [],
  gateway: [],
};

export async function validatePath(opts: PathRequest): Promise<ValidatedPath> {
  assertLeafUse(opts.leaf, opts.expect);
  const chain = await buildChain(opts.leaf, opts.pool, opts.trustedRoots, {
    verified: opts.verifiedLinks ?? new Set(),
    ...(opts.onSignatureCheck ? { onCheck: opts.onSignatureCheck } : {}),
  });
  const root = chain[chain.length - 1]!;
  if (!opts.trustedRoots.some((r) => constantTimeEqual(r.thumbprint, root.thumbprint))) {
    fail('invalidCertificate', `the ${describe(opts.leaf)} chains to an untrusted root "${root.subjectDn}"`);
  }
  assertHierarchy(chain);
  assertCaConstraints(chain);
  for (const c of chain) assertValidAt(c, opts.at);
  await assertNotRevoked(chain, opts.crls ?? []);
  const brand = chain.find((c) => c.certificateType === 'brand-ca');
  if (!brand) return fail('invalidCertificate', 'a SET path runs through a brand CA');
  return { chain, root, brandId: brand.subject.commonName };
}

function assertLeafUse(leaf: ParsedCertificate, expect: PathRequest['expect']): void {
  if (!expect.types.includes(leaf.certificateType)) {
    fail(
      'invalidCertificate',
      `a ${leaf.certificateType} certificate was used where a ${expect.types.join(' or ')} certificate is required`,
    );
  }
  if (leaf.keyRole !== expect.keyRole) {
    fail(
      'invalidCertificate',
      `a ${leaf.certificateType} ${leaf.keyRole} certificate was used where a ${expect.keyRole} certificate is required`,
    );
  }
}

/**
 * Leaf to self-signed root. An issuer matches on DN and, when the child names one, on key ID
 * (RFC 5280 §4.2.1.1); among matches the one whose key verifies the child's signature wins.
 */
async function buildChain(
  leaf: ParsedCertificate,
  pool: ParsedCertificate[],
  trustedRoots: ParsedCertificate[],
  verifiedLinks: Links,
): Promise<CertificateChain> {
  const chain: CertificateChain = [leaf];
  let current = leaf;
  while (!isSelfIssued(current)) {
    if (chain.length >= MAX_PATH_LENGTH) fail('invalidCertificate', 'the certification path is too long');
    const child = current;
    const candidates = [...trustedRoots, ...pool].filter(
      (c) =>
        c.subjectDn === child.issuerDn &&
        (child.authorityKeyId === undefined || constantTimeEqual(child.authorityKeyId, c.subjectKeyId)),
    );
    if (candidates.length === 0) {
      fail('missingCertificate', `the issuer "${child.issuerDn}" of the ${describe(child)} was not supplied`);
    }
    let issuer: ParsedCertificate | undefined;
    for (const c of candidates) {
      if (await signs(c, child, verifiedLinks)) {
        issuer = c;
        break;
      }
    }
    if (!issuer) return fail('invalidCertificate', `the signature on the ${describe(child)} does not verify`);
    if (chain.some((c) => constantTimeEqual(c.thumbprint, issuer.thumbprint))) {
      fail('invalidCertificate', 'the certification path loops');
    }
    chain.push(issuer);
    current = issuer;
  }
  if (!(await signs(current, current, verifiedLinks))) {
    fail('invalidCertificate', `the self-signature on the ${describe(current)} does not verify`);
  }
  return chain;
}

/** Whether `issuer`'s key verifies `child`'s signature; a verified link is remembered, never a failed one. */
/** The links verified so far, and who is told of each check made. */
interface Links {
  verified: VerifiedLinks;
  onCheck?: (issuer: ParsedCertificate, child: ParsedCertificate) => void;
}

async function signs(issuer: ParsedCertificate, child: ParsedCertificate, links: Links): Promise<boolean> {
  const link = `${hex(issuer.thumbprint)}/${hex(child.thumbprint)}`;
  if (links.verified.has(link)) return true;
  links.onCheck?.(issuer, child);
  const ok = await verifyNative(child.signature, child.tbs, await verifyKeyOf(issuer));
  if (ok) links.verified.add(link);
  return ok;
}

function isSelfIssued(c: ParsedCertificate): boolean {
  return (
    c.subjectDn === c.issuerDn &&
    (c.authorityKeyId === undefined || constantTimeEqual(c.authorityKeyId, c.subjectKeyId))
  );
}

function assertHierarchy(chain: ParsedCertificate[]): void {
  const root = chain[chain.length - 1]!;
  if (root.certificateType !== 'root')
    fail('invalidCertificate', `the path ends in a ${root.certificateType}, not a root`);
  for (let i = chain.length - 2; i >= 0; i--) {
    const child = chain[i]!;
    const parent = chain[i + 1]!;
    if (!MAY_ISSUE[parent.certificateType].includes(child.certificateType)) {
      fail(
        'invalidCertificate',
        `a ${child.certificateType} certificate cannot be issued by a ${parent.certificateType}`,
      );
    }
  }
}

/** RFC 5280 §6.1.4 (k), (l), (n): issuers are CAs with keyCertSign, within their pathLenConstraint. */
function assertCaConstraints(chain: ParsedCertificate[]): void {
  for (let i = 1; i < chain.length; i++) {
    const ca = chain[i]!;
    if (!ca.isCA || !ca.keyUsage.keyCertSign) fail('invalidCertificate', `the ${describe(ca)} may not issue`);
    // Intermediates below this CA: chain[1..i-1] (the leaf does not count).
    if (ca.pathLength !== undefined && i - 1 > ca.pathLength) {
      fail(
        'invalidCertificate',
        `the ${describe(ca)} allows ${ca.pathLength} CAs below it, the path has ${i - 1}`,
      );
    }
  }
}

function assertValidAt(c: ParsedCertificate, at: Date): void {
  if (at < c.notBefore) {
    fail('expiredCertificate', `the ${describe(c)} is not valid until ${c.notBefore.toISOString()}`);
  }
  if (at > c.notAfter)
    fail('expiredCertificate', `the ${describe(c)} expired on ${c.notAfter.toISOString()}`);
}

/**
 * A CRL counts only when its issuer is the CA that issued the certificate and its signature
 * verifies under that CA's cRLSign key (RFC 5280 §6.3.3); any other CRL is ignored.
 */
async function assertNotRevoked(chain: ParsedCertificate[], crls: ParsedCrl[]): Promise<void> {
  for (let i = 0; i < chain.length - 1; i++) {
    const cert = chain[i]!;
    const issuer = chain[i + 1]!;
    for (const crl of crls) {
      const revokedAt = crl.revoked.get(cert.serialNumber);
      if (
        revokedAt &&
        crl.issuerDn === issuer.subjectDn &&
        (crl.authorityKeyId === undefined || constantTimeEqual(crl.authorityKeyId, issuer.subjectKeyId)) &&
        issuer.keyUsage.cRLSign &&
        (await verifyNative(crl.signature, crl.tbs, await verifyKeyOf(issuer)))
      ) {
        fail('revokedCertificate', `the ${describe(cert)} was revoked on ${revokedAt.toISOString()}`);
      }
    }
  }
}

function describe(c: ParsedCertificate): string {
  return `${c.certificateType} certificate "${c.subjectDn}"`;
}
