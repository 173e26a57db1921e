/**
 * docs/merchant-guide.md, followed literally by a newcomer (issue 9, "The guide"): the files of a
 * new shop are the guide's own code blocks (```js file=server.js …, extracted here, so the guide
 * and this test cannot drift), in an empty temporary folder. Then, as the guide says:
 *
 *   pack the SDK (npm run pack:packages) → npm install the two tarballs in the shop → enrol the
 *   shop's own origin (http://127.0.0.1:<free port>) with `setwallet merchant enrol` against a
 *   running sandbox (openssl verifies what it wrote) → start the shop with plain node → in real
 *   Chromium with the production build: create the wallet, trust the root, register test card
 *   4111…, Buy a mug, Pay with SET, Pay → approved, the button says so → the shop's staff route
 *   captures → the gateway's operator, signed in on the gateway's dashboard over HTTP with the
 *   sandbox's link, refunds €5.00 with the dashboard's own form → the gateway notifies the shop
 *   (the URL its server.js registered at start) and the shop's own status route shows the refund;
 *   the dashboard shows the notification delivered → the staff route refunds what is left.
 *
 * The commands the guide shows (pack, install, enrol, start) are checked to be in the guide as
 * this test runs them, with only the port, the paths and the sandbox URL changed. How long each
 * step took is printed (the newcomer's path).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, poll, REPO, type UiPage, type WalletBrowser } from '../../src/demo/browsers.ts';
import { loadMessages } from '../../src/demo/messages.ts';
import {
  buttonEventsOf,
  buttonNow,
  type Checkout,
  recordOn,
  WalletUser,
  waitForOutcome,
  waitForWallet,
} from '../../src/demo/wallet.ts';
import { describeState } from '../../src/merchant/browser/pay-with-set.ts';
import { type E2eSandbox, startE2eSandbox, TEST_CARDS } from './sandbox.ts';

const run = promisify(execFile);
const GUIDE = readFileSync(join(REPO, 'docs/merchant-guide.md'), 'utf8');
const SHOP_NAME = 'My Shop';
const STAFF_TOKEN = 'guide-test-staff-token';

/** The files a block's info string names: ```js file=server.js */
function guideFiles(markdown: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const m of markdown.matchAll(/^```[a-z]+ file=(\S+)\n([\s\S]*?)^```$/gm)) {
    const [, name, text] = m;
    if (files.has(name!)) throw new Error(`the guide writes ${name} twice`);
    files.set(name!, text!);
  }
  return files;
}

/** The environment without what `npm test` sets for its own run, so each npm acts in its cwd. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD')),
    ...extra,
  };
}

async function sh(file: string, args: string[], cwd: string): Promise<string> {
  const r = await run(file, args, { cwd, env: cleanEnv(), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return r.stdout;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('docs/merchant-guide.md, followed literally', () => {
  let dir = '';
  let tarballs = '';
  let shopDir = '';
  const figures: string[] = [];
  const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const r = await fn();
    figures.push(`${what} ${((Date.now() - t) / 1000).toFixed(1)} s`);
    return r;
  };
  let sandbox: E2eSandbox;
  let browser: WalletBrowser | undefined;
  let shop: ChildProcess | undefined;
  let shopLog = '';
  let port = 0;
  let origin = '';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'set-guide-'));
    tarballs = join(dir, 'set-tarballs');
    shopDir = join(dir, 'my-shop');
    [sandbox, port] = await Promise.all([startE2eSandbox(), freePort()]);
    origin = `http://127.0.0.1:${port}`;
  }, 120_000);

  afterAll(async () => {
    shop?.kill();
    await browser?.close();
    await sandbox?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    console.log(`merchant guide: ${figures.join(', ')}`);
  });

  it('shows the commands this test runs', () => {
    expect(GUIDE).toContain('npx setwallet sandbox');
    expect(GUIDE).toContain('npm run pack:packages -- --out ../set-tarballs');
    expect(GUIDE).toContain(
      'npm install ../set-tarballs/setwallet-protocol-0.1.0.tgz ../set-tarballs/setwallet-merchant-0.1.0.tgz',
    );
    expect(GUIDE).toContain(
      `npx setwallet merchant enrol --origin http://127.0.0.1:3000 --name "${SHOP_NAME}" --out ../my-shop/set-merchant`,
    );
    expect(GUIDE).toContain('SHOP_STAFF_TOKEN=change-me npm start');
    expect([...guideFiles(GUIDE).keys()].sort()).toEqual(['package.json', 'server.js']);
  });

  it('a new shop from the guide’s blocks installs the packed SDK', async () => {
    mkdirSync(shopDir);
    for (const [name, text] of guideFiles(GUIDE)) writeFileSync(join(shopDir, name), text);
    const out = await timed('pack', () =>
      sh('npm', ['run', '--silent', 'pack:packages', '--', '--out', tarballs], REPO),
    );
    const packed = out.split('\n').filter((l) => l.endsWith('.tgz'));
    expect(packed.map((p) => p.slice(tarballs.length + 1))).toEqual([
      'setwallet-protocol-0.1.0.tgz',
      'setwallet-merchant-0.1.0.tgz',
    ]);
    // The guide's install line, run in the shop's folder (the registry for the SDK's dependencies).
    await timed('npm install', () =>
      sh(
        'npm',
        [
          'install',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          '../set-tarballs/setwallet-protocol-0.1.0.tgz',
          '../set-tarballs/setwallet-merchant-0.1.0.tgz',
        ],
        shopDir,
      ),
    );
    const lock = JSON.parse(readFileSync(join(shopDir, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { hasInstallScript?: boolean }>;
    };
    expect(Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript)).toEqual([]);
  }, 600_000);

  it('enrols the shop’s own origin with setwallet merchant enrol; openssl verifies what it wrote', async () => {
    const out = await timed('enrol', () =>
      sh(
        'node',
        [
          join(REPO, 'bin/setwallet.js'),
          'merchant',
          'enrol',
          '--origin',
          origin,
          '--name',
          SHOP_NAME,
          '--out',
          '../my-shop/set-merchant',
          '--sandbox',
          sandbox.urls.issuer,
        ],
        tarballs,
      ),
    );
    expect(out).toMatch(new RegExp(`enrolled "${SHOP_NAME}" as MerchantID M\\d{15}, bound to ${origin}`));
    const m = (f: string) => join(shopDir, 'set-merchant', f);
    for (const cert of ['merchant-sig.pem', 'merchant-kx.pem']) {
      const verified = await sh(
        'openssl',
        ['verify', '-ignore_critical', '-CAfile', m('root.pem'), '-untrusted', m(cert), m(cert)],
        shopDir,
      );
      expect(verified.trim()).toBe(`${m(cert)}: OK`);
    }
  }, 120_000);

  it('the shop starts with plain node and pays with the wallet in real Chromium; staff capture, a dashboard refund reaches the shop by notification', async () => {
    shop = spawn('node', ['server.js'], {
      cwd: shopDir,
      env: cleanEnv({
        PORT: String(port),
        SET_CA_URL: sandbox.urls.issuer,
        SET_GATEWAY_URL: `${sandbox.urls.gateway}/set`,
        SHOP_STAFF_TOKEN: STAFF_TOKEN,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    shop.stdout!.on('data', (b: Buffer) => {
      shopLog += b.toString();
    });
    shop.stderr!.on('data', (b: Buffer) => {
      shopLog += b.toString();
    });
    await timed('shop start', () =>
      poll('the shop to listen', async () => shopLog.includes(`on ${origin}`), 30_000).catch((e: Error) => {
        throw new Error(`${e.message}; the shop's log:\n${shopLog}`);
      }),
    );

    browser = await launchBrowser('chromium');
    const user = new WalletUser(browser, loadMessages(browser.extensionDir));
    await timed('wallet: first run, root, test card', async () => {
      const settings = await user.firstRun();
      await user.trustRoot(settings, await sandbox.rootPem());
      await settings.close();
      await user.registerCard(sandbox.urls.issuer, TEST_CARDS.approve, { views: false });
    });

    const page: UiPage = await browser.openPage('about:blank');
    await recordOn(page);
    await page.goto(origin);
    await page.waitForText(SHOP_NAME);
    await page.clickButton('Buy a mug');
    const orderUrl = await poll('the checkout page', async () => {
      const url = await page.url();
      return /\/orders\/[0-9a-f]{12}$/.test(url) ? url : undefined;
    });
    const checkout: Checkout = { page, orderUrl, orderId: orderUrl.slice(orderUrl.lastIndexOf('/') + 1) };
    await waitForWallet(page, 'payment');

    const paid = await timed('purchase', async () => {
      const confirm = await user.startPayment(checkout, origin, SHOP_NAME);
      expect(await buttonNow(page)).toMatchObject({ state: 'waiting', status: describeState('waiting') });
      const result = await user.pay(confirm);
      expect(result.status, result.text).toBe('approved');
      return waitForOutcome(page, ['approved', 'declined', 'failed', 'rejected']);
    });
    expect(paid.status).toBe('approved');
    const xid = paid.xid!;
    // The shop's page: the button's words and events, and the shop's own record.
    await page.waitForText(describeState('approved'));
    const events = await buttonEventsOf(page);
    expect(events.filter((e) => e.type === 'set-progress').map((e) => e.detail.state)).toEqual([
      'waiting',
      'paying',
      'approved',
    ]);
    const orderStatus = async () =>
      (await (await fetch(`${orderUrl}/status`)).json()) as {
        state: string;
        balance?: { captured: number; refunded: number };
      };
    const status = async () => (await orderStatus()).state;
    expect(await status()).toBe('authorized');
    expect(shopLog).toContain(`order ${checkout.orderId}: approved`);
    const auths = await sandbox.authorizations(xid);
    expect(auths).toHaveLength(1);
    expect(auths[0]).toMatchObject({ result: 'approved', merchantName: SHOP_NAME, cardLast4: '1111' });

    // Capture and refund from the guide's staff routes: refused without the token, once each with it.
    const staff = (action: string, token?: string) =>
      fetch(`${origin}/staff/orders/${checkout.orderId}/${action}`, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    expect((await staff('capture')).status).toBe(403);
    expect((await staff('capture', 'wrong-token-of-same-len')).status).toBe(403);
    expect(await (await staff('capture', STAFF_TOKEN)).json()).toEqual({
      status: 'captured',
      state: 'captured',
    });
    expect(await orderStatus()).toMatchObject({
      state: 'captured',
      balance: { captured: 1299, refunded: 0 },
    });

    // The gateway's operator refunds €5.00 on the gateway's dashboard, as a browser would: sign in
    // with the sandbox's link (a session cookie), read the form's nonce and token from the
    // transaction's page, post the form from the dashboard's own origin.
    const gw = sandbox.urls.gateway;
    const signIn = await fetch(sandbox.gatewayDashboard, { redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const operator = String(signIn.headers.get('set-cookie')).split(';')[0]!;
    const txPage = async () =>
      (await fetch(`${gw}/transactions/${xid}`, { headers: { cookie: operator } })).text();
    const form =
      /name="nonce" value="([A-Za-z0-9_-]{43})">\s*<input type="hidden" name="csrf" value="([0-9a-f]{64})"/.exec(
        await txPage(),
      );
    expect(form).not.toBeNull();
    const refund = await timed('dashboard refund → shop notified', async () => {
      const posted = await fetch(`${gw}/dashboard/action`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: gw, cookie: operator },
        body: new URLSearchParams({
          xid,
          nonce: form![1]!,
          csrf: form![2]!,
          action: 'refund',
          amount: '5.00',
        }),
      });
      // Delivered by the gateway's worker to the URL the shop registered: the shop's own route shows it.
      await poll(
        'the shop to hear of the refund',
        async () => (await status()) === 'partiallyRefunded' || undefined,
        30_000,
      ).catch((e: Error) => {
        throw new Error(`${e.message}; the shop's log:\n${shopLog}`);
      });
      return posted;
    });
    expect(refund.status).toBe(303);
    expect(await orderStatus()).toEqual({
      state: 'partiallyRefunded',
      balance: { currency: 'EUR', exponent: 2, authorized: 1299, captured: 1299, refunded: 500 },
    });
    expect(await (await fetch(orderUrl)).text()).toContain('<p>Refunded: €5.00</p>');
    expect(shopLog).toContain(`gateway: credit of €5.00 by the operator, order ${checkout.orderId}`);
    // The dashboard shows the notification delivered to the shop.
    await poll(
      'the dashboard to show the delivery',
      async () =>
        /Refund \(operator\)[\s\S]*?<span class="ok">delivered<\/span>/.test(await txPage()) || undefined,
    );

    // The staff route refunds what is left (€7.99), knowing of the operator's refund: the gateway
    // accepts it, its ledger holds the operator's and the shop's refunds, €12.99 in all, and the
    // shop shows the whole amount refunded, before and after the notification of its own refund.
    expect(await (await staff('refund', STAFF_TOKEN)).json()).toMatchObject({ status: 'credited' });
    const refunded = {
      state: 'refunded',
      balance: { currency: 'EUR', exponent: 2, authorized: 1299, captured: 1299, refunded: 1299 },
    };
    expect(await orderStatus()).toEqual(refunded);
    await poll(
      'the dashboard to show the shop’s own refund delivered',
      async () =>
        /Refund \(merchant\)[\s\S]*?<span class="ok">delivered<\/span>/.test(await txPage()) || undefined,
    );
    expect(await orderStatus()).toEqual(refunded);
    // Nothing is left to refund: the shop's route is refused, and the gateway's ledger unchanged.
    expect((await staff('refund', STAFF_TOKEN)).status).toBe(409);
    const ledger = await sandbox.transaction(xid);
    expect(ledger?.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['capture', 'credit']));
    const credits = ledger?.events.filter((e) => e.kind === 'credit' && e.outcome === 'accepted');
    expect(credits?.map((e) => [e.source, e.amount])).toEqual([
      ['operator', { currency: 'EUR', value: 500, exponent: 2 }],
      ['merchant', { currency: 'EUR', value: 799, exponent: 2 }],
    ]);
  }, 240_000);
});
