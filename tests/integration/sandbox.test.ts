// The sandbox over real HTTP: a protocol-level cardholder registers at the issuer site, buys at the
// demo store with each test card, and the merchant captures, refunds and reverses; plus the shell
// checks (curl, openssl), revocation from the command line and a restart that keeps everything.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MERCHANT_ID_PATTERN } from '../../src/ca/index.ts';
import { sandboxClient } from '../../src/demo/sandbox-client.ts';
import { DEFAULT_TEST_CARDS } from '../../src/gateway/index.ts';
import {
  hex,
  PAYMENT_INITIATION_TYPE,
  parsePaymentInitiation,
  parseRegistrationInitiation,
  REGISTRATION_INITIATION_TYPE,
  SetError,
} from '../../src/protocol/index.ts';
import { readEntry } from '../../src/sandbox/pki-files.ts';
import { type RunningSandbox, startSandbox } from '../../src/sandbox/sandbox.ts';
import { pgliteTemplate } from '../support/databases.ts';
import { payOverHttp, registerOverHttp } from '../support/http-wallet.ts';
import { scriptOf } from '../support/initiations.ts';
import { placeOrder as placeShopOrder, storeShopper } from '../support/store-shopper.ts';
import type { Cardholder } from '../support/world.ts';

const CLI = join(import.meta.dirname, '../../bin/setwallet.js');
// The sandbox serves from this process: a command that talks to it must not block the event loop.
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'set-sandbox-'));
let sandbox: RunningSandbox;
const cardholders = new Map<string, Cardholder>();
const APPROVE = '4111111111111111';
const DECLINE = '4000000000000002';

const EXPECTED: Record<string, { status: 'approved' | 'declined'; reason?: string }> = {
  approve: { status: 'approved' },
  doNotHonour: { status: 'declined', reason: 'doNotHonour' },
  insufficientFunds: { status: 'declined', reason: 'insufficientFunds' },
  expiredCard: { status: 'declined', reason: 'expiredCard' },
  stolenCard: { status: 'declined', reason: 'stolenCard' },
  issuerUnavailable: { status: 'declined', reason: 'issuerUnavailable' },
};

/** Places an order as a new shopper: its id, and the session cookie that may see it. */
async function placeOrder(items: Record<string, number>): Promise<{ orderId: string; cookie: string }> {
  const shop = storeShopper(sandbox.urls.store);
  return { orderId: await placeShopOrder(shop, items), cookie: shop.cookie() };
}

async function stateOf(orderId: string, cookie: string): Promise<unknown> {
  return (await fetch(`${sandbox.urls.store}/orders/${orderId}/status`, { headers: { cookie } })).json();
}

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    dataDir,
    databaseTemplate: await pgliteTemplate(),
    issuerTimeoutMs: 300,
    log: () => {},
  });
  for (const card of DEFAULT_TEST_CARDS) {
    cardholders.set(
      card.pan,
      await registerOverHttp(`${sandbox.urls.issuer}/set/cca`, sandbox.root, card.pan),
    );
  }
}, 120_000);
afterAll(async () => {
  await sandbox?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the sandbox over HTTP', () => {
  it('registered a card for every test card, each certificate bound to its PAN by the unique ID', () => {
    expect(cardholders.size).toBe(DEFAULT_TEST_CARDS.length);
    for (const c of cardholders.values()) expect(c.certificate.subject.commonName).toMatch(/^[0-9a-f]{64}$/);
  });

  it.each(DEFAULT_TEST_CARDS.map((c) => [c.behaviour, c.pan] as const))(
    'a purchase with the %s card (%s) has its documented outcome',
    async (behaviour, pan) => {
      const { orderId, cookie } = await placeOrder({ poster: 1 });
      const { receipt } = await payOverHttp(
        `${sandbox.urls.store}/set`,
        sandbox.root,
        cardholders.get(pan)!,
        orderId,
      );
      expect(receipt.content.result).toMatchObject(EXPECTED[behaviour]!);
      expect(await stateOf(orderId, cookie)).toEqual({
        state: behaviour === 'approve' ? 'authorized' : 'declined',
      });
    },
  );

  it('captures, refunds and reverses through the store, and the gateway ledger agrees', async () => {
    const { orderId } = await placeOrder({ hoodie: 1, poster: 1 });
    const { receipt } = await payOverHttp(
      `${sandbox.urls.store}/set`,
      sandbox.root,
      cardholders.get(APPROVE)!,
      orderId,
    );
    const xid = receipt.content.transIds.xid;
    // The merchant, signed in with the back-office link the sandbox prints.
    const merchant = sandboxClient(sandbox.urls, sandbox.operatorLinks.backOffice);
    const orderUrl = (id: string) => `${sandbox.urls.store}/orders/${id}`;
    expect(await merchant.merchantAction(orderUrl(orderId), 'capture', '60.00')).toBe(
      `/orders/${orderId}?done=capture`,
    );
    expect(await merchant.merchantAction(orderUrl(orderId), 'refund', '15.00')).toBe(
      `/orders/${orderId}?done=refund`,
    );
    const ledger = (await (
      await fetch(`${sandbox.urls.gateway}/api/transactions/${encodeURIComponent(xid)}`, {
        headers: { authorization: `Bearer ${sandbox.gatewayOperatorToken}` },
      })
    ).json()) as { captured: { value: number }; refunded: { value: number }; events: { kind: string }[] };
    expect(ledger.captured.value).toBe(6000);
    expect(ledger.refunded.value).toBe(1500);
    expect(ledger.events).toHaveLength(2);

    const { orderId: second, cookie } = await placeOrder({ notebook: 1 });
    await payOverHttp(`${sandbox.urls.store}/set`, sandbox.root, cardholders.get(APPROVE)!, second);
    expect(await merchant.merchantAction(orderUrl(second), 'reverse')).toBe(`/orders/${second}?done=reverse`);
    expect(await stateOf(second, cookie)).toEqual({ state: 'reversed' });
    expect(await merchant.orderState(orderUrl(second))).toBe('reversed');
  });

  it('a refund made on the gateway dashboard reaches the store by notification: shopper and back office see it', async () => {
    const { orderId, cookie } = await placeOrder({ hoodie: 1 });
    const { receipt } = await payOverHttp(
      `${sandbox.urls.store}/set`,
      sandbox.root,
      cardholders.get(APPROVE)!,
      orderId,
    );
    const xid = receipt.content.transIds.xid;
    const merchant = sandboxClient(sandbox.urls, sandbox.operatorLinks.backOffice);
    const orderUrl = `${sandbox.urls.store}/orders/${orderId}`;
    expect(await merchant.merchantAction(orderUrl, 'capture', '45.00')).toBe(
      `/orders/${orderId}?done=capture`,
    );
    // The gateway's operator, signed in with the link the sandbox printed, refunds 12.50.
    const gw = sandbox.urls.gateway;
    const signIn = await fetch(sandbox.operatorLinks.gatewayDashboard, { redirect: 'manual' });
    const operator = String(signIn.headers.get('set-cookie')).split(';')[0]!;
    const page = await (await fetch(`${gw}/transactions/${xid}`, { headers: { cookie: operator } })).text();
    const form =
      /name="nonce" value="([A-Za-z0-9_-]{43})">\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})"/.exec(
        page,
      );
    expect(form).not.toBeNull();
    const refund = await fetch(`${gw}/dashboard/action`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw, cookie: operator },
      body: new URLSearchParams({
        xid,
        nonce: form![1]!,
        csrf: form![2]!,
        action: 'refund',
        amount: '12.50',
      }),
    });
    expect(refund.status).toBe(303);
    // Delivered by the gateway's worker to the store's registered URL: poll the shopper's status.
    const deadline = Date.now() + 20_000;
    while (((await stateOf(orderId, cookie)) as { state: string }).state !== 'partiallyRefunded') {
      if (Date.now() > deadline) throw new Error('the refund did not reach the store');
      await new Promise((r) => setTimeout(r, 50));
    }
    const shopperPage = await (await fetch(orderUrl, { headers: { cookie } })).text();
    expect(shopperPage).toMatch(
      /Refunded<\/th><td class="num">€12\.50|Refunded<\/th><td class="num">[^<]*12\.50/,
    );
    expect(shopperPage).toContain('made by the payment gateway’s operator');
    expect(await merchant.orderState(orderUrl)).toBe('partiallyRefunded');
    // The gateway's dashboard shows the delivery.
    const after = await (await fetch(`${gw}/transactions/${xid}`, { headers: { cookie: operator } })).text();
    expect(after).toMatch(/Refund \(operator\)[\s\S]*?<span class="ok">delivered<\/span>/);
  });

  it('curl: the checkout page declares the payment initiation, the registration page the registration initiation', async () => {
    const { orderId, cookie } = await placeOrder({ poster: 2 });
    const { stdout: checkout } = await run('curl', [
      '-sS',
      '-H',
      `cookie: ${cookie}`,
      `${sandbox.urls.store}/orders/${orderId}`,
    ]);
    const payment = parsePaymentInitiation(scriptOf(checkout, PAYMENT_INITIATION_TYPE)!, sandbox.urls.store);
    expect(payment).toMatchObject({
      lidM: orderId,
      brands: ['SETPay'],
      endpointUrl: `${sandbox.urls.store}/set`,
    });
    const { stdout: register } = await run('curl', ['-sS', `${sandbox.urls.issuer}/register`]);
    const registration = parseRegistrationInitiation(
      scriptOf(register, REGISTRATION_INITIATION_TYPE)!,
      sandbox.urls.issuer,
    );
    expect(registration).toMatchObject({ brand: 'SETPay', endpointUrl: `${sandbox.urls.issuer}/set/cca` });
  });

  it('after setwallet pki export, openssl verify accepts the merchant and gateway chains', () => {
    const out = join(dataDir, 'export');
    const exported = spawnSync('node', [CLI, 'pki', 'export', out, '--data', dataDir], { encoding: 'utf8' });
    expect(exported.stderr).toBe('');
    expect(exported.status).toBe(0);
    for (const name of ['merchant-sig', 'merchant-kx', 'gateway-sig', 'gateway-kx']) {
      const pem = join(out, `${name}.pem`);
      const verified = execFileSync(
        'openssl',
        [
          'verify',
          '-x509_strict',
          '-ignore_critical',
          '-CAfile',
          join(out, 'root.pem'),
          '-untrusted',
          pem,
          pem,
        ],
        { encoding: 'utf8' },
      );
      expect(verified).toBe(`${pem}: OK\n`);
    }
    const text = execFileSync('openssl', ['x509', '-in', join(out, 'merchant-sig.pem'), '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(text).toContain(`URI:${sandbox.urls.store}`);
  });

  it('setwallet sandbox revoke takes effect at the next check: the revoked cardholder cannot pay', async () => {
    const victim = cardholders.get(APPROVE)!;
    const port = new URL(sandbox.urls.issuer).port;
    const revoked = await run('node', [
      CLI,
      'sandbox',
      'revoke',
      victim.certificate.serialNumber,
      '--port',
      port,
      '--data',
      dataDir,
    ]);
    expect(revoked.stderr).toBe('');
    expect(revoked.stdout).toMatch(/^revoked /);
    const { orderId } = await placeOrder({ poster: 1 });
    const error = await payOverHttp(`${sandbox.urls.store}/set`, sandbox.root, victim, orderId).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SetError);
    expect((error as SetError).code).toBe('revokedCertificate');
  });

  it('a restart keeps the root, the enrolled merchant and the ledger', async () => {
    const root = hex(sandbox.root.thumbprint);
    const ledger = async () =>
      (
        (await (
          await fetch(`${sandbox.urls.gateway}/api/transactions`, {
            headers: { authorization: `Bearer ${sandbox.gatewayOperatorToken}` },
          })
        ).json()) as {
          authorizations: { xid: string }[];
        }
      ).authorizations
        .map((a) => a.xid)
        .sort();
    const before = await ledger();
    expect(before.length).toBeGreaterThan(5);
    const merchantCert = () => readEntry(join(dataDir, 'merchant'), 'merchant-sig').certificate;
    const enrolled = merchantCert();
    const merchantId = enrolled.merchantData?.merchantId;
    expect(merchantId).toMatch(MERCHANT_ID_PATTERN);
    await sandbox.close();
    const logs: string[] = [];
    sandbox = await startSandbox({ port: 0, dataDir, issuerTimeoutMs: 300, log: (l) => logs.push(l) });
    expect(hex(sandbox.root.thumbprint)).toBe(root);
    expect(await ledger()).toEqual(before);
    // The store moved port (port 0): the merchant renewed for its new origin and kept the
    // MerchantID the MCA assigned it; the root stayed.
    const renewed = merchantCert();
    expect(renewed.origins).toEqual([sandbox.urls.store]);
    expect(renewed.merchantData?.merchantId).toBe(merchantId);
    expect(hex(renewed.thumbprint)).not.toBe(hex(enrolled.thumbprint));
    expect(logs.join('\n')).toContain(`renewed with the MCA over SET as ${merchantId}`);
    const other = cardholders.get(DECLINE)!;
    const { orderId } = await placeOrder({ poster: 1 });
    const { receipt } = await payOverHttp(`${sandbox.urls.store}/set`, sandbox.root, other, orderId);
    expect(receipt.content.result.status).toBe('declined');
  });
});
