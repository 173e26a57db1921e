// Unauthenticated input costs the same every time (issue 8 item 5), over real HTTP: 3,000
// certificates planted at the merchant's SET endpoint and at the payment gateway (300 requests,
// each carrying the most a message may, 10) leave a legitimate request's cost flat. The planted
// certificates are look-alikes of the CCA and MCA (same name and key identifier, so chain building
// would have to try each) that never validate. Cost is CPU time of this process (the servers run
// in it), compared with a fresh server that saw no planting; the bound is generous (3×) because
// the machine is shared, whereas keeping the planted certificates costs orders of magnitude more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createIssuerSimulator, DEFAULT_TEST_CARDS, listen } from '../../src/gateway/index.ts';
import {
  createGatewayClient,
  createSetEndpoint,
  MemoryOrderStore,
  type SetHandler,
} from '../../src/merchant/index.ts';
import {
  b64u,
  buildErrorFor,
  buildInqReq,
  encodeWire,
  fromHex,
  hex,
  MAX_CARRIED_CERTS,
  type ParsedCertificate,
  parseCertificate,
  randomNonce,
  SetError,
} from '../../src/protocol/index.ts';
import { backends } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { issueCardholder, makeWorld, revocationOf } from '../support/world.ts';
import { closedPort, type Served, serve } from './merchant-support.ts';

const PLANTED = 3000;
const LEGIT = 4;
const RATIO = 3;

const world = makeWorld();
const cca = world.party('cca').certificate;
const mca = world.party('mca').certificate;

/** `count` distinct look-alikes of `cert`: the same DER with another serial number (so not validly signed). */
function lookAlikes(cert: ParsedCertificate, count: number, salt: number): string[] {
  const der = hex(cert.der);
  const serial = cert.serialNumber.padStart(2, '0');
  if (serial.length < 8 || der.indexOf(serial) < 0) throw new Error('unexpected serial encoding');
  return Array.from({ length: count }, (_, i) => {
    const tail = ((salt * count + i) & 0xffffff).toString(16).padStart(6, '0');
    const forged = der.replace(serial, serial.slice(0, -6) + tail);
    return b64u(fromHex(forged));
  });
}

/** CPU microseconds `fn` takes in this process (client and server alike). */
async function cpu(fn: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  await fn();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

/** The ErrorCode of a SET Error reply (its content, read without verifying: the test only routes on it). */
function errorCodeOf(text: string): string {
  const wire = JSON.parse(text) as { type: string; body: { content: string } };
  if (wire.type !== 'Error') return wire.type;
  return (JSON.parse(Buffer.from(wire.body.content, 'base64url').toString('utf8')) as { errorCode: string })
    .errorCode;
}

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

describe('the merchant SET endpoint', () => {
  let planted: Served;
  let clean: Served;

  const endpoint = async (): Promise<SetHandler> =>
    await createSetEndpoint({
      merchant: { signature: world.merchant, keyExchange: world.merchantKx },
      // InqReq never reaches the gateway.
      gateway: await createGatewayClient({
        endpoint: `${await closedPort()}/set`,
        merchant: { signature: world.merchant, keyExchange: world.merchantKx },
        gatewayKeyExchange: world.gatewayKx.chain,
        trustedRoots: [world.root],
      }),
      orders: new MemoryOrderStore(),
      trustedRoots: [world.root],
      revocation: async () => await revocationOf(world),
      log: () => {},
    });

  beforeAll(async () => {
    planted = await serve(await endpoint());
    clean = await serve(await endpoint());
  });
  afterAll(async () => {
    await planted?.close();
    await clean?.close();
  });

  /** A cardholder's signed InqReq: its chain is verified, then the XID is unknown. */
  const legitimate = (url: string) => async () => {
    const ch = issueCardholder(world);
    const inq = await buildInqReq({
      transIds: {
        lidC: 'c',
        lidM: 'm',
        xid: b64u(randomNonce()),
        pReqDate: world.clock.now.toISOString(),
        language: 'en',
      },
      cardholder: { privateKey: ch.privateKey, certificate: ch.certificate, chain: ch.chain },
      now: new Date(),
    });
    const res = await post(`${url}/set`, encodeWire(inq.wire));
    expect(errorCodeOf(res.text)).toBe('unknownXID');
  };

  it(`takes ${PLANTED} planted certificates without keeping them, and a legitimate request costs the same`, async () => {
    const perRequest = MAX_CARRIED_CERTS;
    // A stranger's cardholder key and certificate: its chain is never carried, so nothing validates.
    const stranger = issueCardholder(makeWorld());
    for (let r = 0; r < PLANTED / perRequest; r++) {
      const half = perRequest / 2;
      const certs = [...lookAlikes(cca, half, 2 * r), ...lookAlikes(mca, half, 2 * r + 1)];
      const inq = await buildInqReq({
        transIds: {
          lidC: 'c',
          lidM: 'm',
          xid: b64u(randomNonce()),
          pReqDate: new Date().toISOString(),
          language: 'en',
        },
        cardholder: { privateKey: stranger.privateKey, certificate: stranger.certificate, chain: [] },
        now: new Date(),
      });
      const wire = { ...inq.wire, certs };
      const res = await post(`${planted.url}/set`, JSON.stringify(wire));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    // One certificate more than a message may carry is refused before anything is parsed.
    const tooMany = {
      ...(
        await buildInqReq({
          transIds: {
            lidC: 'c',
            lidM: 'm',
            xid: b64u(randomNonce()),
            pReqDate: new Date().toISOString(),
            language: 'en',
          },
        })
      ).wire,
      certs: lookAlikes(cca, MAX_CARRIED_CERTS + 1, 999),
    };
    const refused = await post(`${planted.url}/set`, JSON.stringify(tooMany));
    expect(errorCodeOf(refused.text)).toBe('messageTooBig');

    const cleanCost = await cpu(async () => {
      for (let i = 0; i < LEGIT; i++) await legitimate(clean.url)();
    });
    const plantedCost = await cpu(async () => {
      for (let i = 0; i < LEGIT; i++) await legitimate(planted.url)();
    });
    console.log(
      `merchant endpoint: ${LEGIT} legitimate InqReqs took ${(cleanCost / 1000).toFixed(1)} ms CPU on a clean endpoint, ${(plantedCost / 1000).toFixed(1)} ms after ${PLANTED} planted certificates`,
    );
    expect(plantedCost).toBeLessThan(cleanCost * RATIO);
  }, 300_000);
});

describe.each(backends.slice(0, 1))('the payment gateway on $name', (backend) => {
  const servers: { url: string; close(): Promise<void> }[] = [];
  const drops: (() => Promise<void>)[] = [];

  const gatewayServer = async () => {
    const { db, drop } = await backend.open();
    drops.push(drop);
    const gateway = await createGateway({
      db,
      signature: world.gateway,
      keyExchange: world.gatewayKx,
      trustedRoots: [world.root],
      crls: async () => [...(await revocationOf(world)).crls],
      issuer: createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 50 }),
      log: () => {},
    });
    const server = await listen(gateway.app.fetch);
    servers.push(server);
    return server.url;
  };
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const d of drops) await d();
  });

  it(`takes ${PLANTED} planted certificates without keeping them, and an authorization costs the same`, async () => {
    const plantedUrl = await gatewayServer();
    const cleanUrl = await gatewayServer();
    // Signed Errors by a stranger (a look-alike merchant of another hierarchy), each carrying 10 look-alikes.
    const stranger = makeWorld().merchant;
    for (let r = 0; r < PLANTED / MAX_CARRIED_CERTS; r++) {
      const error = (await buildErrorFor(
        encodeWire(
          (
            await buildInqReq({
              transIds: {
                lidC: 'c',
                lidM: 'm',
                xid: b64u(randomNonce()),
                pReqDate: new Date().toISOString(),
                language: 'en',
              },
            })
          ).wire,
        ),
        new SetError('unspecifiedFailure', 'planted'),
        stranger,
        new Date(),
      ))!;
      const half = MAX_CARRIED_CERTS / 2;
      const certs = [...lookAlikes(cca, half, 2 * r), ...lookAlikes(mca, half, 2 * r + 1)];
      const res = await post(`${plantedUrl}/set`, JSON.stringify({ ...error, certs }));
      expect(res.status).toBeLessThan(500);
    }
    const authorize = (url: string) => async () => {
      const req = await merchantAuthReq(world, issueCardholder(world), { now: new Date() });
      const res = await post(`${url}/set`, req.wire);
      expect(res.status).toBe(200);
    };
    // Warm both (JIT, the database's caches) with one authorization each, then measure.
    await authorize(cleanUrl)();
    await authorize(plantedUrl)();
    const cleanCost = await cpu(async () => {
      for (let i = 0; i < LEGIT; i++) await authorize(cleanUrl)();
    });
    const plantedCost = await cpu(async () => {
      for (let i = 0; i < LEGIT; i++) await authorize(plantedUrl)();
    });
    console.log(
      `gateway: ${LEGIT} authorizations took ${(cleanCost / 1000).toFixed(1)} ms CPU on a clean gateway, ${(plantedCost / 1000).toFixed(1)} ms after ${PLANTED} planted certificates`,
    );
    expect(plantedCost).toBeLessThan(cleanCost * RATIO);
  }, 300_000);
});

// parseCertificate accepts the look-alikes (so they would be pooled if pooling were allowed).
it('the look-alikes parse as certificates of the CCA and MCA names', () => {
  const [a] = lookAlikes(cca, 1, 7);
  const parsed = parseCertificate(Buffer.from(a!, 'base64url'));
  expect(parsed.subjectDn).toBe(cca.subjectDn);
  expect(hex(parsed.thumbprint)).not.toBe(hex(cca.thumbprint));
});
