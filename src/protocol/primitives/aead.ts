/**
 * AES-128-GCM (NIST SP 800-38D), the AEAD of SET/2's HPKE suite and of CertRes's reply key: noble
 * (synchronous) and the installed provider (`aeadSealNative`, `aeadOpenNative`: WebCrypto, or
 * node:crypto on a server), which agree byte for byte.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { fail } from '../errors.ts';
import { cryptoProvider } from './provider.ts';

export const AEAD_KEY_LENGTH = 16;
export const AEAD_NONCE_LENGTH = 12;
export const AEAD_TAG_LENGTH = 16;

export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Uint8Array {
  return gcm(key, nonce, aad).encrypt(plaintext);
}

/** Opens or throws decodingFailure: a wrong key, nonce, AAD or any altered byte all fail alike. */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array {
  if (
    key.length !== AEAD_KEY_LENGTH ||
    nonce.length !== AEAD_NONCE_LENGTH ||
    ciphertext.length < AEAD_TAG_LENGTH
  ) {
    fail('decodingFailure', 'encrypted data has the wrong shape');
  }
  try {
    return gcm(key, nonce, aad).decrypt(ciphertext);
  } catch {
    return fail(
      'decodingFailure',
      'encrypted data failed authentication (altered, or sealed to another key)',
    );
  }
}

/** On the installed provider (provider.ts): ciphertext ‖ 16-byte tag. */
export async function aeadSealNative(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): Promise<Uint8Array> {
  if (key.length !== AEAD_KEY_LENGTH || nonce.length !== AEAD_NONCE_LENGTH)
    fail('unspecifiedFailure', 'AES-128-GCM takes a 16-byte key and a 12-byte nonce');
  return cryptoProvider().aeadSeal(key, nonce, aad, plaintext);
}

/** On the installed provider: opens or throws decodingFailure: a wrong key, nonce, AAD or any altered byte all fail alike. */
export async function aeadOpenNative(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
): Promise<Uint8Array> {
  if (
    key.length !== AEAD_KEY_LENGTH ||
    nonce.length !== AEAD_NONCE_LENGTH ||
    ciphertext.length < AEAD_TAG_LENGTH
  ) {
    fail('decodingFailure', 'encrypted data has the wrong shape');
  }
  try {
    return await cryptoProvider().aeadOpen(key, nonce, aad, ciphertext);
  } catch {
    return fail(
      'decodingFailure',
      'encrypted data failed authentication (altered, or sealed to another key)',
    );
  }
}
