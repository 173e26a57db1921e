/**
 * The back office's Settlement page: the merchant's reconciliation report (settlement.ts), one
 * section per batch: its state and settlement, the totals the store's own records add up to, and
 * each item matched against the store's orders. The open batch has a form to close (settle) it.
 */
import { formatAmount } from '../../merchant/index.ts';
import { html, type SafeHtml } from '../../web/html.ts';
import type { ItemMatch, ReconciledBatch } from '../settlement.ts';

const KIND_WORDS = {
  capture: 'Capture',
  captureReversal: 'Capture reversed',
  credit: 'Refund',
  creditReversal: 'Refund reversed',
} as const;

const MATCH_WORDS: Record<ItemMatch, string> = {
  matched: 'Matches our records',
  operator: 'Done by the gateway’s operator (notified)',
  notRecorded: 'Not in our records',
  unknownOrder: 'No such order here',
};

const signed = (a: { currency: string; exponent: number }, net: number) =>
  `${net < 0 ? '−' : ''}${formatAmount({ ...a, value: Math.abs(net) })}`;

export function settlementPage(
  report: ReconciledBatch[],
  csrf: string,
  flash?: { ok: boolean; text: string },
): SafeHtml {
  return html`<h1>Settlement</h1>
<p>Every capture and refund goes into the open batch at the payment gateway; closing a batch settles it. Each item is matched against this store’s own orders and records. <a href="/back-office">Back to the orders</a></p>
${flash ? html`<p class="notice ${flash.ok ? 'ok' : 'bad'}" role="status">${flash.text}</p>` : ''}
${report.length ? report.map((r) => batchSection(r, csrf)) : html`<p>No batches yet: the first capture opens one.</p>`}`;
}

function batchSection(r: ReconciledBatch, csrf: string): SafeHtml {
  const b = r.batch;
  const id = String(b.batchId);
  return html`<section aria-labelledby="batch-${id}">
<h2 id="batch-${id}">Batch ${id}: ${b.state === 'open' ? 'open' : `settled ${b.settledAt?.slice(0, 19).replace('T', ' ')} UTC`}</h2>
<p class="notice ${r.agrees ? 'ok' : 'bad'}">${r.agrees ? 'Reconciled: every item matches our records and the totals agree.' : 'Does not reconcile: see the items below.'}</p>
<table>
<caption>Totals per currency</caption>
<thead><tr><th scope="col">Currency</th><th scope="col" class="num">Gateway ${b.state === 'settled' ? 'settlement' : 'so far'}</th><th scope="col" class="num">Our records</th></tr></thead>
<tbody>${totalsRows(r)}</tbody>
</table>
<table>
<caption>${String(r.items.length)} item${r.items.length === 1 ? '' : 's'}, in the gateway’s order</caption>
<thead><tr><th scope="col" class="num">#</th><th scope="col">Order</th><th scope="col">Kind</th><th scope="col" class="num">Amount</th><th scope="col">Reconciliation</th></tr></thead>
<tbody>${r.items.map(
    ({ item, order, match }) => html`<tr>
<td class="num">${String(item.seq)}</td>
<td>${order ? html`<a href="/orders/${order.id}">${order.id}</a>` : (item.lidM ?? '')}</td>
<td>${KIND_WORDS[item.kind]}</td>
<td class="num">${formatAmount(item.amount)}</td>
<td class="state ${match === 'matched' || match === 'operator' ? 'ok' : 'bad'}">${MATCH_WORDS[match]}</td>
</tr>`,
  )}</tbody>
</table>
${
  b.state === 'open'
    ? html`<form class="inline" method="post" action="/back-office/settlement/close">
<input type="hidden" name="csrf" value="${csrf}"><input type="hidden" name="batch" value="${id}">
<button type="submit">Close and settle batch ${id}</button>
</form>`
    : ''
}
</section>`;
}

function totalsRows(r: ReconciledBatch): SafeHtml[] {
  const keys = new Map<string, { currency: string; exponent: number }>();
  for (const t of r.summary) keys.set(`${t.currency}/${t.exponent}`, t);
  for (const e of r.expected) keys.set(`${e.currency}/${e.exponent}`, e);
  return [...keys.entries()].map(([key, c]) => {
    const gateway = r.summary
      .filter((t) => `${t.currency}/${t.exponent}` === key)
      .reduce((n, t) => n + (t.kind === 'capture' || t.kind === 'creditReversal' ? t.total : -t.total), 0);
    const ours = r.expected.find((e) => `${e.currency}/${e.exponent}` === key)?.net ?? 0;
    return html`<tr><td>${c.currency}</td><td class="num">${signed(c, gateway)}</td><td class="num">${signed(c, ours)}</td></tr>`;
  });
}
