/**
 * GET /certificates: what this issuer's CAs have issued (type, subject, serial, validity, status).
 * Shown to anyone, as a CA repository would; a cardholder certificate is named by the prefix of
 * its unique cardholder ID only. With the admin session (see admin.ts) each live certificate has
 * a Revoke button, and cardholder rows show the card's last four digits.
 */
import type { SafeHtml } from '../../web/html.ts';
import { html } from '../../web/html.ts';
import type { CertificateRecord, IssuingCa } from '../store/certificates.ts';
import { layout } from './layout.ts';

const ISSUER_LABEL: Record<IssuingCa, string> = {
  brand: 'Brand CA',
  cca: 'Cardholder CA',
  mca: 'Merchant CA',
  pca: 'Payment Gateway CA',
};

const TYPE_LABEL: Record<string, string> = {
  cardholder: 'Cardholder',
  merchant: 'Merchant',
  gateway: 'Payment gateway',
  'cardholder-ca': 'Cardholder CA',
  'merchant-ca': 'Merchant CA',
  'gateway-ca': 'Payment Gateway CA',
};

export type Notice = { kind: 'ok' | 'bad'; text: string };

function day(d: Date): SafeHtml {
  return html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 10)}</time>`;
}

function typeOf(c: CertificateRecord): string {
  const role = c.keyRole === 'signature' ? 'signature' : 'key exchange';
  return `${TYPE_LABEL[c.certificateType] ?? c.certificateType} (${role})`;
}

function subjectOf(c: CertificateRecord, admin: boolean): SafeHtml {
  if (c.certificateType === 'cardholder') {
    const card = admin && c.cardLast4 ? html`<br>card ending ${c.cardLast4}` : '';
    return html`Unique ID <span class="mono">${c.commonName.slice(0, 12)}…</span>${card}`;
  }
  return html`${c.commonName}`;
}

function statusOf(c: CertificateRecord, now: Date): SafeHtml {
  if (c.revokedAt) return html`<span class="status-revoked">Revoked ${day(c.revokedAt)}</span>`;
  if (now > c.notAfter) return html`<span class="status-expired">Expired</span>`;
  return html`<span class="status-active">Active</span>`;
}

function revokeForm(c: CertificateRecord, csrf: string): SafeHtml {
  return html`<form method="post" action="/certificates/revoke">
<input type="hidden" name="serial" value="${c.serial}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" aria-label="Revoke certificate ${c.serial}">Revoke</button>
</form>`;
}

export function certificatesPage(p: {
  issuerName: string;
  certificates: CertificateRecord[];
  total: number;
  now: Date;
  /** Present with the admin session: the form token for Revoke buttons. */
  csrf?: string;
  notice?: Notice;
}): string {
  const admin = p.csrf !== undefined;
  const rows = p.certificates.map((c) => {
    const action =
      p.csrf !== undefined && !c.revokedAt
        ? revokeForm(c, p.csrf)
        : c.revokedAt
          ? html`<span class="muted">None</span>`
          : '';
    return html`<tr>
<td>${typeOf(c)}<br><small>${ISSUER_LABEL[c.issuer]}</small></td>
<td>${subjectOf(c, admin)}</td>
<td><span class="mono">${c.serial}</span></td>
<td>${day(c.notBefore)} to ${day(c.notAfter)}</td>
<td>${statusOf(c, p.now)}</td>
${admin ? html`<td>${action}</td>` : ''}
</tr>`;
  });
  return layout({
    issuerName: p.issuerName,
    title: 'Certificates',
    current: 'certificates',
    main: html`
<h1>Certificates</h1>
<p class="lede">Every certificate this issuer's authorities have issued. A revoked certificate goes
on its CA's next CRL at once, and the payment gateway refuses it from its next check.</p>
${p.notice ? html`<p class="notice${p.notice.kind === 'bad' ? ' bad' : ''}" role="status">${p.notice.text}</p>` : ''}
${
  admin
    ? html`<p>You are signed in as the sandbox administrator: live certificates can be revoked.</p>`
    : html`<p>To revoke, open the administrator link the sandbox prints at start
(<code>/certificates?token=…</code>), or run <code>setwallet sandbox revoke SERIAL</code>.</p>`
}
<div class="table-wrap"><table>
<caption>${p.total > p.certificates.length ? `The latest ${p.certificates.length} of ${p.total} certificates` : `${p.total} certificates`}</caption>
<thead><tr><th scope="col">Type</th><th scope="col">Subject</th><th scope="col">Serial</th><th scope="col">Valid</th><th scope="col">Status</th>${admin ? html`<th scope="col">Action</th>` : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
`,
  });
}
