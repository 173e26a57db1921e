/**
 * X.501 Names for SET/2 certificates: the DistinguishedName subset SET/2 uses (CN, O, OU, C) and
 * the RFC 4514 string form used for display and for matching issuers to subjects.
 */
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { hex } from '../encoding.ts';
import { fail } from '../errors.ts';
import { encodeDer } from './der.ts';
import type { DistinguishedName } from './types.ts';

const OID = {
  country: '2.5.4.6',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
  commonName: '2.5.4.3',
} as const;

/** RFC 4514 §3 short names; other attribute types print as dotted OIDs. */
const SHORT_NAME: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
};

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
    add(OID.country, new AttributeValue({ printableString: dn.country }));
  }
  if (dn.organization !== undefined)
    add(OID.organization, new AttributeValue({ utf8String: dn.organization }));
  if (dn.organizationalUnit !== undefined) {
    add(OID.organizationalUnit, new AttributeValue({ utf8String: dn.organizationalUnit }));
  }
  add(OID.commonName, new AttributeValue({ utf8String: dn.commonName }));
  return new Name(rdns);
}

/** The SET/2 fields of a Name; other attributes stay visible only in the string form. */
export function dnFromName(name: Name): DistinguishedName {
  const found = new Map<string, string>();
  for (const rdn of name) {
    for (const atv of rdn) {
      const key = Object.entries(OID).find(([, oid]) => oid === atv.type)?.[0];
      if (key === undefined) continue;
      const text = textOf(atv.value);
      if (text === undefined) fail('invalidCertificate', `the ${key} of a name is not a string`);
      if (found.has(key)) fail('invalidCertificate', `a name has more than one ${key}`);
      found.set(key, text);
    }
  }
  const commonName = found.get('commonName');
  if (!commonName) fail('invalidCertificate', 'a certificate name has no commonName');
  const dn: DistinguishedName = { commonName };
  for (const key of ['organization', 'organizationalUnit', 'country'] as const) {
    const value = found.get(key);
    if (value !== undefined) dn[key] = value;
  }
  return dn;
}

/** RFC 4514 §2: RDNs in reverse order, '+' inside multi-valued RDNs, §2.4 escaping. */
export function nameToString(name: Name): string {
  return [...name]
    .reverse()
    .map((rdn) =>
      [...rdn]
        .map((atv) => {
          const type = SHORT_NAME[atv.type] ?? atv.type;
          const text = textOf(atv.value);
          return `${type}=${text === undefined ? `#${hex(encodeDer(atv.value))}` : escapeValue(text)}`;
        })
        .join('+'),
    )
    .join(',');
}

function textOf(value: AttributeValue): string | undefined {
  return (
    value.utf8String ??
    value.printableString ??
    value.ia5String ??
    value.bmpString ??
    value.universalString ??
    value.teletexString
  );
}

function escapeValue(text: string): string {
  return text
    .replace(/[\\"+,;<>]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ')
    .replace(/\0/g, '\\00');
}
