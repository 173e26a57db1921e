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
import type { Notice } from './certificates.ts';
import { layout } from './layout.ts';

function day(d: Date): SafeHtml {
  return html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 10)}</time>`;
}

const STATUS: Record<MerchantListing['status'], SafeHtml> = {
  active: html`<span class="status-active">Active</span>`,
  revoked: html`<span class="status-revoked">Revoked</span>`,
  expired: html`<span class="status-expired">Expired</span>`,
  pending: html`<span class="muted">No certificate</span>`,
};

export interface FreshBundle {
  merchantId: string;
  name: string;
  href: string;
  fileName: string;
}

function enrolForm(csrf: string): SafeHtml {
  return html`<h2 id="enrol">Enrol a shop</h2>
<p class="notice"><strong>Sandbox convenience: the keys are made on the server.</strong> This page
generates the shop's signature and key-exchange key pairs on the issuer's server and hands them to
you once, in the bundle. For anything but testing, run <code>setwallet merchant enrol</code> on the
shop's own machine instead, so its private keys never leave it.</p>
<form method="post" action="/merchants/enrol">
<input type="hidden" name="csrf" value="${csrf}">
<p><label for="m-name">Shop name</label><br>
<input id="m-name" name="name" required maxlength="128" autocomplete="organization"></p>
<p><label for="m-origins">Web origins, one per line (https, or http on localhost or 127.0.0.1)</label><br>
<textarea id="m-origins" name="origins" required rows="3" cols="48" placeholder="https://shop.example"></textarea></p>
<p><label for="m-city">City</label><br><input id="m-city" name="city" value="Sandbox" maxlength="64"></p>
<p><label for="m-country">Country (two letters)</label><br><input id="m-country" name="country" value="US" maxlength="2" size="3"></p>
<p><label for="m-category">Merchant category code</label><br><input id="m-category" name="category" value="5999" maxlength="4" size="5"></p>
<p><button type="submit" class="primary">Enrol</button></p>
</form>`;
}

function freshPanel(b: FreshBundle): SafeHtml {
  return html`<section class="notice" aria-labelledby="fresh">
<h2 id="fresh">${b.name} is enrolled as MerchantID <span class="mono">${b.merchantId}</span></h2>
<p><a href="${b.href}" download="${b.fileName}">Download the bundle (${b.fileName})</a>. It holds the
private keys: it can be downloaded for the next 15 minutes only, and the issuer keeps no copy.</p>
<p>The merchant SDK reads the file as it is:</p>
<pre><code>import { readMerchantBundle } from '@setwallet/merchant';
const { merchantId, keys, root } = readMerchantBundle('./${b.fileName}');</code></pre>
<p>It holds the same files <code>setwallet merchant enrol --out DIR</code> writes (merchant.json,
merchant-sig.key/.pem, merchant-kx.key/.pem, root.pem) under <code>files</code>. Keep it
readable by the shop's server only (<code>chmod 600</code>).</p>
</section>`;
}

function revokeForm(m: MerchantListing, csrf: string): SafeHtml {
  return html`<form method="post" action="/merchants/revoke">
<input type="hidden" name="merchantId" value="${m.merchantId}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" aria-label="Revoke merchant ${m.merchantId}">Revoke</button>
</form>`;
}

export function merchantsPage(p: {
  issuerName: string;
  merchants: MerchantListing[];
  now: Date;
  csrf?: string;
  notice?: Notice;
  fresh?: FreshBundle;
}): string {
  const admin = p.csrf !== undefined;
  const rows = p.merchants.map(
    (m) => html`<tr>
<td><span class="mono">${m.merchantId}</span></td>
<td>${m.name}<br><small class="muted">enrolled ${day(m.enrolledAt)}${m.renewals ? `, renewed ${m.renewals}×` : ''}</small></td>
<td>${m.origins.map((o) => html`<span class="mono">${o}</span><br>`)}</td>
<td>${m.certificates.map(
      (
        c,
      ) => html`<span class="mono">${c.serial}</span> ${c.keyRole === 'signature' ? 'signature' : 'key exchange'}${c.current ? ' (current)' : ''},
${day(c.notBefore)} to ${day(c.notAfter)}${c.revokedAt ? html`, <span class="status-revoked">revoked ${day(c.revokedAt)}</span>` : p.now > c.notAfter ? html`, <span class="status-expired">expired</span>` : ''}<br>`,
    )}</td>
<td>${STATUS[m.status]}</td>
${admin ? html`<td>${m.certificates.some((c) => !c.revokedAt) && p.csrf ? revokeForm(m, p.csrf) : html`<span class="muted">None</span>`}</td>` : ''}
</tr>`,
  );
  return layout({
    issuerName: p.issuerName,
    title: 'Merchants',
    current: 'merchants',
    main: html`
<h1>Merchants</h1>
<p class="lede">The shops this issuer's Merchant CA has enrolled. The MCA assigns each its
MerchantID; its signature certificate names the web origins a wallet will pay on.</p>
${p.notice ? html`<p class="notice${p.notice.kind === 'bad' ? ' bad' : ''}" role="status">${p.notice.text}</p>` : ''}
${p.fresh ? freshPanel(p.fresh) : ''}
${
  admin && p.csrf
    ? enrolForm(p.csrf)
    : html`<p>To enrol a shop from this page or revoke one, open the administrator link the sandbox
prints at start (<code>/certificates?token=…</code>); it signs you in to every page. Or enrol from
the shop's machine: <code>setwallet merchant enrol --origin https://shop.example --name "My Shop" --out set-merchant</code>.</p>`
}
<div class="table-wrap"><table>
<caption>${p.merchants.length} merchants</caption>
<thead><tr><th scope="col">MerchantID</th><th scope="col">Name</th><th scope="col">Origins</th><th scope="col">Certificates</th><th scope="col">Status</th>${admin ? html`<th scope="col">Action</th>` : ''}</tr></thead>
<tbody>
${rows}
</tbody>
</table></div>
`,
  });
}
