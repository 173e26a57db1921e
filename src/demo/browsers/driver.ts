/**
 * The driver interface every browser adapter implements (UiPage, WalletBrowser, PlainBrowser), the
 * launch options, and what the adapters share: where the builds and browsers are, polling, the
 * build's snapshot, axe-core. The adapters are chromium.ts (playwright-core) and firefox.ts
 * (puppeteer-core over WebDriver BiDi); ../browsers.ts picks one.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../build.ts';

export { REPO };

export type BrowserName = 'chromium' | 'firefox';

/** An accessible name or label: a string matches exactly (whitespace collapsed), a RegExp anywhere. */
export type Name = string | RegExp;

/** A Name as it crosses into a page function. */
export type NameArg = { exact: string } | { source: string; flags: string };
export const nameArg = (n: Name): NameArg =>
  typeof n === 'string' ? { exact: n } : { source: n.source, flags: n.flags };

export const CHROME_BUILD = join(REPO, '.output/chrome-mv3');
export const FIREFOX_BUILD = join(REPO, '.output/firefox-mv3');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const GECKO_ID = 'wallet@set-wallet.dev';
/** The moz-extension UUID the Firefox profile gives the wallet (pref extensions.webextensions.uuids). */
export const FIREFOX_EXTENSION_UUID = '5e7a11e7-0c3b-4f2a-9d1e-5e7a11e70001';

export const AXE_SOURCE_PATH = join(REPO, 'node_modules/axe-core/axe.min.js');
export const POLL_MS = 100;

/** A page function as the drivers take it (their typings unbox handles, which these tests never pass). */
export type AnyPageFunction = (arg: unknown) => unknown;

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
  /**
   * The browser's language (a BCP 47 tag such as 'de'): its UI language, which the wallet's
   * _locales follow, and its Accept-Language. Chromium: --lang, LANGUAGE and the context's locale
   * (chromium-l10n provides the locale files); Firefox: intl.locale.requested and
   * intl.accept_languages (firefox-esr-l10n-* provides the language pack). Default: the system's.
   */
  locale?: string;
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
      // A check that never answers (a driver call into a page that went away) fails at the
      // deadline like one that answers no: poll never waits longer than it was given.
      const v = await withinDeadline(fn(), deadline);
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

/** `work`, or a rejection once `deadline` (a Date.now() value) has passed without its answer. */
export function withinDeadline<T>(work: Promise<T>, deadline: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error('the check did not answer in time')),
      Math.max(0, deadline - Date.now()) + POLL_MS,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export function snapshot(build: string, prefix: string, tempDir: string): string {
  if (!existsSync(join(build, 'manifest.json'))) {
    throw new Error(`no extension build in ${build}: run \`npm run build\` first`);
  }
  const dir = mkdtempSync(join(tempDir, prefix));
  cpSync(build, dir, { recursive: true });
  return dir;
}

let axeSource: string | undefined;
export function axeScript(): string {
  axeSource ??= readFileSync(AXE_SOURCE_PATH, 'utf8');
  return axeSource;
}

/** Runs in the page: axe.run on the document, reduced to what a failure message needs. */
export const AXE_RUN = `(async () => {
  const r = await axe.run(document, { resultTypes: ['violations'] });
  return r.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(' ') + (n.failureSummary ? ' — ' + n.failureSummary.replace(/\\s+/g, ' ') : '')) }));
})()`;

// What a person sees: innerText leaves out hidden elements, which textContent would not.
// biome-ignore lint/performance/useDomNodeTextContent: the visible text is the point
export const bodyText = () => document.body?.innerText ?? '';

/** A screenshot's viewport height: small, so that a full-page picture is as tall as the content. */
export const SHOT_HEIGHT = 200;
export const CONTENT_WIDTH = () => document.documentElement.scrollWidth;

export function matches(text: string, want: string | RegExp): boolean {
  return typeof want === 'string' ? text.includes(want) : want.test(text);
}

/** UiPage.axe, over the adapter's evaluate of a script text. */
export async function runAxe(evaluate: (script: string) => Promise<unknown>): Promise<AxeViolation[]> {
  await evaluate(axeScript());
  return (await evaluate(AXE_RUN)) as AxeViolation[];
}

/**
 * UiPage.waitForText: polls the page's visible text until it matches `want`. On a timeout the
 * error says where the page is (or '?', gone) and what it showed last.
 */
export async function waitForPageText(
  page: Pick<UiPage, 'text' | 'url'>,
  want: string | RegExp,
  timeoutMs: number,
): Promise<string> {
  let last = '';
  try {
    return await poll(
      `text ${String(want)}`,
      async () => {
        last = await page.text();
        return matches(last, want) ? last : undefined;
      },
      timeoutMs,
    );
  } catch (e) {
    const where = await page.url().catch(() => '?');
    throw new Error(`${(e as Error).message} in ${where}\n--- the page shows ---\n${last.slice(0, 2000)}`);
  }
}

/**
 * UiPage.screenshot: a full-page picture; at `width`, the viewport is that wide and SHOT_HEIGHT
 * tall (the picture is as tall as the content), widened to the content's width if it overflows.
 */
export async function screenshotAt(
  page: {
    evaluate(fn: typeof CONTENT_WIDTH): Promise<number>;
    screenshot(options: { path: string; fullPage: true }): Promise<unknown>;
  },
  setViewport: (size: { width: number; height: number }) => Promise<unknown>,
  path: string,
  width: number | undefined,
): Promise<void> {
  if (width) {
    await setViewport({ width, height: SHOT_HEIGHT });
    const needed = await page.evaluate(CONTENT_WIDTH);
    if (needed > width) await setViewport({ width: needed, height: SHOT_HEIGHT });
  }
  await page.screenshot({ path, fullPage: true });
}

/** A browser of the same kind with no extension at all: what a shopper without SET Wallet has. */
export interface PlainBrowser {
  readonly name: BrowserName;
  openPage(url: string): Promise<UiPage>;
  /** console.error and uncaught errors of its pages so far. */
  consoleErrors(): ConsoleEntry[];
  close(): Promise<void>;
}
