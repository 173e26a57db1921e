/**
 * Lists of orders with their payment state: the shopper's own (/orders) and, in the back office,
 * everyone's with the merchant's sign-out form.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import type { OrderPayment } from '../order-payment.ts';
import type { StoreOrder } from '../store-orders.ts';
import type { StoreText } from '../text/index.ts';
import { STATE_WORDS } from './order-page.ts';

type Row = { order: StoreOrder; payment: OrderPayment };

export function ordersPage(tx: StoreText, rows: Row[]): SafeHtml {
  if (!rows.length)
    return html`<h1>${tx.t('ordersTitle')}</h1><p>${tx.t('ordersNone', { link: html`<a href="/">${tx.t('browseCatalogue')}</a>` })}</p>`;
  return html`<h1>${tx.t('ordersTitle')}</h1>
<p class="muted">${tx.t('ordersLede')}</p>
${ordersTable(tx, rows)}`;
}

export function backOfficePage(tx: StoreText, rows: Row[], csrf: string): SafeHtml {
  return html`<h1>${tx.t('backOfficeTitle')}</h1>
<p>${tx.t('backOfficeLede')} <a href="/back-office/settlement">${tx.t('settlementLink')}</a>${tx.t('settlementLinkAfter')}</p>
<form class="inline" method="post" action="/back-office/sign-out">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="secondary">${tx.t('signOut')}</button>
</form>
${rows.length ? ordersTable(tx, rows) : html`<p>${tx.t('backOfficeNone')}</p>`}`;
}

function ordersTable(tx: StoreText, rows: Row[]): SafeHtml {
  return html`<table>
  <caption>${tx.t('ordersCaption')}</caption>
  <thead><tr><th scope="col">${tx.t('colOrder')}</th><th scope="col">${tx.t('colPlaced')}</th><th scope="col" class="num">${tx.t('colTotal')}</th><th scope="col">${tx.t('colPayment')}</th></tr></thead>
  <tbody>${rows.map(
    ({ order, payment }) => html`<tr>
    <th scope="row"><a href="/orders/${order.id}">${order.id}</a></th>
    <td>${tx.dateTime(order.createdAt)}</td>
    <td class="num">${tx.amount(order.amount)}</td>
    <td>${tx.t(STATE_WORDS[payment.state])}</td>
  </tr>`,
  )}</tbody>
</table>`;
}
