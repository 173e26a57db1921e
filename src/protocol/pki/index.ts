/**
 * SET/2 public-key infrastructure (SET-PROFILE §1): certificates, CRLs, path validation and CA
 * operations. Imports only ../errors, ../encoding, ../primitives and @peculiar/asn1-*; no Node or
 * DOM APIs. Sibling modules export a few encoding helpers to each other; this file lists the
 * public surface.
 */

export {
  buildSandboxHierarchy,
  type CaOptions,
  createCa,
  createRoot,
  type EndEntityOptions,
  issueEndEntity,
  type RootOptions,
  type SandboxEntry,
  type SandboxHierarchy,
  type SandboxOptions,
} from './ca.ts';
export {
  type CertificateRequest,
  certificateToPem,
  isCaType,
  issueCertificate,
  isWebOrigin,
  keyIdentifierOf,
  merchantIdOf,
  parseCertificate,
  pemToDers,
  privateKeyFromPem,
  privateKeyToPem,
} from './certificate.ts';
export { type CrlRequest, crlToPem, issueCrl, parseCrl } from './crl.ts';
export { exchangeKeyOf, verifyKeyOf } from './keys.ts';
export { type PathRequest, type VerifiedLinks, validatePath } from './path.ts';
export { CERTIFICATE_TYPE_BIT, SET_OID, SET_POLICY_ROOT } from './set-extensions.ts';
export type * from './types.ts';
export { CARD_SECRET_LENGTH, panSecretOf, uniqueCardholderId } from './unique-id.ts';
