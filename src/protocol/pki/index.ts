/**
 * SET/2 public-key infrastructure (SET-PROFILE §1): certificates, CRLs, path validation and CA
 * operations. Imports only ../errors, ../encoding, ../primitives and (issue.ts, private-key.ts,
 * asn1.ts: what only CAs and tools write) @peculiar/asn1-*; no Node or DOM APIs. Reading
 * (der.ts, certificate.ts, crl.ts, path.ts) loads no ASN.1 library: the wallet imports those
 * modules directly, never this index. Sibling modules export a few encoding helpers to each other; this file lists the
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
  certificateToPem,
  isCaType,
  isWebOrigin,
  keyIdentifierOf,
  merchantIdOf,
  parseCertificate,
  pemToDers,
} from './certificate.ts';
export { crlToPem, parseCrl } from './crl.ts';
export { type CertificateRequest, type CrlRequest, issueCertificate, issueCrl } from './issue.ts';
export { exchangeKeyOf, verifyKeyOf } from './keys.ts';
export { type PathRequest, type VerifiedLinks, validatePath } from './path.ts';
export { privateKeyFromPem, privateKeyToPem } from './private-key.ts';
export { CERTIFICATE_TYPE_BIT, SET_OID, SET_POLICY_ROOT } from './set-extensions.ts';
export type * from './types.ts';
export { CARD_SECRET_LENGTH, panSecretOf, uniqueCardholderId } from './unique-id.ts';
