/** GET /: what this site is, what it serves, and where to go next. */
import { html } from '../../web/html.ts';
import { layout } from './layout.ts';

export function homePage(p: { issuerName: string; brandId: string }): string {
  return layout({
    issuerName: p.issuerName,
    title: 'Issuer',
    current: 'home',
    main: html`
<h1>${p.issuerName}</h1>
<p class="lede">The card issuer of the SET/2 sandbox for the ${p.brandId} brand. It runs the brand's
certificate authorities: the Cardholder CA that registers cards in the SET Wallet, the Merchant CA
and the Payment Gateway CA.</p>
<h2>Start here</h2>
<ul>
<li><a href="/register">Register a card</a> in the SET Wallet, to pay with it at the demo store.</li>
<li><a href="/test-cards">Test cards</a>: numbers that approve, decline, run out of funds, are expired or stolen, or time out.</li>
<li><a href="/certificates">Certificates</a> this issuer's authorities have issued, and revocation.</li>
</ul>
<h2>For developers</h2>
<div class="table-wrap"><table>
<caption>Endpoints of this site</caption>
<thead><tr><th scope="col">Endpoint</th><th scope="col">What it serves</th></tr></thead>
<tbody>
<tr><td><code>POST /set/cca</code></td><td>Cardholder CA: CardCInitReq, RegFormReq, CertReq</td></tr>
<tr><td><code>POST /set/mca</code></td><td>Merchant CA: Me-AqCInitReq, CertReq (merchants)</td></tr>
<tr><td><code>POST /set/pca</code></td><td>Payment Gateway CA: Me-AqCInitReq, CertReq (gateways)</td></tr>
<tr><td><a href="/crl/cca.crl"><code>GET /crl/cca.crl</code></a>, <a href="/crl/mca.crl"><code>mca.crl</code></a>, <a href="/crl/pca.crl"><code>pca.crl</code></a>, <a href="/crl/brand.crl"><code>brand.crl</code></a></td><td>Each CA's current CRL (DER, <code>application/pkix-crl</code>)</td></tr>
<tr><td><a href="/bci"><code>GET /bci</code></a></td><td>The BrandCRLIdentifier, signed by the brand CA, listing the CRLs in force</td></tr>
<tr><td><a href="/pki/root.pem"><code>GET /pki/root.pem</code></a></td><td>The sandbox root certificate, for the wallet's trusted roots</td></tr>
<tr><td><code>POST /admin/revoke</code></td><td>Revokes a certificate by serial: <code>Authorization: Bearer</code> the sandbox admin token (<code>setwallet sandbox revoke</code> calls it)</td></tr>
</tbody>
</table></div>
<p>Every SET/2 message is described in <code>docs/protocol.md</code>.</p>
`,
  });
}
