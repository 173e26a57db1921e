/**
 * The unique cardholder ID (SET-PROFILE §1): the cardholder certificate names the cardholder
 * without carrying the card number.
 *   PANSecret = CardSecret XOR NonceCCA
 *   ID        = HMAC-SHA256(key = PANSecret, len‖PAN ‖ len‖expiry)
 * PAN and expiry are length-prefixed (4-byte big-endian) so that no two pairs share an input.
 */

import { lengthPrefixed, utf8 } from '../encoding.ts';
import { fail } from '../errors.ts';
import { hmacSha256, xorBytes } from '../primitives/hash.ts';

export const CARD_SECRET_LENGTH = 32;

export function panSecretOf(cardSecret: Uint8Array, nonceCca: Uint8Array): Uint8Array {
  if (cardSecret.length !== CARD_SECRET_LENGTH || nonceCca.length !== CARD_SECRET_LENGTH) {
    fail('decodingFailure', 'CardSecret and NonceCCA are 32 bytes each');
  }
  return xorBytes(cardSecret, nonceCca);
}

/** `expiry` is YYYYMM, as in PANData. */
export function uniqueCardholderId(panSecret: Uint8Array, pan: string, expiry: string): Uint8Array {
  return hmacSha256(panSecret, lengthPrefixed(utf8(pan), utf8(expiry)));
}
