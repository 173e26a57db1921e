/**
 * The merchant's two key pairs (SET-PROFILE §1): a signature certificate for PInitRes, PRes,
 * InqRes, Errors and the requests to the gateway, and a key-exchange certificate the gateway seals
 * its responses to.
 */
import type { ParsedCertificate } from '../protocol/index.ts';

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
