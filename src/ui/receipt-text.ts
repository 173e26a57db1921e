/** A receipt's state for people: the popup's list and the receipt's detail view. */
import type { PaymentState } from '../protocol/messages/purchase/p-res.ts';
import { t } from './i18n.ts';

/** Where a payment stands (authorized, captured, partly refunded, …), for people. */
export function receiptStateText(state: PaymentState): string {
  return t(`receiptState_${state}`);
}
