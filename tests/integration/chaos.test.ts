// Chaos (issue 10): two gateway processes on one PostgreSQL database, a merchant (the SDK and an
// order store) paying and following up under concurrency — captures in parts, refunds,
// reversals — while gateway processes are SIGKILLed and restarted, the ledger's connections are
// terminated, and answers are lost on the way back. Every retry resends the same bytes. At the
// end the ledger and the store's records must agree exactly: nothing lost, nothing doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GATEWAY_MIGRATIONS } from '../../src/gateway/index.ts';
import {
  type Amount,
  balanceOf,
  createGatewayClient,
  createMerchantActions,
  createSetEndpoint,
  GatewayUnavailableError,
  MemoryOrderStore,
  MerchantActionError,
  type MerchantKeys,
  purchaseStateOf,
  SetError,
} from '../../src/merchant/index.ts';
import { buildPInitReq } from '../../src/protocol/index.ts';
import { type Database, migrate } from '../../src/storage/index.ts';
import { backends, POSTGRES_URL } from '../support/databases.ts';
import { CONDITION_MS, PROCESS_TEST_TIMEOUT_MS } from '../support/deadlines.ts';
import { type GatewayProcess, startGatewayProcess, writePkiDir } from '../support/gateway-process.ts';
import { issueCardholder, makeWorld, TestWallet } from '../support/world.ts';

const world = makeWorld();
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const keys: MerchantKeys = { signature: world.merchant, keyExchange: world.merchantKx };
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const ORDERS = 12;
const WORKERS = 4;
const LOSS = 0.15;

// Processes start, PostgreSQL stops and starts, keys are made: CPU-bound work that takes minutes
// on a busy machine. Every wait is for an event with its own deadline; these are hang guards.
vi.setConfig({ testTimeout: PROCESS_TEST_TIMEOUT_MS, hookTimeout: PROCESS_TEST_TIMEOUT_MS });

describe.skipIf(!POSTGRES_URL)(
  'chaos: two gateway processes, kills, terminated connections, lost answers',
  () => {
    let db: Database;
    let url: string;
    let drop: () => Promise<void>;
    const pkiDir = mkdtempSync(join(tmpdir(), 'chaos-pki-'));
    const gateways: (GatewayProcess | undefined)[] = [undefined, undefined];

    beforeAll(async () => {
      const opened = await backends.find((b) => b.name === 'postgres')!.open();
      db = opened.db;
      url = opened.url!;
      drop = opened.drop;
      await migrate(db, GATEWAY_MIGRATIONS);
      writePkiDir(world, pkiDir);
      [gateways[0], gateways[1]] = await Promise.all([
        startGatewayProcess({ pkiDir, databaseUrl: url }),
        startGatewayProcess({ pkiDir, databaseUrl: url }),
      ]);
    });
    afterAll(async () => {
      await Promise.all(gateways.map((g) => g?.kill('SIGKILL')));
      await drop?.();
      rmSync(pkiDir, { recursive: true, force: true });
    });

    it('ends with the ledger and the store in agreement: lost 0, duplicated 0, mismatched 0', async () => {
      let lostAnswers = 0;
      // Each attempt goes to a live process at random; some answers are lost after the gateway acted.
      const chaoticFetch: typeof fetch = async (_input, init) => {
        const live = gateways.filter((g): g is GatewayProcess => g !== undefined);
        const target = live[Math.floor(Math.random() * live.length)];
        if (!target) throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
        const res = await fetch(`${target.url}/set`, init);
        const body = await res.arrayBuffer();
        if (Math.random() < LOSS) {
          lostAnswers++;
          throw new TypeError('fetch failed: the answer was lost');
        }
        return new Response(body, { status: res.status, headers: res.headers });
      };
      const orders = new MemoryOrderStore();
      const client = await createGatewayClient({
        endpoint: 'http://gateway.invalid/set',
        merchant: keys,
        gatewayKeyExchange: world.gatewayKx.chain,
        trustedRoots: [world.root],
        fetch: chaoticFetch,
        attempts: 3,
        backoffMs: 20,
        timeoutMs: 10_000,
      });
      const shop = await createSetEndpoint({
        merchant: keys,
        gateway: client,
        orders,
        trustedRoots: [world.root],
        log: () => {},
      });
      const actions = createMerchantActions({
        gateway: client,
        orders,
        merchant: keys,
        authorizingAfterMs: 0,
      });
      const post = async (body: string) =>
        (await shop(new Request('http://shop.invalid/set', { method: 'POST', body }))).text();

      /** Retries an action (same bytes, from the kept request) until the gateway has answered it. */
      const persist = async <T>(what: () => Promise<T>): Promise<T | undefined> => {
        // Until a deadline, not a count of tries: a restarting process answers late on a busy machine.
        const deadline = Date.now() + CONDITION_MS;
        while (Date.now() < deadline) {
          try {
            return await what();
          } catch (e) {
            if (e instanceof MerchantActionError) return undefined;
            if (
              e instanceof GatewayUnavailableError ||
              (e instanceof SetError && e.code === 'unspecifiedFailure')
            ) {
              await new Promise((r) => setTimeout(r, 100));
              continue;
            }
            throw e;
          }
        }
        throw new Error('gave up: the gateway never answered');
      };

      const xids: string[] = [];
      const work = async (n: number) => {
        const lidM = `chaos-${n}`;
        const total = 3000 + n * 100;
        orders.addOrder(lidM, { od: `Chaos order ${n}`, amount: EUR(total) });
        const wallet = new TestWallet(world, cardholder);
        const req = buildPInitReq({ lidC: 'wallet-1', lidM, brandId: 'SETPay', bin: '411111' });
        const pinit = await wallet.verifyPInitRes(await post(JSON.stringify(req.wire)), req.content);
        const xid = pinit.content.transIds.xid;
        xids.push(xid);
        const preq = JSON.stringify((await wallet.preq(pinit)).wire);
        // The wallet's PReq; a lost AuthRes leaves the order authorizing, settled by reconcile.
        await post(preq);
        await persist(async () => {
          const state = await actions.reconcile(xid);
          if (state === 'authorizing' || state === 'pendingConfirmation')
            throw new GatewayUnavailableError('x', 1, true, 'not yet');
          return state;
        });
        const tx = (await orders.find(xid))!;
        if (tx.record?.outcome.result.status !== 'approved') return;
        if (n % 4 === 3) {
          await persist(() => actions.reverse(xid));
          return;
        }
        await persist(() => actions.capture(xid, EUR(1000)));
        await persist(() => actions.capture(xid, EUR(1500)));
        await persist(() => actions.refund(xid, EUR(700)));
        if (n % 2 === 0) await persist(() => actions.capture(xid));
      };

      let stop = false;
      let next = 0;
      // The first fault comes once two orders are under way, and the second half of the orders
      // waits for it: however fast the gateway is, at least one fault falls among the orders
      // (a timer alone let a fast run finish all twelve before its first fault).
      let faultStarted = () => {};
      const firstFault = new Promise<void>((resolve) => {
        faultStarted = resolve;
      });
      const chaos = async () => {
        const admin = db;
        let round = 0;
        while (!stop && round < 4) {
          if (round === 0) {
            while (next < 2) await new Promise((r) => setTimeout(r, 20));
            faultStarted();
          } else {
            await new Promise((r) => setTimeout(r, 1200));
            if (stop) break;
          }
          if (round % 2 === 0) {
            const i = (round / 2) % 2;
            const victim = gateways[i]!;
            gateways[i] = undefined;
            await victim.kill('SIGKILL');
            gateways[i] = await startGatewayProcess({ pkiDir, databaseUrl: url });
          } else {
            await admin.query(
              `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`,
            );
          }
          round++;
        }
        return round;
      };

      const worker = async () => {
        while (next < ORDERS) {
          const n = next++;
          if (n >= ORDERS / 2) await firstFault;
          await work(n);
        }
      };
      const chaosDone = chaos();
      await Promise.all(Array.from({ length: WORKERS }, worker));
      stop = true;
      const rounds = await chaosDone;

      // Anything still open is settled by asking the gateway (the same requests again).
      for (const xid of xids) {
        await persist(async () => {
          const state = await actions.reconcile(xid);
          if (state === 'authorizing' || state === 'pendingConfirmation')
            throw new GatewayUnavailableError('x', 1, true, 'not yet');
          return state;
        });
      }

      let lost = 0;
      let duplicated = 0;
      let mismatched = 0;
      for (const xid of xids) {
        const tx = (await orders.find(xid))!;
        const [row] = await db.query<{
          authorized: number;
          captured: number;
          refunded: number;
          result: string;
        }>(
          `SELECT authorized_value::int AS authorized, captured_value::int AS captured,
                refunded_value::int AS refunded, result FROM gateway_authorizations WHERE xid = $1`,
          [xid],
        );
        const [ev] = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM gateway_payment_events WHERE xid = $1 AND outcome = 'accepted'`,
          [xid],
        );
        const stored = tx.followUps.filter((f) => f.status !== 'rejected').length;
        const ledger = ev?.n ?? 0;
        if (!row) {
          if (tx.record) lost++;
          continue;
        }
        if (!tx.record) {
          lost++;
          continue;
        }
        if (ledger > stored) duplicated += ledger - stored;
        if (stored > ledger) lost += stored - ledger;
        const b = balanceOf(tx);
        const approved = tx.record.outcome.result.status === 'approved';
        if (
          (row.result === 'approved') !== approved ||
          (approved &&
            (b.authorized !== row.authorized ||
              b.captured !== row.captured ||
              b.refunded !== row.refunded)) ||
          purchaseStateOf(tx) === 'pendingConfirmation'
        ) {
          mismatched++;
        }
      }
      const ledgerRows = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM gateway_authorizations',
      );
      console.log(
        `chaos: ${xids.length} orders, ${rounds} fault rounds, ${lostAnswers} answers lost, ledger ${ledgerRows[0]!.n} authorizations: lost ${lost}, duplicated ${duplicated}, mismatched ${mismatched}`,
      );
      expect(ledgerRows[0]!.n).toBe(xids.length);
      expect({ lost, duplicated, mismatched }).toEqual({ lost: 0, duplicated: 0, mismatched: 0 });
      expect(rounds).toBeGreaterThanOrEqual(1);
      expect(lostAnswers).toBeGreaterThan(0);
    });
  },
);
