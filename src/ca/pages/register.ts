/**
 * GET /register: declares a SET registration initiation (SET-PROFILE §5), the SET/2 form of SET
 * 1.0's application/set-registration-initiation, naming the CCA's endpoint on this origin. The
 * wallet's content script reads it without running page code and opens its own window to take the
 * card number: this page never has a card field, so the number never touches the issuer's page.
 */
import { registrationInitiationHtml } from '../../protocol/index.ts';
import { html, trusted } from '../../web/html.ts';
import type { CaText } from '../text/index.ts';
import { layout } from './layout.ts';

export function registerPage(p: {
  tx: CaText;
  issuerName: string;
  brandId: string;
  ccaEndpoint: string;
}): string {
  const { tx } = p;
  const initiation = registrationInitiationHtml({
    brand: p.brandId,
    endpoint: p.ccaEndpoint,
    issuerName: p.issuerName,
  });
  return layout({
    tx,
    issuerName: p.issuerName,
    title: tx.t('registerTitle'),
    current: 'register',
    head: trusted(initiation),
    main: html`
<h1>${tx.t('registerHeading')}</h1>
<p class="lede">${tx.t('registerLede', { brand: p.brandId, issuer: p.issuerName })}</p>
<h2>${tx.t('registerWhat')}</h2>
<ol>
<li>${tx.t('registerStep1')}</li>
<li>${tx.t('registerStep2')}</li>
<li>${tx.t('registerStep3')}</li>
</ol>
<p>${tx.t('registerNeedCard', { link: html`<a href="/test-cards">${tx.t('registerTestCardsLink')}</a>` })}</p>
<h2>${tx.t('registerNothing')}</h2>
<ul>
<li>${tx.t('registerCheckInstalled')}</li>
<li>${tx.t('registerCheckRoot', { link: html`<a href="/pki/root.pem">root.pem</a>` })}</li>
</ul>
`,
  });
}
