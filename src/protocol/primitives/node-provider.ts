/**
 * The server's provider (provider.ts) over node:crypto, synchronous OpenSSL calls with keys
 * imported once: `useCryptoProvider(nodeCryptoProvider(nodeCrypto))`, where the server passes the
 * module it imported (`import * as nodeCrypto from 'node:crypto'`). The protocol imports no Node
 * module and needs no Node types: NodeCryptoLike is the part of node:crypto used here, typed
 * structurally. The browser bundle never reaches this file (nothing it loads imports it).
 *
 * ECDSA: `crypto.sign`/`crypto.verify` with SHA-256 and `dsaEncoding: 'ieee-p1363'` (raw r‖s, as in
 * SET messages) on KeyObjects. ECDH: an `ECDH` object per private key (`computeSecret` on a raw
 * point). AES-128-GCM: `createCipheriv`/`createDecipheriv` with a 16-byte tag. SHA-256 and
 * HMAC-SHA256: `createHash`/`createHmac` (synchronous, so hash.ts and HPKE's HKDF use them).
 */
import { type CryptoProvider, jwkB64 } from './provider.ts';

export interface NodeEcdhLike {
  setPrivateKey(privateKey: Uint8Array): void;
  generateKeys(): Uint8Array;
  getPublicKey(): Uint8Array;
  computeSecret(otherPublicKey: Uint8Array): Uint8Array;
}

interface NodeDigestLike {
  update(data: Uint8Array): NodeDigestLike;
  digest(): Uint8Array;
}

interface NodeCipherLike {
  setAAD(aad: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}

/** The part of node:crypto this provider uses (Node ≥ 20); `K` is its KeyObject, opaque here. */
export interface NodeCryptoLike<K> {
  createPublicKey(key: { key: EcJwk; format: 'jwk' }): K;
  createPrivateKey(key: { key: EcJwk; format: 'jwk' }): K;
  sign(algorithm: string, data: Uint8Array, key: { key: K; dsaEncoding: 'ieee-p1363' }): Uint8Array;
  verify(
    algorithm: string,
    data: Uint8Array,
    key: { key: K; dsaEncoding: 'ieee-p1363' },
    signature: Uint8Array,
  ): boolean;
  createECDH(curve: string): NodeEcdhLike;
  createHash(algorithm: 'sha256'): NodeDigestLike;
  createHmac(algorithm: 'sha256', key: Uint8Array): NodeDigestLike;
  createCipheriv(
    algorithm: 'aes-128-gcm',
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): NodeCipherLike & { getAuthTag(): Uint8Array };
  createDecipheriv(
    algorithm: 'aes-128-gcm',
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): NodeCipherLike & { setAuthTag(tag: Uint8Array): unknown };
}

/** A P-256 key as a JWK (Node's types take key bytes only as a Buffer; a JWK needs none). */
export type EcJwk = { kty: 'EC'; crv: 'P-256'; x: string; y: string; d?: string };

const TAG = 16;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A Buffer's bytes as a plain Uint8Array view (a Buffer's slice() would share, a Uint8Array's copies). */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const ZERO_KEY = new Uint8Array(32);

function publicJwk(point: Uint8Array): EcJwk {
  return { kty: 'EC', crv: 'P-256', x: jwkB64(point.subarray(1, 33)), y: jwkB64(point.subarray(33, 65)) };
}

function concat(a: Uint8Array, b: Uint8Array, c?: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length + (c?.length ?? 0));
  out.set(a);
  out.set(b, a.length);
  if (c) out.set(c, a.length + b.length);
  return out;
}

/** An ECDH object holding `privateKey`, refused unless `publicKey` (when given) is its point. */
function ecdhOf<K>(c: NodeCryptoLike<K>, privateKey: Uint8Array, publicKey?: Uint8Array): NodeEcdhLike {
  const ecdh = c.createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  if (publicKey && !sameBytes(ecdh.getPublicKey(), publicKey))
    throw new Error('the public key is not the private key’s');
  return ecdh;
}

export function nodeCryptoProvider<K>(c: NodeCryptoLike<K>): CryptoProvider {
  return {
    name: 'node:crypto',
    importVerifyKey: (point) => c.createPublicKey({ key: publicJwk(point), format: 'jwk' }),
    verify: (signature, message, key) =>
      c.verify('sha256', message, { key: key as K, dsaEncoding: 'ieee-p1363' }, signature),
    importSigningKey: (privateKey, publicKey) => {
      // The point is always derived from the scalar (OpenSSL), and a given point must be that one.
      const point = ecdhOf(c, privateKey, publicKey).getPublicKey();
      return c.createPrivateKey({ key: { ...publicJwk(point), d: jwkB64(privateKey) }, format: 'jwk' });
    },
    sign: (message, key) =>
      new Uint8Array(c.sign('sha256', message, { key: key as K, dsaEncoding: 'ieee-p1363' })),
    importExchangeKey: (privateKey, publicKey) => ecdhOf(c, privateKey, publicKey),
    importPeerKey: (point) => point.slice(),
    generateExchangeKeyPair: () => {
      const ecdh = c.createECDH('prime256v1');
      const publicKey = new Uint8Array(ecdh.generateKeys());
      return { privateKey: ecdh, publicKey };
    },
    deriveBits: (privateKey, peer) =>
      new Uint8Array((privateKey as NodeEcdhLike).computeSecret(peer as Uint8Array)),
    aeadSeal: (key, nonce, aad, plaintext) => {
      const cipher = c.createCipheriv('aes-128-gcm', key, nonce, { authTagLength: TAG });
      cipher.setAAD(aad);
      const body = cipher.update(plaintext);
      const last = cipher.final();
      return concat(body, last, cipher.getAuthTag());
    },
    sha256: (data) => plain(c.createHash('sha256').update(data).digest()),
    // HMAC pads a short key with zeros: an empty key is the same as 32 zero bytes (OpenSSL may refuse an empty one).
    hmacSha256: (key, data) =>
      plain(
        c
          .createHmac('sha256', key.length === 0 ? ZERO_KEY : key)
          .update(data)
          .digest(),
      ),
    aeadOpen: (key, nonce, aad, ciphertext) => {
      const decipher = c.createDecipheriv('aes-128-gcm', key, nonce, { authTagLength: TAG });
      decipher.setAAD(aad);
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG));
      const body = decipher.update(ciphertext.subarray(0, ciphertext.length - TAG));
      return concat(body, decipher.final());
    },
  };
}
