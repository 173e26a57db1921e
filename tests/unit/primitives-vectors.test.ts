// Primitives checked against published vectors (tests/fixtures/vectors, copied from the RFCs).
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, hex, utf8 } from '../../src/protocol/encoding.ts';
import {
  deriveKeyPair,
  hmacSha256,
  hpkeOpen,
  hpkeOpenNative,
  hpkeSeal,
  hpkeSealNative,
  importExchangeKey,
  importSigningKey,
  importVerifyKey,
  keySchedule,
  P256_ORDER,
  publicKeyOf,
  setupBaseR,
  setupBaseRNative,
  setupBaseS,
  setupBaseSNative,
  sha256,
  sign,
  signNative,
  useCryptoProvider,
  verify,
  verifyNative,
} from '../../src/protocol/primitives/index.ts';
import { CRYPTO_PROVIDERS } from '../support/crypto-providers.ts';

const vectorsDir = new URL('../fixtures/vectors/', import.meta.url);

describe('RFC 6979 A.2.5 (P-256, SHA-256)', () => {
  const text = readFileSync(new URL('rfc6979-A.2.5-p256-sha256.txt', vectorsDir), 'utf8');
  const value = (label: string, from = 0) => {
    const m = new RegExp(`${label} = ([0-9A-F]+)`).exec(text.slice(from));
    if (!m?.[1]) throw new Error(`vector ${label} missing`);
    return m[1].toLowerCase();
  };
  const x = fromHex(value('private key x'));
  const n = P256_ORDER;

  it('derives the published public key', () => {
    expect(hex(publicKeyOf(x))).toBe(`04${value('public key Ux')}${value('public key Uy')}`);
  });

  for (const msg of ['sample', 'test']) {
    it(`signs "${msg}" deterministically to the published r and low-S s`, () => {
      const at = text.indexOf(`message = "${msg}"`);
      const r = BigInt(`0x${value('r', at)}`);
      let s = BigInt(`0x${value('s', at)}`);
      if (s > n / 2n) s = n - s; // SET/2 puts only low-S on the wire
      const expected = r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0');
      const sig = sign(utf8(msg), x);
      expect(hex(sig)).toBe(expected);
      expect(verify(sig, utf8(msg), publicKeyOf(x))).toBe(true);
    });
  }

  it('rejects the high-S twin of a valid signature', () => {
    const at = text.indexOf('message = "sample"');
    const highS = fromHex(value('r', at) + value('s', at)); // the published s is the high one
    expect(verify(highS, utf8('sample'), publicKeyOf(x))).toBe(false);
  });

  describe.each(CRYPTO_PROVIDERS.map((p) => [p.name, p] as const))('on %s', (_name, provider) => {
    beforeAll(() => useCryptoProvider(provider));
    afterAll(() => useCryptoProvider(undefined));

    it('native verify accepts the published signature and refuses its high-S twin, which the platform alone accepts', async () => {
      const at = text.indexOf('message = "sample"');
      const highS = fromHex(value('r', at) + value('s', at));
      expect(await verifyNative(sign(utf8('sample'), x), utf8('sample'), publicKeyOf(x))).toBe(true);
      expect(await verifyNative(highS, utf8('sample'), publicKeyOf(x))).toBe(false);
      const key = await importVerifyKey(publicKeyOf(x));
      expect(key.provider).toBe(provider);
      expect(await provider.verify(highS, utf8('sample'), key.handle)).toBe(true);
    });

    it('signs natively with the published key: always low-S, verified by both paths', async () => {
      const key = await importSigningKey(x);
      for (let i = 0; i < 32; i++) {
        const sig = await signNative(utf8(`message ${i}`), key);
        expect(BigInt(`0x${hex(sig.subarray(32))}`) <= n / 2n).toBe(true);
        expect(await verifyNative(sig, utf8(`message ${i}`), publicKeyOf(x))).toBe(true);
        expect(verify(sig, utf8(`message ${i}`), publicKeyOf(x))).toBe(true);
      }
    });
  });
});

/** Reads "name: hex" values, joining hex continued on the following lines, within one block. */
function readBlock(block: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let current: string | undefined;
  for (const line of block.split('\n')) {
    const m = /^([A-Za-z_ ]+):\s*([0-9a-f]*)$/.exec(line.trim());
    if (m?.[1]) {
      current = m[1];
      const list = out.get(current) ?? [];
      list.push(m[2] ?? '');
      out.set(current, list);
    } else if (current && /^[0-9a-f]+$/.test(line.trim())) {
      const list = out.get(current)!;
      list[list.length - 1] += line.trim();
    }
  }
  return out;
}

describe('RFC 9180 A.3 Base mode: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-128-GCM', () => {
  const text = readFileSync(new URL('rfc9180-A3-p256-sha256-aes128gcm.txt', vectorsDir), 'utf8');
  const base = text.slice(
    text.indexOf('### Base Setup Information'),
    text.indexOf('### PSK Setup Information'),
  );
  const setup = readBlock(base.slice(0, base.indexOf('#### Encryptions')));
  const v = (k: string) => fromHex(setup.get(k)?.[0] ?? '');
  const info = v('info');

  it('is the Base mode of the suite', () => {
    expect(setup.get('mode')?.[0]).toBe('0');
    expect(setup.get('kem_id')?.[0]).toBe('16');
  });

  it('derives both key pairs from their ikm', () => {
    expect(hex(deriveKeyPair(v('ikmE')).privateKey)).toBe(hex(v('skEm')));
    expect(hex(deriveKeyPair(v('ikmE')).publicKey)).toBe(hex(v('pkEm')));
    expect(hex(deriveKeyPair(v('ikmR')).privateKey)).toBe(hex(v('skRm')));
    expect(hex(deriveKeyPair(v('ikmR')).publicKey)).toBe(hex(v('pkRm')));
  });

  it('encapsulates to the published enc and shared secret, and decapsulates to the same', () => {
    const s = setupBaseS(v('pkRm'), info, v('ikmE'));
    expect(hex(s.enc)).toBe(hex(v('enc')));
    expect(hex(s.sharedSecret)).toBe(hex(v('shared_secret')));
    const r = setupBaseR(v('enc'), v('skRm'), info);
    expect(hex(r.schedule.key)).toBe(hex(v('key')));
  });

  it('runs the key schedule to every published value', () => {
    const ks = keySchedule(v('shared_secret'), info);
    expect(hex(ks.keyScheduleContext)).toBe(hex(v('key_schedule_context')));
    expect(hex(ks.secret)).toBe(hex(v('secret')));
    expect(hex(ks.key)).toBe(hex(v('key')));
    expect(hex(ks.baseNonce)).toBe(hex(v('base_nonce')));
    expect(hex(ks.exporterSecret)).toBe(hex(v('exporter_secret')));
  });

  const encBlock = base.slice(base.indexOf('#### Encryptions'), base.indexOf('#### Exported Values'));
  const encryptions = encBlock.split('sequence number:').slice(1);

  it('has the six published encryptions', () => expect(encryptions).toHaveLength(6));

  for (const e of encryptions) {
    const seq = Number.parseInt(e.trim().split('\n')[0] ?? '', 10);
    const f = readBlock(e);
    const g = (k: string) => fromHex(f.get(k)?.[0] ?? '');
    it(`seals and opens sequence number ${seq}`, () => {
      const sender = setupBaseS(v('pkRm'), info, v('ikmE')).context.seek(seq);
      expect(hex(sender.nonceFor(seq))).toBe(hex(g('nonce')));
      expect(hex(sender.seal(g('aad'), g('pt')))).toBe(hex(g('ct')));
      const receiver = setupBaseR(v('enc'), v('skRm'), info).seek(seq);
      expect(hex(receiver.open(g('aad'), g('ct')))).toBe(hex(g('pt')));
    });
  }

  const exports = readBlock(base.slice(base.indexOf('#### Exported Values')));
  const contexts = exports.get('exporter_context') ?? [];
  const values = exports.get('exported_value') ?? [];
  it('has the three published exports', () => expect(contexts).toHaveLength(3));
  contexts.forEach((ctx, i) => {
    it(`exports with context "${ctx}"`, () => {
      const r = setupBaseR(v('enc'), v('skRm'), info);
      expect(hex(r.export(fromHex(ctx), 32))).toBe(values[i]);
    });
  });

  it('single-shot seal/open round-trips and rejects a changed aad, info or byte', () => {
    const pk = v('pkRm');
    const sk = v('skRm');
    const { enc, ct } = hpkeSeal(pk, utf8('SET/2 test'), utf8('aad'), utf8('payload'));
    expect(hpkeOpen(sk, enc, utf8('SET/2 test'), utf8('aad'), ct)).toEqual(utf8('payload'));
    expect(() => hpkeOpen(sk, enc, utf8('SET/2 test'), utf8('other'), ct)).toThrow(/failed authentication/);
    expect(() => hpkeOpen(sk, enc, utf8('SET/2 other'), utf8('aad'), ct)).toThrow(/failed authentication/);
    const bad = ct.slice();
    bad[0]! ^= 1;
    expect(() => hpkeOpen(sk, enc, utf8('SET/2 test'), utf8('aad'), bad)).toThrow(/failed authentication/);
  });
});

describe.each(CRYPTO_PROVIDERS.map((p) => [p.name, p] as const))(
  "RFC 9180 A.3 Base mode on the platform, %s (DH and AES-GCM native; HKDF over the provider's HMAC, or noble's)",
  (_name, provider) => {
    beforeAll(() => useCryptoProvider(provider));
    afterAll(() => useCryptoProvider(undefined));

    it('hashes as FIPS 180-4 and RFC 4231 publish (SHA-256 "abc", HMAC-SHA256 test cases 2 and 6)', () => {
      expect(hex(sha256(utf8('abc')))).toBe(
        'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      );
      expect(hex(hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?')))).toBe(
        '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
      );
      // A key longer than the block is hashed first.
      expect(
        hex(
          hmacSha256(
            new Uint8Array(131).fill(0xaa),
            utf8('Test Using Larger Than Block-Size Key - Hash Key First'),
          ),
        ),
      ).toBe('60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54');
      // An empty key is HMAC's zero-padded key (HKDF-Extract with no salt).
      expect(hex(hmacSha256(new Uint8Array(0), utf8('x')))).toBe(
        hex(hmacSha256(new Uint8Array(32), utf8('x'))),
      );
      expect(provider.sha256 !== undefined).toBe(provider.name === 'node:crypto');
    });

    it("computes SHA-256 and HMAC-SHA256 as node:crypto's OpenSSL does, around the block and padding lengths", () => {
      for (const length of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000]) {
        const data = Uint8Array.from({ length }, (_, i) => (i * 31 + 7) & 0xff);
        expect(hex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'));
      }
      for (const keyLength of [0, 1, 20, 32, 63, 64, 65, 128, 131]) {
        for (const dataLength of [0, 1, 55, 56, 64, 200]) {
          const key = Uint8Array.from({ length: keyLength }, (_, i) => (i * 7 + keyLength) & 0xff);
          const data = Uint8Array.from({ length: dataLength }, (_, i) => (i * 13 + 5) & 0xff);
          expect(hex(hmacSha256(key, data))).toBe(createHmac('sha256', key).update(data).digest('hex'));
        }
      }
    });
    const text = readFileSync(new URL('rfc9180-A3-p256-sha256-aes128gcm.txt', vectorsDir), 'utf8');
    const base = text.slice(
      text.indexOf('### Base Setup Information'),
      text.indexOf('### PSK Setup Information'),
    );
    const setup = readBlock(base.slice(0, base.indexOf('#### Encryptions')));
    const v = (k: string) => fromHex(setup.get(k)?.[0] ?? '');
    const info = v('info');
    const skR = () => importExchangeKey(v('skRm'));
    const encryptions = base
      .slice(base.indexOf('#### Encryptions'), base.indexOf('#### Exported Values'))
      .split('sequence number:')
      .slice(1);

    it('encapsulates to the published enc and shared secret, and decapsulates to the same key', async () => {
      const s = await setupBaseSNative(v('pkRm'), info, v('ikmE'));
      expect(hex(s.enc)).toBe(hex(v('enc')));
      expect(hex(s.sharedSecret)).toBe(hex(v('shared_secret')));
      const r = await setupBaseRNative(v('enc'), await skR(), v('pkRm'), info);
      expect(hex(r.schedule.key)).toBe(hex(v('key')));
    });

    for (const e of encryptions) {
      const seq = Number.parseInt(e.trim().split('\n')[0] ?? '', 10);
      const f = readBlock(e);
      const g = (k: string) => fromHex(f.get(k)?.[0] ?? '');
      it(`seals and opens sequence number ${seq}`, async () => {
        const sender = (await setupBaseSNative(v('pkRm'), info, v('ikmE'))).context.seek(seq);
        expect(hex(await sender.sealNative(g('aad'), g('pt')))).toBe(hex(g('ct')));
        const receiver = (await setupBaseRNative(v('enc'), await skR(), v('pkRm'), info)).seek(seq);
        expect(hex(await receiver.openNative(g('aad'), g('ct')))).toBe(hex(g('pt')));
      });
    }

    it('interoperates with the noble path both ways and rejects a changed aad, info or byte', async () => {
      const pk = v('pkRm');
      const sk = await skR();
      const native = await hpkeSealNative(pk, utf8('SET/2 test'), utf8('aad'), utf8('payload'));
      expect(hpkeOpen(v('skRm'), native.enc, utf8('SET/2 test'), utf8('aad'), native.ct)).toEqual(
        utf8('payload'),
      );
      const noble = hpkeSeal(pk, utf8('SET/2 test'), utf8('aad'), utf8('payload'));
      expect(await hpkeOpenNative(sk, pk, noble.enc, utf8('SET/2 test'), utf8('aad'), noble.ct)).toEqual(
        utf8('payload'),
      );
      await expect(
        hpkeOpenNative(sk, pk, noble.enc, utf8('SET/2 test'), utf8('other'), noble.ct),
      ).rejects.toThrow(/failed authentication/);
      await expect(
        hpkeOpenNative(sk, pk, noble.enc, utf8('SET/2 other'), utf8('aad'), noble.ct),
      ).rejects.toThrow(/failed authentication/);
      const bad = noble.ct.slice();
      bad[0]! ^= 1;
      await expect(hpkeOpenNative(sk, pk, noble.enc, utf8('SET/2 test'), utf8('aad'), bad)).rejects.toThrow(
        /failed authentication/,
      );
    });
  },
);
