/**
 * What only a CA does (SET-PROFILE §1): issuing certificates and CRLs, encoded with ASN.1
 * schemas (@peculiar/asn1-schema, asn1.ts) and signed with noble's RFC 6979 ECDSA. Every issued
 * value is re-parsed by the reader (certificate.ts, crl.ts), so what a CA hands out is exactly what
 * a verifier sees. Servers and tools only: the wallet never loads this module
 * (tests/unit/architecture.test.ts).
 */
import { AsnArray, AsnProp, AsnPropTypes, AsnType, AsnTypeTypes, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  CertificateList,
  CertificatePolicies,
  CRLNumber,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_certificatePolicies,
  id_ce_cRLNumber,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  Name,
  PolicyInformation,
  RelativeDistinguishedName,
  RevokedCertificate,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  TBSCertList,
  Time,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { fromHex, hex } from '../encoding.ts';
import { fail } from '../errors.ts';
import { isValidPublicKey, publicKeyOf, sign, signatureToDer } from '../primitives/ecdsa.ts';
import { constantTimeEqual, randomBytes } from '../primitives/hash.ts';
import { ECDSA_WITH_SHA256, ID_EC_PUBLIC_KEY, PRIME256V1_PARAMETERS } from './algorithms.ts';
import { decodeDer, encodeDer, namedBitsToBitString } from './asn1.ts';
import {
  isCaType,
  isWebOrigin,
  KEY_USAGE_BIT,
  keyIdentifierOf,
  parseCertificate,
  serialToHex,
  UNIQUE_CARDHOLDER_ID_LENGTH,
} from './certificate.ts';
import { parseCrl } from './crl.ts';
import { unsignedToInteger } from './der.ts';
import { NAME_OID } from './name.ts';
import { assertMerchantData, CERTIFICATE_TYPE_BIT, SET_OID, SET_POLICY_ROOT } from './set-extensions.ts';
import type {
  CertificateType,
  DistinguishedName,
  Issuer,
  KeyRole,
  MerchantData,
  ParsedCertificate,
  ParsedCrl,
} from './types.ts';

// ---- algorithms (RFC 5758 §3.2, RFC 5480) ----

/** RFC 5758 §3.2: the parameters field MUST be absent. */
export function ecdsaWithSha256(): AlgorithmIdentifier {
  return new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
}

export function ecPublicKeyAlgorithm(): AlgorithmIdentifier {
  return new AlgorithmIdentifier({
    algorithm: ID_EC_PUBLIC_KEY,
    parameters: PRIME256V1_PARAMETERS.slice().buffer,
  });
}
/** SPKI for an uncompressed point (RFC 5480 §2.2). */
export function spkiOf(publicKey: Uint8Array): SubjectPublicKeyInfo {
  if (!isValidPublicKey(publicKey))
    fail('decodingFailure', 'the public key is not an uncompressed P-256 point');
  return new SubjectPublicKeyInfo({
    algorithm: ecPublicKeyAlgorithm(),
    subjectPublicKey: publicKey.slice().buffer,
  });
}

/** Signs DER `tbs` and returns the BIT STRING contents: a DER ECDSA-Sig-Value (RFC 5480 §2.2). */
export function signTbs(tbs: Uint8Array, privateKey: Uint8Array): ArrayBuffer {
  return signatureToDer(sign(tbs, privateKey)).slice().buffer;
}

// ---- names ----

/** Most significant RDN first (C, O, OU, CN), one attribute per RDN, as RFC 5280 §4.1.2.4 shows. */
export function nameFromDn(dn: DistinguishedName): Name {
  if (!dn.commonName) fail('invalidCertificate', 'a certificate subject needs a commonName');
  const rdns: RelativeDistinguishedName[] = [];
  const add = (type: string, value: AttributeValue): void => {
    rdns.push(new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value })]));
  };
  if (dn.country !== undefined) {
    // RFC 5280 Appendix A: countryName is a two-letter PrintableString.
    if (!/^[A-Z]{2}$/.test(dn.country)) fail('invalidCertificate', 'country must be two capital letters');
    add(NAME_OID.country, new AttributeValue({ printableString: dn.country }));
  }
  if (dn.organization !== undefined)
    add(NAME_OID.organization, new AttributeValue({ utf8String: dn.organization }));
  if (dn.organizationalUnit !== undefined) {
    add(NAME_OID.organizationalUnit, new AttributeValue({ utf8String: dn.organizationalUnit }));
  }
  add(NAME_OID.commonName, new AttributeValue({ utf8String: dn.commonName }));
  return new Name(rdns);
}

// ---- SET extensions (set-extensions.ts reads them) ----

export function encodeCertificateType(type: CertificateType): Uint8Array {
  return encodeDer(namedBitsToBitString([CERTIFICATE_TYPE_BIT[type]]));
}

/**
 * MerchantData ::= SEQUENCE { merchantId UTF8String, name UTF8String, city UTF8String,
 *   stateProvince [0] IMPLICIT UTF8String OPTIONAL, country PrintableString,
 *   categoryCode PrintableString }
 */
export class MerchantDataAsn {
  merchantId = '';
  name = '';
  city = '';
  stateProvince?: string;
  country = '';
  categoryCode = '';
}
AsnProp({ type: AsnPropTypes.Utf8String })(MerchantDataAsn.prototype, 'merchantId');
AsnProp({ type: AsnPropTypes.Utf8String })(MerchantDataAsn.prototype, 'name');
AsnProp({ type: AsnPropTypes.Utf8String })(MerchantDataAsn.prototype, 'city');
AsnProp({ type: AsnPropTypes.Utf8String, context: 0, implicit: true, optional: true })(
  MerchantDataAsn.prototype,
  'stateProvince',
);
AsnProp({ type: AsnPropTypes.PrintableString })(MerchantDataAsn.prototype, 'country');
AsnProp({ type: AsnPropTypes.PrintableString })(MerchantDataAsn.prototype, 'categoryCode');

export function encodeMerchantData(data: MerchantData): Uint8Array {
  assertMerchantData(data);
  return encodeDer(Object.assign(new MerchantDataAsn(), data));
}

/** HashedRootKey: SET/2 carries SHA-256 of the next root's 65-byte public key as an OCTET STRING. */
export function encodeHashedRootKey(digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) fail('invalidCertificate', 'hashedRootKey is a 32-byte SHA-256 digest');
  return encodeDer(new OctetString(digest));
}

/** cardCertRequired ::= BOOLEAN and tunneling ::= BOOLEAN share one encoding. */
export function encodeSetBoolean(value: boolean): Uint8Array {
  return encodeDer(Object.assign(new BooleanValue(), { value }));
}

/** SETExtensions ::= SEQUENCE OF OBJECT IDENTIFIER. */
export class SetExtensionsAsn extends AsnArray<string> {
  constructor(items?: string[]) {
    super(items);
    Object.setPrototypeOf(this, SetExtensionsAsn.prototype);
  }
}
AsnType({ type: AsnTypeTypes.Sequence, itemType: AsnPropTypes.ObjectIdentifier })(SetExtensionsAsn);

export function encodeSetExtensions(oids: string[]): Uint8Array {
  return encodeDer(new SetExtensionsAsn(oids));
}

/** A bare BOOLEAN as a one-armed CHOICE: how asn1-schema encodes an untagged primitive. */
class BooleanValue {
  value = false;
}
AsnProp({ type: AsnPropTypes.Boolean })(BooleanValue.prototype, 'value');
AsnType({ type: AsnTypeTypes.Choice })(BooleanValue);

// ---- certificates ----

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

// ---- CRLs ----

export interface CrlRequest {
  issuer: Issuer;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: { serialNumber: string; revocationDate: Date }[];
}

export function issueCrl(opts: CrlRequest): ParsedCrl {
  const { issuer } = opts;
  if (!constantTimeEqual(publicKeyOf(issuer.privateKey), issuer.certificate.publicKey)) {
    fail('invalidCertificate', "the issuer's private key does not match its certificate");
  }
  // RFC 5280 §6.3.3 (f): only a key with cRLSign may sign CRLs.
  if (!issuer.certificate.keyUsage.cRLSign) fail('invalidCertificate', 'the issuer may not sign CRLs');
  if (!Number.isSafeInteger(opts.crlNumber) || opts.crlNumber < 0) {
    fail('decodingFailure', 'crlNumber must be a non-negative integer');
  }
  if (!(opts.thisUpdate < opts.nextUpdate)) fail('decodingFailure', 'thisUpdate must be before nextUpdate');
  const revoked = opts.revoked.map(
    (r) =>
      new RevokedCertificate({
        userCertificate: unsignedToInteger(fromHex(r.serialNumber)).slice().buffer,
        revocationDate: new Time(r.revocationDate),
      }),
  );
  const ext = (extnID: string, value: Uint8Array): Extension =>
    new Extension({ extnID, extnValue: new OctetString(value) });
  const tbs = new TBSCertList({
    version: Version.v2,
    signature: ecdsaWithSha256(),
    issuer: subjectNameOf(issuer.certificate),
    thisUpdate: new Time(opts.thisUpdate),
    nextUpdate: new Time(opts.nextUpdate),
    // RFC 5280 §5.1.2.6: with nothing revoked the list is absent, not empty.
    revokedCertificates: revoked.length > 0 ? revoked : undefined,
    crlExtensions: [
      ext(
        id_ce_authorityKeyIdentifier,
        encodeDer(
          new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(issuer.certificate.subjectKeyId) }),
        ),
      ),
      ext(id_ce_cRLNumber, encodeDer(new CRLNumber(opts.crlNumber))),
    ],
  });
  const list = new CertificateList({
    tbsCertList: tbs,
    signatureAlgorithm: ecdsaWithSha256(),
    signature: signTbs(encodeDer(tbs), issuer.privateKey),
  });
  return parseCrl(encodeDer(list));
}
