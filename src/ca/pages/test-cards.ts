/**
 * GET /test-cards: the sandbox's card numbers and what the issuer simulator does with each, in the
 * manner of a payment provider's test mode. Numbers are shown in groups of four for reading, but
 * copy as bare digits: the groups are spans spaced by CSS, not spaces.
 */

import { html } from '../../web/html.ts';
import type { TestCard, TestCardBehaviour } from '../deps.ts';
import type { CaKey, CaText } from '../text/index.ts';
import { layout } from './layout.ts';

export const BEHAVIOUR_TEXT: Record<TestCardBehaviour, { result: CaKey; meaning: CaKey }> = {
  approve: { result: 'cardApprove', meaning: 'cardApproveMeaning' },
  doNotHonour: { result: 'cardDoNotHonour', meaning: 'cardDoNotHonourMeaning' },
  insufficientFunds: { result: 'cardInsufficientFunds', meaning: 'cardInsufficientFundsMeaning' },
  expiredCard: { result: 'cardExpiredCard', meaning: 'cardExpiredCardMeaning' },
  stolenCard: { result: 'cardStolenCard', meaning: 'cardStolenCardMeaning' },
  issuerUnavailable: { result: 'cardIssuerUnavailable', meaning: 'cardIssuerUnavailableMeaning' },
};

function panGroups(pan: string) {
  const groups = pan.match(/.{1,4}/g) ?? [];
  return html`<code class="pan">${groups.map((g) => html`<span>${g}</span>`)}</code>`;
}

export function testCardsPage(p: {
  tx: CaText;
  issuerName: string;
  brandId: string;
  cards: TestCard[];
  /** Numbers whose registration the CCA leaves pending until the wallet asks again. */
  pendingCards?: string[];
  now: Date;
}): string {
  const { tx } = p;
  const year = p.now.getUTCFullYear() + 3;
  return layout({
    tx,
    issuerName: p.issuerName,
    title: tx.t('testCardsTitle'),
    current: 'test-cards',
    main: html`
<h1>${tx.t('testCardsTitle')}</h1>
<p class="lede">${tx.t('testCardsLede', { brand: p.brandId })}</p>
<p>${tx.t('testCardsExpiry', { example: html`<code>12/${year}</code>` })}
${tx.t('testCardsName')}</p>
<div class="table-wrap"><table>
<caption>${tx.t('testCardsCaption')}</caption>
<thead><tr><th scope="col">${tx.t('testCardsNumber')}</th><th scope="col">${tx.t('testCardsLabel')}</th><th scope="col">${tx.t('testCardsResult')}</th><th scope="col">${tx.t('testCardsMeaning')}</th></tr></thead>
<tbody>
${p.cards.map((c) => {
  const text = BEHAVIOUR_TEXT[c.behaviour];
  return html`<tr><td>${panGroups(c.pan)}</td><td>${c.label}</td><td>${tx.t(text.result)}</td><td>${tx.t(text.meaning)}</td></tr>`;
})}
</tbody>
</table></div>
<p>${tx.t('testCardsOthers')}</p>
${(p.pendingCards ?? []).map((pan) => html`<p>${tx.t('testCardsPending', { pan: panGroups(pan) })}</p>`)}
`,
  });
}
