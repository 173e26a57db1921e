/**
 * The service worker (Firefox: event page): creates the wallet and wires browser events to it.
 * Every listener is registered synchronously at the top of main(), as MV3 requires, so an event
 * that wakes a stopped worker is delivered. Decisions live in src/wallet; the wiring around it
 * (windows, badge, outcomes to pages) in src/background.
 */
import { browser } from 'wxt/browser';
import { BackgroundShell } from '../src/background/background-shell.ts';
import { WalletWindows } from '../src/background/wallet-windows.ts';
import { t } from '../src/ui/i18n.ts';
import { answerWith } from '../src/wallet/bridge-messages.ts';
import type { BackgroundEnv } from '../src/wallet/switchboard.ts';
import { createWallet } from '../src/wallet/wallet.ts';

export default defineBackground(() => {
  const session = browser.storage.session;
  const wallet = createWallet({
    indexedDB: globalThis.indexedDB,
    session,
    alarms: browser.alarms,
    now: () => new Date(),
    language: () => browser.i18n.getUILanguage(),
  });
  const env: BackgroundEnv = {
    // The top frame's content script only: that is the page whose origin the sender reported.
    sendToTab: (tabId, message) => browser.tabs.sendMessage(tabId, message, { frameId: 0 }),
  };
  const shell = new BackgroundShell({
    wallet,
    env,
    windows: new WalletWindows(session, browser.windows, (path) => browser.runtime.getURL(path as '/')),
    action: browser.action,
    session,
    extensionId: browser.runtime.id,
    extensionOrigin: browser.runtime.getURL('/'),
    t,
  });
  const report = (what: string) => (e: unknown) => console.error(`SET Wallet: ${what} failed`, e);

  browser.runtime.onMessage.addListener(answerWith((message, sender) => shell.onMessage(message, sender)));
  browser.alarms.onAlarm.addListener((alarm) => {
    wallet.then((w) => w.onAlarm(alarm.name)).catch(report('auto-lock'));
  });
  browser.windows.onRemoved.addListener((windowId) => {
    shell.onWindowRemoved(windowId).catch(report('closing a window'));
  });
  browser.tabs.onRemoved.addListener((tabId) => {
    shell.onTabRemoved(tabId).catch(report('closing a tab'));
  });
  browser.tabs.onUpdated.addListener((tabId, change) => {
    if (change.status === 'loading') shell.onTabLoading(tabId).catch(report('a navigation'));
  });
  shell.resume().catch(report('resuming payments'));
});
