/**
 * The operator's pages: every authorization, capture, refund and reversal in the ledger, with
 * filters, and a form on each approved authorization to capture, refund or reverse it. Server-
 * rendered HTML; every value goes through `html`, card numbers appear only as their last four.
 */

import { amountDecimal, formatAmount } from '../protocol/amount.ts';
import { b64u, type InstallRecurData, randomNonce } from '../protocol/index.ts';
import { html, SafeHtml } from '../web/html.ts';
import { AUTHORIZATION_STATES, type RejectReason } from './follow-up-rules.ts';
import type {
  AuthorizationRecord,
  ListFilter,
  PaymentEventRecord,
  SubsequentAuthorizationRecord,
} from './ledger.ts';
import type { NotificationRecord } from './notifications.ts';

export const OPERATOR_ACTIONS = [
  'capture',
  'refund',
  'reverse-authorization',
  'reverse-capture',
  'reverse-refund',
] as const;
export type OperatorAction = (typeof OPERATOR_ACTIONS)[number];

const ACTION_LABELS: Record<OperatorAction, string> = {
  capture: 'Capture',
  refund: 'Refund',
  'reverse-authorization': 'Release authorization',
  'reverse-capture': 'Reverse capture',
  'reverse-refund': 'Reverse refund',
};

const KIND_LABELS: Record<PaymentEventRecord['kind'], string> = {
  capture: 'Capture',
  captureReversal: 'Capture reversal',
  authorizationReversal: 'Authorization reversal',
  credit: 'Refund',
  creditReversal: 'Refund reversal',
};

const REASON_TEXT: Record<RejectReason, string> = {
  notAuthorized: 'there is no approved authorization in that currency',
  amountExceedsAuthorization: 'the amount exceeds what remains authorized',
  amountExceedsCapture: 'the amount exceeds what was captured and not refunded',
  amountExceedsCredit: 'the amount exceeds what was refunded',
  alreadyReversed: 'the authorization has already been reversed',
  nothingToReverse: 'there is nothing to reverse',
  authorizationExpired: 'the authorization has expired',
  unknownBatch: 'the batch named is not this merchant’s',
  batchClosed: 'the batch named is already settled',
};

export interface Notice {
  action: OperatorAction;
  outcome: 'accepted' | 'rejected';
  reason?: RejectReason;
}

export interface PageOptions {
  title: string;
  locale: string;
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
`;

export function layout(opts: PageOptions, heading: string, main: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${heading} · ${opts.title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${main}
</main>
</body>
</html>
`.value;
}

const when = (d: Date) => `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
const shortXid = (xid: string) => `${xid.slice(0, 10)}…`;
const amountOf = (a: AuthorizationRecord, value: number) => ({
  currency: a.currency,
  exponent: a.exponent,
  value,
});
const xidLink = (xid: string) =>
  html`<a href="/transactions/${xid}"><code title="${xid}">${shortXid(xid)}</code><span class="vh"> (XID ${xid})</span></a>`;

function noticeBlock(notice: Notice | undefined): SafeHtml {
  if (!notice) return html``;
  const label = ACTION_LABELS[notice.action];
  return notice.outcome === 'accepted'
    ? html`<p class="notice" role="status">${label}: done.</p>`
    : html`<p class="notice" role="status">${label} refused: ${notice.reason ? REASON_TEXT[notice.reason] : 'see the ledger'}.</p>`;
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

function actionForm(a: AuthorizationRecord, back: string, compact: boolean, csrf = ''): SafeHtml {
  const actions = availableActions(a);
  if (actions.length === 0) return html`<span class="vh">No action available</span>`;
  const id = a.xid;
  // The nonce becomes the event's RRPID: submitting the same form twice is recognised as a retry.
  return html`<form class="action" method="post" action="/dashboard/action">
<input type="hidden" name="xid" value="${a.xid}">
<input type="hidden" name="nonce" value="${b64u(randomNonce())}">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="back" value="${back}">
<label for="action-${id}" class="${compact ? 'vh' : ''}">Action<span class="vh"> for ${shortXid(a.xid)}</span></label>
<select id="action-${id}" name="action">${actions.map(
    (x) => html`<option value="${x.action}">${ACTION_LABELS[x.action]}</option>`,
  )}</select>
<label for="amount-${id}" class="${compact ? 'vh' : ''}">Amount in ${a.currency}<span class="vh"> for ${shortXid(a.xid)}</span></label>
<input id="amount-${id}" name="amount" inputmode="decimal" autocomplete="off" required
  pattern="\\d{1,16}([.,]\\d{1,4})?" value="${amountDecimal(amountOf(a, actions[0]!.suggested))}">
<button type="submit">Apply</button>
</form>`;
}

function stateCell(a: AuthorizationRecord): SafeHtml {
  const partial =
    (a.state === 'captured' && a.balances.captured < a.balances.authorized) ||
    (a.state === 'refunded' && a.balances.refunded < a.balances.captured);
  const cls = a.state === 'declined' || a.state === 'reversed' ? 'bad' : 'ok';
  return html`<span class="${cls}">${a.state}${partial ? ' (partly)' : ''}</span>`;
}

function authorizationRows(list: AuthorizationRecord[], back: string, opts: PageOptions): SafeHtml {
  if (list.length === 0) return html`<tr><td colspan="10">No authorizations match.</td></tr>`;
  return html`${list.map(
    (a) => html`<tr>
<td>${when(a.createdAt)}</td>
<td>${xidLink(a.xid)}</td>
<td>${a.merchantName}<br><code>${a.merchantId}</code></td>
<td class="nowrap">•••• ${a.panLast4}<span class="vh"> (card ending ${a.panLast4})</span></td>
<td class="num">${formatAmount(amountOf(a, a.result === 'approved' ? a.balances.authorized : a.requested), opts.locale)}</td>
<td class="num">${formatAmount(amountOf(a, a.balances.captured), opts.locale)}</td>
<td class="num">${formatAmount(amountOf(a, a.balances.refunded), opts.locale)}</td>
<td>${stateCell(a)}</td>
<td>${a.authCode ? html`<code>${a.authCode}</code>` : (a.declineReason ?? '')}</td>
<td>${actionForm(a, back, true, opts.csrf)}</td>
</tr>`,
  )}`;
}

function eventRows(list: PaymentEventRecord[], opts: PageOptions, withXid: boolean): SafeHtml {
  if (list.length === 0)
    return html`<tr><td colspan="${withXid ? 6 : 5}">No captures, refunds or reversals match.</td></tr>`;
  return html`${list.map(
    (e) => html`<tr>
<td>${when(e.createdAt)}</td>
${withXid ? html`<td>${xidLink(e.xid)}</td>` : ''}
<td>${KIND_LABELS[e.kind]}</td>
<td class="num">${e.kind === 'authorizationReversal' ? 'to ' : ''}${formatAmount(e.amount, opts.locale)}</td>
<td>${e.outcome === 'accepted' ? html`<span class="ok">accepted</span>` : html`<span class="bad">rejected</span> (${e.reason})`}</td>
<td>${e.source}</td>
</tr>`,
  )}`;
}

const eventsHead = (withXid: boolean) => html`<thead><tr>
<th scope="col">Date</th>${withXid ? html`<th scope="col">XID</th>` : ''}<th scope="col">Kind</th>
<th scope="col" class="num">Amount</th><th scope="col">Outcome</th><th scope="col">Source</th>
</tr></thead>`;

function option(value: string, label: string, selected: string | undefined): SafeHtml {
  return html`<option value="${value}"${value === (selected ?? '') ? html` selected` : ''}>${label}</option>`;
}

export function dashboardPage(
  opts: PageOptions,
  filter: ListFilter,
  data: { authorizations: AuthorizationRecord[]; events: PaymentEventRecord[] },
  back: string,
  notice?: Notice,
): string {
  const showAuthorizations = !filter.kind || filter.kind === 'authorization';
  const showEvents = filter.kind !== 'authorization';
  return layout(
    opts,
    'Dashboard',
    html`<h1>${opts.title}</h1>
<p class="lede">Authorizations, captures, refunds and reversals recorded by this payment gateway, newest first. <a href="/batches">Batches and settlement</a></p>
${noticeBlock(notice)}
<form class="filters" method="get" action="/" role="search" aria-label="Filter the ledger">
<div><label for="f-status">Status</label><select id="f-status" name="status">
${option('', 'Any status', filter.state)}${AUTHORIZATION_STATES.map((s) => option(s, s, filter.state))}
</select></div>
<div><label for="f-kind">Kind</label><select id="f-kind" name="kind">
${option('', 'Everything', filter.kind)}${option('authorization', 'Authorizations', filter.kind)}${option('capture', 'Captures', filter.kind)}${option('refund', 'Refunds', filter.kind)}${option('reversal', 'Reversals', filter.kind)}
</select></div>
<div><label for="f-merchant">Merchant ID</label><input id="f-merchant" name="merchant" value="${filter.merchantId ?? ''}" maxlength="64"></div>
<div><label for="f-xid">XID contains</label><input id="f-xid" name="xid" value="${filter.xid ?? ''}" maxlength="43"></div>
<div><button type="submit">Filter</button></div>
<div><a href="/">Clear filters</a></div>
</form>
${
  showAuthorizations
    ? html`<h2 id="authorizations">Authorizations</h2>
<table aria-labelledby="authorizations">
<thead><tr><th scope="col">Date</th><th scope="col">XID</th><th scope="col">Merchant</th><th scope="col">Card</th>
<th scope="col" class="num">Authorized</th><th scope="col" class="num">Captured</th><th scope="col" class="num">Refunded</th>
<th scope="col">Status</th><th scope="col">Code or reason</th><th scope="col">Operator action</th></tr></thead>
<tbody>${authorizationRows(data.authorizations, back, opts)}</tbody>
</table>`
    : ''
}
${
  showEvents
    ? html`<h2 id="events">Captures, refunds and reversals</h2>
<table aria-labelledby="events">${eventsHead(true)}<tbody>${eventRows(data.events, opts, true)}</tbody></table>`
    : ''
}`,
  );
}

function lastAttempt(n: NotificationRecord): SafeHtml {
  const last = n.history[0];
  if (!last) return html`none yet`;
  const what = last.error ?? `HTTP ${last.httpStatus}`;
  return html`${when(last.startedAt)}: <span class="${last.error ? 'bad' : 'ok'}">${what}</span> (${last.durationMs} ms)`;
}

function notificationRows(list: NotificationRecord[], xid: string, csrf = ''): SafeHtml {
  if (list.length === 0) return html`<tr><td colspan="7">No notifications for this transaction.</td></tr>`;
  return html`${list.map(
    (n) => html`<tr>
<td class="num">${n.event.seq}</td>
<td>${n.event.kind} (${n.event.source})<br><code title="${n.event.eventId}">${n.event.eventId.slice(0, 10)}…</code></td>
<td>${n.status === 'delivered' ? html`<span class="ok">delivered</span>` : n.status === 'failed' ? html`<span class="bad">failed</span>` : 'pending'}</td>
<td class="num">${n.attempts}</td>
<td>${lastAttempt(n)}</td>
<td>${n.status === 'pending' ? when(n.nextAttemptAt) : '—'}</td>
<td><form class="action" method="post" action="/dashboard/resend">
<input type="hidden" name="csrf" value="${csrf}">
<input type="hidden" name="xid" value="${xid}">
<input type="hidden" name="event" value="${n.event.eventId}">
<button type="submit">Resend<span class="vh"> notification ${n.event.seq}</span></button>
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
  const back = `/transactions/${a.xid}`;
  return layout(
    opts,
    `Transaction ${shortXid(a.xid)}`,
    html`<p><a href="/">← All transactions</a></p>
<h1>Transaction <code>${shortXid(a.xid)}</code></h1>
${noticeBlock(notice)}
<dl>
<dt>XID</dt><dd><code>${a.xid}</code></dd>
<dt>Date</dt><dd>${when(a.createdAt)}</dd>
<dt>Merchant</dt><dd>${a.merchantName} (<code>${a.merchantId}</code>)</dd>
<dt>Brand</dt><dd>${a.brandId}</dd>
<dt>Card</dt><dd>•••• ${a.panLast4} ${a.dualSigned ? '(cardholder certificate, dual signature)' : '(unsigned purchase)'}</dd>
<dt>Requested</dt><dd>${formatAmount(amountOf(a, a.requested), opts.locale)}${a.captureNow ? ' (capture now)' : ''}</dd>
<dt>Result</dt><dd>${a.result}${a.authCode ? html`, code <code>${a.authCode}</code>` : ''}${a.declineReason ? `: ${a.declineReason}` : ''}</dd>
<dt>Status</dt><dd>${stateCell(a)}</dd>
<dt>Authorized</dt><dd>${formatAmount(amountOf(a, a.balances.authorized), opts.locale)}</dd>
<dt>Captured</dt><dd>${formatAmount(amountOf(a, a.balances.captured), opts.locale)}</dd>
<dt>Refunded</dt><dd>${formatAmount(amountOf(a, a.balances.refunded), opts.locale)}</dd>
${a.purchAmtValue !== undefined ? html`<dt>Signed by the cardholder</dt><dd>${formatAmount(amountOf(a, a.purchAmtValue), opts.locale)}</dd>` : ''}
${a.installRecurData ? html`<dt>Payment plan</dt><dd id="plan">${planWords(a.installRecurData, opts.locale)}</dd>` : ''}
</dl>
${laterAuthorizations(a, subsequent, opts)}
<h2>Operator action</h2>
${availableActions(a).length ? actionForm(a, back, false, opts.csrf) : html`<p>No action is possible on this transaction.</p>`}
<h2 id="events">Captures, refunds and reversals</h2>
<table aria-labelledby="events">${eventsHead(false)}<tbody>${eventRows(events, opts, false)}</tbody></table>
<h2 id="notifications">Notifications to the merchant</h2>
${resent ? html`<p class="notice" role="status">Notification queued to be sent again.</p>` : ''}
<table aria-labelledby="notifications"><thead><tr><th scope="col" class="num">Seq</th><th scope="col">Event</th>
<th scope="col">Delivery</th><th scope="col" class="num">Attempts</th><th scope="col">Last attempt</th>
<th scope="col">Next attempt</th><th scope="col">Resend</th></tr></thead>
<tbody>${notificationRows(notifications, a.xid, opts.csrf)}</tbody></table>`,
  );
}

/** The signed plan in words, as the dashboard shows it. */
function planWords(plan: InstallRecurData, locale?: string): string {
  const ceiling = formatAmount(plan.ceiling, locale);
  return plan.kind === 'recurring'
    ? `recurring: up to ${ceiling} every ${plan.frequencyDays} days until ${plan.until}`
    : `installments: ${plan.payments} payments of up to ${ceiling}, every ${plan.frequencyDays} days`;
}

/** The purchase's authorizations after the first: split shipment parts or plan payments. */
function laterAuthorizations(
  a: AuthorizationRecord,
  list: SubsequentAuthorizationRecord[],
  opts: PageOptions,
): SafeHtml {
  if (!list.length && !a.installRecurData && (a.purchAmtValue ?? a.requested) <= a.requested) return html``;
  const what = a.installRecurData ? 'Payments' : 'Parts';
  return html`<h2 id="later">${what} (${String(a.approvedCount)} approved, the first included)</h2>
<table aria-labelledby="later"><thead><tr><th scope="col" class="num">#</th><th scope="col">Date</th>
<th scope="col" class="num">Amount</th><th scope="col">Result</th><th scope="col">Merchant's key</th></tr></thead>
<tbody><tr><td class="num">1</td><td>${when(a.createdAt)}</td><td class="num">${formatAmount(amountOf(a, a.requested - list.filter((s) => s.result === 'approved').reduce((n, s) => n + s.amount.value, 0)), opts.locale)}</td>
<td>${a.result}${a.authCode ? html`, <code>${a.authCode}</code>` : ''}</td><td>(first authorization)</td></tr>
${list.map(
  (
    s,
  ) => html`<tr><td class="num">${String(s.seq)}</td><td>${when(s.createdAt)}</td><td class="num">${formatAmount(s.amount, opts.locale)}</td>
<td>${s.result}${s.authCode ? html`, <code>${s.authCode}</code>` : ''}${s.declineReason ? `: ${s.declineReason}` : ''}${s.captureNow ? ' (captured)' : ''}</td><td><code>${s.idempotencyKey}</code></td></tr>`,
)}</tbody></table>`;
}

export function messagePage(opts: PageOptions, heading: string, text: string): string {
  return layout(
    opts,
    heading,
    html`<h1>${heading}</h1><p>${text}</p><p><a href="/">Back to the dashboard</a></p>`,
  );
}
