/**
 * GET /certificates: what this issuer's CAs have issued (type, subject, serial, validity, status).
 * Shown to anyone, as a CA repository would; a cardholder certificate is named by the prefix of
 * its unique cardholder ID only. With the admin session (see admin.ts) each live certificate has
 * a Revoke button, and cardholder rows show the card's last four digits.
 */
import type { SafeHtml } from '../../web/html.ts';
import { html } from '../../web/html.ts';
import type { CertificateRecord, IssuingCa } from '../store/certificates.ts';
import type { CaKey, CaText } from '../text/index.ts';
import { layout } from './layout.ts';

const ISSUER_LABEL: Record<IssuingCa, CaKey> = {
  brand: 'issuerBrand',
  cca: 'issuerCca',
  mca: 'issuerMca',
  pca: 'issuerPca',
};

const TYPE_LABEL: Record<string, CaKey> = {
  cardholder: 'typeCardholder',
  merchant: 'typeMerchant',
  gateway: 'typeGateway',
  'cardholder-ca': 'typeCardholderCa',
  'merchant-ca': 'typeMerchantCa',
  'gateway-ca': 'typeGatewayCa',
};

/** A notice at the top of a page, already in the page's language. */
export type Notice = { kind: 'ok' | 'bad'; text: SafeHtml };

export function noticeBlock(notice: Notice | undefined): SafeHtml | '' {
  return notice
    ? html`<p class="notice${notice.kind === 'bad' ? ' bad' : ''}" role="status">${notice.text}</p>`
    : '';
}

function typeOf(tx: CaText, c: CertificateRecord): SafeHtml {
  const label = TYPE_LABEL[c.certificateType];
  return tx.t('typeWithRole', {
    type: label ? tx.t(label) : c.certificateType,
    role: tx.t(c.keyRole === 'signature' ? 'roleSignature' : 'roleKeyExchange'),
  });
}

function subjectOf(tx: CaText, c: CertificateRecord, admin: boolean): SafeHtml {
  if (c.certificateType === 'cardholder') {
    const card = admin && c.cardLast4 ? html`<br>${tx.t('subjectCard', { last4: c.cardLast4 })}` : '';
    return html`${tx.t('subjectUniqueId', { id: html`<span class="mono">${c.commonName.slice(0, 12)}…</span>` })}${card}`;
  }
  return html`${c.commonName}`;
}

function statusOf(tx: CaText, c: CertificateRecord, now: Date): SafeHtml {
  if (c.revokedAt)
    return html`<span class="status-revoked">${tx.t('statusRevokedOn', { date: tx.date(c.revokedAt) })}</span>`;
  if (now > c.notAfter) return html`<span class="status-expired">${tx.t('statusExpired')}</span>`;
  return html`<span class="status-active">${tx.t('statusActive')}</span>`;
}

function revokeForm(tx: CaText, c: CertificateRecord, csrf: string): SafeHtml {
  return html`<form method="post" action="/certificates/revoke">
<input type="hidden" name="serial" value="${c.serial}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" aria-label="${tx.t('revokeCertificateLabel', { serial: c.serial })}">${tx.t('revoke')}</button>
</form>`;
}

export function certificatesPage(p: {
  tx: CaText;
  issuerName: string;
  certificates: CertificateRecord[];
  total: number;
  now: Date;
  /** Present with the admin session: the form token for Revoke buttons. */
  csrf?: string;
  notice?: Notice;
}): string {
  const { tx } = p;
  const admin = p.csrf !== undefined;
  const rows = p.certificates.map((c) => {
    const action =
      p.csrf !== undefined && !c.revokedAt
        ? revokeForm(tx, c, p.csrf)
        : c.revokedAt
          ? html`<span class="muted">${tx.t('actionNone')}</span>`
          : '';
    return html`<tr>
<td>${typeOf(tx, c)}<br><small>${tx.t(ISSUER_LABEL[c.issuer])}</small></td>
<td>${subjectOf(tx, c, admin)}</td>
<td><span class="mono">${c.serial}</span></td>
<td>${tx.t('validRange', { from: tx.date(c.notBefore), to: tx.date(c.notAfter) })}</td>
<td>${statusOf(tx, c, p.now)}</td>
${admin ? html`<td>${action}</td>` : ''}
</tr>`;
  });
  return layout({
    tx,
    issuerName: p.issuerName,
    title: tx.t('certificatesTitle'),
    current: 'certificates',
    main: html`
<h1>${tx.t('certificatesTitle')}</h1>
<p class="lede">${tx.t('certificatesLede')}</p>
${noticeBlock(p.notice)}
${
  admin
    ? html`<p>${tx.t('certificatesAdmin')}</p>`
    : html`<p>${tx.t('certificatesHowToRevoke', {
        link: html`<code>/certificates?token=…</code>`,
        command: html`<code>setwallet sandbox revoke SERIAL</code>`,
      })}</p>`
}
<div class="table-wrap"><table>
<caption>${
      p.total > p.certificates.length
        ? tx.t('certificatesCaptionSome', {
            shown: tx.number(p.certificates.length),
            total: tx.number(p.total),
          })
        : tx.t('certificatesCaptionAll', { total: tx.number(p.total) })
    }</caption>
<thead><tr><th scope="col">${tx.t('colType')}</th><th scope="col">${tx.t('colSubject')}</th><th scope="col">${tx.t('colSerial')}</th><th scope="col">${tx.t('colValid')}</th><th scope="col">${tx.t('colStatus')}</th>${admin ? html`<th scope="col">${tx.t('colAction')}</th>` : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
`,
  });
}
