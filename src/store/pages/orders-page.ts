/**
 * Lists of orders with their payment state: the shopper's own (/orders) and, in the back office,
 * everyone's with the merchant's sign-out form.
 */
import { formatAmount } from '../../merchant/index.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import type { OrderPayment } from '../order-payment.ts';
import type { StoreOrder } from '../store-orders.ts';
import { STATE_WORDS } from './order-page.ts';

type Row = { order: StoreOrder; payment: OrderPayment };

export function ordersPage(rows: Row[]): SafeHtml {
  if (!rows.length)
    return html`<h1>Your orders</h1><p>No orders yet. <a href="/">Browse the catalogue</a>.</p>`;
  return html`<h1>Your orders</h1>
<p class="muted">The orders placed from this browser.</p>
${ordersTable(rows)}`;
}

export function backOfficePage(rows: Row[], csrf: string): SafeHtml {
  return html`<h1>Back office</h1>
<p>You are signed in as the merchant: open an order to capture, refund or reverse its payment. <a href="/back-office/settlement">Settlement</a>: the gateway’s batches matched against these orders.</p>
<form class="inline" method="post" action="/back-office/sign-out">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="secondary">Sign out</button>
</form>
${rows.length ? ordersTable(rows) : html`<p>No orders yet.</p>`}`;
}

function ordersTable(rows: Row[]): SafeHtml {
  return html`<table>
  <caption>Most recent orders first</caption>
  <thead><tr><th scope="col">Order</th><th scope="col">Placed (UTC)</th><th scope="col" class="num">Total</th><th scope="col">Payment</th></tr></thead>
  <tbody>${rows.map(
    ({ order, payment }) => html`<tr>
    <th scope="row"><a href="/orders/${order.id}">${order.id}</a></th>
    <td>${order.createdAt.toISOString().replace('T', ' ').slice(0, 19)}</td>
    <td class="num">${formatAmount(order.amount)}</td>
    <td>${STATE_WORDS[payment.state]}</td>
  </tr>`,
  )}</tbody>
</table>`;
}
