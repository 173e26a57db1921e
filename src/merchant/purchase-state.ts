/**
 * Where a SET transaction stands, from its record and follow-ups: the amounts authorized,
 * captured and refunded, a state for the site's pages, and the outcome an InqRes reports (its
 * CompletionCode moves on to capturePerformed and creditPerformed as the merchant acts).
 */
import { MAX_REPORTED_PAYMENTS, type PurchaseOutcome } from '../protocol/index.ts';
import type { FollowUpRecord, SetTransaction } from './order-store.ts';

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
  // Later parts and payments (SET-PROFILE §6), each captured with it when sent with CaptureNow.
  for (const s of tx.subsequent ?? []) {
    if (s.result.status !== 'approved') continue;
    b.authorized += s.result.amount.value;
    if (s.captureNow) b.captured += s.result.amount.value;
  }
  // Our own accepted follow-ups, then what the gateway's operator did (notified, each event once).
  // An authorization reversal names the amount left authorized, always lower than before, so the
  // lowest one is the last, in whichever order ours and the operator's were recorded.
  const changes: { kind: string; value: number }[] = [
    ...tx.followUps.map((f) => ({ kind: KIND_OF_STATUS[f.status] ?? '', value: f.amount.value })),
    ...(tx.operatorEvents ?? [])
      .filter((e) => e.amount.currency === b.currency && e.amount.exponent === b.exponent)
      .map((e) => ({ kind: e.kind, value: e.amount.value })),
  ];
  for (const { kind, value } of changes) {
    if (kind === 'authorizationReversal') b.authorized = Math.min(b.authorized, value);
    else if (kind === 'capture') b.captured += value;
    else if (kind === 'captureReversal') b.captured -= value;
    else if (kind === 'credit') b.refunded += value;
    else if (kind === 'creditReversal') b.refunded -= value;
  }
  return b;
}

/** The notification kind of each accepted follow-up answer (a rejected one changes nothing). */
const KIND_OF_STATUS: Partial<Record<FollowUpRecord['status'], string>> = {
  authorizationReversed: 'authorizationReversal',
  captured: 'capture',
  captureReversed: 'captureReversal',
  credited: 'credit',
  creditReversed: 'creditReversal',
};

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
  if (tx.record.outcome.result.status !== 'approved') return { ...tx.record.outcome, completionCode };
  // What the merchant's own follow-ups and the gateway operator's (notified) changes add up to.
  const amount = (value: number) => ({ currency: b.currency, value, exponent: b.exponent });
  const results = {
    authorized: amount(b.authorized),
    captured: amount(b.captured),
    credited: amount(b.refunded),
  };
  return { ...tx.record.outcome, completionCode, results, ...paymentsOf(tx) };
}

/**
 * A purchase with a payment plan, or authorized in parts (SET-PROFILE §6): its approved
 * authorizations so far, the first one the purchase's own, oldest first, as an InqRes lists them
 * for the cardholder's wallet (at most MAX_REPORTED_PAYMENTS, the newest; `paymentCount` all).
 */
function paymentsOf(tx: SetTransaction): Pick<PurchaseOutcome, 'payments' | 'paymentCount'> {
  const record = tx.record;
  if (!record || (!tx.installRecurData && !tx.subsequent?.length)) return {};
  const approved = [
    { date: record.at, result: record.outcome.result },
    ...(tx.subsequent ?? []).map((s) => ({ date: s.at, result: s.result })),
  ].filter((p) => p.result.status === 'approved');
  const payments = approved.map((p) => ({ date: new Date(p.date).toISOString(), amount: p.result.amount }));
  return { payments: payments.slice(-MAX_REPORTED_PAYMENTS), paymentCount: payments.length };
}
