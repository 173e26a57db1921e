// The issuer site's Merchants page over real HTTP on every storage backend: an administrator enrols
// a shop from the browser form (the SET exchange runs against the MCA's own handler), downloads the
// bundle once, and the SDK reads it; its chains pass `openssl verify -x509_strict` and name the
// shop's origin; a taken name and bad input are refused with a sentence; revoking a merchant puts
// its certificates on the MCA's CRL; nothing changes without the admin session, form token and
// same-site origin.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIssuerSite, MERCHANT_ID_PATTERN } from '../../src/ca/index.ts';
import { readMerchantBundle } from '../../src/merchant/index.ts';
import { b64u, MerchantBundleJson, parseCrl, randomNonce } from '../../src/protocol/index.ts';
import { type Backend, backends } from '../support/databases.ts';
import { makeWorld } from '../support/world.ts';
import { worldCas } from '../support/world-issuer.ts';

const world = makeWorld();
const TOKEN = b64u(randomNonce());
const ORIGIN = 'http://127.0.0.1:48123';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe.each(backends)('issuer site Merchants page on $name', (backend: Backend) => {
  let server: ServerType;
  let base: string;
  let drop: () => Promise<void>;
  let cookie: string;
  let csrf: string;
  const dir = mkdtempSync(join(tmpdir(), 'issuer-merchants-'));

  beforeAll(async () => {
    const opened = await backend.open();
    drop = opened.drop;
    const site = await createIssuerSite({
      db: opened.db,
      ...worldCas(world),
      testCards: [],
      adminToken: TOKEN,
      issuerName: 'SETPay Sandbox Bank',
      log: () => {},
    });
    server = serve({ fetch: site.app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const login = await fetch(`${base}/certificates?token=${encodeURIComponent(TOKEN)}`, {
      redirect: 'manual',
    });
    cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const page = await (await fetch(`${base}/merchants`, { headers: { cookie } })).text();
    csrf = /name="csrf" value="([0-9a-f]+)"/.exec(page)![1]!;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(base + path, { method: 'POST', body, headers: { ...FORM, ...headers }, redirect: 'manual' });
  const enrolFields = (name: string, origins = ORIGIN) => ({
    csrf,
    name,
    origins,
    city: 'Leeds',
    country: 'gb',
    category: '5999',
  });

  async function enrolFromPage(name: string, origins = ORIGIN) {
    const res = await post('/merchants/enrol', form(enrolFields(name, origins)), { cookie, origin: base });
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(/^\/merchants\?bundle=[\w-]+$/);
    const page = await (await fetch(base + location, { headers: { cookie } })).text();
    const merchantId = /MerchantID <span class="mono">(M\d{15})<\/span>/.exec(page)?.[1];
    expect(merchantId).toMatch(MERCHANT_ID_PATTERN);
    expect(page).toContain('Sandbox convenience: the keys are made on the server');
    const href = /href="(\/merchants\/bundle\/[\w-]+)" download="set-merchant-(M\d{15})\.json"/.exec(page);
    expect(href?.[2]).toBe(merchantId);
    return { merchantId: merchantId!, href: href![1]!, page };
  }

  it('refuses every change without the admin session, form token or same-site origin', async () => {
    const anonymous = await (await fetch(`${base}/merchants`)).text();
    expect(anonymous).toContain('<h1>Merchants</h1>');
    expect(anonymous).not.toContain('name="csrf"');
    expect(anonymous).not.toContain('action="/merchants/enrol"');
    const fields = form(enrolFields('Nobody’s Shop'));
    const cases: [string, Response][] = [
      ['no session', await post('/merchants/enrol', fields)],
      ['wrong cookie', await post('/merchants/enrol', fields, { cookie: 'set_issuer_admin=00' })],
      [
        'wrong form token',
        await post('/merchants/enrol', form({ ...enrolFields('X'), csrf: 'ab' }), { cookie }),
      ],
      [
        'no form token',
        await post('/merchants/enrol', 'name=X&origins=http%3A%2F%2F127.0.0.1%3A1', { cookie }),
      ],
      ['cross-origin', await post('/merchants/enrol', fields, { cookie, origin: 'http://127.0.0.1:1' })],
      ['revoke, no session', await post('/merchants/revoke', form({ csrf, merchantId: 'M000000000000001' }))],
      [
        'revoke, cross-origin',
        await post('/merchants/revoke', form({ csrf, merchantId: 'M000000000000001' }), {
          cookie,
          origin: 'https://evil.example',
        }),
      ],
    ];
    for (const [what, res] of cases) {
      expect(res.status, what).toBe(403);
      expect(await res.text(), what).toMatch(/administrator link|out of date|sent from this site/);
    }
    // Nothing was enrolled.
    expect(await (await fetch(`${base}/merchants`)).text()).toContain('0 merchants');
    const bundle = await fetch(`${base}/merchants/bundle/anything`);
    expect(bundle.status).toBe(403);
  });

  it('enrols from the page; the bundle is read by the SDK and verifies with openssl for the origin', async () => {
    const { merchantId, href } = await enrolFromPage('Page Shop', `${ORIGIN}\nhttps://page-shop.example/`);
    expect((await fetch(base + href)).status).toBe(403); // the bundle needs the session too
    const res = await fetch(base + href, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="set-merchant-${merchantId}.json"`,
    );
    const text = await res.text();
    const file = join(dir, `set-merchant-${merchantId}.json`);
    writeFileSync(file, text, { mode: 0o600 });
    const bundle = readMerchantBundle(file);
    expect(bundle.merchantId).toBe(merchantId);
    expect(bundle.config.origins).toEqual([ORIGIN, 'https://page-shop.example']);
    expect(bundle.config.mca).toBe(`${base}/set/mca`);
    expect(bundle.keys.signature.certificate.merchantData).toMatchObject({
      merchantId,
      name: 'Page Shop',
      country: 'GB',
    });
    expect(bundle.keys.keyExchange.certificate.keyRole).toBe('key-exchange');

    // Unpacked, it is the folder `setwallet merchant enrol` writes: openssl accepts its chains.
    const folder = join(dir, merchantId);
    const { files } = v.parse(MerchantBundleJson, JSON.parse(text));
    mkdirSync(folder);
    for (const [name, body] of Object.entries(files as Record<string, string>))
      writeFileSync(join(folder, name), body);
    expect(readMerchantBundle(folder).merchantId).toBe(merchantId);
    for (const name of ['merchant-sig', 'merchant-kx']) {
      const pem = join(folder, `${name}.pem`);
      const out = execFileSync(
        'openssl',
        [
          'verify',
          '-x509_strict',
          '-ignore_critical',
          '-CAfile',
          join(folder, 'root.pem'),
          '-untrusted',
          pem,
          pem,
        ],
        { encoding: 'utf8' },
      );
      expect(out).toBe(`${pem}: OK\n`);
    }
    const x509 = execFileSync(
      'openssl',
      ['x509', '-in', join(folder, 'merchant-sig.pem'), '-noout', '-text'],
      {
        encoding: 'utf8',
      },
    );
    expect(x509).toContain(`URI:${ORIGIN}`);
    expect(x509).toContain('URI:https://page-shop.example');

    // The list shows it, with both certificates.
    const listed = await (await fetch(`${base}/merchants`)).text();
    expect(listed).toContain(merchantId);
    expect(listed).toContain('Page Shop');
    expect(listed).toContain('https://page-shop.example');
    expect(listed).toContain(bundle.keys.signature.certificate.serialNumber);
    expect(listed).toContain(bundle.keys.keyExchange.certificate.serialNumber);
    expect(listed).toContain('status-active');
  });

  it('refuses a taken name and bad input with a sentence', async () => {
    await enrolFromPage('Taken Shop');
    const again = await post('/merchants/enrol', form(enrolFields('TAKEN-shop')), { cookie, origin: base });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('Another merchant is enrolled under the name');

    const bad: [Record<string, string>, RegExp][] = [
      [{ ...enrolFields('Bad Origin'), origins: 'shop.example' }, /is not a web origin/],
      [{ ...enrolFields('Bad Path'), origins: 'https://shop.example/checkout' }, /is not a web origin/],
      [{ ...enrolFields('Public Http'), origins: 'http://shop.example' }, /plain http on a public name/],
      [{ ...enrolFields('No Origin'), origins: ' ' }, /at least one web origin/],
      [
        {
          ...enrolFields('Many'),
          origins: Array.from({ length: 9 }, (_, i) => `https://s${i}.example`).join('\n'),
        },
        /at most 8 origins/,
      ],
      [{ ...enrolFields(''), name: '  ' }, /Give the shop name/],
      [{ ...enrolFields('Long'), name: 'x'.repeat(129) }, /at most 128 characters/],
      [{ ...enrolFields('Country'), country: 'GBR' }, /two-letter code/],
      [{ ...enrolFields('Category'), category: '59' }, /four digits/],
      [{ ...enrolFields('Extra'), admin: '1' }, /fields this page does not send/],
    ];
    for (const [fields, sentence] of bad) {
      const res = await post('/merchants/enrol', form(fields), { cookie, origin: base });
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(await res.text(), JSON.stringify(fields)).toMatch(sentence);
    }
    const huge = await post('/merchants/enrol', form({ ...enrolFields('Huge'), city: 'x'.repeat(5000) }), {
      cookie,
      origin: base,
    });
    expect(huge.status).toBe(413);
    expect(await huge.text()).toMatch(/larger than 4096 bytes/);
    // Not a form (src/web/forms.ts): refused with a sentence, before the session's token is looked at.
    const notForms: [string, string][] = [
      [`${form({ ...enrolFields('Twice') })}&name=Other`, 'application/x-www-form-urlencoded'],
      [
        '--XYZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nno end',
        'multipart/form-data; boundary=XYZ',
      ],
      [JSON.stringify(enrolFields('Json')), 'application/json'],
    ];
    for (const [body, type] of notForms) {
      const res = await post('/merchants/enrol', body, { cookie, origin: base, 'content-type': type });
      expect(res.status, body).toBe(400);
      expect(await res.text(), body).toMatch(/reload the merchants page/);
    }
  });

  it('revokes a merchant: its certificates go on the MCA’s CRL', async () => {
    const { merchantId, href } = await enrolFromPage('Revoked Shop');
    const bundle = JSON.parse(await (await fetch(base + href, { headers: { cookie } })).text());
    const file = join(dir, 'revoked.json');
    writeFileSync(file, JSON.stringify(bundle));
    const { keys } = readMerchantBundle(file);
    const serials = [keys.signature.certificate.serialNumber, keys.keyExchange.certificate.serialNumber];

    const unknown = await post('/merchants/revoke', form({ csrf, merchantId: 'M000000000000001' }), {
      cookie,
    });
    expect(unknown.status).toBe(404);
    const malformed = await post('/merchants/revoke', form({ csrf, merchantId: "M1' OR 1=1" }), { cookie });
    expect(malformed.status).toBe(400);

    const res = await post('/merchants/revoke', form({ csrf, merchantId }), { cookie, origin: base });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/merchants?revoked=${merchantId}`);
    const crl = parseCrl(new Uint8Array(await (await fetch(`${base}/crl/mca.crl`)).arrayBuffer()));
    for (const serial of serials) expect(crl.revoked.has(serial)).toBe(true);
    const page = await (
      await fetch(`${base}/merchants?revoked=${merchantId}`, { headers: { cookie } })
    ).text();
    expect(page).toContain('are revoked and listed on the Merchant CA');
    const row = page.slice(page.indexOf(`<td><span class="mono">${merchantId}`));
    expect(row.slice(0, row.indexOf('</tr>'))).toContain('status-revoked');
  });
});
