// Subsequent authorization at the gateway over real HTTP, on every storage backend (SET-PROFILE §6:
// split shipment with SubsequentAuthInd + AuthToken; installments and recurring payments with
// InstallRecurData). Real keys, real HPKE, the gateway's own clock moved forward: no sleeps.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/gateway/index.ts';
import {
  type Amount,
  type AuthResData,
  b64u,
  buildFollowUp,
  buildSubsequentAuthReq,
  carriedCerts,
  type InstallRecurData,
  randomNonce,
  readError,
  type SignedSender,
  type TransIds,
  verifyAuthRes,
  verifyFollowUpResponse,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { impostorMerchant, neighbourMerchant } from '../support/other-merchants.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';
import { startWorldGateway, type WorldGateway } from '../support/world-gateway.ts';

const DAY = 86_400_000;
const start = new Date();
const world = makeWorld(start);
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const dayString = (d: Date) => d.toISOString().slice(0, 10);

describe.each(backends)('subsequent authorization on $name', (backend) => {
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let db: Database;
  let _gateway: Gateway;
  let gw: WorldGateway;
  /** The gateway's clock: tests move it forward instead of waiting. */
  let now = start;
  const ctx = () => ({ trust: world.trust(), clock: { now } });

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    gw = await startWorldGateway(world, db, { now: () => now });
    _gateway = gw.gateway;
  });
  afterAll(async () => {
    await gw?.close();
    await opened?.drop();
  });

  const post = (body: string) => gw.post(body);

  interface Sale {
    xid: string;
    transIds: TransIds;
    first: AuthResData;
  }

  /** A purchase signed for `signed`, first authorized for `first` (a plan's first payment, or a first part). */
  const sale = async (
    signed: Amount,
    opts: { first?: Amount; plan?: InstallRecurData; captureNow?: boolean } = {},
  ): Promise<Sale> => {
    now = start;
    const req = await merchantAuthReq(world, cardholder, {
      amount: signed,
      ...(opts.first ? { authReqAmt: opts.first } : {}),
      ...(opts.plan ? { installRecurData: opts.plan } : {}),
      ...(opts.captureNow ? { captureNow: true } : {}),
      now: start,
    });
    const res = await post(req.wire);
    expect(res.status, res.text).toBe(200);
    const first = (await verifyAuthRes(res.text, req.content, world.merchantKx, ctx())).content;
    expect(first.result.status).toBe('approved');
    return { xid: req.xid, transIds: req.content.transIds, first };
  };

  const subsequent = async (
    s: Sale,
    amount: Amount,
    key: string,
    opts: { token?: string; merchant?: SignedSender; at?: Date; captureNow?: boolean; rrpid?: string } = {},
  ) => {
    if (opts.at) now = opts.at;
    const req = await buildSubsequentAuthReq({
      merchant: opts.merchant ?? world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: s.transIds,
      authToken: opts.token ?? s.first.authToken!,
      authReqAmt: amount,
      idempotencyKey: key,
      ...(opts.captureNow ? { captureNow: true } : {}),
      extraCerts: carriedCerts([world.merchantKx.chain]),
      rrpid: opts.rrpid ?? b64u(randomNonce()),
      now,
    });
    const wire = JSON.stringify(req.wire);
    const res = await post(wire);
    return { ...res, wire, content: req.content };
  };
  const approved = async (r: Awaited<ReturnType<typeof subsequent>>) => {
    expect(r.status, r.text).toBe(200);
    const content = (await verifyAuthRes(r.text, r.content, world.merchantKx, ctx())).content;
    expect(content.result.status).toBe('approved');
    return content;
  };
  const refused = async (r: { status: number; text: string }, code: string, reason: RegExp) => {
    expect(r.status, r.text).toBeGreaterThanOrEqual(400);
    const error = (await readError(r.text, ctx())).content;
    expect(error.errorCode).toBe(code);
    expect(error.errorMsg).toMatch(reason);
  };
  const capture = async (s: Sale, amount: Amount, capToken: string) => {
    const req = await buildFollowUp('CapReq', {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: s.transIds,
      amount,
      capToken,
      now,
    });
    const res = await post(JSON.stringify(req.wire));
    expect(res.status, res.text).toBe(200);
    return (await verifyFollowUpResponse(res.text, 'CapReq', req.content, world.merchantKx, ctx())).content;
  };
  const ledgerOf = async (xid: string) => {
    const [a] = await db.query<{ authorized: number; captured: number; granted: number; approved: number }>(
      `SELECT authorized_value::int AS authorized, captured_value::int AS captured,
              granted_value::int AS granted, approved_count::int AS approved
         FROM gateway_authorizations WHERE xid = $1`,
      [xid],
    );
    const [n] = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM gateway_subsequent_authorizations WHERE xid = $1',
      [xid],
    );
    return { ...a!, subsequent: n!.n };
  };

  describe('split shipment', () => {
    it('authorizes and captures an order in two parts, never above what the cardholder signed', async () => {
      const s = await sale(EUR(3000), { first: EUR(1800) });
      expect(s.first.authToken).toBeDefined();
      expect((await capture(s, EUR(1800), s.first.capToken!)).status).toBe('captured');
      const part2 = await approved(await subsequent(s, EUR(1200), 'part-2'));
      // Nothing remains of the signed amount: no further AuthToken.
      expect(part2.authToken).toBeUndefined();
      expect(part2.capToken).toBeDefined();
      expect((await capture(s, EUR(1200), part2.capToken!)).status).toBe('captured');
      expect(await ledgerOf(s.xid)).toEqual({
        authorized: 3000,
        captured: 3000,
        granted: 3000,
        approved: 2,
        subsequent: 1,
      });
    });

    it('refuses a part above what remains of the signed amount, and records nothing', async () => {
      const s = await sale(EUR(3000), { first: EUR(1000) });
      await refused(await subsequent(s, EUR(2500), 'too-much'), 'signatureFailure', /above what remains/);
      expect(await ledgerOf(s.xid)).toMatchObject({ authorized: 1000, granted: 1000, subsequent: 0 });
    });

    it('refuses the token used again beyond the signed amount', async () => {
      const s = await sale(EUR(3000), { first: EUR(1000) });
      const second = await approved(await subsequent(s, EUR(1500), 'part-2'));
      // The same first token again, and the newer one: both are held to what remains (EUR 5.00).
      await refused(await subsequent(s, EUR(1500), 'part-3'), 'signatureFailure', /5\.00 remains/);
      await refused(
        await subsequent(s, EUR(600), 'part-3b', { token: second.authToken! }),
        'signatureFailure',
        /above what remains/,
      );
      await approved(await subsequent(s, EUR(500), 'part-3c', { token: second.authToken! }));
      expect(await ledgerOf(s.xid)).toMatchObject({ authorized: 3000, granted: 3000, subsequent: 2 });
    });

    it('refuses the token from another merchant (unknownXID), whoever certified it', async () => {
      const s = await sale(EUR(3000), { first: EUR(1000) });
      for (const merchant of [
        impostorMerchant(world, false),
        impostorMerchant(world, true),
        neighbourMerchant(world),
      ]) {
        await refused(await subsequent(s, EUR(500), 'theirs', { merchant }), 'unknownXID', /this merchant/);
      }
      expect(await ledgerOf(s.xid)).toMatchObject({ authorized: 1000, subsequent: 0 });
    });

    it('refuses a tampered token, and a token of another purchase', async () => {
      const s = await sale(EUR(3000), { first: EUR(1000) });
      const other = await sale(EUR(3000), { first: EUR(1000) });
      const token = s.first.authToken!;
      const at = Math.floor(token.length / 2);
      const tampered = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
      await refused(await subsequent(s, EUR(500), 'tampered', { token: tampered }), 'decodingFailure', /./);
      await refused(
        await subsequent(s, EUR(500), 'swapped', { token: other.first.authToken! }),
        'unknownXID',
        /another purchase/,
      );
      expect(await ledgerOf(s.xid)).toMatchObject({ authorized: 1000, subsequent: 0 });
    });

    it('answers a retry under the same key with the same AuthRes, and authorizes once', async () => {
      const s = await sale(EUR(3000), { first: EUR(1000) });
      const rrpid = b64u(randomNonce());
      const first = await subsequent(s, EUR(700), 'part-2', { rrpid });
      await approved(first);
      // The same bytes, a re-sealed request with the same RRPID, and one rebuilt with a new RRPID.
      expect((await post(first.wire)).text).toBe(first.text);
      expect((await subsequent(s, EUR(700), 'part-2', { rrpid })).text).toBe(first.text);
      expect((await subsequent(s, EUR(700), 'part-2')).text).toBe(first.text);
      // The same key for another amount is another request.
      await refused(await subsequent(s, EUR(800), 'part-2'), 'unknownRRPID', /idempotency key/);
      expect(await ledgerOf(s.xid)).toMatchObject({ authorized: 1700, granted: 1700, subsequent: 1 });
    });
  });

  describe('recurring payments', () => {
    const until = () => dayString(new Date(start.getTime() + 100 * DAY));
    const monthly = (): InstallRecurData => ({
      kind: 'recurring',
      frequencyDays: 30,
      until: until(),
      ceiling: EUR(1200),
    });

    it('accepts payments on the signed schedule and refuses one too early, above the ceiling, and after the end date', async () => {
      const s = await sale(EUR(999), { plan: monthly(), captureNow: true });
      expect(s.first.authToken).toBeDefined();
      const at = (days: number) => new Date(start.getTime() + days * DAY);
      await refused(
        await subsequent(s, EUR(999), 'p2-early', { at: at(10), captureNow: true }),
        'signatureFailure',
        new RegExp(`too early.*${dayString(at(30))}`),
      );
      await approved(await subsequent(s, EUR(999), 'p2', { at: at(30), captureNow: true }));
      await refused(
        await subsequent(s, EUR(1201), 'p3-high', { at: at(60), captureNow: true }),
        'signatureFailure',
        /above the EUR 12\.00 per payment/,
      );
      await approved(await subsequent(s, EUR(1200), 'p3', { at: at(60), captureNow: true }));
      await refused(
        await subsequent(s, EUR(999), 'p4-late', { at: at(101), captureNow: true }),
        'signatureFailure',
        new RegExp(`ended on ${until()}`),
      );
      expect(await ledgerOf(s.xid)).toEqual({
        authorized: 999 + 999 + 1200,
        captured: 999 + 999 + 1200,
        granted: 999 + 999 + 1200,
        approved: 3,
        subsequent: 2,
      });
    });
  });

  describe('installments', () => {
    it('accepts the signed number of payments and refuses one more', async () => {
      const plan: InstallRecurData = {
        kind: 'installment',
        payments: 3,
        frequencyDays: 30,
        ceiling: EUR(4000),
      };
      const s = await sale(EUR(4000), { plan });
      const at = (days: number) => new Date(start.getTime() + days * DAY);
      await approved(await subsequent(s, EUR(4000), 'i2', { at: at(30) }));
      const third = await approved(await subsequent(s, EUR(4000), 'i3', { at: at(60) }));
      // The last payment: no token for a fourth.
      expect(third.authToken).toBeUndefined();
      await refused(
        await subsequent(s, EUR(4000), 'i4', { at: at(90) }),
        'signatureFailure',
        /signed for 3 payments and 3 have been made/,
      );
      expect(await ledgerOf(s.xid)).toMatchObject({ authorized: 12000, approved: 3, subsequent: 2 });
    });

    it('refuses a first AuthReq whose plan differs from the one the cardholder signed', async () => {
      const plan: InstallRecurData = {
        kind: 'installment',
        payments: 3,
        frequencyDays: 30,
        ceiling: EUR(4000),
      };
      now = start;
      for (const declared of ['none', { ...plan, payments: 12 }] as const) {
        const req = await merchantAuthReq(world, cardholder, {
          amount: EUR(4000),
          installRecurData: plan,
          declaredPlan: declared,
          now,
        });
        await refused(
          await post(req.wire),
          'signatureFailure',
          /plan \(InstallRecurData\) in AuthReq differs/,
        );
      }
    });
  });
});
