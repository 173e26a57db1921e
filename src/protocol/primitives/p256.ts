/**
 * P-256 on the platform (SET-PROFILE §2) with no curve code of its own: what the wallet's service
 * worker loads (issue 11: noble's curves stay out of it). ECDSA sign and verify on the installed
 * provider (provider.ts; keys imported once), key generation and a scalar's public point through
 * WebCrypto, and the point check every imported key passes first. Every signature is low-S: a
 * native signature is normalised to s ≤ n/2, and every verifier refuses high-S, checked before the
 * platform's verify, which would accept it. Messages carry the raw 64-byte r‖s.
 */
import { fromB64u } from '../encoding.ts';
import { fail } from '../errors.ts';
import { cryptoProvider, handleFor, PlatformKey, pkcs8Of, subtle } from './provider.ts';

export const SIGNATURE_LENGTH = 64;
export const PUBLIC_KEY_LENGTH = 65;
export const PRIVATE_KEY_LENGTH = 32;

export interface KeyPair {
  /** 32-byte scalar. */
  privateKey: Uint8Array;
  /** 65-byte uncompressed SEC1 point. */
  publicKey: Uint8Array;
}

/** The field prime, the curve's b and the group order n of P-256 (SEC 2 §2.4.2, FIPS 186-5). */
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
export const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

/**
 * True when `publicKey` is a valid uncompressed P-256 point: 04‖x‖y with x, y < p and
 * y² = x³ − 3x + b (mod p). The cofactor is 1, so every such point is in the prime-order group,
 * and the point at infinity has no uncompressed form. Checked here, explicitly, before any
 * provider sees a point.
 */
export function isValidPublicKey(publicKey: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LENGTH || publicKey[0] !== 4) return false;
  const x = toBigInt(publicKey.subarray(1, 33));
  const y = toBigInt(publicKey.subarray(33, 65));
  if (x >= P || y >= P) return false;
  return (y * y - (x * x * x - 3n * x + B)) % P === 0n;
}

const ECDSA_PARAMS = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** A fresh key pair from the platform's generator, exported once as bytes (the wallet's vault keeps them). */
export async function generateKeyPairNative(): Promise<KeyPair> {
  const pair = await subtle().generateKey(ECDSA_PARAMS, true, ['sign', 'verify']);
  const jwk = await subtle().exportKey('jwk', pair.privateKey);
  return { privateKey: fromJwkB64(jwk.d, 32), publicKey: pointOfJwk(jwk) };
}

/**
 * The public point of a scalar, computed by the platform (imported from PKCS#8, exported, dropped).
 * Servers and tests only: Firefox imports and signs with a scalar alone but cannot export its point
 * (OperationError), so the wallet keeps the point generateKeyPairNative gave it and passes it on.
 */
export async function publicKeyOfNative(privateKey: Uint8Array): Promise<Uint8Array> {
  if (privateKey.length !== PRIVATE_KEY_LENGTH) fail('decodingFailure', 'a P-256 private key is 32 bytes');
  let jwk: JsonWebKey;
  try {
    const key = await subtle().importKey('pkcs8', pkcs8Of(privateKey), ECDSA_PARAMS, true, ['sign']);
    jwk = await subtle().exportKey('jwk', key);
  } catch {
    return fail('decodingFailure', 'the private key is not a valid P-256 scalar');
  }
  return pointOfJwk(jwk);
}

function pointOfJwk(jwk: JsonWebKey): Uint8Array {
  const point = new Uint8Array(PUBLIC_KEY_LENGTH);
  point[0] = 4;
  point.set(fromJwkB64(jwk.x, 32), 1);
  point.set(fromJwkB64(jwk.y, 32), 33);
  return point;
}

/** A JWK member (base64url, no padding) of exactly `length` bytes. */
function fromJwkB64(text: string | undefined, length: number): Uint8Array {
  const bytes = fromB64u(text ?? '', 'a JWK member');
  if (bytes.length !== length) fail('unspecifiedFailure', 'the platform exported a malformed key');
  return bytes;
}

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

const MASK_64 = (1n << 64n) - 1n;

/**
 * A 32-byte big-endian value (a coordinate, r or s) as a bigint: four 64-bit reads, some ten
 * times faster than 32 steps of a byte (a point's check and each signature's range check use it).
 */
function toBigInt(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, 32);
  return (
    (view.getBigUint64(0) << 192n) |
    (view.getBigUint64(8) << 128n) |
    (view.getBigUint64(16) << 64n) |
    view.getBigUint64(24)
  );
}

/** n < 2^256 as 32 big-endian bytes. */
function fromBigInt(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  const view = new DataView(out.buffer);
  for (let i = 24, v = n; i >= 0; i -= 8, v >>= 64n) view.setBigUint64(i, v & MASK_64);
  return out;
}
