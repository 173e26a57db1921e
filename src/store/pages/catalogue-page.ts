/** The catalogue: every product with its price and an add-to-cart form (with the shopper's form token). */
import { formatAmount } from '../../merchant/index.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import { CATALOGUE, type Product } from '../catalogue.ts';

function initials(p: Product): string {
  return p.name
    .split(/\s+/)
    .map((w) => w[0])
    .join('')
    .slice(0, 2)
    .toUpperCase();
}

export function cataloguePage(csrf: string, notice?: string): SafeHtml {
  return html`<h1>Catalogue</h1>
${notice ? html`<p class="notice ok" role="status">${notice}</p>` : ''}
<ul class="products">
${CATALOGUE.map(
  (p) => html`<li class="product">
  <div class="tile tile-${p.id}" aria-hidden="true">${initials(p)}</div>
  <h2>${p.name}</h2>
  <p>${p.blurb}</p>
  <p class="price">${formatAmount(p.price)}</p>
  <form class="inline" method="post" action="/cart">
    <input type="hidden" name="productId" value="${p.id}">
    <input type="hidden" name="csrf" value="${csrf}">
    <label for="qty-${p.id}">Quantity</label>
    <input id="qty-${p.id}" type="number" name="quantity" value="1" min="1" max="99" required>
    <button type="submit">Add to cart<span class="skip"> ${p.name}</span></button>
  </form>
</li>`,
)}
</ul>`;
}
