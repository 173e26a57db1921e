// Storage survives its database (issue 10, cases 2 and 5): a connection terminated inside a
// transaction fails that call with DatabaseUnavailableError and never an unhandled 'error' event;
// a gateway process whose PostgreSQL is stopped with `-m immediate` stays up, answers 503 with
// Retry-After and a SET Error (not 422), says 503 on /healthz, and recovers by itself when the
// server is back, applying the retried request once. The cluster is the test's own (never 5432).
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readError, verifyAuthRes } from '../../src/protocol/index.ts';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.ts';
import { type Database, DatabaseUnavailableError, openDatabase } from '../../src/storage/index.ts';
import { POSTGRES_URL } from '../support/databases.ts';
import { PROCESS_TEST_TIMEOUT_MS, until } from '../support/deadlines.ts';
import {
  type GatewayProcess,
  merchantAuthReq,
  startGatewayProcess,
  writePkiDir,
} from '../support/gateway-process.ts';
import { PRIVATE_POSTGRES, type PrivatePostgres, startPrivatePostgres } from '../support/private-postgres.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';

const world = makeWorld();
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const verifyCtx = () => ({ trust: world.trust(), clock: { now: new Date() } });

// Processes start, PostgreSQL stops and starts, keys are made: CPU-bound work that takes minutes
// on a busy machine. Every wait is for an event with its own deadline; these are hang guards.
vi.setConfig({ testTimeout: PROCESS_TEST_TIMEOUT_MS, hookTimeout: PROCESS_TEST_TIMEOUT_MS });

describe.skipIf(!POSTGRES_URL)('a PostgreSQL connection terminated inside a transaction', () => {
  let db: Database;
  let admin: Database;
  beforeAll(async () => {
    db = await openDatabase({ url: POSTGRES_URL! });
    admin = await openDatabase({ url: POSTGRES_URL! });
  });
  afterAll(async () => {
    await db?.close();
    await admin?.close();
  });

  it('fails that transaction with DatabaseUnavailableError; the process and the pool carry on', async () => {
    const failure = await db
      .transaction(async (tx) => {
        const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        await admin.query('SELECT pg_terminate_backend($1)', [row!.pid]);
        // The server has closed the connection: the client learns it while idle in the
        // transaction (an 'error' event on a checked-out client), then the next statement fails.
        await until('the backend to go', async () => {
          const left = await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [row!.pid]);
          return left.length === 0 ? true : undefined;
        });
        await new Promise((r) => setTimeout(r, 50));
        await tx.query('SELECT 1');
        return 'not failed';
      })
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DatabaseUnavailableError);
    expect((failure as DatabaseUnavailableError).temporary).toBe(true);
    // The broken client was not put back: the next transaction works.
    expect(await db.transaction((tx) => tx.query<{ one: number }>('SELECT 1 AS one'))).toEqual([{ one: 1 }]);
  });
});

describe.skipIf(!PRIVATE_POSTGRES)('a gateway process whose PostgreSQL stops with -m immediate', () => {
  let pg: PrivatePostgres;
  let gateway: GatewayProcess;
  const pkiDir = mkdtempSync(join(tmpdir(), 'gateway-pki-'));
  beforeAll(async () => {
    pg = await startPrivatePostgres();
    writePkiDir(world, pkiDir);
    gateway = await startGatewayProcess({ pkiDir, databaseUrl: pg.url });
  });
  afterAll(async () => {
    await gateway?.kill('SIGKILL');
    pg?.remove();
    rmSync(pkiDir, { recursive: true, force: true });
  });

  // A new connection per request (agent: false). With fetch's keep-alive pool, a socket left idle
  // while this process built AuthReqs (seconds of synchronous CPU on a busy machine) was closed by
  // the server (keepAliveTimeout) before the pool noticed, and the POST failed with "other side
  // closed": a client-side race, not the gateway failing. A reset on a fresh connection still fails.
  const post = (body: string) =>
    new Promise<{ status: number; retryAfter: string | null; text: string }>((resolve, reject) => {
      const req = httpRequest(
        `${gateway.url}/set`,
        { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => {
            text += d;
          });
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, retryAfter: retryAfter ?? null, text });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  it('stays up, answers 503 with Retry-After and a SET Error, and recovers by itself', async () => {
    const before = await merchantAuthReq(world, cardholder);
    expect((await post(before.wire)).status).toBe(200);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);

    pg.crash();
    const during = await merchantAuthReq(world, cardholder);
    const refused = await post(during.wire);
    expect(refused.status).toBe(503);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    const error = (await readError(refused.text, verifyCtx())).content;
    expect(error.errorCode).toBe('unspecifiedFailure');
    expect(error.errorMsg).toMatch(/send the same request again/);
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(503);
    // A retry of an acknowledged request is also refused for now, not answered wrongly.
    expect((await post(before.wire)).status).toBe(503);
    expect(gateway.child.exitCode).toBeNull();

    pg.start();
    await until('the gateway to be healthy', async () =>
      (await fetch(`${gateway.url}/healthz`)).status === 200 ? true : undefined,
    );
    const retried = await post(during.wire);
    expect(retried.status, retried.text).toBe(200);
    expect(
      (await verifyAuthRes(retried.text, during.content, world.merchantKx, verifyCtx())).content.result
        .status,
    ).toBe('approved');
    expect((await post(during.wire)).text).toBe(retried.text);
    const db = await openDatabase({ url: pg.url });
    try {
      const rows = await db.query('SELECT xid FROM gateway_authorizations');
      expect(rows).toHaveLength(2);
    } finally {
      await db.close();
    }
    expect(gateway.stderr()).not.toMatch(/Unhandled|uncaught/i);
  });

  it('survives its connections being terminated while requests are in flight', async () => {
    const admin = await openDatabase({ url: pg.url });
    try {
      const requests = await Promise.all(
        Array.from({ length: 12 }, async () => await merchantAuthReq(world, cardholder)),
      );
      const kill = async () => {
        for (let i = 0; i < 6; i++) {
          await admin.query(
            `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
              WHERE datname = current_database() AND pid <> pg_backend_pid()`,
          );
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      const [answers] = await Promise.all([Promise.all(requests.map((r) => post(r.wire))), kill()]);
      for (const a of answers) expect([200, 503]).toContain(a.status);
      expect(gateway.child.exitCode).toBeNull();
      // Retries with the same bytes complete every one of them, each once.
      for (const r of requests) {
        const again = await until('a retry to be answered', async () => {
          const res = await post(r.wire);
          return res.status === 200 ? res : undefined;
        });
        expect(
          (await verifyAuthRes(again.text, r.content, world.merchantKx, verifyCtx())).content.result.status,
        ).toBe('approved');
      }
      const rows = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM gateway_authorizations');
      expect(rows[0]!.n).toBe(2 + requests.length);
    } finally {
      await admin.close();
    }
  });
});

describe.skipIf(!PRIVATE_POSTGRES)(
  'the whole sandbox (issuer site, gateway, store) while PostgreSQL is away',
  () => {
    let pg: PrivatePostgres;
    let sandbox: RunningSandbox;
    const dataDir = mkdtempSync(join(tmpdir(), 'sandbox-faults-'));
    beforeAll(async () => {
      pg = await startPrivatePostgres();
      sandbox = await startSandbox({ port: 0, dataDir, databaseUrl: pg.url, log: () => {} });
    });
    afterAll(async () => {
      await sandbox?.close().catch(() => {});
      pg?.remove();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('each party answers 503 with Retry-After and /healthz 503, then recovers by itself', async () => {
      const { issuer, gateway, store } = sandbox.urls;
      for (const url of [issuer, gateway, store]) expect((await fetch(`${url}/healthz`)).status).toBe(200);
      pg.crash();
      for (const url of [issuer, gateway, store]) {
        const health = await fetch(`${url}/healthz`);
        expect(health.status, url).toBe(503);
        expect(Number(health.headers.get('retry-after')), url).toBeGreaterThan(0);
      }
      // Pages that read the database: not a 422 "something went wrong", a 503 saying to retry.
      for (const page of [`${issuer}/certificates`, `${store}/cart`]) {
        const res = await fetch(page, { headers: { cookie: 'store_cart=AAAAAAAAAAAAAAAAAAAAAAAA' } });
        expect(res.status, page).toBe(503);
        expect(Number(res.headers.get('retry-after')), page).toBeGreaterThan(0);
        expect(await res.text()).toMatch(/cannot reach its database just now/);
      }
      pg.start();
      for (const url of [issuer, gateway, store]) {
        await until(`${url} to recover`, async () =>
          (await fetch(`${url}/healthz`)).status === 200 ? true : undefined,
        );
      }
      expect((await fetch(`${store}/cart`)).status).toBe(200);
    });
  },
);
