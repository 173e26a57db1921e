// Certificate inquiry (CertInqReq → CertInqRes) and cardholder renewal at the issuer site's CCA,
// over real HTTP with real keys (PGlite): a registration the issuer reviews is answered pending
// and finishes at the next inquiry; a CertRes lost in transit is had again, the same certificate;
// nobody but the requester may ask. A renewal is co-signed by the card's current certificate,
// keeps the card's unique cardholder ID, and is refused when signed by another key, for a revoked
// or already renewed certificate, or when it names another card.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerSite, type IssuerSite } from '../../src/ca/index.ts';
import {
  b64u,
  buildCardCInitReq,
  buildCertInqReq,
  buildCertReq,
  buildRegFormReq,
  type CertReqData,
  encodeWire,
  generateKeyPair,
  type ParsedCertificate,
  randomNonce,
  readError,
  TrustStore,
  type VerifiedCertRes,
  verifyCardCInitRes,
  verifyCertInqRes,
  verifyCertRes,
  verifyRegFormRes,
} from '../../src/protocol/index.ts';
import { backends } from '../support/databases.ts';
import { makeWorld } from '../support/world.ts';
import { worldCas } from '../support/world-issuer.ts';

const world = makeWorld();
const root = world.root;
const PAN = '4111111111111111';
const PENDING_PAN = '4000000000003063';
const EXPIRY = '203012';
const ANSWERS = { fullName: 'Ada Lovelace', postcode: 'N1 9GU' };
const backend = backends.find((b) => b.name === 'pglite')!;

let site: IssuerSite;
let server: ServerType;
let endpoint: string;
let drop: () => Promise<void>;

beforeAll(async () => {
  const opened = await backend.open();
  drop = opened.drop;
  site = await createIssuerSite({
    db: opened.db,
    ...worldCas(world),
    testCards: [{ pan: PAN, behaviour: 'approve', label: 'Approves' }],
    adminToken: b64u(randomNonce()),
    issuerName: 'SETPay Sandbox Bank',
    log: () => {},
  });
  server = serve({ fetch: site.app.fetch, port: 0, hostname: '127.0.0.1' });
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/set/cca`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await drop?.();
});

const ctx = () => ({ trust: new TrustStore([root]), clock: { now: new Date() } });

async function post(body: string) {
  const res = await fetch(endpoint, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json' },
  });
  return { status: res.status, text: await res.text() };
}

async function errorCode(res: { status: number; text: string }) {
  return (await readError(res.text, ctx())).content.errorCode;
}

interface Card {
  pan: string;
  privateKey: Uint8Array;
  certificate: ParsedCertificate;
  cardSecret: Uint8Array;
  panSecret: Uint8Array;
}

/** CardCInitReq → RegFormReq (first registration or renewal form) → a CertReq ready to send. */
async function prepare(
  pan: string,
  renewal?: { card: Card; signWith?: Uint8Array; panSecret?: Uint8Array },
): Promise<{ certReq: Awaited<ReturnType<typeof buildCertReq>>; privateKey: Uint8Array }> {
  const initReq = buildCardCInitReq({ brandId: 'SETPay', thumbs: [] });
  const init = await verifyCardCInitRes((await post(encodeWire(initReq.wire))).text, initReq.content, ctx());
  const regReq = await buildRegFormReq({ init, pan, renewal: renewal !== undefined });
  const form = await verifyRegFormRes((await post(encodeWire(regReq.wire))).text, regReq.content, ctx());
  const keys = generateKeyPair();
  const certReq = await buildCertReq({
    answering: form.content,
    caKeyExchange: init.caKeyExchange.chain[0]!,
    privateKey: keys.privateKey,
    request: {
      requestType: 'cardholder',
      card: { pan, expiry: EXPIRY },
      ...(renewal
        ? {
            cardSecret: renewal.card.cardSecret,
            renewal: {
              certificate: renewal.card.certificate,
              privateKey: renewal.signWith ?? renewal.card.privateKey,
              panSecret: renewal.panSecret ?? renewal.card.panSecret,
            },
          }
        : {}),
    },
    answers: renewal ? {} : ANSWERS,
  });
  return { certReq, privateKey: keys.privateKey };
}

function cardOf(
  res: VerifiedCertRes,
  pan: string,
  prepared: { certReq: { cardSecret?: Uint8Array }; privateKey: Uint8Array },
): Card {
  if (res.status !== 'issued') throw new Error(`not issued: ${res.status} ${res.reason ?? ''}`);
  return {
    pan,
    privateKey: prepared.privateKey,
    certificate: res.certificate,
    cardSecret: prepared.certReq.cardSecret!,
    panSecret: res.panSecret!,
  };
}

async function register(pan = PAN): Promise<Card> {
  const prepared = await prepare(pan);
  const res = await verifyCertRes(
    (await post(encodeWire(prepared.certReq.wire))).text,
    prepared.certReq.content,
    ctx(),
  );
  return cardOf(res, pan, prepared);
}

async function inquire(content: CertReqData, privateKey: Uint8Array) {
  const inq = await buildCertInqReq({ certReq: content, privateKey });
  const res = await post(encodeWire(inq.wire));
  return { inq, res };
}

describe('CertInqReq → CertInqRes', () => {
  it('a registration the issuer reviews is pending, then issued at the next inquiry', async () => {
    const prepared = await prepare(PENDING_PAN);
    const first = await verifyCertRes(
      (await post(encodeWire(prepared.certReq.wire))).text,
      prepared.certReq.content,
      ctx(),
    );
    expect(first.status).toBe('pending');
    expect(first.status === 'pending' && first.reason).toMatch(/reviewing/);
    // The CertReq cannot be sent again as a new request: the registration waits for CertInqReq.
    const again = await prepare(PENDING_PAN);
    expect(again.certReq.content.lidCA).not.toBe(prepared.certReq.content.lidCA);

    const { inq, res } = await inquire(prepared.certReq.content, prepared.privateKey);
    expect(res.status, res.text).toBe(200);
    const issued = await verifyCertInqRes(res.text, inq.content, prepared.certReq.content, ctx());
    const card = cardOf(issued, PENDING_PAN, prepared);
    expect(card.certificate.certificateType).toBe('cardholder');
    // Asked again: the same certificate, not a second one.
    const second = await inquire(prepared.certReq.content, prepared.privateKey);
    const same = await verifyCertInqRes(second.res.text, second.inq.content, prepared.certReq.content, ctx());
    expect(same.status === 'issued' && b64u(same.certificate.thumbprint)).toBe(
      b64u(card.certificate.thumbprint),
    );
  });

  it('a CertRes lost in transit is fetched again: the same certificate and PANSecret', async () => {
    const prepared = await prepare(PAN);
    const lost = await post(encodeWire(prepared.certReq.wire));
    expect(lost.status).toBe(200);
    // The answer never arrived; the wallet asks instead of registering again.
    const { inq, res } = await inquire(prepared.certReq.content, prepared.privateKey);
    const fetched = cardOf(
      await verifyCertInqRes(res.text, inq.content, prepared.certReq.content, ctx()),
      PAN,
      prepared,
    );
    const original = cardOf(await verifyCertRes(lost.text, prepared.certReq.content, ctx()), PAN, prepared);
    expect(b64u(fetched.certificate.thumbprint)).toBe(b64u(original.certificate.thumbprint));
    expect(b64u(fetched.panSecret)).toBe(b64u(original.panSecret));
  });

  it('refuses someone else’s request, an unknown LID-CA and a tampered inquiry', async () => {
    const prepared = await prepare(PAN);
    await post(encodeWire(prepared.certReq.wire));
    // Another key names this registration: refused, and nothing about it is told.
    const mallory = await inquire(prepared.certReq.content, generateKeyPair().privateKey);
    expect(mallory.res.status).toBe(400);
    expect(await errorCode(mallory.res)).toBe('signatureFailure');
    const unknown = await inquire(
      { ...prepared.certReq.content, lidCA: 'no-such-registration' },
      prepared.privateKey,
    );
    expect(await errorCode(unknown.res)).toBe('unknownRRPID');
    // Another LID-EE under the right LID-CA, signed by the right key: refused.
    const otherEe = await inquire(
      { ...prepared.certReq.content, lidEE: 'someone-else' },
      prepared.privateKey,
    );
    expect(await errorCode(otherEe.res)).toBe('badMessageHeader');
    // The answer to an inquiry is not accepted as the answer to another one.
    const a = await inquire(prepared.certReq.content, prepared.privateKey);
    const b = await buildCertInqReq({ certReq: prepared.certReq.content, privateKey: prepared.privateKey });
    await expect(
      verifyCertInqRes(a.res.text, b.content, prepared.certReq.content, ctx()),
    ).rejects.toMatchObject({
      code: 'unknownRRPID',
    });
  });
});

describe('cardholder renewal (CertReq co-signed by the current certificate)', () => {
  it('accepted with the old key: a new key, the same unique cardholder ID, and the old one cannot renew again', async () => {
    const card = await register();
    const prepared = await prepare(PAN, { card });
    const res = await verifyCertRes(
      (await post(encodeWire(prepared.certReq.wire))).text,
      prepared.certReq.content,
      ctx(),
    );
    const renewed = cardOf(res, PAN, prepared);
    expect(b64u(renewed.certificate.uniqueCardholderId!)).toBe(b64u(card.certificate.uniqueCardholderId!));
    expect(b64u(renewed.panSecret)).toBe(b64u(card.panSecret));
    expect(b64u(renewed.certificate.publicKey)).not.toBe(b64u(card.certificate.publicKey));
    // Only the lineage's newest certificate renews.
    const stale = await prepare(PAN, { card });
    const refused = await verifyCertRes(
      (await post(encodeWire(stale.certReq.wire))).text,
      stale.certReq.content,
      ctx(),
    );
    expect(refused.status === 'rejected' && refused.reason).toMatch(/renewed already/);
    // The renewed certificate renews in its turn.
    const next = await prepare(PAN, { card: renewed });
    const ok = await verifyCertRes(
      (await post(encodeWire(next.certReq.wire))).text,
      next.certReq.content,
      ctx(),
    );
    expect(ok.status).toBe('issued');
  });

  it('refused when co-signed by another key than the certificate’s', async () => {
    const card = await register();
    const prepared = await prepare(PAN, { card, signWith: generateKeyPair().privateKey });
    const res = await post(encodeWire(prepared.certReq.wire));
    expect(res.status).toBe(400);
    expect(await errorCode(res)).toBe('signatureFailure');
  });

  it('refused for a revoked certificate', async () => {
    const card = await register();
    expect((await site.revoke(card.certificate.serialNumber)).status).toBe('revoked');
    const prepared = await prepare(PAN, { card });
    const res = await verifyCertRes(
      (await post(encodeWire(prepared.certReq.wire))).text,
      prepared.certReq.content,
      ctx(),
    );
    expect(res.status === 'rejected' && res.reason).toMatch(/revoked/);
  });

  it('refused when the PANSecret does not name the certificate’s card, or the renewal form gets no renewal', async () => {
    const card = await register();
    const wrongSecret = await prepare(PAN, { card, panSecret: randomNonce() });
    const res = await post(encodeWire(wrongSecret.certReq.wire));
    expect(await errorCode(res)).toBe('invalidCertificate');
    // Another card number under this certificate: the unique ID does not match either.
    const otherCard = await prepare('4242424242424242', { card });
    expect(await errorCode(await post(encodeWire(otherCard.certReq.wire)))).toBe('invalidCertificate');
    // The (empty) renewal form answered by a first registration is refused.
    const initReq = buildCardCInitReq({ brandId: 'SETPay', thumbs: [] });
    const init = await verifyCardCInitRes(
      (await post(encodeWire(initReq.wire))).text,
      initReq.content,
      ctx(),
    );
    const regReq = await buildRegFormReq({ init, pan: PAN, renewal: true });
    const form = await verifyRegFormRes((await post(encodeWire(regReq.wire))).text, regReq.content, ctx());
    expect(form.content.regForm?.fields).toEqual([]);
    const plain = await buildCertReq({
      answering: form.content,
      caKeyExchange: init.caKeyExchange.chain[0]!,
      privateKey: generateKeyPair().privateKey,
      request: { requestType: 'cardholder', card: { pan: PAN, expiry: EXPIRY } },
    });
    const refused = await verifyCertRes((await post(encodeWire(plain.wire))).text, plain.content, ctx());
    expect(refused.status === 'rejected' && refused.reason).toMatch(/renewal only/);
  });
});
