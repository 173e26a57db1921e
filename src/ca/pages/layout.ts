/**
 * The frame every page of the issuer site shares: language (with its switcher), title, skip link, navigation, and
 * one stylesheet that follows the system's light or dark preference and keeps focus visible.
 * Pages run no script: the registration initiation is a data element the wallet reads.
 */
import { html, type SafeHtml, trusted } from '../../web/html.ts';
import type { CaKey, CaText } from '../text/index.ts';

const STYLE = `
:root { color-scheme: light dark; --bg: #fbfbfd; --fg: #1b1d21; --muted: #555b66; --line: #d8dbe2;
  --accent: #0b57d0; --accent-fg: #fff; --panel: #fff; --ok: #16713a; --bad: #a4161a; --code: #eef1f6; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #14161a; --fg: #e6e8ec; --muted: #a5abb6; --line: #343943; --accent: #8ab4f8;
    --accent-fg: #0b1020; --panel: #1c1f25; --ok: #6fd68f; --bad: #ff8a80; --code: #262a33; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: var(--panel); padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
header { border-bottom: 1px solid var(--line); background: var(--panel); }
header .bar, main, footer { max-width: 64rem; margin: 0 auto; padding: 0 1.25rem; }
header .bar { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: baseline; padding-block: .9rem; }
header .name { font-weight: 700; color: var(--fg); text-decoration: none; }
nav ul { display: flex; flex-wrap: wrap; gap: 1rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; text-decoration-thickness: 2px; }
main { padding-block: 1.5rem 3rem; }
h1 { font-size: 1.75rem; line-height: 1.25; margin: .5rem 0 1rem; }
h2 { font-size: 1.25rem; margin-top: 2rem; }
.lede { font-size: 1.1rem; color: var(--muted); max-width: 44rem; }
p, li { max-width: 44rem; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
code { background: var(--code); padding: .05rem .3rem; border-radius: 4px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: 1rem 0; background: var(--panel); }
caption { text-align: left; font-weight: 600; padding: .5rem 0; }
th, td { text-align: left; vertical-align: top; padding: .55rem .75rem; border-bottom: 1px solid var(--line); }
th { font-size: .9rem; color: var(--muted); }
.pan { font-size: 1.1rem; user-select: all; white-space: nowrap; background: var(--code); padding: .15rem .4rem; border-radius: 4px; }
.pan span + span { margin-left: .45em; }
.status-active { color: var(--ok); font-weight: 600; }
.status-revoked, .status-expired { color: var(--bad); font-weight: 600; }
.notice { border: 1px solid var(--line); border-left: 4px solid var(--accent); background: var(--panel); padding: .75rem 1rem; max-width: 44rem; }
.notice.bad { border-left-color: var(--bad); }
button { font: inherit; padding: .3rem .8rem; border-radius: 6px; border: 1px solid var(--bad); background: transparent; color: var(--bad); cursor: pointer; }
button:hover { background: var(--bad); color: var(--bg); }
.muted { color: var(--muted); }
button.primary { border-color: var(--accent); color: var(--accent); }
button.primary:hover { background: var(--accent); color: var(--accent-fg); }
input, textarea { font: inherit; padding: .3rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); color: var(--fg); max-width: 100%; }
pre { background: var(--code); padding: .75rem; border-radius: 6px; overflow-x: auto; }
footer { color: var(--muted); font-size: .9rem; border-top: 1px solid var(--line); padding-block: 1rem; }
.languages ul { display: flex; flex-wrap: wrap; gap: .75rem; list-style: none; margin: .5rem 0 0; padding: 0; }
.languages a[aria-current] { font-weight: 700; }
`;

export type PageName = 'home' | 'register' | 'test-cards' | 'certificates' | 'merchants';

const NAV: { name: PageName; href: string; label: CaKey }[] = [
  { name: 'home', href: '/', label: 'navHome' },
  { name: 'register', href: '/register', label: 'navRegister' },
  { name: 'test-cards', href: '/test-cards', label: 'navTestCards' },
  { name: 'certificates', href: '/certificates', label: 'navCertificates' },
  { name: 'merchants', href: '/merchants', label: 'navMerchants' },
];

export function layout(p: {
  tx: CaText;
  issuerName: string;
  title: SafeHtml | string;
  current?: PageName;
  head?: SafeHtml;
  main: SafeHtml;
}): string {
  return html`<!doctype html>
<html lang="${p.tx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>${p.title} · ${p.issuerName}</title>
<style>${trusted(STYLE)}</style>
${p.head}
</head>
<body>
<a class="skip" href="#main">${p.tx.t('skip')}</a>
<header><div class="bar">
<a class="name" href="/">${p.issuerName}</a>
<nav aria-label="${p.tx.t('navLabel')}"><ul>
${NAV.map(
  (n) =>
    html`<li><a href="${n.href}"${n.name === p.current ? html` aria-current="page"` : ''}>${p.tx.t(n.label)}</a></li>`,
)}
</ul></nav>
</div></header>
<main id="main" tabindex="-1">
${p.main}
</main>
<footer><p>${p.tx.t('footer')}</p>
${p.tx.switcher(p.tx.text('languages'))}</footer>
</body>
</html>
`.value;
}
