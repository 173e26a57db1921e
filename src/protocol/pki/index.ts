/**
 * SET/2 public-key infrastructure (SET-PROFILE §1): certificates, CRLs, path validation and CA
 * operations. Imports only ../errors, ../encoding, ../primitives and (issue.ts, private-key.ts,
 * asn1.ts: what only CAs and tools write) @peculiar/asn1-*; no Node or DOM APIs. Reading
 * (der.ts, certificate.ts, crl.ts, path.ts) loads no ASN.1 library: the wallet imports those
 * modules directly, or ./read.ts (their list, which ../core.ts re-exports too), never this
 * index. Sibling modules export a few encoding helpers to each other; this file lists the public
 * surface.
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
export { type CertificateRequest, type CrlRequest, issueCertificate, issueCrl } from './issue.ts';
export { privateKeyFromPem, privateKeyToPem } from './private-key.ts';
export * from './read.ts';
