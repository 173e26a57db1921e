// Notifications (SET-PROFILE §6) end to end over real HTTP with real keys, on PGlite and (with
// TEST_DATABASE_URL) PostgreSQL: the shop registers its URL (NotifyRegReq → NotifyRegRes), the
// real gateway writes an outbox event in the same transaction as each ledger change and its
// delivery worker POSTs signed Notifications to the SDK's createNotificationHandler, which updates
// the OrderStore. Covers back-off after failures, a hanging receiver and a dead URL, the lease
// (a process that died holding an event), two workers on one database, forged and foreign
// notifications, replays, out-of-order seq, and the dashboard's Resend. No sleeps: the tests poll
// for state with a deadline and drive the worker with runOnce where the order matters.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type Listening } from '../../src/gateway/index.ts';
import {
  type Amount,
  balanceOf,
  type createGatewayClient,
  createMerchantActions,
  createNotificationHandler,
  MemoryOrderStore,
  type MerchantKeys,
  purchaseStateOf,
  type ReceivedNotification,
  SetError,
} from '../../src/merchant/index.ts';
import {
  b64u,
  buildNotification,
  buildNotifyRegReq,
  buildSandboxHierarchy,
  encodeWire,
  type NotificationEvent,
  randomNonce,
  readError,
} from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { backends } from '../support/databases.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';
import { startWorldGateway, type WorldGateway, worldGatewayDeps } from '../support/world-gateway.ts';
import { closedPort, purchaseAt, type Served, serve, serveShop } from './merchant-support.ts';

const world = makeWorld();
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const cardholder = issueCardholder(world);
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const TOKEN = 'operator-token-for-notification-tests';
const FAST = { baseDelayMs: 20, maxDelayMs: 80, timeoutMs: 1_500, pollMs: 25, leaseMs: 5_000 };

/** Polls `probe` until it returns something truthy, or fails after `ms`. */
async function until<T>(probe: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = await probe();
    if (got) return got;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setTimeout(r, 10));
  }
}

// Another brand's hierarchy, whose root the shop also trusts: its gateway is valid, but not ours.
const other = buildSandboxHierarchy({
  brandId: 'OtherPay',
  merchantOrigin: 'https://shop.example',
  now: new Date(),
});
const otherEntry = (name: string) => other.entries.find((e) => e.name === name)!;
const otherGateway = {
  privateKey: otherEntry('gateway-sig').privateKey,
  certificate: otherEntry('gateway-sig').certificate,
  chain: [
    otherEntry('gateway-sig').certificate,
    ...otherEntry('gateway-sig').issuerNames.map((n) => otherEntry(n).certificate),
  ],
};
// A foreign world: a gateway certificate under a root the shop does not trust.
const foreign = makeWorld();

for (const backend of backends) {
  describe(`notifications (${backend.name})`, () => {
    let opened: Awaited<ReturnType<typeof backend.open>>;
    let db: Database;
    let gateway: Gateway;
    let server: Listening;
    let gw: WorldGateway;
    let receiver: Served;
    let orders: MemoryOrderStore;
    let shopServer: Served;
    let client: Awaited<ReturnType<typeof createGatewayClient>>;
    const seen: ReceivedNotification[] = [];
    /** Every body POSTed to the receiver, and how many to answer 503 before the next success. */
    const bodies: string[] = [];
    let failNext = 0;
    let hang = false;
    const handler = () =>
      createNotificationHandler({
        merchant: keys,
        orders,
        trustedRoots: [world.root, other.entries.find((e) => e.name === 'root')!.certificate],
        onNotification: (n) => {
          seen.push(n);
        },
        log: () => {},
      });
    let notify: ReturnType<typeof createNotificationHandler>;

    beforeAll(async () => {
      opened = await backend.open();
      db = opened.db;
      gw = await startWorldGateway(world, db, { dashboard: { token: TOKEN }, notificationDelivery: FAST });
      ({ gateway, server } = gw);
      orders = new MemoryOrderStore();
      notify = handler();
      receiver = await serve(async (request) => {
        const body = await request.clone().text();
        bodies.push(body);
        if (hang) return new Promise<Response>(() => {});
        if (failNext > 0) {
          failNext--;
          return new Response('busy', { status: 503 });
        }
        return notify(request);
      });
      client = await gw.clientFor(keys, { backoffMs: 5 });
      shopServer = await serveShop(world, keys, client, orders);
    });
    afterAll(async () => {
      await gateway?.delivery.stop();
      await shopServer?.close();
      await receiver?.close();
      await gw?.close();
      await opened?.drop();
    });

    let n = 0;
    /** A purchase through the shop's SET endpoint and the real gateway: returns its XID. */
    async function purchase(value: number): Promise<string> {
      const lidM = `order-${backend.name}-${++n}`;
      orders.addOrder(lidM, { od: `Order ${lidM}`, amount: EUR(value) });
      const { xid } = await purchaseAt(shopServer.url, new TestWallet(world, cardholder), lidM);
      expect((await orders.find(xid))?.record?.outcome.result.status).toBe('approved');
      return xid;
    }
    const delivered = (xid: string, seq: number) =>
      until(
        async () => {
          await gateway.delivery.runOnce();
          const list = await gateway.notifications.ofTransaction(xid);
          return list.find((x) => x.event.seq === seq && x.status === 'delivered');
        },
        `seq ${seq} of ${xid.slice(0, 8)} delivered`,
      );
    const operatorRefund = (xid: string, value: number) =>
      gateway.ledger.applyFollowUp({
        kind: 'credit',
        xid,
        rrpid: b64u(randomNonce()),
        requestDigest: b64u(randomNonce()),
        amount: EUR(value),
        source: 'operator',
        at: new Date(),
      });

    it('registers the URL with NotifyRegReq → NotifyRegRes, bound to the merchant identity; refuses bad URLs', async () => {
      const res = await client.registerNotifications(`${receiver.url}/notify`);
      expect(res.url).toBe(`${receiver.url}/notify`);
      expect(res.merchantId).toBe(world.merchant.certificate.merchantData?.merchantId);
      // The schema refuses anything but an absolute http(s) URL without credentials, ≤ 2048 characters.
      for (const url of [
        'ftp://shop.example/n',
        'javascript:alert(1)',
        'https://user:pw@shop.example/n',
        'https://shop.example/n#x',
        `https://shop.example/${'a'.repeat(2100)}`,
        '/relative',
      ]) {
        const refused = await client.registerNotifications(url).catch((e: unknown) => e);
        expect(refused, url).toBeInstanceOf(SetError);
        expect((refused as SetError).code).toBe('decodingFailure');
      }
      // Not a merchant: a gateway (or cardholder) certificate cannot register anything.
      const asGateway = await buildNotifyRegReq({
        merchant: world.gateway,
        brandId: 'SETPay',
        url: 'http://evil.example/',
      });
      const r = await fetch(`${server.url}/set`, { method: 'POST', body: encodeWire(asGateway.wire) });
      expect(r.status).toBe(400);
      expect(
        (await readError(await r.text(), { trust: world.trust(), clock: { now: new Date() } })).content
          .errorCode,
      ).toBe('invalidCertificate');
      // A URL hand-edited past the schema in the wire (signature no longer matches) is refused too.
      const good = await buildNotifyRegReq({
        merchant: world.merchant,
        brandId: 'SETPay',
        url: 'http://127.0.0.1:1/x',
      });
      const w = JSON.parse(encodeWire(good.wire));
      const content = JSON.parse(Buffer.from(w.body.content, 'base64url').toString());
      w.body.content = Buffer.from(JSON.stringify({ ...content, url: 'http://evil.example/' })).toString(
        'base64url',
      );
      const tampered = JSON.stringify(w);
      expect((await fetch(`${server.url}/set`, { method: 'POST', body: tampered })).status).toBe(400);
      const identity = await db.query('SELECT url FROM gateway_notification_endpoints');
      expect(identity.map((r) => r.url)).toEqual([`${receiver.url}/notify`]);
    });

    it('an authorization and an operator refund reach the OrderStore; the order shows the refund', async () => {
      const xid = await purchase(2500);
      await delivered(xid, 1);
      expect((await orders.find(xid))?.gateway).toMatchObject({ seq: 1, kind: 'authorization' });
      const before = seen.length;
      // The gateway's operator refunds part: a change the shop's own follow-ups never see.
      await gateway.ledger.applyFollowUp({
        kind: 'capture',
        xid,
        rrpid: b64u(randomNonce()),
        requestDigest: b64u(randomNonce()),
        amount: EUR(2500),
        source: 'operator',
        at: new Date(),
      });
      await operatorRefund(xid, 1000);
      await delivered(xid, 3);
      const tx = (await orders.find(xid))!;
      expect(tx.gateway).toMatchObject({
        seq: 3,
        kind: 'credit',
        source: 'operator',
        // The ledger's state names the last kind of change; the balances say it is partial.
        transaction: { state: 'refunded', captured: 2500, refunded: 1000 },
      });
      expect(purchaseStateOf(tx)).toBe('partiallyRefunded');
      expect(seen.slice(before).map((s) => s.notification.seq)).toEqual([2, 3]);
      expect(seen.slice(before).every((s) => s.outcome === 'applied')).toBe(true);
      expect(balanceOf(tx)).toMatchObject({ captured: 2500, refunded: 1000 });
      // The shop refunds the rest itself: its own answer is recorded at once, the notification of
      // its own refund comes after; in either order the operator's refund still counts, once.
      const actions = createMerchantActions({ gateway: client, orders, merchant: keys });
      expect((await actions.refund(xid, EUR(1500))).status).toBe('credited');
      expect(balanceOf((await orders.find(xid))!)).toMatchObject({ captured: 2500, refunded: 2500 });
      expect(purchaseStateOf((await orders.find(xid))!)).toBe('refunded');
      await delivered(xid, 4);
      const settled = (await orders.find(xid))!;
      expect(settled.gateway).toMatchObject({ seq: 4, kind: 'credit', source: 'merchant' });
      expect(settled.operatorEvents?.map((e) => e.seq)).toEqual([2, 3]);
      expect(balanceOf(settled)).toMatchObject({ authorized: 2500, captured: 2500, refunded: 2500 });
      expect(purchaseStateOf(settled)).toBe('refunded');
      // Nothing left to refund: the SDK refuses before asking the gateway.
      await expect(actions.refund(xid, EUR(1))).rejects.toThrow();
    });

    it('seq is 1, 2, 3… per XID with no gaps, and only committed changes have events', async () => {
      const xid = await purchase(900);
      // A refused follow-up (refund before capture) changes nothing: no event.
      await operatorRefund(xid, 100);
      await gateway.ledger.applyFollowUp({
        kind: 'authorizationReversal',
        xid,
        rrpid: b64u(randomNonce()),
        requestDigest: b64u(randomNonce()),
        amount: EUR(0),
        source: 'operator',
        at: new Date(),
      });
      const list = await gateway.notifications.ofTransaction(xid);
      expect(list.map((x) => [x.event.seq, x.event.kind])).toEqual([
        [1, 'authorization'],
        [2, 'authorizationReversal'],
      ]);
      expect(list[1]!.event.transaction).toMatchObject({ state: 'reversed', authorized: 0 });
      await delivered(xid, 2);
      expect(purchaseStateOf((await orders.find(xid))!)).toBe('reversed');
    });

    it('retries with back-off after the receiver fails 3 times, each attempt recorded', async () => {
      failNext = 3;
      const xid = await purchase(1200);
      const done = await delivered(xid, 1);
      expect(done.attempts).toBe(4);
      const history = [...done.history].reverse();
      expect(history.map((h) => h.httpStatus)).toEqual([503, 503, 503, 200]);
      expect(history.slice(0, 3).every((h) => h.error === 'the receiver answered HTTP 503')).toBe(true);
      // Each wait is at least half the doubled base delay (20, 40, 80 capped at 80 ms).
      for (let i = 1; i < history.length; i++) {
        const gap = history[i]!.startedAt.getTime() - history[i - 1]!.startedAt.getTime();
        expect(gap).toBeGreaterThanOrEqual(
          Math.min(FAST.maxDelayMs, FAST.baseDelayMs * 2 ** (i - 1)) / 2 - 1,
        );
      }
      expect((await orders.find(xid))?.gateway?.seq).toBe(1);
    });

    it('a hanging receiver times out, a dead URL is an error sentence; neither crashes; then marked failed', async () => {
      const limited = await createGateway(
        worldGatewayDeps(world, db, { notificationDelivery: { ...FAST, timeoutMs: 200, maxAttempts: 2 } }),
      );
      hang = true;
      const xid = await purchase(700);
      try {
        await until(async () => {
          await limited.delivery.runOnce();
          const [first] = await gateway.notifications.ofTransaction(xid);
          return first?.status === 'failed' ? first : undefined;
        }, 'the event marked failed');
        const [failed] = await gateway.notifications.ofTransaction(xid);
        expect(failed!.history.map((h) => h.error)).toEqual([
          'no answer within 200 ms',
          'no answer within 200 ms',
        ]);
        // A dead URL: the attempt records why, in a sentence.
        hang = false;
        const dead = await closedPort();
        await client.registerNotifications(`${dead}/notify`);
        await gateway.notifications.resend(failed!.event.eventId, new Date());
        await until(async () => {
          await limited.delivery.runOnce();
          const [x] = await gateway.notifications.ofTransaction(xid);
          return x && x.attempts >= 3 ? x : undefined;
        }, 'an attempt at the dead URL');
        const [x] = await gateway.notifications.ofTransaction(xid);
        expect(x!.history[0]!.error).toMatch(/fetch failed|ECONNREFUSED/);
        expect(x!.history[0]!.httpStatus).toBeUndefined();
      } finally {
        hang = false;
        await client.registerNotifications(`${receiver.url}/notify`);
        await limited.delivery.stop();
      }
      // Resent after the URL is fixed: delivered, same event id.
      const [failedAgain] = await gateway.notifications.ofTransaction(xid);
      await gateway.notifications.resend(failedAgain!.event.eventId, new Date());
      await delivered(xid, 1);
      expect((await orders.find(xid))?.gateway?.eventId).toBe(failedAgain!.event.eventId);
    });

    it('lease: an event a dead process claimed is sent after its lease, and two workers never send one twice', async () => {
      const xid = await purchase(300);
      const now = new Date();
      const claimed = await gateway.notifications.claimDue(
        now,
        new Date(now.getTime() + 300),
        'dead-process',
        10,
      );
      expect(claimed.map((c) => c.event.xid)).toContain(xid);
      // Leased to the dead process: nobody sends it now.
      expect(
        await gateway.notifications.claimDue(new Date(), new Date(Date.now() + 300), 'other', 10),
      ).toEqual([]);
      await delivered(xid, 1);
      const [event] = await gateway.notifications.ofTransaction(xid);
      expect(event!.attempts).toBe(1);

      // A second gateway on the same database (another pool on PostgreSQL): both workers run at once.
      const db2 = backend.connect ? await backend.connect(opened) : db;
      const second = await createGateway(worldGatewayDeps(world, db2, { notificationDelivery: FAST }));
      try {
        const xids: string[] = [];
        for (let i = 0; i < 4; i++) xids.push(await purchase(100 + i));
        const mark = bodies.length;
        await Promise.all([
          gateway.delivery.runOnce(),
          second.delivery.runOnce(),
          gateway.delivery.runOnce(),
        ]);
        for (const x of xids) await delivered(x, 1);
        const ids = bodies.slice(mark).map((b) => (JSON.parse(b).hdr as { xid: string }).xid);
        for (const x of xids) expect(ids.filter((i) => i === x)).toHaveLength(1);
      } finally {
        await second.delivery.stop();
        if (db2 !== db) await db2.close();
      }
    });

    describe('the SDK refuses forged and foreign notifications, changing nothing', () => {
      let xid: string;
      let event: NotificationEvent;
      beforeAll(async () => {
        xid = await purchase(4000);
        event = (await delivered(xid, 1)).event;
      });
      const newer = (): NotificationEvent => ({
        ...event,
        eventId: b64u(randomNonce()),
        seq: 9,
        kind: 'credit',
        source: 'operator',
        transaction: { ...event.transaction, captured: 4000, refunded: 4000, state: 'refunded' },
      });
      const send = (body: string) => notify(new Request('http://shop.test/notify', { method: 'POST', body }));
      const signedBy = async (
        signature: typeof world.gateway,
        p: Partial<{ merchantId: string; brandId: string }> = {},
      ) =>
        encodeWire(
          (
            await buildNotification({
              event: newer(),
              merchantId: p.merchantId ?? world.merchant.certificate.merchantData!.merchantId,
              brandId: p.brandId ?? 'SETPay',
              signature,
            })
          ).wire,
        );
      const cases: [string, () => string | Promise<string>, string][] = [
        ['signed by a merchant key', () => signedBy(world.merchant), 'invalidCertificate'],
        [
          'signed by another brand’s gateway',
          () => signedBy(otherGateway, { brandId: 'OtherPay' }),
          'invalidCertificate',
        ],
        [
          'another brand’s gateway claiming our brand',
          () => signedBy(otherGateway, { brandId: 'SETPay' }),
          'invalidCertificate',
        ],
        ['a gateway under an untrusted root', () => signedBy(foreign.gateway), 'missingCertificate'],
        [
          'for another MerchantID',
          () => signedBy(world.gateway, { merchantId: 'M-someone-else' }),
          'unknownXID',
        ],
        [
          'tampered body (refund amount changed after signing)',
          async () => {
            const w = JSON.parse(await signedBy(world.gateway));
            const content = JSON.parse(Buffer.from(w.body.content, 'base64url').toString());
            content.event.transaction.refunded = 1;
            w.body.content = Buffer.from(JSON.stringify(content)).toString('base64url');
            return JSON.stringify(w);
          },
          'signatureFailure',
        ],
        [
          'header naming another XID',
          async () => {
            const w = JSON.parse(await signedBy(world.gateway));
            w.hdr.xid = b64u(randomNonce());
            return JSON.stringify(w);
          },
          'badMessageHeader',
        ],
        [
          'signed long ago (replayed outside the date window)',
          async () =>
            encodeWire(
              (
                await buildNotification({
                  event: newer(),
                  merchantId: world.merchant.certificate.merchantData!.merchantId,
                  brandId: 'SETPay',
                  signature: world.gateway,
                  now: new Date(Date.now() - 3_600_000),
                })
              ).wire,
            ),
          'messageTooOld',
        ],
        ['not JSON', () => '{"set":', 'decodingFailure'],
        ['too big', () => 'x'.repeat(64 * 1024), 'messageTooBig'],
      ];
      it.each(cases)('%s', async (_name, body, code) => {
        const before = structuredClone(await orders.find(xid));
        const calls = seen.length;
        const res = await send(await body());
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        const text = await res.text();
        if (text) {
          expect(
            (await readError(text, { trust: world.trust(), clock: { now: new Date() } })).content.errorCode,
          ).toBe(code);
        } else {
          expect(code).toBe('decodingFailure');
        }
        expect(await orders.find(xid)).toEqual(before);
        expect(seen.length).toBe(calls);
      });

      it('a replayed delivery is applied once; an older seq arriving late keeps the newer state and counts its change once', async () => {
        const calls = seen.length;
        const body = await signedBy(world.gateway);
        const first = await send(body);
        expect(first.status).toBe(200);
        expect(await first.json()).toMatchObject({ outcome: 'applied' });
        const after = structuredClone(await orders.find(xid));
        expect(after?.gateway?.seq).toBe(9);
        // The same bytes again, and the same event signed afresh (a resend): 200, nothing changes.
        const again = await send(body);
        expect(again.status).toBe(200);
        expect(await again.json()).toMatchObject({ outcome: 'duplicate' });
        expect(await orders.find(xid)).toEqual(after);
        // seq 5 after seq 9: acknowledged; the newer state stays the gateway state. The change it
        // reports is a real one of the operator's, delivered late, so it counts once in the
        // balance (the operator's changes add up, whatever order they arrive in).
        const older = encodeWire(
          (
            await buildNotification({
              event: { ...newer(), seq: 5, transaction: event.transaction },
              merchantId: world.merchant.certificate.merchantData!.merchantId,
              brandId: 'SETPay',
              signature: world.gateway,
            })
          ).wire,
        );
        const late = await send(older);
        expect(late.status).toBe(200);
        expect(await late.json()).toMatchObject({ outcome: 'stale' });
        const now = await orders.find(xid);
        expect(now?.gateway).toEqual(after?.gateway);
        expect(now?.followUps).toEqual(after?.followUps);
        expect(now?.operatorEvents?.map((e) => e.seq)).toEqual(
          [...(after?.operatorEvents ?? []).map((e) => e.seq), 5].sort((x, y) => x - y),
        );
        expect(seen.length).toBe(calls + 1);
        // And a repeat of the late one is a duplicate that adds nothing.
        expect(await (await send(older)).json()).toMatchObject({ outcome: 'duplicate' });
        expect((await orders.find(xid))?.operatorEvents).toEqual(now?.operatorEvents);
      });
    });

    it('the dashboard lists each notification with its deliveries and resends the same event id', async () => {
      const xid = await purchase(1500);
      await delivered(xid, 1);
      const signIn = await fetch(`${server.url}/?token=${TOKEN}`, { redirect: 'manual' });
      const cookie = String(signIn.headers.get('set-cookie')).split(';')[0]!;
      const page = await (await fetch(`${server.url}/transactions/${xid}`, { headers: { cookie } })).text();
      expect(page).toContain('Notifications to the merchant');
      expect(page).toMatch(/<span class="ok">delivered<\/span>/);
      const form =
        /action="\/dashboard\/resend">\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})">\s*<input type="hidden" name="xid" value="[^"]+">\s*<input type="hidden" name="event" value="([A-Za-z0-9_-]{43})">/.exec(
          page,
        );
      expect(form).not.toBeNull();
      const [, csrf, eventId] = form!;
      const post = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
        fetch(`${server.url}/dashboard/resend`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: server.url,
            cookie,
            ...headers,
          },
          body: new URLSearchParams(fields).toString(),
        });
      // Refused: no session, a wrong form token, a cross-site origin, another XID's event.
      expect((await post({ csrf: csrf!, xid, event: eventId! }, { cookie: '' })).status).toBe(401);
      expect((await post({ csrf: 'a'.repeat(64), xid, event: eventId! })).status).toBe(403);
      expect(
        (await post({ csrf: csrf!, xid, event: eventId! }, { origin: 'https://evil.example' })).status,
      ).toBe(403);
      const otherXid = await purchase(100);
      expect((await post({ csrf: csrf!, xid: otherXid, event: eventId! })).status).toBe(404);
      expect((await gateway.notifications.find(eventId!))?.attempts).toBe(1);
      await delivered(otherXid, 1);

      const calls = seen.length;
      const ok = await post({ csrf: csrf!, xid, event: eventId! });
      expect(ok.status).toBe(303);
      await until(async () => {
        await gateway.delivery.runOnce();
        const x = await gateway.notifications.find(eventId!);
        return x?.status === 'delivered' && x.attempts === 2 ? x : undefined;
      }, 'the resend delivered');
      // Same event id: the shop acknowledged it as a duplicate and changed nothing.
      expect(seen.length).toBe(calls);
      const last = JSON.parse(bodies.at(-1)!);
      const content = JSON.parse(Buffer.from(last.body.content, 'base64url').toString());
      expect(content.event.eventId).toBe(eventId);
      const again = await (await fetch(`${server.url}/transactions/${xid}`, { headers: { cookie } })).text();
      expect(again).toMatch(/<span class="ok">delivered<\/span><\/td>\s*<td class="num">2<\/td>/);
    });
  });
}
