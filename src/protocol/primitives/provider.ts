/**
 * The platform's public-key cryptography behind SET/2's primitives (SET-PROFILE §2): ECDSA P-256
 * verify and sign, P-256 ECDH with key generation, and AES-128-GCM. WebCrypto
 * (`webCryptoProvider`, every platform: pages, MV3 service workers, Node) is the default; a server
 * installs `nodeCryptoProvider(nodeCrypto)` (node-provider.ts) once at start with
 * `useCryptoProvider`, because Node's WebCrypto pays promises, key wrapping and a thread-pool hop
 * per call, several times the cost of the OpenSSL call itself.
 *
 * A provider does only the platform call. Everything SET/2 decides stays in the callers
 * (ecdsa.ts, ecdh.ts, aead.ts, hpke.ts), the same for every provider: the explicit curve check of
 * every point before the platform sees it, the low-S and range check before every verification,
 * the low-S normalisation of every signature made, and the refusals' codes and sentences.
 *
 * A key imported by a provider is a `PlatformKey` that remembers its provider, so a key is only
 * ever used by the provider that made it (a cache filled before a server installed its provider
 * stays correct).
 */

/** A key as the platform holds it (a WebCrypto CryptoKey, a Node KeyObject or ECDH object, …). */
export type KeyHandle = unknown;

/** What a key may do: verify or sign ECDSA, or take part in ECDH as ours (`exchange`) or the peer's. */
export type KeyUse = 'verify' | 'sign' | 'exchange' | 'peer';

/** A value, or a promise of it: a synchronous platform (node:crypto) answers without a promise. */
export type MaybePromise<T> = T | Promise<T>;

export interface CryptoProvider {
  /** For messages and the bench: 'webcrypto' or 'node:crypto'. */
  readonly name: string;
  /** An uncompressed P-256 point the caller has checked on the curve, for ECDSA-SHA256 verification. */
  importVerifyKey(point: Uint8Array): MaybePromise<KeyHandle>;
  /** Raw r‖s (64 bytes, range and low-S checked by the caller) over SHA-256(message); may throw. */
  verify(signature: Uint8Array, message: Uint8Array, key: KeyHandle): MaybePromise<boolean>;
  /** A 32-byte scalar; with `publicKey`, the platform must refuse a point that is not the scalar's. */
  importSigningKey(privateKey: Uint8Array, publicKey?: Uint8Array): MaybePromise<KeyHandle>;
  /** Raw r‖s over SHA-256(message), with k from the platform (the caller makes s low). */
  sign(message: Uint8Array, key: KeyHandle): MaybePromise<Uint8Array>;
  /** A 32-byte scalar for ECDH; with `publicKey`, refused unless it is the scalar's point. */
  importExchangeKey(privateKey: Uint8Array, publicKey?: Uint8Array): MaybePromise<KeyHandle>;
  /** A peer's uncompressed point the caller has checked on the curve. */
  importPeerKey(point: Uint8Array): MaybePromise<KeyHandle>;
  /** A fresh ephemeral ECDH pair; the public half as an uncompressed point. */
  generateExchangeKeyPair(): MaybePromise<{ privateKey: KeyHandle; publicKey: Uint8Array }>;
  /** The 32-byte x coordinate of sk·P. */
  deriveBits(privateKey: KeyHandle, peer: KeyHandle): MaybePromise<Uint8Array>;
  /** AES-128-GCM, shapes checked by the caller: ciphertext ‖ 16-byte tag. */
  aeadSeal(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    plaintext: Uint8Array,
  ): MaybePromise<Uint8Array>;
  /** AES-128-GCM open; throws (anything) when the tag does not verify. */
  aeadOpen(
    key: Uint8Array,
    nonce: Uint8Array,
    aad: Uint8Array,
    ciphertext: Uint8Array,
  ): MaybePromise<Uint8Array>;
  /**
   * Synchronous SHA-256 and HMAC-SHA256, when the platform has them (node:crypto); without,
   * noble's (WebCrypto's digests are asynchronous, and slower at these sizes than noble).
   */
  readonly sha256?: (data: Uint8Array) => Uint8Array;
  readonly hmacSha256?: (key: Uint8Array, data: Uint8Array) => Uint8Array;
}

/** A key imported by a provider, used only by that provider, for its one use. */
export class PlatformKey {
  constructor(
    readonly provider: CryptoProvider,
    readonly use: KeyUse,
    readonly handle: KeyHandle,
  ) {}
}

/** The handle of `key` for `use`; a key imported for another use is a programming error. */
export function handleFor(key: PlatformKey, use: KeyUse): KeyHandle {
  if (key.use !== use) throw new TypeError(`a ${key.use} key was used to ${use}`);
  return key.handle;
}

/** WebCrypto of the platform: Node ≥ 20, pages and MV3 service workers alike. */
export function subtle(): SubtleCrypto {
  return globalThis.crypto.subtle;
}

/** The view WebCrypto's types ask for; SET/2's bytes are never on a SharedArrayBuffer. */
export function bufferSource(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes as Uint8Array<ArrayBuffer>;
}

/** base64url without padding, for JWKs (local: encoding.ts's native codec is not needed here). */
export function jwkB64(bytes: Uint8Array): string {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** JWK of a P-256 private key with its public point, the one form in which WebCrypto checks the pair. */
export function privateJwk(privateKey: Uint8Array, publicKey: Uint8Array): JsonWebKey {
  return {
    kty: 'EC',
    crv: 'P-256',
    d: jwkB64(privateKey),
    x: jwkB64(publicKey.subarray(1, 33)),
    y: jwkB64(publicKey.subarray(33, 65)),
  };
}

/** PKCS#8 PrivateKeyInfo header of a P-256 ECPrivateKey that carries only the scalar (RFC 5915, RFC 5208). */
const PKCS8_P256_PREFIX = new Uint8Array([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08,
  0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20,
]);

/**
 * The 32-byte scalar as PKCS#8 without its public point: the platform derives the point from the
 * scalar itself, so a key can never be imported beside a public key that is not its own.
 */
export function pkcs8Of(privateKey: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(PKCS8_P256_PREFIX.length + privateKey.length);
  out.set(PKCS8_P256_PREFIX);
  out.set(privateKey, PKCS8_P256_PREFIX.length);
  return out;
}

const ECDSA_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;
const ECDH_KEY = { name: 'ECDH', namedCurve: 'P-256' } as const;

/** The platform's WebCrypto (`globalThis.crypto.subtle`): the wallet's provider, and the default. */
export const webCryptoProvider: CryptoProvider = {
  name: 'webcrypto',
  importVerifyKey: (point) => subtle().importKey('raw', bufferSource(point), ECDSA_KEY, false, ['verify']),
  verify: (signature, message, key) =>
    subtle().verify(ECDSA_SHA256, key as CryptoKey, bufferSource(signature), bufferSource(message)),
  importSigningKey: (privateKey, publicKey) =>
    publicKey
      ? subtle().importKey('jwk', privateJwk(privateKey, publicKey), ECDSA_KEY, false, ['sign'])
      : subtle().importKey('pkcs8', pkcs8Of(privateKey), ECDSA_KEY, false, ['sign']),
  sign: async (message, key) =>
    new Uint8Array(await subtle().sign(ECDSA_SHA256, key as CryptoKey, bufferSource(message))),
  importExchangeKey: (privateKey, publicKey) =>
    publicKey
      ? subtle().importKey('jwk', privateJwk(privateKey, publicKey), ECDH_KEY, false, ['deriveBits'])
      : subtle().importKey('pkcs8', pkcs8Of(privateKey), ECDH_KEY, false, ['deriveBits']),
  importPeerKey: (point) => subtle().importKey('raw', bufferSource(point), ECDH_KEY, true, []),
  generateExchangeKeyPair: async () => {
    const pair = await subtle().generateKey(ECDH_KEY, false, ['deriveBits']);
    return {
      privateKey: pair.privateKey,
      publicKey: new Uint8Array(await subtle().exportKey('raw', pair.publicKey)),
    };
  },
  deriveBits: async (privateKey, peer) =>
    new Uint8Array(
      await subtle().deriveBits({ name: 'ECDH', public: peer as CryptoKey }, privateKey as CryptoKey, 256),
    ),
  aeadSeal: async (key, nonce, aad, plaintext) => {
    const k = await subtle().importKey('raw', bufferSource(key), 'AES-GCM', false, ['encrypt']);
    return new Uint8Array(
      await subtle().encrypt(
        { name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(aad) },
        k,
        bufferSource(plaintext),
      ),
    );
  },
  aeadOpen: async (key, nonce, aad, ciphertext) => {
    const k = await subtle().importKey('raw', bufferSource(key), 'AES-GCM', false, ['decrypt']);
    return new Uint8Array(
      await subtle().decrypt(
        { name: 'AES-GCM', iv: bufferSource(nonce), additionalData: bufferSource(aad) },
        k,
        bufferSource(ciphertext),
      ),
    );
  },
};

let current: CryptoProvider = webCryptoProvider;

/** Installs the process's provider (a server at start); undefined restores WebCrypto. */
export function useCryptoProvider(provider: CryptoProvider | undefined): void {
  current = provider ?? webCryptoProvider;
}

/** The provider new keys are imported with and key-less operations (AES-GCM, key generation) run on. */
export function cryptoProvider(): CryptoProvider {
  return current;
}
