/**
 * One order: while it awaits payment, the checkout (the payment initiation element, the order, a
 * status line the page script keeps fresh, and what to do without the wallet); once paid, the SET
 * result with the amounts and history, and, for the merchant signed in to the back office only,
 * every SET transaction of the order and the capture / refund / reversal forms.
 */
import {
  type Amount,
  balanceOf,
  type DeclineReason,
  type FollowUpRecord,
  type PurchaseState,
  paymentInitiationHtml,
  purchaseStateOf,
  type RejectReason,
  type SetTransaction,
} from '../../merchant/index.ts';
import { html, type SafeHtml, trusted } from '../../web/html.ts';
import { productName } from '../catalogue.ts';
import { awaitsPayment, type OrderPayment } from '../order-payment.ts';
import { recurringAmountOf, remainingOf, type StoreOrder } from '../store-orders.ts';
import type { StoreKey, StoreText } from '../text/index.ts';

export interface OrderView {
  tx: StoreText;
  order: StoreOrder;
  payment: OrderPayment;
  brands: string[];
  storeName: string;
  flash?: { ok: boolean; text: SafeHtml };
  walletHelpUrl?: string;
  testCardsUrl?: string;
  /** The merchant's form token, when the merchant is signed in: the page shows their actions. */
  merchantCsrf?: string;
}

export const STATE_WORDS: Record<PurchaseState, StoreKey> = {
  awaitingPayment: 'stateAwaitingPayment',
  authorizing: 'stateAuthorizing',
  declined: 'stateDeclined',
  authorized: 'stateAuthorized',
  reversed: 'stateReversed',
  captured: 'stateCaptured',
  partiallyRefunded: 'statePartiallyRefunded',
  refunded: 'stateRefunded',
  pendingConfirmation: 'statePendingConfirmation',
};

const FOLLOW_UP_WORDS: Record<FollowUpRecord['request'], StoreKey> = {
  CapReq: 'kindCapture',
  CapRevReq: 'kindCaptureReversal',
  AuthRevReq: 'kindAuthorizationReversal',
  CredReq: 'kindRefund',
  CredRevReq: 'kindRefundReversal',
};

/** What the gateway's Notifications name (SET-PROFILE §6); an unknown kind shows as sent. */
const EVENT_WORDS: Record<string, StoreKey> = {
  authorization: 'kindAuthorization',
  capture: 'kindCapture',
  captureReversal: 'kindCaptureReversal',
  authorizationReversal: 'kindAuthorizationReversal',
  credit: 'kindRefund',
  creditReversal: 'kindRefundReversal',
};

const DECLINE_WORDS: Record<DeclineReason, StoreKey> = {
  doNotHonour: 'declineDoNotHonour',
  insufficientFunds: 'declineInsufficientFunds',
  expiredCard: 'declineExpiredCard',
  stolenCard: 'declineStolenCard',
  issuerUnavailable: 'declineIssuerUnavailable',
  invalidCard: 'declineInvalidCard',
  amountExceeded: 'declineAmountExceeded',
};

export const REJECTION_WORDS: Record<RejectReason, StoreKey> = {
  notAuthorized: 'rejectNotAuthorized',
  amountExceedsAuthorization: 'rejectAmountExceedsAuthorization',
  amountExceedsCapture: 'rejectAmountExceedsCapture',
  amountExceedsCredit: 'rejectAmountExceedsCredit',
  alreadyReversed: 'rejectAlreadyReversed',
  nothingToReverse: 'rejectNothingToReverse',
  authorizationExpired: 'rejectAuthorizationExpired',
  unknownBatch: 'rejectUnknownBatch',
  batchClosed: 'rejectBatchClosed',
};

/** The gateway's latest word when its operator made the change: the shop did not ask for it. */
function gatewayNote(tx: StoreText, current: SetTransaction): SafeHtml {
  const g = current.gateway;
  if (g?.source !== 'operator') return html``;
  const kind = Object.hasOwn(EVENT_WORDS, g.kind) ? tx.t(EVENT_WORDS[g.kind]!) : g.kind;
  return html`<p id="gateway-note" class="notice">${tx.t('gatewayNote', { kind, amount: tx.amount(g.amount), when: tx.dateTime(g.madeAt) })}</p>`;
}

export function orderPage(v: OrderView): {
  title: SafeHtml;
  head: SafeHtml;
  body: SafeHtml;
  scripts: string[];
} {
  const { tx } = v;
  const { state } = v.payment;
  if (awaitsPayment(state)) {
    return {
      title: tx.t('checkoutTitle', { order: v.order.id }),
      head: trusted(
        paymentInitiationHtml({
          brands: v.brands,
          amount: v.order.amount,
          lidM: v.order.id,
          endpoint: '/set',
          description: tx.text('orderDescription', { store: v.storeName, order: v.order.id }).slice(0, 200),
        }),
      ),
      body: checkoutView(v),
      scripts: ['/assets/pay-with-set.js', '/assets/checkout.js'],
    };
  }
  return {
    title: tx.t('orderTitle', { order: v.order.id }),
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

function linesTable(tx: StoreText, order: StoreOrder): SafeHtml {
  return html`<table>
  <caption>${tx.t('orderCaption', { order: order.id })}</caption>
  <thead><tr><th scope="col">${tx.t('colProduct')}</th><th scope="col" class="num">${tx.t('colQuantity')}</th><th scope="col" class="num">${tx.t('colUnitPrice')}</th><th scope="col" class="num">${tx.t('colLineTotal')}</th></tr></thead>
  <tbody>${order.lines.map(
    (l) =>
      html`<tr><th scope="row">${productName(tx, l.productId, l.name)}</th><td class="num">${tx.number(l.quantity)}</td><td class="num">${tx.amount(l.unitPrice)}</td><td class="num">${tx.amount(l.total)}</td></tr>`,
  )}</tbody>
  <tfoot><tr><th scope="row" colspan="3">${tx.t('total')}</th><td class="num" id="order-total">${tx.amount(order.amount)}</td></tr></tfoot>
</table>`;
}

function statusLine(v: OrderView, text: SafeHtml): SafeHtml {
  const { tx } = v;
  return html`<p id="payment-status" class="state" role="status" aria-live="polite"
  data-status-url="/orders/${v.order.id}/status" data-state="${v.payment.state}">${text}</p>
<noscript><p>${tx.t('noscript', { link: html`<a href="/orders/${v.order.id}">${tx.t('reloadIt')}</a>` })}</p></noscript>`;
}

function checkoutView(v: OrderView): SafeHtml {
  const { tx } = v;
  const declined = v.payment.state === 'declined' ? v.payment.current?.record?.outcome.result : undefined;
  const how = v.walletHelpUrl
    ? html`<a href="${v.walletHelpUrl}">${tx.t('installHowLink')}</a>`
    : tx.t('installHowNpm', { command: html`<code>npm start</code>` });
  return html`<h1>${tx.t('checkoutHeading')}</h1>
${flash(v)}
${
  declined
    ? html`<div class="notice bad" role="alert"><p><strong>${tx.t('cardDeclined')}</strong> ${tx.t(declined.reason ? DECLINE_WORDS[declined.reason] : 'declineUnknown')}</p>
<p>${tx.t('nothingCharged')}</p></div>`
    : ''
}
${linesTable(tx, v.order)}
<section aria-labelledby="pay-heading">
  <h2 id="pay-heading">${tx.t('payHeading')}</h2>
  ${statusLine(v, tx.t('waitingForWallet', { amount: tx.amount(v.order.amount) }))}
  <pay-with-set id="pay-with-set" order="${v.order.id}" install-url="${v.walletHelpUrl ?? '#no-wallet'}"></pay-with-set>
  <p>${tx.t('payHow')}</p>
  <details id="no-wallet">
    <summary>${tx.t('noWallet')}</summary>
    <ol>
      <li>${tx.t('installWallet', { how })}</li>
      <li>${tx.t('registerTestCard', { link: v.testCardsUrl ? html` (<a href="${v.testCardsUrl}">${tx.t('testCardsLink')}</a>)` : '' })}</li>
      <li>${tx.t('comeBack')}</li>
    </ol>
  </details>
</section>`;
}

function amountRow(tx: StoreText, label: StoreKey, amount: Amount): SafeHtml {
  return html`<tr><th scope="row">${tx.t(label)}</th><td class="num">${tx.amount(amount)}</td></tr>`;
}

function statusView(v: OrderView): SafeHtml {
  const { tx } = v;
  const { state, current } = v.payment;
  if (state === 'authorizing' || !current?.record) {
    return html`<h1>${tx.t('orderTitle', { order: v.order.id })}</h1>
${flash(v)}
${statusLine(v, tx.t('paymentInProgress'))}
${linesTable(tx, v.order)}
${v.merchantCsrf ? reconcileForm(tx, v.order.id, tx.t('reconcileStuck'), v.merchantCsrf) : ''}`;
  }
  const result = current.record.outcome.result;
  const b = balanceOf(current);
  const amt = (value: number): Amount => ({ currency: b.currency, exponent: b.exponent, value });
  const ok = state !== 'reversed';
  return html`<h1>${tx.t('orderTitle', { order: v.order.id })}</h1>
${flash(v)}
<p>${tx.t('paymentLine', { state: html`<span id="payment-state" class="state ${ok ? 'ok' : 'bad'}">${tx.t(STATE_WORDS[state])}</span>` })}</p>
<table>
  <caption>${tx.t('setPaymentCaption')}</caption>
  <tbody>
    <tr><th scope="row">${tx.t('authCode')}</th><td class="num"><code>${result.authCode ?? '—'}</code></td></tr>
    ${amountRow(tx, 'amountAuthorized', result.amount)}
    ${amountRow(tx, 'authorizedNotCaptured', amt(Math.max(b.authorized - b.captured, 0)))}
    ${amountRow(tx, 'captured', amt(b.captured))}
    ${amountRow(tx, 'refunded', amt(b.refunded))}
  </tbody>
</table>
${gatewayNote(tx, current)}
${laterAuthorizations(tx, current)}
${
  current.followUps.length
    ? html`<table>
  <caption>${tx.t('historyCaption')}</caption>
  <thead><tr><th scope="col">${tx.t('colWhen')}</th><th scope="col">${tx.t('colAction')}</th><th scope="col" class="num">${tx.t('colAmount')}</th><th scope="col">${tx.t('colResult')}</th></tr></thead>
  <tbody>${current.followUps.map(
    (f) =>
      html`<tr><td>${tx.dateTime(f.at)}</td><td>${tx.t(FOLLOW_UP_WORDS[f.request])}</td><td class="num">${tx.amount(f.amount)}</td><td>${
        f.status === 'rejected'
          ? tx.t('rejectedWhy', { reason: tx.t(f.reason ? REJECTION_WORDS[f.reason] : 'rejectUnknown') })
          : tx.t('done')
      }</td></tr>`,
  )}</tbody>
</table>`
    : ''
}
${linesTable(tx, v.order)}
${v.merchantCsrf ? transactionsTable(tx, v.payment.all) : ''}
${
  !v.merchantCsrf
    ? ''
    : state === 'pendingConfirmation'
      ? reconcileForm(tx, v.order.id, tx.t('reconcileLost'), v.merchantCsrf)
      : html`${laterActions(tx, v.order, current, v.merchantCsrf)}${merchantActions(tx, v.order.id, b, v.merchantCsrf)}`
}`;
}

const DAY_MS = 86_400_000;

/** The plan the cardholder signed, or the split shipment's parts, with every later authorization. */
function laterAuthorizations(tx: StoreText, current: SetTransaction): SafeHtml {
  const plan = current.installRecurData;
  const later = current.subsequent ?? [];
  if (!plan && !current.authorizeFirst && !later.length) return html``;
  const terms = plan
    ? plan.kind === 'recurring'
      ? tx.t('planRecurringTerms', {
          ceiling: tx.amount(plan.ceiling),
          days: tx.number(plan.frequencyDays),
          until: tx.date(plan.until),
        })
      : tx.t('planInstallmentTerms', {
          payments: tx.number(plan.payments),
          ceiling: tx.amount(plan.ceiling),
          days: tx.number(plan.frequencyDays),
        })
    : tx.t('splitShipmentTerms', {
        signed: tx.amount(current.purchAmt),
        rest: tx.amount(remainingOf(current)),
      });
  const approved = later.filter((s) => s.result.status === 'approved');
  const last = approved.at(-1)?.at ?? current.record?.at;
  const next =
    plan && last
      ? new Date((Math.floor(Date.parse(last) / DAY_MS) + plan.frequencyDays) * DAY_MS)
      : undefined;
  return html`<section aria-labelledby="later-heading">
<h2 id="later-heading">${tx.t(plan ? 'planHeading' : 'partsHeading')}</h2>
<p id="plan-terms">${terms}${next ? html` ${tx.t('planNextPayment', { date: tx.date(next) })}` : ''}</p>
${
  later.length
    ? html`<table id="later-authorizations">
  <caption>${tx.t(plan ? 'laterPaymentsCaption' : 'laterPartsCaption')}</caption>
  <thead><tr><th scope="col">${tx.t('colWhen')}</th><th scope="col">${tx.t(plan ? 'colPayment' : 'colPart')}</th><th scope="col" class="num">${tx.t('colAmount')}</th><th scope="col">${tx.t('colResult')}</th></tr></thead>
  <tbody>${later.map(
    (s, i) =>
      html`<tr><td>${tx.dateTime(s.at)}</td><td>${tx.number(i + 2)}</td><td class="num">${tx.amount(s.result.amount)}</td><td>${
        s.result.status === 'approved'
          ? tx.t(s.captureNow ? 'laterAuthorizedCaptured' : 'laterAuthorized', {
              code: s.result.authCode ?? '',
            })
          : tx.t('laterDeclined', {
              reason: tx.t(s.result.reason ? DECLINE_WORDS[s.result.reason] : 'declineUnknown'),
            })
      }</td></tr>`,
  )}</tbody>
</table>`
    : ''
}
</section>`;
}

/** The back office's later authorizations: the rest of a split shipment, a plan's next payment. */
function laterActions(tx: StoreText, order: StoreOrder, current: SetTransaction, csrf: string): SafeHtml {
  const form = (action: string, heading: SafeHtml, button: SafeHtml) => html`<section>
  <h3>${heading}</h3>
  <form class="inline" method="post" action="/orders/${order.id}/${action}">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit">${button}</button>
  </form>
</section>`;
  if (current.installRecurData) {
    const amount = recurringAmountOf(order) ?? current.purchAmt;
    return form(
      'charge-next',
      tx.t('subscriptionHeading'),
      tx.t('chargeNextButton', { amount: tx.amount(amount) }),
    );
  }
  const rest = remainingOf(current);
  if (current.authorizeFirst && rest.value > 0) {
    return form(
      'authorize-rest',
      tx.t('shipRestHeading'),
      tx.t('authorizeRestButton', { amount: tx.amount(rest) }),
    );
  }
  return html``;
}

/** The back office's view of every SET transaction of the order (a declined card, then another…). */
function transactionsTable(tx: StoreText, all: SetTransaction[]): SafeHtml {
  if (!all.length) return html``;
  return html`<table>
  <caption>${tx.t('transactionsCaption')}</caption>
  <thead><tr><th scope="col">${tx.t('colStarted')}</th><th scope="col">${tx.t('colXid')}</th><th scope="col">${tx.t('colState')}</th><th scope="col" class="num">${tx.t('colFollowUps')}</th></tr></thead>
  <tbody>${all.map(
    (t) =>
      html`<tr><td>${tx.dateTime(t.createdAt)}</td><td><code>${t.xid.slice(0, 12)}…</code></td><td>${tx.t(STATE_WORDS[purchaseStateOf(t)])}</td><td class="num">${tx.number(t.followUps.length)}</td></tr>`,
  )}</tbody>
</table>`;
}

function amountForm(
  tx: StoreText,
  p: {
    orderId: string;
    action: string;
    heading: StoreKey;
    button: StoreKey;
    max: Amount;
    csrf: string;
    primary?: boolean;
  },
): SafeHtml {
  return html`<section>
  <h3>${tx.t(p.heading)}</h3>
  <form class="inline" method="post" action="/orders/${p.orderId}/${p.action}">
    <input type="hidden" name="csrf" value="${p.csrf}">
    <label for="${p.action}-amount">${tx.t('amountUpTo', { currency: p.max.currency, max: tx.amount(p.max) })}</label>
    <input id="${p.action}-amount" type="text" inputmode="decimal" name="amount" value="${tx.amountInput(p.max)}" required>
    <button type="submit"${p.primary ? '' : html` class="secondary"`}>${tx.t(p.button)}</button>
  </form>
</section>`;
}

function reconcileForm(tx: StoreText, orderId: string, text: SafeHtml, csrf: string): SafeHtml {
  return html`<section aria-labelledby="reconcile-heading">
<h2 id="reconcile-heading">${tx.t('reconcileHeading')}</h2>
<p>${text}</p>
<form class="inline" method="post" action="/orders/${orderId}/reconcile">
  <input type="hidden" name="csrf" value="${csrf}">
  <button type="submit" class="secondary">${tx.t('reconcileButton')}</button>
</form>
</section>`;
}

function merchantActions(
  tx: StoreText,
  orderId: string,
  b: ReturnType<typeof balanceOf>,
  csrf: string,
): SafeHtml {
  const amt = (value: number): Amount => ({ currency: b.currency, exponent: b.exponent, value });
  // Several partial captures (split shipment), up to what is authorized.
  const capturable = b.authorized - b.captured;
  const canCapture = capturable > 0;
  const refundable = b.captured - b.refunded;
  if (!canCapture && refundable <= 0 && b.refunded <= 0) return html``;
  return html`<section aria-labelledby="merchant-heading">
<h2 id="merchant-heading">${tx.t('merchantHeading')}</h2>
<p class="muted">${tx.t('merchantLede')}</p>
<div class="actions">
${
  canCapture
    ? html`${amountForm(tx, { orderId, action: 'capture', heading: 'captureHeading', button: 'captureButton', max: amt(capturable), csrf, primary: true })}
${
  b.captured === 0
    ? html`<section>
  <h3>${tx.t('reverseHeading')}</h3>
  <form class="inline" method="post" action="/orders/${orderId}/reverse">
    <input type="hidden" name="csrf" value="${csrf}">
    <button type="submit" class="secondary">${tx.t('reverseButton', { amount: tx.amount(amt(b.authorized)) })}</button>
  </form>
</section>`
    : ''
}`
    : ''
}
${
  refundable > 0
    ? html`${amountForm(tx, { orderId, action: 'refund', heading: 'refundHeading', button: 'refundButton', max: amt(refundable), csrf, primary: true })}
${amountForm(tx, { orderId, action: 'reverse-capture', heading: 'reverseCaptureHeading', button: 'reverseCaptureButton', max: amt(refundable), csrf })}`
    : ''
}
${
  b.refunded > 0
    ? amountForm(tx, {
        orderId,
        action: 'reverse-refund',
        heading: 'reverseRefundHeading',
        button: 'reverseRefundButton',
        max: amt(b.refunded),
        csrf,
      })
    : ''
}
</div>
</section>`;
}
