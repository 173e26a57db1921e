/** The catalogue: every product with its price and an add-to-cart form (with the shopper's form token). */
import { html, type SafeHtml } from '../../web/html.ts';
import { CATALOGUE } from '../catalogue.ts';
import type { StoreText } from '../text/index.ts';

function initials(name: string): string {
  return name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

export function cataloguePage(tx: StoreText, csrf: string, notice?: string): SafeHtml {
  return html`<h1>${tx.t('catalogueTitle')}</h1>
${notice ? html`<p class="notice ok" role="status">${notice}</p>` : ''}
<ul class="products">
${CATALOGUE.map((p) => {
  const name = tx.text(p.nameKey);
  return html`<li class="product">
  <div class="tile tile-${p.id}" aria-hidden="true">${initials(name)}</div>
  <h2>${name}</h2>
  <p>${tx.t(p.blurbKey)}</p>
  <p class="price">${tx.amount(p.price)}</p>
  <form class="inline" method="post" action="/cart">
    <input type="hidden" name="productId" value="${p.id}">
    <input type="hidden" name="csrf" value="${csrf}">
    <label for="qty-${p.id}">${tx.t('quantity')}</label>
    <input id="qty-${p.id}" type="number" name="quantity" value="1" min="1" max="99" required>
    <button type="submit">${tx.t('addToCart')}<span class="skip"> ${name}</span></button>
  </form>
</li>`;
})}
</ul>`;
}
