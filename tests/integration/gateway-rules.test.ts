// The gateway's pure parts: the issuer simulator and its test cards, the follow-up arithmetic,
// amounts typed by a person (src/protocol/amount.ts), and the HTML escaper.

import { describe, expect, it } from 'vitest';
import {
  type Balances,
  cardExpired,
  createIssuerSimulator,
  DEFAULT_TEST_CARDS,
  decideFollowUp,
  type FollowUpKind,
  stateOf,
} from '../../src/gateway/index.ts';
import { amountDecimal, formatAmount, parseAmount } from '../../src/protocol/amount.ts';
import { isLuhnValid } from '../../src/protocol/pan.ts';
import { html } from '../../src/web/html.ts';

const EUR = (value: number) => ({ currency: 'EUR', value, exponent: 2 });
const parseDecimalValue = (text: string, exponent: number) =>
  parseAmount(text, { currency: 'EUR', exponent })?.value;
const NOW = new Date('2026-06-15T12:00:00.000Z');

describe('issuer simulator', () => {
  it('lists Luhn-valid test cards, one per behaviour at least, no number twice', () => {
    for (const card of DEFAULT_TEST_CARDS) expect(isLuhnValid(card.pan), card.pan).toBe(true);
    expect(new Set(DEFAULT_TEST_CARDS.map((c) => c.pan)).size).toBe(DEFAULT_TEST_CARDS.length);
    expect(new Set(DEFAULT_TEST_CARDS.map((c) => c.behaviour))).toEqual(
      new Set([
        'approve',
        'doNotHonour',
        'insufficientFunds',
        'expiredCard',
        'stolenCard',
        'issuerUnavailable',
      ]),
    );
  });

  it('checks Luhn digits', () => {
    expect(isLuhnValid('79927398713')).toBe(false); // too short for a PAN, though Luhn-valid
    expect(isLuhnValid('4111111111111111')).toBe(true);
    expect(isLuhnValid('4111111111111112')).toBe(false);
    expect(isLuhnValid('5555555555554444')).toBe(true);
    expect(isLuhnValid('4111 1111 1111 1111')).toBe(false);
    expect(isLuhnValid('')).toBe(false);
  });

  it('treats a card as valid through the last day of its expiry month', () => {
    expect(cardExpired('202606', new Date('2026-06-30T23:59:59.999Z'))).toBe(false);
    expect(cardExpired('202606', new Date('2026-07-01T00:00:00.000Z'))).toBe(true);
    expect(cardExpired('202612', new Date('2027-01-01T00:00:00.000Z'))).toBe(true);
    expect(cardExpired('202612', new Date('2026-12-31T12:00:00.000Z'))).toBe(false);
  });

  it('decides by card, declines unknown and expired cards, and waits out an unavailable issuer', async () => {
    const issuer = createIssuerSimulator(DEFAULT_TEST_CARDS, { timeoutMs: 40 });
    const ask = (pan: string, expiry = '203001') =>
      issuer.authorize({ pan, expiry, amount: EUR(100), now: NOW });
    const approved = await ask('4111111111111111');
    expect(approved.status).toBe('approved');
    expect(approved.status === 'approved' && approved.authCode).toMatch(/^[A-Z0-9]{6}$/);
    expect(await ask('4000000000000002')).toEqual({ status: 'declined', reason: 'doNotHonour' });
    expect(await ask('4000000000009995')).toEqual({ status: 'declined', reason: 'insufficientFunds' });
    expect(await ask('4000000000000069')).toEqual({ status: 'declined', reason: 'expiredCard' });
    expect(await ask('4000000000009979')).toEqual({ status: 'declined', reason: 'stolenCard' });
    expect(await ask('5555555555554444')).toEqual({ status: 'declined', reason: 'invalidCard' });
    expect(await ask('4111111111111111', '202605')).toEqual({ status: 'declined', reason: 'expiredCard' });
    const started = Date.now();
    expect(await ask('4000000000000119')).toEqual({ status: 'declined', reason: 'issuerUnavailable' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(35);
    const codes = new Set(
      await Promise.all(
        Array.from({ length: 50 }, async () => {
          const d = await ask('4242424242424242');
          return d.status === 'approved' ? d.authCode : '';
        }),
      ),
    );
    expect(codes.size).toBeGreaterThan(45);
  });

  it('refuses a card table with a bad or repeated number', () => {
    expect(() =>
      createIssuerSimulator([{ pan: '4111111111111112', behaviour: 'approve', label: 'x' }], {
        timeoutMs: 0,
      }),
    ).toThrow(/Luhn/);
    const card = { pan: '4111111111111111', behaviour: 'approve' as const, label: 'x' };
    expect(() => createIssuerSimulator([card, card], { timeoutMs: 0 })).toThrow(/twice/);
  });
});

describe('follow-up rules', () => {
  const auth = (b: Partial<Balances>, result: 'approved' | 'declined' = 'approved') => ({
    result,
    currency: 'EUR',
    exponent: 2,
    createdAt: new Date(NOW.getTime() - 3600_000),
    balances: { authorized: 1000, captured: 0, refunded: 0, ...b },
  });
  const decide = (kind: FollowUpKind, b: Partial<Balances>, value: number) =>
    decideFollowUp(kind, auth(b), EUR(value), NOW);

  it.each([
    ['capture', {}, 1000, { authorized: 1000, captured: 1000, refunded: 0 }],
    ['capture', { captured: 400 }, 600, { authorized: 1000, captured: 1000, refunded: 0 }],
    ['capture', { captured: 400 }, 601, 'amountExceedsAuthorization'],
    ['capture', { authorized: 0 }, 1, 'alreadyReversed'],
    [
      'captureReversal',
      { captured: 500, refunded: 100 },
      400,
      { authorized: 1000, captured: 100, refunded: 100 },
    ],
    ['captureReversal', { captured: 500, refunded: 100 }, 401, 'amountExceedsCapture'],
    ['captureReversal', {}, 1, 'nothingToReverse'],
    ['authorizationReversal', {}, 0, { authorized: 0, captured: 0, refunded: 0 }],
    ['authorizationReversal', { captured: 300 }, 300, { authorized: 300, captured: 300, refunded: 0 }],
    ['authorizationReversal', { captured: 300 }, 299, 'amountExceedsCapture'],
    ['authorizationReversal', {}, 1001, 'amountExceedsAuthorization'],
    ['authorizationReversal', {}, 1000, 'nothingToReverse'],
    ['authorizationReversal', { authorized: 0 }, 0, 'alreadyReversed'],
    ['credit', { captured: 800, refunded: 300 }, 500, { authorized: 1000, captured: 800, refunded: 800 }],
    ['credit', { captured: 800, refunded: 300 }, 501, 'amountExceedsCapture'],
    ['credit', {}, 1, 'amountExceedsCapture'],
    [
      'creditReversal',
      { captured: 800, refunded: 300 },
      300,
      { authorized: 1000, captured: 800, refunded: 0 },
    ],
    ['creditReversal', { captured: 800, refunded: 300 }, 301, 'amountExceedsCredit'],
    ['creditReversal', { captured: 800 }, 1, 'nothingToReverse'],
  ] as const)('%s on %o for %d → %o', (kind, balances, value, expected) => {
    const d = decide(kind, balances, value);
    if (typeof expected === 'string') expect(d).toEqual({ outcome: 'rejected', reason: expected });
    else expect(d).toEqual({ outcome: 'accepted', next: expected });
  });

  it('refuses declined authorizations, other currencies, expired approvals and zero amounts', () => {
    expect(decideFollowUp('capture', auth({}, 'declined'), EUR(1), NOW)).toMatchObject({
      reason: 'notAuthorized',
    });
    expect(
      decideFollowUp('capture', auth({}), { currency: 'USD', value: 1, exponent: 2 }, NOW),
    ).toMatchObject({
      reason: 'notAuthorized',
    });
    const old = { ...auth({}), createdAt: new Date(NOW.getTime() - 8 * 86_400_000) };
    expect(decideFollowUp('capture', old, EUR(1), NOW)).toMatchObject({ reason: 'authorizationExpired' });
    // A refund after the authorization expired is still allowed: the money was captured in time.
    expect(
      decideFollowUp(
        'credit',
        { ...old, balances: { authorized: 1000, captured: 1000, refunded: 0 } },
        EUR(1),
        NOW,
      ),
    ).toMatchObject({ outcome: 'accepted' });
    expect(() => decide('capture', {}, 0)).toThrow(/greater than zero/);
  });

  it('derives the state shown on the dashboard', () => {
    expect(stateOf('declined', { authorized: 0, captured: 0, refunded: 0 })).toBe('declined');
    expect(stateOf('approved', { authorized: 100, captured: 0, refunded: 0 })).toBe('authorized');
    expect(stateOf('approved', { authorized: 100, captured: 50, refunded: 0 })).toBe('captured');
    expect(stateOf('approved', { authorized: 100, captured: 50, refunded: 10 })).toBe('refunded');
    expect(stateOf('approved', { authorized: 0, captured: 0, refunded: 0 })).toBe('reversed');
  });
});

describe('amounts and HTML', () => {
  it('reads operator amounts without floating point', () => {
    expect(parseDecimalValue('12.99', 2)).toBe(1299);
    expect(parseDecimalValue('12.9', 2)).toBe(1290);
    expect(parseDecimalValue('12', 2)).toBe(1200);
    expect(parseDecimalValue(' 0.01 ', 2)).toBe(1);
    expect(parseDecimalValue('12.999', 2)).toBeUndefined();
    expect(parseDecimalValue('1.5', 0)).toBeUndefined();
    expect(parseDecimalValue('-1', 2)).toBeUndefined();
    expect(parseDecimalValue('1e3', 2)).toBeUndefined();
    expect(parseDecimalValue('9999999999999.99', 2)).toBe(999_999_999_999_999);
    expect(parseDecimalValue('10000000000000', 2)).toBe(1e15);
    expect(parseDecimalValue('10000000000000.01', 2)).toBeUndefined(); // over 1e15 minor units
    expect(parseDecimalValue('0.1', 4)).toBe(1000);
    expect(parseDecimalValue('12,50', 2)).toBe(1250); // a decimal comma, as many people type it
    expect(parseDecimalValue('1,234.50', 2)).toBeUndefined(); // no grouping separators
    expect(parseDecimalValue('12.', 2)).toBeUndefined();
    expect(parseAmount('7', { currency: 'JPY', exponent: 0 })).toEqual({
      currency: 'JPY',
      value: 7,
      exponent: 0,
    });
  });

  it('shows amounts in their currency', () => {
    expect(amountDecimal(EUR(1299))).toBe('12.99');
    expect(amountDecimal(EUR(5))).toBe('0.05');
    expect(amountDecimal({ currency: 'JPY', value: 500, exponent: 0 })).toBe('500');
    expect(formatAmount(EUR(1299))).toBe('€12.99');
    expect(formatAmount({ currency: 'JPY', value: 500, exponent: 0 })).toBe('¥500');
    expect(formatAmount({ currency: 'BHD', value: 1234, exponent: 3 })).toContain('1.234');
    expect(formatAmount({ currency: 'EUR', value: 999_999_999_999_999, exponent: 2 })).toBe(
      '€9,999,999,999,999.99',
    );
  });

  it('escapes every interpolated value, and nests safely', () => {
    const evil = `<img src=x onerror="alert('x')">&`;
    expect(html`<p title="${evil}">${evil}</p>`.value).toBe(
      '<p title="&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;">&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;</p>',
    );
    expect(html`<ul>${['<a>', 'b'].map((x) => html`<li>${x}</li>`)}</ul>`.value).toBe(
      '<ul><li>&lt;a&gt;</li><li>b</li></ul>',
    );
    expect(html`${undefined}${null}${false}${0}`.value).toBe('0');
  });
});
