/** The cart: lines with quantity forms, the total, and the checkout button. */
import { type Amount, formatAmount } from '../../merchant/index.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import type { CartLine } from '../carts.ts';

export function cartTotal(lines: CartLine[]): Amount | undefined {
  const first = lines[0]?.product.price;
  if (!first) return undefined;
  return { ...first, value: lines.reduce((n, l) => n + l.product.price.value * l.quantity, 0) };
}

export function cartPage(lines: CartLine[], csrf: string): SafeHtml {
  const total = cartTotal(lines);
  if (!total) {
    return html`<h1>Your cart</h1><p>Your cart is empty. <a href="/">Browse the catalogue</a>.</p>`;
  }
  return html`<h1>Your cart</h1>
<table>
  <caption>Items in your cart</caption>
  <thead><tr><th scope="col">Product</th><th scope="col" class="num">Unit price</th><th scope="col">Quantity</th><th scope="col" class="num">Line total</th></tr></thead>
  <tbody>
  ${lines.map(
    (l) => html`<tr>
    <th scope="row">${l.product.name}</th>
    <td class="num">${formatAmount(l.product.price)}</td>
    <td>
      <form class="inline" method="post" action="/cart/update">
        <input type="hidden" name="productId" value="${l.product.id}">
        <input type="hidden" name="csrf" value="${csrf}">
        <label class="skip" for="q-${l.product.id}">Quantity of ${l.product.name}</label>
        <input id="q-${l.product.id}" type="number" name="quantity" value="${l.quantity}" min="0" max="99" required>
        <button type="submit" class="secondary">Update<span class="skip"> ${l.product.name}</span></button>
      </form>
    </td>
    <td class="num">${formatAmount({ ...l.product.price, value: l.product.price.value * l.quantity })}</td>
  </tr>`,
  )}
  </tbody>
  <tfoot><tr><th scope="row" colspan="3">Total</th><td class="num" id="cart-total">${formatAmount(total)}</td></tr></tfoot>
</table>
<p class="muted">Set a quantity to 0 to remove the item.</p>
<form method="post" action="/checkout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">Check out and pay with SET</button></form>`;
}
