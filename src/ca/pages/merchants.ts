/**
 * GET /merchants: the Merchant CA's enrolments (MerchantID, name, origins, every certificate of
 * the merchant's key lineage with its serial, validity and status). With the admin session, a
 * form enrols a shop from the browser (sandbox convenience: the keys are made on the server) and
 * each live merchant has a Revoke button; right after an enrolment, its bundle can be downloaded
 * once.
 */
import type { SafeHtml } from '../../web/html.ts';
import { html } from '../../web/html.ts';
import type { MerchantListing } from '../store/merchant-list.ts';
import type { CaKey, CaText } from '../text/index.ts';
import { type Notice, noticeBlock } from './certificates.ts';
import { layout } from './layout.ts';

const STATUS: Record<MerchantListing['status'], { cls: string; key: CaKey }> = {
  active: { cls: 'status-active', key: 'statusActive' },
  revoked: { cls: 'status-revoked', key: 'statusRevoked' },
  expired: { cls: 'status-expired', key: 'statusExpired' },
  pending: { cls: 'muted', key: 'statusNoCertificate' },
};

export interface FreshBundle {
  merchantId: string;
  name: string;
  href: string;
  fileName: string;
}

function enrolForm(tx: CaText, csrf: string): SafeHtml {
  return html`<h2 id="enrol">${tx.t('enrolHeading')}</h2>
<p class="notice"><strong>${tx.t('enrolWarningTitle')}</strong> ${tx.t('enrolWarning', { command: html`<code>setwallet merchant enrol</code>` })}</p>
<form method="post" action="/merchants/enrol">
<input type="hidden" name="csrf" value="${csrf}">
<p><label for="m-name">${tx.t('enrolName')}</label><br>
<input id="m-name" name="name" required maxlength="128" autocomplete="organization"></p>
<p><label for="m-origins">${tx.t('enrolOrigins')}</label><br>
<textarea id="m-origins" name="origins" required rows="3" cols="48" placeholder="https://shop.example"></textarea></p>
<p><label for="m-city">${tx.t('enrolCity')}</label><br><input id="m-city" name="city" value="Sandbox" maxlength="64"></p>
<p><label for="m-country">${tx.t('enrolCountry')}</label><br><input id="m-country" name="country" value="US" maxlength="2" size="3"></p>
<p><label for="m-category">${tx.t('enrolCategory')}</label><br><input id="m-category" name="category" value="5999" maxlength="4" size="5"></p>
<p><button type="submit" class="primary">${tx.t('enrolSubmit')}</button></p>
</form>`;
}

function freshPanel(tx: CaText, b: FreshBundle): SafeHtml {
  return html`<section class="notice" aria-labelledby="fresh">
<h2 id="fresh">${tx.t('freshHeading', { name: b.name, id: html`<span class="mono">${b.merchantId}</span>` })}</h2>
<p>${tx.t('freshKeys', { link: html`<a href="${b.href}" download="${b.fileName}">${tx.t('freshDownload', { file: b.fileName })}</a>` })}</p>
<p>${tx.t('freshSdk')}</p>
<pre><code>import { readMerchantBundle } from '@setwallet/merchant';
const { merchantId, keys, root } = readMerchantBundle('./${b.fileName}');</code></pre>
<p>${tx.t('freshFiles', {
    command: html`<code>setwallet merchant enrol --out DIR</code>`,
    files: html`<code>files</code>`,
    chmod: html`<code>chmod 600</code>`,
  })}</p>
</section>`;
}

function revokeForm(tx: CaText, m: MerchantListing, csrf: string): SafeHtml {
  return html`<form method="post" action="/merchants/revoke">
<input type="hidden" name="merchantId" value="${m.merchantId}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" aria-label="${tx.t('revokeMerchantLabel', { id: m.merchantId })}">${tx.t('revoke')}</button>
</form>`;
}

function certificateLine(tx: CaText, c: MerchantListing['certificates'][number], now: Date): SafeHtml {
  const role = tx.t(c.keyRole === 'signature' ? 'roleSignature' : 'roleKeyExchange');
  const state = c.revokedAt
    ? html`, <span class="status-revoked">${tx.t('merchantCertRevoked', { date: tx.date(c.revokedAt) })}</span>`
    : now > c.notAfter
      ? html`, <span class="status-expired">${tx.t('merchantCertExpired')}</span>`
      : '';
  return html`${tx.t('merchantCertificate', { serial: html`<span class="mono">${c.serial}</span>`, role })}${c.current ? html` ${tx.t('merchantCurrent')}` : ''},
${tx.t('validRange', { from: tx.date(c.notBefore), to: tx.date(c.notAfter) })}${state}<br>`;
}

export function merchantsPage(p: {
  tx: CaText;
  issuerName: string;
  merchants: MerchantListing[];
  now: Date;
  csrf?: string;
  notice?: Notice;
  fresh?: FreshBundle;
}): string {
  const { tx } = p;
  const admin = p.csrf !== undefined;
  const rows = p.merchants.map((m) => {
    const status = STATUS[m.status];
    return html`<tr>
<td><span class="mono">${m.merchantId}</span></td>
<td>${m.name}<br><small class="muted">${
      m.renewals
        ? tx.t('merchantRenewed', { date: tx.date(m.enrolledAt), count: tx.number(m.renewals) })
        : tx.t('merchantEnrolled', { date: tx.date(m.enrolledAt) })
    }</small></td>
<td>${m.origins.map((o) => html`<span class="mono">${o}</span><br>`)}</td>
<td>${m.certificates.map((c) => certificateLine(tx, c, p.now))}</td>
<td><span class="${status.cls}">${tx.t(status.key)}</span></td>
${admin ? html`<td>${m.certificates.some((c) => !c.revokedAt) && p.csrf ? revokeForm(tx, m, p.csrf) : html`<span class="muted">${tx.t('actionNone')}</span>`}</td>` : ''}
</tr>`;
  });
  return layout({
    tx,
    issuerName: p.issuerName,
    title: tx.t('merchantsTitle'),
    current: 'merchants',
    main: html`
<h1>${tx.t('merchantsTitle')}</h1>
<p class="lede">${tx.t('merchantsLede')}</p>
${noticeBlock(p.notice)}
${p.fresh ? freshPanel(tx, p.fresh) : ''}
${
  admin && p.csrf
    ? enrolForm(tx, p.csrf)
    : html`<p>${tx.t('merchantsHowTo', {
        link: html`<code>/certificates?token=…</code>`,
        command: html`<code>setwallet merchant enrol --origin https://shop.example --name "My Shop" --out set-merchant</code>`,
      })}</p>`
}
<div class="table-wrap"><table>
<caption>${tx.t('merchantsCaption', { count: tx.number(p.merchants.length) })}</caption>
<thead><tr><th scope="col">${tx.t('colMerchantId')}</th><th scope="col">${tx.t('colName')}</th><th scope="col">${tx.t('colOrigins')}</th><th scope="col">${tx.t('colCertificates')}</th><th scope="col">${tx.t('colStatus')}</th>${admin ? html`<th scope="col">${tx.t('colAction')}</th>` : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
`,
  });
}
