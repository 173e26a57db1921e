// Follow-ups at the gateway over real HTTP, on every storage backend: each one is bound to the
// enrolled merchant that authorized the sale (issue 8.1: MerchantID *and* issuing MCA), and each
// is exactly-once under its idempotency key (issue 10.1, SET-PROFILE §6), whichever gateway
// process answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Gateway,
  type Listening,
  listen,
} from '../../src/gateway/index.ts';
import {
  type Amount,
  buildFollowUp,
  type FollowUpRequest,
  readError,
  type SignedSender,
  verifyAuthRes,
  verifyFollowUpResponse,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { impostorMerchant } from '../support/other-merchants.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';

const world = makeWorld();
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const ctx = () => ({ trust: world.trust(), clock: { now: new Date() } });

const impostor = (sameName: boolean): SignedSender => impostorMerchant(world, sameName);

describe.each(backends)('gateway follow-ups on $name', (backend) => {
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let db: Database;
  let second: Database | undefined;
  let gateways: Gateway[];
  let servers: Listening[];

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    // On PostgreSQL, a second gateway with its own pool: another process as far as the database knows.
    second = await backend.connect?.(opened);
    const make = (d: Database) =>
      createGateway({
        db: d,
        signature: world.gateway,
        keyExchange: world.gatewayKx,
        trustedRoots: [world.root],
        issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 0 }),
        log: () => {},
      });
    gateways = [await make(db)];
    if (second) gateways.push(await make(second));
    servers = await Promise.all(gateways.map((g) => listen(g.app.fetch)));
  });
  afterAll(async () => {
    await Promise.all((servers ?? []).map((s) => s.close()));
    await second?.close();
    await opened?.drop();
  });

  const post = async (body: string, to = 0) => {
    const server = servers[to % servers.length]!;
    const res = await fetch(`${server.url}/set`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const authorized = async () => {
    const req = await merchantAuthReq(world, cardholder, { amount: EUR(3000) });
    const res = await post(req.wire);
    expect(res.status, res.text).toBe(200);
    const authRes = (await verifyAuthRes(res.text, req.content, world.merchantKx, ctx())).content;
    return { xid: req.xid, transIds: req.content.transIds, capToken: authRes.capToken! };
  };
  const build = async (
    type: FollowUpRequest,
    sale: { transIds: Parameters<typeof buildFollowUp>[1]['transIds']; capToken?: string },
    amount: Amount,
    opts: { merchant?: SignedSender; idempotencyKey?: string } = {},
  ) =>
    await buildFollowUp(type, {
      merchant: opts.merchant ?? world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: sale.transIds,
      amount,
      ...(type === 'CapReq' && sale.capToken ? { capToken: sale.capToken } : {}),
      ...(opts.idempotencyKey ? { idempotencyKey: opts.idempotencyKey } : {}),
    });
  const ledgerOf = async (xid: string) => {
    const [a] = await db.query<{ captured: number; refunded: number; authorized: number }>(
      `SELECT authorized_value::int AS authorized, captured_value::int AS captured, refunded_value::int AS refunded
         FROM gateway_authorizations WHERE xid = $1`,
      [xid],
    );
    const [e] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM gateway_payment_events WHERE xid = $1',
      [xid],
    );
    return { ...a!, events: e!.n };
  };

  it('refuses every follow-up from a certificate that repeats the MerchantID under another MCA (unknownXID), and changes nothing', async () => {
    const sale = await authorized();
    // Captured in part, so every kind of follow-up has something it could act on.
    const cap = await build('CapReq', sale, EUR(1000));
    expect((await post(JSON.stringify(cap.wire))).status).toBe(200);
    const credit = await build('CredReq', sale, EUR(200));
    expect((await post(JSON.stringify(credit.wire))).status).toBe(200);
    const before = await ledgerOf(sale.xid);
    let refused = 0;
    for (const sameName of [false, true]) {
      const merchant = impostor(sameName);
      for (const [type, amount] of [
        ['CapReq', EUR(500)],
        ['CredReq', EUR(100)],
        ['AuthRevReq', EUR(1000)],
        ['CapRevReq', EUR(100)],
        ['CredRevReq', EUR(100)],
      ] as const) {
        const req = await build(type, sale, amount, { merchant });
        const res = await post(JSON.stringify(req.wire), refused);
        expect(res.status, res.text).toBe(404);
        expect((await readError(res.text, ctx())).content.errorCode).toBe('unknownXID');
        refused++;
      }
    }
    expect(refused).toBe(10);
    expect(await ledgerOf(sale.xid)).toEqual(before);
    // The genuine merchant still can.
    const more = await build('CapReq', sale, EUR(500));
    const res = await post(JSON.stringify(more.wire));
    expect(
      (await verifyFollowUpResponse(res.text, 'CapReq', more.content, world.merchantKx, ctx())).content
        .status,
    ).toBe('captured');
  });

  it('answers a repeated idempotency key with the stored answer, in every process, and never applies it twice', async () => {
    const sale = await authorized();
    const key = `capture-1-${sale.xid.slice(0, 8)}`;
    const first = await build('CapReq', sale, EUR(1000), { idempotencyKey: key });
    const wire = JSON.stringify(first.wire);
    // The same bytes to both processes at once, and again.
    const answers = await Promise.all([0, 1, 0, 1].map((to) => post(wire, to)));
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(
      (await verifyFollowUpResponse(answers[0]!.text, 'CapReq', first.content, world.merchantKx, ctx()))
        .content.status,
    ).toBe('captured');
    // A request rebuilt with another RRPID but the same key and content: the stored answer again.
    const rebuilt = await build('CapReq', sale, EUR(1000), { idempotencyKey: key });
    expect((await post(JSON.stringify(rebuilt.wire), 1)).text).toBe(answers[0]!.text);
    expect(await ledgerOf(sale.xid)).toMatchObject({ captured: 1000, events: 1 });
    // A second capture under a new key is a second capture (split shipment).
    const next = await build('CapReq', sale, EUR(500), { idempotencyKey: `${key}-2` });
    const res = await post(JSON.stringify(next.wire), 1);
    expect(
      (await verifyFollowUpResponse(res.text, 'CapReq', next.content, world.merchantKx, ctx())).content
        .status,
    ).toBe('captured');
    expect(await ledgerOf(sale.xid)).toMatchObject({ captured: 1500, events: 2 });
  });

  it('refuses the same idempotency key with different content, and changes nothing', async () => {
    const sale = await authorized();
    const key = 'refund-once';
    expect((await post(JSON.stringify((await build('CapReq', sale, EUR(3000))).wire))).status).toBe(200);
    const refund = await build('CredReq', sale, EUR(700), { idempotencyKey: key });
    expect((await post(JSON.stringify(refund.wire))).status).toBe(200);
    const before = await ledgerOf(sale.xid);
    for (const [type, amount] of [
      ['CredReq', EUR(800)],
      ['CapRevReq', EUR(700)],
    ] as const) {
      const res = await post(
        JSON.stringify((await build(type, sale, amount, { idempotencyKey: key })).wire),
        1,
      );
      expect(res.status, res.text).toBe(404);
      const error = (await readError(res.text, ctx())).content;
      expect(error.errorCode).toBe('unknownRRPID');
      expect(error.errorMsg).toMatch(/idempotency key was already used for a different request/);
    }
    expect(await ledgerOf(sale.xid)).toEqual(before);
  });

  it('refuses a malformed idempotency key before anything is recorded', async () => {
    const sale = await authorized();
    const req = await build('CapReq', sale, EUR(100));
    // Signed by the merchant, so only the schema can refuse it.
    const bad = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: req.content.transIds,
      amount: EUR(100),
      capToken: sale.capToken,
      idempotencyKey: 'no spaces / or slashes',
    });
    const res = await post(JSON.stringify(bad.wire));
    expect(res.status).toBe(400);
    expect((await readError(res.text, ctx())).content.errorCode).toBe('decodingFailure');
    expect(await ledgerOf(sale.xid)).toMatchObject({ captured: 0, events: 0 });
  });
});
