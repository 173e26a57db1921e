/**
 * The operator's pages: every authorization, capture, refund and reversal in the ledger, with
 * filters, and a form on each approved authorization to capture, refund or reverse it. Server-
 * rendered HTML; every value goes through `html`, card numbers appear only as their last four.
 */

import type { Amount } from '../protocol/index.ts';
import { b64u, type DeclineReason, type InstallRecurData, randomNonce } from '../protocol/index.ts';
import { html, SafeHtml } from '../web/html.ts';
import { AUTHORIZATION_STATES, type RejectReason } from './follow-up-rules.ts';
import type {
  AuthorizationRecord,
  ListFilter,
  PaymentEventRecord,
  SubsequentAuthorizationRecord,
} from './ledger.ts';
import type { NotificationRecord } from './notifications.ts';
import type { GatewayKey, GatewayText } from './text/index.ts';

export const OPERATOR_ACTIONS = [
  'capture',
  'refund',
  'reverse-authorization',
  'reverse-capture',
  'reverse-refund',
] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

const ACTION_LABELS: Record<OperatorAction, GatewayKey> = {
  capture: 'actionCapture',
  refund: 'actionRefund',
  'reverse-authorization': 'actionReverseAuthorization',
  'reverse-capture': 'actionReverseCapture',
  'reverse-refund': 'actionReverseRefund',
};

const KIND_LABELS: Record<PaymentEventRecord['kind'] | 'authorization', GatewayKey> = {
  authorization: 'kindAuthorization',
  capture: 'kindCapture',
  captureReversal: 'kindCaptureReversal',
  authorizationReversal: 'kindAuthorizationReversal',
  credit: 'kindCredit',
  creditReversal: 'kindCreditReversal',
};

const REASON_TEXT: Record<RejectReason, GatewayKey> = {
  notAuthorized: 'reasonNotAuthorized',
  amountExceedsAuthorization: 'reasonAmountExceedsAuthorization',
  amountExceedsCapture: 'reasonAmountExceedsCapture',
  amountExceedsCredit: 'reasonAmountExceedsCredit',
  alreadyReversed: 'reasonAlreadyReversed',
  nothingToReverse: 'reasonNothingToReverse',
  authorizationExpired: 'reasonAuthorizationExpired',
  unknownBatch: 'reasonUnknownBatch',
  batchClosed: 'reasonBatchClosed',
};

const STATE_TEXT: Record<AuthorizationRecord['state'], GatewayKey> = {
  authorized: 'stateAuthorized',
  captured: 'stateCaptured',
  refunded: 'stateRefunded',
  declined: 'stateDeclined',
  reversed: 'stateReversed',
};

const DECLINE_TEXT: Record<DeclineReason, GatewayKey> = {
  doNotHonour: 'declineDoNotHonour',
  insufficientFunds: 'declineInsufficientFunds',
  expiredCard: 'declineExpiredCard',
  stolenCard: 'declineStolenCard',
  issuerUnavailable: 'declineIssuerUnavailable',
  invalidCard: 'declineInvalidCard',
  amountExceeded: 'declineAmountExceeded',
};

/** A word from one of the tables above, or the code itself when the table lacks it. */
function word<T extends string>(
  tx: GatewayText,
  table: Partial<Record<T, GatewayKey>>,
  code: T,
): SafeHtml | T {
  const key = Object.hasOwn(table, code) ? table[code] : undefined;
  return key ? tx.t(key) : code;
}

export interface Notice {
  action: OperatorAction;
  outcome: 'accepted' | 'rejected';
  reason?: RejectReason;
}

export interface PageOptions {
  /** The gateway's name (configured), or the catalogue's default title. */
  title?: string;
  /** The request's words, amounts and dates, in the language it asks for. */
  tx: GatewayText;
  /** The operator session's CSRF value: every action form carries it. */
  csrf?: string;
}

const STYLE = `
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1b1b1f; --muted: #55555f; --line: #d5d5de;
  --panel: #f4f4f8; --accent: #0b57d0; --ok: #146c2e; --bad: #b3261e; }
@media (prefers-color-scheme: dark) { :root { --bg: #141418; --fg: #e6e6ea; --muted: #a7a7b2;
  --line: #3a3a44; --panel: #1f1f26; --accent: #8ab4f8; --ok: #7ccf8f; --bad: #f2b8b5; } }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, sans-serif; background: var(--bg); color: var(--fg); margin: 0 auto;
  max-width: 90rem; padding: 1rem 1.5rem 3rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
h1 { font-size: 1.6rem; margin: .5rem 0 .25rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.lede { color: var(--muted); margin-top: 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: end; background: var(--panel);
  padding: .75rem 1rem; border-radius: .5rem; }
form.filters div { display: flex; flex-direction: column; }
label { font-size: .85rem; color: var(--muted); }
input, select, button { font: inherit; color: inherit; background: var(--bg); border: 1px solid var(--line);
  border-radius: .35rem; padding: .3rem .5rem; }
button { background: var(--accent); color: var(--bg); border-color: var(--accent); cursor: pointer; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
th, td { border-bottom: 1px solid var(--line); padding: .4rem .5rem; text-align: left; vertical-align: top; }
th { font-size: .85rem; color: var(--muted); font-weight: 600; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.nowrap { white-space: nowrap; }
code { font-family: ui-monospace, monospace; font-size: .9em; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
.notice { border-left: 4px solid var(--accent); background: var(--panel); padding: .5rem 1rem; }
form.action { display: flex; gap: .4rem; flex-wrap: wrap; align-items: center; margin: 0; }
form.action input { width: 7rem; } form.action select { max-width: 12rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1.5rem; }
dt { color: var(--muted); } dd { margin: 0; }
.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.languages ul { display: flex; flex-wrap: wrap; gap: .75rem; list-style: none; margin: 2rem 0 0; padding: 0; font-size: .9rem; }
.languages a[aria-current] { font-weight: 700; }
`;

/** The page's title: the configured name, else the catalogue's. */
export function titleOf(opts: PageOptions): SafeHtml | string {
  return opts.title ?? opts.tx.t('defaultTitle');
}

export function layout(opts: PageOptions, heading: SafeHtml | string, main: SafeHtml): string {
  return html`<!doctype html>
<html lang="${opts.tx.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading} · ${titleOf(opts)}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${main}
</main>
<footer>${opts.tx.switcher(opts.tx.text('languages'))}</footer>
</body>
</html>
`.value;
}

const shortXid = (xid: string) => `${xid.slice(0, 10)}…`;
const amountOf = (a: AuthorizationRecord, value: number) => ({
  currency: a.currency,
  exponent: a.exponent,
  value,
});
const xidLink = (tx: GatewayText, xid: string) =>
  html`<a href="/transactions/${xid}"><code title="${xid}">${shortXid(xid)}</code><span class="vh"> ${tx.t('xidFull', { xid })}</span></a>`;

function noticeBlock(tx: GatewayText, notice: Notice | undefined): SafeHtml {
  if (!notice) return html``;
  const action = tx.t(ACTION_LABELS[notice.action]);
  return notice.outcome === 'accepted'
    ? html`<p class="notice" role="status">${tx.t('noticeDone', { action })}</p>`
    : html`<p class="notice" role="status">${tx.t('noticeRefused', {
        action,
        reason: notice.reason ? tx.t(REASON_TEXT[notice.reason]) : tx.t('noticeSeeLedger'),
      })}</p>`;
}

/** Which operator actions make sense for an authorization now, with the amount to suggest. */
export function availableActions(a: AuthorizationRecord): { action: OperatorAction; suggested: number }[] {
  if (a.result !== 'approved') return [];
  const { authorized, captured, refunded } = a.balances;
  const out: { action: OperatorAction; suggested: number }[] = [];
  if (authorized - captured > 0) out.push({ action: 'capture', suggested: authorized - captured });
  if (captured - refunded > 0) out.push({ action: 'refund', suggested: captured - refunded });
  if (authorized - captured > 0)
    out.push({ action: 'reverse-authorization', suggested: authorized - captured });
  if (captured - refunded > 0) out.push({ action: 'reverse-capture', suggested: captured - refunded });
  if (refunded > 0) out.push({ action: 'reverse-refund', suggested: refunded });
  return out;
}

function actionForm(
  tx: GatewayText,
  a: AuthorizationRecord,
  back: string,
  compact: boolean,
  csrf = '',
): SafeHtml {
  const actions = availableActions(a);
  if (actions.length === 0) return html`<span class="vh">${tx.t('noAction')}</span>`;
  const forXid = html`<span class="vh"> ${tx.t('forXid', { xid: shortXid(a.xid) })}</span>`;
  const id = a.xid;
  // The nonce becomes the event's RRPID: submitting the same form twice is recognised as a retry.
  return html`<form class="action" method="post" action="/dashboard/action">
<input type="hidden" name="xid" value="${a.xid}">
<input type="hidden" name="nonce" value="${b64u(randomNonce())}">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="back" value="${back}">
<label for="action-${id}" class="${compact ? 'vh' : ''}">${tx.t('actionLabel')}${forXid}</label>
<select id="action-${id}" name="action">${actions.map(
    (x) => html`<option value="${x.action}">${tx.t(ACTION_LABELS[x.action])}</option>`,
  )}</select>
<label for="amount-${id}" class="${compact ? 'vh' : ''}">${tx.t('amountIn', { currency: a.currency })}${forXid}</label>
<input id="amount-${id}" name="amount" inputmode="decimal" autocomplete="off" required
  pattern="\\d{1,16}([.,]\\d{1,4})?" value="${tx.amountInput(amountOf(a, actions[0]!.suggested))}">
<button type="submit">${tx.t('apply')}</button>
</form>`;
}

function stateCell(tx: GatewayText, a: AuthorizationRecord): SafeHtml {
  const partial =
    (a.state === 'captured' && a.balances.captured < a.balances.authorized) ||
    (a.state === 'refunded' && a.balances.refunded < a.balances.captured);
  const cls = a.state === 'declined' || a.state === 'reversed' ? 'bad' : 'ok';
  const state = word(tx, STATE_TEXT, a.state);
  return html`<span class="${cls}">${partial ? tx.t('statePartly', { state }) : state}</span>`;
}

/** The decline in the page's language, with the issuer's SET code an operator searches for. */
function declineWord(tx: GatewayText, reason: string): SafeHtml {
  return html`${word(tx, DECLINE_TEXT as Record<string, GatewayKey>, reason)} <code>${reason}</code>`;
}

function authorizationRows(list: AuthorizationRecord[], back: string, opts: PageOptions): SafeHtml {
  const { tx } = opts;
  if (list.length === 0) return html`<tr><td colspan="10">${tx.t('noAuthorizations')}</td></tr>`;
  return html`${list.map(
    (a) => html`<tr>
<td>${tx.dateTime(a.createdAt)}</td>
<td>${xidLink(tx, a.xid)}</td>
<td>${a.merchantName}<br><code>${a.merchantId}</code></td>
<td class="nowrap">•••• ${a.panLast4}<span class="vh"> ${tx.t('cardEnding', { last4: a.panLast4 })}</span></td>
<td class="num">${tx.amount(amountOf(a, a.result === 'approved' ? a.balances.authorized : a.requested))}</td>
<td class="num">${tx.amount(amountOf(a, a.balances.captured))}</td>
<td class="num">${tx.amount(amountOf(a, a.balances.refunded))}</td>
<td>${stateCell(tx, a)}</td>
<td>${a.authCode ? html`<code>${a.authCode}</code>` : a.declineReason ? declineWord(tx, a.declineReason) : ''}</td>
<td>${actionForm(tx, a, back, true, opts.csrf)}</td>
</tr>`,
  )}`;
}

function eventRows(list: PaymentEventRecord[], opts: PageOptions, withXid: boolean): SafeHtml {
  const { tx } = opts;
  if (list.length === 0) return html`<tr><td colspan="${withXid ? 6 : 5}">${tx.t('noEvents')}</td></tr>`;
  return html`${list.map((e) => {
    const amount = tx.amount(e.amount);
    const rejected = html`<span class="bad">${tx.t('outcomeRejected')}</span>`;
    return html`<tr>
<td>${tx.dateTime(e.createdAt)}</td>
${withXid ? html`<td>${xidLink(tx, e.xid)}</td>` : ''}
<td>${word(tx, KIND_LABELS, e.kind)}</td>
<td class="num">${e.kind === 'authorizationReversal' ? tx.t('reversalTo', { amount }) : amount}</td>
<td>${
      e.outcome === 'accepted'
        ? html`<span class="ok">${tx.t('outcomeAccepted')}</span>`
        : e.reason
          ? tx.t('outcomeRejectedWhy', { rejected, reason: word(tx, REASON_TEXT, e.reason) })
          : rejected
    }</td>
<td>${tx.t(e.source === 'operator' ? 'sourceOperator' : 'sourceMerchant')}</td>
</tr>`;
  })}`;
}

const eventsHead = (tx: GatewayText, withXid: boolean) => html`<thead><tr>
<th scope="col">${tx.t('colDate')}</th>${withXid ? html`<th scope="col">${tx.t('colXid')}</th>` : ''}<th scope="col">${tx.t('colKind')}</th>
<th scope="col" class="num">${tx.t('colAmount')}</th><th scope="col">${tx.t('colOutcome')}</th><th scope="col">${tx.t('colSource')}</th>
</tr></thead>`;

function option(value: string, label: SafeHtml | string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

export function dashboardPage(
  opts: PageOptions,
  filter: ListFilter,
  data: { authorizations: AuthorizationRecord[]; events: PaymentEventRecord[] },
  back: string,
  notice?: Notice,
): string {
  const { tx } = opts;
  const showAuthorizations = !filter.kind || filter.kind === 'authorization';
  const showEvents = filter.kind !== 'authorization';
  return layout(
    opts,
    tx.t('dashboardTitle'),
    html`<h1>${titleOf(opts)}</h1>
<p class="lede">${tx.t('dashboardLede')} <a href="/batches">${tx.t('batchesLink')}</a></p>
${noticeBlock(tx, notice)}
<form class="filters" method="get" action="/" role="search" aria-label="${tx.t('filterLabel')}">
<div><label for="f-status">${tx.t('filterStatus')}</label><select id="f-status" name="status">
${option('', tx.t('filterAnyStatus'), filter.state)}${AUTHORIZATION_STATES.map((s) => option(s, word(tx, STATE_TEXT, s), filter.state))}
</select></div>
<div><label for="f-kind">${tx.t('filterKind')}</label><select id="f-kind" name="kind">
${option('', tx.t('filterEverything'), filter.kind)}${option('authorization', tx.t('filterAuthorizations'), filter.kind)}${option('capture', tx.t('filterCaptures'), filter.kind)}${option('refund', tx.t('filterRefunds'), filter.kind)}${option('reversal', tx.t('filterReversals'), filter.kind)}
</select></div>
<div><label for="f-merchant">${tx.t('filterMerchant')}</label><input id="f-merchant" name="merchant" value="${filter.merchantId ?? ''}" maxlength="64"></div>
<div><label for="f-xid">${tx.t('filterXid')}</label><input id="f-xid" name="xid" value="${filter.xid ?? ''}" maxlength="43"></div>
<div><button type="submit">${tx.t('filterSubmit')}</button></div>
<div><a href="/">${tx.t('filterClear')}</a></div>
</form>
${
  showAuthorizations
    ? html`<h2 id="authorizations">${tx.t('authorizationsHeading')}</h2>
<table aria-labelledby="authorizations">
<thead><tr><th scope="col">${tx.t('colDate')}</th><th scope="col">${tx.t('colXid')}</th><th scope="col">${tx.t('colMerchant')}</th><th scope="col">${tx.t('colCard')}</th>
<th scope="col" class="num">${tx.t('colAuthorized')}</th><th scope="col" class="num">${tx.t('colCaptured')}</th><th scope="col" class="num">${tx.t('colRefunded')}</th>
<th scope="col">${tx.t('colStatus')}</th><th scope="col">${tx.t('colCodeOrReason')}</th><th scope="col">${tx.t('colOperatorAction')}</th></tr></thead>
<tbody>${authorizationRows(data.authorizations, back, opts)}</tbody>
</table>`
    : ''
}
${
  showEvents
    ? html`<h2 id="events">${tx.t('eventsHeading')}</h2>
<table aria-labelledby="events">${eventsHead(tx, true)}<tbody>${eventRows(data.events, opts, true)}</tbody></table>`
    : ''
}`,
  );
}

function lastAttempt(tx: GatewayText, n: NotificationRecord): SafeHtml {
  const last = n.history[0];
  if (!last) return tx.t('attemptNone');
  const what = html`<span class="${last.error ? 'bad' : 'ok'}">${last.error ?? `HTTP ${last.httpStatus}`}</span>`;
  return tx.t('attemptWhen', { when: tx.dateTime(last.startedAt), what, ms: tx.number(last.durationMs) });
}

function deliveryCell(tx: GatewayText, status: NotificationRecord['status']): SafeHtml {
  if (status === 'delivered') return html`<span class="ok">${tx.t('deliveryDelivered')}</span>`;
  if (status === 'failed') return html`<span class="bad">${tx.t('deliveryFailed')}</span>`;
  return tx.t('deliveryPending');
}

function notificationRows(tx: GatewayText, list: NotificationRecord[], xid: string, csrf = ''): SafeHtml {
  if (list.length === 0) return html`<tr><td colspan="7">${tx.t('noNotifications')}</td></tr>`;
  return html`${list.map(
    (n) => html`<tr>
<td class="num">${n.event.seq}</td>
<td>${tx.t('eventWithSource', {
      kind: word(tx, KIND_LABELS as Record<string, GatewayKey>, n.event.kind),
      source: tx.t(n.event.source === 'operator' ? 'sourceOperator' : 'sourceMerchant'),
    })}<br><code title="${n.event.eventId}">${n.event.eventId.slice(0, 10)}…</code></td>
<td>${deliveryCell(tx, n.status)}</td>
<td class="num">${n.attempts}</td>
<td>${lastAttempt(tx, n)}</td>
<td>${n.status === 'pending' ? tx.dateTime(n.nextAttemptAt) : '—'}</td>
<td><form class="action" method="post" action="/dashboard/resend">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="xid" value="${xid}">
<input type="hidden" name="event" value="${n.event.eventId}">
<button type="submit">${tx.t('resend')}<span class="vh"> ${tx.t('resendWhich', { seq: n.event.seq })}</span></button>
</form></td>
</tr>`,
  )}`;
}

export function transactionPage(
  opts: PageOptions,
  a: AuthorizationRecord,
  events: PaymentEventRecord[],
  notice?: Notice,
  notifications: NotificationRecord[] = [],
  resent?: boolean,
  subsequent: SubsequentAuthorizationRecord[] = [],
): string {
  const { tx } = opts;
  const back = `/transactions/${a.xid}`;
  const result = tx.t(a.result === 'approved' ? 'resultApproved' : 'resultDeclined');
  return layout(
    opts,
    tx.t('transactionTitle', { xid: shortXid(a.xid) }),
    html`<p><a href="/">${tx.t('allTransactions')}</a></p>
<h1>${tx.t('transactionTitle', { xid: html`<code>${shortXid(a.xid)}</code>` })}</h1>
${noticeBlock(tx, notice)}
<dl>
<dt>${tx.t('fieldXid')}</dt><dd><code>${a.xid}</code></dd>
<dt>${tx.t('fieldDate')}</dt><dd>${tx.dateTime(a.createdAt)}</dd>
<dt>${tx.t('fieldMerchant')}</dt><dd>${tx.t('merchantWithId', { name: a.merchantName, id: html`<code>${a.merchantId}</code>` })}</dd>
<dt>${tx.t('fieldBrand')}</dt><dd>${a.brandId}</dd>
<dt>${tx.t('fieldCard')}</dt><dd>•••• ${a.panLast4} ${tx.t(a.dualSigned ? 'cardDualSigned' : 'cardUnsigned')}</dd>
<dt>${tx.t('fieldRequested')}</dt><dd>${tx.amount(amountOf(a, a.requested))}${a.captureNow ? html` ${tx.t('captureNow')}` : ''}</dd>
<dt>${tx.t('fieldResult')}</dt><dd>${
      a.authCode
        ? tx.t('resultCode', { result, code: html`<code>${a.authCode}</code>` })
        : a.declineReason
          ? tx.t('resultWhy', { result, reason: declineWord(tx, a.declineReason) })
          : result
    }</dd>
<dt>${tx.t('fieldStatus')}</dt><dd>${stateCell(tx, a)}</dd>
<dt>${tx.t('fieldAuthorized')}</dt><dd>${tx.amount(amountOf(a, a.balances.authorized))}</dd>
<dt>${tx.t('fieldCaptured')}</dt><dd>${tx.amount(amountOf(a, a.balances.captured))}</dd>
<dt>${tx.t('fieldRefunded')}</dt><dd>${tx.amount(amountOf(a, a.balances.refunded))}</dd>
${a.purchAmtValue !== undefined ? html`<dt>${tx.t('fieldSignedAmount')}</dt><dd>${tx.amount(amountOf(a, a.purchAmtValue))}</dd>` : ''}
${a.installRecurData ? html`<dt>${tx.t('fieldPlan')}</dt><dd id="plan">${planWords(tx, a.installRecurData)}</dd>` : ''}
</dl>
${laterAuthorizations(a, subsequent, opts)}
<h2>${tx.t('operatorActionHeading')}</h2>
${availableActions(a).length ? actionForm(tx, a, back, false, opts.csrf) : html`<p>${tx.t('noActionPossible')}</p>`}
<h2 id="events">${tx.t('eventsHeading')}</h2>
<table aria-labelledby="events">${eventsHead(tx, false)}<tbody>${eventRows(events, opts, false)}</tbody></table>
<h2 id="notifications">${tx.t('notificationsHeading')}</h2>
${resent ? html`<p class="notice" role="status">${tx.t('resentNotice')}</p>` : ''}
<table aria-labelledby="notifications"><thead><tr><th scope="col" class="num">${tx.t('colSeq')}</th><th scope="col">${tx.t('colEvent')}</th>
<th scope="col">${tx.t('colDelivery')}</th><th scope="col" class="num">${tx.t('colAttempts')}</th><th scope="col">${tx.t('colLastAttempt')}</th>
<th scope="col">${tx.t('colNextAttempt')}</th><th scope="col">${tx.t('colResend')}</th></tr></thead>
<tbody>${notificationRows(tx, notifications, a.xid, opts.csrf)}</tbody></table>`,
  );
}

/** The signed plan in words, as the dashboard shows it, in the page's language. */
function planWords(tx: GatewayText, plan: InstallRecurData): SafeHtml {
  const ceiling = tx.amount(plan.ceiling);
  return plan.kind === 'recurring'
    ? tx.t('planRecurring', { ceiling, days: tx.number(plan.frequencyDays), until: tx.date(plan.until) })
    : tx.t('planInstallments', {
        payments: tx.number(plan.payments),
        ceiling,
        days: tx.number(plan.frequencyDays),
      });
}

/** A later authorization's result: approved with its code, or declined and why; captured or not. */
function laterResult(tx: GatewayText, s: SubsequentAuthorizationRecord): SafeHtml {
  const result = tx.t(s.result === 'approved' ? 'resultApproved' : 'resultDeclined');
  const words = s.authCode
    ? tx.t('resultCode', { result, code: html`<code>${s.authCode}</code>` })
    : s.declineReason
      ? tx.t('resultWhy', { result, reason: declineWord(tx, s.declineReason) })
      : result;
  return s.captureNow ? html`${words} ${tx.t('laterCaptured')}` : words;
}

/** The purchase's authorizations after the first: split shipment parts or plan payments. */
function laterAuthorizations(
  a: AuthorizationRecord,
  list: SubsequentAuthorizationRecord[],
  opts: PageOptions,
): SafeHtml {
  const { tx } = opts;
  if (!list.length && !a.installRecurData && (a.purchAmtValue ?? a.requested) <= a.requested) return html``;
  const heading = tx.t(a.installRecurData ? 'laterPayments' : 'laterParts', {
    count: tx.number(a.approvedCount),
  });
  const later = list.filter((s) => s.result === 'approved').reduce((n, s) => n + s.amount.value, 0);
  const first: Amount = amountOf(a, a.requested - later);
  const firstResult = tx.t(a.result === 'approved' ? 'resultApproved' : 'resultDeclined');
  return html`<h2 id="later">${heading}</h2>
<table aria-labelledby="later"><thead><tr><th scope="col" class="num">#</th><th scope="col">${tx.t('fieldDate')}</th>
<th scope="col" class="num">${tx.t('colAmount')}</th><th scope="col">${tx.t('fieldResult')}</th><th scope="col">${tx.t('colMerchantKey')}</th></tr></thead>
<tbody><tr><td class="num">1</td><td>${tx.dateTime(a.createdAt)}</td><td class="num">${tx.amount(first)}</td>
<td>${a.authCode ? tx.t('resultCode', { result: firstResult, code: html`<code>${a.authCode}</code>` }) : firstResult}</td><td>${tx.t('firstAuthorization')}</td></tr>
${list.map(
  (
    s,
  ) => html`<tr><td class="num">${String(s.seq)}</td><td>${tx.dateTime(s.createdAt)}</td><td class="num">${tx.amount(s.amount)}</td>
<td>${laterResult(tx, s)}</td><td><code>${s.idempotencyKey}</code></td></tr>`,
)}</tbody></table>`;
}

export function messagePage(opts: PageOptions, heading: SafeHtml, text: SafeHtml | string): string {
  return layout(
    opts,
    heading,
    html`<h1>${heading}</h1><p>${text}</p><p><a href="/">${opts.tx.t('backToDashboard')}</a></p>`,
  );
}
