/**
 * ECDSA P-256 with SHA-256 (SET-PROFILE §2) in noble: deterministic k (RFC 6979 §3.2, the CA's
 * certificate and CRL signatures), key generation from a scalar, and the synchronous verify and
 * ECDH the tools and the tests cross-check with. The platform side (p256.ts, re-exported here:
 * signNative, verifyNative, keys imported once on the installed provider) is what the wallet
 * loads: its service worker must not carry noble's curve code (issue 11). Messages carry the raw
 * 64-byte r‖s; X.509 DER.
 */
import { p256 } from '@noble/curves/nist.js';
import { fail } from '../errors.ts';
import { type KeyPair, PRIVATE_KEY_LENGTH, SIGNATURE_LENGTH } from './p256.ts';

export * from './p256.ts';

export function generateKeyPair(): KeyPair {
  const privateKey = p256.utils.randomSecretKey();
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

export function publicKeyOf(privateKey: Uint8Array): Uint8Array {
  if (privateKey.length !== PRIVATE_KEY_LENGTH) fail('decodingFailure', 'a P-256 private key is 32 bytes');
  return p256.getPublicKey(privateKey, false);
}

/** Signs SHA-256(message); returns raw r‖s with s ≤ n/2. */
export function sign(message: Uint8Array, privateKey: Uint8Array): Uint8Array {
  return p256.sign(message, privateKey, { lowS: true, prehash: true, format: 'compact' });
}

/** Verifies raw r‖s over SHA-256(message); false (never a throw) for high-S, bad lengths or bad points. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false;
  try {
    return p256.verify(signature, message, publicKey, { lowS: true, prehash: true, format: 'compact' });
  } catch {
    return false;
  }
}

/** Raw r‖s to the DER `ECDSA-Sig-Value` X.509 uses (RFC 5480 §2.2 / RFC 3279). */
export function signatureToDer(raw: Uint8Array): Uint8Array {
  return p256.Signature.fromBytes(raw, 'compact').toBytes('der');
}

/** DER `ECDSA-Sig-Value` to raw r‖s; throws decodingFailure on malformed DER. */
export function signatureFromDer(der: Uint8Array): Uint8Array {
  try {
    return p256.Signature.fromBytes(der, 'der').toBytes('compact');
  } catch {
    return fail('decodingFailure', 'malformed DER ECDSA signature');
  }
}

/** Elliptic-curve Diffie–Hellman: the 32-byte x coordinate of sk·P (RFC 9180 §7.1.1 DH()). */
export function ecdh(privateKey: Uint8Array, publicKey: Uint8Array): Uint8Array {
  return p256.getSharedSecret(privateKey, publicKey, true).slice(1);
}
