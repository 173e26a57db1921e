/**
 * GET /test-cards: the sandbox's card numbers and what the issuer simulator does with each, in the
 * manner of a payment provider's test mode. Numbers are shown in groups of four for reading, but
 * copy as bare digits: the groups are spans spaced by CSS, not spaces.
 */

import { html } from '../../web/html.ts';
import type { TestCard, TestCardBehaviour } from '../deps.ts';
import { layout } from './layout.ts';

export const BEHAVIOUR_TEXT: Record<TestCardBehaviour, { result: string; meaning: string }> = {
  approve: {
    result: 'Approved',
    meaning:
      'The issuer approves: the gateway returns an authorization code, and the payment can be captured and refunded.',
  },
  doNotHonour: {
    result: 'Declined: do not honour',
    meaning: 'The issuer declines without saying why, the most common decline.',
  },
  insufficientFunds: {
    result: 'Declined: insufficient funds',
    meaning: 'The issuer declines because the account cannot cover the amount.',
  },
  expiredCard: {
    result: 'Declined: expired card',
    meaning: 'The issuer declines as if the card had expired, whatever expiry date you enter.',
  },
  stolenCard: {
    result: 'Declined: reported stolen',
    meaning: 'The issuer declines because the card was reported stolen.',
  },
  issuerUnavailable: {
    result: 'Issuer unavailable',
    meaning:
      'The issuer does not answer: the gateway waits for its timeout, then declines (issuer unavailable).',
  },
};

function panGroups(pan: string) {
  const groups = pan.match(/.{1,4}/g) ?? [];
  return html`<code class="pan">${groups.map((g) => html`<span>${g}</span>`)}</code>`;
}

export function testCardsPage(p: {
  issuerName: string;
  brandId: string;
  cards: TestCard[];
  /** Numbers whose registration the CCA leaves pending until the wallet asks again. */
  pendingCards?: string[];
  now: Date;
}): string {
  const year = p.now.getUTCFullYear() + 3;
  return layout({
    issuerName: p.issuerName,
    title: 'Test cards',
    current: 'test-cards',
    main: html`
<h1>Test cards</h1>
<p class="lede">Register any of these ${p.brandId} numbers in the SET Wallet, then pay with it at the
demo store. Each number makes the issuer answer in its own way.</p>
<p><strong>Expiry:</strong> any date in the future, for example <code>12/${year}</code>.
<strong>Name and postcode:</strong> anything. SET needs no security code.</p>
<div class="table-wrap"><table>
<caption>Card numbers and what they do</caption>
<thead><tr><th scope="col">Card number</th><th scope="col">Name</th><th scope="col">Result</th><th scope="col">What happens</th></tr></thead>
<tbody>
${p.cards.map((c) => {
  const text = BEHAVIOUR_TEXT[c.behaviour];
  return html`<tr><td>${panGroups(c.pan)}</td><td>${c.label}</td><td>${text.result}</td><td>${text.meaning}</td></tr>`;
})}
</tbody>
</table></div>
<p>Other numbers that pass the Luhn check can be registered too; numbers that fail it are refused.</p>
${(p.pendingCards ?? []).map(
  (
    pan,
  ) => html`<p>Registering ${panGroups(pan)} stays <strong>pending</strong>: the issuer reviews it, and the
wallet gets the certificate when it asks again (certificate inquiry). It is for registration only: the
issuer simulator declines payments with it (invalid card).</p>`,
)}
`,
  });
}
