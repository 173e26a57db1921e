/**
 * The native floor of one authorization: the public-key and symmetric operations the gateway must
 * perform per AuthReq, done with Node's native crypto (node:crypto, synchronous: OpenSSL, no
 * thread-pool hops), with keys imported once, on inputs of the real sizes. Its CPU time per
 * authorization (process.cpuUsage) is the bound the gateway's own CPU time is divided by.
 *
 * HPKE here is RFC 9180 Base mode, DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM (the suite of
 * SET-PROFILE §2), written over node:crypto's ECDH, HMAC and AES-GCM. It is checked, before any
 * timing, by opening the real AuthReq envelope the merchant sealed to the gateway: a wrong key
 * schedule would fail the GCM tag.
 *
 * Per authorization (returning cardholder: its chain already validated by the gateway):
 *   SHA-256 of the PI baggage (the envelope's aad); HPKE open of the AuthReq envelope; SHA-256 of
 *   each carried certificate (thumbprints, to find them in the validated-chain cache); ECDSA verify
 *   of the merchant's signature; HPKE open of PIData; SHA-256 of PIData; ECDSA verify of the dual
 *   signature; HMAC-SHA256 (unique cardholder ID); 2 × SHA-256 (request digest); a random 32-byte
 *   authorization code; HPKE seal of the CapToken to the gateway's own key-exchange key; ECDSA
 *   sign of AuthResData; HPKE seal of the signed AuthRes to the merchant's key-exchange key.
 * A new cardholder adds one ECDSA verify: its certificate's signature by the CCA (the CA links
 * above it are the same for every cardholder, so a gateway checks them once); and one public-key
 * import, of its certificate's point, the key its dual signature is verified with (a returning
 * cardholder's is kept with its validated chain).
 */
import {
  createCipheriv,
  createDecipheriv,
  createECDH,
  createHash,
  createHmac,
  createPrivateKey,
  createPublicKey,
  type ECDH,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';

const sha256 = (b: Uint8Array): Buffer => createHash('sha256').update(b).digest();
const hmac = (key: Uint8Array, data: Uint8Array): Buffer => createHmac('sha256', key).update(data).digest();
const i2osp = (n: number, len: number): Buffer => {
  const b = Buffer.alloc(len);
  b.writeUIntBE(n, 0, len);
  return b;
};
const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts);
const label = (s: string): Buffer => Buffer.from(s, 'utf8');
const EMPTY = Buffer.alloc(0);
const KEM_SUITE = cat(label('KEM'), i2osp(0x10, 2));
const HPKE_SUITE = cat(label('HPKE'), i2osp(0x10, 2), i2osp(1, 2), i2osp(1, 2));
const V1 = label('HPKE-v1');

function labeledExtract(suite: Buffer, salt: Uint8Array, l: string, ikm: Uint8Array): Buffer {
  return hmac(salt.length ? salt : Buffer.alloc(32), cat(V1, suite, label(l), ikm));
}
function labeledExpand(suite: Buffer, prk: Uint8Array, l: string, info: Uint8Array, len: number): Buffer {
  // len ≤ 32 here: one HMAC block.
  return hmac(prk, cat(i2osp(len, 2), V1, suite, label(l), info, Buffer.from([1]))).subarray(0, len);
}
function schedule(dh: Uint8Array, enc: Uint8Array, pkR: Uint8Array, info: Uint8Array) {
  const eae = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  const shared = labeledExpand(KEM_SUITE, eae, 'shared_secret', cat(enc, pkR), 32);
  const ctx = cat(
    Buffer.from([0]),
    labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY),
    labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info),
  );
  const secret = labeledExtract(HPKE_SUITE, shared, 'secret', EMPTY);
  return {
    key: labeledExpand(HPKE_SUITE, secret, 'key', ctx, 16),
    nonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', ctx, 12),
  };
}

/** A recipient's static key-exchange key, imported once. */
export interface NativeRecipient {
  ecdh: ECDH;
  publicKey: Buffer;
}
export function nativeRecipient(privateKey: Uint8Array): NativeRecipient {
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(privateKey);
  return { ecdh, publicKey: ecdh.getPublicKey() };
}

export function nativeOpen(
  r: NativeRecipient,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
): Buffer {
  const { key, nonce } = schedule(r.ecdh.computeSecret(enc), enc, r.publicKey, info);
  const d = createDecipheriv('aes-128-gcm', key, nonce);
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - 16));
  return cat(d.update(ct.subarray(0, ct.length - 16)), d.final());
}

export function nativeSeal(pkR: Uint8Array, info: Uint8Array, aad: Uint8Array, pt: Uint8Array) {
  const e = createECDH('prime256v1');
  const enc = e.generateKeys();
  const { key, nonce } = schedule(e.computeSecret(pkR), enc, pkR, info);
  const c = createCipheriv('aes-128-gcm', key, nonce);
  c.setAAD(aad);
  const ct = cat(c.update(pt), c.final(), c.getAuthTag());
  return { enc, ct };
}

/** An uncompressed P-256 point as a public KeyObject (imported once). */
export function publicKeyObject(point: Uint8Array): KeyObject {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPublicKey({
    key: { kty: 'EC', crv: 'P-256', x: b64(point.subarray(1, 33)), y: b64(point.subarray(33, 65)) },
    format: 'jwk',
  });
}
export function privateKeyObject(privateKey: Uint8Array, point: Uint8Array): KeyObject {
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
  return createPrivateKey({
    key: {
      kty: 'EC',
      crv: 'P-256',
      d: b64(privateKey),
      x: b64(point.subarray(1, 33)),
      y: b64(point.subarray(33, 65)),
    },
    format: 'jwk',
  });
}

/** What one authorization's floor works on: real keys, real sealed inputs, real sizes. */
export interface FloorInputs {
  gatewayKx: Uint8Array; // private
  gatewaySig: { privateKey: Uint8Array; publicKey: Uint8Array };
  gatewayKxPublic: Uint8Array;
  merchantKxPublic: Uint8Array;
  baggage: Uint8Array;
  envelope: { enc: Uint8Array; ct: Uint8Array };
  pi: { enc: Uint8Array; ct: Uint8Array };
  carriedCerts: Uint8Array[];
  sizes: { merchantTbs: number; piTbs: number; capToken: number; authRes: number; certTbs: number };
}

const ops = (n: number) => Buffer.alloc(n, 7);

/**
 * Prepares one authorization's native operations. Checks first that the native HPKE opens the
 * real AuthReq envelope (same bytes as src/protocol opens), so the floor computes what the gateway
 * computes.
 */
export function prepareFloor(x: FloorInputs) {
  const kx = nativeRecipient(x.gatewayKx);
  const signer = privateKeyObject(x.gatewaySig.privateKey, x.gatewaySig.publicKey);
  const envInfo = label('SET/2 AuthReq');
  const piInfo = label('SET/2 PIData');
  const capInfo = label('SET/2 CapToken');
  const resInfo = label('SET/2 AuthRes');
  // The self-check: the real envelope opens.
  nativeOpen(kx, x.envelope.enc, envInfo, sha256(x.baggage), x.envelope.ct);
  // Signatures to verify: made here with a P-256 key over inputs of the real sizes (the cost of a
  // verification does not depend on whose key it is; the key is imported once, as the gateway's
  // validated-chain cache keeps it).
  const { privateKey: otherPriv } = (() => {
    const e = createECDH('prime256v1');
    e.generateKeys();
    return { privateKey: privateKeyObject(e.getPrivateKey(), e.getPublicKey()) };
  })();
  const merchantTbs = ops(x.sizes.merchantTbs);
  const piTbs = ops(x.sizes.piTbs);
  const certTbs = ops(x.sizes.certTbs);
  const p1363 = (key: KeyObject, data: Buffer) => sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  const otherPub = createPublicKey(otherPriv);
  // A new cardholder's own key: imported from its certificate's point for every new cardholder
  // (JWK, node:crypto's quickest import of a raw point: 60–80 µs against 110–135 for SPKI DER).
  const cardholderPoint = otherPub.export({ format: 'jwk' });
  const importCardholderKey = () => createPublicKey({ key: cardholderPoint, format: 'jwk' });
  const sigs = {
    merchant: p1363(otherPriv, merchantTbs),
    pi: p1363(otherPriv, piTbs),
    cert: p1363(otherPriv, certTbs),
  };
  // A PIData sealed to the gateway with the real size (opened each time like the real one).
  const piPlain = ops(x.pi.ct.length - 16);
  const hOIData = sha256(ops(511));
  const pi = nativeSeal(kx.publicKey, piInfo, hOIData, piPlain);
  const cardSecret = randomBytes(32);
  const idInput = ops(30);
  const capPlain = ops(x.sizes.capToken);
  const resPlain = ops(x.sizes.authRes);
  const authResTbs = ops(200);
  const v = (key: KeyObject, data: Buffer, sig: Buffer) => {
    if (!verify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, sig))
      throw new Error('native floor: verify');
  };
  const returning = () => {
    const aad = sha256(x.baggage);
    nativeOpen(kx, x.envelope.enc, envInfo, aad, x.envelope.ct);
    for (const der of x.carriedCerts) sha256(der);
    v(otherPub, merchantTbs, sigs.merchant);
    const piData = nativeOpen(kx, pi.enc, piInfo, hOIData, pi.ct);
    sha256(piData);
    v(otherPub, piTbs, sigs.pi);
    hmac(cardSecret, idInput);
    sha256(cat(aad, idInput));
    sha256(aad);
    randomBytes(32);
    nativeSeal(x.gatewayKxPublic, capInfo, EMPTY, capPlain);
    const sig = p1363(signer, authResTbs);
    return nativeSeal(x.merchantKxPublic, resInfo, EMPTY, cat(resPlain, sig));
  };
  const fresh = () => {
    v(otherPub, certTbs, sigs.cert);
    // Its dual signature is verified with this key; any key costs the same verify (in returning).
    importCardholderKey();
    return returning();
  };
  return {
    returning,
    fresh,
    ops: [
      'SHA-256 (PI baggage: the envelope aad)',
      'HPKE open (AuthReq envelope): ECDH with the point import, HKDF, AES-128-GCM',
      `${x.carriedCerts.length} × SHA-256 (carried certificates: thumbprints)`,
      'ECDSA P-256 verify (merchant signature)',
      'HPKE open (PIData)',
      'SHA-256 (PIData)',
      'ECDSA P-256 verify (dual signature)',
      'HMAC-SHA256 (unique cardholder ID)',
      '2 × SHA-256 (request digest)',
      'random 32 bytes (authorization code)',
      'HPKE seal (CapToken to the gateway key-exchange key): key generation, ECDH, HKDF, AES-128-GCM',
      'ECDSA P-256 sign (AuthResData)',
      'HPKE seal (signed AuthRes to the merchant key-exchange key)',
      'new cardholder only: ECDSA P-256 verify (its certificate, by the CCA)',
      'new cardholder only: public-key import (its certificate’s point)',
    ],
  };
}

/** CPU ms per call of `fn` (process.cpuUsage, user + system) and wall ms, over `n` calls after `warm`. */
export function cpuPerCall(fn: () => unknown, n: number, warm = 20): { cpuMs: number; wallMs: number } {
  for (let i = 0; i < warm; i++) fn();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  return { cpuMs: (c.user + c.system) / 1000 / n, wallMs: wall / n };
}
