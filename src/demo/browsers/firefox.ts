/**
 * The Firefox adapter: puppeteer-core over WebDriver BiDi, /usr/bin/firefox-esr, the build
 * installed as a temporary add-on; its moz-extension UUID is fixed by the
 * `extensions.webextensions.uuids` pref, so the extension's origin is known.
 *
 * Firefox's WebDriver BiDi leaves extension documents out of its events (Bug 1755014: no load,
 * console or context events for moz-extension pages) and refuses to navigate to them unless the
 * remote agent is started with --remote-allow-system-access. Commands still reach them, so an
 * extension page is opened by a navigation that is not awaited, and found (also a window the
 * wallet opens itself) by asking each tab for its location.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser as PpBrowser, ElementHandle as PpElement, Page as PpPage } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';
import {
  type AnyPageFunction,
  bodyText,
  type ConsoleEntry,
  FIREFOX_BUILD,
  FIREFOX_EXTENSION_UUID,
  FIREFOX_PATH,
  GECKO_ID,
  type LaunchOptions,
  type Name,
  type NameArg,
  nameArg,
  type PlainBrowser,
  poll,
  runAxe,
  screenshotAt,
  snapshot,
  type UiPage,
  type WalletBrowser,
  waitForPageText,
} from './driver.ts';

/** A label, an accessible name or a text as a JS string literal inside a puppeteer selector. */
function quoted(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

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
    return waitForPageText(this, want, timeoutMs);
  }
  async evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R> {
    return (await this.page.evaluate(portable(fn as AnyPageFunction), arg as unknown)) as R;
  }
  async axe() {
    return runAxe((script) => this.page.evaluate(script));
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
    await screenshotAt(this.page, (size) => this.page.setViewport(size), path, width);
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
        ...(opts.locale
          ? {
              'intl.locale.requested': opts.locale,
              'intl.accept_languages': opts.locale,
              // A language pack installed with Firefox (firefox-esr-l10n-*) is a system add-on.
              'extensions.autoDisableScopes': 0,
            }
          : {}),
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

/** Firefox without the wallet: what a shopper without SET Wallet has. */
export async function launchFirefoxWithoutWallet(opts: LaunchOptions = {}): Promise<PlainBrowser> {
  const tempDir = opts.tempDir ?? tmpdir();
  const errors: ConsoleEntry[] = [];
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
    name: 'firefox',
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
