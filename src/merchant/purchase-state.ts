/**
 * Where a SET transaction stands, from its record and follow-ups: the amounts authorized,
 * captured and refunded, a state for the site's pages, and the outcome an InqRes reports (its
 * CompletionCode moves on to capturePerformed and creditPerformed as the merchant acts).
 */
import type { PurchaseOutcome } from '../protocol/index.ts';
import type { SetTransaction } from './order-store.ts';

export type PurchaseState =
  | 'awaitingPayment'
  | 'authorizing'
  | 'declined'
  | 'authorized'
  | 'reversed'
  | 'captured'
  | 'partiallyRefunded'
  | 'refunded'
  /** A capture, refund or reversal was sent and its answer was lost: settle it (reconcile). */
  | 'pendingConfirmation';

export interface Balance {
  currency: string;
  exponent: number;
  /** Minor units still authorized (after reversals); zero unless approved. */
  authorized: number;
  captured: number;
  refunded: number;
}

export function balanceOf(tx: SetTransaction): Balance {
  const b: Balance = {
    currency: tx.purchAmt.currency,
    exponent: tx.purchAmt.exponent,
    authorized: 0,
    captured: 0,
    refunded: 0,
  };
  const result = tx.record?.outcome.result;
  if (result?.status !== 'approved') return b;
  b.authorized = result.amount.value;
  // Sale mode: the gateway captured the whole approval with the authorization.
  if (tx.record?.capturedWithAuthorization) b.captured = result.amount.value;
  for (const f of tx.followUps) {
    const v = f.amount.value;
    if (f.status === 'authorizationReversed') b.authorized = v;
    else if (f.status === 'captured') b.captured += v;
    else if (f.status === 'captureReversed') b.captured -= v;
    else if (f.status === 'credited') b.refunded += v;
    else if (f.status === 'creditReversed') b.refunded -= v;
  }
  // The gateway's notified state counts when it is at least as new as our own last record: it
  // includes what the gateway's operator did, which our follow-ups never see.
  const g = tx.gateway?.transaction;
  if (g && g.currency === b.currency && !newerLocally(tx)) {
    return { ...b, authorized: g.authorized, captured: g.captured, refunded: g.refunded };
  }
  return b;
}

function newerLocally(tx: SetTransaction): boolean {
  const madeAt = Date.parse(tx.gateway?.madeAt ?? '');
  return tx.followUps.some((f) => Date.parse(f.at) > madeAt);
}

export function purchaseStateOf(tx: SetTransaction): PurchaseState {
  if (!tx.record) return tx.claim ? 'authorizing' : 'awaitingPayment';
  if (tx.record.outcome.result.status !== 'approved') return 'declined';
  if (tx.pendingFollowUp) return 'pendingConfirmation';
  const b = balanceOf(tx);
  if (b.refunded > 0) return b.refunded >= b.captured ? 'refunded' : 'partiallyRefunded';
  if (b.captured > 0) return 'captured';
  return b.authorized === 0 ? 'reversed' : 'authorized';
}

/** The outcome an InqRes reports now. */
export function currentOutcome(tx: SetTransaction): PurchaseOutcome {
  if (!tx.record) {
    return { completionCode: 'orderReceived', result: { status: 'pending', amount: tx.purchAmt } };
  }
  const b = balanceOf(tx);
  const completionCode =
    b.refunded > 0
      ? 'creditPerformed'
      : b.captured > 0
        ? 'capturePerformed'
        : tx.record.outcome.completionCode;
  return { ...tx.record.outcome, completionCode };
}
