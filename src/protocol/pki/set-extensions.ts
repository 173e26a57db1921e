/**
 * SET's private certificate extensions, under id-set-certExt 2.23.42.7 (SET Book 2, Part II
 * "Certificate Management"; SET-PROFILE §1). The ASN.1 follows the SET/2 profile, which keeps the
 * OIDs and trims merchantData. OpenSSL knows the OIDs by name (setCext-certType, …).
 *
 * asn1-schema's decorators are applied as plain calls, so no compiler decorator support is needed.
 */
import {
  AsnArray,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
  BitString,
  OctetString,
} from '@peculiar/asn1-schema';
import { fail } from '../errors.ts';
import { bitStringToNamedBits, decodeDer, encodeDer, namedBitsToBitString } from './der.ts';
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

export function encodeCertificateType(type: CertificateType): Uint8Array {
  return encodeDer(namedBitsToBitString([CERTIFICATE_TYPE_BIT[type]]));
}

/** Throws invalidCertificate unless exactly one SET/2 type bit is set. */
export function decodeCertificateType(der: Uint8Array): CertificateType {
  const bits = bitStringToNamedBits(decodeDer(der, BitString, 'certificateType'));
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

export function decodeMerchantData(der: Uint8Array): MerchantData {
  const asn = decodeDer(der, MerchantDataAsn, 'merchantData');
  const data: MerchantData = {
    merchantId: asn.merchantId,
    name: asn.name,
    city: asn.city,
    country: asn.country,
    categoryCode: asn.categoryCode,
  };
  if (asn.stateProvince !== undefined) data.stateProvince = asn.stateProvince;
  assertMerchantData(data);
  return data;
}

function assertMerchantData(data: MerchantData): void {
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
export function encodeHashedRootKey(digest: Uint8Array): Uint8Array {
  if (digest.length !== 32) fail('invalidCertificate', 'hashedRootKey is a 32-byte SHA-256 digest');
  return encodeDer(new OctetString(digest));
}

export function decodeHashedRootKey(der: Uint8Array): Uint8Array {
  const digest = new Uint8Array(decodeDer(der, OctetString, 'hashedRootKey').buffer);
  if (digest.length !== 32) fail('invalidCertificate', 'hashedRootKey is a 32-byte SHA-256 digest');
  return digest;
}

/** cardCertRequired ::= BOOLEAN and tunneling ::= BOOLEAN share one encoding. */
export function encodeSetBoolean(value: boolean): Uint8Array {
  return encodeDer(Object.assign(new BooleanValue(), { value }));
}

export function decodeSetBoolean(der: Uint8Array, what: string): boolean {
  return decodeDer(der, BooleanValue, what).value;
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

export function decodeSetExtensions(der: Uint8Array): string[] {
  return [...decodeDer(der, SetExtensionsAsn, 'setExtensions')];
}

/** A bare BOOLEAN as a one-armed CHOICE: how asn1-schema encodes an untagged primitive. */
class BooleanValue {
  value = false;
}
AsnProp({ type: AsnPropTypes.Boolean })(BooleanValue.prototype, 'value');
AsnType({ type: AsnTypeTypes.Choice })(BooleanValue);
