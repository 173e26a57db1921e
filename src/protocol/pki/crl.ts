/**
 * X.509 v2 CRLs (RFC 5280 §5), SET/2's revocation lists (SET-PROFILE §1 "Revocation"), read with
 * der.ts. A CRL is parsed here and trusted only in path.ts, after its signature verifies under a
 * CA in the path. Issuing is issue.ts (CAs only).
 */
import { fail, withCode } from '../errors.ts';
import { sha256 } from '../primitives/hash.ts';
import { assertEcdsaWithSha256, rawSignatureOf } from './algorithms.ts';
import {
  decodeAuthorityKeyId,
  type ExtensionEntry,
  extensionList,
  ID_CE,
  serialToHex,
} from './certificate.ts';
import {
  CONTEXT,
  type Der,
  DerReader,
  integerOf,
  readDer,
  readSequence,
  sequence,
  smallIntegerOf,
  TAG,
  timeOf,
} from './der.ts';
import { nameToString } from './name.ts';
import { toPem } from './pem.ts';
import type { ParsedCrl } from './types.ts';

export function crlToPem(der: Uint8Array): string {
  return toPem(der, 'X509 CRL');
}

export function parseCrl(der: Uint8Array): ParsedCrl {
  return withCode('decodingFailure', 'the CRL could not be decoded', () => parse(der.slice()));
}

/**
 * CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }
 * TBSCertList ::= SEQUENCE { version INTEGER (v2), signature, issuer Name, thisUpdate Time,
 *   nextUpdate Time, revokedCertificates SEQUENCE OF SEQUENCE { userCertificate INTEGER,
 *   revocationDate Time, crlEntryExtensions Extensions OPTIONAL } OPTIONAL,
 *   crlExtensions [0] EXPLICIT Extensions OPTIONAL }  (RFC 5280 §5.1)
 */
function parse(der: Uint8Array): ParsedCrl {
  const list = readSequence(der, 'CRL');
  const tbsNode = list.next(TAG.sequence);
  const signatureAlgorithm = list.any();
  const signatureValue = list.any();
  list.end();
  const tbs = sequence(tbsNode, 'TBSCertList');
  const version = tbs.optional(TAG.integer);
  if (!version || smallIntegerOf(version, 'CRL version') !== 1)
    fail('decodingFailure', 'not an X.509 v2 CRL');
  const signature = tbs.any();
  assertEcdsaWithSha256(signatureAlgorithm, 'the CRL');
  assertEcdsaWithSha256(signature, 'the CRL');
  const issuer = tbs.next(TAG.sequence);
  const thisUpdate = timeOf(tbs.any(), 'thisUpdate');
  const next = tbs.optional(TAG.utcTime) ?? tbs.optional(TAG.generalizedTime);
  if (!next) fail('decodingFailure', 'the CRL has no nextUpdate'); // RFC 5280 §5.1.2.5: MUST
  const nextUpdate = timeOf(next, 'nextUpdate');
  const entries = tbs.optional(TAG.sequence);
  const extensionsNode = tbs.optional(0, CONTEXT);
  tbs.end();

  let authorityKeyId: Uint8Array | undefined;
  let crlNumber: number | undefined;
  if (extensionsNode) {
    const seen = new Set<string>();
    for (const ext of extensionsOf(extensionsNode, 'CRL extensions')) {
      if (seen.has(ext.oid)) fail('decodingFailure', `CRL extension ${ext.oid} appears twice`);
      seen.add(ext.oid);
      if (ext.oid === ID_CE.authorityKeyIdentifier) {
        authorityKeyId = decodeAuthorityKeyId(ext.value);
      } else if (ext.oid === ID_CE.cRLNumber) {
        crlNumber = smallIntegerOf(readDer(ext.value, 'cRLNumber'), 'cRLNumber');
      } else if (ext.critical) {
        fail('unrecognizedExtension', `unrecognised critical CRL extension ${ext.oid}`);
      }
    }
  }
  // RFC 5280 §5.2.3: conforming CRL issuers MUST include cRLNumber.
  if (crlNumber === undefined) fail('decodingFailure', 'the CRL has no cRLNumber');

  const revoked = new Map<string, Date>();
  for (const node of entries?.children ?? []) {
    const entry = sequence(node, 'a CRL entry');
    const serial = integerOf(entry.any(), 'a CRL entry');
    const date = timeOf(entry.any(), 'revocationDate');
    const extensions = entry.optional(TAG.sequence);
    entry.end();
    if (extensions) {
      for (const ext of nonEmpty(extensions, 'CRL entry extensions')) {
        // Entry extensions (reason codes, invalidity dates) do not change "revoked"; unknown critical ones might.
        if (ext.critical)
          fail('unrecognizedExtension', `unrecognised critical CRL entry extension ${ext.oid}`);
      }
    }
    revoked.set(serialToHex(serial), date);
  }
  const crl: ParsedCrl = {
    der,
    thumbprint: sha256(der),
    issuerDn: nameToString(issuer),
    crlNumber,
    thisUpdate,
    nextUpdate,
    revoked,
    tbs: tbsNode.bytes.slice(),
    signature: rawSignatureOf(signatureValue, 'the CRL signature'),
  };
  if (authorityKeyId) crl.authorityKeyId = authorityKeyId;
  return crl;
}

/** [0] EXPLICIT Extensions, SIZE (1..MAX). */
function extensionsOf(wrapper: Der, what: string): ExtensionEntry[] {
  const outer = new DerReader(wrapper, what);
  const list = outer.any();
  outer.end();
  return nonEmpty(list, what);
}

function nonEmpty(list: Der, what: string): ExtensionEntry[] {
  const entries = extensionList(list, what);
  if (entries.length === 0) fail('decodingFailure', `${what} is empty`);
  return entries;
}
