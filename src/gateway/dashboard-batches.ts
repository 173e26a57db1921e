/**
 * The operator's batch pages (SET-PROFILE §6 "Batches"; batches.ts): every merchant's batches with
 * their state and settlement, and one batch with its summary per kind and currency and every item.
 * Read only: merchants open and close their own batches over SET (BatchAdminReq). Every word comes
 * from the page's language (src/gateway/text), amounts and dates formatted for it.
 */
import type { BatchItem, BatchTotal } from '../protocol/index.ts';
import { html, type SafeHtml } from '../web/html.ts';
import type { BatchRecord, DashboardBatchFilter } from './batches.ts';
import { layout, type PageOptions } from './dashboard-page.ts';
import type { GatewayKey, GatewayText } from './text/index.ts';

const KIND_LABELS: Record<BatchItem['kind'], GatewayKey> = {
  capture: 'kindCapture',
  captureReversal: 'kindCaptureReversal',
  credit: 'kindCredit',
  creditReversal: 'kindCreditReversal',
};

const SOURCE_LABELS: Record<BatchItem['source'], GatewayKey> = {
  merchant: 'sourceMerchant',
  operator: 'sourceOperator',
};

const STATE_LABELS: Record<BatchRecord['state'], GatewayKey> = {
  open: 'batchStateOpen',
  settled: 'batchStateSettled',
};

type Money = { currency: string; exponent: number; value: number };

function opened(tx: GatewayText, b: BatchRecord): SafeHtml {
  const date = tx.dateTime(b.openedAt);
  return tx.t(b.openedBy === 'gateway' ? 'batchOpenedByItem' : 'batchOpenedByMerchant', { date });
}

function settlementCell(tx: GatewayText, b: BatchRecord): SafeHtml {
  if (!b.settlement) return html`<span>${tx.t('batchStateOpen')}</span>`;
  if (b.settlement.length === 0) return html`<span>${tx.t('settlementNothing')}</span>`;
  return html`${b.settlement.map((s, i) => {
    const amount = tx.amount({ currency: s.currency, exponent: s.exponent, value: Math.abs(s.net) });
    return html`${i ? html`<br>` : ''}<span class="${s.net < 0 ? 'bad' : 'ok'}">${s.net < 0 ? tx.t('settlementOwed', { amount }) : amount}</span>`;
  })}`;
}

export function batchesPage(opts: PageOptions, filter: DashboardBatchFilter, batches: BatchRecord[]): string {
  const { tx } = opts;
  const option = (value: string, label: SafeHtml) =>
    html`<option value="${value}"${(filter.state ?? '') === value ? html` selected` : ''}>${label}</option>`;
  const link = html`<a href="/">${tx.t('batchesBackToLedger')}</a>`;
  return layout(
    opts,
    tx.text('batchesTitle'),
    html`<h1>${tx.t('batchesLink')}</h1>
<p class="lede">${tx.t('batchesLede', { link })}</p>
<form class="filters" method="get" action="/batches" role="search" aria-label="${tx.text('batchesFilterLabel')}">
<div><label for="b-state">${tx.t('batchFilterState')}</label><select id="b-state" name="state">${option('', tx.t('batchFilterAnyState'))}${option('open', tx.t('batchFilterOpen'))}${option('settled', tx.t('batchFilterSettled'))}</select></div>
<div><label for="b-merchant">${tx.t('filterMerchant')}</label><input id="b-merchant" name="merchant" value="${filter.merchantId ?? ''}" maxlength="64"></div>
<div><button type="submit">${tx.t('filterSubmit')}</button></div>
</form>
<table aria-labelledby="batches-h">
<caption id="batches-h" class="vh">${tx.t('batchesCaption')}</caption>
<thead><tr><th scope="col">${tx.t('colBatch')}</th><th scope="col">${tx.t('colMerchant')}</th><th scope="col">${tx.t('colBatchState')}</th><th scope="col">${tx.t('colOpened')}</th>
<th scope="col">${tx.t('colSettled')}</th><th scope="col" class="num">${tx.t('colItems')}</th><th scope="col" class="num">${tx.t('colSettlementNet')}</th></tr></thead>
<tbody>${
      batches.length
        ? batches.map(
            (
              b,
            ) => html`<tr><td><a href="/batches/${String(b.batchId)}">${tx.t('batchName', { id: String(b.batchId) })}</a></td>
<td>${b.merchantId}</td><td>${tx.t(STATE_LABELS[b.state])}</td><td class="nowrap">${opened(tx, b)}</td>
<td class="nowrap">${b.settledAt ? tx.dateTime(b.settledAt) : '—'}</td><td class="num">${tx.number(b.itemCount)}</td>
<td class="num">${settlementCell(tx, b)}</td></tr>`,
          )
        : html`<tr><td colspan="7">${tx.t('noBatches')}</td></tr>`
    }</tbody>
</table>`,
  );
}

export function batchPage(
  opts: PageOptions,
  batch: BatchRecord,
  summary: BatchTotal[],
  items: BatchItem[],
): string {
  const { tx } = opts;
  const money = (a: Money) => tx.amount(a);
  const id = String(batch.batchId);
  return layout(
    opts,
    tx.text('batchName', { id }),
    html`<h1>${tx.t('batchName', { id })}</h1>
<p class="lede"><a href="/batches">${tx.t('allBatches')}</a></p>
<dl>
<dt>${tx.t('colMerchant')}</dt><dd>${batch.merchantId}</dd>
<dt>${tx.t('colBatchState')}</dt><dd>${tx.t(STATE_LABELS[batch.state])}</dd>
<dt>${tx.t('colOpened')}</dt><dd>${opened(tx, batch)}</dd>
<dt>${tx.t('colSettled')}</dt><dd>${batch.settledAt ? tx.dateTime(batch.settledAt) : tx.t('batchNotSettled')}</dd>
<dt>${tx.t('batchSettlement')}</dt><dd>${settlementCell(tx, batch)}</dd>
</dl>
<h2 id="summary">${tx.t('batchSummaryHeading')}</h2>
<table aria-labelledby="summary"><thead><tr><th scope="col">${tx.t('colKind')}</th><th scope="col">${tx.t('colCurrency')}</th><th scope="col" class="num">${tx.t('colCount')}</th><th scope="col" class="num">${tx.t('colTotal')}</th></tr></thead>
<tbody>${
      summary.length
        ? summary.map(
            (t) =>
              html`<tr><td>${tx.t(KIND_LABELS[t.kind])}</td><td>${t.currency}</td><td class="num">${tx.number(t.count)}</td><td class="num">${money({ currency: t.currency, exponent: t.exponent, value: t.total })}</td></tr>`,
          )
        : html`<tr><td colspan="4">${tx.t('batchNoItems')}</td></tr>`
    }</tbody></table>
${
  batch.settlement?.length
    ? html`<h2 id="settlement">${tx.t('batchSettlement')}</h2>
<table aria-labelledby="settlement"><thead><tr><th scope="col">${tx.t('colCurrency')}</th><th scope="col" class="num">${tx.t('colCaptured')}</th><th scope="col" class="num">${tx.t('colRefunded')}</th><th scope="col" class="num">${tx.t('colNetToMerchant')}</th></tr></thead>
<tbody>${batch.settlement.map(
        (s) =>
          html`<tr><td>${s.currency}</td><td class="num">${money({ ...s, value: s.captured })}</td><td class="num">${money({ ...s, value: s.credited })}</td><td class="num">${s.net < 0 ? '−' : ''}${money({ ...s, value: Math.abs(s.net) })}</td></tr>`,
      )}</tbody></table>`
    : ''
}
<h2 id="items">${tx.t('batchItemsHeading')}</h2>
<table aria-labelledby="items"><thead><tr><th scope="col" class="num">${tx.t('colSeq')}</th><th scope="col">${tx.t('colDate')}</th><th scope="col">${tx.t('colXid')}</th><th scope="col">${tx.t('colOrder')}</th><th scope="col">${tx.t('colKind')}</th><th scope="col">${tx.t('colBy')}</th><th scope="col" class="num">${tx.t('colAmount')}</th></tr></thead>
<tbody>${
      items.length
        ? items.map(
            (i) =>
              html`<tr><td class="num">${tx.number(i.seq)}</td><td class="nowrap">${tx.dateTime(i.at)}</td><td><a href="/transactions/${i.xid}"><code title="${i.xid}">${i.xid.slice(0, 10)}…</code></a></td><td>${i.lidM ?? ''}</td><td>${tx.t(KIND_LABELS[i.kind])}</td><td>${tx.t(SOURCE_LABELS[i.source])}</td><td class="num">${money(i.amount)}</td></tr>`,
          )
        : html`<tr><td colspan="7">${tx.t('batchNoItems')}</td></tr>`
    }</tbody></table>`,
  );
}
