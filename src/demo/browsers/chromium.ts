/**
 * The Chromium adapter: playwright-core, Debian's /usr/bin/chromium, new headless (which loads
 * extensions), the build given by --load-extension; the extension id comes from its service
 * worker's URL.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext as PwContext, Page as PwPage, Route, Worker } from 'playwright-core';
import { chromium } from 'playwright-core';
import {
  type AnyPageFunction,
  bodyText,
  CHROME_BUILD,
  CHROMIUM_PATH,
  type ConsoleEntry,
  type LaunchOptions,
  type Name,
  type PlainBrowser,
  poll,
  runAxe,
  screenshotAt,
  snapshot,
  type UiPage,
  type WalletBrowser,
  waitForPageText,
} from './driver.ts';

export class PwUiPage implements UiPage {
  readonly browser = 'chromium' as const;
  constructor(readonly page: PwPage) {}

  async url() {
    return this.page.url();
  }
  async goto(url: string) {
    await this.page.goto(url);
  }
  async clickButton(name: Name) {
    try {
      await this.page.getByRole('button', { name, exact: true }).click();
    } catch (e) {
      // A button that closes its window (Close, Cancel) takes the page with it.
      if (!this.page.isClosed()) throw e;
    }
  }
  async clickLink(name: Name) {
    await this.page.getByRole('link', { name, exact: true }).click();
  }
  async hasButton(name: Name) {
    return (await this.page.getByRole('button', { name, exact: true }).count()) > 0;
  }
  async fill(label: Name, value: string) {
    await this.page.getByLabel(label, { exact: true }).fill(value);
  }
  async select(label: Name, option: string) {
    const el = this.page.getByLabel(label, { exact: true });
    await el.selectOption(option).catch(() => el.selectOption({ label: option }));
  }
  async check(label: Name) {
    await this.page.getByLabel(label, { exact: true }).check();
  }
  async isChecked(label: Name) {
    return this.page.getByLabel(label, { exact: true }).isChecked();
  }
  async addInitScript(fn: () => void) {
    await this.page.addInitScript(fn);
  }
  async text() {
    return this.page.evaluate(bodyText);
  }
  async waitForText(want: string | RegExp, timeoutMs = 15_000) {
    return waitForPageText(this, want, timeoutMs);
  }
  async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return (await this.page.evaluate(fn as AnyPageFunction, arg as unknown)) as R;
  }
  async axe() {
    return runAxe((script) => this.page.evaluate(script));
  }
  async colorScheme(scheme: 'light' | 'dark') {
    await this.page.emulateMedia({ colorScheme: scheme });
  }
  async press(key: string) {
    try {
      await this.page.keyboard.press(key);
    } catch (e) {
      // A key that closes its window (Escape) takes the page with it.
      if (!this.page.isClosed()) throw e;
    }
  }
  async type(text: string) {
    await this.page.keyboard.type(text, { delay: 30 });
  }
  async screenshot(path: string, width?: number) {
    await screenshotAt(this.page, (size) => this.page.setViewportSize(size), path, width);
  }
  async isClosed() {
    return this.page.isClosed();
  }
  async waitForClose(timeoutMs = 15_000) {
    if (this.page.isClosed()) return;
    await this.page.waitForEvent('close', { timeout: timeoutMs });
  }
  async close() {
    if (!this.page.isClosed()) await this.page.close();
  }
}

export async function launchChromium(opts: LaunchOptions = {}): Promise<WalletBrowser> {
  const tempDir = opts.tempDir ?? tmpdir();
  const extensionDir = snapshot(opts.build ?? CHROME_BUILD, 'set-wallet-chrome-', tempDir);
  const profile = mkdtempSync(join(tempDir, 'set-wallet-chromium-profile-'));
  const signals = opts.handleSignals ?? true;
  const removeFiles = () => {
    rmSync(profile, { recursive: true, force: true });
    rmSync(extensionDir, { recursive: true, force: true });
  };
  const context: PwContext = await chromium
    .launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      handleSIGINT: signals,
      handleSIGTERM: signals,
      handleSIGHUP: signals,
      viewport: { width: 1100, height: 800 },
      ...(opts.locale
        ? {
            locale: opts.locale,
            env: { ...process.env, LANGUAGE: opts.locale, LANG: `${opts.locale}.UTF-8` },
          }
        : {}),
      args: [
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--no-default-browser-check',
        ...(opts.locale ? [`--lang=${opts.locale}`] : []),
      ],
      ...(opts.verbose ? { logger: { isEnabled: () => true, log: (n, s, m) => console.log(n, s, m) } } : {}),
    })
    .catch((e: unknown) => {
      removeFiles();
      throw e;
    });
  const errors: ConsoleEntry[] = [];
  const watch = (page: PwPage) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push({ url: page.url(), text: m.text() });
    });
    page.on('pageerror', (e) => errors.push({ url: page.url(), text: `uncaught: ${e.message}` }));
  };
  context.pages().forEach(watch);
  context.on('page', watch);
  const watchWorker = (worker: Worker) => {
    worker.on('console', (m) => {
      if (m.type() === 'error') errors.push({ url: worker.url(), text: m.text() });
    });
  };
  context.serviceWorkers().forEach(watchWorker);
  context.on('serviceworker', watchWorker);

  const cleanUp = async () => {
    await context.close().catch(() => {});
    removeFiles();
  };
  const worker =
    context.serviceWorkers().find((w) => w.url().startsWith('chrome-extension://')) ??
    (await context
      .waitForEvent('serviceworker', {
        timeout: 15_000,
        predicate: (w) => w.url().startsWith('chrome-extension://'),
      })
      .catch(async (e: Error) => {
        await cleanUp();
        throw new Error(`the extension's service worker did not start: ${e.message}`);
      }));
  const extensionId = new URL(worker.url()).host;
  const extensionOrigin = `chrome-extension://${extensionId}`;
  // An extension page kept open for the whole session: it runs inExtension() calls, and its CDP
  // session watches the service worker (opening and closing tabs would wake the worker: the
  // wallet listens to tab events).
  const driver = await context.newPage();
  await driver.goto(`${extensionOrigin}/manifest.json`);
  const driverSession = await context.newCDPSession(driver);
  const versions = new Map<string, { scriptURL: string; runningStatus: string }>();
  driverSession.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions) versions.set(v.versionId, v);
  });
  await driverSession.send('ServiceWorker.enable');

  const handedOut = new WeakSet<PwPage>();
  const wrap = (page: PwPage) => {
    handedOut.add(page);
    return new PwUiPage(page);
  };
  const findPages = (prefix: string) =>
    context.pages().filter((p) => !p.isClosed() && p.url().startsWith(`${extensionOrigin}/${prefix}`));

  const api: WalletBrowser = {
    name: 'chromium',
    extensionOrigin,
    extensionDir,
    async openExtensionPage(path) {
      const page = await context.newPage();
      await page.goto(`${extensionOrigin}/${path}`);
      return wrap(page);
    },
    async openPage(url) {
      const page = await context.newPage();
      await page.goto(url);
      return wrap(page);
    },
    async waitForExtensionPage(prefix, timeoutMs = 15_000) {
      const page = await poll(
        `an extension page ${prefix}`,
        async () => findPages(prefix).find((p) => !handedOut.has(p)),
        timeoutMs,
      );
      await page.waitForLoadState('domcontentloaded');
      return wrap(page);
    },
    async extensionPages(prefix) {
      return findPages(prefix).map((p) => new PwUiPage(p));
    },
    async inExtension(fn, arg) {
      return (await driver.evaluate(fn as AnyPageFunction, arg as unknown)) as Awaited<ReturnType<typeof fn>>;
    },
    consoleErrors: async () => [...errors],
    async stopServiceWorker() {
      const ours = () => [...versions].filter(([, v]) => v.scriptURL.startsWith(extensionOrigin));
      await poll('the service worker to be listed', async () => ours().length > 0, 10_000);
      for (const [versionId, v] of ours()) {
        if (v.runningStatus !== 'stopped')
          await driverSession.send('ServiceWorker.stopWorker', { versionId });
      }
      await poll(
        'the service worker to stop',
        async () => ours().every(([, v]) => v.runningStatus === 'stopped'),
        10_000,
      );
    },
    async serviceWorkerRunning() {
      return [...versions.values()].some(
        (v) => v.scriptURL.startsWith(extensionOrigin) && v.runningStatus === 'running',
      );
    },
    async holdPosts(ui, pathSuffix) {
      if (!(ui instanceof PwUiPage)) throw new Error('not a page of this browser');
      const page = ui.page;
      const waiting: Route[] = [];
      let holding = true;
      let seen = 0;
      const matcher = (url: URL) => url.pathname.endsWith(pathSuffix);
      const handler = async (route: Route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        seen++;
        if (!holding) return route.fallback();
        waiting.push(route);
      };
      await page.route(matcher, handler);
      return {
        held: (count = 1, timeoutMs = 15_000) =>
          poll(
            `${count} held POST to ${pathSuffix}`,
            async () => waiting.length >= count && waiting.length,
            timeoutMs,
          ),
        async release() {
          holding = false;
          await Promise.all(waiting.splice(0).map((r) => r.fallback()));
        },
        seen: () => seen,
        async dispose() {
          await page.unroute(matcher, handler);
        },
      };
    },
    close: cleanUp,
  };
  return api;
}

/** Chromium without the wallet: what a shopper without SET Wallet has. */
export async function launchChromiumWithoutWallet(): Promise<PlainBrowser> {
  const errors: ConsoleEntry[] = [];
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update'],
  });
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  context.on('page', (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push({ url: page.url(), text: m.text() });
    });
    page.on('pageerror', (e) => errors.push({ url: page.url(), text: `uncaught: ${e.message}` }));
  });
  return {
    name: 'chromium',
    async openPage(url) {
      const page = new PwUiPage(await context.newPage());
      await page.goto(url);
      return page;
    },
    consoleErrors: () => [...errors],
    close: () => browser.close(),
  };
}
