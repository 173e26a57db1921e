/**
 * ECDSA P-256 with SHA-256, deterministic k (RFC 6979 §3.2), low-S on sign and required on
 * verify (SET-PROFILE §2). Messages carry the raw 64-byte r‖s; X.509 carries DER (see pki/).
 */
import { p256 } from '@noble/curves/nist.js';
import { fail } from '../errors.ts';

export const SIGNATURE_LENGTH = 64;
export const PUBLIC_KEY_LENGTH = 65;
export const PRIVATE_KEY_LENGTH = 32;

export interface KeyPair {
  /** 32-byte scalar. */
  privateKey: Uint8Array;
  /** 65-byte uncompressed SEC1 point. */
  publicKey: Uint8Array;
}

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

/** True when `publicKey` is a valid uncompressed P-256 point. */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || publicKey[0] !== 4) return false;
  try {
    p256.Point.fromBytes(publicKey).assertValidity();
    return true;
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

export const P256_ORDER = p256.Point.CURVE().n;
