// Gateways as real processes: two sharing one PostgreSQL database never authorize or capture an
// XID twice; one killed with SIGKILL mid-stream loses no acknowledged authorization and, once
// restarted on the same data, answers the client's retries from its ledger.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GATEWAY_MIGRATIONS } from '../../src/gateway/index.ts';
import {
  type Amount,
  buildFollowUp,
  readError,
  verifyAuthRes,
  verifyFollowUpResponse,
} from '../../src/protocol/index.ts';
import { type Database, migrate, openDatabase } from '../../src/storage/index.ts';
import { backends, POSTGRES_URL } from '../support/databases.ts';
import { PROCESS_TEST_TIMEOUT_MS } from '../support/deadlines.ts';
import {
  type GatewayProcess,
  merchantAuthReq,
  startGatewayProcess,
  writePkiDir,
} from '../support/gateway-process.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';

const world = makeWorld();
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const EUR = (value: number): Amount => ({ currency: 'EUR', value, exponent: 2 });
const verifyCtx = () => ({ trust: world.trust(), clock: { now: new Date() } });

// Every wait here is for an event (a listening line, an answer, an exit); the work between them
// is CPU-bound (24 AuthReqs, PGlite's initdb in a child, process starts, 48 authorizations) and
// takes minutes on a busy machine (over 60 s at load 13 on 2 cores), so the limits are hang guards.
vi.setConfig({ testTimeout: PROCESS_TEST_TIMEOUT_MS, hookTimeout: PROCESS_TEST_TIMEOUT_MS });

const post = async (gateway: GatewayProcess, body: string) => {
  const res = await fetch(`${gateway.url}/set`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  });
  return { status: res.status, text: await res.text() };
};
const errorCodeOf = async (text: string) => (await readError(text, verifyCtx())).content.errorCode;

describe.skipIf(!POSTGRES_URL)('two gateway processes sharing one PostgreSQL database', () => {
  let db: Database;
  let drop: () => Promise<void>;
  let a: GatewayProcess;
  let b: GatewayProcess;
  const pkiDir = mkdtempSync(join(tmpdir(), 'gateway-pki-'));

  beforeAll(async () => {
    const opened = await backends.find((x) => x.name === 'postgres')!.open();
    db = opened.db;
    drop = opened.drop;
    // Migrated once up front; each process's own migrate() then finds nothing to do.
    await migrate(db, GATEWAY_MIGRATIONS);
    writePkiDir(world, pkiDir);
    [a, b] = await Promise.all([
      startGatewayProcess({ pkiDir, databaseUrl: opened.url! }),
      startGatewayProcess({ pkiDir, databaseUrl: opened.url! }),
    ]);
  });
  afterAll(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await drop?.();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  it('authorizes an XID once, whichever process a retry or a conflicting request reaches', async () => {
    for (let round = 0; round < 4; round++) {
      const req = await merchantAuthReq(world, cardholder);
      const rival = await req.build(); // same XID, another RRPID
      const sent = [
        { to: a, r: req },
        { to: b, r: req },
        { to: a, r: rival },
        { to: b, r: rival },
        { to: b, r: req },
        { to: a, r: rival },
      ];
      const answers = await Promise.all(sent.map(async (s) => ({ ...s, res: await post(s.to, s.r.wire) })));
      const ok = answers.filter((x) => x.res.status === 200);
      const winner = ok[0]!.r;
      // Every answer to the winning request is the same bytes; every other request is unknownXID.
      for (const x of answers) {
        if (x.r === winner) expect(x.res).toEqual(ok[0]!.res);
        else {
          expect(x.res.status).toBe(404);
          expect(await errorCodeOf(x.res.text)).toBe('unknownXID');
        }
      }
      const { content } = await verifyAuthRes(ok[0]!.res.text, winner.content, world.merchantKx, verifyCtx());
      expect(content.result.status).toBe('approved');
      const rows = await db.query<{ rrpid: string }>(
        'SELECT rrpid FROM gateway_authorizations WHERE xid = $1',
        [req.xid],
      );
      expect(rows).toEqual([{ rrpid: winner.content.rrpid }]);
    }
  });

  it('captures once when two processes receive competing captures of the whole amount', async () => {
    const req = await merchantAuthReq(world, cardholder);
    const authRes = await post(a, req.wire);
    const { content } = await verifyAuthRes(authRes.text, req.content, world.merchantKx, verifyCtx());
    const captures = await Promise.all(
      [a, b, a, b].map(async (to) => {
        const cap = await buildFollowUp('CapReq', {
          merchant: world.merchant,
          gatewayKeyExchange: world.gatewayKx.certificate,
          transIds: req.content.transIds,
          amount: EUR(1299),
          capToken: content.capToken!,
        });
        return { to, cap };
      }),
    );
    const results = await Promise.all(
      captures.map(async ({ to, cap }) => {
        const res = await post(to, JSON.stringify(cap.wire));
        expect(res.status).toBe(200);
        return (await verifyFollowUpResponse(res.text, 'CapReq', cap.content, world.merchantKx, verifyCtx()))
          .content;
      }),
    );
    expect(results.filter((r) => r.status === 'captured')).toHaveLength(1);
    expect(results.filter((r) => r.reason === 'amountExceedsAuthorization')).toHaveLength(3);
    const rows = await db.query<{ captured: string }>(
      'SELECT captured_value::text AS captured FROM gateway_authorizations WHERE xid = $1',
      [req.xid],
    );
    expect(rows).toEqual([{ captured: '1299' }]);
  });
});

describe('a gateway killed with SIGKILL in the middle of a stream of authorizations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gateway-crash-'));
  const pkiDir = join(dir, 'pki');
  const dataDir = join(dir, 'data');
  let gateway: GatewayProcess | undefined;
  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged authorization exactly once, and answers retries from the ledger', async () => {
    writePkiDir(world, pkiDir);
    const requests = await Promise.all(
      Array.from({ length: 24 }, async () => await merchantAuthReq(world, cardholder)),
    );
    const acknowledged = new Map<string, string>();
    gateway = await startGatewayProcess({ pkiDir, dataDir });
    const first = gateway;

    // Four clients send in parallel; the process is killed once ten answers have come back.
    let next = 0;
    let killed: Promise<void> | undefined;
    const client = async () => {
      while (next < requests.length) {
        const req = requests[next++]!;
        try {
          const res = await post(first, req.wire);
          if (res.status === 200) acknowledged.set(req.xid, res.text);
        } catch {
          // Connection refused or reset: not acknowledged, the client will retry.
        }
        if (acknowledged.size >= 10 && !killed) killed = first.kill('SIGKILL');
      }
    };
    await Promise.all([client(), client(), client(), client()]);
    await killed;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(acknowledged.size).toBeGreaterThanOrEqual(10);
    expect(acknowledged.size).toBeLessThan(requests.length);

    // Same data, new process: the client retries everything, acknowledged or not.
    gateway = await startGatewayProcess({ pkiDir, dataDir });
    for (const req of requests) {
      const res = await post(gateway, req.wire);
      expect(res.status, res.text).toBe(200);
      const seen = acknowledged.get(req.xid);
      if (seen !== undefined) expect(res.text).toBe(seen);
      expect(
        (await verifyAuthRes(res.text, req.content, world.merchantKx, verifyCtx())).content.result.status,
      ).toBe('approved');
    }
    await gateway.kill('SIGTERM');
    gateway = undefined;

    // The ledger on disk: every request once, none twice.
    const db = await openDatabase({ dataDir });
    try {
      const rows = await db.query<{ xid: string; n: number }>(
        'SELECT xid, count(*)::int AS n FROM gateway_authorizations GROUP BY xid',
      );
      expect(rows.every((r) => r.n === 1)).toBe(true);
      expect(new Set(rows.map((r) => r.xid))).toEqual(new Set(requests.map((r) => r.xid)));
    } finally {
      await db.close();
    }
  });
});
