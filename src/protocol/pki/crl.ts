/**
 * X.509 v2 CRLs (RFC 5280 §5), SET/2's revocation lists (SET-PROFILE §1 "Revocation"). A CRL is
 * parsed here and trusted only in path.ts, after its signature verifies under a CA in the path.
 */
import { OctetString } from '@peculiar/asn1-schema';
import {
  AuthorityKeyIdentifier,
  CertificateList,
  CRLNumber,
  Extension,
  id_ce_authorityKeyIdentifier,
  id_ce_cRLNumber,
  KeyIdentifier,
  RevokedCertificate,
  TBSCertList,
  Time,
  Version,
} from '@peculiar/asn1-x509';
import { fromHex } from '../encoding.ts';
import { fail, withCode } from '../errors.ts';
import { publicKeyOf } from '../primitives/ecdsa.ts';
import { constantTimeEqual, sha256 } from '../primitives/hash.ts';
import { assertEcdsaWithSha256, ecdsaWithSha256, rawSignatureOf, signTbs } from './algorithms.ts';
import { serialToHex, subjectNameOf } from './certificate.ts';
import { decodeDer, encodeDer, toSafeInteger, unsignedToInteger } from './der.ts';
import { nameToString } from './name.ts';
import { toPem } from './pem.ts';
import type { Issuer, ParsedCrl } from './types.ts';

export interface CrlRequest {
  issuer: Issuer;
  crlNumber: number;
  thisUpdate: Date;
  nextUpdate: Date;
  revoked: { serialNumber: string; revocationDate: Date }[];
}

export function crlToPem(der: Uint8Array): string {
  return toPem(der, 'X509 CRL');
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

export function parseCrl(der: Uint8Array): ParsedCrl {
  return withCode('decodingFailure', 'the CRL could not be decoded', () => parse(der.slice()));
}

function parse(der: Uint8Array): ParsedCrl {
  const list = decodeDer(der, CertificateList, 'CRL');
  const tbs = list.tbsCertList;
  if (tbs.version !== Version.v2) fail('decodingFailure', 'not an X.509 v2 CRL');
  assertEcdsaWithSha256(list.signatureAlgorithm, 'the CRL');
  assertEcdsaWithSha256(tbs.signature, 'the CRL');
  if (!list.tbsCertListRaw) fail('decodingFailure', 'CRL has no TBSCertList');
  if (!tbs.nextUpdate) fail('decodingFailure', 'the CRL has no nextUpdate'); // RFC 5280 §5.1.2.5: MUST

  let authorityKeyId: Uint8Array | undefined;
  let crlNumber: number | undefined;
  const seen = new Set<string>();
  for (const ext of tbs.crlExtensions ?? []) {
    if (seen.has(ext.extnID)) fail('decodingFailure', `CRL extension ${ext.extnID} appears twice`);
    seen.add(ext.extnID);
    const value = new Uint8Array(ext.extnValue.buffer);
    if (ext.extnID === id_ce_authorityKeyIdentifier) {
      const aki = decodeDer(value, AuthorityKeyIdentifier, 'CRL authorityKeyIdentifier');
      if (aki.keyIdentifier) authorityKeyId = new Uint8Array(aki.keyIdentifier.buffer);
    } else if (ext.extnID === id_ce_cRLNumber) {
      crlNumber = toSafeInteger(decodeDer(value, CRLNumber, 'cRLNumber').value, 'cRLNumber');
    } else if (ext.critical) {
      fail('unrecognizedExtension', `unrecognised critical CRL extension ${ext.extnID}`);
    }
  }
  // RFC 5280 §5.2.3: conforming CRL issuers MUST include cRLNumber.
  if (crlNumber === undefined) fail('decodingFailure', 'the CRL has no cRLNumber');

  const revoked = new Map<string, Date>();
  for (const entry of tbs.revokedCertificates ?? []) {
    for (const ext of entry.crlEntryExtensions ?? []) {
      // Entry extensions (reason codes, invalidity dates) do not change "revoked"; unknown critical ones might.
      if (ext.critical)
        fail('unrecognizedExtension', `unrecognised critical CRL entry extension ${ext.extnID}`);
    }
    revoked.set(serialToHex(new Uint8Array(entry.userCertificate)), timeOf(entry.revocationDate));
  }
  const crl: ParsedCrl = {
    der,
    thumbprint: sha256(der),
    issuerDn: nameToString(tbs.issuer),
    crlNumber,
    thisUpdate: timeOf(tbs.thisUpdate),
    nextUpdate: timeOf(tbs.nextUpdate),
    revoked,
    tbs: new Uint8Array(list.tbsCertListRaw),
    signature: rawSignatureOf(list.signature),
  };
  if (authorityKeyId) crl.authorityKeyId = authorityKeyId;
  return crl;
}

function timeOf(time: Time): Date {
  const date = time.getTime();
  if (Number.isNaN(date.getTime())) fail('decodingFailure', 'unreadable time in CRL');
  return date;
}
