// revocationFromIssuer (src/merchant/revocation-source.ts) over real HTTP: a CA site serving a real
// BrandCRLIdentifier and real CRLs (tests/support/world.ts), what it keeps and for how long, and
// the answers it refuses (each a SetError, never an exception of another kind).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationFromIssuer } from '../../src/merchant/index.ts';
import { b64u, SetError } from '../../src/protocol/index.ts';
import { makeWorld, revocationOf } from '../support/world.ts';

const world = makeWorld();
const inForce = await revocationOf(world);
const FILES: Record<string, Uint8Array> = {
  '/crl/brand.crl': inForce.crls[0]!.der,
  '/crl/cca.crl': inForce.crls[1]!.der,
  '/crl/mca.crl': inForce.crls[2]!.der,
  '/crl/pca.crl': inForce.crls[3]!.der,
};

/** What the site answers, changed by each test. */
let answer: (path: string) => { status: number; body: string | Uint8Array } = (path) =>
  path === '/bci'
    ? { status: 200, body: JSON.stringify(inForce.bci) }
    : FILES[path]
      ? { status: 200, body: FILES[path]! }
      : { status: 404, body: 'no' };
const normal = answer;
let hits = 0;
let server: Server;
let url: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    const a = answer(req.url ?? '/');
    res.writeHead(a.status).end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const thumbs = (crls: readonly { thumbprint: Uint8Array }[]) => crls.map((c) => b64u(c.thumbprint)).sort();

describe('revocationFromIssuer', () => {
  it('fetches the BrandCRLIdentifier and the four CRLs, and keeps them for refreshMs', async () => {
    answer = normal;
    let clock = world.clock.now.getTime();
    const source = revocationFromIssuer(url, { now: () => new Date(clock), refreshMs: 60_000 });
    const before = hits;
    const [a, b] = await Promise.all([source(), source()]);
    expect(a.bci).toEqual(inForce.bci);
    expect(thumbs(a.crls)).toEqual(thumbs(inForce.crls));
    expect(b).toBe(a);
    expect(hits - before).toBe(5); // one fetch shared by both requests
    clock += 30_000;
    expect(await source()).toBe(a);
    expect(hits - before).toBe(5);
    clock += 31_000;
    await source();
    expect(hits - before).toBe(10);
  });

  it('uses the last good set while the CA is away, until its nextUpdate; then says what to check', async () => {
    answer = normal;
    let clock = world.clock.now.getTime();
    const source = revocationFromIssuer(url, { now: () => new Date(clock), refreshMs: 1000 });
    const good = await source();
    answer = () => ({ status: 503, body: 'down' });
    clock += 5000;
    expect(await source()).toBe(good);
    clock += 8 * 86_400_000; // past nextUpdate (7 days)
    const e = await source().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SetError);
    expect((e as SetError).code).toBe('unspecifiedFailure');
    expect((e as SetError).message).toContain('check that the CA');
  });

  const refusals: [string, (path: string) => { status: number; body: string | Uint8Array }][] = [
    ['a 404 for a CRL', (p) => (p.startsWith('/crl/') ? { status: 404, body: '' } : normal(p))],
    [
      'a BrandCRLIdentifier that is not JSON',
      (p) => (p === '/bci' ? { status: 200, body: '{nope' } : normal(p)),
    ],
    [
      'a BrandCRLIdentifier with an extra field',
      (p) => (p === '/bci' ? { status: 200, body: JSON.stringify({ ...inForce.bci, x: 1 }) } : normal(p)),
    ],
    [
      'a BrandCRLIdentifier over 64 KiB',
      (p) => (p === '/bci' ? { status: 200, body: ' '.repeat(70_000) } : normal(p)),
    ],
    [
      'a CRL that is not DER',
      (p) => (p.startsWith('/crl/') ? { status: 200, body: 'not a CRL' } : normal(p)),
    ],
    [
      'a CRL over 1 MiB',
      (p) => (p.startsWith('/crl/') ? { status: 200, body: new Uint8Array(1_100_000) } : normal(p)),
    ],
  ];
  it.each(refusals)('refuses %s with a SetError, and keeps nothing', async (_, serve) => {
    answer = serve;
    const source = revocationFromIssuer(url, { now: () => world.clock.now });
    const e = await source().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(SetError);
    expect((e as SetError).code).toBe('unspecifiedFailure');
    answer = normal;
    expect((await source()).bci).toEqual(inForce.bci);
  });

  it('refuses a CA address that is not http(s)', () => {
    expect(() => revocationFromIssuer('file:///etc/passwd')).toThrow(/not an http\(s\) URL/);
  });
});
