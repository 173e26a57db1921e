// The payment gateway over real HTTP with real keys, on every storage backend: each test card's
// outcome, capture/refund/reversal, idempotent retries, every kind of bad input, the dashboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Gateway,
  type GatewayLogEntry,
  type IssuerSimulator,
  type Listening,
  listen,
} from '../../src/gateway/index.ts';
import {
  type Amount,
  b64u,
  buildErrorFor,
  buildExchange,
  buildFollowUp,
  type Clock,
  type ErrorCode,
  type FollowUpRequest,
  type FollowUpRequestData,
  fromB64u,
  generateKeyPair,
  httpStatusFor,
  issueCrl,
  type ParsedCrl,
  randomNonce,
  readError,
  SetError,
  verifyAuthRes,
  verifyFollowUpResponse,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { flipByte } from '../support/tamper.ts';
import { type Cardholder, issueCardholder, makeWorld, registerCardholder } from '../support/world.ts';

const world = makeWorld();
// The main card goes through SET registration; the others are issued directly by the CCA.
const registered = await registerCardholder(world, '4111111111111111', '202912');
const cardholders = new Map<string, Cardholder>([['4111111111111111', registered]]);
const cardholderFor = (pan: string, expiry = '202912'): Cardholder => {
  const key = `${pan}/${expiry}`;
  if (pan === '4111111111111111' && expiry === '202912') return registered;
  let c = cardholders.get(key);
  if (!c) {
    c = issueCardholder(world, pan, expiry);
    cardholders.set(key, c);
  }
  return c;
};
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const OPERATOR_TOKEN = 'operator-token-for-the-gateway-tests';
const BEARER = { authorization: `Bearer ${OPERATOR_TOKEN}` };

describe.each(backends)('payment gateway on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  let gateway: Gateway;
  let server: Listening;
  let skewMs = 0;
  let crls: ParsedCrl[] = [];
  let issuerFault = false;
  const logs: GatewayLogEntry[] = [];
  const now = () => new Date(Date.now() + skewMs);
  const clock = (): Clock => ({ now: now() });

  beforeAll(async () => {
    ({ db, drop } = await backend.open());
    const simulator = createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 50 });
    const issuer: IssuerSimulator = {
      cards: simulator.cards,
      authorize: (req) => {
        if (issuerFault) throw new Error('issuer link down');
        return simulator.authorize(req);
      },
    };
    gateway = await createGateway({
      db,
      signature: world.gateway,
      keyExchange: world.gatewayKx,
      trustedRoots: [world.root],
      crls: () => crls,
      issuer,
      now,
      log: (e) => logs.push(e),
      dashboard: { token: OPERATOR_TOKEN },
    });
    server = await listen(gateway);
  });
  afterAll(async () => {
    await server?.close();
    await drop?.();
  });

  const post = async (body: string | Uint8Array) => {
    const res = await fetch(`${server.url}/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : Buffer.from(body),
    });
    return { status: res.status, text: await res.text() };
  };
  const authorize = async (wire: string) => {
    const res = await post(wire);
    expect(res.status, res.text).toBe(200);
    return res.text;
  };
  const openAuthRes = async (text: string, content: Parameters<typeof verifyAuthRes>[1]) =>
    (await verifyAuthRes(text, content, world.merchantKx, { trust: world.trust(), clock: clock() })).content;
  const expectError = async (res: { status: number; text: string }, code: ErrorCode) => {
    const { content, signer } = await readError(res.text, { trust: world.trust(), clock: clock() });
    expect(content.errorCode, content.errorMsg).toBe(code);
    expect(res.status).toBe(httpStatusFor(code));
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    // Errors from the gateway are signed with its signature certificate.
    expect(signer?.chain[0]?.thumbprint).toEqual(world.gateway.certificate.thumbprint);
    return content;
  };
  const followUp = async (
    type: FollowUpRequest,
    xid: { transIds: FollowUpRequestData['transIds'] },
    amount: Amount,
    capToken?: string,
  ) => {
    const req = await buildFollowUp(type, {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: xid.transIds,
      amount,
      ...(capToken ? { capToken } : {}),
      now: now(),
    });
    const wire = JSON.stringify(req.wire);
    const res = await post(wire);
    expect(res.status, res.text).toBe(200);
    const { content } = await verifyFollowUpResponse(res.text, type, req.content, world.merchantKx, {
      trust: world.trust(),
      clock: clock(),
    });
    return { content, wire, text: res.text, req: req.content };
  };
  let session: string | undefined;
  /** The operator's session cookie, from the link the sandbox prints (/?token=…). */
  const signIn = async () => {
    if (!session) {
      const res = await fetch(`${server.url}/?token=${OPERATOR_TOKEN}`, { redirect: 'manual' });
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/');
      session = res.headers.get('set-cookie')!.split(';')[0]!;
      expect(res.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Strict/i);
    }
    return session;
  };
  const api = async (query = '') => {
    const res = await fetch(`${server.url}/api/transactions${query}`, { headers: BEARER });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      authorizations: {
        xid: string;
        state: string;
        cardLast4: string;
        authorized: Amount;
        captured: Amount;
        refunded: Amount;
        declineReason?: string;
        authCode?: string;
      }[];
      events: { xid: string; kind: string; outcome: string; reason?: string; amount: Amount }[];
    };
  };
  const one = async (xid: string) => {
    const res = await fetch(`${server.url}/api/transactions/${xid}`, { headers: BEARER });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      state: string;
      authorized: Amount;
      captured: Amount;
      refunded: Amount;
      events: unknown[];
    };
  };

  it('answers each test card with its documented outcome, and records only the last four digits', async () => {
    const cases = [
      ...DEFAULT_TEST_CARDS.map((c) => ({
        pan: c.pan,
        expiry: '202912',
        status: c.behaviour === 'approve' ? 'approved' : 'declined',
        reason: c.behaviour === 'approve' ? undefined : c.behaviour,
      })),
      // Luhn-valid but not a test card; and an approving card whose PANData expiry has passed.
      { pan: '5555555555554444', expiry: '202912', status: 'declined', reason: 'invalidCard' },
      { pan: '4242424242424242', expiry: '202001', status: 'declined', reason: 'expiredCard' },
    ];
    const runs = await Promise.all(
      cases.map(async (c) => {
        const req = await merchantAuthReq(world, cardholderFor(c.pan, c.expiry));
        const res = await openAuthRes(await authorize(req.wire), req.content);
        return { c, req, res };
      }),
    );
    for (const { c, res } of runs) {
      expect(res.result.status, c.pan).toBe(c.status);
      expect(res.result.reason, c.pan).toBe(c.reason);
      expect(res.result.amount).toEqual(EUR(1299));
      if (c.status === 'approved') {
        expect(res.result.authCode).toMatch(/^[A-Z0-9]{6}$/);
        expect(res.capToken).toBeDefined();
      } else {
        expect(res.result.authCode).toBeUndefined();
        expect(res.capToken).toBeUndefined();
      }
    }
    const listed = await api();
    const dashboard = await (await fetch(`${server.url}/`, { headers: { cookie: await signIn() } })).text();
    for (const { c, req } of runs) {
      const row = listed.authorizations.find((a) => a.xid === req.xid);
      expect(row?.state).toBe(c.status === 'approved' ? 'authorized' : 'declined');
      expect(row?.cardLast4).toBe(c.pan.slice(-4));
      expect(row?.declineReason).toBe(c.reason);
    }
    for (const { c } of runs) {
      expect(JSON.stringify(listed)).not.toContain(c.pan);
      expect(dashboard).not.toContain(c.pan);
    }
    const stored = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM gateway_authorizations WHERE response LIKE '%4111111111111111%'",
    );
    expect(stored[0]!.n).toBe(0);
  });

  it('captures with the CapToken, refunds part, and reverses captures, refunds and authorizations', async () => {
    const req = await merchantAuthReq(world, cardholderFor('4242424242424242'));
    const auth = await openAuthRes(await authorize(req.wire), req.content);
    const ids = { transIds: req.content.transIds };

    const cap = await followUp('CapReq', ids, EUR(1299), auth.capToken);
    expect(cap.content).toMatchObject({ status: 'captured', amount: EUR(1299) });
    // The same CapReq again: the very same answer, and nothing captured twice.
    const again = await post(cap.wire);
    expect(again.text).toBe(cap.text);
    expect((await one(req.xid)).captured).toEqual(EUR(1299));

    expect((await followUp('CredReq', ids, EUR(500))).content).toMatchObject({ status: 'credited' });
    expect((await followUp('CredReq', ids, EUR(800))).content).toMatchObject({
      status: 'rejected',
      reason: 'amountExceedsCapture',
    });
    expect((await followUp('CredRevReq', ids, EUR(200))).content.status).toBe('creditReversed');
    expect((await followUp('CredRevReq', ids, EUR(301))).content).toMatchObject({
      status: 'rejected',
      reason: 'amountExceedsCredit',
    });
    expect((await followUp('CapRevReq', ids, EUR(1000))).content).toMatchObject({
      status: 'rejected',
      reason: 'amountExceedsCapture',
    });
    expect((await followUp('CapRevReq', ids, EUR(99))).content.status).toBe('captureReversed');
    const after = await one(req.xid);
    expect(after).toMatchObject({
      state: 'refunded',
      authorized: EUR(1299),
      captured: EUR(1200),
      refunded: EUR(300),
    });
    expect(after.events).toHaveLength(7);

    // Reduce an authorization, capture within it, then reverse what is left of another.
    const second = await merchantAuthReq(world, cardholderFor('4111111111111111'));
    await openAuthRes(await authorize(second.wire), second.content);
    const ids2 = { transIds: second.content.transIds };
    expect((await followUp('AuthRevReq', ids2, EUR(1000))).content.status).toBe('authorizationReversed');
    expect((await followUp('CapReq', ids2, EUR(1001))).content).toMatchObject({
      status: 'rejected',
      reason: 'amountExceedsAuthorization',
    });
    expect((await followUp('CapReq', ids2, EUR(600))).content.status).toBe('captured');
    expect((await followUp('AuthRevReq', ids2, EUR(0))).content).toMatchObject({
      status: 'rejected',
      reason: 'amountExceedsCapture',
    });
    expect((await followUp('AuthRevReq', ids2, EUR(600))).content.status).toBe('authorizationReversed');
    expect(await one(second.xid)).toMatchObject({
      state: 'captured',
      authorized: EUR(600),
      captured: EUR(600),
    });

    const third = await merchantAuthReq(world, cardholderFor('4111111111111111'));
    const thirdAuth = await openAuthRes(await authorize(third.wire), third.content);
    const ids3 = { transIds: third.content.transIds };
    expect((await followUp('AuthRevReq', ids3, EUR(0))).content.status).toBe('authorizationReversed');
    expect((await one(third.xid)).state).toBe('reversed');
    expect((await followUp('CapReq', ids3, EUR(100), thirdAuth.capToken)).content).toMatchObject({
      status: 'rejected',
      reason: 'alreadyReversed',
    });

    // A declined authorization cannot be captured.
    const declined = await merchantAuthReq(world, cardholderFor('4000000000000002'));
    await openAuthRes(await authorize(declined.wire), declined.content);
    expect(
      (await followUp('CapReq', { transIds: declined.content.transIds }, EUR(100))).content,
    ).toMatchObject({ status: 'rejected', reason: 'notAuthorized' });
  });

  it('authorizes and captures at once with CaptureNow', async () => {
    const req = await merchantAuthReq(world, cardholderFor('4111111111111111'), { captureNow: true });
    const auth = await openAuthRes(await authorize(req.wire), req.content);
    expect(auth.result.status).toBe('approved');
    expect(auth.capToken).toBeUndefined();
    expect(await one(req.xid)).toMatchObject({ state: 'captured', captured: EUR(1299) });
  });

  it('keeps a ledger row (signed response and merchant chain included) in its own page, not in TOAST', async () => {
    const [toast] = await db.query<{ name: string }>(
      "SELECT reltoastrelid::regclass::text AS name FROM pg_class WHERE relname = 'gateway_authorizations'",
    );
    const toastChunks = async () =>
      Number((await db.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${toast!.name}`))[0]!.n);
    const before = await toastChunks();
    const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
    const answer = await authorize(req.wire);
    const [row] = await db.query<{ response: string; size: unknown }>(
      'SELECT response, pg_column_size(a.*) AS size FROM gateway_authorizations a WHERE xid = $1',
      [req.xid],
    );
    expect(row!.response.length).toBeGreaterThan(2_032);
    expect(Number(row!.size)).toBeGreaterThan(4_000);
    expect(await toastChunks()).toBe(before);
    expect(answer).toContain('"type":"AuthRes"');
  });

  it('answers a retried AuthReq with the same bytes and authorizes an XID once', async () => {
    const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
    // Five identical requests at once, then one re-sealed with the same RRPID and content.
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(req.wire)));
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.status).toBe(200);
    const resealed = await req.build(req.content.rrpid);
    expect(resealed.wire).not.toBe(req.wire);
    expect(await post(resealed.wire)).toEqual(answers[0]);
    // Another request for the same XID (a new RRPID) is refused.
    await expectError(await post((await req.build()).wire), 'unknownXID');
    const rows = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM gateway_authorizations WHERE xid = $1',
      [req.xid],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('ledger: concurrent writers of one XID record it once; concurrent captures never exceed it', async () => {
    const xid = b64u(randomNonce());
    const row = (rrpid: string) => ({
      xid,
      rrpid,
      requestDigest: rrpid,
      lidM: 'order-1',
      merchantId: 'DEMO-0001',
      merchantIssuer: 'mca-key',
      merchantName: 'SET Demo Store',
      merchantKxChain: [],
      brandId: 'SETPay',
      panLast4: '1111',
      dualSigned: true,
      amount: EUR(1000),
      result: { status: 'approved' as const, authCode: 'ABC123' },
      captureNow: false,
      response: `response for ${rrpid}`,
      at: now(),
    });
    const writes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => gateway.ledger.recordAuthorization(row(`rrpid-${i}`))),
    );
    const inserted = writes.filter((w) => w.inserted);
    expect(inserted).toHaveLength(1);
    const stored = await gateway.ledger.findAuthorization(xid);
    for (const w of writes) if (!w.inserted) expect(w.existing).toEqual(stored);

    const captures = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        gateway.ledger.applyFollowUp({
          kind: 'capture',
          xid,
          rrpid: `cap-${i}`,
          requestDigest: `cap-${i}`,
          amount: EUR(300),
          source: 'operator',
          at: now(),
        }),
      ),
    );
    expect(captures.filter((c) => c.event.outcome === 'accepted')).toHaveLength(3);
    expect((await gateway.ledger.findAuthorization(xid))?.balances).toEqual({
      authorized: 1000,
      captured: 900,
      refunded: 0,
    });

    // A failure while the answer is being built leaves neither the event nor the new totals.
    const before = await gateway.ledger.counts();
    await expect(
      gateway.ledger.applyFollowUp(
        {
          kind: 'credit',
          xid,
          rrpid: 'credit-1',
          requestDigest: 'credit-1',
          amount: EUR(100),
          source: 'merchant',
          merchant: { merchantId: 'DEMO-0001', issuer: 'mca-key' },
          at: now(),
        },
        () => {
          throw new Error('signing failed');
        },
      ),
    ).rejects.toThrow('signing failed');
    expect(await gateway.ledger.counts()).toEqual(before);
    expect((await gateway.ledger.findAuthorization(xid))?.balances.refunded).toBe(0);
  });

  it('refuses follow-ups for unknown XIDs, foreign CapTokens and reused RRPIDs', async () => {
    const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
    const auth = await openAuthRes(await authorize(req.wire), req.content);
    const other = await merchantAuthReq(world, cardholderFor('4242424242424242'));
    const otherAuth = await openAuthRes(await authorize(other.wire), other.content);
    const before = await gateway.ledger.counts();

    const stranger = await merchantAuthReq(world, cardholderFor('4111111111111111'));
    const unknown = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: stranger.content.transIds,
      amount: EUR(100),
      now: now(),
    });
    await expectError(await post(JSON.stringify(unknown.wire)), 'unknownXID');

    const foreign = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: req.content.transIds,
      amount: EUR(100),
      capToken: otherAuth.capToken!,
      now: now(),
    });
    await expectError(await post(JSON.stringify(foreign.wire)), 'unknownXID');

    const forged = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: req.content.transIds,
      amount: EUR(100),
      capToken: b64u(randomNonce()),
      now: now(),
    });
    await expectError(await post(JSON.stringify(forged.wire)), 'decodingFailure');

    // Same RRPID, another amount: not a retry.
    const first = await followUp('CapReq', { transIds: req.content.transIds }, EUR(100), auth.capToken);
    const reused = await buildExchange(
      'CapReq',
      { ...first.req, amount: EUR(200) },
      world.merchant,
      world.gatewayKx.certificate,
    );
    await expectError(await post(JSON.stringify(reused)), 'unknownRRPID');
    expect(await gateway.ledger.counts()).toEqual({ ...before, events: before.events + 1 });
  });

  describe('bad input', () => {
    const oversized = new Uint8Array(300 * 1024).fill(0x20);
    const wireOf = (text: string) =>
      JSON.parse(text) as Record<string, unknown> & { body: Record<string, unknown> };

    it('answers each kind with a signed Error, the right code and a 4xx, and writes nothing', async () => {
      const before = await gateway.ledger.counts();
      const req = async () => await merchantAuthReq(world, cardholderFor('4111111111111111'));
      const valid = await req();

      const cases: {
        name: string;
        body: () => string | Uint8Array | Promise<string | Uint8Array>;
        code: ErrorCode;
      }[] = [
        { name: 'not JSON', body: () => '{"set": "SET/2", "type": ', code: 'decodingFailure' },
        { name: 'not an object', body: () => '[1, 2, 3]', code: 'decodingFailure' },
        { name: 'empty', body: () => '', code: 'decodingFailure' },
        { name: 'not UTF-8', body: () => new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), code: 'decodingFailure' },
        { name: 'oversized (over 256 KiB)', body: () => oversized, code: 'messageTooBig' },
        {
          name: 'over the AuthReq limit',
          body: () => {
            const w = wireOf(valid.wire);
            w.body.padding = 'x'.repeat(140 * 1024);
            return JSON.stringify(w);
          },
          code: 'messageTooBig',
        },
        {
          name: 'an unknown field in the body',
          body: () => {
            const w = wireOf(valid.wire);
            w.body.extra = 1;
            return JSON.stringify(w);
          },
          code: 'decodingFailure',
        },
        {
          name: 'version too old',
          body: () => valid.wire.replace('"SET/2"', '"SET/1"'),
          code: 'versionTooOld',
        },
        {
          name: 'version too new',
          body: () => valid.wire.replace('"SET/2"', '"SET/3"'),
          code: 'versionTooNew',
        },
        {
          name: 'no version',
          body: () => valid.wire.replace('"SET/2"', '"HTTP/1.1"'),
          code: 'badMessageHeader',
        },
        {
          name: 'an unknown type',
          body: () => valid.wire.replace('"type":"AuthReq"', '"type":"PayNow"'),
          code: 'messageNotSupported',
        },
        {
          name: 'a type the gateway does not take',
          body: () => valid.wire.replace('"type":"AuthReq"', '"type":"PReq"'),
          code: 'messageNotSupported',
        },
        {
          name: 'wrongly signed (another key)',
          body: async () => {
            const impostor = { ...world.merchant, privateKey: generateKeyPair().privateKey };
            return JSON.stringify(
              await buildExchange('AuthReq', valid.content, impostor, world.gatewayKx.certificate, {
                baggage: fromB64u(wireOf(valid.wire).body.baggage as string),
              }),
            );
          },
          code: 'signatureFailure',
        },
        {
          name: 'a ciphertext that does not open',
          body: () => {
            const w = wireOf(valid.wire);
            const sealed = w.body.sealed as { ct: string };
            sealed.ct = flipByte(sealed.ct, 0);
            return JSON.stringify(w);
          },
          code: 'decodingFailure',
        },
        {
          name: 'sealed to another key',
          body: async () =>
            JSON.stringify(
              await buildExchange('AuthReq', valid.content, world.merchant, world.merchantKx.certificate, {
                baggage: fromB64u(wireOf(valid.wire).body.baggage as string),
              }),
            ),
          code: 'thumbsMismatch',
        },
        {
          name: 'a header that disagrees with the content',
          body: () => {
            const w = wireOf(valid.wire);
            (w.hdr as { rrpid: string }).rrpid = b64u(randomNonce());
            return JSON.stringify(w);
          },
          code: 'badMessageHeader',
        },
        {
          name: 'no merchant key-exchange certificate',
          body: () => {
            const w = wireOf(valid.wire);
            const kx = b64u(world.merchantKx.certificate.der);
            w.certs = (w.certs as string[]).filter((c) => c !== kx);
            return JSON.stringify(w);
          },
          code: 'missingCertificate',
        },
        {
          name: 'a CapReq with no authorization behind it',
          body: async () =>
            JSON.stringify(
              (
                await buildFollowUp('CapReq', {
                  merchant: world.merchant,
                  gatewayKeyExchange: world.gatewayKx.certificate,
                  transIds: valid.content.transIds,
                  amount: EUR(1),
                  now: now(),
                })
              ).wire,
            ),
          code: 'unknownXID',
        },
      ];
      for (const c of cases) {
        const res = await post(await c.body());
        const content = await expectError(res, c.code);
        expect(content.errorMsg.length, c.name).toBeGreaterThan(0);
      }
      // A streamed body with no Content-Length is cut off at the limit too.
      const streamed = await fetch(`${server.url}/set`, {
        method: 'POST',
        body: new ReadableStream({
          start(controller) {
            for (let i = 0; i < 5; i++) controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
      await expectError({ status: streamed.status, text: await streamed.text() }, 'messageTooBig');

      expect(await gateway.ledger.counts()).toEqual(before);
      // The untouched request still goes through afterwards.
      expect((await openAuthRes(await authorize(valid.wire), valid.content)).result.status).toBe('approved');
    });

    it('refuses a replay outside the date window', async () => {
      const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
      const first = await authorize(req.wire);
      skewMs = 11 * 60_000;
      try {
        await expectError(await post(req.wire), 'messageTooOld');
        // A message dated ahead of the gateway's clock is refused too.
        const early = await merchantAuthReq(world, cardholderFor('4111111111111111'), {
          now: new Date(Date.now() + skewMs + 6 * 60_000),
        });
        await expectError(await post(early.wire), 'messageTooNew');
      } finally {
        skewMs = 0;
      }
      // Within the window it is a retry, answered from the ledger.
      expect((await post(req.wire)).text).toBe(first);
    });

    it('answers a fault of its own with unspecifiedFailure (422), never a 500, and records nothing', async () => {
      const before = await gateway.ledger.counts();
      issuerFault = true;
      try {
        await expectError(
          await post((await merchantAuthReq(world, cardholderFor('4111111111111111'))).wire),
          'unspecifiedFailure',
        );
      } finally {
        issuerFault = false;
      }
      expect(await gateway.ledger.counts()).toEqual(before);
      expect(logs.some((e) => e.level === 'error' && e.cause === 'issuer link down')).toBe(true);
    });

    it('answers a retry from the ledger even when the issuer is down by then', async () => {
      const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
      const first = await authorize(req.wire);
      const before = await gateway.ledger.counts();
      issuerFault = true;
      try {
        const again = await post(req.wire);
        expect(again.status).toBe(200);
        expect(again.text).toBe(first);
      } finally {
        issuerFault = false;
      }
      expect(await gateway.ledger.counts()).toEqual(before);
    });

    it('logs an incoming Error and never answers it with an Error', async () => {
      const offending = (await merchantAuthReq(world, cardholderFor('4111111111111111'))).wire;
      const error = (await buildErrorFor(
        offending,
        new SetError('decodingFailure', 'the merchant could not read the AuthRes'),
        world.merchant,
        now(),
      ))!;
      const res = await post(JSON.stringify(error));
      expect(res).toEqual({ status: 204, text: '' });
      expect(logs).toContainEqual(
        expect.objectContaining({ event: 'error-received', code: 'decodingFailure', from: 'SET Demo Store' }),
      );
      const unreadable = await post(JSON.stringify({ ...error, body: { nonsense: true } }));
      expect(unreadable).toEqual({ status: 400, text: '' });
    });

    it('refuses a revoked merchant certificate at the next message', async () => {
      const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
      const mca = world.issuer('mca');
      const at = now();
      const crl = (crlNumber: number, revoked: string[]) =>
        issueCrl({
          issuer: mca,
          crlNumber,
          thisUpdate: new Date(at.getTime() - 60_000),
          nextUpdate: new Date(at.getTime() + 86_400_000),
          revoked: revoked.map((serialNumber) => ({ serialNumber, revocationDate: at })),
        });
      crls = [crl(1, [world.merchant.certificate.serialNumber])];
      try {
        await expectError(await post(req.wire), 'revokedCertificate');
      } finally {
        // A newer CRL without the merchant lifts it, so the other tests keep their merchant.
        crls = [crl(2, [])];
      }
      expect((await post(req.wire)).status).toBe(200);
    });
  });

  describe('dashboard', () => {
    const page = async (path: string) => {
      const res = await fetch(`${server.url}${path}`, {
        redirect: 'manual',
        headers: { cookie: await signIn() },
      });
      return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
    };
    const submit = async (form: Record<string, string>, origin = server.url) =>
      fetch(`${server.url}/dashboard/action`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin, cookie: await signIn() },
        body: new URLSearchParams(form),
        redirect: 'manual',
      });
    const formOf = (text: string, xid: string) => {
      const m = new RegExp(
        `name="xid" value="${xid}">\\s*<input type="hidden" name="nonce" value="([A-Za-z0-9_-]{43})">\\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})"`,
      ).exec(text);
      expect(m).not.toBeNull();
      return { xid, nonce: m![1]!, csrf: m![2]! };
    };

    it('lists the ledger with filters, in an accessible page', async () => {
      const approved = await merchantAuthReq(world, cardholderFor('4111111111111111'));
      await authorize(approved.wire);
      const declined = await merchantAuthReq(world, cardholderFor('4000000000009995'));
      await authorize(declined.wire);

      const all = await page('/');
      expect(all.status).toBe(200);
      expect(all.type).toContain('text/html');
      expect(all.text).toContain('<html lang="en">');
      expect(all.text).toContain('prefers-color-scheme: dark');
      expect(all.text).toContain('<th scope="col">');
      expect(all.text).toContain(approved.xid.slice(0, 10));
      expect(all.text).toContain('•••• 1111');
      expect(all.text).toContain('€12.99');
      // Every form control has a label.
      for (const id of all.text.matchAll(/<(?:input|select) id="([^"]+)"/g)) {
        expect(all.text).toContain(`for="${id[1]}"`);
      }

      const onlyDeclined = await page('/?status=declined');
      expect(onlyDeclined.text).toContain(declined.xid.slice(0, 10));
      expect(onlyDeclined.text).not.toContain(approved.xid.slice(0, 10));
      expect(onlyDeclined.text).toContain('insufficientFunds');
      const byXid = await page(`/?xid=${encodeURIComponent(approved.xid.slice(5, 20))}`);
      expect(byXid.text).toContain(approved.xid.slice(0, 10));
      expect(byXid.text).not.toContain(declined.xid.slice(0, 10));
      const byMerchant = await page('/?merchant=NOBODY');
      expect(byMerchant.text).toContain('No authorizations match.');
      const refunds = await page('/?kind=refund');
      expect(refunds.text).not.toContain('<h2 id="authorizations">');
      expect(refunds.text).toContain('Captures, refunds and reversals');
      expect((await api('?status=declined')).authorizations.every((a) => a.state === 'declined')).toBe(true);

      expect((await page('/?status=lost')).status).toBe(400);
      expect((await page('/transactions/nope')).status).toBe(404);
      expect((await page('/no-such-page')).status).toBe(404);
      expect((await page('/healthz')).status).toBe(200);
    });

    it('escapes what it shows', async () => {
      const res = await page(`/?merchant=${encodeURIComponent('<script>alert(1)</script>')}`);
      expect(res.status).toBe(200);
      expect(res.text).not.toContain('<script>alert(1)</script>');
      expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    });

    it('lets the operator capture, refund and reverse, validating amounts on the server', async () => {
      const req = await merchantAuthReq(world, cardholderFor('4111111111111111'));
      await authorize(req.wire);
      const detail = await page(`/transactions/${req.xid}`);
      expect(detail.status).toBe(200);
      const form = formOf(detail.text, req.xid);

      const capture = await submit({
        ...form,
        action: 'capture',
        amount: '10.00',
        back: `/transactions/${req.xid}`,
      });
      expect(capture.status).toBe(303);
      expect(capture.headers.get('location')).toBe(
        `/transactions/${req.xid}?notice=capture&outcome=accepted`,
      );
      // Submitting the same form twice does not capture twice.
      expect((await submit({ ...form, action: 'capture', amount: '10.00' })).status).toBe(303);
      expect(await one(req.xid)).toMatchObject({ captured: EUR(1000), state: 'captured' });
      // The same form reused for another amount is refused.
      expect((await submit({ ...form, action: 'capture', amount: '1.00' })).status).toBe(409);

      const shown = await page(capture.headers.get('location')!);
      expect(shown.text).toContain('Capture: done.');

      const fresh = () => page(`/transactions/${req.xid}`).then((p) => formOf(p.text, req.xid));
      const refund = await submit({ ...(await fresh()), action: 'refund', amount: '2.5' });
      expect(refund.headers.get('location')).toContain('outcome=accepted');
      const tooMuch = await submit({ ...(await fresh()), action: 'refund', amount: '9.00' });
      expect(tooMuch.headers.get('location')).toContain('outcome=rejected&reason=amountExceedsCapture');
      const release = await submit({ ...(await fresh()), action: 'reverse-authorization', amount: '2.99' });
      expect(release.headers.get('location')).toContain('outcome=accepted');
      expect(await one(req.xid)).toMatchObject({
        state: 'refunded',
        authorized: EUR(1000),
        captured: EUR(1000),
        refunded: EUR(250),
      });

      expect((await submit({ ...(await fresh()), action: 'capture', amount: '1.234' })).status).toBe(422);
      expect((await submit({ ...(await fresh()), action: 'capture', amount: '-1' })).status).toBe(422);
      expect((await submit({ ...(await fresh()), action: 'explode', amount: '1' })).status).toBe(400);
      // A post from another site is refused before it reaches the ledger.
      expect(
        (await submit({ ...(await fresh()), action: 'refund', amount: '1.00' }, 'http://evil.example'))
          .status,
      ).toBe(403);
      // A `back` that leaves the site is ignored.
      const offsite = await submit({
        ...(await fresh()),
        action: 'refund',
        amount: '0.50',
        back: '//evil.example/',
      });
      expect(offsite.headers.get('location')).toMatch(new RegExp(`^/transactions/${req.xid}\\?`));
      expect((await one(req.xid)).refunded).toEqual(EUR(300));
    });
  });
});
