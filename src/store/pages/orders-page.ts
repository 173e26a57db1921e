/** The merchant's list of recent orders with their payment state. */
import { formatAmount } from '../../merchant/index.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import type { OrderPayment } from '../order-payment.ts';
import type { StoreOrder } from '../store-orders.ts';
import { STATE_WORDS } from './order-page.ts';

export function ordersPage(rows: { order: StoreOrder; payment: OrderPayment }[]): SafeHtml {
  if (!rows.length) return html`<h1>Orders</h1><p>No orders yet. <a href="/">Browse the catalogue</a>.</p>`;
  return html`<h1>Orders</h1>
<table>
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
