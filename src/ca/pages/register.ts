/**
 * GET /register: declares a SET registration initiation (SET-PROFILE §5), the SET/2 form of SET
 * 1.0's application/set-registration-initiation, naming the CCA's endpoint on this origin. The
 * wallet's content script reads it without running page code and opens its own window to take the
 * card number: this page never has a card field, so the number never touches the issuer's page.
 */
import { registrationInitiationHtml } from '../../protocol/index.ts';
import { html, trusted } from '../../web/html.ts';
import { layout } from './layout.ts';

export function registerPage(p: { issuerName: string; brandId: string; ccaEndpoint: string }): string {
  const initiation = registrationInitiationHtml({
    brand: p.brandId,
    endpoint: p.ccaEndpoint,
    issuerName: p.issuerName,
  });
  return layout({
    issuerName: p.issuerName,
    title: 'Register a card',
    current: 'register',
    head: trusted(initiation),
    main: html`
<h1>Register a card in the SET Wallet</h1>
<p class="lede">This page asks the SET Wallet to register a ${p.brandId} card with ${p.issuerName}.</p>
<h2>What happens</h2>
<ol>
<li>With the SET Wallet extension installed, the wallet notices this page and offers to register a card.</li>
<li>The wallet opens <strong>its own window</strong> to take the card number and expiry date. This page
never asks for them: the number goes, encrypted, only to the issuer's Cardholder CA.</li>
<li>The wallet shows this issuer's form (name on card, billing postcode), then makes a new key and
receives a certificate that names the card by a one-way identifier, never by its number.</li>
</ol>
<p>Need a card number? Take one from the <a href="/test-cards">test cards</a> page, with any expiry
date in the future.</p>
<h2>Nothing happened?</h2>
<ul>
<li>Check that the SET Wallet extension is installed and enabled, then reload this page.</li>
<li>Check that the wallet trusts this sandbox's root certificate (<a href="/pki/root.pem">root.pem</a>).</li>
</ul>
`,
  });
}
