/**
 * A parsed certificate's public key as WebCrypto keys, imported once, on first use, and kept
 * with the parsed certificate (SET-PROFILE §2: keys are imported once, not per verification).
 * Keyed by the parsed object, so whoever holds the parsed certificate holds its keys, and a
 * different certificate (even with the same bytes parsed again) never borrows them.
 */

import { importPeerKey } from '../primitives/ecdh.ts';
import { importVerifyKey } from '../primitives/ecdsa.ts';
import type { PlatformKey } from '../primitives/provider.ts';
import type { ParsedCertificate } from './types.ts';

const verifyKeys = new WeakMap<ParsedCertificate, Promise<PlatformKey>>();
const exchangeKeys = new WeakMap<ParsedCertificate, Promise<PlatformKey>>();

/** The certificate's key for ECDSA verification. */
export function verifyKeyOf(certificate: ParsedCertificate): Promise<PlatformKey> {
  let key = verifyKeys.get(certificate);
  if (!key) {
    key = importVerifyKey(certificate.publicKey);
    verifyKeys.set(certificate, key);
  }
  return key;
}

/** The certificate's key as an ECDH peer (HPKE's pkR). */
export function exchangeKeyOf(certificate: ParsedCertificate): Promise<PlatformKey> {
  let key = exchangeKeys.get(certificate);
  if (!key) {
    key = importPeerKey(certificate.publicKey);
    exchangeKeys.set(certificate, key);
  }
  return key;
}
