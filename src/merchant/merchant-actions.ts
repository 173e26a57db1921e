/**
 * The merchant's actions on an authorized purchase, with the checks a site should make before it
 * asks the gateway: capture (once, up to the amount authorized), refund (any number of times, up
 * to what was captured) and reversal of an authorization not yet captured. Each gateway answer,
 * accepted or rejected, is recorded with the order. The gateway checks the same limits again.
 */
import type { Amount } from '../protocol/index.ts';
import type { GatewayClient } from './gateway-client.ts';
import type { FollowUpRecord, OrderStore, SetTransaction } from './order-store.ts';
import { balanceOf } from './purchase-state.ts';

export type ActionProblem =
  | 'unknownTransaction'
  | 'notAuthorized'
  | 'alreadyCaptured'
  | 'notCaptured'
  | 'alreadyReversed'
  | 'invalidAmount'
  | 'amountTooLarge';

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
  /** Captures `amount` (default: all that is authorized). */
  capture(xid: string, amount?: Amount): Promise<FollowUpRecord>;
  refund(xid: string, amount: Amount): Promise<FollowUpRecord>;
  /** Reverses the whole authorization; only before capture (refund after). */
  reverse(xid: string): Promise<FollowUpRecord>;
}

export function createMerchantActions(deps: {
  gateway: GatewayClient;
  orders: OrderStore;
  now?: () => Date;
}): MerchantActions {
  const now = deps.now ?? (() => new Date());

  async function approved(
    xid: string,
  ): Promise<SetTransaction & { record: NonNullable<SetTransaction['record']> }> {
    const tx = await deps.orders.find(xid);
    if (!tx) throw new MerchantActionError('unknownTransaction', 'there is no SET transaction with this XID');
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

  async function record(
    xid: string,
    request: FollowUpRecord['request'],
    res: Awaited<ReturnType<GatewayClient['capture']>>,
  ): Promise<FollowUpRecord> {
    const rec: FollowUpRecord = {
      request,
      status: res.status,
      amount: res.amount,
      ...(res.reason ? { reason: res.reason } : {}),
      at: now().toISOString(),
    };
    await deps.orders.recordFollowUp(xid, rec);
    return rec;
  }

  return {
    async capture(xid, amount) {
      const tx = await approved(xid);
      const b = balanceOf(tx);
      if (b.authorized === 0)
        throw new MerchantActionError('alreadyReversed', 'the authorization was reversed');
      if (b.captured > 0)
        throw new MerchantActionError('alreadyCaptured', 'this purchase has already been captured');
      const amt = amount ?? { currency: b.currency, value: b.authorized, exponent: b.exponent };
      checkAmount(amt, tx, b.authorized, 'is authorized');
      const res = await deps.gateway.capture({
        transIds: tx.order.transIds,
        amount: amt,
        ...(tx.record.authRes.capToken ? { capToken: tx.record.authRes.capToken } : {}),
      });
      return record(xid, 'CapReq', res);
    },
    async refund(xid, amount) {
      const tx = await approved(xid);
      const b = balanceOf(tx);
      if (b.captured === 0) throw new MerchantActionError('notCaptured', 'nothing has been captured yet');
      checkAmount(amount, tx, b.captured - b.refunded, 'is left to refund');
      return record(xid, 'CredReq', await deps.gateway.refund({ transIds: tx.order.transIds, amount }));
    },
    async reverse(xid) {
      const tx = await approved(xid);
      const b = balanceOf(tx);
      if (b.authorized === 0)
        throw new MerchantActionError('alreadyReversed', 'the authorization was reversed');
      if (b.captured > 0)
        throw new MerchantActionError('alreadyCaptured', 'the purchase was captured: refund it');
      const res = await deps.gateway.reverse({
        transIds: tx.order.transIds,
        amount: { currency: b.currency, value: 0, exponent: b.exponent },
      });
      return record(xid, 'AuthRevReq', res);
    },
  };
}
