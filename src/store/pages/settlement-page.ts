/**
 * The back office's Settlement page: the merchant's reconciliation report (settlement.ts), one
 * section per batch: its state and settlement, the totals the store's own records add up to, and
 * each item matched against the store's orders. The open batch has a form to close (settle) it.
 * Every word comes from the page's language (src/store/text), amounts and dates formatted for it.
 */
import { html, type SafeHtml } from '../../web/html.ts';
import type { ItemMatch, ReconciledBatch } from '../settlement.ts';
import type { StoreKey, StoreText } from '../text/index.ts';

type ItemKind = ReconciledBatch['items'][number]['item']['kind'];

const KIND_WORDS: Record<ItemKind, StoreKey> = {
  capture: 'kindCapture',
  captureReversal: 'kindCaptureReversal',
  credit: 'kindRefund',
  creditReversal: 'kindRefundReversal',
};

const MATCH_WORDS: Record<ItemMatch, StoreKey> = {
  matched: 'settlementMatched',
  operator: 'settlementByOperator',
  notRecorded: 'settlementNotRecorded',
  unknownOrder: 'settlementUnknownOrder',
};

export interface SettlementFlash {
  ok: boolean;
  key: StoreKey;
}

/** The notices after closing a batch (?done= or ?problem=), from a fixed list (never echoing the query). */
const SETTLEMENT_FLASH: Readonly<Record<string, SettlementFlash>> = {
  closed: { ok: true, key: 'settlementClosed' },
  batchAlreadyClosed: { ok: false, key: 'settlementAlreadyClosed' },
  unknownBatchID: { ok: false, key: 'settlementUnknownBatch' },
  gatewayUnavailable: { ok: false, key: 'settlementGatewayUnavailable' },
};

/** The notice the redirect's ?done= or ?problem= names, if it is one of the list's own keys. */
export function settlementFlash(name: string | undefined): SettlementFlash | undefined {
  return name !== undefined && Object.hasOwn(SETTLEMENT_FLASH, name) ? SETTLEMENT_FLASH[name] : undefined;
}

const signed = (tx: StoreText, a: { currency: string; exponent: number }, net: number) =>
  `${net < 0 ? '−' : ''}${tx.amount({ ...a, value: Math.abs(net) })}`;

export function settlementPage(
  tx: StoreText,
  report: ReconciledBatch[],
  csrf: string,
  flash?: SettlementFlash,
): SafeHtml {
  const link = html`<a href="/back-office">${tx.t('settlementBackToOrders')}</a>`;
  return html`<h1>${tx.t('settlementTitle')}</h1>
<p>${tx.t('settlementLede', { link })}</p>
${flash ? html`<p class="notice ${flash.ok ? 'ok' : 'bad'}" role="status">${tx.t(flash.key)}</p>` : ''}
${report.length ? report.map((r) => batchSection(tx, r, csrf)) : html`<p>${tx.t('settlementNoBatches')}</p>`}`;
}

function batchSection(tx: StoreText, r: ReconciledBatch, csrf: string): SafeHtml {
  const b = r.batch;
  const id = String(b.batchId);
  const count = r.items.length;
  const plural = new Intl.PluralRules(tx.locale).select(count) === 'one';
  return html`<section aria-labelledby="batch-${id}">
<h2 id="batch-${id}">${
    b.state === 'open' || !b.settledAt
      ? tx.t('settlementBatchOpen', { id })
      : tx.t('settlementBatchSettled', { id, date: tx.dateTime(b.settledAt) })
  }</h2>
<p class="notice ${r.agrees ? 'ok' : 'bad'}">${tx.t(r.agrees ? 'settlementReconciled' : 'settlementNotReconciled')}</p>
<table>
<caption>${tx.t('settlementTotalsCaption')}</caption>
<thead><tr><th scope="col">${tx.t('settlementColCurrency')}</th><th scope="col" class="num">${tx.t(b.state === 'settled' ? 'settlementColGatewaySettled' : 'settlementColGatewaySoFar')}</th><th scope="col" class="num">${tx.t('settlementColOurs')}</th></tr></thead>
<tbody>${totalsRows(tx, r)}</tbody>
</table>
<table>
<caption>${tx.t(plural ? 'settlementItemsOne' : 'settlementItemsMany', { count: tx.number(count) })}</caption>
<thead><tr><th scope="col" class="num">${tx.t('settlementColNumber')}</th><th scope="col">${tx.t('colOrder')}</th><th scope="col">${tx.t('settlementColKind')}</th><th scope="col" class="num">${tx.t('colAmount')}</th><th scope="col">${tx.t('settlementColMatch')}</th></tr></thead>
<tbody>${r.items.map(
    ({ item, order, match }) => html`<tr>
<td class="num">${tx.number(item.seq)}</td>
<td>${order ? html`<a href="/orders/${order.id}">${order.id}</a>` : (item.lidM ?? '')}</td>
<td>${tx.t(KIND_WORDS[item.kind])}</td>
<td class="num">${tx.amount(item.amount)}</td>
<td class="state ${match === 'matched' || match === 'operator' ? 'ok' : 'bad'}">${tx.t(MATCH_WORDS[match])}</td>
</tr>`,
  )}</tbody>
</table>
${
  b.state === 'open'
    ? html`<form class="inline" method="post" action="/back-office/settlement/close">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="batch" value="${id}">
<button type="submit">${tx.t('settlementClose', { id })}</button>
</form>`
    : ''
}
</section>`;
}

function totalsRows(tx: StoreText, r: ReconciledBatch): SafeHtml[] {
  const keys = new Map<string, { currency: string; exponent: number }>();
  for (const t of r.summary) keys.set(`${t.currency}/${t.exponent}`, t);
  for (const e of r.expected) keys.set(`${e.currency}/${e.exponent}`, e);
  return [...keys.entries()].map(([key, c]) => {
    const gateway = r.summary
      .filter((t) => `${t.currency}/${t.exponent}` === key)
      .reduce((n, t) => n + (t.kind === 'capture' || t.kind === 'creditReversal' ? t.total : -t.total), 0);
    const ours = r.expected.find((e) => `${e.currency}/${e.exponent}` === key)?.net ?? 0;
    return html`<tr><td>${c.currency}</td><td class="num">${signed(tx, c, gateway)}</td><td class="num">${signed(tx, c, ours)}</td></tr>`;
  });
}
