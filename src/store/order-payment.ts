/**
 * Where an order's payment stands, from its SET transactions: the one that is authorizing or
 * approved if any (there is at most one), else the last declined one, else none yet.
 */
import {
  type OrderStore,
  type PurchaseState,
  purchaseStateOf,
  type SetTransaction,
} from '../merchant/index.ts';

export interface OrderPayment {
  state: PurchaseState;
  /** The transaction the state is about. */
  current?: SetTransaction;
  /** Every SET transaction of the order, oldest first (the back office lists them). */
  all: SetTransaction[];
}

export async function orderPayment(orders: OrderStore, orderId: string): Promise<OrderPayment> {
  const all = await orders.transactionsFor(orderId);
  const live = all.find((t) => t.claim && t.record?.outcome.result.status !== 'declined');
  if (live) return { state: purchaseStateOf(live), current: live, all };
  const declined = all.filter((t) => t.record).at(-1);
  if (declined) return { state: 'declined', current: declined, all };
  return { state: 'awaitingPayment', all };
}

/** The states in which the order is still waiting for a (new) payment from the wallet. */
export function awaitsPayment(state: PurchaseState): boolean {
  return state === 'awaitingPayment' || state === 'declined';
}
