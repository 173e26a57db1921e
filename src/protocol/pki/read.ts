/**
 * What a cardholder, a merchant or a gateway needs of the PKI: reading certificates and CRLs,
 * their keys and identities, path validation. Loads no ASN.1 library (the writing side, issue.ts,
 * ca.ts and private-key.ts, does): ../core.ts and ./index.ts both re-export this list.
 */
export {
  certificateToPem,
  isCaType,
  isWebOrigin,
  keyIdentifierOf,
  merchantIdOf,
  parseCertificate,
  pemToDers,
} from './certificate.ts';
export { crlToPem, parseCrl } from './crl.ts';
export { exchangeKeyOf, verifyKeyOf } from './keys.ts';
export { type PathRequest, type VerifiedLinks, validatePath } from './path.ts';
export { CERTIFICATE_TYPE_BIT, SET_OID, SET_POLICY_ROOT } from './set-extensions.ts';
export type * from './types.ts';
export { CARD_SECRET_LENGTH, panSecretOf, uniqueCardholderId } from './unique-id.ts';
