// Merchant identity at the MCA (issue 8 §1; SET-PROFILE §6 "Merchant identity"), over real HTTP
// with real keys, on every storage backend: the MCA assigns MerchantIDs, never certifies an ID or
// a name another key lineage holds, lets only the current certificate's key renew (keeping the
// ID), and racing enrolments never share an ID or a name. Every refusal leaves the records as they
// were.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerSite, type IssuerSite, MERCHANT_ID_PATTERN } from '../../src/ca/index.ts';
import {
  b64u,
  buildCertReq,
  buildMeAqCInitReq,
  type CertReqData,
  encodeWire,
  generateKeyPair,
  headerFor,
  httpStatusFor,
  jsonBytes,
  type MerchantRequestData,
  makeWire,
  type ParsedCertificate,
  randomNonce,
  readError,
  sealTo,
  signWithKey,
  TrustStore,
  type VerifiedCertRes,
  verifyCertRes,
  verifyMeAqCInitRes,
} from '../../src/protocol/index.ts';
import { type Backend, backends } from '../support/databases.ts';
import { makeWorld } from '../support/world.ts';
import { worldCas } from '../support/world-issuer.ts';

const world = makeWorld();
const root = world.root;
const TOKEN = b64u(randomNonce());
const ORIGIN = 'http://127.0.0.1:8702';
const clock = () => ({ now: new Date() });

/** A merchant's current keys and certificates, as it keeps them. */
interface Held {
  certificate: ParsedCertificate;
  privateKey: Uint8Array;
  merchantId: string;
}

function shop(name: string, extra: Partial<MerchantRequestData> = {}): MerchantRequestData {
  return { name, city: 'Leeds', country: 'GB', categoryCode: '5732', ...extra };
}

describe.each(backends)('merchant identity at the MCA on $name', (backend: Backend) => {
  let site: IssuerSite;
  let server: ServerType;
  let base: string;
  let drop: () => Promise<void>;
  let db: Awaited<ReturnType<Backend['open']>>['db'];

  beforeAll(async () => {
    const opened = await backend.open();
    db = opened.db;
    drop = opened.drop;
    site = await createIssuerSite({
      db,
      ...worldCas(world),
      testCards: [],
      adminToken: TOKEN,
      issuerName: 'SETPay Sandbox Bank',
      alsoIssued: [world.merchant.certificate, world.merchantKx.certificate],
      log: () => {},
    });
    server = serve({ fetch: site.app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await drop?.();
  });

  async function post(body: string) {
    const res = await fetch(`${base}/set/mca`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    return { status: res.status, text: await res.text() };
  }

  /** Me-AqCInitReq → Me-AqCInitRes over HTTP: what a CertReq answers. */
  async function initiate() {
    const ctx = { trust: new TrustStore([root]), clock: clock() };
    const initReq = buildMeAqCInitReq({ requestType: 'merchant', brandId: 'SETPay' });
    const res = await post(encodeWire(initReq.wire));
    expect(res.status, res.text).toBe(200);
    return { ctx, init: await verifyMeAqCInitRes(res.text, initReq.content, ctx) };
  }

  /** One whole enrolment (or renewal) over HTTP; returns the verified CertRes and the new keys. */
  async function enrol(
    merchantData: MerchantRequestData,
    opts: { origins?: string[]; renewing?: Held; signatureKey?: Uint8Array } = {},
  ) {
    const { ctx, init } = await initiate();
    const sig = opts.signatureKey ? { privateKey: opts.signatureKey } : generateKeyPair();
    const certReq = await buildCertReq({
      answering: init.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: sig.privateKey,
      request: {
        requestType: 'merchant',
        kxPublicKey: generateKeyPair().publicKey,
        merchantData,
        origins: opts.origins ?? [ORIGIN],
        ...(opts.renewing ? { renewal: opts.renewing } : {}),
      },
    });
    const wire = encodeWire(certReq.wire);
    const res = await post(wire);
    expect(res.status, res.text).toBe(200);
    const verified = await verifyCertRes(res.text, certReq.content, ctx);
    return { verified, privateKey: sig.privateKey, wire, res };
  }

  function held(e: { verified: VerifiedCertRes; privateKey: Uint8Array }): Held {
    if (e.verified.status !== 'issued') throw new Error(`not issued: ${e.verified.reason}`);
    return {
      certificate: e.verified.certificate,
      privateKey: e.privateKey,
      merchantId: e.verified.certificate.merchantData!.merchantId,
    };
  }

  async function counts() {
    const [c] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM ca_certificates');
    const [m] = await db.query<{ n: number }>('SELECT count(*)::integer AS n FROM ca_merchant_enrolments');
    return { certificates: Number(c!.n), enrolments: Number(m!.n) };
  }

  function expectRejected(v: VerifiedCertRes, reason: RegExp) {
    expect(v.status).toBe('rejected');
    expect(v.status === 'rejected' ? v.reason : '').toMatch(reason);
  }

  it('assigns a fresh MerchantID, records the enrolment and links both certificates to it', async () => {
    const a = held(await enrol(shop('Assigned Books')));
    const b = held(await enrol(shop('Assigned Tools')));
    expect(a.merchantId).toMatch(MERCHANT_ID_PATTERN);
    expect(b.merchantId).toMatch(MERCHANT_ID_PATTERN);
    expect(a.merchantId).not.toBe(b.merchantId);
    const [row] = await db.query<{ name: string; current_thumbprint: Uint8Array; renewals: number }>(
      'SELECT name, current_thumbprint, renewals FROM ca_merchant_enrolments WHERE merchant_id = $1',
      [a.merchantId],
    );
    expect(row?.name).toBe('Assigned Books');
    expect(new Uint8Array(row!.current_thumbprint)).toEqual(a.certificate.thumbprint);
    const linked = await db.query<{ key_role: string }>(
      'SELECT key_role FROM ca_certificates WHERE merchant_id = $1 ORDER BY key_role',
      [a.merchantId],
    );
    expect(linked.map((r) => r.key_role)).toEqual(['key-exchange', 'signature']);
  });

  it('refuses a request that names a MerchantID, its own choice or another shop’s, and issues nothing', async () => {
    const victim = held(await enrol(shop('Victim Bakery')));
    const before = await counts();
    const copied = await enrol(shop('Impostor Bakery', { merchantId: victim.merchantId }), {
      origins: ['https://impostor.example'],
    });
    expectRejected(copied.verified, /assigns MerchantIDs itself/);
    const chosen = await enrol(shop('Chooser Bakery', { merchantId: 'DEMO-0001' }));
    expectRejected(chosen.verified, /assigns MerchantIDs itself/);
    expect(await counts()).toEqual(before);
  });

  it('refuses another key the name of an enrolled shop, however it is spelt', async () => {
    await enrol(shop('Corner Café & Co'));
    const before = await counts();
    for (const name of [
      'Corner Café & Co',
      'corner café & co',
      '  CORNER   CAFÉ-CO ',
      'Ｃｏｒｎｅｒ Café & Co',
    ]) {
      const again = await enrol(shop(name), { origins: ['https://other.example'] });
      expectRejected(again.verified, /Another merchant is enrolled under the name/);
    }
    expect(await counts()).toEqual(before);
  });

  it('a renewal signed with the current key keeps the MerchantID and binds the new origin', async () => {
    const first = held(await enrol(shop('Renewing Records')));
    const renewed = await enrol(shop('Renewing Records'), {
      origins: ['http://127.0.0.1:9999'],
      renewing: first,
    });
    const second = held(renewed);
    expect(second.merchantId).toBe(first.merchantId);
    expect(second.certificate.origins).toEqual(['http://127.0.0.1:9999']);
    expect(
      renewed.verified.status === 'issued' && renewed.verified.kxCertificate?.merchantData?.merchantId,
    ).toBe(first.merchantId);
    // Renewing with the same signature key is a renewal too.
    const third = held(
      await enrol(shop('Renewing Records'), { renewing: second, signatureKey: second.privateKey }),
    );
    expect(third.merchantId).toBe(first.merchantId);
    const [row] = await db.query<{ current_thumbprint: Uint8Array; renewals: number }>(
      'SELECT current_thumbprint, renewals FROM ca_merchant_enrolments WHERE merchant_id = $1',
      [first.merchantId],
    );
    expect(new Uint8Array(row!.current_thumbprint)).toEqual(third.certificate.thumbprint);
    expect(Number(row!.renewals)).toBe(2);
    const lineage = await db.query('SELECT 1 FROM ca_certificates WHERE merchant_id = $1', [
      first.merchantId,
    ]);
    expect(lineage).toHaveLength(6);
  });

  it('refuses renewals that do not come from the current certificate of that very merchant', async () => {
    const owner = held(await enrol(shop('Lineage Lamps')));
    const current = held(await enrol(shop('Lineage Lamps'), { renewing: owner }));
    const before = await counts();

    // The superseded certificate, with its genuine key.
    expectRejected(
      (await enrol(shop('Lineage Lamps'), { renewing: owner })).verified,
      /no longer .* current/,
    );
    // The current certificate renewing under another name, or claiming another ID.
    expectRejected(
      (await enrol(shop('Other Lamps'), { renewing: current })).verified,
      /keeps the merchant's name/,
    );
    const other = held(await enrol(shop('Someone Else')));
    const after = await counts();
    expectRejected(
      (await enrol(shop('Lineage Lamps', { merchantId: other.merchantId }), { renewing: current })).verified,
      /keeps its MerchantID/,
    );
    // A certificate this MCA issued before it assigned IDs (the pki-init demo merchant's).
    const legacy: Held = { ...world.merchant, merchantId: 'DEMO-0001' };
    expectRejected((await enrol(shop('SET Demo Store'), { renewing: legacy })).verified, /did not enrol/);
    // A revoked current certificate.
    const revokedOwner = held(await enrol(shop('Revoked Rugs')));
    await site.revoke(revokedOwner.certificate.serialNumber);
    const beforeRevoked = await counts();
    expectRejected((await enrol(shop('Revoked Rugs'), { renewing: revokedOwner })).verified, /revoked/);
    expect(await counts()).toEqual(beforeRevoked);
    expect(after.enrolments).toBe(before.enrolments + 1);
  });

  it('an impostor holding only the certificate gets a signed signatureFailure, not a renewal', async () => {
    const victim = held(await enrol(shop('Stolen Cert Stationers')));
    const before = await counts();
    // The victim's certificate with the attacker's key as the "current" key.
    const forged = { ...victim, privateKey: generateKeyPair().privateKey };
    const { init } = await initiate();
    const attempt = await buildCertReq({
      answering: init.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: generateKeyPair().privateKey,
      request: {
        requestType: 'merchant',
        kxPublicKey: generateKeyPair().publicKey,
        merchantData: shop('Stolen Cert Stationers'),
        origins: ['https://impostor.example'],
        renewal: forged,
      },
    });
    const res = await post(encodeWire(attempt.wire));
    expect(res.status).toBe(httpStatusFor('signatureFailure'));
    expect(
      (await readError(res.text, { trust: new TrustStore([root]), clock: clock() })).content.errorCode,
    ).toBe('signatureFailure');

    // The same request with the renewal signature left out altogether.
    const { init: init2 } = await initiate();
    const key = generateKeyPair();
    const content: CertReqData = {
      type: 'CertReqData',
      date: new Date().toISOString(),
      rrpid: b64u(randomNonce()),
      lidEE: init2.content.lidEE,
      lidCA: init2.content.lidCA,
      challEE3: b64u(randomNonce()),
      challCA: init2.content.challCA,
      publicKey: b64u(key.publicKey),
      answers: {},
      caBackKey: b64u(randomNonce().slice(0, 16)),
      requestType: 'merchant',
      kxPublicKey: b64u(generateKeyPair().publicKey),
      merchantData: shop('Stolen Cert Stationers'),
      origins: ['https://impostor.example'],
      renewal: { certificate: b64u(victim.certificate.der) },
    };
    const pop = await signWithKey(content, key.privateKey);
    const body = { sealed: await sealTo(init2.caKeyExchange.chain[0]!, 'CertReq', jsonBytes(pop)) };
    const unsigned = await post(encodeWire(makeWire('CertReq', headerFor(content), body)));
    expect(unsigned.status).toBe(httpStatusFor('signatureFailure'));
    expect(await counts()).toEqual(before);
  });

  it('a retried CertReq gets its first answer and claims no second MerchantID', async () => {
    const first = await enrol(shop('Retry Radios'));
    const before = await counts();
    const again = await post(first.wire);
    expect(again.text).toBe(first.res.text);
    expect(await counts()).toEqual(before);
  });

  it('racing enrolments never share a MerchantID, nor a name, nor renew one lineage twice', async () => {
    const distinct = await Promise.all(Array.from({ length: 10 }, (_, i) => enrol(shop(`Race Shop ${i}`))));
    const ids = distinct.map((e) => held(e).merchantId);
    expect(new Set(ids).size).toBe(ids.length);

    const before = await counts();
    const sameName = await Promise.all(Array.from({ length: 6 }, () => enrol(shop('Contested Name'))));
    const issued = sameName.filter((e) => e.verified.status === 'issued');
    expect(issued).toHaveLength(1);
    for (const e of sameName.filter((x) => x.verified.status !== 'issued')) {
      expectRejected(e.verified, /Another merchant is enrolled under the name/);
    }
    expect(await counts()).toEqual({
      certificates: before.certificates + 2,
      enrolments: before.enrolments + 1,
    });

    const owner = held(issued[0]!);
    const renewals = await Promise.all(
      Array.from({ length: 4 }, () => enrol(shop('Contested Name'), { renewing: owner })),
    );
    const won = renewals.filter((e) => e.verified.status === 'issued');
    expect(won).toHaveLength(1);
    for (const e of renewals.filter((x) => x.verified.status !== 'issued')) {
      expectRejected(e.verified, /no longer .* current/);
    }
    const [row] = await db.query<{ current_thumbprint: Uint8Array; renewals: number }>(
      'SELECT current_thumbprint, renewals FROM ca_merchant_enrolments WHERE merchant_id = $1',
      [owner.merchantId],
    );
    expect(new Uint8Array(row!.current_thumbprint)).toEqual(held(won[0]!).certificate.thumbprint);
    expect(Number(row!.renewals)).toBe(1);
  });
});
