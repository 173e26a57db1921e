// Batches (BatchAdminReq → BatchAdminRes, SET-PROFILE §6) over real HTTP with real keys, on every
// storage backend: captures and refunds (and a CaptureNow sale) go into the merchant's open batch,
// opened implicitly, and CapRes/CredRes name the BatchID and BatchSequenceNum; the SDK opens,
// closes, lists, and asks for a summary and a paginated detail; closing settles (state, totals,
// one batchSettled notification per XID through the outbox). Exactly once: a close retried gets the
// same bytes, a second close of a settled batch changes nothing (batchAlreadyClosed), concurrent
// captures and a close leave every item in exactly one batch. Refused: a follow-up into another
// merchant's batch or a settled one, another merchant's BatchID (answered like an unknown one),
// forged, unsigned, misdirected, oversize and malformed BatchAdminReqs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Listening } from '../../src/gateway/index.ts';
import type { GatewayClient } from '../../src/merchant/index.ts';
import {
  type Amount,
  type AuthResData,
  type BatchAdminQuery,
  b64u,
  buildBatchAdminReq,
  buildFollowUp,
  carriedCerts,
  encodeWire,
  type FollowUpRequest,
  headerFor,
  jsonBytes,
  MAX_WIRE_BYTES,
  makeWire,
  type NotificationEvent,
  plainBody,
  randomNonce,
  readError,
  type SignedSender,
  signContent,
  type TransIds,
  verifyAuthRes,
  verifyBatchAdminRes,
  verifyFollowUpResponse,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { otherAndRevokedMerchants } from '../support/other-merchants.ts';
import { tamperedSig } from '../support/tamper.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';
import { startWorldGateway, type WorldGateway } from '../support/world-gateway.ts';

const world = makeWorld();
const card = issueCardholder(world, '4111111111111111', '202912');
const TOKEN = 'the-operator-token-printed-at-start';
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const USD = (value: number): Amount => ({ currency: 'USD', value, exponent: 2 });
const ctx = () => ({ trust: world.trust(), clock: { now: new Date() } });

const { other, revoked, crls } = await otherAndRevokedMerchants(world);

interface Sale {
  xid: string;
  transIds: TransIds;
  authRes: AuthResData;
}

describe.each(backends)('batches on $name', (backend) => {
  let opened: Awaited<ReturnType<typeof backend.open>>;
  let db: Database;
  let gw: WorldGateway;
  let server: Listening;
  let client: GatewayClient;
  let otherClient: GatewayClient;

  const post = (body: string | Uint8Array) => gw.post(body);
  /** A real purchase, authorized over HTTP. */
  const sale = async (amount: Amount, opts: { captureNow?: boolean; lidM?: string } = {}): Promise<Sale> => {
    const req = await merchantAuthReq(world, card, { amount, ...opts });
    const res = await post(req.wire);
    expect(res.status, res.text).toBe(200);
    const authRes = (await verifyAuthRes(res.text, req.content, world.merchantKx, ctx())).content;
    expect(authRes.result.status).toBe('approved');
    return { xid: req.xid, transIds: req.content.transIds, authRes };
  };
  /** A follow-up built by hand (to name a batch, or to send the same bytes twice). */
  const followUp = async (type: FollowUpRequest, s: Sale, amount: Amount, batchId?: number) => {
    const built = await buildFollowUp(type, {
      merchant: world.merchant,
      gatewayKeyExchange: world.gatewayKx.certificate,
      transIds: s.transIds,
      amount,
      ...(type === 'CapReq' && s.authRes.capToken ? { capToken: s.authRes.capToken } : {}),
      idempotencyKey: b64u(randomNonce()).slice(0, 24),
      ...(batchId !== undefined ? { batchId } : {}),
    });
    const wire = encodeWire(built.wire);
    const send = async () => {
      const res = await post(wire);
      expect(res.status, res.text).toBe(200);
      return {
        text: res.text,
        content: (await verifyFollowUpResponse(res.text, type, built.content, world.merchantKx, ctx()))
          .content,
      };
    };
    return { send };
  };
  const admin = async (m: SignedSender, q: BatchAdminQuery) => {
    const req = await buildBatchAdminReq({ merchant: m, brandId: 'SETPay', ...q });
    const wire = encodeWire(req.wire);
    const send = async () => {
      const res = await post(wire);
      expect(res.status, res.text).toBe(200);
      return { text: res.text, content: (await verifyBatchAdminRes(res.text, req.content, ctx())).content };
    };
    return { wire, content: req.content, send };
  };
  /** Everything batches and the outbox hold, to show a refusal changed nothing. */
  const snapshot = async () =>
    JSON.stringify([
      await db.query('SELECT * FROM gateway_batches ORDER BY batch_id'),
      await db.query('SELECT * FROM gateway_batch_items ORDER BY batch_id, seq'),
      await db.query('SELECT batch_id, operation, request_digest FROM gateway_batch_requests ORDER BY rrpid'),
      await db.query('SELECT event_id FROM gateway_notifications ORDER BY event_id'),
      await db.query('SELECT xid, captured_value, refunded_value FROM gateway_authorizations ORDER BY xid'),
    ]);
  const settledEvents = async (batchId: number) =>
    (
      await db.query<{ event: string }>(
        `SELECT event FROM gateway_notifications WHERE kind = 'batchSettled' ORDER BY xid`,
      )
    )
      .map((r) => JSON.parse(r.event) as NotificationEvent)
      .filter((e) => e.batch?.batchId === batchId);

  beforeAll(async () => {
    opened = await backend.open();
    db = opened.db;
    gw = await startWorldGateway(world, db, { crls: () => [...crls], dashboard: { token: TOKEN } });
    server = gw.server;
    client = await gw.clientFor();
    otherClient = await gw.clientFor(other);
  });
  afterAll(async () => {
    await gw?.close();
    await opened?.drop();
  });

  let first: number;
  const sales: Sale[] = [];

  it('captures, refunds and a CaptureNow sale go into the open batch, opened implicitly; CapRes and CredRes name BatchID and BatchSequenceNum', async () => {
    expect((await client.listBatches()).batches).toEqual([]);
    const a = await sale(EUR(3000), { lidM: 'order-a' });
    const b = await sale(EUR(2000), { lidM: 'order-b' });
    const u = await sale(USD(700), { lidM: 'order-u' });
    sales.push(a, b, u);
    const capA = await client.capture({
      transIds: a.transIds,
      amount: EUR(3000),
      capToken: a.authRes.capToken!,
    });
    expect(capA).toMatchObject({ status: 'captured', batchSeq: 1 });
    first = capA.batchId!;
    expect(first).toBeGreaterThan(0);
    const capB = await client.capture({
      transIds: b.transIds,
      amount: EUR(2000),
      capToken: b.authRes.capToken!,
    });
    expect(capB).toMatchObject({ status: 'captured', batchId: first, batchSeq: 2 });
    const capU = await client.capture({
      transIds: u.transIds,
      amount: USD(700),
      capToken: u.authRes.capToken!,
    });
    expect(capU).toMatchObject({ batchId: first, batchSeq: 3 });
    const refund = await client.refund({ transIds: a.transIds, amount: EUR(500) });
    expect(refund).toMatchObject({ status: 'credited', batchId: first, batchSeq: 4 });
    // A rejected follow-up and an authorization reversal move no money: no item, no batch named.
    const tooMuch = await client.refund({ transIds: b.transIds, amount: EUR(9000) });
    expect(tooMuch).toMatchObject({ status: 'rejected', reason: 'amountExceedsCapture' });
    expect(tooMuch.batchId).toBeUndefined();
    const now = await sale(EUR(1299), { captureNow: true, lidM: 'order-now' });
    sales.push(now);

    const { batches } = await client.listBatches();
    expect(batches).toEqual([
      expect.objectContaining({ batchId: first, state: 'open', openedBy: 'gateway', itemCount: 5 }),
    ]);
    expect(batches[0]!.settlement).toBeUndefined();
  });

  it('a summary counts and totals per kind and currency; the detail pages through the items in order', async () => {
    const s = await client.batchSummary(first);
    expect(s!.summary).toEqual([
      { kind: 'capture', currency: 'EUR', exponent: 2, count: 3, total: 3000 + 2000 + 1299 },
      { kind: 'credit', currency: 'EUR', exponent: 2, count: 1, total: 500 },
      { kind: 'capture', currency: 'USD', exponent: 2, count: 1, total: 700 },
    ]);
    const p1 = await client.batchDetail(first, { max: 2 });
    expect(p1!.items.map((i) => i.seq)).toEqual([1, 2]);
    expect(p1!.nextStart).toBe(2);
    expect(p1!.items[0]).toMatchObject({
      xid: sales[0]!.xid,
      lidM: 'order-a',
      kind: 'capture',
      amount: EUR(3000),
    });
    const p3 = await client.batchDetail(first, { start: 4, max: 2 });
    expect(p3!.items.map((i) => i.seq)).toEqual([5]);
    expect(p3!.nextStart).toBeUndefined();
    const all = [];
    for await (const item of client.allBatchItems(first)) all.push(item);
    expect(all.map((i) => [i.seq, i.kind, i.lidM])).toEqual([
      [1, 'capture', 'order-a'],
      [2, 'capture', 'order-b'],
      [3, 'capture', 'order-u'],
      [4, 'credit', 'order-a'],
      [5, 'capture', 'order-now'],
    ]);
  });

  it('closing settles the batch once: totals fixed, one batchSettled notification per XID; the same close again gets the same bytes', async () => {
    const close = await admin(world.merchant, { operation: 'close', batchId: first, summary: true });
    const [one, two] = [await close.send(), await close.send()];
    expect(two.text).toBe(one.text);
    expect(one.content).toMatchObject({ status: 'success', batchId: first });
    expect(one.content.batch).toMatchObject({ state: 'settled', itemCount: 5 });
    expect(one.content.batch!.settlement).toEqual([
      { currency: 'EUR', exponent: 2, captured: 6299, credited: 500, net: 5799 },
      { currency: 'USD', exponent: 2, captured: 700, credited: 0, net: 700 },
    ]);
    expect(one.content.summary).toHaveLength(3);
    const events = await settledEvents(first);
    expect(events.map((e) => e.xid).sort()).toEqual(sales.map((s) => s.xid).sort());
    const a = events.find((e) => e.xid === sales[0]!.xid)!;
    expect(a.batch).toMatchObject({ batchId: first, net: 2500 });
    expect(a.amount).toEqual(EUR(2500));
    expect(a.transaction).toMatchObject({ state: 'refunded', captured: 3000, refunded: 500 });

    // A second, different close changes nothing and says how the batch settled.
    const before = await snapshot();
    const again = await client.closeBatch(first);
    expect(again.status).toBe('batchAlreadyClosed');
    expect(again.batch!.settlement).toEqual(one.content.batch!.settlement);
    expect(await settledEvents(first)).toHaveLength(events.length);
    const after = JSON.parse(await snapshot());
    const was = JSON.parse(before);
    expect([after[0], after[1], after[3], after[4]]).toEqual([was[0], was[1], was[3], was[4]]);
  });

  it('after a close the next capture opens a new batch; an open while one is open answers that one', async () => {
    const s = await sale(EUR(100), { lidM: 'order-next' });
    const cap = await client.capture({
      transIds: s.transIds,
      amount: EUR(100),
      capToken: s.authRes.capToken!,
    });
    expect(cap.batchId).toBeGreaterThan(first);
    expect(cap.batchSeq).toBe(1);
    const open = await client.openBatch();
    expect(open).toMatchObject({ status: 'batchAlreadyOpen', batchId: cap.batchId });
    expect((await client.closeBatch(cap.batchId!)).status).toBe('success');
    const fresh = await client.openBatch();
    expect(fresh.status).toBe('success');
    expect(fresh.batch).toMatchObject({ state: 'open', openedBy: 'merchant', itemCount: 0 });
    // An open retried with the same bytes gets the same answer, and opens nothing more.
    const openReq = await admin(world.merchant, { operation: 'open' });
    const o1 = await openReq.send();
    expect((await openReq.send()).text).toBe(o1.text);
    expect(o1.content).toMatchObject({ status: 'batchAlreadyOpen', batchId: fresh.batchId });
    const page = await client.listBatches({ limit: 2 });
    expect(page.batches.map((b) => b.batchId)).toEqual([fresh.batchId, cap.batchId]);
    const rest = await client.listBatches({ limit: 2, before: page.nextBefore! });
    expect(rest.batches.map((b) => b.batchId)).toEqual([first]);
    expect(rest.nextBefore).toBeUndefined();
    expect((await client.listBatches({ state: 'open' })).batches.map((b) => b.batchId)).toEqual([
      fresh.batchId,
    ]);
  });

  it('a follow-up may name its own open batch; into a settled one, another merchant’s or none at all it is rejected and moves nothing, retries answering the same', async () => {
    const own = (await client.listBatches({ state: 'open' })).batches[0]!.batchId;
    const theirs = (await otherClient.openBatch()).batchId!;
    expect(theirs).not.toBe(own);
    const s = await sale(EUR(900), { lidM: 'order-named' });
    for (const [batchId, reason] of [
      [first, 'batchClosed'],
      [theirs, 'unknownBatch'],
      [theirs + 1000, 'unknownBatch'],
    ] as const) {
      const before = await snapshot();
      const cap = await followUp('CapReq', s, EUR(900), batchId);
      const r1 = await cap.send();
      expect(r1.content).toMatchObject({ status: 'rejected', reason });
      expect(r1.content.batchId).toBeUndefined();
      expect((await cap.send()).text).toBe(r1.text);
      const was = JSON.parse(before);
      const now = JSON.parse(await snapshot());
      expect([now[0], now[1], now[4]]).toEqual([was[0], was[1], was[4]]);
    }
    const into = await followUp('CapReq', s, EUR(900), own);
    const ok = await into.send();
    expect(ok.content).toMatchObject({ status: 'captured', batchId: own, batchSeq: 1 });
    expect((await into.send()).text).toBe(ok.text);
    expect((await client.batchSummary(own))!.batch.itemCount).toBe(1);
    expect((await otherClient.batchSummary(theirs))!.batch.itemCount).toBe(0);
  });

  it('another merchant’s BatchID answers exactly like one that does not exist, and its close changes nothing', async () => {
    const ask = async (batchId: number, operation: 'status' | 'close') => {
      const { content } = await (await admin(other, { operation, batchId, summary: true })).send();
      const { date: _d, rrpid: _r, ...rest } = content;
      return rest;
    };
    const before = await snapshot();
    for (const operation of ['status', 'close'] as const) {
      const mine = await ask(first, operation);
      const nobody = await ask(first + 100_000, operation);
      expect(mine).toEqual({ ...nobody, batchId: first });
      expect(mine.status).toBe('unknownBatchID');
      expect(mine.batch).toBeUndefined();
    }
    expect(await otherClient.batchSummary(first)).toBeUndefined();
    expect(await otherClient.batchDetail(first)).toBeUndefined();
    expect((await otherClient.listBatches()).batches.every((b) => b.batchId !== first)).toBe(true);
    const was = JSON.parse(before);
    const now = JSON.parse(await snapshot());
    expect([now[0], now[1], now[3]]).toEqual([was[0], was[1], was[3]]);
  });

  it('captures racing a close: every item lands in exactly one batch, and the settlement is the sum of its items', async () => {
    const racing = await Promise.all([1, 2, 3, 4].map((i) => sale(EUR(100 * i), { lidM: `race-${i}` })));
    const open = (await client.listBatches({ state: 'open' })).batches[0]!.batchId;
    const results = await Promise.all([
      ...racing.map((s, i) =>
        client.capture({ transIds: s.transIds, amount: EUR(100 * (i + 1)), capToken: s.authRes.capToken! }),
      ),
      client.closeBatch(open),
    ]);
    const caps = results.slice(0, 4) as Awaited<ReturnType<GatewayClient['capture']>>[];
    expect(caps.every((c) => c.status === 'captured' && c.batchId !== undefined)).toBe(true);
    const items = await db.query<{ xid: string; batch_id: unknown }>(
      'SELECT xid, batch_id FROM gateway_batch_items WHERE xid = ANY($1::text[])',
      [racing.map((s) => s.xid)],
    );
    expect(items).toHaveLength(4);
    for (const c of caps) {
      const b = await client.batchSummary(c.batchId!);
      expect(b!.batch.itemCount).toBeGreaterThanOrEqual(1);
    }
    const closed = (await client.batchSummary(open))!;
    expect(closed.batch.state).toBe('settled');
    const fromItems = closed.summary.reduce(
      (n, t) => n + (t.kind === 'capture' || t.kind === 'creditReversal' ? t.total : -t.total),
      0,
    );
    expect(closed.batch.settlement!.reduce((n, s) => n + s.net, 0)).toBe(fromItems);
    // The items counted are the items there are.
    const count = await db.query<{ n: unknown }>(
      'SELECT count(*) AS n FROM gateway_batch_items WHERE batch_id = $1',
      [open],
    );
    expect(Number(count[0]!.n)).toBe(closed.batch.itemCount);
  });

  it('the same close sent twice at once settles once', async () => {
    const s = await sale(EUR(250), { lidM: 'twice' });
    const cap = await client.capture({
      transIds: s.transIds,
      amount: EUR(250),
      capToken: s.authRes.capToken!,
    });
    const close = await admin(world.merchant, { operation: 'close', batchId: cap.batchId! });
    const [x, y] = await Promise.all([close.send(), close.send()]);
    expect(y.text).toBe(x.text);
    expect(x.content.status).toBe('success');
    // One event per XID in the batch, however many closes arrived.
    const xids = (await settledEvents(cap.batchId!)).map((e) => e.xid);
    expect(xids).toContain(s.xid);
    expect(new Set(xids).size).toBe(xids.length);
    const inBatch = await db.query('SELECT DISTINCT xid FROM gateway_batch_items WHERE batch_id = $1', [
      cap.batchId,
    ]);
    expect(xids).toHaveLength(inBatch.length);
  });

  it('the dashboard shows every batch and its settlement, to the operator only', async () => {
    expect((await fetch(`${server.url}/batches`)).status).toBe(401);
    expect((await fetch(`${server.url}/api/batches`)).status).toBe(401);
    const signIn = await fetch(`${server.url}/batches?token=${TOKEN}`, { redirect: 'manual' });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${server.url}/batches?state=settled`, { headers: { cookie } })).text();
    expect(page).toContain(`href="/batches/${first}"`);
    expect(page).toContain('€57.99');
    const one = await (await fetch(`${server.url}/batches/${first}`, { headers: { cookie } })).text();
    expect(one).toContain('Net to the merchant');
    expect(one).toContain('order-now');
    expect(one).toContain('$7.00');
    expect((await fetch(`${server.url}/batches/999999999`, { headers: { cookie } })).status).toBe(404);
    expect((await fetch(`${server.url}/batches/x%3Cscript%3E`, { headers: { cookie } })).status).toBe(404);
    const api = await fetch(`${server.url}/api/batches?state=open`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const { batches } = (await api.json()) as { batches: { state: string }[] };
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.state === 'open')).toBe(true);
  });

  describe('refusals: a SET Error with its code, and nothing changed', () => {
    const signed = async (m: SignedSender, q: BatchAdminQuery = { operation: 'list' }, now?: Date) =>
      JSON.parse(
        encodeWire(
          (await buildBatchAdminReq({ merchant: m, brandId: 'SETPay', ...q, ...(now ? { now } : {}) })).wire,
        ),
      );
    /** Content the builder would never make, signed properly by `m`. */
    const resignAs = async (m: SignedSender, fields: Record<string, unknown>) => {
      const content = {
        type: 'BatchAdminReq',
        date: new Date().toISOString(),
        rrpid: b64u(randomNonce()),
        brandId: 'SETPay',
        operation: 'list',
        ...fields,
      };
      return JSON.stringify(
        makeWire('BatchAdminReq', headerFor(content), await signContent(content, m), {
          certs: carriedCerts([m.chain]),
        }),
      );
    };
    const recontent = (wire: { body: { content: string } }, patch: (c: Record<string, unknown>) => void) => {
      const c = JSON.parse(Buffer.from(wire.body.content, 'base64url').toString());
      patch(c);
      wire.body.content = b64u(jsonBytes(c));
      return JSON.stringify(wire);
    };
    let usedRrpid: string;
    beforeAll(async () => {
      const req = await admin(world.merchant, { operation: 'close', batchId: first });
      await req.send();
      usedRrpid = req.content.rrpid;
    });

    const cases: [string, () => Promise<string | Uint8Array> | string | Uint8Array, string][] = [
      [
        'unsigned (a plain body)',
        async () => {
          const w = await signed(world.merchant, { operation: 'close', batchId: 1 });
          w.body = plainBody(JSON.parse(Buffer.from(w.body.content, 'base64url').toString()));
          return JSON.stringify(w);
        },
        'decodingFailure',
      ],
      [
        'signature altered',
        async () => {
          const w = await signed(world.merchant, { operation: 'open' });
          w.body.sig = tamperedSig(w.body.sig);
          return JSON.stringify(w);
        },
        'signatureFailure',
      ],
      [
        'a status turned into a close after signing',
        async () =>
          recontent(await signed(world.merchant, { operation: 'status', batchId: 1 }), (c) => {
            c.operation = 'close';
          }),
        'signatureFailure',
      ],
      [
        'another batch named after signing',
        async () =>
          recontent(await signed(world.merchant, { operation: 'close', batchId: 1 }), (c) => {
            c.batchId = 2;
          }),
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
        'dated 11 minutes ago',
        async () =>
          JSON.stringify(
            await signed(world.merchant, { operation: 'open' }, new Date(Date.now() - 11 * 60_000)),
          ),
        'messageTooOld',
      ],
      ['signed by a cardholder', async () => JSON.stringify(await signed(card)), 'invalidCertificate'],
      [
        'signed by the gateway itself',
        async () => JSON.stringify(await signed(world.gateway)),
        'invalidCertificate',
      ],
      [
        'for another brand',
        async () => resignAs(world.merchant, { brandId: 'OtherPay' }),
        'invalidCertificate',
      ],
      [
        'a revoked merchant certificate',
        async () => JSON.stringify(await signed(revoked)),
        'revokedCertificate',
      ],
      [
        'over the BatchAdminReq limit (16 KiB)',
        async () => {
          const w = await signed(world.merchant);
          w.certs = [...(w.certs ?? []), ...Array.from({ length: 4 }, () => 'A'.repeat(4000))];
          return JSON.stringify(w);
        },
        'messageTooBig',
      ],
      ['over 256 KiB', () => new Uint8Array(MAX_WIRE_BYTES + 1).fill(0x20), 'messageTooBig'],
      ['not JSON', () => '{"set":"SET/2","type":"BatchAdminReq",', 'decodingFailure'],
      [
        'close without a batchId',
        async () => resignAs(world.merchant, { operation: 'close' }),
        'decodingFailure',
      ],
      [
        'open naming a batch',
        async () => resignAs(world.merchant, { operation: 'open', batchId: 1 }),
        'decodingFailure',
      ],
      [
        'an unknown operation (purge)',
        async () => resignAs(world.merchant, { operation: 'purge' }),
        'decodingFailure',
      ],
      [
        'a detail page of 51 items',
        async () =>
          resignAs(world.merchant, { operation: 'status', batchId: 1, detail: { start: 0, max: 51 } }),
        'decodingFailure',
      ],
      [
        'a negative batchId',
        async () => resignAs(world.merchant, { operation: 'status', batchId: -1 }),
        'decodingFailure',
      ],
      [
        'a batchId that is a string',
        async () => resignAs(world.merchant, { operation: 'status', batchId: '1' }),
        'decodingFailure',
      ],
      [
        'a field SET/2 does not know',
        async () => resignAs(world.merchant, { purge: true }),
        'decodingFailure',
      ],
      [
        'an RRPID already used for another close',
        async () => resignAs(world.merchant, { operation: 'close', batchId: first + 1, rrpid: usedRrpid }),
        'unknownRRPID',
      ],
    ];

    it.each(cases)('%s', async (_name, body, code) => {
      const before = await snapshot();
      const res = await post(await body());
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      const { content } = await readError(res.text, ctx());
      expect(content.errorCode, content.errorMsg).toBe(code);
      expect(await snapshot()).toBe(before);
    });

    it('an authorization reversal naming a batch is refused: it moves no money', async () => {
      const s = await sale(EUR(400));
      const built = await buildFollowUp('AuthRevReq', {
        merchant: world.merchant,
        gatewayKeyExchange: world.gatewayKx.certificate,
        transIds: s.transIds,
        amount: EUR(0),
        batchId: first,
      });
      const before = await snapshot();
      const res = await post(encodeWire(built.wire));
      expect(res.status).toBe(400);
      expect((await readError(res.text, ctx())).content.errorCode).toBe('decodingFailure');
      expect(await snapshot()).toBe(before);
    });

    it('the SDK refuses a bad argument before sending anything', async () => {
      await expect(client.batchDetail(first, { max: 500 })).rejects.toMatchObject({
        code: 'decodingFailure',
      });
      await expect(client.listBatches({ limit: 0 })).rejects.toMatchObject({ code: 'decodingFailure' });
      await expect(client.closeBatch(0)).rejects.toMatchObject({ code: 'decodingFailure' });
    });
  });
});
