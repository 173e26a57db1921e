// Notifications are delivered at least once across a gateway process killed mid-delivery: gateway
// A (a real process on PostgreSQL) POSTs a Notification to a receiver that holds the request open;
// A is killed with SIGKILL while the request is in flight; gateway B on the same database sends the
// same event (same id and seq) once A's lease has run out, and records it delivered.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GATEWAY_MIGRATIONS } from '../../src/gateway/index.ts';
import { buildNotifyRegReq, encodeWire, verifyNotification } from '../../src/protocol/index.ts';
import { type Database, migrate } from '../../src/storage/index.ts';
import { backends, POSTGRES_URL } from '../support/databases.ts';
import { PROCESS_TEST_TIMEOUT_MS, until } from '../support/deadlines.ts';
import {
  type GatewayProcess,
  merchantAuthReq,
  startGatewayProcess,
  writePkiDir,
} from '../support/gateway-process.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';
import { type Served, serve } from './merchant-support.ts';

const world = makeWorld();
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const merchantId = world.merchant.certificate.merchantData!.merchantId;

// Processes start, PostgreSQL stops and starts, keys are made: CPU-bound work that takes minutes
// on a busy machine. Every wait is for an event with its own deadline; these are hang guards.
vi.setConfig({ testTimeout: PROCESS_TEST_TIMEOUT_MS, hookTimeout: PROCESS_TEST_TIMEOUT_MS });

describe.skipIf(!POSTGRES_URL)('notification delivery across a killed gateway process', () => {
  let db: Database;
  let url: string;
  let drop: () => Promise<void>;
  const pkiDir = mkdtempSync(join(tmpdir(), 'notify-pki-'));
  let receiver: Served;
  const received: { eventId: string; seq: number; answered: boolean }[] = [];
  let holdFirst = true;
  let firstArrived: () => void;
  const arrived = new Promise<void>((r) => {
    firstArrived = r;
  });
  const processes: GatewayProcess[] = [];

  beforeAll(async () => {
    const opened = await backends.find((x) => x.name === 'postgres')!.open();
    db = opened.db;
    url = opened.url!;
    drop = opened.drop;
    await migrate(db, GATEWAY_MIGRATIONS);
    writePkiDir(world, pkiDir);
    receiver = await serve(async (request) => {
      const { content } = await verifyNotification(
        await request.text(),
        { merchantId, brandId: 'SETPay' },
        { trust: world.trust(), clock: { now: new Date() } },
      );
      const entry = { eventId: content.event.eventId, seq: content.event.seq, answered: false };
      received.push(entry);
      if (holdFirst) {
        holdFirst = false;
        firstArrived();
        return new Promise<Response>(() => {}); // never answers: the sender dies meanwhile
      }
      entry.answered = true;
      return new Response(null, { status: 204 });
    });
  });
  afterAll(async () => {
    for (const p of processes) await p.kill('SIGKILL');
    await receiver?.close();
    await drop?.();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('the event is sent again by the surviving process, with the same id, and marked delivered', async () => {
    const a = await startGatewayProcess({ pkiDir, databaseUrl: url, notifyLeaseMs: 1_500 });
    processes.push(a);
    const reg = await buildNotifyRegReq({
      merchant: world.merchant,
      brandId: 'SETPay',
      url: `${receiver.url}/n`,
    });
    expect((await fetch(`${a.url}/set`, { method: 'POST', body: encodeWire(reg.wire) })).status).toBe(200);
    const auth = await merchantAuthReq(world, cardholder, { now: new Date() });
    expect((await fetch(`${a.url}/set`, { method: 'POST', body: auth.wire })).status).toBe(200);

    await arrived; // A's POST is in flight and unanswered
    await a.kill('SIGKILL');
    const leased = await db.query(
      'SELECT status, locked_until, attempts FROM gateway_notifications WHERE xid = $1',
      [auth.xid],
    );
    expect(leased[0]).toMatchObject({ status: 'pending', attempts: 0 });
    expect(leased[0]!.locked_until).not.toBeNull();

    const b = await startGatewayProcess({ pkiDir, databaseUrl: url, notifyLeaseMs: 1_500 });
    processes.push(b);
    const delivered = await until('the event to be delivered after the kill', async () => {
      const rows = await db.query('SELECT status, attempts FROM gateway_notifications WHERE xid = $1', [
        auth.xid,
      ]);
      return rows[0]?.status === 'delivered' ? rows[0] : undefined;
    }).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : e}; the surviving process wrote:\n${b.stderr()}`);
    });
    expect(Number(delivered.attempts)).toBe(1); // the killed attempt was never recorded
    expect(received).toHaveLength(2);
    expect(received[0]!.eventId).toBe(received[1]!.eventId);
    expect(received.map((r) => [r.seq, r.answered])).toEqual([
      [1, false],
      [1, true],
    ]);
    await b.kill('SIGTERM');
  });
});
