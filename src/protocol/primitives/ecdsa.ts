/**
 * ECDSA P-256 with SHA-256 (SET-PROFILE §2): deterministic k (RFC 6979 §3.2, noble) and the
 * platform's (`signNative`, `verifyNative`, keys imported once, on the installed provider:
 * WebCrypto, or node:crypto on a server; provider.ts). Every signature is
 * low-S: a native signature is normalised to s ≤ n/2, and every verifier refuses high-S, checked
 * before the platform's verify, which would accept it. Messages carry the raw 64-byte r‖s; X.509 DER.
 */
import { p256 } from '@noble/curves/nist.js';
import { fail } from '../errors.ts';
import { cryptoProvider, handleFor, PlatformKey } from './provider.ts';

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
const HALF_ORDER = P256_ORDER >> 1n;

/**
 * Imports a signature key once: what a party keeps for signing SET messages (non-extractable on
 * WebCrypto). With `publicKey`, the platform checks the pair; without, from the scalar alone.
 */
export async function importSigningKey(privateKey: Uint8Array, publicKey?: Uint8Array): Promise<PlatformKey> {
  if (privateKey.length !== PRIVATE_KEY_LENGTH) fail('decodingFailure', 'a P-256 private key is 32 bytes');
  const provider = cryptoProvider();
  return new PlatformKey(provider, 'sign', await provider.importSigningKey(privateKey, publicKey));
}

/**
 * Imports a public key for verification. decodingFailure unless it is a valid uncompressed point:
 * the curve check is explicit (noble) rather than left to the platform.
 */
export async function importVerifyKey(publicKey: Uint8Array): Promise<PlatformKey> {
  if (!isValidPublicKey(publicKey))
    fail('decodingFailure', 'the public key is not an uncompressed P-256 point');
  const provider = cryptoProvider();
  return new PlatformKey(provider, 'verify', await provider.importVerifyKey(publicKey));
}

/** Signs SHA-256(message) natively (random k from the platform's CSPRNG); returns raw r‖s with s ≤ n/2. */
export async function signNative(message: Uint8Array, key: PlatformKey): Promise<Uint8Array> {
  return toLowS(await key.provider.sign(message, handleFor(key, 'sign')));
}

/**
 * Verifies raw r‖s over SHA-256(message): false (never a throw) for a wrong length, r or s out
 * of range, high-S, an invalid key, or a signature that does not verify.
 */
export async function verifyNative(
  signature: Uint8Array,
  message: Uint8Array,
  key: PlatformKey | Uint8Array,
): Promise<boolean> {
  if (!isLowSInRange(signature)) return false;
  let platformKey: PlatformKey;
  if (key instanceof Uint8Array) {
    if (!isValidPublicKey(key)) return false;
    const provider = cryptoProvider();
    platformKey = new PlatformKey(provider, 'verify', await provider.importVerifyKey(key));
  } else {
    platformKey = key;
  }
  try {
    return (await platformKey.provider.verify(signature, message, handleFor(platformKey, 'verify'))) === true;
  } catch {
    return false;
  }
}

/** 64 bytes, 0 < r < n and 0 < s ≤ n/2 (SET-PROFILE §2: high-S is refused). */
function isLowSInRange(signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LENGTH) return false;
  const r = toBigInt(signature.subarray(0, 32));
  const s = toBigInt(signature.subarray(32));
  return r > 0n && r < P256_ORDER && s > 0n && s <= HALF_ORDER;
}

/** s → n − s when s > n/2: WebCrypto's signatures are high-S half the time. */
function toLowS(signature: Uint8Array): Uint8Array {
  if (signature.length !== SIGNATURE_LENGTH)
    fail('unspecifiedFailure', 'the platform returned a malformed signature');
  const s = toBigInt(signature.subarray(32));
  if (s <= HALF_ORDER) return signature;
  const out = signature.slice();
  out.set(fromBigInt(P256_ORDER - s), 32);
  return out;
}

function toBigInt(bytes: Uint8Array): bigint {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  return n;
}

function fromBigInt(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 31, v = n; i >= 0; i--, v >>= 8n) out[i] = Number(v & 0xffn);
  return out;
}
