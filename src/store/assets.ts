/**
 * The store's static files: one stylesheet (light and dark, visible focus), the SDK's
 * <pay-with-set> button (/assets/pay-with-set.js, pay-with-set-asset.ts), and the checkout
 * page's small script, which polls the order's state and reloads the page when it changes, so the
 * page moves to the status view once the wallet has paid. The wallet carries its PReq and PRes
 * through this very page and then tells it the outcome (`set-wallet:outcome`); a reload before
 * that would cut the wallet off. So while the payment is in progress ("authorizing") the page never
 * reloads, and on a page the wallet has announced itself on, it reloads only once the wallet has
 * told the outcome, or when the outcome has not come 10 s after the state changed. Served from
 * the store's own origin so the Content-Security-Policy can forbid inline script.
 */

import { CATALOGUE } from './catalogue.ts';

export const STYLESHEET = `
:root { color-scheme: light dark; --bg: #fdfdfc; --fg: #1b1c1f; --muted: #5b5f66; --line: #d9dbe0;
  --accent: #1d4ed8; --accent-fg: #fff; --ok: #166534; --bad: #9f1239; --card: #f3f4f6; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #131418; --fg: #eceef2; --muted: #a3a8b3; --line: #343842; --accent: #8fb4ff;
    --accent-fg: #0b1020; --ok: #86efac; --bad: #fda4af; --card: #1d1f25; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
header, main, footer { max-width: 60rem; margin: 0 auto; padding: 1rem; }
header { display: flex; gap: 1.5rem; align-items: baseline; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header .brand { font-weight: 700; font-size: 1.2rem; text-decoration: none; color: var(--fg); }
nav ul { display: flex; gap: 1rem; list-style: none; margin: 0; padding: 0; }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--line); }
.products { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr)); gap: 1rem; list-style: none; padding: 0; }
.product { background: var(--card); border-radius: .5rem; padding: 1rem; display: flex; flex-direction: column; gap: .5rem; }
.tile { aspect-ratio: 3 / 2; border-radius: .4rem; display: grid; place-items: center; font-size: 2rem; font-weight: 700; color: #fff; }
.price { font-weight: 600; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; }
caption { text-align: left; font-weight: 600; padding-bottom: .5rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
button, input { font: inherit; }
button { background: var(--accent); color: var(--accent-fg); border: 0; border-radius: .35rem; padding: .45rem .9rem; cursor: pointer; }
button.secondary { background: transparent; color: var(--accent); border: 1px solid var(--accent); }
input[type=number], input[type=text] { padding: .35rem .5rem; border: 1px solid var(--line); border-radius: .35rem; background: var(--bg); color: var(--fg); width: 8rem; }
form.inline { display: inline-flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
.notice { border-left: 4px solid var(--accent); background: var(--card); padding: .75rem 1rem; border-radius: .25rem; }
.notice.ok { border-color: var(--ok); } .notice.bad { border-color: var(--bad); }
.state { font-weight: 700; }
.state.ok { color: var(--ok); } .state.bad { color: var(--bad); }
.actions { display: grid; gap: 1rem; }
.actions section { background: var(--card); padding: 1rem; border-radius: .5rem; }
.muted { color: var(--muted); }
code { font-size: max(.9em, 14px); overflow-wrap: anywhere; }
${CATALOGUE.map((p) => `.tile-${p.id} { background: hsl(${p.hue} 55% 38%); }`).join('\n')}
`;

export const CHECKOUT_SCRIPT = `
(() => {
  const status = document.querySelector('[data-status-url]');
  if (!status) return;
  const url = status.getAttribute('data-status-url');
  const shown = status.getAttribute('data-state');
  const walletHere = () => document.documentElement.getAttribute('data-set-wallet') === 'ready';
  let heard = false;
  let changedAt = 0;
  let timer;
  const poll = async () => {
    clearTimeout(timer);
    if (document.visibilityState === 'visible' || heard) {
      try {
        const res = await fetch(url, { cache: 'no-store', headers: { accept: 'application/json' } });
        if (res.ok) {
          const { state } = await res.json();
          if (state !== shown && state !== 'authorizing') {
            changedAt = changedAt || Date.now();
            if (heard || !walletHere() || Date.now() - changedAt > 10000) { location.reload(); return; }
          }
        }
      } catch {}
    }
    timer = setTimeout(poll, 2000);
  };
  window.addEventListener('set-wallet:outcome', (e) => {
    // Progress (paying), alreadyPending and awaitingShopper are not how the payment ended. Heard
    // here rather than from the button's set-result: the status view has no button.
    const s = e.detail && e.detail.status;
    if (s === 'paying' || s === 'alreadyPending' || s === 'awaitingShopper') return;
    heard = true; poll();
  });
  timer = setTimeout(poll, 2000);
})();
`;
