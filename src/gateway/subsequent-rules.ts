/**
 * What a subsequent authorization may ask for (SET-PROFILE §6 "Subsequent authorization" and
 * "Installments and recurring payments"): pure rules over what the cardholder signed (the opened
 * AuthToken) and what the ledger has granted so far, so the ledger applies them under the
 * purchase's row lock and tests can read them as a table.
 *
 * Asking for more than the cardholder signed is not a decline but a request the signature does not
 * cover, so it is refused as a SET Error (signatureFailure, like an AuthReqAmt above PurchAmt),
 * with a sentence saying which term it breaks and, for a payment too early, from when it may come.
 */
import {
  type Amount,
  type AuthTokenData,
  amountDecimal,
  calendarDaysBetween,
  planEnd,
  SetError,
} from '../protocol/index.ts';

/** What the ledger has granted on a purchase: approved authorizations, the first included. */
export interface PurchaseHistory {
  /** Minor units granted in all; never decreases (a reversal gives no room back). */
  granted: number;
  /** Approved authorizations so far. */
  approved: number;
  /** When the last approved one was made. */
  lastAuthorizedAt?: Date;
}

/** Why a subsequent authorization was refused: the term of the signed order it would break. */
export const SUBSEQUENT_REFUSALS = [
  'currency',
  'aboveSignedAmount',
  'aboveCeiling',
  'tooEarly',
  'tooMany',
  'afterEnd',
] as const;
export type SubsequentRefusal = (typeof SUBSEQUENT_REFUSALS)[number];

export class SubsequentAuthRefused extends SetError {
  constructor(
    readonly refusal: SubsequentRefusal,
    message: string,
  ) {
    super('signatureFailure', message);
  }
}

const DAY_MS = 86_400_000;
const formatAmount = (a: Amount) => `${a.currency} ${amountDecimal(a)}`;

/** Throws SubsequentAuthRefused when `amount` at `at` breaks what `token` says was signed. */
export function checkSubsequent(
  token: AuthTokenData,
  history: PurchaseHistory,
  amount: Amount,
  at: Date,
): void {
  if (amount.value === 0) throw new SetError('decodingFailure', 'AuthReqAmt must be greater than zero');
  const signed = token.purchAmt;
  if (amount.currency !== signed.currency || amount.exponent !== signed.exponent) {
    throw new SubsequentAuthRefused(
      'currency',
      `AuthReqAmt is in another currency than the ${signed.currency} the cardholder signed`,
    );
  }
  const plan = token.installRecurData;
  if (!plan) {
    const remaining = Math.max(signed.value - history.granted, 0);
    if (amount.value > remaining) {
      throw new SubsequentAuthRefused(
        'aboveSignedAmount',
        `AuthReqAmt ${formatAmount(amount)} is above what remains of the ${formatAmount(signed)} the cardholder signed (${formatAmount({ ...signed, value: remaining })} remains)`,
      );
    }
    return;
  }
  const end = planEnd(plan);
  if (plan.kind === 'recurring' && end && at.getTime() >= end.getTime()) {
    throw new SubsequentAuthRefused(
      'afterEnd',
      `the recurring payments the cardholder signed ended on ${plan.until}; no payment after that date`,
    );
  }
  if (plan.kind === 'installment' && history.approved >= plan.payments) {
    throw new SubsequentAuthRefused(
      'tooMany',
      `the cardholder signed for ${plan.payments} payments and ${history.approved} have been made`,
    );
  }
  if (history.lastAuthorizedAt && calendarDaysBetween(history.lastAuthorizedAt, at) < plan.frequencyDays) {
    const next = new Date(
      (Math.floor(history.lastAuthorizedAt.getTime() / DAY_MS) + plan.frequencyDays) * DAY_MS,
    );
    throw new SubsequentAuthRefused(
      'tooEarly',
      `too early: the cardholder signed for a payment at most every ${plan.frequencyDays} days; the next may come on ${next.toISOString().slice(0, 10)} (UTC) or later`,
    );
  }
  if (amount.value > plan.ceiling.value) {
    throw new SubsequentAuthRefused(
      'aboveCeiling',
      `AuthReqAmt ${formatAmount(amount)} is above the ${formatAmount(plan.ceiling)} per payment the cardholder signed`,
    );
  }
}

/** Whether an approval of `amount` leaves room for another authorization, so AuthRes carries a new AuthToken. */
export function roomAfter(token: AuthTokenData, history: PurchaseHistory, at: Date): boolean {
  const plan = token.installRecurData;
  if (!plan) return history.granted < token.purchAmt.value;
  if (plan.kind === 'installment') return history.approved < plan.payments;
  const end = planEnd(plan);
  return !end || at.getTime() < end.getTime();
}
