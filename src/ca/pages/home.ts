/** GET /: what this site is, what it serves, and where to go next. */
import { html } from '../../web/html.ts';
import type { CaText } from '../text/index.ts';
import { layout } from './layout.ts';

export function homePage(p: { tx: CaText; issuerName: string; brandId: string }): string {
  const { tx } = p;
  return layout({
    tx,
    issuerName: p.issuerName,
    title: tx.t('homeTitle'),
    current: 'home',
    main: html`
<h1>${p.issuerName}</h1>
<p class="lede">${tx.t('homeLede', { brand: p.brandId })}</p>
<h2>${tx.t('homeStart')}</h2>
<ul>
<li>${tx.t('homeRegister', { link: html`<a href="/register">${tx.t('navRegister')}</a>` })}</li>
<li>${tx.t('homeTestCards', { link: html`<a href="/test-cards">${tx.t('navTestCards')}</a>` })}</li>
<li>${tx.t('homeCertificates', { link: html`<a href="/certificates">${tx.t('navCertificates')}</a>` })}</li>
</ul>
<h2>${tx.t('homeDevelopers')}</h2>
<div class="table-wrap"><table>
<caption>${tx.t('homeEndpoints')}</caption>
<thead><tr><th scope="col">${tx.t('homeEndpoint')}</th><th scope="col">${tx.t('homeServes')}</th></tr></thead>
<tbody>
<tr><td><code>POST /set/cca</code></td><td>${tx.t('homeCca')}</td></tr>
<tr><td><code>POST /set/mca</code></td><td>${tx.t('homeMca')}</td></tr>
<tr><td><code>POST /set/pca</code></td><td>${tx.t('homePca')}</td></tr>
<tr><td><a href="/crl/cca.crl"><code>GET /crl/cca.crl</code></a>, <a href="/crl/mca.crl"><code>mca.crl</code></a>, <a href="/crl/pca.crl"><code>pca.crl</code></a>, <a href="/crl/brand.crl"><code>brand.crl</code></a></td><td>${tx.t('homeCrl', { type: html`<code>application/pkix-crl</code>` })}</td></tr>
<tr><td><a href="/bci"><code>GET /bci</code></a></td><td>${tx.t('homeBci')}</td></tr>
<tr><td><a href="/pki/root.pem"><code>GET /pki/root.pem</code></a></td><td>${tx.t('homeRoot')}</td></tr>
<tr><td><code>POST /admin/revoke</code></td><td>${tx.t('homeRevoke', { header: html`<code>Authorization: Bearer</code>`, command: html`<code>setwallet sandbox revoke</code>` })}</td></tr>
</tbody>
</table></div>
<p>${tx.t('homeProtocol', { file: html`<code>docs/protocol.md</code>` })}</p>
`,
  });
}
