/**
 * The content script (isolated world) on pages that may declare a SET initiation: any https page
 * (a checkout or issuer page can be anywhere) and local development servers. It reads
 * initiations, bridges the page's DOM events to the background, and POSTs SET messages
 * same-origin for it. Everything it does is in src/content/page-bridge.ts.
 */
import { browser } from 'wxt/browser';
import { startPageBridge } from '../src/content/page-bridge.ts';
import { answerWith } from '../src/wallet/bridge-messages.ts';

/** Firefox's content-script extra: `cloneInto` hands a value to page scripts, which could not read it otherwise. */
interface FirefoxContentGlobals {
  cloneInto?: <T>(value: T, target: object) => T;
}

export default defineContentScript({
  matches: ['https://*/*', 'http://127.0.0.1/*', 'http://localhost/*'],
  runAt: 'document_idle',
  main(ctx) {
    const ff = globalThis as FirefoxContentGlobals;
    const bridge = startPageBridge({
      document,
      window,
      observe: (onChange) => {
        const observer = new MutationObserver(onChange);
        observer.observe(document.documentElement, { childList: true, subtree: true, characterData: true });
        return () => observer.disconnect();
      },
      origin: location.origin,
      sendToBackground: (message) => browser.runtime.sendMessage(message),
      // The content script's own fetch, not Firefox's content.fetch: a request made as the page is
      // subject to the page's CSP, and an issuer page may well say connect-src 'none'.
      fetch: (url, init) => fetch(url, init),
      toPage: (value) => (ff.cloneInto ? ff.cloneInto(value, window) : value),
      // The isolated world's own navigator: the page cannot replace what this reads.
      userActivation: () => navigator.userActivation?.isActive === true,
      isTrusted: (event) => event.isTrusted,
    });
    const onMessage = answerWith((message) => bridge.onBackgroundMessage(message));
    browser.runtime.onMessage.addListener(onMessage);
    ctx.onInvalidated(() => {
      browser.runtime.onMessage.removeListener(onMessage);
      bridge.stop();
    });
  },
});
