/**
 * What a capture, refund or reversal may do to an authorization (SET Book 2 "Capture",
 * "Authorization reversal", "Credit" and their reversals): pure arithmetic on the authorized,
 * captured and refunded totals, so the ledger applies it inside its transaction and tests can
 * read it as a table. A refusal is a business result (`rejected` with a REJECT_REASONS reason),
 * never a SET Error.
 */
import {
  type Amount,
  type FollowUpRequest,
  REJECT_REASONS,
  SetError,
  TRANSACTION_STATES,
  type TransactionState,
} from '../protocol/index.ts';

export type RejectReason = (typeof REJECT_REASONS)[number];
export { REJECT_REASONS };

export const FOLLOW_UP_KINDS = [
  'capture',
  'captureReversal',
  'authorizationReversal',
  'credit',
  'creditReversal',
] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

export const KIND_OF_REQUEST: Record<FollowUpRequest, FollowUpKind> = {
  CapReq: 'capture',
  CapRevReq: 'captureReversal',
  AuthRevReq: 'authorizationReversal',
  CredReq: 'credit',
  CredRevReq: 'creditReversal',
};

/** The states of an authorization (the protocol's, since TransListRes reports them). */
export const AUTHORIZATION_STATES = TRANSACTION_STATES;
export type AuthorizationState = TransactionState;

/** Minor units, in the authorization's currency and exponent. */
export interface Balances {
  authorized: number;
  captured: number;
  refunded: number;
}

export interface Authorized {
  result: 'approved' | 'declined';
  currency: string;
  exponent: number;
  createdAt: Date;
  balances: Balances;
}

export type Decision =
  | { outcome: 'accepted'; next: Balances }
  | { outcome: 'rejected'; reason: RejectReason };

/** How long an approval may still be captured: a typical issuer hold. */
export const DEFAULT_AUTHORIZATION_VALIDITY_MS = 7 * 24 * 3600_000;

const reject = (reason: RejectReason): Decision => ({ outcome: 'rejected', reason });

/**
 * `amount` is the request's amount as SET defines it: for an authorization reversal the new
 * authorized amount (0 reverses it all); for every other kind the amount to move.
 */
export function decideFollowUp(
  kind: FollowUpKind,
  auth: Authorized,
  amount: Amount,
  now: Date,
  validityMs = DEFAULT_AUTHORIZATION_VALIDITY_MS,
): Decision {
  if (kind !== 'authorizationReversal' && amount.value === 0) {
    throw new SetError('decodingFailure', `a ${kind} amount must be greater than zero`);
  }
  if (auth.result !== 'approved') return reject('notAuthorized');
  // An authorization exists in one currency; an amount in another matches nothing authorized.
  if (amount.currency !== auth.currency || amount.exponent !== auth.exponent) return reject('notAuthorized');
  const { authorized: a, captured: c, refunded: r } = auth.balances;
  const v = amount.value;
  switch (kind) {
    case 'capture':
      if (a === 0) return reject('alreadyReversed');
      if (now.getTime() - auth.createdAt.getTime() > validityMs) return reject('authorizationExpired');
      if (v > a - c) return reject('amountExceedsAuthorization');
      return { outcome: 'accepted', next: { authorized: a, captured: c + v, refunded: r } };
    case 'captureReversal':
      // What was refunded can no longer be un-captured.
      if (c - r === 0) return reject('nothingToReverse');
      if (v > c - r) return reject('amountExceedsCapture');
      return { outcome: 'accepted', next: { authorized: a, captured: c - v, refunded: r } };
    case 'authorizationReversal':
      if (a === 0) return reject('alreadyReversed');
      if (v > a) return reject('amountExceedsAuthorization');
      // The authorization cannot shrink below what has been captured against it.
      if (v < c) return reject('amountExceedsCapture');
      if (v === a) return reject('nothingToReverse');
      return { outcome: 'accepted', next: { authorized: v, captured: c, refunded: r } };
    case 'credit':
      if (v > c - r) return reject('amountExceedsCapture');
      return { outcome: 'accepted', next: { authorized: a, captured: c, refunded: r + v } };
    case 'creditReversal':
      if (r === 0) return reject('nothingToReverse');
      if (v > r) return reject('amountExceedsCredit');
      return { outcome: 'accepted', next: { authorized: a, captured: c, refunded: r - v } };
  }
}

/** The state the dashboard filters on, derived from the result and the totals. */
export function stateOf(result: 'approved' | 'declined', b: Balances): AuthorizationState {
  if (result === 'declined') return 'declined';
  if (b.authorized === 0 && b.captured === 0) return 'reversed';
  if (b.refunded > 0) return 'refunded';
  if (b.captured > 0) return 'captured';
  return 'authorized';
}
