/**
 * SET/2 certificates (SET-PROFILE §1): X.509 v3, P-256, ecdsa-with-SHA256, RFC 5280 standard
 * extensions plus SET's own under 2.23.42.7. `parseCertificate` checks that a certificate is
 * well formed and self-consistent; whether it is trusted is path.ts's question.
 */
import { BitString, OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificatePolicies,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  type Name,
  PolicyInformation,
  SubjectAlternativeName,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { fromHex, hex } from '../encoding.ts';
import { fail, withCode } from '../errors.ts';
import { isValidPublicKey, publicKeyOf } from '../primitives/ecdsa.ts';
import { constantTimeEqual, randomBytes, sha256 } from '../primitives/hash.ts';
import {
  assertEcdsaWithSha256,
  ecdsaWithSha256,
  publicKeyOfSpki,
  rawSignatureOf,
  signTbs,
  spkiOf,
} from './algorithms.ts';
import {
  bitStringToNamedBits,
  decodeDer,
  encodeDer,
  namedBitsToBitString,
  toSafeInteger,
  unsignedToInteger,
} from './der.ts';
import { dnFromName, nameFromDn, nameToString } from './name.ts';
import { toPem } from './pem.ts';
import {
  decodeCertificateType,
  decodeHashedRootKey,
  decodeMerchantData,
  decodeSetBoolean,
  decodeSetExtensions,
  encodeCertificateType,
  encodeHashedRootKey,
  encodeMerchantData,
  encodeSetBoolean,
  SET_OID,
  SET_POLICY_ROOT,
} from './set-extensions.ts';
import type {
  CertificateType,
  DistinguishedName,
  Issuer,
  KeyRole,
  MerchantData,
  ParsedCertificate,
} from './types.ts';

export { pemToDers } from './pem.ts';
export { privateKeyFromPem, privateKeyToPem } from './private-key.ts';

export interface CertificateRequest {
  /** Absent for a self-signed root, which is signed with `selfPrivateKey`. */
  issuer?: Issuer;
  selfPrivateKey?: Uint8Array;
  publicKey: Uint8Array;
  subject: DistinguishedName;
  certificateType: CertificateType;
  keyRole: KeyRole;
  notBefore: Date;
  notAfter: Date;
  pathLength?: number;
  merchantData?: MerchantData;
  origins?: string[];
  /** Cardholder certificates: the subject CN becomes the hex of this 32-byte ID (SET-PROFILE §1). */
  uniqueCardholderId?: Uint8Array;
  hashedRootKey?: Uint8Array;
  cardCertRequired?: boolean;
  /** Unsigned big-endian; default 16 random bytes. */
  serialNumber?: Uint8Array;
}

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
const KEY_USAGE_BIT = { digitalSignature: 0, keyAgreement: 4, keyCertSign: 5, cRLSign: 6 } as const;

/** RFC 5280 §4.1.2.2: positive, at most 20 octets. */
const MAX_SERIAL_OCTETS = 20;
const UNIQUE_CARDHOLDER_ID_LENGTH = 32;

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

/** Encodes, signs and re-parses: the returned value is exactly what a verifier will see. */
export function issueCertificate(req: CertificateRequest): ParsedCertificate {
  assertRequest(req);
  const signingKey = signingKeyOf(req);
  const subjectKeyId = keyIdentifierOf(req.publicKey);
  const subject =
    req.certificateType === 'cardholder'
      ? { ...req.subject, commonName: hex(req.uniqueCardholderId!) }
      : req.subject;
  const subjectName = nameFromDn(subject);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialOf(req.serialNumber).slice().buffer,
    signature: ecdsaWithSha256(),
    // RFC 5280 §4.1.2.4: the issuer field repeats the issuer's subject encoding byte for byte.
    issuer: req.issuer ? subjectNameOf(req.issuer.certificate) : subjectName,
    validity: new Validity({ notBefore: req.notBefore, notAfter: req.notAfter }),
    subject: subjectName,
    subjectPublicKeyInfo: spkiOf(req.publicKey),
    extensions: new Extensions(extensionsOf(req, subjectKeyId)),
  });
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: ecdsaWithSha256(),
    signatureValue: signTbs(encodeDer(tbs), signingKey),
  });
  return parseCertificate(encodeDer(certificate));
}

/** Decodes and checks one certificate; every failure is a SetError (decodingFailure unless more specific). */
export function parseCertificate(der: Uint8Array): ParsedCertificate {
  return withCode('decodingFailure', 'the certificate could not be decoded', () => parse(der.slice()));
}

function parse(der: Uint8Array): ParsedCertificate {
  const cert = decodeDer(der, Certificate, 'certificate');
  const tbs = cert.tbsCertificate;
  if (tbs.version !== Version.v3) fail('decodingFailure', 'not an X.509 v3 certificate');
  // RFC 5280 §4.1.1.2: signatureAlgorithm must equal the signature field inside the TBS.
  assertEcdsaWithSha256(cert.signatureAlgorithm, 'the certificate');
  assertEcdsaWithSha256(tbs.signature, 'the certificate');
  if (!cert.tbsCertificateRaw) fail('decodingFailure', 'certificate has no TBSCertificate');
  const extensions = readExtensions(tbs.extensions);
  const notBefore = tbs.validity.notBefore.getTime();
  const notAfter = tbs.validity.notAfter.getTime();
  const subject = dnFromName(tbs.subject);

  const certificateType = decodeCertificateType(extensions.require(SET_OID.certificateType, true));
  const basic = extensions.decode(id_ce_basicConstraints, BasicConstraints);
  const isCA = basic?.cA ?? false;
  const pathLength =
    basic?.pathLenConstraint === undefined
      ? undefined
      : toSafeInteger(basic.pathLenConstraint, 'pathLenConstraint');
  const usageBits = bitStringToNamedBits(
    decodeDer(extensions.require(id_ce_keyUsage), BitString, 'keyUsage'),
  );
  const keyUsage = {
    digitalSignature: usageBits.has(KEY_USAGE_BIT.digitalSignature),
    keyAgreement: usageBits.has(KEY_USAGE_BIT.keyAgreement),
    keyCertSign: usageBits.has(KEY_USAGE_BIT.keyCertSign),
    cRLSign: usageBits.has(KEY_USAGE_BIT.cRLSign),
  };
  const subjectKeyId = new Uint8Array(
    decodeDer(extensions.require(id_ce_subjectKeyIdentifier), OctetString, 'subjectKeyIdentifier').buffer,
  );
  const aki = extensions.decode(id_ce_authorityKeyIdentifier, AuthorityKeyIdentifier);
  extensions.decode(id_ce_certificatePolicies, CertificatePolicies);
  const san = extensions.decode(id_ce_subjectAltName, SubjectAlternativeName);
  const origins = Array.from(san ?? [], (name) => name).flatMap((name) =>
    name.uniformResourceIdentifier === undefined ? [] : [name.uniformResourceIdentifier],
  );
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
    serialNumber: serialToHex(new Uint8Array(tbs.serialNumber)),
    subject,
    subjectDn: nameToString(tbs.subject),
    issuerDn: nameToString(tbs.issuer),
    subjectKeyId,
    notBefore,
    notAfter,
    publicKey: publicKeyOfSpki(tbs.subjectPublicKeyInfo, 'the certificate key'),
    certificateType,
    keyRole: keyRoleOf(certificateType, isCA, keyUsage),
    isCA,
    keyUsage,
    origins,
    tbs: new Uint8Array(cert.tbsCertificateRaw),
    signature: rawSignatureOf(cert.signatureValue),
  };
  if (aki?.keyIdentifier) parsed.authorityKeyId = new Uint8Array(aki.keyIdentifier.buffer);
  if (pathLength !== undefined) parsed.pathLength = pathLength;
  if (merchantData) parsed.merchantData = merchantData;
  if (hashedRootKey) parsed.hashedRootKey = hashedRootKey;
  if (cardCertRequired !== undefined) parsed.cardCertRequired = cardCertRequired;
  if (certificateType === 'cardholder') parsed.uniqueCardholderId = uniqueIdOf(subject.commonName);
  assertConsistent(parsed);
  return parsed;
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

/** Extensions by OID, each claimed at most once; whatever is left unclaimed and critical is refused. */
function readExtensions(list: Extension[] | undefined) {
  if (!list || list.length === 0) fail('invalidCertificate', 'a SET certificate has extensions');
  const byOid = new Map<string, Extension>();
  for (const ext of list) {
    // RFC 5280 §4.2: at most one instance of a given extension.
    if (byOid.has(ext.extnID)) fail('invalidCertificate', `extension ${ext.extnID} appears twice`);
    byOid.set(ext.extnID, ext);
  }
  const claimed = new Set<string>();
  const value = (oid: string): Uint8Array | undefined => {
    claimed.add(oid);
    const ext = byOid.get(oid);
    return ext ? new Uint8Array(ext.extnValue.buffer) : undefined;
  };
  return {
    require(oid: string, critical = false): Uint8Array {
      const v = value(oid);
      if (!v) return fail('invalidCertificate', `the certificate lacks extension ${oid}`);
      if (critical && !byOid.get(oid)?.critical)
        fail('invalidCertificate', `extension ${oid} must be critical`);
      return v;
    },
    optional<T>(oid: string, decode: (v: Uint8Array) => T): T | undefined {
      const v = value(oid);
      return v ? decode(v) : undefined;
    },
    decode<T>(oid: string, schema: new () => T): T | undefined {
      const v = value(oid);
      return v ? decodeDer(v, schema, `extension ${oid}`) : undefined;
    },
    rejectUnknownCritical(): void {
      for (const ext of byOid.values()) {
        if (ext.critical && !claimed.has(ext.extnID)) {
          fail('unrecognizedExtension', `unrecognised critical extension ${ext.extnID}`);
        }
      }
    },
  };
}

function signingKeyOf(req: CertificateRequest): Uint8Array {
  if (req.issuer) {
    if (req.certificateType === 'root') fail('invalidCertificate', 'a root certificate is self-signed');
    if (!constantTimeEqual(publicKeyOf(req.issuer.privateKey), req.issuer.certificate.publicKey)) {
      fail('invalidCertificate', "the issuer's private key does not match its certificate");
    }
    if (!isCaType(req.issuer.certificate.certificateType)) fail('invalidCertificate', 'only a CA can issue');
    return req.issuer.privateKey;
  }
  if (req.certificateType !== 'root' || !req.selfPrivateKey) {
    fail('invalidCertificate', 'only a root is self-signed, and it needs selfPrivateKey');
  }
  if (!constantTimeEqual(publicKeyOf(req.selfPrivateKey), req.publicKey)) {
    fail('invalidCertificate', 'selfPrivateKey does not match publicKey');
  }
  return req.selfPrivateKey;
}

function assertRequest(req: CertificateRequest): void {
  const bad = (why: string): never =>
    fail('invalidCertificate', `cannot issue ${req.certificateType}: ${why}`);
  const ca = isIssuingRequest(req);
  if (!isValidPublicKey(req.publicKey)) bad('publicKey is not an uncompressed P-256 point');
  if (!(req.notBefore < req.notAfter)) bad('notBefore must be before notAfter');
  if (
    isCaType(req.certificateType) &&
    req.keyRole !== 'signature' &&
    !CA_KEY_EXCHANGE_TYPES.includes(req.certificateType)
  ) {
    bad('only a cardholder, merchant or payment-gateway CA has a key-exchange certificate');
  }
  if (!ca && req.pathLength !== undefined) bad('pathLength is for CAs');
  if (req.pathLength !== undefined && !(Number.isSafeInteger(req.pathLength) && req.pathLength >= 0)) {
    bad('pathLength must be a non-negative integer');
  }
  if (req.merchantData && req.certificateType !== 'merchant') bad('merchantData is for merchants');
  if (req.origins?.length && (req.certificateType !== 'merchant' || req.keyRole !== 'signature')) {
    bad('origins are for merchant signature certificates');
  }
  for (const origin of req.origins ?? []) if (!isWebOrigin(origin)) bad(`"${origin}" is not a web origin`);
  if (req.hashedRootKey && req.certificateType !== 'root') bad('hashedRootKey is for roots');
  if (req.cardCertRequired !== undefined && req.certificateType !== 'gateway')
    bad('cardCertRequired is for gateways');
  if (req.certificateType === 'cardholder') {
    if (req.uniqueCardholderId?.length !== UNIQUE_CARDHOLDER_ID_LENGTH)
      bad('uniqueCardholderId must be 32 bytes');
  } else if (req.uniqueCardholderId) {
    bad('uniqueCardholderId is for cardholders');
  }
}

/** A CA certificate proper (it issues), as opposed to a CA's key-exchange certificate. */
function isIssuingRequest(req: CertificateRequest): boolean {
  return isCaType(req.certificateType) && req.keyRole === 'signature';
}

const CA_KEY_EXCHANGE_TYPES: readonly CertificateType[] = ['cardholder-ca', 'merchant-ca', 'gateway-ca'];

function isCaKeyExchange(
  type: CertificateType,
  isCA: boolean,
  usage: ParsedCertificate['keyUsage'],
): boolean {
  return CA_KEY_EXCHANGE_TYPES.includes(type) && !isCA && usage.keyAgreement && !usage.digitalSignature;
}

function extensionsOf(req: CertificateRequest, subjectKeyId: Uint8Array): Extension[] {
  const ca = isIssuingRequest(req);
  const ext = (extnID: string, critical: boolean, value: Uint8Array): Extension =>
    new Extension({ extnID, critical, extnValue: new OctetString(value) });
  // CAs also sign SET messages (CardCInitRes, CertRes, BrandCRLIdentifier): digitalSignature too.
  const usage = ca
    ? [KEY_USAGE_BIT.digitalSignature, KEY_USAGE_BIT.keyCertSign, KEY_USAGE_BIT.cRLSign]
    : [req.keyRole === 'signature' ? KEY_USAGE_BIT.digitalSignature : KEY_USAGE_BIT.keyAgreement];
  const authorityKeyId = req.issuer?.certificate.subjectKeyId ?? subjectKeyId;
  const list = [
    ext(
      id_ce_basicConstraints,
      true,
      encodeDer(new BasicConstraints(ca ? { cA: true, pathLenConstraint: req.pathLength } : {})),
    ),
    ext(id_ce_keyUsage, true, encodeDer(namedBitsToBitString(usage))),
    ext(id_ce_subjectKeyIdentifier, false, encodeDer(new OctetString(subjectKeyId))),
    ext(
      id_ce_authorityKeyIdentifier,
      false,
      encodeDer(new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(authorityKeyId) })),
    ),
    ext(
      id_ce_certificatePolicies,
      false,
      encodeDer(new CertificatePolicies([new PolicyInformation({ policyIdentifier: SET_POLICY_ROOT })])),
    ),
  ];
  if (req.origins?.length) {
    const names = req.origins.map(
      (uniformResourceIdentifier) => new GeneralName({ uniformResourceIdentifier }),
    );
    list.push(ext(id_ce_subjectAltName, false, encodeDer(new SubjectAlternativeName(names))));
  }
  list.push(ext(SET_OID.certificateType, true, encodeCertificateType(req.certificateType)));
  if (req.merchantData) list.push(ext(SET_OID.merchantData, false, encodeMerchantData(req.merchantData)));
  if (req.hashedRootKey) list.push(ext(SET_OID.hashedRootKey, false, encodeHashedRootKey(req.hashedRootKey)));
  if (req.cardCertRequired !== undefined) {
    list.push(ext(SET_OID.cardCertRequired, false, encodeSetBoolean(req.cardCertRequired)));
  }
  return list;
}

/** The subject Name exactly as encoded in `certificate`. */
export function subjectNameOf(certificate: ParsedCertificate): Name {
  return decodeDer(certificate.der, Certificate, 'certificate').tbsCertificate.subject;
}

/** Unsigned serial to INTEGER content; the default is 16 random bytes with the top bit clear. */
function serialOf(serial: Uint8Array | undefined): Uint8Array {
  if (serial === undefined) {
    const random = randomBytes(16);
    // 0x40 keeps it positive and 16 octets long (RFC 5280 §4.1.2.2).
    random[0] = (random[0]! & 0x7f) | 0x40;
    return random;
  }
  const integer = unsignedToInteger(serial);
  serialToHex(integer);
  return integer;
}
