/** The frame every store page shares: language, skip link, header with navigation, footer. */
import { html, type SafeHtml } from '../../web/html.ts';

export interface PageFrame {
  title: string;
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
  return `<!doctype html>\n${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${p.title} · ${p.storeName}</title>
<link rel="stylesheet" href="/assets/store.css">
${p.head ?? ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header>
  <a class="brand" href="/">${p.storeName}</a>
  <nav aria-label="Store">
    <ul>
      <li><a href="/">Catalogue</a></li>
      <li><a href="/cart">Cart${p.cartCount ? ` (${p.cartCount})` : ''}</a></li>
      <li><a href="/orders">Your orders</a></li>
      ${p.merchant ? html`<li><a href="/back-office">Back office</a></li>` : ''}
    </ul>
  </nav>
</header>
<main id="main">
${p.body}
</main>
<footer>
  <p>A demo store for the SET/2 sandbox: every payment goes through the SET Wallet and the sandbox
  payment gateway. No real money moves. Built only with <code>@setwallet/merchant</code>.</p>
</footer>
${(p.scripts ?? []).map((src) => html`<script type="module" src="${src}"></script>`)}
</body>
</html>`}`;
}
