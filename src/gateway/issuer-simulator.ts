/**
 * The issuer behind the sandbox gateway: a table of test card numbers, each with a fixed outcome,
 * like a card network's test mode. The gateway asks it for the business decision after every
 * SET check has passed (SET Book 1 "Payment authorization": the acquirer asks the issuer over the
 * financial network). A decline is a business result, reported in AuthRes, never a SET Error.
 */

import { type Amount, type DeclineReason, randomNonce } from '../protocol/index.ts';
import { isLuhnValid, type TestCard } from '../protocol/pan.ts';

export { TEST_CARD_BEHAVIOURS, type TestCard, type TestCardBehaviour } from '../protocol/pan.ts';

/** Luhn-valid numbers, most of them the ones card networks' test modes use, so developers know them. */
export const DEFAULT_TEST_CARDS: readonly TestCard[] = [
  { pan: '4111111111111111', behaviour: 'approve', label: 'Approved' },
  { pan: '4242424242424242', behaviour: 'approve', label: 'Approved (second card)' },
  { pan: '4000000000000002', behaviour: 'doNotHonour', label: 'Declined: do not honour' },
  { pan: '4000000000009995', behaviour: 'insufficientFunds', label: 'Declined: insufficient funds' },
  { pan: '4000000000000069', behaviour: 'expiredCard', label: 'Declined: expired card' },
  { pan: '4000000000009979', behaviour: 'stolenCard', label: 'Declined: card reported stolen' },
  {
    pan: '4000000000000119',
    behaviour: 'issuerUnavailable',
    label: 'Issuer does not answer: declined after the timeout',
  },
];

export interface IssuerRequest {
  pan: string;
  /** YYYYMM, as in PANData. */
  expiry: string;
  amount: Amount;
  now: Date;
}

export type IssuerDecision =
  | { status: 'approved'; authCode: string }
  | { status: 'declined'; reason: DeclineReason };

/** What the gateway needs from an issuer: a decision per authorization request. */
export interface Issuer {
  authorize(req: IssuerRequest): Promise<IssuerDecision>;
}

export interface IssuerSimulator extends Issuer {
  readonly cards: readonly TestCard[];
}

/** True when a YYYYMM expiry has passed: a card is valid through the last day of its month. */
export function cardExpired(expiry: string, now: Date): boolean {
  const year = Number(expiry.slice(0, 4));
  const month = Number(expiry.slice(4, 6));
  // Date.UTC with month = `month` (0-based next month), day 1: the first instant after the expiry month.
  return now.getTime() >= Date.UTC(year, month, 1);
}

const AUTH_CODE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A six-character authorization code, uniformly from [A-Z0-9] (rejection sampling avoids modulo bias). */
export function newAuthCode(): string {
  let code = '';
  while (code.length < 6) {
    for (const byte of randomNonce()) {
      if (byte < 252 && code.length < 6) code += AUTH_CODE_ALPHABET[byte % 36];
    }
  }
  return code;
}

/**
 * An issuer that answers from `cards`. A PAN not in the table (or failing Luhn) is declined as
 * `invalidCard`: the sandbox only knows its test cards, and a developer who types a real card
 * number learns at once that it will not work here. A card past its PANData expiry is declined
 * `expiredCard` whatever its behaviour. `issuerUnavailable` cards wait `timeoutMs`, as the gateway
 * would wait for an issuer that does not answer, and are then declined.
 */
export function createIssuerSimulator(
  cards: readonly TestCard[] = DEFAULT_TEST_CARDS,
  opts: { timeoutMs: number },
): IssuerSimulator {
  const byPan = new Map<string, TestCard>();
  for (const card of cards) {
    if (!isLuhnValid(card.pan)) throw new Error(`test card ${card.label}: the number fails the Luhn check`);
    if (byPan.has(card.pan)) throw new Error(`test card ${card.label}: the number is listed twice`);
    byPan.set(card.pan, card);
  }
  if (!Number.isFinite(opts.timeoutMs) || opts.timeoutMs < 0) throw new Error('timeoutMs must be >= 0');
  return {
    cards,
    async authorize(req) {
      const card = byPan.get(req.pan);
      if (!card) return { status: 'declined', reason: 'invalidCard' };
      if (cardExpired(req.expiry, req.now)) return { status: 'declined', reason: 'expiredCard' };
      switch (card.behaviour) {
        case 'approve':
          return { status: 'approved', authCode: newAuthCode() };
        case 'issuerUnavailable':
          await new Promise((resolve) => setTimeout(resolve, opts.timeoutMs));
          return { status: 'declined', reason: 'issuerUnavailable' };
        default:
          return { status: 'declined', reason: card.behaviour };
      }
    },
  };
}
