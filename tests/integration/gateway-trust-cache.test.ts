// The gateway's long-lived TrustCache over real HTTP (issue 11): a returning cardholder's second
// authorization validates no chain and checks no certificate signature (counted through the
// gateway's observeTrust hook, not by timing), and what is cached is still refused once revoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createGateway,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  type Listening,
  listen,
} from '../../src/gateway/index.ts';
import { issueCrl, type ParsedCrl, readError } from '../../src/protocol/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { openTestPglite } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';

const world = makeWorld();
const seen = { paths: 0, signatures: 0 };
let crls: ParsedCrl[] = [];
let db: Database;
let server: Listening;

beforeAll(async () => {
  db = await openTestPglite();
  const gateway = await createGateway({
    db,
    signature: world.gateway,
    keyExchange: world.gatewayKx,
    trustedRoots: [world.root],
    crls: () => crls,
    issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 50 }),
    log: () => {},
    observeTrust: (e) => {
      if (e.kind === 'path') seen.paths++;
      if (e.kind === 'link') seen.signatures++;
    },
  });
  server = await listen(gateway);
});
afterAll(async () => {
  await server?.close();
  await db?.close();
});

const post = async (wire: string) => {
  const res = await fetch(`${server.url}/set`, { method: 'POST', body: wire });
  return { status: res.status, text: await res.text() };
};

describe('gateway trust cache', () => {
  it("a returning cardholder's second authorization verifies no chain again", async () => {
    const cardholder = issueCardholder(world);
    const first = await merchantAuthReq(world, cardholder);
    const second = await merchantAuthReq(world, cardholder);
    const before = { ...seen };
    expect((await post(first.wire)).status).toBe(200);
    // The merchant's signature and key-exchange chains and the cardholder's: validated afresh.
    expect(seen.paths).toBeGreaterThan(before.paths);
    expect(seen.signatures).toBeGreaterThan(before.signatures);
    const afterFirst = { ...seen };
    const res = await post(second.wire);
    expect(res.status, res.text).toBe(200);
    expect(res.text).toContain('"type":"AuthRes"');
    expect(seen).toEqual(afterFirst);
    // A new cardholder of the same CCA: one path and one signature (its own link), nothing above it.
    const other = await merchantAuthReq(world, issueCardholder(world));
    expect((await post(other.wire)).status).toBe(200);
    expect(seen).toEqual({ paths: afterFirst.paths + 1, signatures: afterFirst.signatures + 1 });
  });

  it('a cached cardholder chain is refused at the next message once its certificate is revoked', async () => {
    const cardholder = issueCardholder(world);
    expect((await post((await merchantAuthReq(world, cardholder)).wire)).status).toBe(200);
    const at = world.clock.now;
    const crl = (crlNumber: number, revoked: string[]) =>
      issueCrl({
        issuer: world.issuer('cca'),
        crlNumber,
        thisUpdate: new Date(at.getTime() - 60_000),
        nextUpdate: new Date(at.getTime() + 86_400_000),
        revoked: revoked.map((serialNumber) => ({ serialNumber, revocationDate: at })),
      });
    crls = [crl(1, [cardholder.certificate.serialNumber])];
    const refused = await post((await merchantAuthReq(world, cardholder)).wire);
    const { content } = await readError(refused.text, { trust: world.trust(), clock: world.clock });
    expect(content.errorCode).toBe('revokedCertificate');
    crls = [crl(2, [])];
    expect((await post((await merchantAuthReq(world, cardholder)).wire)).status).toBe(200);
  });
});
