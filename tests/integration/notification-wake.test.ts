// Waking notification delivery after a ledger change costs nothing while no merchant has
// registered a URL (no event could be delivered), and wakes it again at once after one registers.
// Real gateway over real HTTP on PGlite; the database is wrapped only to see which statements run.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNotifyRegReq, encodeWire } from '../../src/protocol/index.ts';
import type { Database, Row, Sql } from '../../src/storage/index.ts';
import { openTestPglite } from '../support/databases.ts';
import { until } from '../support/deadlines.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';
import { startWorldGateway, type WorldGateway } from '../support/world-gateway.ts';

/** `db`, with every statement it is asked to run (inside transactions too) written to `seen`. */
function recorded(db: Database, seen: string[]): Database {
  const watch = (sql: Sql): Sql => ({
    query: <T extends Row>(text: string, params?: unknown[]) => {
      seen.push(text);
      return sql.query<T>(text, params);
    },
  });
  return { ...db, ...watch(db), transaction: (fn) => db.transaction((tx) => fn(watch(tx))) };
}

const CLAIM = 'SET locked_until = $2';
const LOOK = 'FROM gateway_notification_endpoints) AS any';

describe('waking notification delivery', () => {
  const world = makeWorld();
  const cardholder = issueCardholder(world);
  const seen: string[] = [];
  let db: Database;
  let gw: WorldGateway;
  beforeAll(async () => {
    db = await openTestPglite();
    // The poll is an hour apart: every pass after the first comes from a wake.
    gw = await startWorldGateway(world, recorded(db, seen), { notificationDelivery: { pollMs: 3_600_000 } });
    gw.gateway.delivery.start();
    await until('the first poll', async () =>
      gw.gateway.notifications.mayHaveEndpoints() ? undefined : true,
    );
  });
  afterAll(async () => {
    await gw.gateway.delivery.stop();
    await gw.server.close();
    await db.close();
  });

  const authorize = async () => {
    const { wire } = await merchantAuthReq(world, cardholder);
    const answer = await gw.post(wire);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('"type":"AuthRes"');
  };

  it('claims nothing after authorizations while no merchant has a URL, then claims at once after one registers', async () => {
    expect(seen.filter((s) => s.includes(LOOK))).toHaveLength(1);
    const claimsAtStart = seen.filter((s) => s.includes(CLAIM)).length;
    for (let i = 0; i < 3; i++) await authorize();
    // The authorizations were written (each queued its event) and nothing was claimed for them.
    expect(seen.filter((s) => s.includes('INSERT INTO gateway_authorizations'))).toHaveLength(3);
    expect(seen.filter((s) => s.includes(CLAIM)).length).toBe(claimsAtStart);

    // The merchant registers a URL (NotifyRegReq), and its next authorization wakes delivery.
    const reg = await buildNotifyRegReq({
      merchant: world.merchant,
      brandId: 'SETPay',
      url: 'http://127.0.0.1:9/n',
    });
    expect((await gw.post(encodeWire(reg.wire))).status).toBe(200);
    await authorize();
    await until('a claim after the registration', async () =>
      seen.filter((s) => s.includes(CLAIM)).length > claimsAtStart ? true : undefined,
    );
  });
});
