/**
 * Real browsers with the wallet's production build loaded, behind one small driver interface, so
 * that `setwallet demo` (src/demo/run.ts) and the browser suites (tests/e2e) drive the wallet with
 * the same code in both:
 *
 *   Chromium     playwright-core, Debian's /usr/bin/chromium, new headless (which loads
 *                extensions), the build given by --load-extension; the extension id comes from
 *                its service worker's URL.
 *   Firefox      puppeteer-core over WebDriver BiDi, /usr/bin/firefox-esr, the build installed as
 *                a temporary add-on; its moz-extension UUID is fixed by the
 *                `extensions.webextensions.uuids` pref, so the extension's origin is known.
 *
 * Firefox's WebDriver BiDi leaves extension documents out of its events (Bug 1755014: no load,
 * console or context events for moz-extension pages) and refuses to navigate to them unless the
 * remote agent is started with --remote-allow-system-access. Commands still reach them, so on
 * Firefox an extension page is opened by a navigation that is not awaited, and found (also a window
 * the wallet opens itself) by asking each tab for its location.
 *
 * The build is copied to a temporary folder first: another `npm run build` while a suite or a demo
 * runs cannot change the extension under test. The copy and the browser profile go in
 * LaunchOptions.tempDir (default the system's), and close() removes both.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext as PwContext, Page as PwPage, Route, Worker } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Browser as PpBrowser, ElementHandle as PpElement, Page as PpPage } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import { REPO } from './build.ts';

export { REPO };

export type BrowserName = 'chromium' | 'firefox';

/** An accessible name or label: a string matches exactly (whitespace collapsed), a RegExp anywhere. */
export type Name = string | RegExp;

/** A Name as it crosses into a page function. */
type NameArg = { exact: string } | { source: string; flags: string };
const nameArg = (n: Name): NameArg =>
  typeof n === 'string' ? { exact: n } : { source: n.source, flags: n.flags };

export const CHROME_BUILD = join(REPO, '.output/chrome-mv3');
export const FIREFOX_BUILD = join(REPO, '.output/firefox-mv3');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const GECKO_ID = 'wallet@set-wallet.dev';
/** The moz-extension UUID the Firefox profile gives the wallet (pref extensions.webextensions.uuids). */
export const FIREFOX_EXTENSION_UUID = '5e7a11e7-0c3b-4f2a-9d1e-5e7a11e70001';

const AXE_SOURCE_PATH = join(REPO, 'node_modules/axe-core/axe.min.js');
const POLL_MS = 100;

/** A page function as the drivers take it (their typings unbox handles, which these tests never pass). */
type AnyPageFunction = (arg: unknown) => unknown;

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

export interface ConsoleEntry {
  /** The page (or worker) URL the message came from. */
  url: string;
  text: string;
}

/** One tab or window, web page or extension page. */
export interface UiPage {
  readonly browser: BrowserName;
  /** The document's location, as the page itself reports it. */
  url(): Promise<string>;
  goto(url: string): Promise<void>;
  /** Clicks the button (role=button) with this accessible name (a string matches exactly). */
  clickButton(name: Name): Promise<void>;
  /** Clicks the link with this accessible name. */
  clickLink(name: Name): Promise<void>;
  /** Whether a button with this accessible name is there (now, no waiting). */
  hasButton(name: Name): Promise<boolean>;
  /** Types into the form control with this label (label element, aria-label or aria-labelledby). */
  fill(label: Name, value: string): Promise<void>;
  /** Chooses the option whose text or value is `option` in the select labelled `label`. */
  select(label: Name, option: string): Promise<void>;
  /** Ticks the checkbox or radio button labelled `label`. */
  check(label: Name): Promise<void>;
  /** Whether the checkbox or radio button labelled `label` is checked. */
  isChecked(label: Name): Promise<boolean>;
  /** Runs `fn` in the main world of every document this tab loads from now on (and not in the current one). */
  addInitScript(fn: () => void): Promise<void>;
  /** The visible text of the document (innerText of body). */
  text(): Promise<string>;
  /** Waits until the visible text contains `text` (or matches it), and returns the whole text. */
  waitForText(text: string | RegExp, timeoutMs?: number): Promise<string>;
  /** Runs `fn` in the page's main world (not subject to the page's CSP). */
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Injects axe-core and runs it on the whole document: the violations found. */
  axe(): Promise<AxeViolation[]>;
  /** Emulates prefers-color-scheme for this page (Chromium only: Firefox's WebDriver BiDi cannot). */
  colorScheme(scheme: 'light' | 'dark'): Promise<void>;
  /** Presses a key (e.g. `Escape`, `Enter`) in the focused element. */
  press(key: string): Promise<void>;
  /** Types `text` with the driver's real key events into whatever has focus in this page. */
  type(text: string): Promise<void>;
  /**
   * Saves a PNG of the whole document to `path`. With `width` (the width of the wallet's window or
   * popup), the page is laid out that wide first (wider if its content needs it), and the picture
   * is as tall as the document.
   */
  screenshot(path: string, width?: number): Promise<void>;
  isClosed(): Promise<boolean>;
  /** Resolves once the tab or window is gone (the wallet closed it). */
  waitForClose(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface WalletBrowser {
  readonly name: BrowserName;
  /** chrome-extension://<id> or moz-extension://<uuid> (no trailing slash). */
  readonly extensionOrigin: string;
  /** The build under test (a copy of .output/<target>). */
  readonly extensionDir: string;
  /** Opens `path` (e.g. `options.html`, `popup.html`) of the extension in a new tab. */
  openExtensionPage(path: string): Promise<UiPage>;
  openPage(url: string): Promise<UiPage>;
  /**
   * Waits for a tab or window, opened after the call or before it and not yet handed out, whose
   * location starts with the extension origin + `/` + `pathPrefix` (a confirmation window, the
   * registration page).
   */
  waitForExtensionPage(pathPrefix: string, timeoutMs?: number): Promise<UiPage>;
  /** The extension pages open now whose location starts with `pathPrefix`. */
  extensionPages(pathPrefix: string): Promise<UiPage[]>;
  /** Runs `fn` in an extension page (browser.* / chrome.* are there), e.g. to read a tab's badge. */
  inExtension<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /**
   * console.error and uncaught errors seen so far: web pages and extension pages, and in Chromium
   * the extension's service worker too.
   */
  consoleErrors(): Promise<ConsoleEntry[]>;
  /** Chromium only: stops the extension's service worker (as the browser does when it is idle). */
  stopServiceWorker(): Promise<void>;
  /** Chromium only: whether the extension's service worker is running now. */
  serviceWorkerRunning(): Promise<boolean>;
  /**
   * Chromium only: holds the POST requests `page` makes (its content script's included) to URLs
   * ending in `pathSuffix`, until released. Each held request then goes on to the server unchanged.
   */
  holdPosts(page: UiPage, pathSuffix: string): Promise<HeldPosts>;
  close(): Promise<void>;
}

export interface HeldPosts {
  /** Resolves with the number of requests held, once at least `count` are. */
  held(count?: number, timeoutMs?: number): Promise<number>;
  /** Lets every held request (and those to come) through, and stops holding. */
  release(): Promise<void>;
  /** How many matching POSTs the page made so far (held or not). */
  seen(): number;
  /** Stops watching the page's requests. */
  dispose(): Promise<void>;
}

export interface LaunchOptions {
  /** The unpacked build; default .output/chrome-mv3 or .output/firefox-mv3. */
  build?: string;
  /** Print the browser's own stderr (debugging). */
  verbose?: boolean;
  /** Where the copy of the build and the browser profile go (default the system's temporary folder). */
  tempDir?: string;
  /**
   * Let the driver close the browser on SIGINT, SIGTERM and SIGHUP itself (default true). A caller
   * with its own handlers (the demo, which also stops its sandbox) passes false.
   */
  handleSignals?: boolean;
}

/** A label, an accessible name or a text as a JS string literal inside a puppeteer selector. */
function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export async function poll<T>(
  what: string,
  fn: () => Promise<T | undefined | null | false>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== null && v !== false) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

function snapshot(build: string, prefix: string, tempDir: string): string {
  if (!existsSync(join(build, 'manifest.json'))) {
    throw new Error(`no extension build in ${build}: run \`npm run build\` first`);
  }
  const dir = mkdtempSync(join(tempDir, prefix));
  cpSync(build, dir, { recursive: true });
  return dir;
}

let axeSource: string | undefined;
function axeScript(): string {
  axeSource ??= readFileSync(AXE_SOURCE_PATH, 'utf8');
  return axeSource;
}

/** Runs in the page: axe.run on the document, reduced to what a failure message needs. */
const AXE_RUN = `(async () => {
  const r = await axe.run(document, { resultTypes: ['violations'] });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.replace(/\\s+/g, ' ') : '')) }));
})()`;

// What a person sees: innerText leaves out hidden elements, which textContent would not.
// biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point
const bodyText = () => document.body?.innerText ?? '';

/** A screenshot's viewport height: small, so that a full-page picture is as tall as the content. */
const SHOT_HEIGHT = 200;
const CONTENT_WIDTH = () => document.documentElement.scrollWidth;

function matches(text: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? text.includes(want) : want.test(text);
}

// ───────────────────────────── Chromium (playwright-core) ─────────────────────────────

class PwUiPage implements UiPage {
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
    let last = '';
    try {
      return await poll(
        `text ${String(want)} in ${this.page.url()}`,
        async () => {
          last = await this.text();
          return matches(last, want) ? last : undefined;
        },
        timeoutMs,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- the page shows ---\n${last.slice(0, 2000)}`);
    }
  }
  async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return (await this.page.evaluate(fn as AnyPageFunction, arg as unknown)) as R;
  }
  async axe() {
    await this.page.evaluate(axeScript());
    return (await this.page.evaluate(AXE_RUN)) as AxeViolation[];
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
    if (width) {
      await this.page.setViewportSize({ width, height: SHOT_HEIGHT });
      const needed = await this.page.evaluate(CONTENT_WIDTH);
      if (needed > width) await this.page.setViewportSize({ width: needed, height: SHOT_HEIGHT });
    }
    await this.page.screenshot({ path, fullPage: true });
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
      args: [
        `--disable-extensions-except=${extensionDir}`,
        `--load-extension=${extensionDir}`,
        '--no-sandbox',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--no-default-browser-check',
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

// ───────────────────────────── Firefox (puppeteer-core, WebDriver BiDi) ─────────────────────────────

/**
 * `fn` as puppeteer can send it to a page. Run through tsx (the CLI), esbuild's keepNames wraps
 * each named inner function in `__name(fn, "name")`, a helper the page does not have (playwright
 * defines it, puppeteer does not): a function whose source defines it first.
 */
function portable<F extends (...args: never[]) => unknown>(fn: F): F {
  const source = fn.toString();
  if (!source.includes('__name(')) return fn;
  return new Function('...args', `const __name = (f) => f;\nreturn (${source})(...args);`) as F;
}

/** Collects console.error and uncaught errors inside a page whose console BiDi does not report. */
const INSTALL_ERROR_TRAP = () => {
  const w = window as unknown as { __e2eErrors?: string[] };
  if (w.__e2eErrors) return;
  const errors: string[] = [];
  w.__e2eErrors = errors;
  const original = console.error.bind(console);
  console.error = (...args: unknown[]) => {
    errors.push(args.map((a) => (a instanceof Error ? a.message : String(a))).join(' '));
    original(...args);
  };
  window.addEventListener('error', (e) => errors.push(`uncaught: ${e.message}`));
  window.addEventListener('unhandledrejection', (e) =>
    errors.push(`unhandled rejection: ${String(e.reason)}`),
  );
};

class PpUiPage implements UiPage {
  readonly browser = 'firefox' as const;
  constructor(
    readonly page: PpPage,
    private readonly owner: { errors: ConsoleEntry[]; extensionOrigin: string },
  ) {}

  /** Puppeteer's own URL is stale for extension documents; ask the document. */
  async url() {
    return this.page.evaluate(() => location.href);
  }
  async goto(url: string) {
    if (url.startsWith(this.owner.extensionOrigin)) {
      // Not awaited: BiDi never reports the load of an extension document.
      this.page.goto(url).catch(() => {});
      await poll(`${url} to load`, async () => {
        const at = await this.page.evaluate(() => [location.href, document.readyState] as const);
        return at[0] === url && at[1] === 'complete';
      });
      await this.trapErrors();
    } else {
      await this.page.goto(url);
    }
  }
  async trapErrors() {
    await this.page.evaluate(INSTALL_ERROR_TRAP).catch(() => {});
  }
  /** Errors the trap caught in this page since the last call (moved to the browser's list). */
  async drainErrors() {
    const got = await this.page
      .evaluate(() => {
        const w = window as unknown as { __e2eErrors?: string[] };
        return w.__e2eErrors?.splice(0) ?? [];
      })
      .catch(() => [] as string[]);
    const url = await this.url().catch(() => '?');
    for (const text of got) this.owner.errors.push({ url, text });
  }
  /**
   * The element with this role and accessible name: for a string, the browser's accessibility
   * tree answers (puppeteer's aria query); for a RegExp, an approximation of the name in the page.
   */
  private async byRole(role: 'button' | 'link', name: Name, timeoutMs = 15_000): Promise<PpElement<Element>> {
    const fail = async (e: unknown) => {
      throw new Error(`no ${role} named ${String(name)} in ${await this.url()}: ${(e as Error).message}`);
    };
    if (typeof name === 'string') {
      const h = await this.page
        .locator(`::-p-aria([name=${quoted(name)}][role=${quoted(role)}])`)
        .setTimeout(timeoutMs)
        .waitHandle()
        .catch(fail);
      return h as PpElement<Element>;
    }
    return (await this.element(FIND_BY_ROLE, { role, name: nameArg(name) }, timeoutMs).catch(fail))!;
  }
  private async element<A>(
    find: (arg: A) => Element | null,
    arg: A,
    timeoutMs = 15_000,
  ): Promise<PpElement<Element>> {
    return poll(
      `an element (${JSON.stringify(arg)})`,
      async () => {
        const h = await this.page.evaluateHandle(
          portable(find as (arg: unknown) => Element | null),
          arg as unknown,
        );
        const el = h.asElement();
        if (!el) {
          await h.dispose();
          return undefined;
        }
        return el as PpElement<Element>;
      },
      timeoutMs,
    );
  }
  private byLabel(label: Name): Promise<PpElement<Element>> {
    return this.element(FIND_BY_LABEL, nameArg(label)).catch(async (e: Error) => {
      throw new Error(`no control labelled ${String(label)} in ${await this.url()}: ${e.message}`);
    });
  }
  async clickButton(name: Name) {
    const h = await this.byRole('button', name);
    // As a person (and playwright) does: wait until the button is enabled, aria-disabled included
    // (the confirmation window's Pay during its input delay).
    await poll(`the button ${String(name)} to be enabled`, () =>
      h.evaluate((el) => !(el as HTMLButtonElement).disabled && el.getAttribute('aria-disabled') !== 'true'),
    );
    // The click may close the window (Close, Cancel): collect what it logged first.
    await this.drainErrors();
    try {
      await h.click();
      await h.dispose();
    } catch (e) {
      // A button that closes its window (Close, Cancel) takes the page with it.
      if (!(await this.isClosed())) throw e;
    }
  }
  async clickLink(name: Name) {
    const h = await this.byRole('link', name);
    await h.click();
    await h.dispose();
  }
  async hasButton(name: Name) {
    if (typeof name !== 'string') {
      const h = await this.page.evaluateHandle(portable(FIND_BY_ROLE), {
        role: 'button' as const,
        name: nameArg(name),
      });
      const found = h.asElement() !== null;
      await h.dispose();
      return found;
    }
    const found = await this.page.$$(`::-p-aria([name=${quoted(name)}][role="button"])`);
    await Promise.all(found.map((h) => h.dispose()));
    return found.length > 0;
  }
  async fill(label: Name, value: string) {
    const h = await this.byLabel(label);
    await h.evaluate((el) => {
      const input = el as HTMLInputElement;
      input.focus();
      input.select?.();
    });
    if (value === '') await h.press('Backspace');
    else await h.type(value);
    await h.dispose();
  }
  async select(label: Name, option: string) {
    const h = (await this.byLabel(label)) as PpElement<HTMLSelectElement>;
    const value = await h.evaluate((el, want) => {
      const o = [...el.options].find((x) => x.value === want || x.text.trim() === want);
      return o?.value;
    }, option);
    if (value === undefined) throw new Error(`the select labelled ${label} has no option ${option}`);
    await h.select(value);
    await h.dispose();
  }
  async check(label: Name) {
    const h = await this.byLabel(label);
    if (!(await h.evaluate((el) => (el as HTMLInputElement).checked))) await h.click();
    await h.dispose();
  }
  async isChecked(label: Name) {
    const h = await this.byLabel(label);
    const checked = await h.evaluate((el) => (el as HTMLInputElement).checked);
    await h.dispose();
    return checked;
  }
  async addInitScript(fn: () => void) {
    await this.page.evaluateOnNewDocument(portable(fn));
  }
  async text() {
    return this.page.evaluate(bodyText);
  }
  async waitForText(want: string | RegExp, timeoutMs = 15_000) {
    let last = '';
    try {
      return await poll(
        `text ${String(want)}`,
        async () => {
          last = await this.text();
          return matches(last, want) ? last : undefined;
        },
        timeoutMs,
      );
    } catch (e) {
      throw new Error(
        `${(e as Error).message} in ${await this.url().catch(() => '?')}\n--- the page shows ---\n${last.slice(0, 2000)}`,
      );
    }
  }
  async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return (await this.page.evaluate(portable(fn as AnyPageFunction), arg as unknown)) as R;
  }
  async axe() {
    await this.page.evaluate(axeScript());
    return (await this.page.evaluate(AXE_RUN)) as AxeViolation[];
  }
  async colorScheme(_scheme: 'light' | 'dark') {
    // puppeteer emulates media features over CDP only, and Firefox ESR's BiDi has no such command.
    throw new Error('prefers-color-scheme cannot be emulated in Firefox over WebDriver BiDi');
  }
  async press(key: string) {
    await this.page.keyboard.press(key as Parameters<PpPage['keyboard']['press']>[0]);
  }
  async type(text: string) {
    await this.page.keyboard.type(text, { delay: 30 });
  }
  async screenshot(path: string, width?: number) {
    if (width) {
      await this.page.setViewport({ width, height: SHOT_HEIGHT });
      const needed = await this.page.evaluate(CONTENT_WIDTH);
      if (needed > width) await this.page.setViewport({ width: needed, height: SHOT_HEIGHT });
    }
    await this.page.screenshot({ path, fullPage: true });
  }
  async isClosed() {
    if (this.page.isClosed()) return true;
    try {
      await this.page.evaluate(() => 1);
      return false;
    } catch {
      return true;
    }
  }
  async waitForClose(timeoutMs = 15_000) {
    await poll('the window to close', () => this.isClosed(), timeoutMs);
  }
  async close() {
    if (await this.isClosed()) return;
    await this.drainErrors();
    await this.page.close().catch(() => {});
  }
}

/** Runs in the page: whether `text` is what `name` asks for (NameArg, inlined: page functions travel alone). */
const FIND_BY_LABEL = (name: NameArg): Element | null => {
  const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const fits = (text: string) =>
    'exact' in name ? norm(text) === name.exact : new RegExp(name.source, name.flags).test(norm(text));
  const controls = [
    ...document.querySelectorAll<HTMLElement>(
      'input, select, textarea, [role=textbox], [role=combobox], [role=checkbox], [role=radio], [role=switch], [role=spinbutton], [contenteditable=true]',
    ),
  ];
  for (const el of controls) {
    const aria = el.getAttribute('aria-label');
    if (aria !== null && fits(aria)) return el;
    const by = el.getAttribute('aria-labelledby');
    if (
      by &&
      fits(
        by
          .split(/\s+/)
          .map((id) => document.getElementById(id)?.textContent)
          .join(' '),
      )
    )
      return el;
    const labels = (el as HTMLInputElement).labels;
    if (labels && [...labels].some((l) => fits(l.textContent ?? ''))) return el;
  }
  return null;
};

/** Runs in the page: the first visible button or link whose name (approximated) fits `name`. */
const FIND_BY_ROLE = ({ role, name }: { role: 'button' | 'link'; name: NameArg }): Element | null => {
  const norm = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const fits = (text: string) =>
    'exact' in name ? norm(text) === name.exact : new RegExp(name.source, name.flags).test(norm(text));
  const selector =
    role === 'button'
      ? 'button, [role=button], input[type=submit], input[type=button], input[type=reset]'
      : 'a[href], [role=link]';
  for (const el of document.querySelectorAll<HTMLElement>(selector)) {
    if (el.closest('[hidden], [aria-hidden=true]') || el.getClientRects().length === 0) continue;
    const by = el.getAttribute('aria-labelledby');
    const text =
      el.getAttribute('aria-label') ??
      (by
        ? by
            .split(/\s+/)
            .map((id) => document.getElementById(id)?.textContent)
            .join(' ')
        : el instanceof HTMLInputElement
          ? el.value
          : el.textContent);
    if (fits(text ?? '')) return el;
  }
  return null;
};

export async function launchFirefox(opts: LaunchOptions = {}): Promise<WalletBrowser> {
  const tempDir = opts.tempDir ?? tmpdir();
  const extensionDir = snapshot(opts.build ?? FIREFOX_BUILD, 'set-wallet-firefox-', tempDir);
  const extensionOrigin = `moz-extension://${FIREFOX_EXTENSION_UUID}`;
  const signals = opts.handleSignals ?? true;
  const profile = mkdtempSync(join(tempDir, 'set-wallet-firefox-profile-'));
  const removeFiles = () => {
    rmSync(profile, { recursive: true, force: true });
    rmSync(extensionDir, { recursive: true, force: true });
  };
  const browser: PpBrowser = await puppeteer
    .launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      protocol: 'webDriverBiDi',
      headless: true,
      handleSIGINT: signals,
      handleSIGTERM: signals,
      handleSIGHUP: signals,
      userDataDir: profile,
      // Without it, WebDriver refuses to navigate a tab to a moz-extension: URL.
      args: ['--remote-allow-system-access', '--width=1100', '--height=800'],
      defaultViewport: null,
      dumpio: opts.verbose ?? false,
      extraPrefsFirefox: {
        'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: FIREFOX_EXTENSION_UUID }),
        // Content-script host permissions of an MV3 add-on are granted at install, as for a user.
        'extensions.originControls.grantByDefault': true,
        'browser.shell.checkDefaultBrowser': false,
        'datareporting.policy.dataSubmissionEnabled': false,
        'toolkit.telemetry.reportingpolicy.firstRun': false,
      },
    })
    .catch((e: unknown) => {
      removeFiles();
      throw e;
    });
  try {
    const installed = await browser.installExtension(extensionDir);
    if (installed !== GECKO_ID) throw new Error(`installed ${installed}, expected the gecko id ${GECKO_ID}`);
  } catch (e) {
    await browser.close().catch(() => {});
    removeFiles();
    throw e;
  }

  const errors: ConsoleEntry[] = [];
  const owner = { errors, extensionOrigin };
  const wrapped = new WeakMap<PpPage, PpUiPage>();
  const watch = (page: PpPage) => {
    // Reported for web pages only (BiDi leaves extension documents out).
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push({ url: page.url(), text: m.text() });
    });
    page.on('pageerror', (e) => errors.push({ url: page.url(), text: `uncaught: ${String(e)}` }));
  };
  browser.on('targetcreated', (t) => {
    void t.page().then(
      (p) => {
        if (p) watch(p);
      },
      () => {},
    );
  });
  for (const p of await browser.pages()) watch(p);

  const wrap = (page: PpPage) => {
    let w = wrapped.get(page);
    if (!w) {
      w = new PpUiPage(page, owner);
      wrapped.set(page, w);
    }
    return w;
  };
  const locationOf = (page: PpPage) =>
    page.evaluate(() => [location.href, document.readyState] as const).catch(() => undefined);
  const findPages = async (prefix: string, fresh: boolean) => {
    const found: PpPage[] = [];
    for (const page of await browser.pages()) {
      if (fresh && wrapped.has(page)) continue;
      const at = await locationOf(page);
      if (at?.[0].startsWith(`${extensionOrigin}/${prefix}`) && at[1] !== 'loading') found.push(page);
    }
    return found;
  };
  let driver: UiPage | undefined;

  const api: WalletBrowser = {
    name: 'firefox',
    extensionOrigin,
    extensionDir,
    async openExtensionPage(path) {
      const page = wrap(await browser.newPage());
      await page.goto(`${extensionOrigin}/${path}`);
      return page;
    },
    async openPage(url) {
      const page = wrap(await browser.newPage());
      await page.goto(url);
      return page;
    },
    async waitForExtensionPage(prefix, timeoutMs = 15_000) {
      const [page] = await poll(
        `an extension page ${prefix}`,
        async () => {
          const found = await findPages(prefix, true);
          return found.length > 0 ? found : undefined;
        },
        timeoutMs,
      );
      const ui = wrap(page!);
      await ui.trapErrors();
      return ui;
    },
    async extensionPages(prefix) {
      return (await findPages(prefix, false)).map(wrap);
    },
    async inExtension(fn, arg) {
      if (!driver || (await driver.isClosed())) driver = await api.openExtensionPage('manifest.json');
      return (driver as UiPage).evaluate(fn, arg);
    },
    async consoleErrors() {
      for (const page of await browser.pages().catch(() => [] as PpPage[])) {
        await wrapped.get(page)?.drainErrors();
      }
      return [...errors];
    },
    async stopServiceWorker() {
      throw new Error('Firefox runs the MV3 background as an event page: there is no service worker to stop');
    },
    async serviceWorkerRunning() {
      return false;
    },
    async holdPosts() {
      throw new Error('holdPosts is implemented for Chromium only');
    },
    async close() {
      for (const page of await browser.pages().catch(() => [] as PpPage[])) {
        if (wrapped.has(page)) await wrapped.get(page)!.drainErrors();
      }
      await browser.close().catch(() => {});
      removeFiles();
    },
  };
  return api;
}

export function launchBrowser(name: BrowserName, opts: LaunchOptions = {}): Promise<WalletBrowser> {
  return name === 'chromium' ? launchChromium(opts) : launchFirefox(opts);
}

/** A browser of the same kind with no extension at all: what a shopper without SET Wallet has. */
export interface PlainBrowser {
  readonly name: BrowserName;
  openPage(url: string): Promise<UiPage>;
  /** console.error and uncaught errors of its pages so far. */
  consoleErrors(): ConsoleEntry[];
  close(): Promise<void>;
}

/** Launches Chromium or Firefox (headless, a fresh profile) without the wallet. */
export async function launchWithoutWallet(
  name: BrowserName,
  opts: LaunchOptions = {},
): Promise<PlainBrowser> {
  const tempDir = opts.tempDir ?? tmpdir();
  const errors: ConsoleEntry[] = [];
  if (name === 'chromium') {
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
      name,
      async openPage(url) {
        const page = new PwUiPage(await context.newPage());
        await page.goto(url);
        return page;
      },
      consoleErrors: () => [...errors],
      close: () => browser.close(),
    };
  }
  const profile = mkdtempSync(join(tempDir, 'set-wallet-firefox-plain-profile-'));
  const browser = await puppeteer
    .launch({
      browser: 'firefox',
      executablePath: FIREFOX_PATH,
      protocol: 'webDriverBiDi',
      headless: true,
      userDataDir: profile,
      args: ['--width=1100', '--height=800'],
      defaultViewport: null,
      extraPrefsFirefox: {
        'browser.shell.checkDefaultBrowser': false,
        'datareporting.policy.dataSubmissionEnabled': false,
        'toolkit.telemetry.reportingpolicy.firstRun': false,
      },
    })
    .catch((e: unknown) => {
      rmSync(profile, { recursive: true, force: true });
      throw e;
    });
  const owner = { errors, extensionOrigin: 'moz-extension://none' };
  return {
    name,
    async openPage(url) {
      const raw = await browser.newPage();
      raw.on('console', (m) => {
        if (m.type() === 'error') errors.push({ url: raw.url(), text: m.text() });
      });
      raw.on('pageerror', (e) => errors.push({ url: raw.url(), text: `uncaught: ${String(e)}` }));
      const page = new PpUiPage(raw, owner);
      await page.goto(url);
      return page;
    },
    consoleErrors: () => [...errors],
    async close() {
      await browser.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
