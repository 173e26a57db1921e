/**
 * The merchant's two key pairs (SET-PROFILE §1): a signature certificate for PInitRes, PRes,
 * InqRes, Errors and the requests to the gateway, and a key-exchange certificate the gateway seals
 * its responses to.
 */
import { type ParsedCertificate, parseCertificate, pemToDers, privateKeyFromPem } from '../protocol/index.ts';

export interface CertifiedKey {
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  /** The certificate first, then its CAs (the root may be included; it is never sent). */
  chain: ParsedCertificate[];
}

export interface MerchantKeys {
  signature: CertifiedKey;
  keyExchange: CertifiedKey;
}

/** Parses a PEM file of certificates (leaf first, then its CAs), e.g. a chain or the root. */
export function certificatesFromPem(pem: string): ParsedCertificate[] {
  const chain = pemToDers(pem).map(parseCertificate);
  if (!chain.length) throw new Error('the PEM text holds no CERTIFICATE');
  return chain;
}

/** A certificate chain (PEM, leaf first) and its PKCS#8 private key (PEM) as a CertifiedKey. */
export function certifiedKeyFromPem(certificatesPem: string, privateKeyPem: string): CertifiedKey {
  const chain = certificatesFromPem(certificatesPem);
  return { certificate: chain[0]!, privateKey: privateKeyFromPem(privateKeyPem), chain };
}
