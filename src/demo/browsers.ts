/**
 * Real browsers with the wallet's production build loaded, behind one small driver interface
 * (browsers/driver.ts), so that `setwallet demo` (src/demo/run.ts) and the browser suites
 * (tests/e2e) drive the wallet with the same code in both. One adapter per browser:
 *
 *   Chromium     browsers/chromium.ts: playwright-core, Debian's /usr/bin/chromium
 *   Firefox      browsers/firefox.ts: puppeteer-core over WebDriver BiDi, /usr/bin/firefox-esr
 *
 * The build is copied to a temporary folder first: another `npm run build` while a suite or a demo
 * runs cannot change the extension under test. The copy and the browser profile go in
 * LaunchOptions.tempDir (default the system's), and close() removes both.
 */
import { launchChromium, launchChromiumWithoutWallet } from './browsers/chromium.ts';
import type { BrowserName, LaunchOptions, PlainBrowser, WalletBrowser } from './browsers/driver.ts';
import { launchFirefox, launchFirefoxWithoutWallet } from './browsers/firefox.ts';

export { launchChromium } from './browsers/chromium.ts';
export {
  type AxeViolation,
  type BrowserName,
  CHROME_BUILD,
  CHROMIUM_PATH,
  type ConsoleEntry,
  FIREFOX_BUILD,
  FIREFOX_EXTENSION_UUID,
  FIREFOX_PATH,
  GECKO_ID,
  type HeldPosts,
  type LaunchOptions,
  type Name,
  type PlainBrowser,
  poll,
  REPO,
  type UiPage,
  type WalletBrowser,
  withinDeadline,
} from './browsers/driver.ts';
export { launchFirefox } from './browsers/firefox.ts';

export function launchBrowser(name: BrowserName, opts: LaunchOptions = {}): Promise<WalletBrowser> {
  return name === 'chromium' ? launchChromium(opts) : launchFirefox(opts);
}

/** Launches Chromium or Firefox (headless, a fresh profile) without the wallet. */
export function launchWithoutWallet(name: BrowserName, opts: LaunchOptions = {}): Promise<PlainBrowser> {
  return name === 'chromium' ? launchChromiumWithoutWallet() : launchFirefoxWithoutWallet(opts);
}
