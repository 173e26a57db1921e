// The per-merchant API (TransListReq → TransListRes) over real HTTP with real keys, on every
// storage backend: the SDK's listTransactions / getTransaction / allTransactions against the real
// gateway; keyset pages that neither repeat nor skip a row while other authorizations are being
// inserted; each filter; a merchant sees only its own transactions (another merchant of the same
// MCA, and a look-alike certified by another MCA with the same MerchantID, see nothing of it);
// unsigned, tampered, expired, oversized and misdirected requests, forged and foreign cursors are
// refused with a SET code and change nothing; the operator's /api/transactions stays operator-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway, Listening } from '../../src/gateway/index.ts';
import type { NewAuthorization } from '../../src/gateway/ledger.ts';
import { type GatewayClient, type GatewayTransaction, SetWalletError } from '../../src/merchant/index.ts';
import {
  type Amount,
  b64u,
  buildFollowUp,
  buildTransListReq,
  buildTransListRes,
  carriedCerts,
  encodeWire,
  headerFor,
  jsonBytes,
  MAX_CURSOR_LENGTH,
  MAX_TRANS_LIST_LIMIT,
  MAX_WIRE_BYTES,
  makeWire,
  plainBody,
  randomNonce,
  readError,
  type SignedSender,
  sha256,
  signContent,
  verifyAuthRes,
  verifyTransListRes,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { impostorMerchant, otherAndRevokedMerchants, sameMcaMerchant } from '../support/other-merchants.ts';
import { tamperedSig } from '../support/tamper.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';
import { startWorldGateway, type WorldGateway } from '../support/world-gateway.ts';

const world = makeWorld();
const approvedCard = issueCardholder(world, '4111111111111111', '202912');
const declinedCard = issueCardholder(world, '4000000000000002', '202912');
const TOKEN = 'the-operator-token-printed-at-start';
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const ctx = () => ({ trust: world.trust(), clock: { now: new Date() } });
const DAY = 86_400_000;

/** The identity the gateway binds a merchant to (merchantIdentityOf): MerchantID + SHA-256 of the MCA key. */
const identityOf = (m: SignedSender) => ({
  merchantId: m.certificate.merchantData!.merchantId,
  issuer: b64u(sha256(m.chain[1]!.publicKey)),
});

const { other, revoked, crls } = await otherAndRevokedMerchants(world);
const expired = sameMcaMerchant(world, 'SETPAY-EXPIRED-0004', { notAfter: new Date(Date.now() - 60_000) });
const unseen = sameMcaMerchant(world, 'SETPAY-UNSEEN-0005');
/** The genuine merchant's MerchantID, name and subject, certified by a rogue MCA of the same brand and root. */
const impostor = impostorMerchant(world, true);

describe.each(backends)('the per-merchant API on $name', (backend) => {
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let db: Database;
  let gateway: Gateway;
  let server: Listening;
  let gw: WorldGateway;
  let client: GatewayClient;
  /** XIDs of the genuine merchant's authorizations made over HTTP, by kind. */
  const made: { approved: string[]; captured: string[]; declined: string[]; order7: string[] } = {
    approved: [],
    captured: [],
    declined: [],
    order7: [],
  };

  const post = async (body: string | Uint8Array, path = '/set') => {
    const res = await fetch(`${server.url}${path}`, { method: 'POST', body: body as BodyInit });
    return { status: res.status, text: await res.text() };
  };
  /** Everything the ledger holds, to show a refusal changed nothing. */
  const snapshot = async () =>
    JSON.stringify([
      await db.query('SELECT * FROM gateway_authorizations ORDER BY xid'),
      await db.query('SELECT * FROM gateway_payment_events ORDER BY xid, rrpid'),
    ]);

  /** An authorization of `merchant` written to the ledger as the AuthReq handler writes it. */
  const recordFor = (merchant: SignedSender, at: Date, extra: Partial<NewAuthorization> = {}) =>
    gateway.ledger.recordAuthorization({
      xid: b64u(randomNonce()),
      rrpid: b64u(randomNonce()),
      requestDigest: b64u(randomNonce()),
      lidM: `order-${at.getTime()}`,
      ...identityOf(merchant),
      merchantIssuer: identityOf(merchant).issuer,
      merchantName: merchant.certificate.subject.commonName,
      merchantKxChain: [],
      brandId: 'SETPay',
      panLast4: '1111',
      dualSigned: true,
      amount: EUR(500),
      result: { status: 'approved', authCode: 'ABC123' },
      captureNow: false,
      response: 'AuthRes',
      at,
      ...extra,
    });

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    gw = await startWorldGateway(world, db, { crls: () => [...crls], dashboard: { token: TOKEN } });
    ({ gateway, server } = gw);
    client = await gw.clientFor();

    // Real purchases by the genuine merchant: approved (order-7 twice: a declined card, then a good
    // one), one captured, one declined.
    const authorize = async (card: typeof approvedCard, lidM: string) => {
      const req = await merchantAuthReq(world, card, { amount: EUR(3000), lidM });
      const res = await post(req.wire);
      expect(res.status, res.text).toBe(200);
      return { req, authRes: (await verifyAuthRes(res.text, req.content, world.merchantKx, ctx())).content };
    };
    const d = await authorize(declinedCard, 'order-7');
    made.declined.push(d.req.xid);
    made.order7.push(d.req.xid);
    const a = await authorize(approvedCard, 'order-7');
    made.approved.push(a.req.xid);
    made.order7.push(a.req.xid);
    const c = await authorize(approvedCard, 'order-8');
    const cap = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: c.req.content.transIds,
      amount: EUR(3000),
      capToken: c.authRes.capToken!,
    });
    const capRes = await post(encodeWire(cap.wire));
    expect(capRes.status, capRes.text).toBe(200);
    made.captured.push(c.req.xid);
  });
  afterAll(async () => {
    await gw?.close();
    await opened?.drop();
  });

  it('lists the merchant’s own transactions through the SDK, newest first, and fetches one with its events', async () => {
    const page = await client.listTransactions({ limit: 50 });
    const xids = page.transactions.map((t) => t.xid);
    for (const x of [...made.approved, ...made.captured, ...made.declined]) expect(xids).toContain(x);
    const sorted = [...page.transactions].sort(byNewest);
    expect(xids).toEqual(sorted.map((t) => t.xid));

    const one = await client.getTransaction(made.captured[0]!);
    expect(one).toMatchObject({
      xid: made.captured[0],
      lidM: 'order-8',
      state: 'captured',
      result: 'approved',
      amount: EUR(3000),
      authorized: 3000,
      captured: 3000,
      refunded: 0,
      panLast4: '1111',
    });
    expect(one!.events).toEqual([
      expect.objectContaining({
        kind: 'capture',
        source: 'merchant',
        outcome: 'accepted',
        amount: EUR(3000),
      }),
    ]);
    expect(await client.getTransaction(b64u(randomNonce()))).toBeUndefined();
  });

  it('each filter: state, created from / until, order id (LID-M), currency', async () => {
    const base = Date.now() - 30 * DAY;
    const usd = await recordFor(world.merchant, new Date(base), {
      amount: { currency: 'USD', value: 700, exponent: 2 },
      lidM: 'order-usd',
    });
    expect(usd.inserted).toBe(true);
    await recordFor(world.merchant, new Date(base + DAY), { lidM: 'order-old' });

    const all = async (params: Parameters<GatewayClient['allTransactions']>[0]) => {
      const out: GatewayTransaction[] = [];
      for await (const t of client.allTransactions({ ...params, limit: 2 })) out.push(t);
      return out;
    };
    const declined = await all({ state: 'declined' });
    expect(declined.map((t) => t.xid)).toEqual(made.declined);
    expect((await all({ state: 'captured' })).map((t) => t.xid)).toEqual(made.captured);
    const order7 = await all({ orderId: 'order-7' });
    expect(order7.map((t) => t.xid).sort()).toEqual([...made.order7].sort());
    expect(order7.every((t) => t.lidM === 'order-7')).toBe(true);
    const dollars = await all({ currency: 'USD' });
    expect(dollars.map((t) => t.lidM)).toEqual(['order-usd']);
    const old = await all({ from: new Date(base), until: new Date(base + 2 * DAY) });
    expect(old.map((t) => t.lidM)).toEqual(['order-old', 'order-usd']);
    // `until` is exclusive, `from` inclusive.
    expect(
      (await all({ from: new Date(base + DAY), until: new Date(base + 2 * DAY) })).map((t) => t.lidM),
    ).toEqual(['order-old']);
    expect((await all({ from: new Date(base), until: new Date(base + DAY) })).map((t) => t.lidM)).toEqual([
      'order-usd',
    ]);
    const recent = await all({ from: new Date(Date.now() - DAY) });
    expect(recent.some((t) => t.lidM === 'order-old')).toBe(false);
    expect(recent.map((t) => t.xid)).toEqual(expect.arrayContaining(made.approved));
  });

  it('pages neither repeat nor skip a row while other authorizations are inserted (ties on createdAt too)', async () => {
    // 40 rows in a window of their own, with several sharing one millisecond: the XID breaks ties.
    const start = Date.now() - 20 * DAY;
    const at = (i: number) => new Date(start + Math.floor(i / 4) * 1000);
    for (let i = 0; i < 40; i++) expect((await recordFor(world.merchant, at(i))).inserted).toBe(true);
    const window = { from: new Date(start - DAY), until: new Date(start + DAY) };
    const before = new Set(
      (
        await db.query<{ xid: string }>(
          'SELECT xid FROM gateway_authorizations WHERE created_at >= $1 AND created_at < $2',
          [window.from.toISOString(), window.until.toISOString()],
        )
      ).map((r) => r.xid),
    );
    expect(before.size).toBe(40);

    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let inserted = 0;
    do {
      // Between pages, and while the page is being read: new rows at the top of the window, in the
      // middle of it, and another merchant's.
      const page = await Promise.all([
        client.listTransactions({ ...window, limit: 7, ...(cursor ? { cursor } : {}) }),
        recordFor(world.merchant, new Date(start + 500 + pages)),
        recordFor(world.merchant, new Date(start + DAY / 2 + pages)),
        recordFor(other, new Date(start + 1500 + pages)),
      ]).then(([p]) => p);
      inserted += 2;
      seen.push(...page.transactions.map((t) => t.xid));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(cursor).toBeUndefined();
    expect(new Set(seen).size).toBe(seen.length); // no duplicate
    for (const x of before) expect(seen).toContain(x); // no gap
    const mine = new Set(
      (
        await db.query<{ xid: string }>('SELECT xid FROM gateway_authorizations WHERE merchant_id = $1', [
          identityOf(world.merchant).merchantId,
        ])
      ).map((r) => r.xid),
    );
    expect(seen.every((x) => mine.has(x))).toBe(true); // only the merchant's own
    expect(inserted).toBeGreaterThan(0);
    // The order is the gateway's: newest first by (createdAt, XID), across pages.
    const rows = await Promise.all(seen.filter((x) => before.has(x)).map((x) => client.getTransaction(x)));
    const pairs = rows.map((t) => [t!.createdAt, t!.xid] as const);
    expect(pairs).toEqual([...pairs].sort((a, b) => (a[0] === b[0] ? cmp(b[1], a[1]) : cmp(b[0], a[0]))));
  });

  it('another merchant — of the same MCA, or a look-alike from another MCA with the same MerchantID — sees none of it', async () => {
    await recordFor(other, new Date());
    for (const stranger of [other, impostor]) {
      const c = await gw.clientFor(stranger);
      const all: GatewayTransaction[] = [];
      for await (const t of c.allTransactions({ limit: 50 })) all.push(t);
      const theirs = new Set(
        (
          await db.query<{ xid: string }>(
            'SELECT xid FROM gateway_authorizations WHERE merchant_id = $1 AND merchant_issuer = $2',
            [identityOf(stranger).merchantId, identityOf(stranger).issuer],
          )
        ).map((r) => r.xid),
      );
      expect(all.map((t) => t.xid).sort()).toEqual([...theirs].sort());
      for (const x of [...made.approved, ...made.captured, ...made.declined]) {
        expect(await c.getTransaction(x)).toBeUndefined();
      }
      expect((await c.listTransactions({ orderId: 'order-7' })).transactions).toEqual([]);
    }
    // The look-alike repeats the genuine MerchantID, yet has no transactions at all.
    expect(identityOf(impostor).merchantId).toBe(identityOf(world.merchant).merchantId);
  });

  it('another merchant’s XID answers exactly like an XID that does not exist', async () => {
    const ask = async (xid: string) => {
      const req = await buildTransListReq({ merchant: other, brandId: 'SETPay', xid });
      const res = await post(encodeWire(req.wire));
      const { content } = await readError(res.text, ctx());
      return { status: res.status, code: content.errorCode, msg: content.errorMsg };
    };
    const theirs = await ask(made.approved[0]!);
    const nobody = await ask(b64u(randomNonce()));
    expect(theirs).toEqual({ status: nobody.status, code: 'unknownXID', msg: nobody.msg });
  });

  describe('refusals: a SET Error with its code, and nothing changed', () => {
    const signed = async (m: SignedSender, over: Partial<Parameters<typeof buildTransListReq>[0]> = {}) =>
      JSON.parse(encodeWire((await buildTransListReq({ merchant: m, brandId: 'SETPay', ...over })).wire));
    const resign = (wire: { body: { content: string } }, patch: (c: Record<string, unknown>) => void) => {
      const c = JSON.parse(Buffer.from(wire.body.content, 'base64url').toString());
      patch(c);
      wire.body.content = b64u(jsonBytes(c));
      return wire;
    };
    let myCursor: string;
    let otherCursor: string;
    beforeAll(async () => {
      myCursor = (await client.listTransactions({ limit: 1 })).nextCursor!;
      const c = await gw.clientFor(other);
      await recordFor(other, new Date());
      otherCursor = (await c.listTransactions({ limit: 1 })).nextCursor!;
      expect(myCursor).toBeTruthy();
      expect(otherCursor).toBeTruthy();
    });

    const cases: [string, () => string | Uint8Array | Promise<string | Uint8Array>, string][] = [
      [
        'unsigned (a plain body)',
        async () => {
          const w = await signed(world.merchant);
          const content = Buffer.from(w.body.content, 'base64url');
          w.body = plainBody(JSON.parse(content.toString()));
          return JSON.stringify(w);
        },
        'decodingFailure',
      ],
      [
        'signature altered',
        async () => {
          const w = await signed(world.merchant);
          w.body.sig = tamperedSig(w.body.sig);
          return JSON.stringify(w);
        },
        'signatureFailure',
      ],
      [
        'content altered after signing (asks for more)',
        async () => JSON.stringify(resign(await signed(world.merchant, { limit: 1 }), (c) => (c.limit = 50))),
        'signatureFailure',
      ],
      [
        'a filter added after signing',
        async () =>
          JSON.stringify(resign(await signed(world.merchant), (c) => (c.filter = { lidM: 'order-7' }))),
        'signatureFailure',
      ],
      [
        'clear header disagrees with the content',
        async () => {
          const w = await signed(world.merchant);
          w.hdr.rrpid = b64u(randomNonce());
          return JSON.stringify(w);
        },
        'badMessageHeader',
      ],
      [
        'dated 11 minutes ago (expired)',
        async () => JSON.stringify(await signed(world.merchant, { now: new Date(Date.now() - 11 * 60_000) })),
        'messageTooOld',
      ],
      [
        'dated 6 minutes ahead',
        async () => JSON.stringify(await signed(world.merchant, { now: new Date(Date.now() + 6 * 60_000) })),
        'messageTooNew',
      ],
      [
        'over the TransListReq limit (16 KiB)',
        async () => {
          const w = await signed(world.merchant);
          w.certs = [
            ...(w.certs ?? []),
            'A'.repeat(4000),
            'A'.repeat(4000),
            'A'.repeat(4000),
            'A'.repeat(4000),
          ];
          return JSON.stringify(w);
        },
        'messageTooBig',
      ],
      ['over 256 KiB', () => new Uint8Array(MAX_WIRE_BYTES + 1).fill(0x20), 'messageTooBig'],
      [
        'signed by a cardholder',
        async () => JSON.stringify(await signed(approvedCard)),
        'invalidCertificate',
      ],
      [
        'signed by the gateway itself',
        async () => JSON.stringify(await signed(world.gateway)),
        'invalidCertificate',
      ],
      [
        'for another brand',
        async () => JSON.stringify(await signed(world.merchant, { brandId: 'OtherPay' })),
        'invalidCertificate',
      ],
      [
        'the signer’s certificate left out (one the gateway has never validated)',
        async () => {
          const w = await signed(unseen);
          delete w.certs;
          return JSON.stringify(w);
        },
        'missingCertificate',
      ],
      [
        'a revoked merchant certificate',
        async () => JSON.stringify(await signed(revoked)),
        'revokedCertificate',
      ],
      [
        'an expired merchant certificate',
        async () => JSON.stringify(await signed(expired)),
        'expiredCertificate',
      ],
      [
        'limit 0',
        async () => JSON.stringify(await resignAs(world.merchant, { limit: 0 })),
        'decodingFailure',
      ],
      [
        'limit above 50',
        async () => JSON.stringify(await resignAs(world.merchant, { limit: 51 })),
        'decodingFailure',
      ],
      [
        'an XID with a filter',
        async () =>
          JSON.stringify(
            await resignAs(world.merchant, { xid: b64u(randomNonce()), filter: { state: 'captured' } }),
          ),
        'decodingFailure',
      ],
      [
        'an unknown state',
        async () => JSON.stringify(await resignAs(world.merchant, { filter: { state: 'stolen' } })),
        'decodingFailure',
      ],
      [
        'a forged cursor',
        async () =>
          JSON.stringify(
            await signed(world.merchant, {
              cursor: b64u(
                jsonBytes({ v: 1, at: new Date().toISOString(), xid: made.approved[0], for: 'A'.repeat(22) }),
              ),
            }),
          ),
        'decodingFailure',
      ],
      [
        'a cursor that is not one',
        async () => JSON.stringify(await signed(world.merchant, { cursor: 'bm90LWEtY3Vyc29y' })),
        'decodingFailure',
      ],
      [
        'another merchant’s cursor',
        async () => JSON.stringify(await signed(world.merchant, { cursor: otherCursor })),
        'decodingFailure',
      ],
      [
        'my cursor, given to another merchant',
        async () => JSON.stringify(await signed(other, { cursor: myCursor })),
        'decodingFailure',
      ],
      [
        'my cursor with another filter',
        async () =>
          JSON.stringify(await signed(world.merchant, { cursor: myCursor, filter: { state: 'declined' } })),
        'decodingFailure',
      ],
      [
        'another merchant’s XID',
        async () => JSON.stringify(await signed(other, { xid: made.approved[0]! })),
        'unknownXID',
      ],
      [
        'a look-alike asking for the genuine XID',
        async () => JSON.stringify(await signed(impostor, { xid: made.approved[0]! })),
        'unknownXID',
      ],
    ];
    /** Content the builder would never make (out-of-range fields), signed properly by `m`. */
    async function resignAs(m: SignedSender, fields: Record<string, unknown>) {
      const content = { ...(await buildTransListReq({ merchant: m, brandId: 'SETPay' })).content, ...fields };
      return makeWire('TransListReq', headerFor(content), await signContent(content, m), {
        certs: carriedCerts([m.chain]),
      });
    }

    it.each(cases)('%s', async (_name, body, code) => {
      const before = await snapshot();
      const res = await post(await body());
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const { content } = await readError(res.text, ctx());
      expect(content.errorCode, content.errorMsg).toBe(code);
      expect(await snapshot()).toBe(before);
    });

    it('a cursor altered to point elsewhere only ever positions a page among the merchant’s own rows', async () => {
      const inner = JSON.parse(Buffer.from(myCursor, 'base64url').toString());
      inner.xid = made.approved[0]; // still bound to this merchant and filter: harmless
      inner.at = new Date(Date.now() + DAY).toISOString();
      const req = await buildTransListReq({
        merchant: world.merchant,
        brandId: 'SETPay',
        cursor: b64u(jsonBytes(inner)),
        limit: 50,
      });
      const res = await post(encodeWire(req.wire));
      expect(res.status, res.text).toBe(200);
      const { content } = await verifyTransListRes(res.text, req.content, ctx());
      const mine = await db.query<{ merchant_id: string; merchant_issuer: string }>(
        `SELECT merchant_id, merchant_issuer FROM gateway_authorizations WHERE xid = ANY($1::text[])`,
        [content.transactions.map((t) => t.xid)],
      );
      expect(mine.length).toBe(content.transactions.length);
      expect(
        mine.every(
          (r) =>
            r.merchant_id === identityOf(world.merchant).merchantId &&
            r.merchant_issuer === identityOf(world.merchant).issuer,
        ),
      ).toBe(true);
    });

    it('the SDK refuses a bad argument before sending anything', async () => {
      await expect(client.listTransactions({ limit: 500 })).rejects.toMatchObject({
        code: 'decodingFailure',
      });
      await expect(client.listTransactions({ from: 'not a date' })).rejects.toMatchObject({
        code: 'decodingFailure',
      });
      await expect(client.listTransactions({ cursor: otherCursor })).rejects.toBeInstanceOf(SetWalletError);
    });

    it('/api/transactions stays the operator’s: no token 401, a merchant’s signed request as a token 403, the token 200', async () => {
      expect((await fetch(`${server.url}/api/transactions`)).status).toBe(401);
      const signedReq = encodeWire(
        (await buildTransListReq({ merchant: world.merchant, brandId: 'SETPay' })).wire,
      );
      const asBearer = await fetch(`${server.url}/api/transactions`, {
        headers: { authorization: `Bearer ${b64u(jsonBytes(signedReq)).slice(0, 200)}` },
      });
      expect(asBearer.status).toBe(403);
      expect((await fetch(`${server.url}/api/transactions/${made.approved[0]}`)).status).toBe(401);
      const ok = await fetch(`${server.url}/api/transactions`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(ok.status).toBe(200);
    });
  });
});

it('a full page of the largest records fits SignedData and the TransListRes limit', async () => {
  const req = await buildTransListReq({
    merchant: world.merchant,
    brandId: 'SETPay',
    limit: MAX_TRANS_LIST_LIMIT,
  });
  const at = new Date().toISOString();
  const big = 999_999_999_999_999;
  const res = await buildTransListRes({
    req: req.content,
    signature: world.gateway,
    transactions: Array.from({ length: MAX_TRANS_LIST_LIMIT }, () => ({
      xid: b64u(randomNonce()),
      lidM: 'L'.repeat(64),
      state: 'declined' as const,
      result: 'declined' as const,
      authCode: 'ABC123',
      declineReason: 'issuerUnavailableXXXXXXXXXXXXXXXXXXXXXXX',
      amount: { currency: 'EUR', value: big, exponent: 4 },
      authorized: big,
      captured: big,
      refunded: big,
      captureNow: false,
      brandId: 'B'.repeat(32),
      panLast4: '1111',
      createdAt: at,
      updatedAt: at,
    })),
    nextCursor: 'C'.repeat(MAX_CURSOR_LENGTH),
  });
  const wire = encodeWire(res.wire);
  expect((await verifyTransListRes(wire, req.content, ctx())).content.transactions).toHaveLength(
    MAX_TRANS_LIST_LIMIT,
  );
});

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const byNewest = (a: GatewayTransaction, b: GatewayTransaction) =>
  a.createdAt === b.createdAt ? cmp(b.xid, a.xid) : cmp(b.createdAt, a.createdAt);
