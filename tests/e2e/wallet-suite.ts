/**
 * The wallet's real-browser scenarios, written once and run in Chromium (chromium.test.ts) and
 * Firefox (firefox.test.ts) against the production builds and one sandbox per suite.
 *
 * The steps build on each other (first run → trusted root → card → purchases), in order. A step
 * whose prerequisite failed is skipped with the name of what it needed, so a report shows the
 * first real failure rather than a cascade. The UI is found by role and accessible name, with
 * the names read from the build's _locales/en/messages.json, so a change of wording does not
 * break the tests.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type BrowserName,
  launchBrowser,
  loadMessages,
  type Messages,
  type UiPage,
  type WalletBrowser,
} from '../support/browsers.ts';
import { type E2eSandbox, startE2eSandbox } from './sandbox.ts';

export interface SuiteOptions {
  /** Chromium only: the service worker can be stopped in the middle of a purchase. */
  serviceWorkerStop: boolean;
}

/** What a page hears from the wallet: the `set-wallet:outcome` events, in order. */
export interface PageOutcome {
  status: string;
  xid?: string;
  code?: string;
}

/** Runs in the page: records the wallet's outcome events (main world, as a merchant page would). */
const LISTEN_FOR_OUTCOMES = () => {
  const w = window as unknown as { __outcomes?: unknown[] };
  if (w.__outcomes) return;
  const outcomes: unknown[] = [];
  w.__outcomes = outcomes;
  window.addEventListener('set-wallet:outcome', (e) => {
    const detail = (e as CustomEvent).detail as unknown;
    // A detail the page cannot read (Firefox without cloneInto) is recorded as such.
    try {
      outcomes.push(JSON.parse(JSON.stringify(detail)));
    } catch (err) {
      outcomes.push({ unreadable: String(err) });
    }
  });
};

const OUTCOMES = () => (window as unknown as { __outcomes?: unknown[] }).__outcomes ?? [];

export async function outcomesOf(page: UiPage): Promise<PageOutcome[]> {
  return (await page.evaluate(OUTCOMES, null)) as PageOutcome[];
}

/** Dispatches the DOM event API's request, as a merchant page's own "Pay" button would. */
export async function requestFromPage(page: UiPage, kind: 'payment' | 'registration') {
  await page.evaluate(LISTEN_FOR_OUTCOMES, null);
  await page.evaluate(
    (name) => {
      document.dispatchEvent(new CustomEvent(name));
    },
    kind === 'payment' ? 'set-wallet:request-payment' : 'set-wallet:request-registration',
  );
}

export function walletSuite(name: BrowserName, options: SuiteOptions) {
  describe(`SET Wallet in ${name}`, () => {
    let browser: WalletBrowser;
    let sandbox: E2eSandbox;
    let m: Messages;
    const passed = new Set<string>();
    const started = Date.now();

    /** A test that runs only when the steps it needs passed. */
    const step = (title: string, needs: string[], fn: () => Promise<void>, timeoutMs?: number) =>
      test(
        title,
        async (ctx) => {
          const missing = needs.filter((n) => !passed.has(n));
          if (missing.length > 0) ctx.skip(`needs: ${missing.join('; ')}`);
          await fn();
          passed.add(title);
        },
        timeoutMs,
      );

    beforeAll(async () => {
      const [b, s] = await Promise.all([launchBrowser(name), startE2eSandbox()]);
      browser = b;
      sandbox = s;
      m = loadMessages(b.extensionDir);
    });

    afterAll(async () => {
      await browser?.close();
      await sandbox?.close();
      console.log(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s for the suite`);
    });

    const LOADS = 'the production build loads';
    step(LOADS, [], async () => {
      const popup = await browser.openExtensionPage('popup.html');
      await popup.waitForText(m.t('extName'));
      await popup.close();
    });

    const NOTICES = "the content script notices the demo store's payment initiation";
    step(NOTICES, [LOADS], async () => {
      const order = await browser.openPage(await sandbox.newOrder());
      await expect
        .poll(() => order.evaluate(() => document.documentElement.getAttribute('data-set-wallet'), null), {
          timeout: 10_000,
        })
        .toBe('ready');
      await expect
        .poll(() => badges(browser), { timeout: 10_000 })
        .toSatisfy((b: Badge[]) => b.some((x) => x.text !== ''));
      await order.close();
    });
  });
}

interface Badge {
  tabId: number;
  text: string;
}

/** The toolbar badge text of every tab, read in an extension page. */
function badges(browser: WalletBrowser): Promise<Badge[]> {
  return browser.inExtension(async () => {
    interface Api {
      tabs: { query(q: object): Promise<{ id?: number }[]> };
      action: { getBadgeText(d: { tabId: number }): Promise<string> };
    }
    const g = globalThis as unknown as { browser?: Api; chrome?: Api };
    const api = (g.browser ?? g.chrome)!;
    const tabs = await api.tabs.query({});
    return Promise.all(
      tabs
        .filter((t) => t.id !== undefined)
        .map(async (t) => ({ tabId: t.id!, text: await api.action.getBadgeText({ tabId: t.id! }) })),
    );
  }, null);
}
