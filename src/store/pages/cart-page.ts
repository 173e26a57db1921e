/** The cart: lines with quantity forms, the total, and the checkout button. */
import type { Amount } from '../../merchant/index.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import type { CartLine } from '../carts.ts';
import type { StoreText } from '../text/index.ts';

export function cartTotal(lines: CartLine[]): Amount | undefined {
  const first = lines[0]?.product.price;
  if (!first) return undefined;
  return { ...first, value: lines.reduce((n, l) => n + l.product.price.value * l.quantity, 0) };
}

export function cartPage(tx: StoreText, lines: CartLine[], csrf: string): SafeHtml {
  const total = cartTotal(lines);
  if (!total) {
    return html`<h1>${tx.t('cartTitle')}</h1><p>${tx.t('cartEmpty', { link: html`<a href="/">${tx.t('browseCatalogue')}</a>` })}</p>`;
  }
  return html`<h1>${tx.t('cartTitle')}</h1>
<table>
  <caption>${tx.t('cartCaption')}</caption>
  <thead><tr><th scope="col">${tx.t('colProduct')}</th><th scope="col" class="num">${tx.t('colUnitPrice')}</th><th scope="col">${tx.t('colQuantity')}</th><th scope="col" class="num">${tx.t('colLineTotal')}</th></tr></thead>
  <tbody>
  ${lines.map((l) => {
    const name = tx.text(l.product.nameKey);
    return html`<tr>
    <th scope="row">${name}</th>
    <td class="num">${tx.amount(l.product.price)}</td>
    <td>
      <form class="inline" method="post" action="/cart/update">
        <input type="hidden" name="productId" value="${l.product.id}">
        <input type="hidden" name="csrf" value="${csrf}">
        <label class="skip" for="q-${l.product.id}">${tx.t('quantityOf', { product: name })}</label>
        <input id="q-${l.product.id}" type="number" name="quantity" value="${l.quantity}" min="0" max="99" required>
        <button type="submit" class="secondary">${tx.t('update')}<span class="skip"> ${name}</span></button>
      </form>
    </td>
    <td class="num">${tx.amount({ ...l.product.price, value: l.product.price.value * l.quantity })}</td>
  </tr>`;
  })}
  </tbody>
  <tfoot><tr><th scope="row" colspan="3">${tx.t('total')}</th><td class="num" id="cart-total">${tx.amount(total)}</td></tr></tfoot>
</table>
<p class="muted">${tx.t('cartRemoveHint')}</p>
<form method="post" action="/checkout"><input type="hidden" name="csrf" value="${csrf}"><button type="submit">${tx.t('checkout')}</button></form>`;
}
