/**
 * Human wording for the business results a site shows (declines, rejected follow-ups) and for the
 * SET errors it may meet. Plain sentences a shopper or a shop owner can act on.
 */
import type { DeclineReason, ErrorCode } from '../protocol/index.ts';
import type { RejectReason } from './order-store.ts';

const DECLINES: Record<DeclineReason, string> = {
  doNotHonour:
    'The card issuer declined the payment without giving a reason. Try another card, or ask your bank.',
  insufficientFunds: 'There are not enough funds or credit on the card for this amount.',
  expiredCard: 'The card has expired. Use a card that is still valid.',
  stolenCard: 'The card has been reported lost or stolen, so it cannot be used.',
  issuerUnavailable: 'The card issuer could not be reached. Try again in a few minutes.',
  invalidCard: 'The card cannot be used for this payment.',
  amountExceeded: 'The amount is over the limit set for this card.',
};

export function describeDecline(reason: DeclineReason | undefined): string {
  return reason ? DECLINES[reason] : 'The card issuer declined the payment.';
}

const REJECTIONS: Record<RejectReason, string> = {
  notAuthorized: 'The gateway holds no authorization for this order.',
  amountExceedsAuthorization: 'The amount is more than is still authorized.',
  amountExceedsCapture: 'The amount is more than was captured.',
  amountExceedsCredit: 'The amount is more than was refunded.',
  alreadyReversed: 'The authorization has already been reversed.',
  nothingToReverse: 'There is nothing left to reverse.',
  authorizationExpired: 'The authorization has expired; the order must be paid again.',
  unknownBatch: 'The gateway knows no open batch of this shop by that number.',
  batchClosed: 'That batch is already settled: send it without a batch, or name the open one.',
};

export function describeRejection(reason: RejectReason | undefined): string {
  return reason ? REJECTIONS[reason] : 'The gateway turned the request down.';
}

const ERRORS: Partial<Record<ErrorCode, string>> = {
  unknownXID: 'The payment is not one this shop started, or it has already been completed.',
  challengeMismatch: 'The payment answers another checkout. Start the payment again.',
  signatureRequired: 'This shop accepts payments from registered cards only.',
  messageTooOld: 'The payment took too long. Start it again.',
  revokedCertificate: 'A certificate in the payment has been revoked.',
  expiredCertificate: 'A certificate in the payment has expired.',
};

export function describeSetError(code: ErrorCode): string {
  return ERRORS[code] ?? 'The payment could not be processed. Start it again.';
}
