/** The frame every store page shares: language (with its switcher), skip link, header with navigation, footer. */
import { html, type SafeHtml } from '../../web/html.ts';
import type { StoreText } from '../text/index.ts';

export interface PageFrame {
  tx: StoreText;
  title: SafeHtml | string;
  storeName: string;
  cartCount: number;
  /** The merchant is signed in: the navigation offers the back office. */
  merchant?: boolean;
  body: SafeHtml;
  /** Extra head markup (the payment initiation element goes here). */
  head?: SafeHtml;
  /** Same-origin script paths, loaded as ES modules (deferred, in order). */
  scripts?: string[];
}

export function layout(p: PageFrame): string {
  const { tx } = p;
  return `<!doctype html>\n${html`<html lang="${tx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · ${p.storeName}</title>
<link rel="stylesheet" href="/assets/store.css">
${p.head ?? ''}
</head>
<body>
<a class="skip" href="#main">${tx.t('skip')}</a>
<header>
  <a class="brand" href="/">${p.storeName}</a>
  <nav aria-label="${tx.t('navLabel')}">
    <ul>
      <li><a href="/">${tx.t('navCatalogue')}</a></li>
      <li><a href="/cart">${p.cartCount ? tx.t('navCartCount', { count: tx.number(p.cartCount) }) : tx.t('navCart')}</a></li>
      <li><a href="/orders">${tx.t('navOrders')}</a></li>
      ${p.merchant ? html`<li><a href="/back-office">${tx.t('navBackOffice')}</a></li>` : ''}
    </ul>
  </nav>
</header>
<main id="main">
${p.body}
</main>
<footer>
  <p>${tx.t('footer', { sdk: html`<code>@setwallet/merchant</code>` })}</p>
  ${tx.switcher(tx.text('languages'))}
</footer>
${(p.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>`)}
</body>
</html>`}`;
}
