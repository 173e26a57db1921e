/**
 * SET's private certificate extensions, under id-set-certExt 2.23.42.7 (SET Book 2, Part II
 * "Certificate Management"; SET-PROFILE §1), as read (der.ts). The ASN.1 follows the SET/2
 * profile, which keeps the OIDs and trims merchantData. OpenSSL knows the OIDs by name
 * (setCext-certType, …). The encoders, for CAs only, are in issue.ts.
 */
import { fail } from '../errors.ts';
import {
  booleanOf,
  CONTEXT,
  namedBitsOf,
  octetsOf,
  oidOf,
  readDer,
  readSequence,
  stringOf,
  TAG,
} from './der.ts';
import type { CertificateType, MerchantData } from './types.ts';

export const SET_OID = {
  hashedRootKey: '2.23.42.7.0',
  certificateType: '2.23.42.7.1',
  merchantData: '2.23.42.7.2',
  cardCertRequired: '2.23.42.7.3',
  tunneling: '2.23.42.7.4',
  setExtensions: '2.23.42.7.5',
} as const;

/** set-policy-root (2.23.42.5.0): the policy every SET certificate asserts. */
export const SET_POLICY_ROOT = '2.23.42.5.0';

/**
 * CertificateType ::= BIT STRING { card(0), mer(1), pgwy(2), cca(3), mca(4), pca(5), gca(6),
 * bca(7), rca(8), acq(9) }. SET/2 certificates carry exactly one of the bits below; acq(9) has no
 * SET/2 counterpart.
 */
export const CERTIFICATE_TYPE_BIT: Readonly<Record<CertificateType, number>> = {
  cardholder: 0,
  merchant: 1,
  gateway: 2,
  'cardholder-ca': 3,
  'merchant-ca': 4,
  'gateway-ca': 5,
  'geo-ca': 6,
  'brand-ca': 7,
  root: 8,
};

/** Throws invalidCertificate unless exactly one SET/2 type bit is set. */
export function decodeCertificateType(der: Uint8Array): CertificateType {
  const bits = namedBitsOf(readDer(der, 'certificateType'), 'certificateType');
  const types = (Object.keys(CERTIFICATE_TYPE_BIT) as CertificateType[]).filter((t) =>
    bits.has(CERTIFICATE_TYPE_BIT[t]),
  );
  if (types.length !== 1 || bits.size !== 1) {
    fail('invalidCertificate', 'certificateType must name exactly one SET/2 certificate type');
  }
  return types[0]!;
}

/**
 * MerchantData ::= SEQUENCE { merchantId UTF8String, name UTF8String, city UTF8String,
 *   stateProvince [0] IMPLICIT UTF8String OPTIONAL, country PrintableString,
 *   categoryCode PrintableString }
 */
export function decodeMerchantData(der: Uint8Array): MerchantData {
  const what = 'merchantData';
  const r = readSequence(der, what);
  const data: MerchantData = {
    merchantId: stringOf(r.next(TAG.utf8String), TAG.utf8String, what),
    name: stringOf(r.next(TAG.utf8String), TAG.utf8String, what),
    city: stringOf(r.next(TAG.utf8String), TAG.utf8String, what),
    country: '',
    categoryCode: '',
  };
  const state = r.optional(0, CONTEXT);
  if (state) {
    if (state.constructed) fail('decodingFailure', `${what} stateProvince must be primitive`);
    data.stateProvince = stringOf({ ...state, cls: 0, tag: TAG.utf8String }, TAG.utf8String, what);
  }
  data.country = stringOf(r.next(TAG.printableString), TAG.printableString, what);
  data.categoryCode = stringOf(r.next(TAG.printableString), TAG.printableString, what);
  r.end();
  assertMerchantData(data);
  return data;
}

export function assertMerchantData(data: MerchantData): void {
  if (!data.merchantId || !data.name || !data.city) {
    fail('invalidCertificate', 'merchantData needs a merchant ID, a name and a city');
  }
  if (!/^[A-Z]{2}$/.test(data.country)) {
    fail('invalidCertificate', 'merchantData country must be an ISO 3166-1 alpha-2 code such as "US"');
  }
  if (!/^\d{4}$/.test(data.categoryCode)) {
    fail('invalidCertificate', 'merchantData categoryCode must be a four-digit merchant category code');
  }
}

/** HashedRootKey: SET/2 carries SHA-256 of the next root's 65-byte public key as an OCTET STRING. */
export function decodeHashedRootKey(der: Uint8Array): Uint8Array {
  const digest = octetsOf(readDer(der, 'hashedRootKey'), 'hashedRootKey').slice();
  if (digest.length !== 32) fail('invalidCertificate', 'hashedRootKey is a 32-byte SHA-256 digest');
  return digest;
}

/** cardCertRequired ::= BOOLEAN and tunneling ::= BOOLEAN share one encoding. */
export function decodeSetBoolean(der: Uint8Array, what: string): boolean {
  return booleanOf(readDer(der, what), what);
}

/** SETExtensions ::= SEQUENCE OF OBJECT IDENTIFIER. */
export function decodeSetExtensions(der: Uint8Array): string[] {
  const r = readSequence(der, 'setExtensions');
  return r.node.children.map((child) => oidOf(child, 'setExtensions'));
}
