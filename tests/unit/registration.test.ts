// SET/2 registration (SET-PROFILE §4 Cardholder registration 1–4) end to end, with real keys and
// real certificates from pki/ca.ts: CardCInit → RegForm → CertReq → CertRes for a cardholder,
// Me-AqCInit → CertReq → CertRes for a merchant and a gateway, and the rejections.
import { describe, expect, it } from 'vitest';
import { type GatewayCertReq, OPEN_ACQUIRER, sandboxEnrolments } from '../../src/ca/enrolment-policy.ts';
import { b64u, fromB64u, hex, jsonBytes } from '../../src/protocol/encoding.ts';
import { SetError } from '../../src/protocol/errors.ts';
import { headerFor } from '../../src/protocol/messages/header.ts';
import { issueFromCertReq } from '../../src/protocol/messages/registration/cert-issue.ts';
import {
  buildCardCInitReq,
  buildCardCInitRes,
  buildCertReq,
  buildCertRes,
  buildMeAqCInitReq,
  buildMeAqCInitRes,
  buildRegFormReq,
  buildRegFormRes,
  type CertReqData,
  openCertReq,
  openRegFormReq,
  type PendingRegistration,
  parseCardCInitReq,
  parseMeAqCInitReq,
  type RegForm,
  regFormAnswersProblem,
  verifyCardCInitRes,
  verifyCertRes,
  verifyMeAqCInitRes,
  verifyRegFormRes,
} from '../../src/protocol/messages/registration/index.ts';
import { sealTo } from '../../src/protocol/messages/sealed.ts';
import { signWithKey } from '../../src/protocol/messages/signed.ts';
import { TrustStore, type VerifyContext } from '../../src/protocol/messages/trust.ts';
import { encodeWire, makeWire, type Wire } from '../../src/protocol/messages/wire.ts';
import { buildSandboxHierarchy, issueEndEntity } from '../../src/protocol/pki/ca.ts';
import type { CertificateType, Issuer, ParsedCertificate } from '../../src/protocol/pki/types.ts';
import { uniqueCardholderId } from '../../src/protocol/pki/unique-id.ts';
import { generateKeyPair } from '../../src/protocol/primitives/ecdsa.ts';
import { xorBytes } from '../../src/protocol/primitives/hash.ts';

const ORIGIN = 'https://shop.example';
const PAN = '4111111111111111';
const EXPIRY = '202912';
const now = new Date();
const clock = { now };
const hierarchy = buildSandboxHierarchy({ merchantOrigin: ORIGIN, now });

const entry = (name: string) => {
  const e = hierarchy.entries.find((x) => x.name === name);
  if (!e) throw new Error(`no ${name} in the sandbox hierarchy`);
  return e;
};
const issuerOf = (name: string): Issuer => ({
  certificate: entry(name).certificate,
  privateKey: entry(name).privateKey,
});
/** Leaf first, root last: carriedCerts drops the root. */
const chainOf = (name: string): ParsedCertificate[] => [
  entry(name).certificate,
  ...entry(name).issuerNames.map((n) => entry(n).certificate),
  entry('root').certificate,
];
const signerOf = (name: string) => ({ ...issuerOf(name), chain: chainOf(name) });
const brandId = entry('brand-ca').certificate.subject.commonName;

/** The sandbox's CA key-exchange certificate (cca-kx, mca-kx, pca-kx): what requests are sealed to. */
const sandboxKx = (caName: string) => ({
  recipient: issuerOf(`${caName}-kx`),
  chain: chainOf(`${caName}-kx`),
});

/** A further key-exchange certificate with `caName`'s subject, for the wrong-recipient cases. */
function caKeyExchange(caName: string, certificateType: CertificateType) {
  const { privateKey, publicKey } = generateKeyPair();
  const certificate = issueEndEntity(issuerOf('brand-ca'), {
    certificateType,
    keyRole: 'key-exchange',
    publicKey,
    subject: entry(caName).certificate.subject,
    notBefore: new Date(now.getTime() - 3_600_000),
    notAfter: new Date(now.getTime() + 3 * 365 * 86_400_000),
  });
  return { recipient: { certificate, privateKey }, chain: [certificate, entry('brand-ca').certificate] };
}

const ctx = (): VerifyContext => ({ trust: new TrustStore([entry('root').certificate]), clock });

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SetError) return e.code;
    throw e;
  }
  return 'no error';
}

const wire = (w: Wire) => encodeWire(w);

const form: RegForm = {
  fields: [
    { name: 'fullName', label: 'Name on card', kind: 'text', required: true, maxLength: 64 },
    { name: 'email', label: 'Email', kind: 'email', required: false, maxLength: 128 },
    { name: 'postcode', label: 'Billing postcode', kind: 'postalCode', required: true, maxLength: 10 },
  ],
  policy: 'You agree to the SETPay cardholder terms.',
};
const answers = { fullName: 'Ada Lovelace', email: 'ada@example.org', postcode: 'N1 9GU' };

describe('SET/2 registration', () => {
  /** Runs the cardholder flow up to an opened CertReq at the CCA. */
  async function cardholderUpToCertReq(wallet = ctx()) {
    const cca = signerOf('cca');
    const ccaKx = sandboxKx('cca');
    const initReq = buildCardCInitReq({ brandId, thumbs: wallet.trust.thumbs(), now });
    const initAtCa = parseCardCInitReq(wire(initReq.wire), clock);
    const initRes = await buildCardCInitRes({ req: initAtCa, ca: cca, caKeyExchange: ccaKx.chain, now });
    const init = await verifyCardCInitRes(wire(initRes.wire), initReq.content, wallet);

    const regReq = await buildRegFormReq({ init, pan: PAN, now });
    const regAtCa = await openRegFormReq(wire(regReq.wire), ccaKx.recipient, clock);
    const regRes = await buildRegFormRes({ req: regAtCa, ca: cca, answer: { regForm: form }, now });
    const regForm = await verifyRegFormRes(wire(regRes.wire), regReq.content, wallet);

    const keys = generateKeyPair();
    const certReq = await buildCertReq({
      answering: regForm.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: keys.privateKey,
      request: { requestType: 'cardholder', card: { pan: PAN, expiry: EXPIRY } },
      answers,
      now,
    });
    const pending: PendingRegistration = {
      lidEE: regRes.content.lidEE,
      challCA: regRes.content.challCA,
      requestType: 'cardholder',
    };
    const pendingFor = (lidCA: string) => (lidCA === regRes.content.lidCA ? pending : undefined);
    const opened = await openCertReq(wire(certReq.wire), ccaKx.recipient, pendingFor, clock);
    return {
      wallet,
      cca,
      ccaKx,
      initReq,
      initRes,
      init,
      regReq,
      regAtCa,
      regRes,
      regForm,
      keys,
      certReq,
      pendingFor,
      opened,
    };
  }

  it('a CertReq carries the point its builder was given (the wallet: Firefox cannot export it), and refuses one off the curve', async () => {
    const s = await cardholderUpToCertReq();
    const keys = generateKeyPair();
    const base = {
      answering: s.regForm.content,
      caKeyExchange: s.init.caKeyExchange.chain[0]!,
      privateKey: keys.privateKey,
      request: { requestType: 'cardholder' as const, card: { pan: PAN, expiry: EXPIRY } },
      answers,
      now,
    };
    const given = await buildCertReq({ ...base, publicKey: keys.publicKey });
    expect(given.content.publicKey).toBe(b64u(keys.publicKey));
    expect((await buildCertReq(base)).content.publicKey).toBe(b64u(keys.publicKey));
    const offCurve = Uint8Array.from(keys.publicKey);
    offCurve[64] = offCurve[64]! ^ 1;
    await expect(buildCertReq({ ...base, publicKey: offCurve })).rejects.toMatchObject({
      code: 'decodingFailure',
    });
  });

  it('registers a cardholder: CardCInit → RegForm → CertReq → CertRes, with the unique cardholder ID', async () => {
    const s = await cardholderUpToCertReq();
    expect(s.init.ca.chain[0]!.certificateType).toBe('cardholder-ca');
    expect(s.init.caKeyExchange.chain[0]!.keyRole).toBe('key-exchange');
    expect(s.regAtCa.panOnly.pan).toBe(PAN);
    expect(wire(s.regReq.wire)).not.toContain(PAN);
    expect(wire(s.certReq.wire)).not.toContain(PAN);
    expect(s.regForm.content.regForm).toEqual(form);
    expect(regFormAnswersProblem(form, s.opened.content.answers)).toBeUndefined();

    const result = issueFromCertReq({ req: s.opened.content, issuer: issuerOf('cca'), now });
    const certRes = await buildCertRes({ req: s.opened.content, ca: s.cca, result, now });
    expect(wire(certRes.wire)).not.toContain(b64u(result.certificate.der).slice(0, 40));
    const verified = await verifyCertRes(wire(certRes.wire), s.certReq.content, s.wallet);

    if (verified.status !== 'issued') throw new Error('expected an issued certificate');
    const panSecret = xorBytes(s.certReq.cardSecret!, result.nonceCca!);
    expect(hex(verified.panSecret!)).toBe(hex(panSecret));
    expect(hex(verified.certificate.uniqueCardholderId!)).toBe(
      hex(uniqueCardholderId(panSecret, PAN, EXPIRY)),
    );
    expect(verified.certificate.subject.commonName).not.toContain(PAN);
    expect(hex(verified.certificate.publicKey)).toBe(hex(s.keys.publicKey));
    expect(verified.path.chain.map((c) => c.certificateType)).toEqual([
      'cardholder',
      'cardholder-ca',
      'brand-ca',
      'root',
    ]);
    expect(verified.path.brandId).toBe(brandId);
    expect(verified.kxCertificate).toBeUndefined();
    const twoYears = verified.certificate.notAfter.getTime() - now.getTime();
    expect(Math.round(twoYears / (365.25 * 86_400_000))).toBe(2);
  });

  it('registers a merchant: Me-AqCInit → CertReq → CertRes, a signature certificate with origins and a key-exchange certificate', async () => {
    const merchant = ctx();
    const mca = signerOf('mca');
    const mcaKx = sandboxKx('mca');
    const initReq = buildMeAqCInitReq({
      requestType: 'merchant',
      brandId,
      thumbs: merchant.trust.thumbs(),
      now,
    });
    const initAtCa = parseMeAqCInitReq(wire(initReq.wire), clock);
    const initRes = await buildMeAqCInitRes({
      req: initAtCa,
      ca: mca,
      caKeyExchange: mcaKx.chain,
      regForm: form,
      now,
    });
    const init = await verifyMeAqCInitRes(wire(initRes.wire), initReq.content, merchant);
    expect(init.content.regForm).toEqual(form);

    const sig = generateKeyPair();
    const kx = generateKeyPair();
    const merchantData = {
      merchantId: 'M-7781',
      name: 'Example Shop',
      city: 'Leeds',
      country: 'GB',
      categoryCode: '5732',
    };
    const certReq = await buildCertReq({
      answering: init.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: sig.privateKey,
      request: { requestType: 'merchant', kxPublicKey: kx.publicKey, merchantData, origins: [ORIGIN] },
      answers,
      now,
    });
    const pending: PendingRegistration = {
      lidEE: init.content.lidEE,
      challCA: init.content.challCA,
      requestType: 'merchant',
    };
    const opened = await openCertReq(wire(certReq.wire), mcaKx.recipient, () => pending, clock);
    const result = issueFromCertReq({ req: opened.content, issuer: issuerOf('mca'), now });
    const certRes = await buildCertRes({ req: opened.content, ca: mca, result, now });
    const verified = await verifyCertRes(wire(certRes.wire), certReq.content, merchant);

    if (verified.status !== 'issued') throw new Error('expected issued certificates');
    expect(verified.certificate.certificateType).toBe('merchant');
    expect(verified.certificate.keyRole).toBe('signature');
    expect(verified.certificate.origins).toEqual([ORIGIN]);
    expect(verified.certificate.merchantData).toEqual(merchantData);
    expect(hex(verified.certificate.publicKey)).toBe(hex(sig.publicKey));
    expect(verified.kxCertificate?.certificateType).toBe('merchant');
    expect(verified.kxCertificate?.keyRole).toBe('key-exchange');
    expect(hex(verified.kxCertificate!.publicKey)).toBe(hex(kx.publicKey));
    expect(verified.kxPath?.chain.map((c) => c.certificateType)).toEqual([
      'merchant',
      'merchant-ca',
      'brand-ca',
      'root',
    ]);
    expect(verified.panSecret).toBeUndefined();
  });

  it('registers a gateway: signature and key-exchange certificates with cardCertRequired', async () => {
    const gateway = ctx();
    const pca = signerOf('pca');
    const pcaKx = sandboxKx('pca');
    const initReq = buildMeAqCInitReq({ requestType: 'gateway', brandId, now });
    const initRes = await buildMeAqCInitRes({
      req: parseMeAqCInitReq(wire(initReq.wire), clock),
      ca: pca,
      caKeyExchange: pcaKx.chain,
      regForm: { fields: [], policy: '' },
      now,
    });
    const init = await verifyMeAqCInitRes(wire(initRes.wire), initReq.content, gateway);
    const sig = generateKeyPair();
    const certReq = await buildCertReq({
      answering: init.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: sig.privateKey,
      request: { requestType: 'gateway', kxPublicKey: generateKeyPair().publicKey },
      now,
    });
    const pending: PendingRegistration = {
      lidEE: init.content.lidEE,
      challCA: init.content.challCA,
      requestType: 'gateway',
    };
    const opened = await openCertReq(wire(certReq.wire), pcaKx.recipient, () => pending, clock);
    const result = issueFromCertReq({ req: opened.content, issuer: issuerOf('pca'), now });
    const verified = await verifyCertRes(
      wire((await buildCertRes({ req: opened.content, ca: pca, result, now })).wire),
      certReq.content,
      gateway,
    );
    if (verified.status !== 'issued') throw new Error('expected issued certificates');
    expect(verified.certificate.cardCertRequired).toBe(true);
    expect(verified.kxCertificate?.cardCertRequired).toBe(true);
    expect(verified.kxPath?.chain[0]?.keyRole).toBe('key-exchange');

    // The sandbox PCA's policy: only a gateway of the open acquirer gets cardCertRequired false.
    const answers = (acquirer?: string) => ({
      ...opened.content,
      answers: { gatewayName: 'G', ...(acquirer ? { acquirer } : {}) },
    });
    const strict = sandboxEnrolments.gateway(answers('Another Acquirer') as GatewayCertReq);
    const open = sandboxEnrolments.gateway(answers(OPEN_ACQUIRER) as GatewayCertReq);
    expect(strict).toMatchObject({ approve: true });
    expect(strict).not.toHaveProperty('cardCertRequired');
    expect(open).toMatchObject({ approve: true, cardCertRequired: false });
    const openResult = issueFromCertReq({
      req: opened.content,
      issuer: issuerOf('pca'),
      cardCertRequired: false,
      now,
    });
    const openVerified = await verifyCertRes(
      wire((await buildCertRes({ req: opened.content, ca: pca, result: openResult, now })).wire),
      certReq.content,
      gateway,
    );
    if (openVerified.status !== 'issued') throw new Error('expected issued certificates');
    expect(openVerified.certificate.cardCertRequired).toBe(false);
    expect(openVerified.kxCertificate?.cardCertRequired).toBe(false);
  });

  it('carries a rejection and a referral as business results', async () => {
    const s = await cardholderUpToCertReq();
    const problem = regFormAnswersProblem(form, { fullName: 'Ada Lovelace' });
    expect(problem).toContain('Billing postcode');
    const certRes = await buildCertRes({
      req: s.opened.content,
      ca: s.cca,
      result: { status: 'rejected', reason: problem! },
      now,
    });
    const verified = await verifyCertRes(wire(certRes.wire), s.certReq.content, s.wallet);
    expect(verified).toMatchObject({ status: 'rejected', reason: problem });

    const referral = await buildRegFormRes({
      req: s.regAtCa,
      ca: s.cca,
      answer: { referral: 'https://issuer.example/register' },
      now,
    });
    expect((await verifyRegFormRes(wire(referral.wire), s.regReq.content, s.wallet)).content.referral).toBe(
      'https://issuer.example/register',
    );
  });

  describe('rejections', () => {
    it('a tampered CertRes ciphertext: decodingFailure', async () => {
      const s = await cardholderUpToCertReq();
      const result = issueFromCertReq({ req: s.opened.content, issuer: issuerOf('cca'), now });
      const certRes = await buildCertRes({ req: s.opened.content, ca: s.cca, result, now });
      const ct = fromB64u(certRes.wire.body.ct);
      ct[10]! ^= 0x01;
      const tampered = { ...certRes.wire, body: { ...certRes.wire.body, ct: b64u(ct) } };
      expect(await codeOf(async () => await verifyCertRes(wire(tampered), s.certReq.content, s.wallet))).toBe(
        'decodingFailure',
      );
      // Also under another CABackKey (a CertRes meant for someone else).
      const other: CertReqData = { ...s.certReq.content, caBackKey: b64u(new Uint8Array(16)) };
      expect(await codeOf(async () => await verifyCertRes(wire(certRes.wire), other, s.wallet))).toBe(
        'decodingFailure',
      );
    });

    it('a CardCInitRes that does not echo Chall-EE: challengeMismatch', async () => {
      const wallet = ctx();
      const initReq = buildCardCInitReq({ brandId, now });
      const atCa = parseCardCInitReq(wire(initReq.wire), clock);
      const kx = sandboxKx('cca');
      const res = await buildCardCInitRes({
        req: { ...atCa, challEE: b64u(new Uint8Array(32)) },
        ca: signerOf('cca'),
        caKeyExchange: kx.chain,
        now,
      });
      expect(
        await codeOf(async () => await verifyCardCInitRes(wire(res.wire), initReq.content, wallet)),
      ).toBe('challengeMismatch');
    });

    it('a response to another request: unknownRRPID', async () => {
      const wallet = ctx();
      const initReq = buildCardCInitReq({ brandId, now });
      const kx = sandboxKx('cca');
      const other = buildCardCInitReq({ brandId, lidEE: initReq.content.lidEE, now }).content;
      const res = await buildCardCInitRes({
        req: { ...other, challEE: initReq.content.challEE },
        ca: signerOf('cca'),
        caKeyExchange: kx.chain,
        now,
      });
      expect(
        await codeOf(async () => await verifyCardCInitRes(wire(res.wire), initReq.content, wallet)),
      ).toBe('unknownRRPID');

      const s = await cardholderUpToCertReq();
      const result = issueFromCertReq({ req: s.opened.content, issuer: issuerOf('cca'), now });
      const certRes = await buildCertRes({
        req: { ...s.opened.content, rrpid: b64u(new Uint8Array(32)) },
        ca: s.cca,
        result,
        now,
      });
      expect(
        await codeOf(async () => await verifyCertRes(wire(certRes.wire), s.certReq.content, s.wallet)),
      ).toBe('unknownRRPID');
    });

    it('a CertReq whose proof of possession is signed by another key: signatureFailure', async () => {
      const s = await cardholderUpToCertReq();
      const content = s.certReq.content;
      const pop = await signWithKey(content, generateKeyPair().privateKey);
      const forged = makeWire('CertReq', headerFor(content), {
        sealed: await sealTo(s.ccaKx.recipient.certificate, 'CertReq', jsonBytes(pop)),
      });
      expect(
        await codeOf(async () => await openCertReq(wire(forged), s.ccaKx.recipient, s.pendingFor, clock)),
      ).toBe('signatureFailure');
    });

    it('a CertReq with the wrong Chall-CA or an unknown LID-CA: challengeMismatch, unknownRRPID', async () => {
      const s = await cardholderUpToCertReq();
      const raw = wire(s.certReq.wire);
      const wrongChall = () => ({
        lidEE: s.regRes.content.lidEE,
        challCA: b64u(new Uint8Array(32)),
        requestType: 'cardholder' as const,
      });
      expect(await codeOf(async () => await openCertReq(raw, s.ccaKx.recipient, wrongChall, clock))).toBe(
        'challengeMismatch',
      );
      expect(
        await codeOf(async () => await openCertReq(raw, s.ccaKx.recipient, () => undefined, clock)),
      ).toBe('unknownRRPID');
      const otherKx = caKeyExchange('cca', 'cardholder-ca');
      expect(await codeOf(async () => await openCertReq(raw, otherKx.recipient, s.pendingFor, clock))).toBe(
        'thumbsMismatch',
      );
    });

    it('a CertRes whose certificate names the unique ID of another card: invalidCertificate', async () => {
      const s = await cardholderUpToCertReq();
      const content = s.opened.content;
      if (content.requestType !== 'cardholder') throw new Error('cardholder request expected');
      const otherCard = { ...content, panData0: { ...content.panData0, pan: '5555555555554444' } };
      const result = issueFromCertReq({ req: otherCard, issuer: issuerOf('cca'), now });
      const certRes = await buildCertRes({ req: content, ca: s.cca, result, now });
      expect(
        await codeOf(async () => await verifyCertRes(wire(certRes.wire), s.certReq.content, s.wallet)),
      ).toBe('invalidCertificate');
    });

    it('a CertRes certifying another key than requested: invalidCertificate', async () => {
      const s = await cardholderUpToCertReq();
      const otherKey = { ...s.opened.content, publicKey: b64u(generateKeyPair().publicKey) };
      const result = issueFromCertReq({ req: otherKey, issuer: issuerOf('cca'), now });
      const certRes = await buildCertRes({ req: s.opened.content, ca: s.cca, result, now });
      expect(
        await codeOf(async () => await verifyCertRes(wire(certRes.wire), s.certReq.content, s.wallet)),
      ).toBe('invalidCertificate');
    });

    it('a stale CardCInitRes: messageTooOld', async () => {
      const wallet = ctx();
      const initReq = buildCardCInitReq({ brandId, now });
      const kx = sandboxKx('cca');
      const old = new Date(now.getTime() - 11 * 60_000);
      const res = await buildCardCInitRes({
        req: initReq.content,
        ca: signerOf('cca'),
        caKeyExchange: kx.chain,
        now: old,
      });
      expect(
        await codeOf(async () => await verifyCardCInitRes(wire(res.wire), initReq.content, wallet)),
      ).toBe('messageTooOld');
    });

    it('a CardCInitRes signed by a merchant certificate: invalidCertificate', async () => {
      const wallet = ctx();
      const initReq = buildCardCInitReq({ brandId, now });
      const kx = sandboxKx('cca');
      const res = await buildCardCInitRes({
        req: initReq.content,
        ca: signerOf('merchant-sig'),
        caKeyExchange: kx.chain,
        now,
      });
      expect(
        await codeOf(async () => await verifyCardCInitRes(wire(res.wire), initReq.content, wallet)),
      ).toBe('invalidCertificate');
    });

    it('a CardCInitRes naming another CA’s key-exchange certificate: invalidCertificate', async () => {
      const wallet = ctx();
      const initReq = buildCardCInitReq({ brandId, now });
      const foreign = caKeyExchange('mca', 'cardholder-ca');
      const res = await buildCardCInitRes({
        req: initReq.content,
        ca: signerOf('cca'),
        caKeyExchange: foreign.chain,
        now,
      });
      expect(
        await codeOf(async () => await verifyCardCInitRes(wire(res.wire), initReq.content, wallet)),
      ).toBe('invalidCertificate');
    });

    it('a RegFormRes with both a form and a referral: decodingFailure', async () => {
      const s = await cardholderUpToCertReq();
      const both = await buildRegFormRes({
        req: s.regAtCa,
        ca: s.cca,
        answer: { regForm: form, referral: 'x' } as never,
        now,
      });
      expect(
        await codeOf(async () => await verifyRegFormRes(wire(both.wire), s.regReq.content, s.wallet)),
      ).toBe('decodingFailure');
    });
  });
});
