// The issuer site (src/ca) over real HTTP on a random port, with real keys from the sandbox
// hierarchy, on every storage backend: a cardholder registers over SET (CardCInit → RegForm →
// CertReq → CertRes), a merchant and a gateway enrol, retries get their first answer, bad input
// gets the right signed SET Error and 4xx, revocation reaches the CRLs, the BrandCRLIdentifier and
// currentCrls(), and the pages say what they must.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CA_MIGRATIONS,
  createIssuerSite,
  DEFAULT_CARDHOLDER_FORM,
  type IssuerSite,
  type TestCard,
} from '../../src/ca/index.ts';
import { CA_TEXT } from '../../src/ca/text/index.ts';
import {
  b64u,
  brandCrlIdentifierThumb,
  buildCardCInitReq,
  buildCertReq,
  buildMeAqCInitReq,
  buildPInitReq,
  buildRegFormReq,
  type CertRequest,
  decodeWire,
  encodeWire,
  generateKeyPair,
  headerFor,
  hex,
  httpStatusFor,
  makeWire,
  parseCrl,
  parseRegistrationInitiation,
  plainBody,
  REGISTRATION_INITIATION_TYPE,
  randomNonce,
  readError,
  type SetError,
  SetError as SetErrorClass,
  type SignedBody,
  TrustStore,
  uniqueCardholderId,
  verifyBrandCrlIdentifier,
  verifyCardCInitRes,
  verifyCertRes,
  verifyMeAqCInitRes,
  verifyRegFormRes,
} from '../../src/protocol/index.ts';
import { isLuhnValid } from '../../src/protocol/pan.ts';
import { migrate } from '../../src/storage/index.ts';
import { type Backend, backends } from '../support/databases.ts';
import { scriptOf } from '../support/initiations.ts';
import { makeWorld } from '../support/world.ts';
import { worldCas } from '../support/world-issuer.ts';

const world = makeWorld();
const root = world.root;
const brandCert = world.party('brand-ca').certificate;
const TOKEN = b64u(randomNonce());
const PAN = '4111111111111111';
const EXPIRY = '203012';
const MERCHANT_ORIGIN = 'http://127.0.0.1:8702';

const TEST_CARDS: TestCard[] = [
  { pan: '4111111111111111', behaviour: 'approve', label: 'Approves' },
  { pan: '4000000000000002', behaviour: 'doNotHonour', label: 'Declines' },
  { pan: '4000000000009995', behaviour: 'insufficientFunds', label: 'No funds' },
  { pan: '4000000000000069', behaviour: 'expiredCard', label: 'Expired' },
  { pan: '4000000000009979', behaviour: 'stolenCard', label: 'Stolen' },
  { pan: '4000000000000119', behaviour: 'issuerUnavailable', label: '<b>Times out</b> & declines' },
];

const clock = () => ({ now: new Date() });
const freshTrust = () => new TrustStore([root]);

interface Posted {
  status: number;
  text: string;
  contentType: string | null;
}

async function codeOf(fn: () => unknown): Promise<string> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof SetErrorClass) return e.code;
    throw e;
  }
  return 'no error';
}

describe.each(backends)('issuer site on $name', (backend: Backend) => {
  let site: IssuerSite;
  let server: ServerType;
  let base: string;
  let drop: () => Promise<void>;
  let db: Awaited<ReturnType<Backend['open']>>['db'];
  const logs: string[] = [];

  beforeAll(async () => {
    const opened = await backend.open();
    db = opened.db;
    drop = opened.drop;
    site = await createIssuerSite({
      db,
      ...worldCas(world),
      testCards: TEST_CARDS,
      adminToken: TOKEN,
      issuerName: 'SETPay Sandbox Bank',
      alsoIssued: [world.merchant.certificate, world.merchantKx.certificate],
      log: (line) => logs.push(line),
    });
    server = serve({ fetch: site.app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await drop?.();
    // Nothing the site logged may carry a card number.
    // (A run of 12 or more digits, not part of a hexadecimal serial or thumbprint.)
    for (const line of logs) expect(line).not.toMatch(/(?<![0-9a-f])\d{12,19}(?![0-9a-f])/i);
  });

  async function post(path: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
    const res = await fetch(base + path, {
      method: 'POST',
      body: typeof body === 'string' ? body : Buffer.from(body),
      headers: { 'content-type': 'application/json', ...headers },
      redirect: 'manual',
    });
    return {
      status: res.status,
      text: await res.text(),
      contentType: res.headers.get('content-type'),
    } as Posted;
  }

  async function get(path: string, headers: Record<string, string> = {}) {
    return fetch(base + path, { headers, redirect: 'manual' });
  }

  /** Reads a SET Error reply: signed by `ca`, with the code expected and the matching status. */
  async function expectError(res: Posted, code: SetError['code'], ca = 'cca') {
    expect(res.status, res.text).toBe(httpStatusFor(code));
    expect(res.contentType).toMatch(/^application\/json/);
    const { content, signer } = await readError(res.text, { trust: freshTrust(), clock: clock() });
    expect(content.errorCode).toBe(code);
    expect(signer?.chain[0]?.thumbprint).toEqual(world.party(ca).certificate.thumbprint);
    return content;
  }

  async function certificateCount(): Promise<number> {
    const rows = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM ca_certificates');
    return Number(rows[0]!.n);
  }

  /** The wallet's side of registration, over HTTP, up to a built CertReq. */
  async function startRegistration(pan = PAN, language?: string) {
    const wallet = { trust: freshTrust(), clock: clock() };
    const initReq = buildCardCInitReq({ brandId: 'SETPay', thumbs: wallet.trust.thumbs() });
    const initRes = await post('/set/cca', encodeWire(initReq.wire));
    expect(initRes.status, initRes.text).toBe(200);
    const init = await verifyCardCInitRes(initRes.text, initReq.content, wallet);
    const regReq = await buildRegFormReq({ init, pan, ...(language ? { language } : {}) });
    const regRes = await post('/set/cca', encodeWire(regReq.wire));
    expect(regRes.status, regRes.text).toBe(200);
    const form = await verifyRegFormRes(regRes.text, regReq.content, wallet);
    return { wallet, initReq, initRes, init, regReq, regRes, form };
  }

  async function cardholderCertReq(
    started: Awaited<ReturnType<typeof startRegistration>>,
    card = { pan: PAN, expiry: EXPIRY },
    answers: Record<string, string> = { fullName: 'Ada Lovelace', postcode: 'N1 9GU' },
  ) {
    const keys = generateKeyPair();
    const certReq = await buildCertReq({
      answering: started.form.content,
      caKeyExchange: started.init.caKeyExchange.chain[0]!,
      privateKey: keys.privateKey,
      request: { requestType: 'cardholder', card },
      answers,
    });
    return { keys, certReq, wire: encodeWire(certReq.wire) };
  }

  async function registerCardholder(pan = PAN) {
    const started = await startRegistration(pan);
    const built = await cardholderCertReq(started, { pan, expiry: EXPIRY });
    const res = await post('/set/cca', built.wire);
    expect(res.status, res.text).toBe(200);
    const verified = await verifyCertRes(res.text, built.certReq.content, started.wallet);
    return { ...started, ...built, certRes: res.text, verified };
  }

  let merchantCount = 0;
  async function enrol(requestType: 'merchant' | 'gateway', origins = [MERCHANT_ORIGIN]) {
    const path = requestType === 'merchant' ? '/set/mca' : '/set/pca';
    const ctx = { trust: freshTrust(), clock: clock() };
    const initReq = buildMeAqCInitReq({ requestType, brandId: 'SETPay' });
    const initRes = await post(path, encodeWire(initReq.wire));
    expect(initRes.status, initRes.text).toBe(200);
    const init = await verifyMeAqCInitRes(initRes.text, initReq.content, ctx);
    const sig = generateKeyPair();
    const kx = generateKeyPair();
    const request: CertRequest =
      requestType === 'merchant'
        ? {
            requestType,
            kxPublicKey: kx.publicKey,
            // The MCA assigns the MerchantID; two merchants may not share a name.
            merchantData: {
              name: `SET Test Store ${++merchantCount}`,
              city: 'Springfield',
              country: 'US',
              categoryCode: '5999',
            },
            origins,
          }
        : { requestType, kxPublicKey: kx.publicKey };
    const certReq = await buildCertReq({
      answering: init.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: sig.privateKey,
      request,
      answers: requestType === 'gateway' ? { gatewayName: 'Test Gateway' } : {},
    });
    const wire = encodeWire(certReq.wire);
    const res = await post(path, wire);
    return { ctx, init, certReq, wire, res, path };
  }

  describe('cardholder registration over SET', () => {
    it('issues a certificate bound to the unique cardholder ID, never the PAN', async () => {
      const r = await registerCardholder();
      expect(r.form.content.regForm?.fields.map((f) => f.name)).toEqual(['fullName', 'postcode', 'email']);
      expect(r.verified.status).toBe('issued');
      if (r.verified.status !== 'issued') return;
      const cert = r.verified.certificate;
      // verifyCertRes checked it already; the profile's construction, stated once more here.
      const id = uniqueCardholderId(r.verified.panSecret!, PAN, EXPIRY);
      expect(cert.uniqueCardholderId).toEqual(id);
      expect(cert.subject.commonName).toBe(hex(id));
      expect(cert.certificateType).toBe('cardholder');
      expect(Buffer.from(cert.der).includes(Buffer.from(PAN))).toBe(false);
      expect(r.verified.path.chain[1]!.thumbprint).toEqual(world.party('cca').certificate.thumbprint);
      // The pending registration is consumed; the certificate is recorded with the card's last four only.
      const rows = await db.query<{ card_last4: string; lid_ca: string }>(
        'SELECT card_last4, lid_ca FROM ca_certificates WHERE serial = $1',
        [cert.serialNumber],
      );
      expect(rows).toEqual([{ card_last4: '1111', lid_ca: r.init.content.lidCA }]);
      const pending = await db.query('SELECT 1 FROM ca_pending_registrations WHERE lid_ca = $1', [
        r.init.content.lidCA,
      ]);
      expect(pending).toHaveLength(0);
    });

    it('carries the CRLs and the BrandCRLIdentifier when the wallet lacks them', async () => {
      const r = await startRegistration();
      const wire = decodeWire(r.initRes.text);
      expect(wire.crls).toHaveLength(4);
      const trust = freshTrust();
      trust.add(brandCert);
      trust.addEncoded(wire.certs);
      await trust.offerEncodedCrls(wire.crls, clock());
      const bci = await verifyBrandCrlIdentifier(wire.bci, { trust, clock: clock() });
      expect(bci.content.brandId).toBe('SETPay');
      // A wallet that lists the BrandCRLIdentifier's thumbprint does not get it again.
      const thumbs = [b64u(root.thumbprint), brandCrlIdentifierThumb(wire.bci as SignedBody)];
      const again = await post('/set/cca', encodeWire(buildCardCInitReq({ brandId: 'SETPay', thumbs }).wire));
      expect(decodeWire(again.text).bci).toBeUndefined();
    });

    it('refers a number that is not a card number, and ends that registration', async () => {
      const wallet = { trust: freshTrust(), clock: clock() };
      const initReq = buildCardCInitReq({ brandId: 'SETPay' });
      const init = await verifyCardCInitRes(
        (await post('/set/cca', encodeWire(initReq.wire))).text,
        initReq.content,
        wallet,
      );
      const regReq = await buildRegFormReq({ init, pan: '4111111111111112' });
      const res = await post('/set/cca', encodeWire(regReq.wire));
      const verified = await verifyRegFormRes(res.text, regReq.content, wallet);
      expect(verified.content.referral).toMatch(/Luhn/);
      expect(verified.content.regForm).toBeUndefined();
      expect(
        await db.query('SELECT 1 FROM ca_pending_registrations WHERE lid_ca = $1', [init.content.lidCA]),
      ).toHaveLength(0);
    });

    it('rejects, as a business result, a CertReq for another card or with the form unfilled', async () => {
      const before = await certificateCount();
      const started = await startRegistration();
      const other = await cardholderCertReq(started, { pan: '5555555555554444', expiry: EXPIRY });
      const res = await post('/set/cca', other.wire);
      expect(res.status).toBe(200);
      const rejected = await verifyCertRes(res.text, other.certReq.content, started.wallet);
      expect(rejected).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/differs/) });

      const unfilled = await cardholderCertReq(started, { pan: PAN, expiry: EXPIRY }, { fullName: 'Ada' });
      const res2 = await post('/set/cca', unfilled.wire);
      const rejected2 = await verifyCertRes(res2.text, unfilled.certReq.content, started.wallet);
      expect(rejected2).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/Billing postcode/),
      });

      const expired = await cardholderCertReq(started, { pan: PAN, expiry: '202001' });
      const res3 = await post('/set/cca', expired.wire);
      expect(await verifyCertRes(res3.text, expired.certReq.content, started.wallet)).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/expired/),
      });
      // A rejection issues nothing and keeps the registration open for a corrected request.
      expect(await certificateCount()).toBe(before);
      const good = await cardholderCertReq(started);
      const res4 = await post('/set/cca', good.wire);
      expect((await verifyCertRes(res4.text, good.certReq.content, started.wallet)).status).toBe('issued');
    });

    it('answers a retried CertReq with the same CertRes and never issues twice, even when the copies race', async () => {
      const started = await startRegistration();
      const built = await cardholderCertReq(started);
      const before = await certificateCount();
      const [a, b] = await Promise.all([post('/set/cca', built.wire), post('/set/cca', built.wire)]);
      const c = await post('/set/cca', built.wire);
      expect(a.status).toBe(200);
      expect(b.text).toBe(a.text);
      expect(c.text).toBe(a.text);
      expect(await certificateCount()).toBe(before + 1);
      expect((await verifyCertRes(c.text, built.certReq.content, started.wallet)).status).toBe('issued');
      // A retried RegFormReq gets its RegFormRes, byte for byte.
      expect((await post('/set/cca', encodeWire(started.regReq.wire))).text).toBe(started.regRes.text);
    });
  });

  describe('merchant and gateway enrolment', () => {
    it('enrols a merchant at the MCA: signature and key-exchange certificates, origins bound', async () => {
      const before = await certificateCount();
      const e = await enrol('merchant');
      expect(e.res.status, e.res.text).toBe(200);
      const v = await verifyCertRes(e.res.text, e.certReq.content, e.ctx);
      expect(v.status).toBe('issued');
      if (v.status !== 'issued') return;
      expect(v.certificate.origins).toEqual([MERCHANT_ORIGIN]);
      expect(v.certificate.merchantData?.merchantId).toMatch(/^M\d{15}$/);
      expect(v.kxCertificate?.merchantData?.merchantId).toBe(v.certificate.merchantData?.merchantId);
      expect(v.kxCertificate?.keyRole).toBe('key-exchange');
      expect(v.path.chain[1]!.thumbprint).toEqual(world.party('mca').certificate.thumbprint);
      expect(await certificateCount()).toBe(before + 2);
    });

    it('enrols a gateway at the PCA with the name from its form', async () => {
      const e = await enrol('gateway');
      const v = await verifyCertRes(e.res.text, e.certReq.content, e.ctx);
      expect(v.status).toBe('issued');
      if (v.status !== 'issued') return;
      expect(v.certificate.subject.commonName).toBe('Test Gateway');
      expect(v.certificate.cardCertRequired).toBe(true);
      expect(v.kxCertificate?.certificateType).toBe('gateway');
    });

    it('refuses plain-http origins on public names (a rejected CertRes)', async () => {
      const e = await enrol('merchant', ['http://shop.example']);
      expect(await verifyCertRes(e.res.text, e.certReq.content, e.ctx)).toMatchObject({
        status: 'rejected',
        reason: expect.stringMatching(/https/),
      });
    });
  });

  describe('bad input gets the right signed SET Error and a 4xx', () => {
    it('malformed, oversized, wrong version, stale', async () => {
      await expectError(await post('/set/cca', 'not json'), 'decodingFailure');
      await expectError(await post('/set/cca', 'x'.repeat(300 * 1024)), 'messageTooBig');
      const init = buildCardCInitReq({ brandId: 'SETPay' });
      const padded = { ...init.wire, body: { content: 'A'.repeat(6000) } };
      await expectError(await post('/set/cca', JSON.stringify(padded)), 'messageTooBig');
      await expectError(
        await post('/set/cca', JSON.stringify({ ...init.wire, set: 'SET/1' })),
        'versionTooOld',
      );
      const stale = buildCardCInitReq({ brandId: 'SETPay', now: new Date(Date.now() - 20 * 60_000) });
      await expectError(await post('/set/cca', encodeWire(stale.wire)), 'messageTooOld');
      const other = buildCardCInitReq({ brandId: 'OtherBrand' });
      await expectError(await post('/set/cca', encodeWire(other.wire)), 'unspecifiedFailure');
    });

    it('a message type the endpoint does not take', async () => {
      const pinit = buildPInitReq({ lidC: 'w', lidM: 'o', brandId: 'SETPay', bin: '411111' });
      await expectError(await post('/set/cca', encodeWire(pinit.wire)), 'messageNotSupported');
      const card = buildCardCInitReq({ brandId: 'SETPay' });
      await expectError(await post('/set/mca', encodeWire(card.wire)), 'messageNotSupported', 'mca');
      const gw = buildMeAqCInitReq({ requestType: 'gateway', brandId: 'SETPay' });
      await expectError(await post('/set/mca', encodeWire(gw.wire)), 'messageNotSupported', 'mca');
      // An Error is never answered with an Error.
      const error = await post('/set/cca', 'not json');
      const answered = await post('/set/cca', error.text);
      expect(answered.status).toBe(415);
      expect(answered.text).toBe('');
      expect((await fetch(`${base}/set/cca`)).status).toBe(405);
    });

    it('a wrong challenge leaves the registration intact for the right one', async () => {
      const e = await enrol('gateway');
      expect(e.res.status).toBe(200);
      // The same registration again: a new Me-AqCInit, then a CertReq with a Chall-CA never sent.
      const ctx = { trust: freshTrust(), clock: clock() };
      const initReq = buildMeAqCInitReq({ requestType: 'gateway', brandId: 'SETPay' });
      const init = await verifyMeAqCInitRes(
        (await post('/set/pca', encodeWire(initReq.wire))).text,
        initReq.content,
        ctx,
      );
      const keys = generateKeyPair();
      const request: CertRequest = { requestType: 'gateway', kxPublicKey: generateKeyPair().publicKey };
      const wrong = await buildCertReq({
        answering: { ...init.content, challCA: b64u(randomNonce()) },
        caKeyExchange: init.caKeyExchange.chain[0]!,
        privateKey: keys.privateKey,
        request,
      });
      const before = await certificateCount();
      await expectError(await post('/set/pca', encodeWire(wrong.wire)), 'challengeMismatch', 'pca');
      expect(await certificateCount()).toBe(before);
      const right = await buildCertReq({
        answering: init.content,
        caKeyExchange: init.caKeyExchange.chain[0]!,
        privateKey: keys.privateKey,
        request,
      });
      const res = await post('/set/pca', encodeWire(right.wire));
      expect((await verifyCertRes(res.text, right.content, ctx)).status).toBe('issued');
    });

    it('replays: a new CertReq for a finished registration, an unknown LID-CA, an RRPID reused', async () => {
      const r = await registerCardholder();
      const again = await cardholderCertReq(r);
      await expectError(await post('/set/cca', again.wire), 'unknownRRPID');
      const unknown = await buildCertReq({
        answering: { lidEE: 'nobody', lidCA: 'never-issued', challCA: b64u(randomNonce()) },
        caKeyExchange: r.init.caKeyExchange.chain[0]!,
        privateKey: generateKeyPair().privateKey,
        request: { requestType: 'cardholder', card: { pan: PAN, expiry: EXPIRY } },
      });
      await expectError(await post('/set/cca', encodeWire(unknown.wire)), 'unknownRRPID');
      // The same RRPID on another request.
      const content = { ...r.initReq.content, lidEE: 'another-label' };
      const reused = makeWire('CardCInitReq', headerFor(content), plainBody(content));
      await expectError(await post('/set/cca', encodeWire(reused)), 'badMessageHeader');
      // A RegFormReq sealed to another key-exchange certificate than the CCA's.
      const sealedElsewhere = {
        ...r.regReq.wire,
        hdr: { ...r.regReq.wire.hdr, rrpid: b64u(randomNonce()) },
        body: { sealed: { ...r.regReq.wire.body.sealed, to: b64u(randomNonce()) } },
      };
      await expectError(await post('/set/cca', JSON.stringify(sealedElsewhere)), 'thumbsMismatch');
    });
  });

  describe('revocation', () => {
    it('revokes through the admin API: new CRL with the serial, BCI sequence bumped, currentCrls, TrustStore refuses', async () => {
      const r = await registerCardholder('4000000000009979');
      if (r.verified.status !== 'issued') throw new Error('not issued');
      const cert = r.verified.certificate;
      const crlBefore = parseCrl(new Uint8Array(await (await get('/crl/cca.crl')).arrayBuffer()));
      const bciBefore = (await (await get('/bci')).json()) as SignedBody;
      const trustBefore = freshTrust();
      trustBefore.add(brandCert);
      trustBefore.setCrls(await site.currentCrls());
      const seqBefore = (await verifyBrandCrlIdentifier(bciBefore, { trust: trustBefore, clock: clock() }))
        .content.sequence;

      // Upper case with colons, as openssl prints serials.
      const pretty = cert.serialNumber.toUpperCase().match(/../g)!.join(':');
      const res = await post('/admin/revoke', JSON.stringify({ serial: pretty }), {
        authorization: `Bearer ${TOKEN}`,
      });
      expect(res.status, res.text).toBe(200);
      expect(JSON.parse(res.text)).toMatchObject({
        status: 'revoked',
        serial: cert.serialNumber,
        issuer: 'cca',
        crlNumber: crlBefore.crlNumber + 1,
      });

      const crlRes = await get('/crl/cca.crl');
      expect(crlRes.headers.get('content-type')).toBe('application/pkix-crl');
      const crl = parseCrl(new Uint8Array(await crlRes.arrayBuffer()));
      expect(crl.crlNumber).toBe(crlBefore.crlNumber + 1);
      expect(crl.revoked.has(cert.serialNumber)).toBe(true);
      expect(crl.issuerDn).toBe(world.party('cca').certificate.subjectDn);

      const current = await site.currentCrls();
      expect(current.find((c) => c.revoked.has(cert.serialNumber))?.crlNumber).toBe(crl.crlNumber);
      const bci = (await (await get('/bci')).json()) as SignedBody;
      const trust = new TrustStore([root], current);
      trust.add(brandCert);
      const verified = await verifyBrandCrlIdentifier(bci, { trust, clock: clock() });
      expect(verified.content.sequence).toBe(seqBefore + 1);
      expect(verified.content.crls).toContain(b64u(crl.thumbprint));

      // The gateway's next check, with the CRLs currentCrls() gives it.
      trust.addEncoded(decodeWire(r.certRes).certs);
      trust.add(cert);
      expect(
        await codeOf(
          async () =>
            await trust.verify(cert.thumbprint, { types: ['cardholder'], keyRole: 'signature' }, clock()),
        ),
      ).toBe('revokedCertificate');

      // Revoking twice changes nothing.
      const twice = await site.revoke(cert.serialNumber);
      expect(twice).toMatchObject({ status: 'alreadyRevoked', crlNumber: crl.crlNumber });
      expect(parseCrl(new Uint8Array(await (await get('/crl/cca.crl')).arrayBuffer())).crlNumber).toBe(
        crl.crlNumber,
      );
    });

    it('the admin API refuses a missing or wrong token and bad bodies', async () => {
      const body = JSON.stringify({ serial: '01' });
      const missing = await post('/admin/revoke', body);
      expect(missing.status).toBe(401);
      const wrong = await post('/admin/revoke', body, { authorization: 'Bearer not-the-token' });
      expect(wrong.status).toBe(403);
      const auth = { authorization: `Bearer ${TOKEN}` };
      expect((await post('/admin/revoke', '{', auth)).status).toBe(400);
      expect((await post('/admin/revoke', JSON.stringify({ serial: 'zz' }), auth)).status).toBe(400);
      expect((await post('/admin/revoke', JSON.stringify({ serial: '01', more: 1 }), auth)).status).toBe(400);
      expect((await post('/admin/revoke', JSON.stringify({ serial: 'abcdef' }), auth)).status).toBe(404);
      expect((await post('/admin/revoke', 'x'.repeat(2000), auth)).status).toBe(413);
    });

    it('revokes from the certificates page only with the admin session and the form token', async () => {
      const e = await enrol('merchant');
      const v = await verifyCertRes(e.res.text, e.certReq.content, e.ctx);
      if (v.status !== 'issued') throw new Error('not issued');
      const serial = v.certificate.serialNumber;

      const anonymous = await (await get('/certificates')).text();
      expect(anonymous).toContain(serial);
      expect(anonymous).not.toContain('name="csrf"');
      expect(anonymous).not.toContain('card ending');

      expect((await get('/certificates?token=wrong')).status).toBe(403);
      const login = await get(`/certificates?token=${encodeURIComponent(TOKEN)}`);
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/certificates');
      const setCookie = login.headers.get('set-cookie')!;
      expect(setCookie).toMatch(/HttpOnly/);
      expect(setCookie).toMatch(/SameSite=Strict/);
      expect(setCookie).not.toContain(TOKEN);
      const cookie = setCookie.split(';')[0]!;

      const adminPage = await (await get('/certificates', { cookie })).text();
      const csrf = /name="csrf" value="([0-9a-f]+)"/.exec(adminPage)?.[1];
      expect(csrf).toBeDefined();
      expect(adminPage).toContain('card ending');

      const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
      const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
      const noSession = await post('/certificates/revoke', form({ serial, csrf: csrf! }), formHeaders);
      expect(noSession.status).toBe(403);
      const noCsrf = await post('/certificates/revoke', form({ serial, csrf: 'x' }), {
        ...formHeaders,
        cookie,
      });
      expect(noCsrf.status).toBe(403);
      const crossOrigin = await post('/certificates/revoke', form({ serial, csrf: csrf! }), {
        ...formHeaders,
        cookie,
        origin: 'http://127.0.0.1:1',
      });
      expect(crossOrigin.status).toBe(403);
      const done = await post('/certificates/revoke', form({ serial, csrf: csrf! }), {
        ...formHeaders,
        cookie,
        origin: base,
      });
      expect(done.status).toBe(303);
      const after = await (await get(`/certificates?revoked=${serial}`, { cookie })).text();
      expect(after).toContain('is revoked');
      const mcaCrl = parseCrl(new Uint8Array(await (await get('/crl/mca.crl')).arrayBuffer()));
      expect(mcaCrl.revoked.has(serial)).toBe(true);
      // The demo merchant certificate from pki init is listed and revocable too.
      expect(anonymous).toContain(world.merchant.certificate.serialNumber);
    });

    it('publishes a CRL per CA and nothing else', async () => {
      for (const name of ['cca', 'mca', 'pca', 'brand']) {
        const res = await get(`/crl/${name}.crl`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toBe('application/pkix-crl');
        const crl = parseCrl(new Uint8Array(await res.arrayBuffer()));
        const issuer = name === 'brand' ? 'brand-ca' : name;
        expect(crl.issuerDn).toBe(world.party(issuer).certificate.subjectDn);
      }
      expect((await get('/crl/root.crl')).status).toBe(404);
      expect((await get('/crl/__proto__')).status).toBe(404);
    });
  });

  describe('pages', () => {
    it('the registration page declares a parseable registration initiation and has no card field', async () => {
      const res = await get('/register');
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      const page = await res.text();
      const declared = scriptOf(page, REGISTRATION_INITIATION_TYPE);
      expect(declared).toBeDefined();
      const init = parseRegistrationInitiation(declared!, base);
      expect(init).toMatchObject({
        brand: 'SETPay',
        endpointUrl: `${base}/set/cca`,
        issuerName: 'SETPay Sandbox Bank',
      });
      expect(page).not.toMatch(/<input/i);
      expect(page).toContain('lang="en"');
    });

    it('the test-cards page lists every card, grouped in fours, escaped, with what it does', async () => {
      const page = await (await get('/test-cards')).text();
      for (const card of TEST_CARDS) {
        expect(isLuhnValid(card.pan)).toBe(true);
        expect(page).toContain(
          card.pan
            .match(/.{4}/g)!
            .map((g) => `<span>${g}</span>`)
            .join(''),
        );
      }
      for (const text of [
        'Approved',
        'do not honour',
        'insufficient funds',
        'expired card',
        'reported stolen',
        'timeout',
      ]) {
        expect(page).toContain(text);
      }
      expect(page).toContain('&lt;b&gt;Times out&lt;/b&gt; &amp; declines');
      expect(page).not.toContain('<b>Times out</b>');
      expect(page).toMatch(/any date in the future/);
    });

    it('answers in the reader’s language: Accept-Language, then the switcher’s cookie; values stay escaped', async () => {
      const de = await get('/test-cards', { 'accept-language': 'de-CH, fr;q=0.8' });
      const page = await de.text();
      expect(de.headers.get('content-language')).toBe('de');
      expect(de.headers.get('vary')).toMatch(/Accept-Language/);
      expect(page).toContain('<html lang="de">');
      expect(page).toContain(CA_TEXT.de.testCardsCaption);
      expect(page).toContain(CA_TEXT.de.cardInsufficientFunds);
      expect(page).toContain('&lt;b&gt;Times out&lt;/b&gt; &amp; declines');
      expect(page).not.toContain(CA_TEXT.en.testCardsCaption);
      // The switcher: ?lang=es sets the cookie and comes back without the parameter.
      const switched = await get('/test-cards?lang=es');
      expect(switched.status).toBe(303);
      expect(switched.headers.get('location')).toBe('/test-cards');
      const cookie = switched.headers.get('set-cookie')!.split(';')[0]!;
      expect(cookie).toBe('set_lang=es');
      const es = await (await get('/', { cookie, 'accept-language': 'de' })).text();
      expect(es).toContain('<html lang="es">');
      expect(es).toContain(CA_TEXT.es.homeDevelopers);
      // A refusal in French.
      const missing = await get('/nope', { 'accept-language': 'fr' });
      expect(missing.status).toBe(404);
      expect(await missing.text()).toContain(CA_TEXT.fr.notFound);
    });

    it('RegFormReq in German gets the issuer’s form in German, and its CertReq answers it', async () => {
      const started = await startRegistration(PAN, 'de-DE');
      expect(started.regReq.content.language).toBe('de-DE');
      expect(started.form.content.regForm).toEqual(DEFAULT_CARDHOLDER_FORM.de);
      const built = await cardholderCertReq(started);
      const res = await post('/set/cca', built.wire);
      expect(res.status, res.text).toBe(200);
      await verifyCertRes(res.text, built.certReq.content, started.wallet);
      // A language the CCA does not have: English.
      const other = await startRegistration(PAN, 'pt-BR');
      expect(other.form.content.regForm).toEqual(DEFAULT_CARDHOLDER_FORM.en);
    });

    it('home, root certificate, not found', async () => {
      const home = await (await get('/')).text();
      for (const link of ['/register', '/test-cards', '/certificates', '/bci'])
        expect(home).toContain(`href="${link}"`);
      const pem = await (await get('/pki/root.pem')).text();
      expect(pem).toContain('BEGIN CERTIFICATE');
      const missing = await get('/nope');
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^text\/html/);
    });
  });

  it('applying the migrations again changes nothing', async () => {
    expect(await migrate(db, CA_MIGRATIONS)).toEqual([]);
  });
});
