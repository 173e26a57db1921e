/**
 * HPKE (RFC 9180) in Base mode with exactly one suite: DHKEM(P-256, HKDF-SHA256) (kem 0x0010),
 * HKDF-SHA256 (kdf 0x0001), AES-128-GCM (aead 0x0001), the suite of RFC 9180 A.3. This is SET/2's
 * digital envelope (SET-PROFILE §2). Two paths share the key schedule (noble's synchronous HKDF,
 * faster than an async WebCrypto call per step at these sizes): noble throughout, and the
 * installed provider (WebCrypto, or node:crypto on a server; provider.ts) for the KEM's key
 * generation and DH and for AES-GCM (`…Native`). Internals are exported so
 * tests can check every intermediate value of both against the published vectors.
 */
import { p256 } from '@noble/curves/nist.js';
import { concatBytes, utf8 } from '../encoding.ts';
import { fail } from '../errors.ts';
import { aeadOpen, aeadOpenNative, aeadSeal, aeadSealNative } from './aead.ts';
import { ecdhNative, generateExchangeKeyPair, importCheckedPeerKey, importExchangeKey } from './ecdh.ts';
import { ecdh } from './ecdsa.ts';
import { hmacSha256, randomBytes } from './hash.ts';
import { isValidPublicKey, type KeyPair, P256_ORDER, publicKeyOfNative } from './p256.ts';
import type { PlatformKey } from './provider.ts';

const KEM_ID = 0x0010;
const KDF_ID = 0x0001;
const AEAD_ID = 0x0001;
const N_SECRET = 32;
const N_SK = 32;
const N_K = 16;
const N_N = 12;
const N_H = 32;
export const ENC_LENGTH = 65;

const KEM_SUITE = concatBytes(utf8('KEM'), i2osp(KEM_ID, 2));
const HPKE_SUITE = concatBytes(utf8('HPKE'), i2osp(KEM_ID, 2), i2osp(KDF_ID, 2), i2osp(AEAD_ID, 2));
const VERSION_LABEL = utf8('HPKE-v1');
const EMPTY = new Uint8Array(0);
const ZERO_SALT = new Uint8Array(N_H);
const MODE_BASE = 0x00;

/**
 * "HPKE-v1" ‖ suite ‖ label, the fixed prefix of every LabeledExtract/LabeledExpand input, encoded
 * once per (suite, label) rather than per call: an HPKE operation uses six of them.
 */
const prefixes = new Map<Uint8Array, Map<string, Uint8Array>>([
  [KEM_SUITE, new Map()],
  [HPKE_SUITE, new Map()],
]);
function labelPrefix(suite: Uint8Array, label: string): Uint8Array {
  const bySuite = prefixes.get(suite)!;
  let prefix = bySuite.get(label);
  if (!prefix) {
    prefix = concatBytes(VERSION_LABEL, suite, utf8(label));
    bySuite.set(label, prefix);
  }
  return prefix;
}

function i2osp(n: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  for (let i = len - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[i] = v & 0xff;
  return out;
}

/** HKDF-Extract (RFC 5869 §2.2) over hash.ts's HMAC: an empty salt is HashLen zeros. */
function hkdfExtract(salt: Uint8Array, ikm: Uint8Array): Uint8Array {
  return hmacSha256(salt.length === 0 ? ZERO_SALT : salt, ikm);
}

/** HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) ‖ info ‖ i), L ≤ 255·HashLen. */
function hkdfExpand(prk: Uint8Array, info: Uint8Array, length: number): Uint8Array {
  if (length > 255 * N_H) fail('unspecifiedFailure', 'HKDF-Expand length too large');
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, at = 0; at < length; i++) {
    t = hmacSha256(prk, concatBytes(t, info, new Uint8Array([i])));
    out.set(t.subarray(0, Math.min(N_H, length - at)), at);
    at += N_H;
  }
  return out;
}

function labeledExtract(suite: Uint8Array, salt: Uint8Array, label: string, ikm: Uint8Array): Uint8Array {
  return hkdfExtract(salt, concatBytes(labelPrefix(suite, label), ikm));
}

function labeledExpand(
  suite: Uint8Array,
  prk: Uint8Array,
  label: string,
  info: Uint8Array,
  len: number,
): Uint8Array {
  return hkdfExpand(prk, concatBytes(i2osp(len, 2), labelPrefix(suite, label), info), len);
}

/** RFC 9180 §7.1.3 DeriveKeyPair's scalar for P-256 (bitmask 0xff). */
function deriveSecretKey(ikm: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'dkp_prk', ikm);
  for (let counter = 0; counter < 256; counter++) {
    const bytes = labeledExpand(KEM_SUITE, prk, 'candidate', i2osp(counter, 1), N_SK);
    let sk = 0n;
    for (const b of bytes) sk = (sk << 8n) | BigInt(b);
    if (sk !== 0n && sk < P256_ORDER) return bytes;
  }
  return fail('unspecifiedFailure', 'HPKE DeriveKeyPair found no key');
}

/** RFC 9180 §7.1.3 DeriveKeyPair for P-256 (noble computes the public point). */
export function deriveKeyPair(ikm: Uint8Array): KeyPair {
  const privateKey = deriveSecretKey(ikm);
  return { privateKey, publicKey: p256.getPublicKey(privateKey, false) };
}

/** DeriveKeyPair with the platform computing the public point (the native path loads no curve code). */
export async function deriveKeyPairNative(ikm: Uint8Array): Promise<KeyPair> {
  const privateKey = deriveSecretKey(ikm);
  return { privateKey, publicKey: await publicKeyOfNative(privateKey) };
}

function extractAndExpand(dh: Uint8Array, kemContext: Uint8Array): Uint8Array {
  const prk = labeledExtract(KEM_SUITE, EMPTY, 'eae_prk', dh);
  return labeledExpand(KEM_SUITE, prk, 'shared_secret', kemContext, N_SECRET);
}

/** RFC 9180 §4.1 Encap; `ikmE` makes it deterministic (tests only). */
export function encap(pkR: Uint8Array, ikmE?: Uint8Array): { sharedSecret: Uint8Array; enc: Uint8Array } {
  if (!isValidPublicKey(pkR))
    fail('invalidCertificate', 'the recipient key-exchange key is not a valid P-256 point');
  const eph = deriveKeyPair(ikmE ?? randomBytes(N_SK));
  const enc = eph.publicKey;
  return { sharedSecret: extractAndExpand(ecdh(eph.privateKey, pkR), concatBytes(enc, pkR)), enc };
}

/** RFC 9180 §4.1 Decap. */
export function decap(enc: Uint8Array, skR: Uint8Array): Uint8Array {
  if (!isValidPublicKey(enc)) fail('decodingFailure', 'the HPKE encapsulated key is not a valid P-256 point');
  const pkR = p256.getPublicKey(skR, false);
  return extractAndExpand(ecdh(skR, enc), concatBytes(enc, pkR));
}

export interface KeySchedule {
  keyScheduleContext: Uint8Array;
  secret: Uint8Array;
  key: Uint8Array;
  baseNonce: Uint8Array;
  /** Derived on first read. */
  readonly exporterSecret: Uint8Array;
}

/** Base mode's psk_id_hash, LabeledExtract("", "psk_id_hash", ""): the same for every context. */
let pskIdHashOfBase: Uint8Array | undefined;

/**
 * RFC 9180 §5.1 KeySchedule, Base mode (no PSK). psk_id_hash (a constant in Base mode) is computed
 * once per process, and the exporter secret only when a caller reads it (SET/2 seals and opens,
 * and exports nothing): each HPKE operation makes two HMACs fewer, the same bytes.
 */
export function keySchedule(sharedSecret: Uint8Array, info: Uint8Array): KeySchedule {
  pskIdHashOfBase ??= labeledExtract(HPKE_SUITE, EMPTY, 'psk_id_hash', EMPTY);
  const infoHash = labeledExtract(HPKE_SUITE, EMPTY, 'info_hash', info);
  const keyScheduleContext = concatBytes(new Uint8Array([MODE_BASE]), pskIdHashOfBase, infoHash);
  const secret = labeledExtract(HPKE_SUITE, sharedSecret, 'secret', EMPTY);
  let exporterSecret: Uint8Array | undefined;
  return {
    keyScheduleContext,
    secret,
    key: labeledExpand(HPKE_SUITE, secret, 'key', keyScheduleContext, N_K),
    baseNonce: labeledExpand(HPKE_SUITE, secret, 'base_nonce', keyScheduleContext, N_N),
    get exporterSecret() {
      exporterSecret ??= labeledExpand(HPKE_SUITE, secret, 'exp', keyScheduleContext, N_H);
      return exporterSecret;
    },
  };
}

/** An HPKE encryption context (RFC 9180 §5.2): sequence-numbered seal/open and export. */
export class HpkeContext {
  protected seq = 0;
  constructor(readonly schedule: KeySchedule) {}

  nonceFor(seq: number): Uint8Array {
    const n = this.schedule.baseNonce.slice();
    const s = i2osp(seq, N_N);
    for (let i = 0; i < N_N; i++) n[i]! ^= s[i]!;
    return n;
  }

  /** Moves to sequence number `seq` (tests replay the vectors' non-contiguous numbers). */
  seek(seq: number): this {
    this.seq = seq;
    return this;
  }

  sealNative(aad: Uint8Array, pt: Uint8Array): Promise<Uint8Array> {
    return aeadSealNative(this.schedule.key, this.nonceFor(this.seq++), aad, pt);
  }

  async openNative(aad: Uint8Array, ct: Uint8Array): Promise<Uint8Array> {
    const pt = await aeadOpenNative(this.schedule.key, this.nonceFor(this.seq), aad, ct);
    this.seq++;
    return pt;
  }

  export(exporterContext: Uint8Array, length: number): Uint8Array {
    return labeledExpand(HPKE_SUITE, this.schedule.exporterSecret, 'sec', exporterContext, length);
  }
}

/**
 * The context with noble's synchronous AES-GCM besides the platform's: a subclass, so the native
 * path (HpkeContext, what the wallet loads) carries no AES code of its own.
 */
export class HpkeNobleContext extends HpkeContext {
  seal(aad: Uint8Array, pt: Uint8Array): Uint8Array {
    return aeadSeal(this.schedule.key, this.nonceFor(this.seq++), aad, pt);
  }

  open(aad: Uint8Array, ct: Uint8Array): Uint8Array {
    const pt = aeadOpen(this.schedule.key, this.nonceFor(this.seq), aad, ct);
    this.seq++;
    return pt;
  }
}

export function setupBaseS(pkR: Uint8Array, info: Uint8Array, ikmE?: Uint8Array) {
  const { sharedSecret, enc } = encap(pkR, ikmE);
  return { enc, sharedSecret, context: new HpkeNobleContext(keySchedule(sharedSecret, info)) };
}

export function setupBaseR(enc: Uint8Array, skR: Uint8Array, info: Uint8Array): HpkeNobleContext {
  return new HpkeNobleContext(keySchedule(decap(enc, skR), info));
}

/** Single-shot Base-mode seal (RFC 9180 §6.1). */
export function hpkeSeal(
  pkR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
): { enc: Uint8Array; ct: Uint8Array } {
  const { enc, context } = setupBaseS(pkR, info);
  return { enc, ct: context.seal(aad, pt) };
}

/** Single-shot Base-mode open; any mismatch (key, info, aad, bytes) is decodingFailure. */
export function hpkeOpen(
  skR: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
): Uint8Array {
  if (enc.length !== ENC_LENGTH) fail('decodingFailure', 'the HPKE encapsulated key must be 65 bytes');
  return setupBaseR(enc, skR, info).open(aad, ct);
}

/**
 * RFC 9180 §4.1 Encap on WebCrypto. `pkRKey` is the recipient's point already imported (cached
 * per certificate); `ikmE` derives the ephemeral key deterministically (tests only).
 */
export async function encapNative(
  pkR: Uint8Array,
  ikmE?: Uint8Array,
  pkRKey?: PlatformKey,
): Promise<{ sharedSecret: Uint8Array; enc: Uint8Array }> {
  // A pkRKey was imported from pkR by importPeerKey (pki/keys.ts exchangeKeyOf), which checked it.
  if (!pkRKey && !isValidPublicKey(pkR))
    fail('invalidCertificate', 'the recipient key-exchange key is not a valid P-256 point');
  let eph: { privateKey: PlatformKey; publicKey: Uint8Array };
  if (ikmE) {
    const derived = await deriveKeyPairNative(ikmE);
    eph = {
      privateKey: await importExchangeKey(derived.privateKey, derived.publicKey, pkRKey?.provider),
      publicKey: derived.publicKey,
    };
  } else {
    eph = await generateExchangeKeyPair(pkRKey?.provider);
  }
  const enc = eph.publicKey;
  const dh = await ecdhNative(eph.privateKey, pkRKey ?? pkR);
  return { sharedSecret: extractAndExpand(dh, concatBytes(enc, pkR)), enc };
}

/** RFC 9180 §4.1 Decap on WebCrypto, with the recipient's key (imported once) and its public point. */
export async function decapNative(enc: Uint8Array, skR: PlatformKey, pkR: Uint8Array): Promise<Uint8Array> {
  if (!isValidPublicKey(enc)) fail('decodingFailure', 'the HPKE encapsulated key is not a valid P-256 point');
  let dh: Uint8Array;
  try {
    dh = await ecdhNative(skR, await importCheckedPeerKey(enc, skR.provider));
  } catch {
    return fail('decodingFailure', 'the HPKE encapsulated key does not agree with this key-exchange key');
  }
  return extractAndExpand(dh, concatBytes(enc, pkR));
}

export async function setupBaseSNative(
  pkR: Uint8Array,
  info: Uint8Array,
  ikmE?: Uint8Array,
  pkRKey?: PlatformKey,
) {
  const { sharedSecret, enc } = await encapNative(pkR, ikmE, pkRKey);
  return { enc, sharedSecret, context: new HpkeContext(keySchedule(sharedSecret, info)) };
}

export async function setupBaseRNative(
  enc: Uint8Array,
  skR: PlatformKey,
  pkR: Uint8Array,
  info: Uint8Array,
): Promise<HpkeContext> {
  return new HpkeContext(keySchedule(await decapNative(enc, skR, pkR), info));
}

/** Single-shot Base-mode seal on WebCrypto (RFC 9180 §6.1). */
export async function hpkeSealNative(
  pkR: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  pt: Uint8Array,
  pkRKey?: PlatformKey,
): Promise<{ enc: Uint8Array; ct: Uint8Array }> {
  const { enc, context } = await setupBaseSNative(pkR, info, undefined, pkRKey);
  return { enc, ct: await context.sealNative(aad, pt) };
}

/** Single-shot Base-mode open on WebCrypto; any mismatch (key, info, aad, bytes) is decodingFailure. */
export async function hpkeOpenNative(
  skR: PlatformKey,
  pkR: Uint8Array,
  enc: Uint8Array,
  info: Uint8Array,
  aad: Uint8Array,
  ct: Uint8Array,
): Promise<Uint8Array> {
  if (enc.length !== ENC_LENGTH) fail('decodingFailure', 'the HPKE encapsulated key must be 65 bytes');
  return (await setupBaseRNative(enc, skR, pkR, info)).openNative(aad, ct);
}
