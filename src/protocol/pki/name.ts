/**
 * X.501 Names for SET/2 certificates, as read (der.ts): the DistinguishedName subset SET/2 uses
 * (CN, O, OU, C) and the RFC 4514 string form used for display and for matching issuers to
 * subjects. Name ::= SEQUENCE OF RelativeDistinguishedName, RDN ::= SET OF AttributeTypeAndValue,
 * AttributeTypeAndValue ::= SEQUENCE { type OBJECT IDENTIFIER, value ANY }. The encoder, for CAs
 * only, is in issue.ts.
 */
import { hex } from '../encoding.ts';
import { fail } from '../errors.ts';
import { type Der, oidOf, sequence, TAG, textOf, UNIVERSAL } from './der.ts';
import type { DistinguishedName } from './types.ts';

export const NAME_OID = {
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

interface Attribute {
  type: string;
  value: Der;
}

/** The RDNs of a Name, each its attributes; decodingFailure unless it has the Name's shape. */
function rdnsOf(name: Der): Attribute[][] {
  const what = 'a name';
  return sequence(name, what).node.children.map((rdn) => {
    if (rdn.cls !== UNIVERSAL || rdn.tag !== TAG.set || rdn.children.length === 0) {
      fail('decodingFailure', `${what} has a malformed relative distinguished name`);
    }
    return rdn.children.map((atv) => {
      const r = sequence(atv, what);
      const type = oidOf(r.any(), what);
      const value = r.any();
      r.end();
      return { type, value };
    });
  });
}

/** The SET/2 fields of a Name; other attributes stay visible only in the string form. */
export function dnFromName(name: Der): DistinguishedName {
  const found = new Map<string, string>();
  for (const rdn of rdnsOf(name)) {
    for (const atv of rdn) {
      const key = Object.entries(NAME_OID).find(([, oid]) => oid === atv.type)?.[0];
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
export function nameToString(name: Der): string {
  return rdnsOf(name)
    .reverse()
    .map((rdn) =>
      rdn
        .map((atv) => {
          const type = SHORT_NAME[atv.type] ?? atv.type;
          const text = textOf(atv.value);
          return `${type}=${text === undefined ? `#${hex(atv.value.bytes)}` : escapeValue(text)}`;
        })
        .join('+'),
    )
    .join(',');
}

function escapeValue(text: string): string {
  return text
    .replace(/[\\"+,;<>]/g, (c) => `\\${c}`)
    .replace(/^[ #]/, (c) => `\\${c}`)
    .replace(/ $/, '\\ ')
    .replace(/\0/g, '\\00');
}
