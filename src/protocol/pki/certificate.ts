/**
 * SET/2 certificates (SET-PROFILE §1): X.509 v3, P-256, ecdsa-with-SHA256, RFC 5280 standard
 * extensions plus SET's own under 2.23.42.7. `parseCertificate` reads one with der.ts's strict
 * reader and checks that it is well formed and self-consistent; whether it is trusted is path.ts's
 * question. Issuing is issue.ts (CAs only).
 */
import { fromHex, hex } from '../encoding.ts';
import { fail, withCode } from '../errors.ts';
import { sha256 } from '../primitives/hash.ts';
import { assertEcdsaWithSha256, publicKeyOfSpki, rawSignatureOf } from './algorithms.ts';
import {
  booleanOf,
  CONTEXT,
  type Der,
  DerReader,
  integerOf,
  namedBitsOf,
  octetsOf,
  oidOf,
  readDer,
  readSequence,
  sequence,
  smallIntegerOf,
  TAG,
  textOf,
  timeOf,
  UNIVERSAL,
} from './der.ts';
import { dnFromName, nameToString } from './name.ts';
import { toPem } from './pem.ts';
import {
  decodeCertificateType,
  decodeHashedRootKey,
  decodeMerchantData,
  decodeSetBoolean,
  decodeSetExtensions,
  SET_OID,
} from './set-extensions.ts';
import type { CertificateType, KeyRole, ParsedCertificate } from './types.ts';

export { pemToDers } from './pem.ts';

/** RFC 5280 standard extensions SET/2 certificates carry (id-ce 2.5.29). */
export const ID_CE = {
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  cRLNumber: '2.5.29.20',
  certificatePolicies: '2.5.29.32',
  authorityKeyIdentifier: '2.5.29.35',
} as const;

const CA_TYPES: ReadonlySet<CertificateType> = new Set([
  'root',
  'brand-ca',
  'geo-ca',
  'cardholder-ca',
  'merchant-ca',
  'gateway-ca',
]);

export function isCaType(type: CertificateType): boolean {
  return CA_TYPES.has(type);
}

/** KeyUsage named bits (RFC 5280 §4.2.1.3). */
export const KEY_USAGE_BIT = { digitalSignature: 0, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;

/** RFC 5280 §4.1.2.2: positive, at most 20 octets. */
const MAX_SERIAL_OCTETS = 20;
export const UNIQUE_CARDHOLDER_ID_LENGTH = 32;

/**
 * The MerchantID a merchant certificate names (its SET MerchantData extension), or its subject's
 * common name for a certificate without one: the identity a gateway and a merchant agree on.
 */
export function merchantIdOf(cert: ParsedCertificate): string {
  return cert.merchantData?.merchantId ?? cert.subject.commonName;
}

/**
 * A web origin as browsers serialise it (`location.origin`): http(s), lowercase host, no default
 * port, no path. SET/2 origin binding compares these strings exactly.
 */
export function isWebOrigin(text: string): boolean {
  const m = /^(https?):\/\/([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(?::([1-9]\d{0,4}))?$/.exec(
    text,
  );
  if (!m) return false;
  const [, scheme, host, port] = m;
  if (host!.includes('..')) return false;
  if (port === undefined) return true;
  const n = Number(port);
  return n <= 65535 && !(scheme === 'http' && n === 80) && !(scheme === 'https' && n === 443);
}

/** RFC 7093 §2 method 1: leftmost 160 bits of SHA-256 over the subjectPublicKey bits. */
export function keyIdentifierOf(publicKey: Uint8Array): Uint8Array {
  return sha256(publicKey).slice(0, 20);
}

export function certificateToPem(der: Uint8Array): string {
  return toPem(der, 'CERTIFICATE');
}

/** Decodes and checks one certificate; every failure is a SetError (decodingFailure unless more specific). */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  return withCode('decodingFailure', 'the certificate could not be decoded', () => parse(der.slice()));
}

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertificate ::= SEQUENCE { version [0] EXPLICIT (v3), serialNumber INTEGER, signature,
 *   issuer Name, validity SEQUENCE { Time, Time }, subject Name, subjectPublicKeyInfo,
 *   issuerUniqueID [1] IMPLICIT OPTIONAL, subjectUniqueID [2] IMPLICIT OPTIONAL,
 *   extensions [3] EXPLICIT Extensions }  (RFC 5280 §4.1)
 */
function parse(der: Uint8Array): ParsedCertificate {
  const what = 'certificate';
  const cert = readSequence(der, what);
  const tbsNode = cert.next(TAG.sequence);
  const signatureAlgorithm = cert.any();
  const signatureValue = cert.any();
  cert.end();
  const tbs = sequence(tbsNode, 'TBSCertificate');
  const version = tbs.optional(0, CONTEXT);
  if (!version || explicitInteger(version, 'version') !== 2)
    fail('decodingFailure', 'not an X.509 v3 certificate');
  const serial = integerOf(tbs.any(), 'serialNumber');
  const signature = tbs.any();
  // RFC 5280 §4.1.1.2: signatureAlgorithm must equal the signature field inside the TBS.
  assertEcdsaWithSha256(signatureAlgorithm, 'the certificate');
  assertEcdsaWithSha256(signature, 'the certificate');
  const issuer = tbs.next(TAG.sequence);
  const validity = sequence(tbs.next(TAG.sequence), 'validity');
  const notBefore = timeOf(validity.any(), 'notBefore');
  const notAfter = timeOf(validity.any(), 'notAfter');
  validity.end();
  const subjectName = tbs.next(TAG.sequence);
  const spki = tbs.next(TAG.sequence);
  const issuerUid = tbs.optional(1, CONTEXT);
  const subjectUid = tbs.optional(2, CONTEXT);
  for (const uid of [issuerUid, subjectUid]) {
    if (uid?.constructed) fail('decodingFailure', 'a unique identifier must be a BIT STRING');
  }
  const extensionsNode = tbs.optional(3, CONTEXT);
  tbs.end();
  const extensions = readExtensions(extensionsNode);
  const subject = dnFromName(subjectName);

  const certificateType = decodeCertificateType(extensions.require(SET_OID.certificateType, true));
  const basic = extensions.optional(ID_CE.basicConstraints, decodeBasicConstraints);
  const isCA = basic?.cA ?? false;
  const pathLength = basic?.pathLength;
  const usageBits = extensions.optional(ID_CE.keyUsage, (v) =>
    namedBitsOf(readDer(v, 'keyUsage'), 'keyUsage'),
  );
  if (!usageBits) return fail('invalidCertificate', `the certificate lacks extension ${ID_CE.keyUsage}`);
  const keyUsage = {
    digitalSignature: usageBits.has(KEY_USAGE_BIT.digitalSignature),
    keyAgreement: usageBits.has(KEY_USAGE_BIT.keyAgreement),
    keyCertSign: usageBits.has(KEY_USAGE_BIT.keyCertSign),
    cRLSign: usageBits.has(KEY_USAGE_BIT.cRLSign),
  };
  const subjectKeyId = octetsOf(
    readDer(extensions.require(ID_CE.subjectKeyIdentifier), 'subjectKeyIdentifier'),
    'subjectKeyIdentifier',
  ).slice();
  const authorityKeyId = extensions.optional(ID_CE.authorityKeyIdentifier, decodeAuthorityKeyId);
  extensions.optional(ID_CE.certificatePolicies, decodeCertificatePolicies);
  const origins = extensions.optional(ID_CE.subjectAltName, decodeUris) ?? [];
  const merchantData = extensions.optional(SET_OID.merchantData, decodeMerchantData);
  const hashedRootKey = extensions.optional(SET_OID.hashedRootKey, decodeHashedRootKey);
  const cardCertRequired = extensions.optional(SET_OID.cardCertRequired, (v) =>
    decodeSetBoolean(v, 'cardCertRequired'),
  );
  extensions.optional(SET_OID.tunneling, (v) => decodeSetBoolean(v, 'tunneling'));
  extensions.optional(SET_OID.setExtensions, decodeSetExtensions);
  extensions.rejectUnknownCritical();

  const parsed: ParsedCertificate = {
    der,
    thumbprint: sha256(der),
    serialNumber: serialToHex(serial),
    subject,
    subjectDn: nameToString(subjectName),
    issuerDn: nameToString(issuer),
    subjectKeyId,
    notBefore,
    notAfter,
    publicKey: publicKeyOfSpki(spki, 'the certificate key'),
    certificateType,
    keyRole: keyRoleOf(certificateType, isCA, keyUsage),
    isCA,
    keyUsage,
    origins,
    tbs: tbsNode.bytes.slice(),
    signature: rawSignatureOf(signatureValue, 'the certificate signature'),
  };
  if (authorityKeyId) parsed.authorityKeyId = authorityKeyId;
  if (pathLength !== undefined) parsed.pathLength = pathLength;
  if (merchantData) parsed.merchantData = merchantData;
  if (hashedRootKey) parsed.hashedRootKey = hashedRootKey;
  if (cardCertRequired !== undefined) parsed.cardCertRequired = cardCertRequired;
  if (certificateType === 'cardholder') parsed.uniqueCardholderId = uniqueIdOf(subject.commonName);
  assertConsistent(parsed);
  return parsed;
}

/** [n] EXPLICIT INTEGER. */
function explicitInteger(node: Der, what: string): number {
  const r = new DerReader(node, what);
  const n = smallIntegerOf(r.any(), what);
  r.end();
  return n;
}

/** BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL } */
function decodeBasicConstraints(v: Uint8Array): { cA: boolean; pathLength?: number } {
  const what = 'basicConstraints';
  const r = readSequence(v, what);
  const ca = r.optional(TAG.boolean);
  // X.690 §11.5: a DEFAULT value is never encoded.
  if (ca && !booleanOf(ca, what)) fail('decodingFailure', `${what} encodes its DEFAULT cA FALSE`);
  const length = r.optional(TAG.integer);
  r.end();
  const out: { cA: boolean; pathLength?: number } = { cA: ca !== undefined };
  if (length) out.pathLength = smallIntegerOf(length, 'pathLenConstraint');
  return out;
}

/**
 * AuthorityKeyIdentifier ::= SEQUENCE { keyIdentifier [0] IMPLICIT OCTET STRING OPTIONAL,
 *   authorityCertIssuer [1] IMPLICIT GeneralNames OPTIONAL,
 *   authorityCertSerialNumber [2] IMPLICIT INTEGER OPTIONAL }
 */
export function decodeAuthorityKeyId(v: Uint8Array): Uint8Array | undefined {
  const what = 'authorityKeyIdentifier';
  const r = readSequence(v, what);
  const id = r.optional(0, CONTEXT);
  const issuer = r.optional(1, CONTEXT);
  const serial = r.optional(2, CONTEXT);
  r.end();
  if (id?.constructed || (issuer && !issuer.constructed) || serial?.constructed) {
    fail('decodingFailure', `${what} is malformed`);
  }
  return id?.value.slice();
}

/** CertificatePolicies ::= SEQUENCE SIZE (1..MAX) OF SEQUENCE { policyIdentifier OID, policyQualifiers SEQUENCE OF … OPTIONAL } */
function decodeCertificatePolicies(v: Uint8Array): string[] {
  const what = 'certificatePolicies';
  const r = readSequence(v, what);
  if (r.done) fail('decodingFailure', `${what} is empty`);
  return r.node.children.map((info) => {
    const p = sequence(info, what);
    const oid = oidOf(p.any(), what);
    p.optional(TAG.sequence);
    p.end();
    return oid;
  });
}

/** SubjectAltName ::= SEQUENCE SIZE (1..MAX) OF GeneralName: the uniformResourceIdentifier [6] IMPLICIT IA5String ones. */
function decodeUris(v: Uint8Array): string[] {
  const what = 'subjectAltName';
  const r = readSequence(v, what);
  if (r.done) fail('decodingFailure', `${what} is empty`);
  const uris: string[] = [];
  for (const name of r.node.children) {
    if (name.cls !== CONTEXT || name.tag > 8)
      fail('decodingFailure', `${what} holds something not a GeneralName`);
    if (name.tag !== 6) continue;
    if (name.constructed) fail('decodingFailure', `${what} URI must be primitive`);
    const text = textOf({ ...name, cls: UNIVERSAL, tag: TAG.ia5String });
    if (text === undefined) fail('decodingFailure', `${what} URI is not an IA5String`);
    uris.push(text);
  }
  return uris;
}

/** What a certificate of its type may carry (SET-PROFILE §1); violations are invalidCertificate. */
function assertConsistent(c: ParsedCertificate): void {
  const bad = (why: string): never => fail('invalidCertificate', `${c.certificateType} certificate: ${why}`);
  if (Number.isNaN(c.notBefore.getTime()) || Number.isNaN(c.notAfter.getTime())) bad('unreadable validity');
  if (c.notBefore > c.notAfter) bad('notBefore is after notAfter');
  if (isCaKeyExchange(c.certificateType, c.isCA, c.keyUsage)) {
    // A CCA, MCA or PCA also holds a key-exchange certificate (SET Book 2, "CA key-exchange
    // certificate") so that requests can be sealed to it; that key never issues.
    if (c.keyUsage.keyCertSign || c.keyUsage.cRLSign) bad('a CA key-exchange key cannot issue');
  } else if (isCaType(c.certificateType)) {
    // RFC 5280 §4.2.1.9 and §4.2.1.3: a CA key must be marked cA and keyCertSign.
    if (!c.isCA) bad('a CA certificate must have basicConstraints cA');
    if (!c.keyUsage.keyCertSign) bad('a CA certificate must allow keyCertSign');
    if (c.keyUsage.keyAgreement) bad('a CA key is not a key-exchange key');
  } else {
    if (c.isCA || c.keyUsage.keyCertSign || c.keyUsage.cRLSign)
      bad('an end-entity certificate cannot be a CA');
    if (c.pathLength !== undefined) bad('pathLenConstraint needs cA');
  }
  if (c.certificateType === 'root' && c.subjectDn !== c.issuerDn) bad('a root must be self-issued');
  if (c.merchantData && c.certificateType !== 'merchant')
    bad('only merchant certificates carry merchantData');
  if (c.origins.length > 0) {
    if (c.certificateType !== 'merchant' || c.keyRole !== 'signature') {
      bad('only merchant signature certificates name web origins');
    }
    for (const origin of c.origins) if (!isWebOrigin(origin)) bad(`"${origin}" is not a web origin`);
  }
  if (c.hashedRootKey && c.certificateType !== 'root') bad('only roots carry hashedRootKey');
  if (c.cardCertRequired !== undefined && c.certificateType !== 'gateway') {
    bad('only gateway certificates carry cardCertRequired');
  }
}

/** SET separates signature and key-exchange keys: an end entity's key does exactly one of the two. */
function keyRoleOf(type: CertificateType, isCA: boolean, usage: ParsedCertificate['keyUsage']): KeyRole {
  if (isCaKeyExchange(type, isCA, usage)) return 'key-exchange';
  if (isCaType(type)) return 'signature';
  if (usage.digitalSignature && !usage.keyAgreement) return 'signature';
  if (usage.keyAgreement && !usage.digitalSignature) return 'key-exchange';
  return fail(
    'invalidCertificate',
    'keyUsage must allow either digitalSignature or keyAgreement, not both or neither',
  );
}

function uniqueIdOf(commonName: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(commonName)) {
    fail('invalidCertificate', 'a cardholder certificate CN must be the 32-byte unique cardholder ID in hex');
  }
  return fromHex(commonName);
}

export function serialToHex(integer: Uint8Array): string {
  if (integer.length === 0 || (integer[0]! & 0x80) !== 0)
    fail('invalidCertificate', 'serial number is negative');
  const value = integer.subarray(integer[0] === 0 ? 1 : 0);
  if (value.length === 0 || value.length > MAX_SERIAL_OCTETS) {
    fail('invalidCertificate', 'serial number must be positive and at most 20 octets');
  }
  return hex(value);
}

export interface ExtensionEntry {
  oid: string;
  critical: boolean;
  value: Uint8Array;
}

/**
 * Extensions ::= SEQUENCE OF Extension, Extension ::= SEQUENCE { extnID OID, critical BOOLEAN
 * DEFAULT FALSE, extnValue OCTET STRING } (certificates, CRLs and CRL entries alike).
 */
export function extensionList(list: Der, what: string): ExtensionEntry[] {
  return sequence(list, what).node.children.map((node) => {
    const r = sequence(node, what);
    const oid = oidOf(r.any(), what);
    const criticalNode = r.optional(TAG.boolean);
    const critical = criticalNode !== undefined && booleanOf(criticalNode, what);
    // X.690 §11.5: a DEFAULT value is never encoded.
    if (criticalNode && !critical)
      fail('decodingFailure', `${what}: ${oid} encodes its DEFAULT critical FALSE`);
    const value = octetsOf(r.any(), `${what}: ${oid}`);
    r.end();
    return { oid, critical, value };
  });
}

/**
 * A certificate's extensions (SIZE 1..MAX) by OID, each claimed at most once; whatever is left
 * unclaimed and critical is refused.
 */
export function readExtensions(wrapper: Der | undefined, what = 'the certificate') {
  if (!wrapper) return fail('invalidCertificate', 'a SET certificate has extensions');
  const outer = new DerReader(wrapper, 'extensions');
  const list = outer.any();
  outer.end();
  if (list.children.length === 0) fail('invalidCertificate', 'a SET certificate has extensions');
  const byOid = new Map<string, ExtensionEntry>();
  for (const ext of extensionList(list, 'extensions')) {
    // RFC 5280 §4.2: at most one instance of a given extension.
    if (byOid.has(ext.oid)) fail('invalidCertificate', `extension ${ext.oid} appears twice`);
    byOid.set(ext.oid, ext);
  }
  const claimed = new Set<string>();
  const value = (oid: string): Uint8Array | undefined => {
    claimed.add(oid);
    return byOid.get(oid)?.value;
  };
  return {
    require(oid: string, critical = false): Uint8Array {
      const v = value(oid);
      if (!v) return fail('invalidCertificate', `${what} lacks extension ${oid}`);
      if (critical && !byOid.get(oid)?.critical)
        fail('invalidCertificate', `extension ${oid} must be critical`);
      return v;
    },
    optional<T>(oid: string, decode: (v: Uint8Array) => T): T | undefined {
      const v = value(oid);
      return v ? decode(v) : undefined;
    },
    rejectUnknownCritical(): void {
      for (const [oid, ext] of byOid) {
        if (ext.critical && !claimed.has(oid)) {
          fail('unrecognizedExtension', `unrecognised critical extension ${oid}`);
        }
      }
    },
  };
}

const CA_KEY_EXCHANGE_TYPES: readonly CertificateType[] = ['cardholder-ca', 'merchant-ca', 'gateway-ca'];

function isCaKeyExchange(
  type: CertificateType,
  isCA: boolean,
  usage: ParsedCertificate['keyUsage'],
): boolean {
  return CA_KEY_EXCHANGE_TYPES.includes(type) && !isCA && usage.keyAgreement && !usage.digitalSignature;
}
