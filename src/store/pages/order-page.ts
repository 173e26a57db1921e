/**
 * One order: while it awaits payment, the checkout (the payment initiation element, the order, a
 * status line the page script keeps fresh, and what to do without the wallet); once paid, the SET
 * result with the amounts and history, and, for the merchant signed in to the back office only,
 * every SET transaction of the order and the capture / refund / reversal forms.
 */
import {
  type Amount,
  balanceOf,
  describeDecline,
  describeRejection,
  type FollowUpRecord,
  formatAmount,
  type PurchaseState,
  paymentInitiationHtml,
  purchaseStateOf,
  type SetTransaction,
} from '../../merchant/index.ts';
import { html, type SafeHtml, trusted } from '../../web/html.ts';
import { awaitsPayment, type OrderPayment } from '../order-payment.ts';
import { recurringAmountOf, remainingOf, type StoreOrder } from '../store-orders.ts';

export interface OrderView {
  order: StoreOrder;
  payment: OrderPayment;
  brands: string[];
  storeName: string;
  flash?: { ok: boolean; text: string };
  walletHelpUrl?: string;
  testCardsUrl?: string;
  /** The merchant's form token, when the merchant is signed in: the page shows their actions. */
  merchantCsrf?: string;
}

export const STATE_WORDS: Record<PurchaseState, string> = {
  awaitingPayment: 'Awaiting payment',
  authorizing: 'Payment in progress',
  declined: 'Declined',
  authorized: 'Authorized',
  reversed: 'Authorization reversed',
  captured: 'Captured',
  partiallyRefunded: 'Partly refunded',
  refunded: 'Refunded',
  pendingConfirmation: 'Pending confirmation from the payment gateway',
};

const FOLLOW_UP_WORDS: Record<FollowUpRecord['request'], string> = {
  CapReq: 'Capture',
  CapRevReq: 'Capture reversal',
  AuthRevReq: 'Authorization reversal',
  CredReq: 'Refund',
  CredRevReq: 'Refund reversal',
};

/** What the gateway's Notifications name (SET-PROFILE §6); an unknown kind shows as sent. */
const EVENT_WORDS: Record<string, string> = {
  authorization: 'Authorization',
  capture: 'Capture',
  captureReversal: 'Capture reversal',
  authorizationReversal: 'Authorization reversal',
  credit: 'Refund',
  creditReversal: 'Refund reversal',
};

/** The gateway's latest word when its operator made the change: the shop did not ask for it. */
function gatewayNote(current: SetTransaction): SafeHtml {
  const g = current.gateway;
  if (g?.source !== 'operator') return html``;
  const when = new Date(g.madeAt).toLocaleString('en-GB', { timeZone: 'UTC' });
  return html`<p id="gateway-note" class="notice">${EVENT_WORDS[g.kind] ?? g.kind} of ${formatAmount(g.amount)} made by the payment gateway’s operator on ${when} UTC (reported by the gateway’s notification).</p>`;
}

export function orderPage(v: OrderView): {
  title: string;
  head: SafeHtml;
  body: SafeHtml;
  scripts: string[];
} {
  const { state } = v.payment;
  if (awaitsPayment(state)) {
    return {
      title: `Checkout ${v.order.id}`,
      head: trusted(
        paymentInitiationHtml({
          brands: v.brands,
          amount: v.order.amount,
          lidM: v.order.id,
          endpoint: '/set',
          description: `${v.storeName} order ${v.order.id}`.slice(0, 200),
        }),
      ),
      body: checkoutView(v),
      scripts: ['/assets/pay-with-set.js', '/assets/checkout.js'],
    };
  }
  return {
    title: `Order ${v.order.id}`,
    head: html``,
    body: statusView(v),
    scripts: state === 'authorizing' ? ['/assets/checkout.js'] : [],
  };
}

function flash(v: OrderView): SafeHtml {
  return v.flash
    ? html`<p class="notice ${v.flash.ok ? 'ok' : 'bad'}" role="status">${v.flash.text}</p>`
    : html``;
}

function linesTable(order: StoreOrder): SafeHtml {
  return html`<table>
  <caption>Order ${order.id}</caption>
  <thead><tr><th scope="col">Product</th><th scope="col" class="num">Quantity</th><th scope="col" class="num">Unit price</th><th scope="col" class="num">Line total</th></tr></thead>
  <tbody>${order.lines.map(
    (l) =>
      html`<tr><th scope="row">${l.name}</th><td class="num">${l.quantity}</td><td class="num">${formatAmount(l.unitPrice)}</td><td class="num">${formatAmount(l.total)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row" colspan="3">Total</th><td class="num" id="order-total">${formatAmount(order.amount)}</td></tr></tfoot>
</table>`;
}

function statusLine(v: OrderView, text: string): SafeHtml {
  return html`<p id="payment-status" class="state" role="status" aria-live="polite"
  data-status-url="/orders/${v.order.id}/status" data-state="${v.payment.state}">${text}</p>
<noscript><p>This page updates by itself when scripts run. Without them, <a href="/orders/${v.order.id}">reload it</a> after you pay.</p></noscript>`;
}

function checkoutView(v: OrderView): SafeHtml {
  const declined = v.payment.state === 'declined' ? v.payment.current?.record?.outcome.result : undefined;
  return html`<h1>Checkout</h1>
${flash(v)}
${
  declined
    ? html`<div class="notice bad" role="alert"><p><strong>Your card was declined.</strong> ${describeDecline(declined.reason)}</p>
<p>Nothing was charged. You can pay this order again with another card.</p></div>`
    : ''
}
${linesTable(v.order)}
<section aria-labelledby="pay-heading">
  <h2 id="pay-heading">Pay with SET</h2>
  ${statusLine(v, `Waiting for your SET Wallet to pay ${formatAmount(v.order.amount)}…`)}
  <pay-with-set id="pay-with-set" order="${v.order.id}" install-url="${v.walletHelpUrl ?? '#no-wallet'}"></pay-with-set>
  <p>Press <strong>Pay with SET</strong>, or your SET Wallet's toolbar button. The wallet's
  confirmation window shows this shop's verified name and the amount the shop signed: check them,
  then confirm there. This page moves on by itself once the payment has gone through.</p>
  <details id="no-wallet">
    <summary>No SET Wallet yet?</summary>
    <ol>
      <li>Install the SET Wallet extension in Chrome or Firefox${
        v.walletHelpUrl
          ? html` (<a href="${v.walletHelpUrl}">how to install it</a>)`
          : html` (run <code>npm start</code> in the SET Wallet project: it builds the extension and says how to load it)`
      }.</li>
      <li>Register a test card with the sandbox issuer${v.testCardsUrl ? html` (<a href="${v.testCardsUrl}">test cards</a>)` : ''}.</li>
      <li>Come back to this page: the wallet offers to pay it.</li>
    </ol>
  </details>
</section>`;
}

function amountRow(label: string, amount: Amount): SafeHtml {
  return html`<tr><th scope="row">${label}</th><td class="num">${formatAmount(amount)}</td></tr>`;
}

function statusView(v: OrderView): SafeHtml {
  const { state, current } = v.payment;
  if (state === 'authorizing' || !current?.record) {
    return html`<h1>Order ${v.order.id}</h1>
${flash(v)}
${statusLine(v, 'Payment in progress: waiting for the payment gateway…')}
${linesTable(v.order)}
${v.merchantCsrf ? reconcileForm(v.order.id, 'If this does not move on, ask the payment gateway what it holds for this payment.', v.merchantCsrf) : ''}`;
  }
  const result = current.record.outcome.result;
  const b = balanceOf(current);
  const amt = (value: number): Amount => ({ currency: b.currency, exponent: b.exponent, value });
  const ok = state !== 'reversed';
  return html`<h1>Order ${v.order.id}</h1>
${flash(v)}
<p>Payment: <span id="payment-state" class="state ${ok ? 'ok' : 'bad'}">${STATE_WORDS[state]}</span></p>
<table>
  <caption>SET payment</caption>
  <tbody>
    <tr><th scope="row">Authorization code</th><td class="num"><code>${result.authCode ?? '—'}</code></td></tr>
    ${amountRow('Amount authorized', result.amount)}
    ${amountRow('Authorized, not captured', amt(Math.max(b.authorized - b.captured, 0)))}
    ${amountRow('Captured', amt(b.captured))}
    ${amountRow('Refunded', amt(b.refunded))}
  </tbody>
</table>
${gatewayNote(current)}
${laterAuthorizations(current)}
${
  current.followUps.length
    ? html`<table>
  <caption>History</caption>
  <thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col" class="num">Amount</th><th scope="col">Result</th></tr></thead>
  <tbody>${current.followUps.map(
    (f) =>
      html`<tr><td>${new Date(f.at).toLocaleString('en-GB', { timeZone: 'UTC' })} UTC</td><td>${FOLLOW_UP_WORDS[f.request]}</td><td class="num">${formatAmount(f.amount)}</td><td>${
        f.status === 'rejected' ? `Rejected: ${describeRejection(f.reason)}` : 'Done'
      }</td></tr>`,
  )}</tbody>
</table>`
    : ''
}
${linesTable(v.order)}
${v.merchantCsrf ? transactionsTable(v.payment.all) : ''}
${
  !v.merchantCsrf
    ? ''
    : state === 'pendingConfirmation'
      ? reconcileForm(
          v.order.id,
          'The payment gateway’s answer to the last action was lost, so it may or may not have been done. Checking sends the very same request again: the gateway answers with what it did, and never does it twice.',
          v.merchantCsrf,
        )
      : html`${laterActions(v.order, current, v.merchantCsrf)}${merchantActions(v.order.id, b, v.merchantCsrf)}`
}`;
}

const DAY_MS = 86_400_000;

/** The plan the cardholder signed, or the split shipment's parts, with every later authorization. */
function laterAuthorizations(current: SetTransaction): SafeHtml {
  const plan = current.installRecurData;
  const later = current.subsequent ?? [];
  if (!plan && !current.authorizeFirst && !later.length) return html``;
  const terms = plan
    ? plan.kind === 'recurring'
      ? `Subscription: up to ${formatAmount(plan.ceiling)} every ${plan.frequencyDays} days until ${plan.until}`
      : `Installments: ${plan.payments} payments of up to ${formatAmount(plan.ceiling)}, every ${plan.frequencyDays} days`
    : `Split shipment: ${formatAmount(current.purchAmt)} signed; ${formatAmount(remainingOf(current))} not yet authorized`;
  const approved = later.filter((s) => s.result.status === 'approved');
  const last = approved.at(-1)?.at ?? current.record?.at;
  const next =
    plan && last
      ? new Date((Math.floor(Date.parse(last) / DAY_MS) + plan.frequencyDays) * DAY_MS)
          .toISOString()
          .slice(0, 10)
      : undefined;
  return html`<section aria-labelledby="later-heading">
<h2 id="later-heading">${plan ? 'Payment plan' : 'Parts'}</h2>
<p id="plan-terms">${terms}.${next ? ` Next payment possible from ${next} (UTC).` : ''}</p>
${
  later.length
    ? html`<table id="later-authorizations">
  <caption>${plan ? 'Payments after the first' : 'Parts after the first'}</caption>
  <thead><tr><th scope="col">When (UTC)</th><th scope="col">${plan ? 'Payment' : 'Part'}</th><th scope="col" class="num">Amount</th><th scope="col">Result</th></tr></thead>
  <tbody>${later.map(
    (s, i) =>
      html`<tr><td>${s.at.replace('T', ' ').slice(0, 19)}</td><td>${String(i + 2)}</td><td class="num">${formatAmount(s.result.amount)}</td><td>${
        s.result.status === 'approved'
          ? `Authorized${s.captureNow ? ' and captured' : ''} (${s.result.authCode ?? ''})`
          : `Declined: ${describeDecline(s.result.reason)}`
      }</td></tr>`,
  )}</tbody>
</table>`
    : ''
}
</section>`;
}

/** The back office's later authorizations: the rest of a split shipment, a plan's next payment. */
function laterActions(order: StoreOrder, current: SetTransaction, csrf: string): SafeHtml {
  const form = (action: string, heading: string, button: string) => html`<section>
  <h3>${heading}</h3>
  <form class="inline" method="post" action="/orders/${order.id}/${action}">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit">${button}</button>
  </form>
</section>`;
  if (current.installRecurData) {
    const amount = recurringAmountOf(order) ?? current.purchAmt;
    return form('charge-next', 'Subscription', `Charge the next payment (${formatAmount(amount)})`);
  }
  const rest = remainingOf(current);
  if (current.authorizeFirst && rest.value > 0) {
    return form('authorize-rest', 'Ship the rest', `Authorize the rest (${formatAmount(rest)})`);
  }
  return html``;
}

/** The back office's view of every SET transaction of the order (a declined card, then another…). */
function transactionsTable(all: SetTransaction[]): SafeHtml {
  if (!all.length) return html``;
  return html`<table>
  <caption>SET transactions of this order</caption>
  <thead><tr><th scope="col">Started (UTC)</th><th scope="col">XID</th><th scope="col">State</th><th scope="col" class="num">Follow-ups</th></tr></thead>
  <tbody>${all.map(
    (t) =>
      html`<tr><td>${t.createdAt.replace('T', ' ').slice(0, 19)}</td><td><code>${t.xid.slice(0, 12)}…</code></td><td>${STATE_WORDS[purchaseStateOf(t)]}</td><td class="num">${t.followUps.length}</td></tr>`,
  )}</tbody>
</table>`;
}

function amountForm(p: {
  orderId: string;
  action: string;
  heading: string;
  button: string;
  max: Amount;
  plain: string;
  csrf: string;
}): SafeHtml {
  return html`<section>
  <h3>${p.heading}</h3>
  <form class="inline" method="post" action="/orders/${p.orderId}/${p.action}">
    <input type="hidden" name="csrf" value="${p.csrf}">
    <label for="${p.action}-amount">Amount (${p.max.currency}, up to ${formatAmount(p.max)})</label>
    <input id="${p.action}-amount" type="text" inputmode="decimal" name="amount" value="${p.plain}" required>
    <button type="submit" class="secondary">${p.button}</button>
  </form>
</section>`;
}

function reconcileForm(orderId: string, text: string, csrf: string): SafeHtml {
  return html`<section aria-labelledby="reconcile-heading">
<h2 id="reconcile-heading">Check with the payment gateway</h2>
<p>${text}</p>
<form class="inline" method="post" action="/orders/${orderId}/reconcile">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="secondary">Check with the gateway</button>
</form>
</section>`;
}

function merchantActions(orderId: string, b: ReturnType<typeof balanceOf>, csrf: string): SafeHtml {
  const amt = (value: number): Amount => ({ currency: b.currency, exponent: b.exponent, value });
  // A form field's default, e.g. "12.99": exact for SET amounts (see formatAmount).
  const plain = (value: number) => (value / 10 ** b.exponent).toFixed(b.exponent);
  // Several partial captures (split shipment), up to what is authorized.
  const capturable = b.authorized - b.captured;
  const canCapture = capturable > 0;
  const refundable = b.captured - b.refunded;
  if (!canCapture && refundable <= 0 && b.refunded <= 0) return html``;
  return html`<section aria-labelledby="merchant-heading">
<h2 id="merchant-heading">Merchant actions</h2>
<p class="muted">Only you, signed in to the back office, see these. Each one is a signed, sealed request to the payment gateway.</p>
<div class="actions">
${
  canCapture
    ? html`<section>
  <h3>Capture</h3>
  <form class="inline" method="post" action="/orders/${orderId}/capture">
    <input type="hidden" name="csrf" value="${csrf}">
    <label for="capture-amount">Amount (${b.currency}, up to ${formatAmount(amt(capturable))})</label>
    <input id="capture-amount" type="text" inputmode="decimal" name="amount" value="${plain(capturable)}" required>
    <button type="submit">Capture</button>
  </form>
</section>
${
  b.captured === 0
    ? html`<section>
  <h3>Reverse the authorization</h3>
  <form class="inline" method="post" action="/orders/${orderId}/reverse">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit" class="secondary">Reverse ${formatAmount(amt(b.authorized))}</button>
  </form>
</section>`
    : ''
}`
    : ''
}
${
  refundable > 0
    ? html`<section>
  <h3>Refund</h3>
  <form class="inline" method="post" action="/orders/${orderId}/refund">
    <input type="hidden" name="csrf" value="${csrf}">
    <label for="refund-amount">Amount (${b.currency}, up to ${formatAmount(amt(refundable))})</label>
    <input id="refund-amount" type="text" inputmode="decimal" name="amount" value="${plain(refundable)}" required>
    <button type="submit">Refund</button>
  </form>
</section>
${amountForm({ orderId, action: 'reverse-capture', heading: 'Reverse a capture', button: 'Reverse capture', max: amt(refundable), plain: plain(refundable), csrf })}`
    : ''
}
${
  b.refunded > 0
    ? amountForm({
        orderId,
        action: 'reverse-refund',
        heading: 'Reverse a refund',
        button: 'Reverse refund',
        max: amt(b.refunded),
        plain: plain(b.refunded),
        csrf,
      })
    : ''
}
</div>
</section>`;
}
