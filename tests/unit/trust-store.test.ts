// TrustStore and TrustCache (src/protocol/messages/trust.ts) with real keys from a sandbox world:
// a CRL carried in a message counts only once its signature verifies under its issuer's validated
// certificate and only if newer; a forged one neither hides nor invents a revocation, for a new
// path or a cached one; a trusted provider sets the CRLs in force as a whole; carried
// certificates stay with their request, and the cache of validated chains is bounded.
import { describe, expect, it } from 'vitest';
import {
  b64u,
  buildBrandCrlIdentifier,
  currentBrandCrlIdentifier,
  fromHex,
  hex,
  issueCrl,
  type ParsedCrl,
  parseCrl,
  SetError,
  sha256,
  TrustCache,
  TrustStore,
} from '../../src/protocol/index.ts';
import { issueCardholder, makeWorld, revocationOf } from '../support/world.ts';

const cardholderUse = { types: ['cardholder' as const], keyRole: 'signature' as const };

async function codeOf(f: () => unknown): Promise<string> {
  try {
    await f();
    return 'accepted';
  } catch (e) {
    return e instanceof SetError ? e.code : String(e);
  }
}

describe('TrustStore revocation', () => {
  const world = makeWorld();
  const clock = world.clock;
  const now = clock.now;
  const later = new Date(now.getTime() + 86_400_000);
  const cardholder = issueCardholder(world);
  const cca = world.issuer('cca');
  // A CA of the same name under another root: what an attacker without the CCA's key can make.
  const forger = makeWorld().issuer('cca');
  const crlBy = (issuer: typeof cca, crlNumber: number, revokes = true, thisUpdate = now) =>
    issueCrl({
      issuer,
      crlNumber,
      thisUpdate,
      nextUpdate: later,
      revoked: revokes ? [{ serialNumber: cardholder.certificate.serialNumber, revocationDate: now }] : [],
    });
  /** A request carrying the cardholder's chain, as a PReq does. */
  const check = (trust: TrustStore) => async () => {
    for (const c of cardholder.chain) trust.add(c);
    return await trust.verify(cardholder.certificate.thumbprint, cardholderUse, clock);
  };
  const offer = async (trust: TrustStore, crl: ParsedCrl) => {
    for (const c of cardholder.chain) trust.add(c);
    return (await trust.offerCrls([crl], clock))[0];
  };

  it('the forger names the same issuer as the genuine CCA', () => {
    expect(forger.certificate.subjectDn).toBe(cca.certificate.subjectDn);
  });

  it('a genuine carried CRL revokes, also a path validated and cached before it arrived', async () => {
    const cache = new TrustCache([world.root]);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
    expect(await offer(cache.forRequest(), crlBy(cca, 1))).toBe('inForce');
    expect(await codeOf(check(cache.forRequest()))).toBe('revokedCertificate');
  });

  it('a forged CRL (signed by a key that is not the CCA) revokes nothing, new path or cached', async () => {
    const cache = new TrustCache([world.root]);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
    expect(await offer(cache.forRequest(), crlBy(forger, 99))).toBe('unverified');
    expect(cache.crls).toHaveLength(0);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
    const fresh = new TrustCache([world.root]);
    expect(await offer(fresh.forRequest(), crlBy(forger, 99))).toBe('unverified');
    expect(await codeOf(check(fresh.forRequest()))).toBe('accepted');
  });

  it('a forged CRL with a higher number does not hide the genuine revocation', async () => {
    const cache = new TrustCache([world.root]);
    expect(await offer(cache.forRequest(), crlBy(cca, 1))).toBe('inForce');
    expect(await offer(cache.forRequest(), crlBy(forger, 1000, false))).toBe('unverified');
    expect(await codeOf(check(cache.forRequest()))).toBe('revokedCertificate');
  });

  it('a higher number with a bad signature (the genuine CRL edited) does not replace it', async () => {
    const cache = new TrustCache([world.root]);
    const genuine = crlBy(cca, 1);
    expect(await offer(cache.forRequest(), genuine)).toBe('inForce');
    // The same DER with cRLNumber 1 → 2 (OID 2.5.29.20, OCTET STRING { INTEGER 1 }): the signature no longer fits.
    const der = hex(genuine.der).replace('0603551d1404030201 01'.replace(' ', ''), '0603551d140403020102');
    const edited = parseCrl(fromHex(der));
    expect(edited.crlNumber).toBe(2);
    expect(await offer(cache.forRequest(), edited)).toBe('unverified');
    expect(cache.crls[0]!.crlNumber).toBe(1);
    expect(await codeOf(check(cache.forRequest()))).toBe('revokedCertificate');
  });

  it('a bad signature cannot invent a revocation either', async () => {
    const cache = new TrustCache([world.root]);
    const empty = crlBy(cca, 1, false);
    expect(await offer(cache.forRequest(), empty)).toBe('inForce');
    // A revoking CRL #2 whose signature is damaged (one bit of s).
    const revoking = crlBy(cca, 2);
    const signature = revoking.signature.slice();
    signature[63]! ^= 1;
    expect(await offer(cache.forRequest(), { ...revoking, signature })).toBe('unverified');
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
  });

  it('an older genuine CRL (stale, carried again) does not replace a newer one', async () => {
    const cache = new TrustCache([world.root]);
    expect(await offer(cache.forRequest(), crlBy(cca, 2))).toBe('inForce');
    expect(await offer(cache.forRequest(), crlBy(cca, 1, false))).toBe('notNewer');
    expect(await codeOf(check(cache.forRequest()))).toBe('revokedCertificate');
    // Same number, later thisUpdate: a reissue, newer.
    const reissued = crlBy(cca, 2, false, new Date(now.getTime() + 1000));
    expect(await offer(cache.forRequest(), reissued)).toBe('inForce');
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
  });

  it('a CRL whose issuer is not validated waits in its request and counts once the issuer arrives', async () => {
    const cache = new TrustCache([world.root]);
    const trust = cache.forRequest();
    expect(await trust.offerCrls([crlBy(cca, 1)], clock)).toEqual(['unverified']);
    expect(cache.crls).toHaveLength(0);
    expect(trust.heldCrlThumbs().size).toBe(1);
    // Another request never sees it.
    expect(cache.forRequest().heldCrlThumbs().size).toBe(0);
    for (const c of cardholder.chain) trust.add(c);
    await trust.offerCrls([], clock);
    expect(cache.crls).toHaveLength(1);
    expect(await codeOf(check(trust))).toBe('revokedCertificate');
  });

  it('a trusted provider sets the CRLs in force as a whole', async () => {
    const cache = new TrustCache([world.root]);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
    cache.setCrls([crlBy(cca, 1)]);
    expect(await codeOf(check(cache.forRequest()))).toBe('revokedCertificate');
    // The provider's next answer replaces the set, even with a lower number (the CA's word).
    cache.setCrls([]);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
  });

  it("a forged CRL in a provider's set still judges nothing, for a cached path too", async () => {
    const cache = new TrustCache([world.root]);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
    cache.setCrls([crlBy(forger, 5)]);
    expect(await codeOf(check(cache.forRequest()))).toBe('accepted');
    expect(await codeOf(check(new TrustStore([world.root], [crlBy(forger, 5)])))).toBe('accepted');
  });

  it('a BrandCRLIdentifier counts only when the brand CA signed it; the higher sequence wins', async () => {
    const genuine = await revocationOf(world);
    const newer = await revocationOf(world, { sequence: 2, crlNumber: 2 });
    const other = makeWorld();
    const forged = await buildBrandCrlIdentifier({
      brandCa: {
        privateKey: other.party('brand-ca').privateKey,
        certificate: other.party('brand-ca').certificate,
      },
      brandId: 'SETPay',
      sequence: 99,
      crls: genuine.crls as ParsedCrl[],
      nextUpdate: later,
      now,
    });
    const trust = new TrustStore([world.root]);
    for (const c of [...world.merchant.chain, ...world.gatewayKx.chain, ...cardholder.chain]) trust.add(c);
    await trust.offerCrls([...newer.crls], clock);
    const ctx = { trust, clock };
    expect(await currentBrandCrlIdentifier([forged], 'SETPay', ctx)).toBeUndefined();
    expect((await currentBrandCrlIdentifier([forged, newer.bci], 'SETPay', ctx))?.content.sequence).toBe(2);
    // One listing CRLs this request does not hold (the older set) does not count.
    expect(await currentBrandCrlIdentifier([genuine.bci], 'SETPay', ctx)).toBeUndefined();
    expect(await currentBrandCrlIdentifier([newer.bci], 'OtherPay', ctx)).toBeUndefined();
  });
});

describe('TrustCache holds only validated chains, bounded', () => {
  const world = makeWorld();
  const clock = world.clock;

  it('carried certificates stay with their request until their chain validates', async () => {
    const cache = new TrustCache([world.root]);
    const first = cache.forRequest();
    first.addEncoded(world.merchant.chain.map((c) => b64u(c.der)));
    expect(first.has(world.merchant.certificate.thumbprint)).toBe(true);
    expect(cache.forRequest().has(world.merchant.certificate.thumbprint)).toBe(false);
    expect(cache.thumbs()).toEqual([b64u(world.root.thumbprint)]);
    await first.verify(
      world.merchant.certificate.thumbprint,
      { types: ['merchant'], keyRole: 'signature' },
      clock,
    );
    expect(cache.forRequest().has(world.merchant.certificate.thumbprint)).toBe(true);
    expect(cache.thumbs()).toContain(b64u(world.merchant.certificate.thumbprint));
  });

  it('getEncoded finds a certificate by its base64url DER as get finds it by the hash of those bytes', async () => {
    const cache = new TrustCache([world.root]);
    const trust = cache.forRequest();
    const carried = world.merchant.chain.map((c) => b64u(c.der));
    trust.addEncoded(carried);
    for (const [i, e] of carried.entries())
      expect(trust.getEncoded(e)).toBe(trust.get(world.merchant.chain[i]!.thumbprint));
    expect(trust.getEncoded(carried[0]!)?.thumbprint).toEqual(world.merchant.certificate.thumbprint);
    // Not given to this request: found in the cache once validated, by decoding and hashing it.
    const other = cache.forRequest();
    expect(other.getEncoded(carried[0]!)).toBeUndefined();
    await trust.verify(
      world.merchant.certificate.thumbprint,
      { types: ['merchant'], keyRole: 'signature' },
      clock,
    );
    expect(other.getEncoded(carried[0]!)?.thumbprint).toEqual(world.merchant.certificate.thumbprint);
    // Text that is not base64url is refused as it is everywhere else.
    expect(await codeOf(() => other.getEncoded('not base64url!'))).toBe('decodingFailure');
  });

  it('remembers at most maxValidated chains, the least recently used going first', async () => {
    const cache = new TrustCache([world.root], { maxValidated: 2 });
    const holders = [issueCardholder(world), issueCardholder(world), issueCardholder(world)];
    for (const h of holders) {
      const trust = cache.forRequest();
      for (const c of h.chain) trust.add(c);
      await trust.verify(h.certificate.thumbprint, cardholderUse, clock);
    }
    expect(cache.validatedCount).toBe(2);
    const again = cache.forRequest();
    for (const c of holders[0]!.chain) again.add(c);
    expect(
      await codeOf(async () => await again.verify(holders[0]!.certificate.thumbprint, cardholderUse, clock)),
    ).toBe('accepted');
    expect(cache.validatedCount).toBe(2);
    expect(() => new TrustCache([world.root], { maxValidated: 0 })).toThrow(RangeError);
  });

  describe('what the cache remembers is exactly what verified (counted through its observe hook)', () => {
    const counting = () => {
      const seen = { paths: 0, signatures: 0 };
      const cache = new TrustCache([world.root], {
        observe: (e) => {
          if (e.kind === 'path') seen.paths++;
          if (e.kind === 'link') seen.signatures++;
        },
      });
      return { cache, seen };
    };
    const encoded = (chain: readonly { der: Uint8Array }[]) => chain.map((c) => b64u(c.der));

    it('a chain verified once is not verified again: its second use checks no signature', async () => {
      const { cache, seen } = counting();
      const holder = issueCardholder(world);
      const first = cache.forRequest();
      first.addEncoded(encoded(holder.chain));
      await first.verify(holder.certificate.thumbprint, cardholderUse, clock);
      // cardholder ← CCA ← brand CA ← root, and the root's self-signature.
      expect(seen).toEqual({ paths: 1, signatures: 4 });
      const second = cache.forRequest();
      second.addEncoded(encoded(holder.chain));
      await second.verify(holder.certificate.thumbprint, cardholderUse, clock);
      expect(seen).toEqual({ paths: 1, signatures: 4 });
      // A second cardholder of the same CCA: only its own link is checked.
      const other = issueCardholder(world);
      const third = cache.forRequest();
      third.addEncoded(encoded(other.chain));
      await third.verify(other.certificate.thumbprint, cardholderUse, clock);
      expect(seen).toEqual({ paths: 2, signatures: 5 });
    });

    it('changed bytes are never a cache hit: an altered copy of a cached certificate is validated afresh and refused', async () => {
      const { cache, seen } = counting();
      const holder = issueCardholder(world);
      const genuine = cache.forRequest();
      genuine.addEncoded(encoded(holder.chain));
      await genuine.verify(holder.certificate.thumbprint, cardholderUse, clock);
      const before = { ...seen };
      // One byte of the signed part changed (a decimal digit of the subject's common name, the
      // hex unique cardholder ID, turned into another digit, so it still parses).
      const der = holder.certificate.der.slice();
      const name = new TextEncoder().encode(holder.certificate.subject.commonName);
      const digit = holder.certificate.subject.commonName.search(/[0-9]/);
      expect(digit).toBeGreaterThanOrEqual(0);
      const at = indexOf(der, name) + digit;
      expect(at).toBeGreaterThan(0);
      der[at] = der[at]! ^ 0x01;
      const altered = cache.forRequest();
      altered.addEncoded([b64u(der), ...encoded(holder.chain.slice(1))]);
      const alteredThumb = fromHex(hex(sha256(der)));
      expect(await codeOf(() => altered.verify(alteredThumb, cardholderUse, clock))).toBe(
        'invalidCertificate',
      );
      expect(seen.signatures).toBe(before.signatures + 1);
      // The genuine certificate is still the cached one, and still accepted.
      expect(
        await codeOf(() => cache.forRequest().verify(holder.certificate.thumbprint, cardholderUse, clock)),
      ).toBe('accepted');
    });

    it('a cached chain is refused once revoked, and outside its dates, with no signature checked again', async () => {
      const { cache, seen } = counting();
      const holder = issueCardholder(world);
      const trust = cache.forRequest();
      trust.addEncoded(encoded(holder.chain));
      await trust.verify(holder.certificate.thumbprint, cardholderUse, clock);
      const checked = seen.signatures;
      const cca = world.issuer('cca');
      const crl = issueCrl({
        issuer: cca,
        crlNumber: 1,
        thisUpdate: new Date(clock.now.getTime() - 60_000),
        nextUpdate: new Date(clock.now.getTime() + 86_400_000),
        revoked: [{ serialNumber: holder.certificate.serialNumber, revocationDate: clock.now }],
      });
      cache.setCrls([crl]);
      expect(
        await codeOf(() => cache.forRequest().verify(holder.certificate.thumbprint, cardholderUse, clock)),
      ).toBe('revokedCertificate');
      cache.setCrls([]);
      const afterExpiry = { now: new Date(holder.certificate.notAfter.getTime() + 1000) };
      expect(
        await codeOf(() =>
          cache.forRequest().verify(holder.certificate.thumbprint, cardholderUse, afterExpiry),
        ),
      ).toBe('expiredCertificate');
      expect(
        await codeOf(() => cache.forRequest().verify(holder.certificate.thumbprint, cardholderUse, clock)),
      ).toBe('accepted');
      // Only the CRL's own signature was checked (by the cache's CRL check), no certificate again.
      expect(seen.signatures).toBe(checked);
      expect(seen.paths).toBe(1);
    });
  });
});

function indexOf(haystack: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
