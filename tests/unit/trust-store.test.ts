// TrustStore and CRLs: a CRL only counts when its issuer signed it, and a forged one can neither
// revoke a certificate nor hide a genuine revocation, whatever number it claims.
import { describe, expect, it } from 'vitest';
import { generateKeyPair, issueCrl, SetError, type TrustStore } from '../../src/protocol/index.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';

const expectation = { types: ['cardholder' as const], keyRole: 'signature' as const };

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'accepted';
  } catch (e) {
    return e instanceof SetError ? e.code : String(e);
  }
}

describe('TrustStore revocation', () => {
  const world = makeWorld();
  const now = world.clock.now;
  const later = new Date(now.getTime() + 86_400_000);
  const cardholder = issueCardholder(world);
  const cca = world.issuer('cca');
  // A CA of the same name under another root: what an attacker without the CCA's key can make.
  const forger = makeWorld().issuer('cca');
  const revoking = (issuer: typeof cca, crlNumber: number) =>
    issueCrl({
      issuer,
      crlNumber,
      thisUpdate: now,
      nextUpdate: later,
      revoked: [{ serialNumber: cardholder.certificate.serialNumber, revocationDate: now }],
    });
  const verify = (trust: TrustStore) => () => {
    for (const c of cardholder.chain) trust.add(c);
    return trust.verify(cardholder.certificate.thumbprint, expectation, world.clock);
  };

  it('a genuine CRL revokes, also for a path validated and cached before it arrived', () => {
    const trust = world.trust();
    expect(codeOf(verify(trust))).toBe('accepted');
    trust.addCrl(revoking(cca, 1));
    expect(codeOf(verify(trust))).toBe('revokedCertificate');
  });

  it('the forged CRL names the same issuer', () => {
    expect(forger.certificate.subjectDn).toBe(cca.certificate.subjectDn);
  });

  it('a forged CRL revokes nothing, even for a cached path', () => {
    const trust = world.trust();
    expect(codeOf(verify(trust))).toBe('accepted');
    trust.addCrl(revoking(forger, 99));
    expect(codeOf(verify(trust))).toBe('accepted');
    expect(codeOf(verify(trust))).toBe('accepted');
  });

  it('a forged CRL with a higher number does not hide the genuine revocation', () => {
    const trust = world.trust();
    trust.addCrl(revoking(cca, 1));
    trust.addCrl(
      issueCrl({ issuer: forger, crlNumber: 1000, thisUpdate: now, nextUpdate: later, revoked: [] }),
    );
    expect(codeOf(verify(trust))).toBe('revokedCertificate');
  });

  it('keeps each CRL once', () => {
    const trust = world.trust();
    const crl = revoking(cca, 1);
    trust.addCrl(crl);
    trust.addCrl(crl);
    expect(trust.crls).toHaveLength(1);
  });
});
