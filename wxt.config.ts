import { existsSync } from 'node:fs';
import preact from '@preact/preset-vite';
import type { Plugin } from 'vite';
import { defineConfig } from 'wxt';

const icons = { 16: 'icons/16.png', 32: 'icons/32.png', 48: 'icons/48.png', 128: 'icons/128.png' };

// Builds chrome-mv3 and firefox-mv3 from the same entry points (npm run build).
//
// Permissions (justified in README "Permissions"): `storage` for storage.session (the unlocked key,
// pending requests) and `alarms` for the auto-lock. Nothing else: no host permissions (SET messages
// go through the page's own content script, same-origin), no `tabs` (the wallet needs only tab ids,
// which every tabs event and the sender carry), windows.create and the badge need no permission.
// The content script runs on https pages and local development servers, where a checkout or an
// issuer page may declare an initiation (entrypoints/content.ts).
// `npm run dev` (WXT's development mode, reloading on save) opens the wallet in Debian's Chromium,
// or Firefox with `npm run dev -- -b firefox`, on the demo store of a sandbox you run beside it
// (`npx setwallet sandbox`). Elsewhere WXT finds the installed Chrome or Firefox itself.
const DEBIAN = { chrome: '/usr/bin/chromium', firefox: '/usr/bin/firefox-esr' };
const SANDBOX_STORE = process.env.SET_SANDBOX_STORE ?? 'http://127.0.0.1:8702';

// No webextension-polyfill: MV3 Chrome and Firefox both return Promises from the extension APIs,
// and the two onMessage listeners answer through sendResponse (entrypoints/background.ts,
// content.ts), which both browsers support. It saved 10 KB in every bundle (issue 11's budgets).
// Vite wraps every dynamic import (the pages' lazy sections, src/ui/lazy.tsx) in its preload helper:
// 2 KB on each page that has one, to preload a chunk's imports in parallel (from the extension's own
// package, where that gains nothing measurable) and to add its CSS. This one does only the latter:
// it adds the stylesheets a lazy chunk needs that the page has not linked yet, then imports it
// (issue 11: each page <= 40 KB). A stylesheet that cannot load fails the import, as Vite's does.
const PRELOAD_HELPER = '\0vite/preload-helper.js';
const PRELOAD_CODE = `
const css = (d) => document.querySelector('link[rel="stylesheet"][href="/' + d + '"]') ? undefined :
  new Promise((ok, no) => {
    const l = document.createElement('link');
    l.rel = 'stylesheet';
    l.href = '/' + d;
    l.onload = ok;
    l.onerror = () => no(new Error('could not load /' + d));
    document.head.append(l);
  });
export const __vitePreload = (load, deps) =>
  Promise.all((deps ?? []).filter((d) => d.endsWith('.css')).map(css)).then(() => load());
`;
// The content script's context (WXT builds `new ContentScriptContext(name, options)` around main):
// WXT's class also carries a URL watcher, timers, animation-frame and idle-callback wrappers and a
// logger, 2.3 KB of a script parsed on every https page, of which entrypoints/content.ts uses
// onInvalidated alone (issue 11: content script <= 10 KB). This one keeps what WXT's does for it: it
// announces itself under the same event name (extension id, entry point, 'wxt:content-script-started'),
// as a DOM event and a window message, so an older copy of the script (an update, a reload) stops,
// and it is invalidated, once, when a newer copy announces itself. A content script that needs more
// of WXT's context must be given it here.
const CONTENT_CONTEXT = '\0set-wallet:content-script-context';
const CONTENT_CONTEXT_CODE = `
import { browser } from 'wxt/browser';
const STARTED = browser?.runtime?.id + ':' + import.meta.env.ENTRYPOINT + ':wxt:content-script-started';
export class ContentScriptContext {
  constructor(name, options) {
    const detail = { contentScriptName: name, messageId: Math.random().toString(36).slice(2) };
    const newer = (e) => {
      if (e instanceof CustomEvent && e.detail?.contentScriptName === name && e.detail?.messageId !== detail.messageId)
        this.abortController.abort('Content script context invalidated');
    };
    this.abortController = new AbortController();
    document.dispatchEvent(new CustomEvent(STARTED, { detail }));
    if (!options?.noScriptStartedPostMessage) window.postMessage({ type: STARTED, ...detail }, '*');
    document.addEventListener(STARTED, newer);
    this.onInvalidated(() => document.removeEventListener(STARTED, newer));
  }
  get signal() {
    return this.abortController.signal;
  }
  onInvalidated(cb) {
    this.signal.addEventListener('abort', cb);
    return () => this.signal.removeEventListener('abort', cb);
  }
}
`;
function smallContentScriptContext(): Plugin {
  return {
    name: 'set-wallet:small-content-script-context',
    enforce: 'pre',
    resolveId: (id) => (id === 'wxt/utils/content-script-context' ? CONTENT_CONTEXT : null),
    load: (id) => (id === CONTENT_CONTEXT ? CONTENT_CONTEXT_CODE : null),
  };
}

// The modules of src/protocol and src/wallet only declare (functions, classes, constants, schemas):
// importing one does nothing else. Told so, the bundler drops a module none of whose exports a
// bundle uses, with the schemas it builds at load (valibot calls and object spreads it cannot prove
// pure otherwise): the follow-up, authorization and batch messages the wallet never reads left about
// 1.3 KB in the background (issue 11). Keep these folders free of import-time effects.
const PURE_MODULES = /[\\/]src[\\/](protocol|wallet)[\\/]/;

function smallPreloadHelper(): Plugin {
  return {
    name: 'set-wallet:small-preload-helper',
    enforce: 'pre',
    resolveId: (id) => (id === PRELOAD_HELPER || id === 'vite/preload-helper.js' ? PRELOAD_HELPER : null),
    load: (id) => (id === PRELOAD_HELPER ? PRELOAD_CODE : null),
  };
}

export default defineConfig({
  webExt: {
    binaries: Object.fromEntries(Object.entries(DEBIAN).filter(([, path]) => existsSync(path))),
    // Chromium refuses to start as root with its sandbox on (containers, CI machines).
    chromiumArgs: ['--no-first-run', ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
    startUrls: [SANDBOX_STORE],
  },
  // No module-preload polyfill: every browser the wallet runs in preloads modules itself (1 KB a page).
  vite: () => ({
    plugins: [preact(), smallPreloadHelper(), smallContentScriptContext()],
    build: {
      modulePreload: { polyfill: false },
      rolldownOptions: { treeshake: { moduleSideEffects: (id: string) => !PURE_MODULES.test(id) } },
    },
  }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: ['storage', 'alarms'],
    icons,
    action: { default_icon: icons, default_title: '__MSG_extName__' },
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'wallet@set-wallet.dev',
              // 140 (ESR) is the first release that reads data_collection_permissions.
              strict_min_version: '140.0',
              // The wallet sends nothing anywhere: SET messages go only to the page's own endpoint.
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : {}),
  }),
});
