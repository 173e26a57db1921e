/**
 * The operator's batch pages (SET-PROFILE §6 "Batches"; batches.ts): every merchant's batches with
 * their state and settlement, and one batch with its summary per kind and currency and every item.
 * Read only: merchants open and close their own batches over SET (BatchAdminReq).
 */
import { formatAmount } from '../protocol/amount.ts';
import type { BatchItem, BatchTotal } from '../protocol/index.ts';
import { html, type SafeHtml } from '../web/html.ts';
import type { BatchRecord, DashboardBatchFilter } from './batches.ts';
import { layout, type PageOptions } from './dashboard-page.ts';

const KIND_LABELS: Record<BatchItem['kind'], string> = {
  capture: 'Capture',
  captureReversal: 'Capture reversal',
  credit: 'Refund',
  creditReversal: 'Refund reversal',
};

const when = (iso: string) => `${iso.slice(0, 19).replace('T', ' ')} UTC`;

function settlementCell(b: BatchRecord, locale: string | undefined): SafeHtml {
  if (!b.settlement) return html`<span>open</span>`;
  if (b.settlement.length === 0) return html`<span>nothing to settle</span>`;
  return html`${b.settlement.map(
    (s, i) =>
      html`${i ? html`<br>` : ''}<span class="${s.net < 0 ? 'bad' : 'ok'}">${formatAmount({ currency: s.currency, exponent: s.exponent, value: Math.abs(s.net) }, locale)}${s.net < 0 ? ' owed by the merchant' : ''}</span>`,
  )}`;
}

export function batchesPage(opts: PageOptions, filter: DashboardBatchFilter, batches: BatchRecord[]): string {
  const option = (value: string, label: string) =>
    html`<option value="${value}"${(filter.state ?? '') === value ? html` selected` : ''}>${label}</option>`;
  return layout(
    opts,
    'Batches',
    html`<h1>Batches and settlement</h1>
<p class="lede">Every capture, refund and reversal of either goes into its merchant’s open batch; a batch settles when its merchant closes it (BatchAdminReq). <a href="/">Back to the ledger</a></p>
<form class="filters" method="get" action="/batches" role="search" aria-label="Filter the batches">
<div><label for="b-state">State</label><select id="b-state" name="state">${option('', 'Any state')}${option('open', 'Open')}${option('settled', 'Settled')}</select></div>
<div><label for="b-merchant">Merchant ID</label><input id="b-merchant" name="merchant" value="${filter.merchantId ?? ''}" maxlength="64"></div>
<div><button type="submit">Filter</button></div>
</form>
<table aria-labelledby="batches-h">
<caption id="batches-h" class="vh">Batches, newest first</caption>
<thead><tr><th scope="col">Batch</th><th scope="col">Merchant</th><th scope="col">State</th><th scope="col">Opened</th>
<th scope="col">Settled</th><th scope="col" class="num">Items</th><th scope="col" class="num">Settlement (net)</th></tr></thead>
<tbody>${
      batches.length
        ? batches.map(
            (b) => html`<tr><td><a href="/batches/${String(b.batchId)}">Batch ${String(b.batchId)}</a></td>
<td>${b.merchantId}</td><td>${b.state}</td><td class="nowrap">${when(b.openedAt)} (${b.openedBy === 'gateway' ? 'by its first item' : 'by the merchant'})</td>
<td class="nowrap">${b.settledAt ? when(b.settledAt) : '—'}</td><td class="num">${String(b.itemCount)}</td>
<td class="num">${settlementCell(b, opts.tx.locale)}</td></tr>`,
          )
        : html`<tr><td colspan="7">No batches yet: the first capture or refund opens one.</td></tr>`
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
  const money = (a: { currency: string; exponent: number; value: number }) => formatAmount(a, opts.tx.locale);
  return layout(
    opts,
    `Batch ${batch.batchId}`,
    html`<h1>Batch ${String(batch.batchId)}</h1>
<p class="lede"><a href="/batches">All batches</a></p>
<dl>
<dt>Merchant</dt><dd>${batch.merchantId}</dd>
<dt>State</dt><dd>${batch.state}</dd>
<dt>Opened</dt><dd>${when(batch.openedAt)} (${batch.openedBy === 'gateway' ? 'by its first item' : 'by the merchant'})</dd>
<dt>Settled</dt><dd>${batch.settledAt ? when(batch.settledAt) : 'not yet: the merchant closes it'}</dd>
<dt>Settlement</dt><dd>${settlementCell(batch, opts.tx.locale)}</dd>
</dl>
<h2 id="summary">Summary</h2>
<table aria-labelledby="summary"><thead><tr><th scope="col">Kind</th><th scope="col">Currency</th><th scope="col" class="num">Count</th><th scope="col" class="num">Total</th></tr></thead>
<tbody>${
      summary.length
        ? summary.map(
            (t) =>
              html`<tr><td>${KIND_LABELS[t.kind]}</td><td>${t.currency}</td><td class="num">${String(t.count)}</td><td class="num">${money({ currency: t.currency, exponent: t.exponent, value: t.total })}</td></tr>`,
          )
        : html`<tr><td colspan="4">No items.</td></tr>`
    }</tbody></table>
${
  batch.settlement?.length
    ? html`<h2 id="settlement">Settlement</h2>
<table aria-labelledby="settlement"><thead><tr><th scope="col">Currency</th><th scope="col" class="num">Captured</th><th scope="col" class="num">Refunded</th><th scope="col" class="num">Net to the merchant</th></tr></thead>
<tbody>${batch.settlement.map(
        (s) =>
          html`<tr><td>${s.currency}</td><td class="num">${money({ ...s, value: s.captured })}</td><td class="num">${money({ ...s, value: s.credited })}</td><td class="num">${s.net < 0 ? '−' : ''}${money({ ...s, value: Math.abs(s.net) })}</td></tr>`,
      )}</tbody></table>`
    : ''
}
<h2 id="items">Items</h2>
<table aria-labelledby="items"><thead><tr><th scope="col" class="num">Seq</th><th scope="col">Date</th><th scope="col">XID</th><th scope="col">Order</th><th scope="col">Kind</th><th scope="col">By</th><th scope="col" class="num">Amount</th></tr></thead>
<tbody>${
      items.length
        ? items.map(
            (i) =>
              html`<tr><td class="num">${String(i.seq)}</td><td class="nowrap">${when(i.at)}</td><td><a href="/transactions/${i.xid}"><code title="${i.xid}">${i.xid.slice(0, 10)}…</code></a></td><td>${i.lidM ?? ''}</td><td>${KIND_LABELS[i.kind]}</td><td>${i.source}</td><td class="num">${money(i.amount)}</td></tr>`,
          )
        : html`<tr><td colspan="7">No items.</td></tr>`
    }</tbody></table>`,
  );
}
