/**
 * Elliptic-curve Diffie–Hellman on P-256 over WebCrypto (SET-PROFILE §2): the DH() of HPKE's
 * DHKEM (RFC 9180 §7.1.1), the 32-byte x coordinate of sk·P. Peer points are checked on the
 * curve (noble) before the platform sees them.
 */
import { fail } from '../errors.ts';
import { bufferSource, isValidPublicKey, pkcs8Of, privateJwk, subtle } from './ecdsa.ts';

const ECDH_KEY = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** Imports a key-exchange private key once, non-extractable (a party's HPKE recipient key). */
export function importExchangeKey(privateKey: Uint8Array, publicKey?: Uint8Array): Promise<CryptoKey> {
  if (!publicKey) return subtle().importKey('pkcs8', pkcs8Of(privateKey), ECDH_KEY, false, ['deriveBits']);
  return subtle().importKey('jwk', privateJwk(privateKey, publicKey), ECDH_KEY, false, ['deriveBits']);
}

/** Imports a peer's public point; decodingFailure unless it is a valid uncompressed P-256 point. */
export async function importPeerKey(publicKey: Uint8Array): Promise<CryptoKey> {
  if (!isValidPublicKey(publicKey))
    fail('decodingFailure', 'the key-exchange key is not a valid uncompressed P-256 point');
  return importCheckedPeerKey(publicKey);
}

/** importPeerKey for a point the caller has just checked with isValidPublicKey (checked once, not twice). */
export function importCheckedPeerKey(publicKey: Uint8Array): Promise<CryptoKey> {
  return subtle().importKey('raw', bufferSource(publicKey), ECDH_KEY, true, []);
}

/** A fresh ephemeral key pair (HPKE's skE, pkE): the private half never leaves WebCrypto. */
export async function generateExchangeKeyPair(): Promise<{ privateKey: CryptoKey; publicKey: Uint8Array }> {
  const pair = await subtle().generateKey(ECDH_KEY, false, ['deriveBits']);
  return {
    privateKey: pair.privateKey,
    publicKey: new Uint8Array(await subtle().exportKey('raw', pair.publicKey)),
  };
}

/** DH(sk, pk): the 32-byte shared x coordinate. `publicKey` as bytes is checked and imported here. */
export async function ecdhNative(
  privateKey: CryptoKey,
  publicKey: CryptoKey | Uint8Array,
): Promise<Uint8Array> {
  const peer = publicKey instanceof Uint8Array ? await importPeerKey(publicKey) : publicKey;
  return new Uint8Array(await subtle().deriveBits({ name: 'ECDH', public: peer }, privateKey, 256));
}
