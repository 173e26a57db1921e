/**
 * SHA-256 and HMAC-SHA256 (SET-PROFILE §2, replacing SHA-1 and HMAC-SHA1), nonces, constant-time
 * equality. Synchronous: the installed provider's when it has them (node:crypto on a server,
 * provider.ts), noble's otherwise (the wallet); the same bytes either way.
 */
import { _SHA256 } from '@noble/hashes/sha2.js';
import { cryptoProvider } from './provider.ts';

/**
 * noble's SHA-256, through its hash class rather than its `sha256` helper (createHasher, whose
 * option checks and OID table cost the wallet's service worker 0.9 KB, issue 11): the same
 * update and digest, so the same bytes.
 */
const nobleSha256 = (data: Uint8Array): Uint8Array => new _SHA256().update(data).digest();

export function sha256(data: Uint8Array): Uint8Array {
  const native = cryptoProvider().sha256;
  return native ? native(data) : nobleSha256(data);
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const native = cryptoProvider().hmacSha256;
  return native ? native(key, data) : nobleHmacSha256(key, data);
}

/**
 * HMAC (RFC 2104) over noble's SHA-256: H(K ⊕ opad ‖ H(K ⊕ ipad ‖ data)), K the key zero-padded to
 * the 64-byte block (hashed first when longer). The same bytes as noble's hmac, which costs the
 * wallet's service worker 1.3 KB for its generality (issue 11); RFC 4231's vectors check both.
 */
function nobleHmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  const k = new Uint8Array(64);
  k.set(key.length > 64 ? nobleSha256(key) : key);
  const padded = (pad: number) => k.map((b) => b ^ pad);
  const inner = new _SHA256().update(padded(0x36)).update(data).digest();
  return new _SHA256().update(padded(0x5c)).update(inner).digest();
}

/** A fresh 32-byte random value: nonces, challenges, RRPIDs, XIDs, salts (SET-PROFILE §2). */
export function randomNonce(): Uint8Array {
  return randomBytes(32);
}

/** `length` bytes from the platform's CSPRNG (what noble's randomBytes calls, without its helpers in the wallet's bundle). */
export function randomBytes(length = 32): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(length));
}

/** Equality whose time depends only on the lengths, for MACs, digests and secrets. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export function xorBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length !== b.length) throw new RangeError('xorBytes: lengths differ');
  return a.map((x, i) => x ^ b[i]!);
}
