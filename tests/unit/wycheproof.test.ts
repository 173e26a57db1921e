// Project Wycheproof's vectors (tests/fixtures/vectors/wycheproof, Apache-2.0) against every path,
// native (WebCrypto, and node:crypto as the servers install it: every native case runs on both
// providers) and noble: ECDSA verify (the native one behind the explicit low-S and range
// checks), DER signatures through the noble parser X.509 uses, ECDH with peer points checked by
// noble (raw points, and SubjectPublicKeyInfo through the certificate parser's SPKI path), and
// AES-128-GCM. Wycheproof calls a high-S signature `valid`; SET/2 refuses it
// (SET-PROFILE §2), so those cases are expected refusals here.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, fromHex, hex } from '../../src/protocol/encoding.ts';
import {
  publicKeyOfSpki,
  signatureFromDer as readerSignatureFromDer,
} from '../../src/protocol/pki/algorithms.ts';
import { readDer } from '../../src/protocol/pki/der.ts';
import {
  aeadOpen,
  aeadOpenNative,
  aeadSeal,
  aeadSealNative,
  ecdh,
  ecdhNative,
  importExchangeKey,
  importVerifyKey,
  isValidPublicKey,
  P256_ORDER,
  signatureFromDer,
  useCryptoProvider,
  verify,
  verifyNative,
} from '../../src/protocol/primitives/index.ts';
import { CRYPTO_PROVIDERS } from '../support/crypto-providers.ts';

const dir = new URL('../fixtures/vectors/wycheproof/', import.meta.url);
const load = (name: string) => JSON.parse(readFileSync(new URL(name, dir), 'utf8'));

const PROVIDERS = CRYPTO_PROVIDERS.map((p) => [p.name, p] as const);

interface EcdsaTest {
  tcId: number;
  comment: string;
  msg: string;
  sig: string;
  result: 'valid' | 'invalid' | 'acceptable';
}
interface EcdsaGroup {
  publicKey: { uncompressed: string };
  tests: EcdsaTest[];
}

const isHighS = (raw: Uint8Array) => BigInt(`0x${hex(raw.subarray(32))}`) > P256_ORDER / 2n;

/** What SET/2 must answer: Wycheproof's verdict, except that high-S is always refused. */
function expectedVerdict(t: EcdsaTest, raw: Uint8Array | undefined): boolean {
  if (t.result !== 'valid') return false;
  return raw !== undefined && !isHighS(raw);
}

describe.each(PROVIDERS)(
  '%s: Wycheproof ECDSA P-256/SHA-256, P1363 (raw r‖s, as in SET messages), native and noble verify',
  (_name, provider) => {
    beforeAll(() => useCryptoProvider(provider));
    afterAll(() => useCryptoProvider(undefined));
    const file = load('ecdsa_secp256r1_sha256_p1363_test.json');
    const groups: EcdsaGroup[] = file.testGroups;
    const total = groups.reduce((n, g) => n + g.tests.length, 0);

    it(`answers all ${total} cases as SET/2 must (high-S "valid" cases are refused)`, async () => {
      const wrong: string[] = [];
      let highSRefused = 0;
      let accepted = 0;
      for (const g of groups) {
        const publicKey = fromHex(g.publicKey.uncompressed);
        const key = await importVerifyKey(publicKey);
        for (const t of g.tests) {
          const sig = fromHex(t.sig);
          const raw = sig.length === 64 ? sig : undefined;
          const want = expectedVerdict(t, raw);
          // Once with the key imported once (what a parsed certificate caches), once with bytes.
          const got = await verifyNative(sig, fromHex(t.msg), key);
          const gotBytes = await verifyNative(sig, fromHex(t.msg), publicKey);
          const gotNoble = verify(sig, fromHex(t.msg), publicKey);
          if (got !== want || gotBytes !== want || gotNoble !== want)
            wrong.push(`tcId ${t.tcId} (${t.comment}): native ${got}, noble ${gotNoble}`);
          if (t.result === 'valid' && raw && isHighS(raw)) highSRefused++;
          if (got) accepted++;
        }
      }
      expect(wrong).toEqual([]);
      expect(file.numberOfTests).toBe(total);
      expect(highSRefused).toBeGreaterThan(0);
      expect(accepted).toBeGreaterThan(0);
    });
  },
);

describe.each(PROVIDERS)(
  '%s: Wycheproof ECDSA P-256/SHA-256, DER (as in X.509): noble DER parser and the PKI DER reader, then native and noble verify',
  (_name, provider) => {
    beforeAll(() => useCryptoProvider(provider));
    afterAll(() => useCryptoProvider(undefined));
    const file = load('ecdsa_secp256r1_sha256_test.json');
    const groups: EcdsaGroup[] = file.testGroups;
    const total = groups.reduce((n, g) => n + g.tests.length, 0);

    it(`answers all ${total} cases as SET/2 must (BER and malformed DER refused, high-S refused)`, async () => {
      const wrong: string[] = [];
      for (const g of groups) {
        const key = await importVerifyKey(fromHex(g.publicKey.uncompressed));
        for (const t of g.tests) {
          for (const [parser, fromDer] of [
            ['noble', signatureFromDer],
            ['reader', readerSignatureFromDer],
          ] as const) {
            let raw: Uint8Array | undefined;
            try {
              raw = fromDer(fromHex(t.sig));
            } catch {
              raw = undefined;
            }
            const got = raw !== undefined && (await verifyNative(raw, fromHex(t.msg), key));
            const gotNoble =
              raw !== undefined && verify(raw, fromHex(t.msg), fromHex(g.publicKey.uncompressed));
            const want = expectedVerdict(t, raw);
            if (got !== want || gotNoble !== want)
              wrong.push(`${parser} tcId ${t.tcId} (${t.comment}): native ${got}, noble ${gotNoble}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });
  },
);

interface EcdhTest {
  tcId: number;
  comment: string;
  public: string;
  private: string;
  shared: string;
  result: 'valid' | 'invalid' | 'acceptable';
}

/** Wycheproof's scalars are big-endian integers of any length; P-256's are 32 bytes. */
function scalar32(text: string): Uint8Array {
  const bytes = fromHex(text.length % 2 ? `0${text}` : text);
  const trimmed = bytes.subarray(Math.max(0, bytes.length - 32));
  return concatBytes(new Uint8Array(32 - trimmed.length), trimmed);
}

/**
 * Runs ECDH cases: `valid` must agree on the published secret; `invalid` must be refused;
 * `acceptable` (compressed points, lax encodings) may be refused, but never give another secret.
 */
async function runEcdh(tests: EcdhTest[], peerPoint: (encoded: Uint8Array) => Uint8Array) {
  const wrong: string[] = [];
  let refused = 0;
  const verdict = (t: EcdhTest, shared: string | undefined) =>
    t.result === 'valid'
      ? shared === t.shared
      : t.result === 'invalid'
        ? shared === undefined
        : shared === undefined || shared === t.shared;
  for (const t of tests) {
    const scalar = scalar32(t.private);
    const sk = await importExchangeKey(scalar);
    let shared: string | undefined;
    let sharedNoble: string | undefined;
    try {
      shared = hex(await ecdhNative(sk, peerPoint(fromHex(t.public))));
    } catch {
      shared = undefined;
      refused++;
    }
    try {
      const point = peerPoint(fromHex(t.public));
      // The noble path takes only points SET/2 accepts: the same explicit check as the native one.
      if (!isValidPublicKey(point)) throw new Error('not an uncompressed P-256 point');
      sharedNoble = hex(ecdh(scalar, point));
    } catch {
      sharedNoble = undefined;
    }
    if (!verdict(t, shared) || !verdict(t, sharedNoble))
      wrong.push(
        `tcId ${t.tcId} (${t.comment}): native ${shared ?? 'refused'}, noble ${sharedNoble ?? 'refused'}`,
      );
  }
  return { wrong, refused };
}

describe.each(PROVIDERS)('%s: Wycheproof ECDH P-256, native and noble', (_name, provider) => {
  beforeAll(() => useCryptoProvider(provider));
  afterAll(() => useCryptoProvider(undefined));
  it('raw peer points: agrees on every valid secret, refuses every invalid or off-curve point', async () => {
    const file = load('ecdh_secp256r1_ecpoint_test.json');
    const tests: EcdhTest[] = file.testGroups.flatMap((g: { tests: EcdhTest[] }) => g.tests);
    const { wrong, refused } = await runEcdh(tests, (p) => p);
    expect(wrong).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });

  it('SubjectPublicKeyInfo peers through the certificate parser: wrong curves and encodings refused', async () => {
    const file = load('ecdh_secp256r1_test.json');
    const tests: EcdhTest[] = file.testGroups.flatMap((g: { tests: EcdhTest[] }) => g.tests);
    const { wrong, refused } = await runEcdh(tests, (der) =>
      publicKeyOfSpki(readDer(der, 'SPKI'), 'the peer key'),
    );
    expect(wrong).toEqual([]);
    expect(refused).toBeGreaterThan(0);
  });
});

describe.each(PROVIDERS)(
  '%s: Wycheproof AES-128-GCM (96-bit nonce, 128-bit tag), native and noble',
  (_name, provider) => {
    beforeAll(() => useCryptoProvider(provider));
    afterAll(() => useCryptoProvider(undefined));
    const file = load('aes_gcm_test.json');
    const tests = file.testGroups.flatMap((g: { tests: Record<string, string>[] }) => g.tests) as Record<
      'key' | 'iv' | 'aad' | 'msg' | 'ct' | 'tag' | 'result' | 'comment',
      string
    >[] &
      { tcId: number }[];

    it(`seals every valid case to the published bytes and opens it; refuses every invalid one (${tests.length})`, async () => {
      const wrong: string[] = [];
      let invalid = 0;
      for (const t of tests) {
        const [key, iv, aad, msg] = [t.key, t.iv, t.aad, t.msg].map((x) => fromHex(x)) as Uint8Array[];
        const sealed = concatBytes(fromHex(t.ct), fromHex(t.tag));
        if (t.result === 'valid') {
          const ct = await aeadSealNative(key!, iv!, aad!, msg!);
          const pt = await aeadOpenNative(key!, iv!, aad!, sealed);
          const ctNoble = aeadSeal(key!, iv!, aad!, msg!);
          const ptNoble = aeadOpen(key!, iv!, aad!, sealed);
          if (
            hex(ct) !== hex(sealed) ||
            hex(pt) !== t.msg ||
            hex(ctNoble) !== hex(sealed) ||
            hex(ptNoble) !== t.msg
          )
            wrong.push(`tcId ${t.tcId} (${t.comment})`);
        } else {
          invalid++;
          await aeadOpenNative(key!, iv!, aad!, sealed).then(
            () => wrong.push(`tcId ${t.tcId} (${t.comment}): native opened`),
            (e: Error) => expect(e.message).toMatch(/failed authentication/),
          );
          expect(() => aeadOpen(key!, iv!, aad!, sealed)).toThrow(/failed authentication/);
        }
      }
      expect(wrong).toEqual([]);
      expect(invalid).toBeGreaterThan(0);
    });
  },
);
