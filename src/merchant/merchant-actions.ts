/**
 * The merchant's actions on an authorized purchase, with the checks a site should make before it
 * asks the gateway: capture (several partial captures, up to the amount authorized: split
 * shipment), refund (any number of times, up to what was captured) and reversal of an
 * authorization not yet captured, and the reversals of a capture (before it is refunded) and of a
 * refund. The gateway checks the same limits again; every answer, accepted or rejected, is
 * recorded with the order.
 *
 * Exactly once (SET-PROFILE §6): each follow-up is built with an idempotency key and kept in the
 * OrderStore (its bytes) before it is sent; its answer is recorded with the order. When the answer
 * is lost (GatewayUnavailableError with maybeDelivered) the order is "pendingConfirmation" and the
 * next action on it, or `reconcile`, sends those same bytes again: the gateway answers a repeated
 * key with what it did the first time, so nothing is ever captured or refunded twice.
 */
import type { Amount, FollowUpRequest, FollowUpRequestData } from '../protocol/index.ts';
import { b64u, randomNonce, SetError } from '../protocol/index.ts';
import { authorizeClaim } from './authorization-outcome.ts';
import type { GatewayClient } from './gateway-client.ts';
import { GatewayUnavailableError } from './gateway-unavailable.ts';
import type { MerchantKeys } from './keys.ts';
import type {
  FollowUpRecord,
  OrderStore,
  PendingFollowUp,
  SetTransaction,
  SubsequentAuthorization,
} from './order-store.ts';
import { balanceOf, type PurchaseState, purchaseStateOf } from './purchase-state.ts';

export type ActionProblem =
  | 'unknownTransaction'
  | 'notAuthorized'
  | 'alreadyCaptured'
  | 'notCaptured'
  | 'notRefunded'
  | 'alreadyReversed'
  | 'invalidAmount'
  | 'amountTooLarge'
  | 'nothingMoreToAuthorize';

/** A merchant action refused before anything was sent to the gateway. */
export class MerchantActionError extends Error {
  override readonly name = 'MerchantActionError';
  constructor(
    readonly problem: ActionProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface MerchantActions {
  /** Captures `amount` (default: all that is still authorized and not captured). May be repeated. */
  capture(xid: string, amount?: Amount): Promise<FollowUpRecord>;
  refund(xid: string, amount: Amount): Promise<FollowUpRecord>;
  /** Reverses the whole authorization; only before capture (refund after). */
  reverse(xid: string): Promise<FollowUpRecord>;
  /**
   * Undoes a capture (CapRevReq), e.g. one made by mistake, before it is refunded: `amount`
   * (default: all that is captured and not refunded) goes back to authorized-not-captured.
   */
  reverseCapture(xid: string, amount?: Amount): Promise<FollowUpRecord>;
  /** Undoes a refund (CredRevReq): `amount` (default: all refunded) is captured again. */
  reverseRefund(xid: string, amount?: Amount): Promise<FollowUpRecord>;
  /**
   * A further authorization of the purchase (SET-PROFILE §6 split shipment: the next part that
   * ships), with the AuthToken of its latest AuthRes; capture it with `capture` as for the first
   * part. Never above what the cardholder signed in all (checked here and by the gateway). The
   * idempotency key is derived from the order's records (`part-2`, `part-3`…), so calling again
   * after a lost answer gets the gateway's first answer, never a second authorization.
   */
  authorizeSubsequent(
    xid: string,
    amount: Amount,
    opts?: { captureNow?: boolean },
  ): Promise<SubsequentAuthorization>;
  /**
   * The next payment of the purchase's plan (InstallRecurData), authorized and captured at once:
   * `amount` defaults to the first payment's. The gateway refuses a payment that breaks the
   * signed terms (too early, too many, after the end date, above the ceiling) with a SetWalletError
   * saying which; nothing is recorded then. Keys `payment-2`, `payment-3`… as above.
   */
  chargeRecurring(xid: string, amount?: Amount): Promise<SubsequentAuthorization>;
  /**
   * Brings the order in line with the gateway's books: resends a follow-up whose answer was lost
   * (same bytes), and an authorization left "authorizing" for longer than `authorizingAfterMs`
   * (the claimed AuthReq, same XID and RRPID). The gateway answers both from its ledger if it
   * already acted. Returns the order's state afterwards. Throws GatewayUnavailableError while the
   * gateway cannot be reached (nothing is lost: call it again later).
   */
  reconcile(xid: string): Promise<PurchaseState>;
}

/** Default bound after which reconcile settles an order still "authorizing" (wallet gone quiet). */
export const AUTHORIZING_BOUND_MS = 60_000;

export function createMerchantActions(deps: {
  gateway: GatewayClient;
  orders: OrderStore;
  /** Needed to settle a stuck authorization: the PRes kept for the wallet is signed with it. */
  merchant?: MerchantKeys;
  now?: () => Date;
  /** How long an order may stay "authorizing" before reconcile asks the gateway (default 60 s). */
  authorizingAfterMs?: number;
}): MerchantActions {
  const now = deps.now ?? (() => new Date());
  const authorizingAfterMs = deps.authorizingAfterMs ?? AUTHORIZING_BOUND_MS;

  async function found(xid: string): Promise<SetTransaction> {
    const tx = await deps.orders.find(xid);
    if (!tx) throw new MerchantActionError('unknownTransaction', 'there is no SET transaction with this XID');
    return tx;
  }

  async function approved(
    xid: string,
  ): Promise<SetTransaction & { record: NonNullable<SetTransaction['record']> }> {
    const tx = await found(xid);
    if (tx.record?.outcome.result.status !== 'approved') {
      throw new MerchantActionError('notAuthorized', 'this purchase was not authorized');
    }
    return tx as SetTransaction & { record: NonNullable<SetTransaction['record']> };
  }

  function checkAmount(amount: Amount, tx: SetTransaction, max: number, what: string): void {
    const b = balanceOf(tx);
    if (
      amount.currency !== b.currency ||
      amount.exponent !== b.exponent ||
      !Number.isSafeInteger(amount.value)
    ) {
      throw new MerchantActionError('invalidAmount', `the amount must be in ${b.currency} minor units`);
    }
    if (amount.value <= 0)
      throw new MerchantActionError('invalidAmount', 'the amount must be more than zero');
    if (amount.value > max)
      throw new MerchantActionError('amountTooLarge', `the amount is more than ${what}`);
  }

  /**
   * Sends a pending follow-up (its stored bytes) and records the answer. A SET Error means the
   * gateway refused it without effect, and one that provably never reached the gateway is
   * dropped; a lost answer leaves it pending and throws.
   */
  async function settle(xid: string, pending: PendingFollowUp): Promise<FollowUpRecord> {
    let res: Awaited<ReturnType<GatewayClient['sendFollowUp']>>;
    try {
      res = await deps.gateway.sendFollowUp({
        type: pending.request,
        wire: pending.wire,
        content: JSON.parse(pending.content) as FollowUpRequestData,
      });
    } catch (e) {
      const noEffect = e instanceof GatewayUnavailableError ? !e.maybeDelivered : e instanceof SetError;
      if (noEffect) await deps.orders.abandonFollowUp(xid, pending.idempotencyKey);
      throw e;
    }
    const rec: FollowUpRecord = {
      request: pending.request,
      status: res.status,
      amount: res.amount,
      ...(res.reason ? { reason: res.reason } : {}),
      idempotencyKey: pending.idempotencyKey,
      at: now().toISOString(),
    };
    await deps.orders.recordFollowUp(xid, rec);
    return rec;
  }

  /**
   * One follow-up, exactly once. An earlier follow-up still pending is settled first; if it is
   * this very request (same kind and amount: the merchant pressed again after a lost answer), its
   * answer is the answer. Otherwise `check` runs on the settled order and the new one is kept,
   * then sent.
   */
  async function act(
    xid: string,
    type: FollowUpRequest,
    plan: (tx: SetTransaction & { record: NonNullable<SetTransaction['record']> }) => {
      amount: Amount;
      capToken?: string;
    },
  ): Promise<FollowUpRecord> {
    for (let round = 0; round < 3; round++) {
      let tx = await approved(xid);
      const earlier = tx.pendingFollowUp;
      if (earlier) {
        const wanted = planOrUndefined(() => plan(tx));
        const rec = await settle(xid, earlier);
        if (wanted && earlier.request === type && sameAmount(earlier.amount, wanted.amount)) return rec;
        tx = await approved(xid);
      }
      const { amount, capToken } = plan(tx);
      const prepared = await deps.gateway.prepareFollowUp(type, {
        transIds: tx.order.transIds,
        amount,
        ...(capToken ? { capToken } : {}),
        // Derived from the order's records, plus a random part so an abandoned key is never reused.
        idempotencyKey: `${type}-${tx.followUps.length + 1}-${b64u(randomNonce()).slice(0, 12)}`,
      });
      const mine: PendingFollowUp = {
        request: type,
        idempotencyKey: prepared.content.idempotencyKey!,
        amount,
        wire: prepared.wire,
        content: JSON.stringify(prepared.content),
        at: now().toISOString(),
      };
      const pending = await deps.orders.beginFollowUp(xid, mine);
      if (pending.idempotencyKey === mine.idempotencyKey) return settle(xid, mine);
      // Another action on this order got there first: settle it, then look again.
    }
    throw new GatewayUnavailableError('the order store', 3, true, 'other actions on this order kept winning');
  }

  async function subsequent(
    xid: string,
    prefix: 'part' | 'payment',
    amount: Amount,
    captureNow: boolean,
  ): Promise<SubsequentAuthorization> {
    const tx = await approved(xid);
    const earlier = tx.subsequent ?? [];
    const authToken =
      [...earlier].reverse().find((s) => s.authToken)?.authToken ?? tx.record.authRes.authToken;
    const last = earlier.at(-1);
    if (!authToken || (last && !last.authToken && last.result.status === 'approved')) {
      throw new MerchantActionError(
        'nothingMoreToAuthorize',
        'the gateway gave no AuthToken for more: everything the cardholder signed has been authorized',
      );
    }
    const signed = tx.installRecurData ? undefined : tx.purchAmt;
    const max = signed ? signed.value - grantedSoFar(tx) : Number.MAX_SAFE_INTEGER;
    checkAmount(amount, tx, max, 'remains of what the cardholder signed');
    const authRes = await deps.gateway.authorizeSubsequent({
      transIds: tx.order.transIds,
      authToken,
      amount,
      idempotencyKey: `${prefix}-${earlier.length + 2}`,
      captureNow,
    });
    return deps.orders.recordSubsequent(xid, {
      idempotencyKey: `${prefix}-${earlier.length + 2}`,
      result: authRes.result,
      captureNow,
      ...(authRes.capToken ? { capToken: authRes.capToken } : {}),
      ...(authRes.authToken ? { authToken: authRes.authToken } : {}),
      at: now().toISOString(),
    });
  }

  return {
    capture: (xid, amount) =>
      act(xid, 'CapReq', (tx) => {
        const b = balanceOf(tx);
        if (b.authorized === 0)
          throw new MerchantActionError('alreadyReversed', 'the authorization was reversed');
        const left = b.authorized - b.captured;
        if (left <= 0)
          throw new MerchantActionError('alreadyCaptured', 'everything authorized has been captured');
        const amt = amount ?? { currency: b.currency, value: left, exponent: b.exponent };
        checkAmount(amt, tx, left, 'is authorized and not yet captured');
        return {
          amount: amt,
          ...(tx.record.authRes.capToken ? { capToken: tx.record.authRes.capToken } : {}),
        };
      }),
    refund: (xid, amount) =>
      act(xid, 'CredReq', (tx) => {
        const b = balanceOf(tx);
        if (b.captured === 0) throw new MerchantActionError('notCaptured', 'nothing has been captured yet');
        checkAmount(amount, tx, b.captured - b.refunded, 'is left to refund');
        return { amount };
      }),
    reverse: (xid) =>
      act(xid, 'AuthRevReq', (tx) => {
        const b = balanceOf(tx);
        if (b.authorized === 0)
          throw new MerchantActionError('alreadyReversed', 'the authorization was reversed');
        if (b.captured > 0)
          throw new MerchantActionError('alreadyCaptured', 'the purchase was captured: refund it');
        return { amount: { currency: b.currency, value: 0, exponent: b.exponent } };
      }),
    reverseCapture: (xid, amount) =>
      act(xid, 'CapRevReq', (tx) => {
        const b = balanceOf(tx);
        const left = b.captured - b.refunded;
        if (left <= 0) throw new MerchantActionError('notCaptured', 'nothing captured is left to reverse');
        const amt = amount ?? { currency: b.currency, value: left, exponent: b.exponent };
        checkAmount(amt, tx, left, 'is captured and not refunded');
        return { amount: amt };
      }),
    reverseRefund: (xid, amount) =>
      act(xid, 'CredRevReq', (tx) => {
        const b = balanceOf(tx);
        if (b.refunded <= 0) throw new MerchantActionError('notRefunded', 'nothing has been refunded');
        const amt = amount ?? { currency: b.currency, value: b.refunded, exponent: b.exponent };
        checkAmount(amt, tx, b.refunded, 'has been refunded');
        return { amount: amt };
      }),
    authorizeSubsequent: (xid, amount, opts) => subsequent(xid, 'part', amount, opts?.captureNow ?? false),
    async chargeRecurring(xid, amount) {
      const tx = await approved(xid);
      if (!tx.installRecurData) {
        throw new MerchantActionError('nothingMoreToAuthorize', 'this purchase has no payment plan');
      }
      return subsequent(xid, 'payment', amount ?? tx.purchAmt, true);
    },
    async reconcile(xid) {
      let tx = await found(xid);
      if (tx.claim && !tx.record) {
        const since = now().getTime() - Date.parse(tx.claim.at);
        if (since >= authorizingAfterMs) {
          if (!deps.merchant || !tx.claim.answers) {
            throw new Error(
              'reconcile: settling an authorization needs the merchant keys and a claim with answers',
            );
          }
          const { cardholder, ...answers } = tx.claim.answers;
          await authorizeClaim({
            gateway: deps.gateway,
            orders: deps.orders,
            merchant: deps.merchant,
            now,
            xid,
            claim: tx.claim,
            answers: { ...answers, transIds: tx.order.transIds },
            ...(cardholder ? { cardholder } : {}),
          });
          tx = await found(xid);
        }
      }
      if (tx.pendingFollowUp) {
        try {
          await settle(xid, tx.pendingFollowUp);
        } catch (e) {
          if (!(e instanceof SetError) || e instanceof GatewayUnavailableError) throw e;
          // Refused without effect: dropped, and the order is as the gateway has it.
        }
        tx = await found(xid);
      }
      return purchaseStateOf(tx);
    },
  };
}

/** Approved authorizations of the purchase so far, the first included (reversals give no room back). */
function grantedSoFar(tx: SetTransaction): number {
  const first = tx.record?.outcome.result;
  let granted = first?.status === 'approved' ? first.amount.value : 0;
  for (const s of tx.subsequent ?? []) if (s.result.status === 'approved') granted += s.result.amount.value;
  return granted;
}

function planOrUndefined<T>(f: () => T): T | undefined {
  try {
    return f();
  } catch (e) {
    if (e instanceof MerchantActionError) return undefined;
    throw e;
  }
}

const sameAmount = (a: Amount, b: Amount) =>
  a.currency === b.currency && a.value === b.value && a.exponent === b.exponent;
