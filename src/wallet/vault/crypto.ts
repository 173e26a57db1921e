/**
 * The vault's cryptography, all WebCrypto: PBKDF2-SHA256 turns the passphrase into a 256-bit key
 * (RFC 8018 §5.2; ≥ 600,000 iterations as OWASP's password storage guidance asks for SHA-256),
 * and AES-256-GCM (NIST SP 800-38D) seals each record with a fresh 96-bit IV and the record's id
 * as associated data, so a ciphertext moved to another record does not open.
 */
import { b64u, fromB64u, utf8 } from '../../protocol/core.ts';
import { walletError } from '../errors.ts';

export const KDF_ALG = 'PBKDF2-SHA256';
/** The floor: no vault is created, restored or kept below it. */
export const MIN_KDF_ITERATIONS = 600_000;
export const SALT_LENGTH = 16;
const IV_LENGTH = 12;

export interface KdfParams {
  alg: typeof KDF_ALG;
  iterations: number;
  /** base64url of SALT_LENGTH random bytes. */
  salt: string;
}

/** An AES-256-GCM ciphertext: base64url IV and ciphertext-with-tag. */
export interface Sealed {
  iv: string;
  ct: string;
}

export function randomBytes(n: number): Uint8Array {
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}

export function newKdfParams(iterations: number): KdfParams {
  if (!Number.isSafeInteger(iterations) || iterations < MIN_KDF_ITERATIONS) {
    walletError('kdfTooWeak', `PBKDF2 needs at least ${MIN_KDF_ITERATIONS} iterations`, {
      minimum: MIN_KDF_ITERATIONS,
    });
  }
  return { alg: KDF_ALG, iterations, salt: b64u(randomBytes(SALT_LENGTH)) };
}

/** Copies into a fresh ArrayBuffer-backed array, the type WebCrypto's signatures ask for. */
function buf(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(bytes.length);
  out.set(bytes);
  return out;
}

/** The raw 32-byte vault key for `passphrase` under `kdf`. */
export async function deriveKeyBytes(passphrase: string, kdf: KdfParams): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey(
    'raw',
    buf(utf8(passphrase.normalize('NFC'))),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt: buf(fromB64u(kdf.salt, 'salt')), iterations: kdf.iterations },
    material,
    256,
  );
  return new Uint8Array(bits);
}

/** A non-extractable AES-GCM key from raw bytes; the raw bytes go to storage.session, never the key object. */
export function importAesKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', buf(raw), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

export async function sealRecord(key: CryptoKey, aad: string, plaintext: Uint8Array): Promise<Sealed> {
  const iv = randomBytes(IV_LENGTH);
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: buf(iv), additionalData: buf(utf8(aad)) },
    key,
    buf(plaintext),
  );
  return { iv: b64u(iv), ct: b64u(new Uint8Array(ct)) };
}

/** Opens a Sealed; undefined when it does not authenticate (wrong key, wrong AAD, or damage). */
export async function openRecord(
  key: CryptoKey,
  aad: string,
  sealed: Sealed,
): Promise<Uint8Array | undefined> {
  try {
    const pt = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(fromB64u(sealed.iv, 'iv')), additionalData: buf(utf8(aad)) },
      key,
      buf(fromB64u(sealed.ct, 'ciphertext')),
    );
    return new Uint8Array(pt);
  } catch {
    return undefined;
  }
}
