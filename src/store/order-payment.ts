/**
 * Where an order's payment stands, from its SET transactions: the one that is authorizing or
 * approved if any (there is at most one), else the last declined one, else none yet.
 */
import { type PurchaseState, purchaseStateOf, type SetTransaction } from '../merchant/index.ts';
import type { SqlOrderStore } from './sql-order-store.ts';

export interface OrderPayment {
  state: PurchaseState;
  /** The transaction the state is about. */
  current?: SetTransaction;
}

export async function orderPayment(orders: SqlOrderStore, orderId: string): Promise<OrderPayment> {
  const all = await orders.transactionsFor(orderId);
  const live = all.find((t) => t.claim && t.record?.outcome.result.status !== 'declined');
  if (live) return { state: purchaseStateOf(live), current: live };
  const declined = all.filter((t) => t.record).at(-1);
  if (declined) return { state: 'declined', current: declined };
  return { state: 'awaitingPayment' };
}

/** The states in which the order is still waiting for a (new) payment from the wallet. */
export function awaitsPayment(state: PurchaseState): boolean {
  return state === 'awaitingPayment' || state === 'declined';
}
