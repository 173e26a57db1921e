// The gateway dashboard is the operator's only (issue 8 §6): the printed token opens a session,
// the API takes it as a Bearer token, action forms carry the session's CSRF field, requests whose
// Host is not the configured address are refused (DNS rebinding), and a malformed form is a 400
// with a sentence, never an exception (issue 10, case 6). Each refusal leaves the ledger as it was.
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway, type Listening, listen } from '../../src/gateway/index.ts';
import type { Database } from '../../src/storage/index.ts';
import { openTestPglite } from '../support/databases.ts';
import { merchantAuthReq } from '../support/gateway-process.ts';
import { issueCardholder, makeWorld } from '../support/world.ts';
import { worldGatewayDeps } from '../support/world-gateway.ts';

const world = makeWorld();
const cardholder = issueCardholder(world, '4111111111111111', '202912');
const TOKEN = 'the-operator-token-printed-at-start';

/** A raw HTTP request, so that Host can be anything (fetch sets it from the URL). */
function raw(
  url: string,
  opts: { method?: string; host?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: u.hostname,
        port: u.port,
        path: `${u.pathname}${u.search}`,
        method: opts.method ?? 'GET',
        headers: { host: opts.host ?? u.host, ...(opts.headers ?? {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString(),
            headers: res.headers,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

describe('gateway dashboard access', () => {
  let db: Database;
  let gateway: Gateway;
  let server: Listening;
  let xid: string;
  let cookie: string;
  let form: { xid: string; nonce: string; csrf: string };

  beforeAll(async () => {
    db = await openTestPglite();
    gateway = await createGateway(worldGatewayDeps(world, db, { dashboard: { token: TOKEN } }));
    server = await listen(gateway.app.fetch);
    const req = await merchantAuthReq(world, cardholder);
    expect((await raw(`${server.url}/set`, { method: 'POST', body: req.wire })).status).toBe(200);
    xid = req.xid;
    const signIn = await raw(`${server.url}/?token=${TOKEN}`);
    expect(signIn.status).toBe(303);
    cookie = String(signIn.headers['set-cookie']).split(';')[0]!;
    const page = await raw(`${server.url}/transactions/${xid}`, { headers: { cookie } });
    const m =
      /name="nonce" value="([A-Za-z0-9_-]{43})">\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})"/.exec(
        page.text,
      );
    form = { xid, nonce: m![1]!, csrf: m![2]! };
  });
  afterAll(async () => {
    await server?.close();
    await db?.close();
  });

  const unchanged = async () => {
    expect((await gateway.ledger.findAuthorization(xid))?.balances.captured).toBe(0);
    expect(await gateway.ledger.eventsOf(xid)).toEqual([]);
  };
  const post = (body: string, headers: Record<string, string>, host?: string) =>
    raw(`${server.url}/dashboard/action`, {
      method: 'POST',
      body,
      ...(host ? { host } : {}),
      headers: { origin: server.url, ...headers },
    });
  const urlencoded = (f: Record<string, string>) => new URLSearchParams(f).toString();
  const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

  it('asks for the operator: no session, a wrong link or a wrong Bearer token gets nothing', async () => {
    for (const path of ['/', `/transactions/${xid}`]) {
      const res = await raw(`${server.url}${path}`);
      expect(res.status).toBe(401);
      expect(res.text).toContain('operator link the sandbox printed');
      expect(res.text).not.toContain(xid.slice(0, 10));
    }
    expect((await raw(`${server.url}/?token=not-the-token`)).status).toBe(403);
    expect((await raw(`${server.url}/api/transactions`)).status).toBe(401);
    expect(
      (await raw(`${server.url}/api/transactions`, { headers: { authorization: 'Bearer wrong-token' } }))
        .status,
    ).toBe(403);
    expect((await raw(`${server.url}/api/transactions/${xid}`)).status).toBe(401);
    const ok = await raw(`${server.url}/api/transactions`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain(xid);
    // An action without the session is refused before the ledger.
    expect((await post(urlencoded({ ...form, action: 'capture', amount: '1.00' }), FORM)).status).toBe(401);
    await unchanged();
  });

  it('refuses requests whose Host is not its address (DNS rebinding), even with a session or the token', async () => {
    const port = new URL(server.url).port;
    for (const host of [`attacker.example:${port}`, 'attacker.example', `127.0.0.1.nip.io:${port}`]) {
      const page = await raw(`${server.url}/`, { host, headers: { cookie } });
      expect(page.status).toBe(421);
      expect(page.text).toContain('only at its configured address');
      const api = await raw(`${server.url}/api/transactions`, {
        host,
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(api.status).toBe(421);
      expect(api.text).not.toContain(xid);
      const action = await post(
        urlencoded({ ...form, action: 'capture', amount: '1.00' }),
        { ...FORM, cookie },
        host,
      );
      expect(action.status).toBe(421);
    }
    await unchanged();
    expect((await raw(`${server.url}/`, { host: `localhost:${port}`, headers: { cookie } })).status).toBe(
      200,
    );
  });

  it('refuses an action form without the session’s CSRF field', async () => {
    const { csrf: _csrf, ...noCsrf } = form;
    expect(
      (await post(urlencoded({ ...noCsrf, action: 'capture', amount: '1.00' }), { ...FORM, cookie })).status,
    ).toBe(400);
    const wrong = await post(
      urlencoded({ ...form, csrf: 'a'.repeat(64), action: 'capture', amount: '1.00' }),
      {
        ...FORM,
        cookie,
      },
    );
    expect(wrong.status).toBe(403);
    await unchanged();
  });

  it('answers a malformed multipart form with 400 and a sentence, not an exception', async () => {
    const bodies: [string, string][] = [
      [
        'multipart/form-data; boundary=XYZ',
        '--XYZ\r\nContent-Disposition: form-data; name="xid"\r\n\r\nno end',
      ],
      ['multipart/form-data', 'no boundary at all'],
      ['multipart/form-data; boundary=', '--\r\n\r\n'],
    ];
    for (const [type, body] of bodies) {
      const res = await post(body, { 'content-type': type, cookie });
      expect(res.status, res.text).toBe(400);
      expect(res.text).toMatch(/could not be read|incomplete/);
      expect(res.text).not.toContain('Something went wrong');
    }
    // A field twice is no form either; one over 8 KiB is too large (read by src/web/forms.ts).
    const twice = await post(`${urlencoded({ ...form, action: 'capture', amount: '1.00' })}&amount=2.00`, {
      ...FORM,
      cookie,
    });
    expect(twice.status, twice.text).toBe(400);
    expect(twice.text).toMatch(/could not be read/);
    const huge = await post(
      urlencoded({ ...form, action: 'capture', amount: '1.00', back: 'x'.repeat(9000) }),
      {
        ...FORM,
        cookie,
      },
    );
    expect(huge.status, huge.text).toBe(413);
    expect(huge.text).toMatch(/too large/);
    await unchanged();
  });

  it('is off without an operator token, and answers only the configured names when given', async () => {
    const other = await createGateway(worldGatewayDeps(world, db));
    const off = await listen(other.app.fetch);
    try {
      expect((await raw(`${off.url}/`)).status).toBe(403);
      expect(
        (await raw(`${off.url}/api/transactions`, { headers: { authorization: `Bearer ${TOKEN}` } })).status,
      ).toBe(403);
      expect((await raw(`${off.url}/healthz`)).status).toBe(200);
    } finally {
      await off.close();
    }
    const named = await createGateway(
      worldGatewayDeps(world, db, { dashboard: { token: TOKEN, hosts: ['gateway.test:8701'] } }),
    );
    const at = await listen(named.app.fetch);
    try {
      const bearer = { authorization: `Bearer ${TOKEN}` };
      expect((await raw(`${at.url}/api/transactions`, { headers: bearer })).status).toBe(421);
      expect(
        (await raw(`${at.url}/api/transactions`, { host: 'gateway.test:8701', headers: bearer })).status,
      ).toBe(200);
    } finally {
      await at.close();
    }
  });
});
