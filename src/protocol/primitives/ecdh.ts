/**
 * Elliptic-curve Diffie–Hellman on P-256 on the installed provider (provider.ts: WebCrypto, or
 * node:crypto on a server; SET-PROFILE §2): the DH() of HPKE's DHKEM (RFC 9180 §7.1.1), the
 * 32-byte x coordinate of sk·P. Peer points are checked on the curve (p256.ts) before the platform
 * sees them.
 */
import { fail } from '../errors.ts';
import { isValidPublicKey, PRIVATE_KEY_LENGTH } from './p256.ts';
import { cryptoProvider, handleFor, PlatformKey } from './provider.ts';

/** Imports a key-exchange private key once (non-extractable on WebCrypto): a party's HPKE recipient key. */
export async function importExchangeKey(
  privateKey: Uint8Array,
  publicKey?: Uint8Array,
  provider = cryptoProvider(),
): Promise<PlatformKey> {
  if (privateKey.length !== PRIVATE_KEY_LENGTH) fail('decodingFailure', 'a P-256 private key is 32 bytes');
  return new PlatformKey(provider, 'exchange', await provider.importExchangeKey(privateKey, publicKey));
}

/** Imports a peer's public point; decodingFailure unless it is a valid uncompressed P-256 point. */
export async function importPeerKey(publicKey: Uint8Array): Promise<PlatformKey> {
  if (!isValidPublicKey(publicKey))
    fail('decodingFailure', 'the key-exchange key is not a valid uncompressed P-256 point');
  return importCheckedPeerKey(publicKey);
}

/** importPeerKey for a point the caller has just checked with isValidPublicKey (checked once, not twice). */
export async function importCheckedPeerKey(
  publicKey: Uint8Array,
  provider = cryptoProvider(),
): Promise<PlatformKey> {
  return new PlatformKey(provider, 'peer', await provider.importPeerKey(publicKey));
}

/** A fresh ephemeral key pair (HPKE's skE, pkE): the private half never leaves the platform. */
export async function generateExchangeKeyPair(
  provider = cryptoProvider(),
): Promise<{ privateKey: PlatformKey; publicKey: Uint8Array }> {
  const pair = await provider.generateExchangeKeyPair();
  return { privateKey: new PlatformKey(provider, 'exchange', pair.privateKey), publicKey: pair.publicKey };
}

/**
 * DH(sk, pk): the 32-byte shared x coordinate, on the private key's provider. `publicKey` as bytes
 * is checked and imported here; an imported peer key must come from the same provider.
 */
export async function ecdhNative(
  privateKey: PlatformKey,
  publicKey: PlatformKey | Uint8Array,
): Promise<Uint8Array> {
  const provider = privateKey.provider;
  let peer: PlatformKey;
  if (publicKey instanceof Uint8Array) {
    if (!isValidPublicKey(publicKey))
      fail('decodingFailure', 'the key-exchange key is not a valid uncompressed P-256 point');
    peer = await importCheckedPeerKey(publicKey, provider);
  } else if (publicKey.provider !== provider) {
    return fail('unspecifiedFailure', 'the two ECDH keys were imported by different providers');
  } else {
    peer = publicKey;
  }
  return provider.deriveBits(handleFor(privateKey, 'exchange'), handleFor(peer, 'peer'));
}
